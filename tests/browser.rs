//! The dashboard in a real browser: headless Chromium, driven through Selenium and
//! chromedriver (`tests/data/browser_check.py`), loads the dashboard and a target page
//! of `headcount demo` at desktop (1400×1000) and phone (390×844) size, in the light
//! and the dark colour scheme: every image must load (in the scheme's theme), the
//! console must stay free of errors, and no page may scroll sideways.
//!
//! Needs Debian's `chromium` and `chromium-driver` and Python's `selenium`, which
//! `.ci/run` installs. Where they are missing the test says so ("SKIPPED: ...") and
//! passes, unless `HEADCOUNT_REQUIRE_TOOLS` is set (`.ci/run` sets it once it has
//! installed them): then a missing piece fails it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The first of `names` found on PATH.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Chromium, chromedriver and Python with Selenium; or what is missing.
fn browser() -> Result<(PathBuf, PathBuf, PathBuf), String> {
    let mut missing = Vec::new();
    let chromium = on_path(&["chromium", "chromium-browser"]);
    if chromium.is_none() {
        missing.push("chromium (apt-get install chromium)");
    }
    let driver = on_path(&["chromedriver"]);
    if driver.is_none() {
        missing.push("chromedriver (apt-get install chromium-driver)");
    }
    let python = on_path(&["python3"]).filter(|py| {
        Command::new(py)
            .args(["-c", "import selenium"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if python.is_none() {
        missing.push("Python's selenium (python3 -m pip install selenium)");
    }
    match (chromium, driver, python) {
        (Some(c), Some(d), Some(p)) => Ok((c, d, p)),
        _ => Err(missing.join(", ")),
    }
}

#[test]
fn the_dashboard_and_a_target_page_load_every_image_and_fit_a_phone_in_light_and_dark() {
    let (chromium, driver, python) = match browser() {
        Ok(found) => found,
        Err(missing) => {
            common::skip_without_tool(
                "browser test",
                &format!("not installed: {missing}; .ci/run installs them"),
            );
            return;
        }
    };

    let dir = tempfile::tempdir().unwrap();
    let (mut demo, base) = common::demo(dir.path(), 2);

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/browser_check.py");
    let pages = [
        format!("{base}/"),
        format!("{base}/targets/bilingual-queue?from=now-7d"),
    ];
    let out = Command::new(&python)
        .arg(&script)
        .arg(&chromium)
        .arg(&driver)
        .args(&pages)
        .output()
        .expect("run python3");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "browser_check.py failed:\n{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("browser_check.py printed no JSON ({e}):\n{stderr}"));

    let report = report.as_array().unwrap();
    // Each page at desktop and phone size, light and dark.
    assert_eq!(report.len(), 2 * 4);
    for (i, page) in report.iter().enumerate() {
        let url = &page["url"];
        let view = format!("{url} at {} in {}", page["view"], page["scheme"]);
        // The dashboard: one timeline per target; a target page: one chart per kind.
        let want_images = if i < 4 { 6 } else { 5 };
        let images = page["images"].as_array().unwrap();
        assert_eq!(images.len(), want_images, "{view}: {images:#?}");
        for img in images {
            assert_eq!(img["complete"], true, "{view}: {img}");
            assert!(
                img["natural_width"].as_u64().unwrap() > 0,
                "{view}: an image did not load: {img}"
            );
            // The dark scheme gets dark charts, the light one light charts.
            let dark = img["src"].as_str().unwrap().contains("theme=dark");
            assert_eq!(dark, page["scheme"] == "dark", "{view}: {img}");
        }
        assert_eq!(page["dark"], page["scheme"] == "dark", "{view}");
        // No horizontal scrolling, at phone width too: wide tables scroll within
        // themselves and the dashboard stacks its rows.
        let scroll = page["scroll_width"].as_u64().unwrap();
        let inner = page["inner_width"].as_u64().unwrap();
        assert!(
            scroll <= inner,
            "{view}: the page is {scroll} px wide in a {inner} px window"
        );
        if page["view"] == "390x844" {
            // Phone width: the target page's charts are the narrow SVGs.
            if i >= 4 {
                for img in images {
                    let src = img["src"].as_str().unwrap();
                    assert!(
                        src.contains(".svg") && src.contains("width=400"),
                        "{view}: {src}"
                    );
                }
            }
        }
        let errors: Vec<&serde_json::Value> = page["console"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["level"] == "SEVERE")
            .collect();
        assert!(errors.is_empty(), "{view}: console errors: {errors:#?}");
    }

    demo.signal("TERM");
    assert_eq!(demo.wait_exit(), Some(0));
}
