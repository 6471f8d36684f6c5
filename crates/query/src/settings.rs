//! What every query takes from the config: zone, peak window, thresholds, and how
//! long raw samples are kept.

use chrono_tz::Tz;
use headcount_config::{Config, Thresholds, Window};

/// The `[report]` settings queries default to, and the raw retention of `[storage]`.
/// The default is the config's: UTC, peak Mon–Fri 09:00–17:00, thresholds 20/10/5,
/// raw samples never pruned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The center's local time zone: the default `tz`.
    pub tz: Tz,
    /// The peak window.
    pub peak: Window,
    /// State thresholds.
    pub thresholds: Thresholds,
    /// Seconds raw samples are kept (`storage.raw_retention`); `None` when they are
    /// never pruned. A range starting earlier than this before `now` has only the
    /// 15-minute rollups, so its series use steps of 15 minutes or more.
    pub raw_retention: Option<i64>,
}

impl Settings {
    /// Settings with this zone and the default peak and thresholds.
    #[must_use]
    pub fn with_tz(tz: Tz) -> Settings {
        Settings {
            tz,
            ..Settings::default()
        }
    }
}

impl From<&Config> for Settings {
    fn from(config: &Config) -> Settings {
        let r = &config.report;
        Settings {
            tz: r.timezone,
            peak: r.peak,
            thresholds: r.thresholds,
            raw_retention: config.storage.raw_retention.secs(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::Weekday;

    use super::*;

    const UPSTREAM: &str =
        "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[[target]]\nname = \"all\"\n";

    fn settings(text: &str) -> Settings {
        Settings::from(&Config::parse(text, Path::new(".")).unwrap())
    }

    #[test]
    fn a_minimal_config_gives_utc_weekdays_nine_to_five_20_10_5_and_35_days_of_raw() {
        let s = settings(UPSTREAM);
        assert_eq!(s.tz, Tz::UTC);
        assert_eq!(s.peak.to_string(), "mon,tue,wed,thu,fri 09:00-17:00");
        assert_eq!(s.thresholds, Thresholds::new(20, 10, 5).unwrap());
        assert_eq!(s.raw_retention, Some(35 * 86_400));
    }

    #[test]
    fn the_configured_zone_window_thresholds_and_retention_carry_over() {
        let s = settings(&format!(
            "[report]\ntimezone = \"Asia/Kolkata\"\n\
             peak = {{ days = [\"sat\", \"sun\"], hours = \"22:00-06:00\" }}\n\
             thresholds = {{ healthy = 30, monitor = 15, warning = 3 }}\n\
             [storage]\nraw_retention = \"forever\"\n\n{UPSTREAM}"
        ));
        assert_eq!(s.tz, chrono_tz::Asia::Kolkata);
        assert!(s.peak.contains(Weekday::Sun, 23 * 60));
        assert!(!s.peak.contains(Weekday::Mon, 23 * 60));
        assert_eq!(s.peak.hours(), "22:00-06:00");
        assert_eq!(s.thresholds, Thresholds::new(30, 15, 3).unwrap());
        assert_eq!(s.raw_retention, None);
    }
}
