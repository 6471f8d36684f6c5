//! Request parameters shared by the web crate and `headcount report`, parsed in one
//! place so both accept exactly the same forms.
//!
//! # The forms
//!
//! See [`Params`]: `from`/`to` take RFC 3339, a local date (`2026-11-20`, the start
//! of that day in `tz`), a local date-time without offset, unix seconds (fractions
//! allowed) or milliseconds (13 digits, as Grafana sends), or `now`
//! with an optional `-N` / `+N` of `s`, `m`, `h`, `d`, `w` (exact seconds: `now-7d` is
//! 168 hours ago); default the last 24 hours. Empty values count as absent. A report
//! covers at most [`MAX_REPORT_DAYS`] (731) days. Every bad value is a [`ParamError`]
//! naming the parameter and saying what is accepted.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::error::ParamError;
use crate::report::ReportQuery;
use crate::series::SeriesQuery;
use crate::settings::Settings;
use crate::time::{Step, checked_bounds, day_start, instant_of};

/// The latest instant accepted: 9999-12-31T23:59:59Z.
const MAX_TS: i64 = 253_402_300_799;

/// The default range: the last 24 hours.
const DEFAULT_RANGE: i64 = 24 * 3600;

/// The most hours a forecast looks ahead.
pub const MAX_HORIZON: u32 = 168;

/// The longest range a report covers, in days: two years and a leap day.
pub const MAX_REPORT_DAYS: i64 = 731;

/// The raw text of the shared parameters, as given; `None` (or empty) means the
/// default. Build it field by field (the CLI's flags) or with
/// [`Params::from_pairs`] (a query string).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Params<'a> {
    /// `from`: start of the range. Default: 24 hours before `to`.
    pub from: Option<&'a str>,
    /// `to`: end of the range, exclusive. Default: now.
    pub to: Option<&'a str>,
    /// `tz`: IANA zone. Default: the configured one.
    pub tz: Option<&'a str>,
    /// `step`: bucket width of a series. Default `auto`.
    pub step: Option<&'a str>,
    /// `compare`: how far back a report's comparison period lies. Default `7d`.
    pub compare: Option<&'a str>,
    /// `horizon`: hours a report's forecast looks ahead. Default 24, at most 168.
    pub horizon: Option<&'a str>,
}

/// A parsed range: what the chart endpoints need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Start, UTC unix seconds.
    pub from: i64,
    /// End (exclusive), UTC unix seconds, greater than `from`.
    pub to: i64,
    /// Zone for local dates, buckets and output.
    pub tz: Tz,
}

impl<'a> Params<'a> {
    /// The parameter names this module reads.
    pub const NAMES: [&'static str; 6] = ["from", "to", "tz", "step", "compare", "horizon"];

    /// Collects the known parameters from `(name, value)` pairs such as a decoded query
    /// string. Other names are skipped: whether they are errors is the caller's
    /// business.
    ///
    /// # Errors
    ///
    /// A [`ParamError`] naming a known parameter given more than once.
    pub fn from_pairs<I>(pairs: I) -> Result<Params<'a>, ParamError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut p = Params::default();
        for (name, value) in pairs {
            let slot = match name {
                "from" => &mut p.from,
                "to" => &mut p.to,
                "tz" => &mut p.tz,
                "step" => &mut p.step,
                "compare" => &mut p.compare,
                "horizon" => &mut p.horizon,
                _ => continue,
            };
            if slot.is_some() {
                let param = Self::NAMES.iter().find(|n| **n == name).copied();
                return Err(ParamError::new(
                    param.unwrap_or("from"),
                    "given more than once",
                ));
            }
            *slot = Some(value);
        }
        Ok(p)
    }

    /// The zone and range.
    ///
    /// # Errors
    ///
    /// A [`ParamError`] naming `tz` for an unknown zone, `from` or `to` for a value in
    /// none of the accepted forms or outside years 1970–9999, and `from` when it is
    /// not before `to`.
    pub fn range(&self, settings: &Settings, now: i64) -> Result<Range, ParamError> {
        let tz = match given(self.tz) {
            Some(s) => parse_tz(s)?,
            None => settings.tz,
        };
        let to = match given(self.to) {
            Some(s) => parse_time("to", s, tz, now)?,
            None => now,
        };
        let from = match given(self.from) {
            Some(s) => parse_time("from", s, tz, now)?,
            None => (to - DEFAULT_RANGE).max(0),
        };
        if from >= to {
            return Err(ParamError::new(
                "from",
                format!("must be before to (from {from}, to {to}, unix seconds)"),
            ));
        }
        Ok(Range { from, to, tz })
    }

