//! A config and a database of known history, for the tests of `serve` and `chart`:
//! the numbers they check are worked out by hand from the description below.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};

use headcount_store::{Sample, Store};

/// 2026-03-02T00:00:00Z, a Monday.
pub const T0: i64 = 1_772_409_600;

/// The range the tests ask about: 09:00 to 11:00 UTC on Monday 2026-03-02.
pub const FROM: &str = "2026-03-02T09:00:00Z";
pub const TO: &str = "2026-03-02T11:00:00Z";

/// A temporary directory holding `headcount.toml` and `headcount.db`:
/// - "sales" (campaign 111), one sample a minute on Monday 2026-03-02 (UTC):
///   09:00–09:59 at 3 of 20 logged in (15% available: monitor), 10:00–10:59 at 10 of
///   20 (50%: healthy). So 120 samples, Σ available 780 of Σ logged in 2,400: 32.5%
///   available, 67.5% utilization, healthy. The newest is 10:59 at 10 of 20.
/// - "support" (campaign 112) is configured but has no history.
///
/// No collector ever ran on it: no runs, so no downtime. The API token variable is
/// [`TOKEN_ENV`], so the tests' environment cannot interfere.
pub struct Known {
    pub dir: tempfile::TempDir,
    pub config: String,
    pub db: PathBuf,
}

/// The variable the config names for the API token.
pub const TOKEN_ENV: &str = "HEADCOUNT_TEST_SERVE_API_TOKEN";

impl Known {
    pub fn new() -> Known {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path());
        let filters = headcount_config::Config::load(&config)
            .unwrap()
            .target("sales")
            .unwrap()
            .filters_json();
        let db = dir.path().join("headcount.db");
        let mut store = Store::open(&db).unwrap();
        let id = store.ensure_target("sales", &filters, T0).unwrap();
        let nine = T0 + 9 * 3600;
        let samples: Vec<Sample> = (0..120)
            .map(|i| {
                let available = if i < 60 { 3 } else { 10 };
                Sample::ok(id, nine + i * 60, available, 20, Some(35))
            })
            .collect();
        store.write_batch(&samples).unwrap();
        drop(store);
        Known {
            config: config.display().to_string(),
            dir,
            db,
        }
    }
}

fn write_config(dir: &Path) -> PathBuf {
    let text = format!(
        r#"[upstream]
base_url = "http://127.0.0.1:9/v1"

[storage]
path = "headcount.db"

[report]
timezone = "UTC"

[web]
listen = "127.0.0.1:0"
api_token_env = "{TOKEN_ENV}"

[[target]]
name = "sales"
campaign_id = 111

[[target]]
name = "support"
campaign_id = 112
"#
    );
    let path = dir.join("headcount.toml");
    std::fs::write(&path, text).unwrap();
    path
}
