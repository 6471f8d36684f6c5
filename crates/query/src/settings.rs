//! What every query takes from the `[report]` config: zone, peak window, thresholds.

use std::fmt;

use chrono::Weekday;
use chrono_tz::Tz;
use serde::Serialize;

use crate::error::ParamError;
use crate::state::Thresholds;

/// The `[report]` settings queries default to, and the raw retention of `[storage]`.
/// Default: UTC, peak Mon–Fri 09:00–17:00, thresholds 20/10/5, raw samples never
/// pruned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The center's local time zone: the default `tz`.
    pub tz: Tz,
    /// The peak window.
    pub peak: Peak,
    /// State thresholds.
    pub thresholds: Thresholds,
    /// Seconds raw samples are kept (`storage.raw_retention`); `None` when they are
    /// never pruned. A range starting earlier than this before `now` has only the
    /// 15-minute rollups, so its series use steps of 15 minutes or more.
    pub raw_retention: Option<i64>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            tz: Tz::UTC,
            peak: Peak::default(),
            thresholds: Thresholds::default(),
            raw_retention: None,
        }
    }
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

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_LONG: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The peak window: local weekdays and a local time-of-day window. A local instant is
/// peak when its weekday is one of `days` and its time of day is in the window (start
/// inclusive, end exclusive). A window whose end is before its start wraps midnight:
/// `22:00-06:00` is 22:00–24:00 and 00:00–06:00 of each listed weekday. Minutes are
/// multiples of 15, so every 15-minute rollup is wholly peak or wholly off-peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Peak {
    /// Bit `i` set: weekday `i` (0 = Monday) is a peak day.
    days: u8,
    /// Start of the window, minutes after local midnight, `0..1440`.
    start: u16,
    /// End of the window, minutes after local midnight, `0..=1440`, not equal to start.
    end: u16,
}

impl Default for Peak {
    fn default() -> Peak {
        Peak {
            days: 0b001_1111,
            start: 9 * 60,
            end: 17 * 60,
        }
    }
}

impl Peak {
    /// Parses the config's `peak = { days = ["mon", …], hours = "09:00-17:00" }`.
    /// Days are `mon`…`sun` or full names, any case; an empty list means nothing is
    /// peak. Hours are `HH:MM-HH:MM` with minutes 00, 15, 30 or 45; `24:00` may end
    /// a window.
    ///
    /// # Errors
    ///
    /// A [`ParamError`] naming `peak.days` for an unknown day, or `peak.hours` for a
    /// malformed or empty window.
    pub fn new<S: AsRef<str>>(days: &[S], hours: &str) -> Result<Peak, ParamError> {
        let mut mask = 0u8;
        for d in days {
            let d = d.as_ref();
            let lower = d.trim().to_ascii_lowercase();
            let i = DAY_NAMES
                .iter()
                .position(|n| *n == lower)
                .or_else(|| DAY_LONG.iter().position(|n| *n == lower))
                .ok_or_else(|| {
                    ParamError::new(
                        "peak.days",
                        format!("unknown day {d:?}; expected mon, tue, wed, thu, fri, sat, sun"),
                    )
                })?;
            mask |= 1 << i;
        }
        let (start, end) = parse_window(hours)?;
        Ok(Peak {
            days: mask,
            start,
            end,
        })
    }

    /// Whether a local weekday and minute of the day (`0..1440`) are peak.
    #[must_use]
    pub fn contains(&self, weekday: Weekday, minute: u32) -> bool {
        if self.days & (1 << weekday.num_days_from_monday()) == 0 {
            return false;
        }
        let (start, end) = (u32::from(self.start), u32::from(self.end));
        if start < end {
            (start..end).contains(&minute)
        } else {
            minute >= start || minute < end
        }
    }

    /// The peak weekdays, Monday first.
    pub fn days(&self) -> impl Iterator<Item = Weekday> + '_ {
        (0..7u8)
            .filter(|i| self.days & (1 << i) != 0)
            .map(|i| Weekday::try_from(i).unwrap_or(Weekday::Mon))
    }

    /// The window as given: `HH:MM-HH:MM`.
    #[must_use]
    pub fn hours(&self) -> String {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        format!("{}-{}", hm(self.start), hm(self.end))
    }

    /// The window as the report echoes it.
    #[must_use]
    pub fn window(&self) -> PeakWindow {
        PeakWindow {
            days: self
                .days()
                .map(|d| DAY_NAMES[d.num_days_from_monday() as usize])
                .collect(),
            hours: self.hours(),
        }
    }
}