    /// A series query: the range, `step` and the configured thresholds.
    ///
    /// # Errors
    ///
    /// As [`Params::range`]; a [`ParamError`] naming `step` for an unknown step, one
    /// making more than 11,000 buckets, or `1m` or `5m` over a range starting before
    /// [`Settings::raw_retention`] ago (where `auto` picks 15 minutes or more).
    pub fn series(&self, settings: &Settings, now: i64) -> Result<SeriesQuery, ParamError> {
        let r = self.range(settings, now)?;
        let step: Step = match given(self.step) {
            Some(s) => s.parse()?,
            None => Step::Auto,
        };
        // Before the raw retention only the 15-minute rollups remain: 1m and 5m
        // buckets there would show pruned history as empty rather than say so.
        let pruned = settings
            .raw_retention
            .filter(|keep| r.from < now.saturating_sub(*keep));
        let step = match pruned {
            Some(_) if step == Step::Auto => step.resolve_at_least(r.from, r.to, Step::Min15),
            Some(keep) if !step.uses_rollups() => {
                return Err(ParamError::new(
                    "step",
                    format!(
                        "raw samples are kept for {}; use step=15m or more for ranges \
                         older than that (got {step})",
                        fmt_secs(keep)
                    ),
                ));
            }
            _ => step,
        };
        let resolved = step.resolve(r.from, r.to);
        checked_bounds(r.tz, resolved, r.from, r.to)?;
        Ok(SeriesQuery {
            from: r.from,
            to: r.to,
            tz: r.tz,
            step,
            thresholds: settings.thresholds,
            now,
        })
    }

    /// A report query: the range, `compare`, `horizon`, and the configured peak
    /// window and thresholds.
    ///
    /// # Errors
    ///
    /// As [`Params::range`]; a [`ParamError`] naming `from` for a range longer than
    /// [`MAX_REPORT_DAYS`], and `compare` or `horizon` for a bad value.
    pub fn report(&self, settings: &Settings, now: i64) -> Result<ReportQuery, ParamError> {
        let r = self.range(settings, now)?;
        if r.to - r.from > MAX_REPORT_DAYS * 86_400 {
            return Err(ParamError::new(
                "from",
                format!(
                    "reports and charts cover at most {MAX_REPORT_DAYS} days at once; this \
                     range is {} days: use a later from or an earlier to",
                    (r.to - r.from + 86_399) / 86_400
                ),
            ));
        }
        let compare = match given(self.compare) {
            Some(s) => Span::parse("compare", s)?,
            None => Span::DEFAULT_COMPARE,
        };
        let horizon = match given(self.horizon) {
            Some(s) => parse_horizon(s)?,
            None => 24,
        };
        Ok(ReportQuery {
            from: r.from,
            to: r.to,
            tz: r.tz,
            compare,
            horizon,
            peak: settings.peak,
            thresholds: settings.thresholds,
            now,
        })
    }
}

/// Seconds as the config writes a retention: whole days, hours or minutes when they
/// divide it (`35d`), else seconds.
fn fmt_secs(secs: i64) -> String {
    [Unit::Day, Unit::Hour, Unit::Min]
        .into_iter()
        .find(|u| secs % u.secs() == 0)
        .map_or_else(
            || format!("{secs}s"),
            |u| format!("{}{}", secs / u.secs(), u.letter()),
        )
}

/// An empty value is taken as absent, as HTML forms send unset fields.
pub(crate) fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// A length of time: a positive count of seconds, minutes, hours, days or weeks
/// (`90m`, `24h`, `7d`, `1w`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    n: i64,
    unit: Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Unit {
    Sec,
    Min,
    Hour,
    Day,
    Week,
}

impl Unit {
    fn of(c: char) -> Option<Unit> {
        Some(match c {
            's' => Unit::Sec,
            'm' => Unit::Min,
            'h' => Unit::Hour,
            'd' => Unit::Day,
            'w' => Unit::Week,
            _ => return None,
        })
    }

    const fn secs(self) -> i64 {
        match self {
            Unit::Sec => 1,
            Unit::Min => 60,
            Unit::Hour => 3600,
            Unit::Day => 86_400,
            Unit::Week => 7 * 86_400,
        }
    }

