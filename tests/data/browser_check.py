"""Loads pages in headless Chromium and reports, as JSON on stdout, every image's load
state and every console message. Driven by tests/browser.rs; it judges nothing itself.

Usage: python3 browser_check.py CHROMIUM CHROMEDRIVER URL...
"""

import json
import os
import shutil
import sys
import tempfile

# Selenium must not look for drivers or browsers on the network: we name both.
os.environ["SE_OFFLINE"] = "true"

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

PATIENCE = 120  # seconds; a slow, busy machine renders charts slowly

IMAGES = """
return Array.from(document.images).map(i => ({
  src: i.currentSrc || i.src,
  complete: i.complete,
  natural_width: i.naturalWidth,
  natural_height: i.naturalHeight,
}));
"""


def main():
    chromium, chromedriver, urls = sys.argv[1], sys.argv[2], sys.argv[3:]
    profile = tempfile.mkdtemp(prefix="headcount-chromium-")
    options = Options()
    options.binary_location = chromium
    # Headless, and off the network: this machine has none, and background
    # networking only makes noise.
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        driver.set_page_load_timeout(PATIENCE)
        pages = []
        for url in urls:
            driver.get(url)
            WebDriverWait(driver, PATIENCE).until(
                lambda d: d.execute_script(
                    "return Array.from(document.images).every(i => i.complete)"
                )
            )
            pages.append(
                {
                    "url": url,
                    "title": driver.title,
                    "images": driver.execute_script(IMAGES),
                    # Messages since the last call: this page's.
                    "console": driver.get_log("browser"),
                }
            )
        print(json.dumps(pages))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
