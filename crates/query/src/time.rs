//! Local time: steps, bucket boundaries in a zone, and conversions.
//!
//! # Buckets and time zones
//!
//! Steps are `1m`, `5m`, `15m`, `30m`, `1h`, `1d`, `1w` and `auto` (the step whose
//! bucket count over the range is closest to 600 by ratio, never above 11,000; a
//! request for more than 11,000 buckets is refused naming `step`). A range starting
//! more than [`Settings::raw_retention`] before `now` has only 15-minute rollups:
//! there `auto` picks among 15m and coarser, and `1m` or `5m` is refused naming
//! `step`, with the retention and the way out. Buckets align to local time in the
//! requested IANA zone:
//! - Sub-day buckets start where the local clock shows a multiple of the step. Across
//!   a fall-back there are two 01:00 hour buckets of 60 minutes each; across a
//!   spring-forward the 01:00 bucket is followed by 03:00. Where a change of offset
//!   makes the clock skip the multiple (half-hour DST, as on Lord Howe), the bucket
//!   starts at the change instead; where it repeats part of a bucket without showing
//!   the multiple, that bucket is longer (90 minutes).
//! - `1d` runs local midnight to local midnight (23 or 25 hours across DST; where
//!   midnight does not exist, as in Cairo's spring-forward, from the first instant
//!   after it; where it occurs twice, from the first). `1w` starts Monday at that
//!   local midnight.
//! - Every offset in use today is a multiple of 15 minutes (Asia/Kolkata +5:30 and
//!   Asia/Kathmandu +5:45 included), so a bucket of 15 minutes or more is an exact
//!   union of 15-minute rollups. For historical offsets that are not (local mean
//!   time, Monrovia's −0:44:30 until 1972), bucket boundaries are snapped down to
//!   the UTC 15-minute grid (1m and 5m buckets to their own grid), for both the
//!   rollup and the raw path, so both agree.
//! - A series covers the whole buckets that intersect `[from, to)` and echoes that
//!   span. Steps of 15 minutes and more come from rollups, 1m and 5m from raw samples
//!   (empty where retention pruned them).

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone,
};
use chrono_tz::{GapInfo, Tz};
use headcount_store::BUCKET_SECS;
use serde::Serialize;

use crate::error::ParamError;

/// The most buckets a series may have; more is refused with a hint.
pub const MAX_BUCKETS: usize = 11_000;

/// The bucket count `auto` aims for.
const AUTO_TARGET: f64 = 600.0;

/// The width of a series' buckets. Buckets are aligned to local time in the requested
/// zone (see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Step {
    /// The fixed step whose bucket count over the range is closest to 600 (by ratio),
    /// never more than 11,000.
    #[serde(rename = "auto")]
    Auto,
    /// One minute, from raw samples.
    #[serde(rename = "1m")]
    Min1,
    /// Five minutes, from raw samples.
    #[serde(rename = "5m")]
    Min5,
    /// Fifteen minutes: one rollup each.
    #[serde(rename = "15m")]
    Min15,
    /// Thirty minutes.
    #[serde(rename = "30m")]
    Min30,
    /// One hour.
    #[serde(rename = "1h")]
    Hour,
    /// A local calendar day, midnight to midnight (23 or 25 hours across DST).
    #[serde(rename = "1d")]
    Day,
    /// A local calendar week from Monday midnight.
    #[serde(rename = "1w")]
    Week,
}

impl Step {
    /// The fixed steps, finest first.
    pub const FIXED: [Step; 7] = [
        Step::Min1,
        Step::Min5,
        Step::Min15,
        Step::Min30,
        Step::Hour,
        Step::Day,
        Step::Week,
    ];