    const fn letter(self) -> char {
        match self {
            Unit::Sec => 's',
            Unit::Min => 'm',
            Unit::Hour => 'h',
            Unit::Day => 'd',
            Unit::Week => 'w',
        }
    }
}

impl Span {
    /// The default comparison shift: 7 days, "this week vs last week".
    pub const DEFAULT_COMPARE: Span = Span {
        n: 7,
        unit: Unit::Day,
    };

    /// Parses `N` followed by `s`, `m`, `h`, `d` or `w`, N ≥ 1.
    ///
    /// # Errors
    ///
    /// A [`ParamError`] naming `param` for anything else, or a span beyond 1,000 years.
    pub fn parse(param: &'static str, s: &str) -> Result<Span, ParamError> {
        let bad = || {
            ParamError::new(
                param,
                format!(
                    "expected a positive duration such as 90m, 24h, 7d or 1w (units s, m, h, d, w); got {s:?}"
                ),
            )
        };
        let s = s.trim();
        let unit = s.chars().last().and_then(Unit::of).ok_or_else(bad)?;
        let digits = &s[..s.len() - 1];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: i64 = digits.parse().map_err(|_| bad())?;
        if n == 0
            || n.checked_mul(unit.secs())
                .is_none_or(|t| t > 1000 * 366 * 86_400)
        {
            return Err(bad());
        }
        Ok(Span { n, unit })
    }

    /// The length in seconds, days counted as 86,400 s.
    #[must_use]
    pub fn secs(&self) -> i64 {
        self.n * self.unit.secs()
    }

    /// `t` moved back by the span. Days and weeks are local calendar days in `tz`, so
    /// a week back is the same local time of day across DST (the earlier instant when
    /// that time occurs twice, the first after the gap when it does not occur);
    /// seconds, minutes and hours are exact.
    pub(crate) fn back(&self, tz: Tz, t: i64) -> i64 {
        match self.unit {
            Unit::Day | Unit::Week => {
                let days = u64::try_from(self.n * self.unit.secs() / 86_400).unwrap_or(0);
                let n = crate::time::local(tz, t) - chrono::Days::new(days);
                instant_of(tz, n)
            }
            _ => t - self.secs(),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.n, self.unit.letter())
    }
}

pub(crate) fn parse_tz(s: &str) -> Result<Tz, ParamError> {
    s.parse::<Tz>().map_err(|_| {
        let hint = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|t| t.name().eq_ignore_ascii_case(s))
            .map(|t| format!("; did you mean {:?}?", t.name()))
            .unwrap_or_default();
        ParamError::new(
            "tz",
            format!(
                "unknown time zone {s:?}; expected an IANA name such as America/New_York or UTC{hint}"
            ),
        )
    })
}

fn parse_horizon(s: &str) -> Result<u32, ParamError> {
    let bad = || {
        ParamError::new(
            "horizon",
            format!("expected whole hours from 0 to {MAX_HORIZON} (24, 48h, 7d, 1w); got {s:?}"),
        )
    };
    let hours = if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse::<i64>().map_err(|_| bad())?
    } else {
        let span = Span::parse("horizon", s).map_err(|_| bad())?;
        if span.secs() % 3600 != 0 {
            return Err(bad());
        }
        span.secs() / 3600
    };
    u32::try_from(hours)
        .ok()
        .filter(|h| *h <= MAX_HORIZON)
        .ok_or_else(bad)
}

/// Parses a `from` or `to` value: RFC 3339, a local date or date-time without offset
/// (in `tz`), unix seconds (fractions allowed), unix milliseconds (13 digits or more,
/// as Grafana's `${__from}` sends), or `now` with an optional `±N{s,m,h,d,w}` (exact
/// seconds). A fraction of a second rounds up: samples sit on whole seconds, so
/// `[from, to)` keeps exactly the samples it held before rounding.
pub(crate) fn parse_time(
    param: &'static str,
    raw: &str,
    tz: Tz,
    now: i64,
) -> Result<i64, ParamError> {
    let bad = |why: &str| {
        ParamError::new(
            param,
            format!(
                "{why}expected RFC 3339 (2026-11-20T09:00:00-05:00), a local date (2026-11-20), \
                 unix seconds (1795000000, fractions allowed), unix milliseconds \
                 (1795000000000, 13 digits, as Grafana sends), or now, now-24h, now-7d \
                 (units s, m, h, d, w); got {raw:?}"
            ),
        )
    };
    let s = raw.trim();
    let t = parse_time_form(s, tz, now)
        // An unescaped '+' in a query string arrives as a space.
        .or_else(|| parse_time_form(&s.replace(' ', "+"), tz, now))
        .ok_or_else(|| bad(""))?;
    if !(0..=MAX_TS).contains(&t) {
        return Err(bad("outside years 1970 to 9999; "));
    }
    Ok(t)
}

