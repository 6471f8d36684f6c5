//! Local weekly windows: the peak window of `[report]`, and every other "these
//! weekdays, these hours" of the config.
//!
//! A window is a set of local weekdays and a local time-of-day span `HH:MM-HH:MM`.
//! A local instant is inside when its weekday is one of the days and its time of day
//! is in the span (start inclusive, end exclusive). A span whose end is before its
//! start wraps midnight: `22:00-06:00` is 22:00–24:00 and 00:00–06:00 of each listed
//! weekday (the time of day decides, with the instant's own weekday). Minutes are
//! multiples of 15, so every 15-minute rollup is wholly inside or wholly outside;
//! `24:00` may end a span.

use std::fmt;

use chrono::Weekday;
use serde::Serialize;

/// Short day names, Monday first: the spelling the config and the reports use.
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const DAY_LONG: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Local weekdays and a local time-of-day span; see the module doc for the rule.
/// The default is the default peak: Monday to Friday, 09:00–17:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// Bit `i` set: weekday `i` (0 = Monday) is in.
    days: u8,
    /// Start of the span, minutes after local midnight, `0..1440`.
    start: u16,
    /// End of the span, minutes after local midnight, `0..=1440`, not equal to start.
    end: u16,
}

impl Default for Window {
    fn default() -> Window {
        Window {
            days: 0b001_1111,
            start: 9 * 60,
            end: 17 * 60,
        }
    }
}

impl Window {
    /// A window of `days` (an empty list means no instant is inside) and `hours`
    /// (`HH:MM-HH:MM`).
    ///
    /// # Errors
    ///
    /// A one-line reason, quoting `hours`, when the span is malformed or empty.
    pub fn new(days: impl IntoIterator<Item = Weekday>, hours: &str) -> Result<Window, String> {
        let mut mask = 0u8;
        for d in days {
            mask |= 1 << d.num_days_from_monday();
        }
        let (start, end) = parse_hours(hours)?;
        Ok(Window {
            days: mask,
            start,
            end,
        })
    }

    /// Whether a local weekday and minute of the day (`0..1440`) are inside.
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

    /// The weekdays, Monday first.
    pub fn days(&self) -> impl Iterator<Item = Weekday> + '_ {
        (0..7u8)
            .filter(|i| self.days & (1 << i) != 0)
            .map(|i| Weekday::try_from(i).unwrap_or(Weekday::Mon))
    }

    /// The weekdays as the config writes them: `mon`, `tue`, …, Monday first.
    #[must_use]
    pub fn day_names(&self) -> Vec<&'static str> {
        self.days().map(day_name).collect()
    }

    /// The span as the config writes it: `HH:MM-HH:MM`.
    #[must_use]
    pub fn hours(&self) -> String {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        format!("{}-{}", hm(self.start), hm(self.end))
    }

    /// Start of the span, minutes after local midnight.
    #[must_use]
    pub fn start_minute(&self) -> u16 {
        self.start
    }

    /// End of the span, minutes after local midnight (`1440` for `24:00`).
    #[must_use]
    pub fn end_minute(&self) -> u16 {
        self.end
    }

    /// The window as reports echo it.
    #[must_use]
    pub fn text(&self) -> WindowText {
        WindowText {
            days: self.day_names(),
            hours: self.hours(),
        }
    }
}

/// `mon,tue,wed,thu,fri 09:00-17:00`.
impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.day_names().join(","), self.hours())
    }
}

/// The peak window as reported: `{"days": ["mon", …], "hours": "09:00-17:00"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PeakWindow))]
pub struct WindowText {
    /// Peak weekdays, `mon`…`sun`, Monday first.
    pub days: Vec<&'static str>,
    /// Local time-of-day window, start inclusive, end exclusive; wraps midnight when
    /// the end is before the start.
    pub hours: String,
}

/// A weekday from `mon`…`sun` or its full name, any case.
#[must_use]
pub fn parse_day(s: &str) -> Option<Weekday> {
    let lower = s.trim().to_ascii_lowercase();
    let i = DAY_NAMES
        .iter()
        .position(|n| *n == lower)
        .or_else(|| DAY_LONG.iter().position(|n| *n == lower))?;
    Weekday::try_from(u8::try_from(i).ok()?).ok()
}

/// The short name of a weekday: `mon`…`sun`.
#[must_use]
pub fn day_name(d: Weekday) -> &'static str {
    DAY_NAMES[d.num_days_from_monday() as usize]
}

/// `HH:MM-HH:MM` as minutes after midnight: minutes multiples of 15, `24:00` allowed
/// as an end, start != end.
fn parse_hours(s: &str) -> Result<(u16, u16), String> {
    let bad = |why: &str| {
        format!(
            "{why} in {s:?}; expected HH:MM-HH:MM with minutes 00, 15, 30 or 45, e.g. \"09:00-17:00\" or \"22:00-06:00\""
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
        return Err(bad("24:00 can only end a window"));
    }
    if start == end {
        return Err(bad("empty window"));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEKDAYS: [Weekday; 5] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];

    #[test]
    fn default_is_weekdays_nine_to_five() {
        let p = Window::default();
        assert_eq!(p, Window::new(WEEKDAYS, "09:00-17:00").unwrap());
        assert!(p.contains(Weekday::Mon, 9 * 60));
        assert!(p.contains(Weekday::Fri, 17 * 60 - 1));
        assert!(!p.contains(Weekday::Fri, 17 * 60));
        assert!(!p.contains(Weekday::Tue, 9 * 60 - 1));
        assert!(!p.contains(Weekday::Sat, 12 * 60));
        assert_eq!(p.to_string(), "mon,tue,wed,thu,fri 09:00-17:00");
    }

    #[test]
    fn a_window_ending_before_it_starts_wraps_midnight() {
        let days = [parse_day("Saturday").unwrap(), parse_day("SUN").unwrap()];
        let p = Window::new(days, "22:00-06:00").unwrap();
        assert!(p.contains(Weekday::Sat, 22 * 60));
        assert!(p.contains(Weekday::Sat, 23 * 60 + 59));
        assert!(p.contains(Weekday::Sun, 0));
        assert!(p.contains(Weekday::Sun, 6 * 60 - 1));
        assert!(!p.contains(Weekday::Sun, 6 * 60));
        assert!(!p.contains(Weekday::Sun, 21 * 60 + 59));
        // Monday 02:00 follows Sunday 22:00, but Monday is not a listed day.
        assert!(!p.contains(Weekday::Mon, 2 * 60));
        assert_eq!(p.hours(), "22:00-06:00");
    }

    #[test]
    fn whole_day_and_empty_day_list() {
        let p = Window::new([Weekday::Mon], "00:00-24:00").unwrap();
        assert!(p.contains(Weekday::Mon, 0) && p.contains(Weekday::Mon, 1439));
        let none = Window::new([], "09:00-17:00").unwrap();
        assert!(!none.contains(Weekday::Mon, 600));
    }

    #[test]
    fn bad_spans_say_what_is_expected() {
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
            let e = Window::new([Weekday::Mon], hours).unwrap_err();
            assert!(e.contains("HH:MM-HH:MM"), "{hours}: {e}");
        }
        assert_eq!(parse_day("funday"), None);
        assert_eq!(parse_day(" Wed "), Some(Weekday::Wed));
    }
}