    /// The name used in parameters and JSON: `auto`, `1m`, `5m`, `15m`, `30m`, `1h`,
    /// `1d`, `1w`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Step::Auto => "auto",
            Step::Min1 => "1m",
            Step::Min5 => "5m",
            Step::Min15 => "15m",
            Step::Min30 => "30m",
            Step::Hour => "1h",
            Step::Day => "1d",
            Step::Week => "1w",
        }
    }

    /// The nominal length in seconds (a day may be 23 or 25 hours); `None` for auto.
    #[must_use]
    pub const fn nominal_secs(self) -> Option<i64> {
        match self {
            Step::Auto => None,
            Step::Min1 => Some(60),
            Step::Min5 => Some(300),
            Step::Min15 => Some(900),
            Step::Min30 => Some(1800),
            Step::Hour => Some(3600),
            Step::Day => Some(86_400),
            Step::Week => Some(7 * 86_400),
        }
    }

    /// Whether series of this step are computed from 15-minute rollups (15m and
    /// coarser) rather than raw samples (1m, 5m).
    #[must_use]
    pub const fn uses_rollups(self) -> bool {
        !matches!(self, Step::Min1 | Step::Min5 | Step::Auto)
    }

    /// The fixed step `auto` picks for `[from, to)`: the bucket count closest to 600
    /// by ratio (|ln(n/600)| smallest), among those with at most 11,000 buckets
    /// (estimated from the nominal lengths). A fixed step is returned as is.
    #[must_use]
    pub fn resolve(self, from: i64, to: i64) -> Step {
        self.resolve_at_least(from, to, Step::Min1)
    }

    /// As [`Step::resolve`], `auto` choosing only among the fixed steps no finer than
    /// `floor` (`15m` where only rollups remain). A fixed step is returned as is.
    #[must_use]
    pub fn resolve_at_least(self, from: i64, to: i64, floor: Step) -> Step {
        if self != Step::Auto {
            return self;
        }
        let span = (to - from).max(1) as f64;
        let mut best = (f64::INFINITY, Step::Week);
        for s in Step::FIXED.into_iter().filter(|s| *s >= floor) {
            let n = span / s.nominal_secs().unwrap_or(1) as f64;
            if n > MAX_BUCKETS as f64 {
                continue;
            }
            let score = (n / AUTO_TARGET).ln().abs();
            if score < best.0 {
                best = (score, s);
            }
        }
        best.1
    }

    /// The grid bucket boundaries are snapped down to: 15 minutes for rollup steps, so
    /// every bucket is a union of rollups, else the step itself. A no-op in every zone
    /// in use today; it matters only for historical offsets such as LMT.
    const fn grid(self) -> i64 {
        match self {
            Step::Min1 => 60,
            Step::Min5 => 300,
            _ => BUCKET_SECS,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Step {
    type Err = ParamError;

    /// Parses the names of [`Step::as_str`].
    fn from_str(s: &str) -> Result<Step, ParamError> {
        std::iter::once(Step::Auto)
            .chain(Step::FIXED)
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                ParamError::new(
                    "step",
                    format!("unknown step {s:?}; expected auto, 1m, 5m, 15m, 30m, 1h, 1d or 1w"),
                )
            })
    }
}

/// UTC unix seconds as a naive UTC date-time. Callers keep instants within chrono's
/// range (params refuse anything outside years 1970..=9999).
pub(crate) fn naive_utc(t: i64) -> NaiveDateTime {
    DateTime::from_timestamp(t, 0)
        .unwrap_or(DateTime::UNIX_EPOCH)
        .naive_utc()
}

/// The offset of `tz` at instant `t`, seconds east of UTC.
pub(crate) fn offset(tz: Tz, t: i64) -> i64 {
    i64::from(
        tz.offset_from_utc_datetime(&naive_utc(t))
            .fix()
            .local_minus_utc(),
    )
}

/// The local date-time at instant `t`.
pub(crate) fn local(tz: Tz, t: i64) -> NaiveDateTime {
    tz.from_utc_datetime(&naive_utc(t)).naive_local()
}

/// Instant `t` with the zone's offset at that instant: how every timestamp is output.
pub(crate) fn stamp(tz: Tz, t: i64) -> DateTime<FixedOffset> {
    tz.from_utc_datetime(&naive_utc(t)).fixed_offset()
}

/// The instant a local date-time names: the earlier of two when the clock shows it
/// twice (fall-back), and the first instant after the gap when it never shows it
/// (spring-forward).
pub(crate) fn instant_of(tz: Tz, n: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&n) {
        LocalResult::Single(x) => x.timestamp(),
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        LocalResult::None => GapInfo::new(&n, &tz)
            .and_then(|g| g.end)
            .map_or_else(|| n.and_utc().timestamp(), |e| e.timestamp()),
    }
}