fn parse_time_form(s: &str, tz: Tz, now: i64) -> Option<i64> {
    if let Some(rest) = s.strip_prefix("now") {
        if rest.is_empty() {
            return Some(now);
        }
        let (sign, span) = match rest.split_at_checked(1)? {
            ("-", span) => (-1, span),
            ("+", span) => (1, span),
            _ => return None,
        };
        return now.checked_add(sign * Span::parse("from", span).ok()?.secs());
    }
    if let Some(t) = parse_unix(s) {
        return Some(t);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(day_start(tz, d));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(instant_of(tz, n));
        }
    }
    None
}

/// Unix seconds with an optional fraction, or milliseconds when the whole part has 13
/// digits or more (seconds that large lie past the year 9999); rounded up to whole
/// seconds. `None` when `s` is not such a number.
fn parse_unix(s: &str) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if digits.ends_with('.') {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let has_fraction = fraction.bytes().any(|b| b != b'0');
    if negative {
        // Before 1970: refused by the caller's range check whatever the rounding.
        return Some(-whole);
    }
    let up = i64::from(has_fraction);
    if digits.split('.').next().map_or(0, str::len) >= 13 {
        let ms = whole.checked_add(up)?;
        return Some(ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0));
    }
    whole.checked_add(up)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000; // 2026-11-18T11:06:40Z

    fn ny() -> Settings {
        Settings::with_tz("America/New_York".parse().unwrap())
    }

    fn range(p: Params<'_>) -> Result<Range, ParamError> {
        p.range(&ny(), NOW)
    }

    #[test]
    fn defaults_are_the_last_24_hours_in_the_configured_zone() {
        let r = range(Params::default()).unwrap();
        assert_eq!((r.from, r.to), (NOW - 86_400, NOW));
        assert_eq!(r.tz.name(), "America/New_York");
        let only_to = range(Params {
            to: Some("1795000000"),
            from: Some(""),
            ..Params::default()
        })
        .unwrap();
        assert_eq!(only_to.from, NOW - 86_400);
    }

    #[test]
    fn every_time_form_is_accepted() {
        let cases: &[(&str, i64)] = &[
            // 2026-11-20T09:00:00-05:00 = 14:00Z = 1795183200.
            ("2026-11-20T09:00:00-05:00", 1_795_183_200),
            ("2026-11-20T14:00:00Z", 1_795_183_200),
            (
                "2026-11-20T09:00:00 05:00",
                1_795_183_200 - 14 * 3600 + 4 * 3600,
            ),
            // Local midnight of 2026-11-20 in New York (EST, -5) = 05:00Z.
            ("2026-11-20", 1_795_150_800),
            ("2026-11-20T09:00", 1_795_183_200),
            ("1795183200", 1_795_183_200),
            // Grafana's ${__from}/${__to}: milliseconds, 13 digits.
            ("1795183200000", 1_795_183_200),
            // A part of a second rounds up, in milliseconds or fractional seconds.
            ("1795183200001", 1_795_183_201),
            ("1795183200999", 1_795_183_201),
            ("1795183200.5", 1_795_183_201),
            ("1795183200.000", 1_795_183_200),
            ("1795183200000.25", 1_795_183_201),
            ("now", NOW),
            ("now-24h", NOW - 86_400),
            ("now-7d", NOW - 7 * 86_400),
            ("now-90m", NOW - 5400),
            ("now-30s", NOW - 30),
            ("now-2w", NOW - 14 * 86_400),
            ("now+1h", NOW + 3600),
            ("now 1h", NOW + 3600),
        ];
        for &(s, want) in cases {
            let got = parse_time("from", s, ny().tz, NOW).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(got, want, "{s}");
        }
    }

    #[test]
    fn bad_numbers_are_refused_naming_the_forms_including_milliseconds() {
        for bad in [
            "1795183200.",
            ".5",
            "17951832e3",
            "1795183200.5.5",
            "999999999999",
        ] {
            let e = parse_time("to", bad, ny().tz, NOW).unwrap_err();
            assert_eq!(e.param, "to");
            assert!(
                e.message
                    .contains("unix milliseconds (1795000000000, 13 digits, as Grafana sends)"),
                "{bad}: {}",
                e.message
            );
        }
    }

    #[test]
    fn a_local_date_whose_midnight_does_not_exist_starts_after_the_gap() {
        let cairo: Tz = "Africa/Cairo".parse().unwrap();
        // 2026-04-24 00:00 does not exist in Cairo; the day starts 01:00 EEST = 22:00Z.
        let t = parse_time("from", "2026-04-24", cairo, NOW).unwrap();
        assert_eq!(t, 1_776_981_600);
    }

    #[test]
    fn bad_values_name_their_parameter() {
        let s = ny();
        let bad: &[(Params<'_>, &str, &str)] = &[
            (
                Params {
                    from: Some("yesterday"),
                    ..Params::default()
                },
                "from",
                "RFC 3339",
            ),
            (
                Params {
                    to: Some("2026-13-01"),
                    ..Params::default()
                },
                "to",
                "RFC 3339",
            ),
            (
                Params {
                    from: Some("now-5y"),
                    ..Params::default()
                },
                "from",
                "RFC 3339",
            ),
            (
                Params {
                    from: Some("-5"),
                    ..Params::default()
                },
                "from",
                "1970",
            ),
            (
                Params {
                    to: Some("999999999999999999"),
                    ..Params::default()
                },
                "to",
                "1970",
            ),
            (
                Params {
                    from: Some("now"),
                    to: Some("now-1h"),
                    ..Params::default()
                },
                "from",
                "before to",
            ),
            (
                Params {
                    from: Some("now"),
                    to: Some("now"),
                    ..Params::default()
                },
                "from",
                "before to",
            ),
            (
                Params {
                    tz: Some("Mars/Olympus"),
                    ..Params::default()
                },
                "tz",
                "IANA",
            ),
            (
                Params {
                    tz: Some("america/new_york"),
                    ..Params::default()
                },
                "tz",
                "did you mean \"America/New_York\"",
            ),
            (
                Params {
                    step: Some("2h"),
                    ..Params::default()
                },
                "step",
                "1m, 5m",
            ),
            (
                Params {
                    step: Some("1m"),
                    from: Some("now-30d"),
                    ..Params::default()
                },
                "step",
                "coarser",
            ),
            (
                Params {
                    compare: Some("0d"),
                    ..Params::default()
                },
                "compare",
                "positive duration",
            ),
            (
                Params {
                    compare: Some("week"),
                    ..Params::default()
                },
                "compare",
                "positive duration",
            ),
            (
                Params {
                    horizon: Some("169"),
                    ..Params::default()
                },
                "horizon",
                "0 to 168",
            ),
            (
                Params {
                    horizon: Some("90m"),
                    ..Params::default()
                },
                "horizon",
                "0 to 168",
            ),
            (
                Params {
                    horizon: Some("-1"),
                    ..Params::default()
                },
                "horizon",
                "0 to 168",
            ),
        ];
        for (p, param, says) in bad {
            let e = p
                .series(&s, NOW)
                .err()
                .or_else(|| p.report(&s, NOW).err())
                .unwrap_or_else(|| panic!("{p:?} accepted"));
            assert_eq!(e.param, *param, "{p:?}: {e}");
            assert!(e.message.contains(says), "{p:?}: {e}");
        }
    }

    #[test]
    fn zones_are_iana_names() {
        for name in ["UTC", "Asia/Kathmandu", "America/St_Johns"] {
            let r = range(Params {
                tz: Some(name),
                ..Params::default()
            })
            .unwrap();
            assert_eq!(r.tz.name(), name);
        }
        // A local date is midnight in the requested zone, not the configured one.
        let r = range(Params {
            tz: Some("Asia/Kolkata"),
            from: Some("2026-11-17"),
            ..Params::default()
        })
        .unwrap();
        // 2026-11-17T00:00:00+05:30 = 2026-11-16T18:30:00Z.
        assert_eq!(r.from, 1_794_853_800);
    }

    #[test]
    fn steps_compare_and_horizon_forms() {
        let s = ny();
        let q = Params {
            step: Some("1h"),
            ..Params::default()
        }
        .series(&s, NOW)
        .unwrap();
        assert_eq!(q.step, Step::Hour);
        assert_eq!(Params::default().series(&s, NOW).unwrap().step, Step::Auto);
        for (h, want) in [("0", 0), ("24", 24), ("48h", 48), ("7d", 168), ("1w", 168)] {
            let q = Params {
                horizon: Some(h),
                ..Params::default()
            }
            .report(&s, NOW)
            .unwrap();
            assert_eq!(q.horizon, want, "{h}");
        }
        let q = Params::default().report(&s, NOW).unwrap();
        assert_eq!((q.horizon, q.compare.to_string()), (24, "7d".to_owned()));
        for (c, secs) in [
            ("1w", 604_800),
            ("30d", 2_592_000),
            ("12h", 43_200),
            ("90m", 5400),
        ] {
            let q = Params {
                compare: Some(c),
                ..Params::default()
            }
            .report(&s, NOW)
            .unwrap();
            assert_eq!(q.compare.secs(), secs, "{c}");
            assert_eq!(q.compare.to_string(), c);
        }
    }

    #[test]
    fn ranges_older_than_the_raw_retention_need_rollup_steps() {
        let settings = Settings {
            raw_retention: Some(35 * 86_400),
            ..ny()
        };
        let at = |from: &'static str, step: Option<&'static str>| Params {
            from: Some(from),
            to: Some("now-34d"),
            step,
            ..Params::default()
        };
        // A day wholly within the retention: auto is 5m as ever.
        let p = Params {
            from: Some("now-2d"),
            to: Some("now-1d"),
            ..Params::default()
        };
        assert_eq!(p.series(&settings, NOW).unwrap().step, Step::Auto);
        // A day starting 36 days ago: auto is 15m, 1m and 5m are refused with a hint.
        let q = at("now-36d", None).series(&settings, NOW).unwrap();
        assert_eq!(q.step, Step::Min15);
        for step in ["1m", "5m"] {
            let e = at("now-36d", Some(step))
                .series(&settings, NOW)
                .unwrap_err();
            assert_eq!(e.param, "step");
            assert_eq!(
                e.message,
                format!(
                    "raw samples are kept for 35d; use step=15m or more for ranges older \
                     than that (got {step})"
                )
            );
        }
        assert_eq!(
            at("now-36d", Some("15m"))
                .series(&settings, NOW)
                .unwrap()
                .step,
            Step::Min15
        );
        // Exactly at the retention's edge the raw samples are still there.
        let edge = at("now-35d", Some("1m")).series(&settings, NOW).unwrap();
        assert_eq!(edge.step, Step::Min1);
        // Never pruned: any range may use 1m.
        assert!(at("now-36d", Some("1m")).series(&ny(), NOW).is_ok());
        assert_eq!(fmt_secs(90 * 60), "90m");
        assert_eq!(fmt_secs(36 * 3600), "36h");
        assert_eq!(fmt_secs(61), "61s");
    }

    #[test]
    fn queries_carry_the_callers_now() {
        let p = Params::default();
        assert_eq!(p.series(&ny(), NOW).unwrap().now, NOW);
        assert_eq!(p.report(&ny(), NOW).unwrap().now, NOW);
    }

    #[test]
    fn pairs_skip_unknown_names_and_refuse_repeats() {
        let p = Params::from_pairs([("from", "now-1h"), ("width", "800"), ("tz", "UTC")]).unwrap();
        assert_eq!(p.from, Some("now-1h"));
        assert_eq!(p.tz, Some("UTC"));
        let e = Params::from_pairs([("step", "1h"), ("step", "1d")]).unwrap_err();
        assert_eq!(e.param, "step");
    }

    #[test]
    fn a_week_back_keeps_the_local_time_across_dst() {
        let tz = ny().tz;
        // 2026-11-03 09:00 EST (14:00Z) a week back is 2026-10-27 09:00 EDT (13:00Z):
        // 7 days and 1 hour earlier.
        let t = parse_time("from", "2026-11-03T09:00", tz, NOW).unwrap();
        let back = Span::DEFAULT_COMPARE.back(tz, t);
        assert_eq!(t - back, 7 * 86_400 + 3600);
        let h = Span::parse("compare", "168h").unwrap();
        assert_eq!(t - h.back(tz, t), 7 * 86_400);
    }
}