impl fmt::Display for Peak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self.window();
        write!(f, "{} {}", w.days.join(","), w.hours)
    }
}

/// The peak window as reported: `{"days": ["mon", …], "hours": "09:00-17:00"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeakWindow {
    /// Peak weekdays, `mon`…`sun`, Monday first.
    pub days: Vec<&'static str>,
    /// Local time-of-day window, start inclusive, end exclusive; wraps midnight when
    /// the end is before the start.
    pub hours: String,
}

fn parse_window(s: &str) -> Result<(u16, u16), ParamError> {
    let bad = |why: &str| {
        ParamError::new(
            "peak.hours",
            format!(
                "{why} in {s:?}; expected HH:MM-HH:MM with minutes 00, 15, 30 or 45, \
                 e.g. 09:00-17:00 or 22:00-06:00"
            ),
        )
    };
    let (a, b) = s.trim().split_once('-').ok_or_else(|| bad("no '-'"))?;
    let minute = |t: &str| -> Option<u16> {
        let (h, m) = t.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let h: u16 = h.parse().ok()?;
        let m: u16 = m.parse().ok()?;
        (h <= 24 && m < 60 && (h < 24 || m == 0)).then_some(h * 60 + m)
    };
    let start = minute(a).ok_or_else(|| bad("bad start"))?;
    let end = minute(b).ok_or_else(|| bad("bad end"))?;
    if start % 15 != 0 || end % 15 != 0 {
        return Err(bad("minutes not a multiple of 15"));
    }
    if start == 1440 {
        return Err(bad("start at 24:00"));
    }
    if start == end || (start == 0 && end == 0) {
        return Err(bad("empty window"));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_weekdays_nine_to_five() {
        let p = Peak::default();
        assert_eq!(
            p,
            Peak::new(&["mon", "tue", "wed", "thu", "fri"], "09:00-17:00").unwrap()
        );
        assert!(p.contains(Weekday::Mon, 9 * 60));
        assert!(p.contains(Weekday::Fri, 17 * 60 - 1));
        assert!(!p.contains(Weekday::Fri, 17 * 60));
        assert!(!p.contains(Weekday::Tue, 9 * 60 - 1));
        assert!(!p.contains(Weekday::Sat, 12 * 60));
        assert_eq!(p.to_string(), "mon,tue,wed,thu,fri 09:00-17:00");
    }

    #[test]
    fn a_window_ending_before_it_starts_wraps_midnight() {
        let p = Peak::new(&["Saturday", "SUN"], "22:00-06:00").unwrap();
        assert!(p.contains(Weekday::Sat, 22 * 60));
        assert!(p.contains(Weekday::Sat, 23 * 60 + 59));
        assert!(p.contains(Weekday::Sun, 0));
        assert!(p.contains(Weekday::Sun, 6 * 60 - 1));
        assert!(!p.contains(Weekday::Sun, 6 * 60));
        assert!(!p.contains(Weekday::Sun, 21 * 60 + 59));
        // Monday 02:00 follows Sunday 22:00, but Monday is not a peak day.
        assert!(!p.contains(Weekday::Mon, 2 * 60));
        assert_eq!(p.hours(), "22:00-06:00");
    }

    #[test]
    fn whole_day_and_empty_day_list() {
        let p = Peak::new(&["mon"], "00:00-24:00").unwrap();
        assert!(p.contains(Weekday::Mon, 0) && p.contains(Weekday::Mon, 1439));
        let none = Peak::new::<&str>(&[], "09:00-17:00").unwrap();
        assert!(!none.contains(Weekday::Mon, 600));
    }

    #[test]
    fn bad_windows_and_days_name_their_key() {
        for hours in [
            "9-17",
            "09:00",
            "09:10-17:00",
            "09:00-17:05",
            "25:00-26:00",
            "09:00-09:00",
            "24:00-06:00",
            "09:60-10:00",
            "",
        ] {
            let e = Peak::new(&["mon"], hours).unwrap_err();
            assert_eq!(e.param, "peak.hours", "{hours}");
            assert!(e.message.contains("HH:MM-HH:MM"), "{e}");
        }
        let e = Peak::new(&["mon", "funday"], "09:00-17:00").unwrap_err();
        assert_eq!(e.param, "peak.days");
        assert!(e.message.contains("\"funday\""), "{e}");
    }
}