/// Whether the local clock of `tz` ever shows `n`.
pub(crate) fn exists(tz: Tz, n: NaiveDateTime) -> bool {
    !matches!(tz.from_local_datetime(&n), LocalResult::None)
}

/// When local day `d` starts: its midnight, or the first instant after it where
/// midnight does not exist.
pub(crate) fn day_start(tz: Tz, d: NaiveDate) -> i64 {
    instant_of(tz, d.and_time(chrono::NaiveTime::MIN))
}

/// The local day whose bucket holds instant `t`.
pub(crate) fn day_of(tz: Tz, t: i64) -> NaiveDate {
    let mut d = local(tz, t).date();
    // Where midnight comes twice, the day starts at the first, so instants of the
    // repeated hour before the second midnight already belong to the new day.
    while let Some(next) = d.succ_opt() {
        if day_start(tz, next) <= t {
            d = next;
        } else {
            break;
        }
    }
    while day_start(tz, d) > t {
        match d.pred_opt() {
            Some(p) => d = p,
            None => break,
        }
    }
    d
}

/// The first instant in `(lo, hi]` whose offset differs from `lo`'s, given that
/// `hi`'s does and that the offset changes once in between.
fn first_change(tz: Tz, mut lo: i64, mut hi: i64) -> i64 {
    let o = offset(tz, lo);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset(tz, mid) == o {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// The first sub-day bucket boundary after `t`: the next instant the local clock shows
/// a multiple of `secs`, or an offset change where the clock jumps into another
/// bucket's span without showing its multiple. Offsets change at most once within a
/// step (at most an hour) in every zone.
fn next_sub(tz: Tz, secs: i64, t: i64) -> i64 {
    let o = offset(tz, t);
    let m = t + secs - (t + o).rem_euclid(secs);
    if offset(tz, m) == o {
        return m;
    }
    let change = first_change(tz, t, m);
    let o2 = offset(tz, change);
    let before = (change - 1 + o).div_euclid(secs);
    let after = (change + o2).div_euclid(secs);
    if (change + o2).rem_euclid(secs) == 0 || before != after {
        change
    } else {
        next_sub(tz, secs, change)
    }
}

/// The start of the sub-day bucket holding `t` (before snapping).
fn start_sub(tz: Tz, secs: i64, t: i64) -> i64 {
    let o = offset(tz, t);
    let s = t - (t + o).rem_euclid(secs);
    if offset(tz, s) == o {
        return s;
    }
    // The offset changed within (s, t]: walk from a boundary before the change.
    let change = first_change(tz, s, t);
    let o_old = offset(tz, change - 1);
    let mut b = (change - 1) - (change - 1 + o_old).rem_euclid(secs);
    loop {
        let n = next_sub(tz, secs, b);
        if n > t {
            return b;
        }
        b = n;
    }
}

/// Walks bucket starts (before snapping) of one step in one zone.
enum Cursor {
    Sub { secs: i64, at: i64 },
    Cal { days: u64, date: NaiveDate },
}

impl Cursor {
    fn containing(tz: Tz, step: Step, t: i64) -> Cursor {
        match step {
            Step::Day => Cursor::Cal {
                days: 1,
                date: day_of(tz, t),
            },
            Step::Week => {
                let d = day_of(tz, t);
                let monday = d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
                Cursor::Cal {
                    days: 7,
                    date: monday,
                }
            }
            _ => {
                let secs = step.nominal_secs().unwrap_or(BUCKET_SECS);
                Cursor::Sub {
                    secs,
                    at: start_sub(tz, secs, t),
                }
            }
        }
    }

    fn start(&self, tz: Tz) -> i64 {
        match *self {
            Cursor::Sub { at, .. } => at,
            Cursor::Cal { date, .. } => day_start(tz, date),
        }
    }

    fn advance(&mut self, tz: Tz) {
        match self {
            Cursor::Sub { secs, at } => *at = next_sub(tz, *secs, *at),
            Cursor::Cal { days, date } => *date = *date + chrono::Days::new(*days),
        }
    }
}

/// The boundaries of the buckets of `step` (not auto) in `tz` that intersect
/// `[from, to)`: `b[0] <= from < b[1] < … < b[n] >= to`, bucket `i` being
/// `[b[i], b[i+1])`. Boundaries are snapped down to the step's grid (15 minutes for
/// rollup steps). `None` when there would be more than `cap` buckets.
pub(crate) fn bounds(tz: Tz, step: Step, from: i64, to: i64, cap: usize) -> Option<Vec<i64>> {
    let grid = step.grid();
    let snap = |t: i64| t - t.rem_euclid(grid);
    let mut c = Cursor::containing(tz, step, from);
    let mut out = vec![snap(c.start(tz))];
    loop {
        c.advance(tz);
        let s = snap(c.start(tz));
        let last = out[out.len() - 1];
        if s <= last {
            continue; // two boundaries snapped onto one
        }
        if s <= from {
            // After snapping, `from` lies in the next bucket.
            out[0] = s;
            continue;
        }
        out.push(s);
        if out.len() - 1 > cap {
            return None;
        }
        if s >= to {
            return Some(out);
        }
    }
}

/// The boundaries of the buckets of `step` over `[from, to)`, refusing more than
/// [`MAX_BUCKETS`] with an error naming `step`.
pub(crate) fn checked_bounds(
    tz: Tz,
    step: Step,
    from: i64,
    to: i64,
) -> Result<Vec<i64>, ParamError> {
    bounds(tz, step, from, to, MAX_BUCKETS).ok_or_else(|| {
        let coarser: Vec<&str> = Step::FIXED
            .iter()
            .filter(|s| **s > step)
            .map(|s| s.as_str())
            .collect();
        let hint = if coarser.is_empty() {
            "a shorter range".to_owned()
        } else {
            format!("a coarser step ({}) or a shorter range", coarser.join(", "))
        };
        ParamError::new(
            "step",
            format!("{step} over this range makes more than {MAX_BUCKETS} buckets; use {hint}"),
        )
    })
}

/// Index of the bucket of `bounds` holding `t`, if any.
pub(crate) fn bucket_index(bounds: &[i64], t: i64) -> Option<usize> {
    let i = bounds.partition_point(|&b| b <= t);
    (i >= 1 && i < bounds.len()).then(|| i - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(tz: Tz, s: &str) -> i64 {
        instant_of(
            tz,
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
        )
    }

    #[test]
    fn step_names_round_trip_and_unknown_names_say_what_is_accepted() {
        for s in std::iter::once(Step::Auto).chain(Step::FIXED) {
            assert_eq!(s.as_str().parse::<Step>().unwrap(), s);
        }
        let e = "2h".parse::<Step>().unwrap_err();
        assert_eq!(e.param, "step");
        assert!(e.message.contains("1m, 5m, 15m"), "{e}");
    }

    #[test]
    fn auto_aims_at_600_buckets() {
        let h = 3600;
        // 24 h: 1m gives 1440 (×2.4), 5m gives 288 (÷2.08): 5m is closer.
        assert_eq!(Step::Auto.resolve(0, 24 * h), Step::Min5);
        // 7 d: 15m gives 672.
        assert_eq!(Step::Auto.resolve(0, 7 * 24 * h), Step::Min15);
        // 90 d: 1h gives 2160 (×3.6), 1d gives 90 (÷6.7), 30m 4320: 1h.
        assert_eq!(Step::Auto.resolve(0, 90 * 24 * h), Step::Hour);
        // 2 years: 1d gives 730.
        assert_eq!(Step::Auto.resolve(0, 730 * 24 * h), Step::Day);
        // 10 minutes: 1m gives 10, the closest to 600 there is.
        assert_eq!(Step::Auto.resolve(0, 600), Step::Min1);
        assert_eq!(Step::Hour.resolve(0, 600), Step::Hour);
        // Where only rollups remain, auto picks among 15m and coarser.
        assert_eq!(
            Step::Auto.resolve_at_least(0, 24 * h, Step::Min15),
            Step::Min15
        );
        assert_eq!(
            Step::Auto.resolve_at_least(0, 600, Step::Min15),
            Step::Min15
        );
        assert_eq!(
            Step::Auto.resolve_at_least(0, 90 * 24 * h, Step::Min15),
            Step::Hour
        );
        assert_eq!(Step::Min1.resolve_at_least(0, 600, Step::Min15), Step::Min1);
    }

    #[test]
    fn fall_back_repeats_the_one_oclock_hour() {
        let tz: Tz = "America/New_York".parse().unwrap();
        // 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00 UTC.
        let from = at(tz, "2026-11-01 00:00");
        let b = bounds(tz, Step::Hour, from, from + 25 * 3600, MAX_BUCKETS).unwrap();
        assert_eq!(b.len(), 26);
        assert!(b.windows(2).all(|w| w[1] - w[0] == 3600));
        let shown: Vec<String> = b[..4].iter().map(|&t| stamp(tz, t).to_rfc3339()).collect();
        assert_eq!(
            shown,
            [
                "2026-11-01T00:00:00-04:00",
                "2026-11-01T01:00:00-04:00",
                "2026-11-01T01:00:00-05:00",
                "2026-11-01T02:00:00-05:00"
            ]
        );
    }

    #[test]
    fn half_hour_dst_makes_short_and_long_hours() {
        // Lord Howe: +10:30 standard, +11 summer. 2026-10-04 02:00 → 02:30 (forward);
        // 2026-04-05 02:00 → 01:30 (back).
        let tz: Tz = "Australia/Lord_Howe".parse().unwrap();
        let from = at(tz, "2026-10-04 00:00");
        let b = bounds(tz, Step::Hour, from, from + 4 * 3600, MAX_BUCKETS).unwrap();
        let lens: Vec<i64> = b.windows(2).map(|w| (w[1] - w[0]) / 60).collect();
        // 00:00, 01:00 (until the jump), 02:30–03:00 (30 min), 03:00, …
        assert_eq!(&lens[..4], &[60, 60, 30, 60]);
        let from = at(tz, "2026-04-05 00:00");
        let b = bounds(tz, Step::Hour, from, from + 4 * 3600, MAX_BUCKETS).unwrap();
        let lens: Vec<i64> = b.windows(2).map(|w| (w[1] - w[0]) / 60).collect();
        // 01:00 summer … 01:30 standard … 02:00: 90 minutes.
        assert_eq!(&lens[..3], &[60, 90, 60]);
    }

    #[test]
    fn a_day_without_midnight_starts_when_the_clock_jumps() {
        // Cairo moves 00:00 → 01:00 on the last Friday of April (2026-04-24).
        let tz: Tz = "Africa/Cairo".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 4, 24).unwrap();
        let s = day_start(tz, d);
        assert_eq!(stamp(tz, s).to_rfc3339(), "2026-04-24T01:00:00+03:00");
        let b = bounds(tz, Step::Day, s - 3600, s + 3600, MAX_BUCKETS).unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(b[1], s);
        assert_eq!(b[1] - b[0], 24 * 3600);
        assert_eq!(b[2] - b[1], 23 * 3600);
    }

    #[test]
    fn historical_offsets_snap_to_the_quarter_hour() {
        // Monrovia kept -00:44:30 until 1972: local midnight is 00:44:30 UTC.
        let tz: Tz = "Africa/Monrovia".parse().unwrap();
        let from = at(tz, "1970-01-15 12:00");
        assert_eq!(day_start(tz, local(tz, from).date()) % 86_400, 44 * 60 + 30);
        let b = bounds(tz, Step::Day, from, from + 86_400, MAX_BUCKETS).unwrap();
        assert!(b.iter().all(|t| t % 900 == 0));
        assert_eq!(b[0] % 86_400, 30 * 60);
        let b = bounds(tz, Step::Hour, from, from + 3 * 3600, MAX_BUCKETS).unwrap();
        assert!(b.iter().all(|t| t % 3600 == 30 * 60), "{b:?}");
    }

    #[test]
    fn too_many_buckets_name_step_with_a_hint() {
        let e = checked_bounds(Tz::UTC, Step::Min1, 0, 8 * 86_400).unwrap_err();
        assert_eq!(e.param, "step");
        assert!(e.message.contains("5m, 15m, 30m, 1h, 1d, 1w"), "{e}");
        assert!(checked_bounds(Tz::UTC, Step::Min1, 0, 7 * 86_400).is_ok());
    }

    #[test]
    fn bucket_index_finds_the_half_open_bucket() {
        let b = [0, 10, 20];
        assert_eq!(bucket_index(&b, -1), None);
        assert_eq!(bucket_index(&b, 0), Some(0));
        assert_eq!(bucket_index(&b, 10), Some(1));
        assert_eq!(bucket_index(&b, 19), Some(1));
        assert_eq!(bucket_index(&b, 20), None);
    }
}
