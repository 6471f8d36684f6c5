"""Loads pages in headless Chromium and reports, as JSON on stdout, every image's load
state, every console message and how wide the page is against the window, for each page
at desktop (1400x1000) and phone (390x844) size, in the light and the dark colour
scheme. Driven by tests/browser.rs; it judges nothing itself.

With HEADCOUNT_SCREENSHOTS=DIR it also saves each view as DIR/NAME-WxH-SCHEME.png, NAME
being the page's last path segment ("dashboard" for "/"): scripts/screenshots makes the
pictures of docs/ this way.

Usage: python3 browser_check.py CHROMIUM CHROMEDRIVER URL...
"""

import json
import os
import urllib.parse
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

# (width, height, mobile): a desktop window and a phone's.
VIEWS = [(1400, 1000, False), (390, 844, True)]
SCHEMES = ["light", "dark"]

WIDTHS = """
return {
  scroll_width: document.documentElement.scrollWidth,
  inner_width: window.innerWidth,
  dark: window.matchMedia("(prefers-color-scheme: dark)").matches,
};
"""

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
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        driver.set_page_load_timeout(PATIENCE)
        shots = os.environ.get("HEADCOUNT_SCREENSHOTS")
        pages = []
        for url in urls:
            for width, height, mobile in VIEWS:
                driver.execute_cdp_cmd(
                    "Emulation.setDeviceMetricsOverride",
                    {
                        "width": width,
                        "height": height,
                        "deviceScaleFactor": 1,
                        "mobile": mobile,
                    },
                )
                for scheme in SCHEMES:
                    driver.execute_cdp_cmd(
                        "Emulation.setEmulatedMedia",
                        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
                    )
                    driver.get(url)
                    WebDriverWait(driver, PATIENCE).until(
                        lambda d: d.execute_script(
                            "return Array.from(document.images).every(i => i.complete)"
                        )
                    )
                    page = {
                        "url": url,
                        "view": f"{width}x{height}",
                        "scheme": scheme,
                        "title": driver.title,
                        "images": driver.execute_script(IMAGES),
                        # Messages since the last call: this view's.
                        "console": driver.get_log("browser"),
                    }
                    page.update(driver.execute_script(WIDTHS))
                    if shots:
                        path = urllib.parse.urlsplit(url).path.rstrip("/")
                        name = path.rsplit("/", 1)[-1] or "dashboard"
                        file = os.path.join(shots, f"{name}-{width}x{height}-{scheme}.png")
                        driver.save_screenshot(file)
                    pages.append(page)
        print(json.dumps(pages))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
