//! Axes: time ticks at round local times chosen so their labels fit, round value
//! ticks, and the range text of subtitles.

use chrono::{
    DateTime, Datelike, Days, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Timelike,
};
use chrono_tz::Tz;

/// Local time as a chart's axis shows it.
pub(crate) trait Clock {
    /// The local wall-clock time of instant `t` (unix seconds).
    fn local(&self, t: i64) -> NaiveDateTime;
    /// The instant a local time names: the earlier where it occurs twice, `None`
    /// where the clock skips it.
    fn instant(&self, n: NaiveDateTime) -> Option<i64>;
}

impl Clock for Tz {
    fn local(&self, t: i64) -> NaiveDateTime {
        DateTime::from_timestamp(t, 0)
            .unwrap_or_default()
            .with_timezone(self)
            .naive_local()
    }

    fn instant(&self, n: NaiveDateTime) -> Option<i64> {
        self.from_local_datetime(&n)
            .earliest()
            .map(|t| t.timestamp())
    }
}

/// A clock known only from stamped instants (the trend's days and forecast hours
/// carry their offsets but no zone name): each offset holds from its instant until
/// the next one's.
pub(crate) struct Offsets(Vec<(i64, i32)>);

impl Offsets {
    pub(crate) fn new(stamps: impl IntoIterator<Item = DateTime<FixedOffset>>) -> Offsets {
        let mut v: Vec<(i64, i32)> = stamps
            .into_iter()
            .map(|s| (s.timestamp(), s.offset().local_minus_utc()))
            .collect();
        v.sort_unstable();
        v.dedup();
        Offsets(v)
    }

    fn offset_at(&self, t: i64) -> i32 {
        let i = self.0.partition_point(|&(at, _)| at <= t);
        self.0
            .get(i.saturating_sub(1))
            .map_or(0, |&(_, offset)| offset)
    }
}

impl Clock for Offsets {
    fn local(&self, t: i64) -> NaiveDateTime {
        DateTime::from_timestamp(t + i64::from(self.offset_at(t)), 0)
            .unwrap_or_default()
            .naive_utc()
    }

    fn instant(&self, n: NaiveDateTime) -> Option<i64> {
        let naive = n.and_utc().timestamp();
        let mut offsets: Vec<i32> = self.0.iter().map(|p| p.1).collect();
        offsets.sort_unstable();
        offsets.dedup();
        if offsets.is_empty() {
            offsets.push(0);
        }
        let valid: Vec<i64> = offsets
            .into_iter()
            .map(|o| naive - i64::from(o))
            .filter(|&t| i64::from(self.offset_at(t)) == naive - t)
            .collect();
        // Between two stamps of different offsets the change could lie anywhere, so a
        // local time there may read validly under both; a stamp itself is certain.
        valid
            .iter()
            .copied()
            .find(|t| self.0.binary_search_by_key(t, |p| p.0).is_ok())
            .or_else(|| valid.iter().copied().min())
    }
}

/// The spacing of time ticks, smallest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Every {
    Minutes(u32),
    Hours(u32),
    Days(u32),
    Week,
    Months(u32),
    Years(u32),
}

const SPACINGS: [Every; 19] = [
    Every::Minutes(1),
    Every::Minutes(5),
    Every::Minutes(10),
    Every::Minutes(15),
    Every::Minutes(30),
    Every::Hours(1),
    Every::Hours(2),
    Every::Hours(3),
    Every::Hours(6),
    Every::Hours(12),
    Every::Days(1),
    Every::Days(2),
    Every::Week,
    Every::Months(1),
    Every::Months(2),
    Every::Months(3),
    Every::Months(6),
    Every::Years(1),
    Every::Years(5),
];

/// Ticks on a time axis and how to label them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimeTicks {
    pub at: Vec<i64>,
    pub every: Every,
    /// Whether the axis spans more than one local day (then midnights on a sub-day
    /// axis are labelled with their date).
    multi_day: bool,
    /// Whether day labels name the weekday ("Mon 18") rather than the month
    /// ("Nov 18"): for spans up to about two weeks.
    weekday: bool,
}

impl TimeTicks {
    /// The widest label of a spacing, for fitting: a representative string.
    fn sample_label(every: Every, weekday: bool) -> &'static str {
        match every {
            Every::Minutes(_) | Every::Hours(_) => "Wed 28",
            Every::Days(_) if weekday => "Wed 28",
            Every::Days(_) | Every::Week => "Sep 28",
            Every::Months(_) => "Sep 2026",
            Every::Years(_) => "2026",
        }
    }

    /// Round local times in `[from, to]` at the finest spacing whose labels, each
    /// `label_width(sample)` wide, fit `pixels` with a gap of `gap` between them; a
    /// day apart at least when `daily`.
    pub(crate) fn choose(
        clock: &impl Clock,
        (from, to): (i64, i64),
        daily: bool,
        pixels: i32,
        gap: i32,
        label_width: impl Fn(&str) -> i32,
    ) -> TimeTicks {
        let span = (to - from).max(1);
        let multi_day = clock.local(from).date() != clock.local(to).date();
        let weekday = span <= 16 * 86_400;
        let fallback = TimeTicks {
            at: Vec::new(),
            every: Every::Years(5),
            multi_day,
            weekday,
        };
        let finest = if daily {
            SPACINGS
                .iter()
                .position(|&e| e == Every::Days(1))
                .unwrap_or(0)
        } else {
            0
        };
        for every in SPACINGS.into_iter().skip(finest) {
            // A spacing with labels too wide for even two of them is no use.
            let room = label_width(Self::sample_label(every, weekday)) + gap;
            let max = (pixels / room.max(1)).max(1) as usize;
            if let Some(at) = generate(clock, every, from, to, max) {
                return TimeTicks {
                    at,
                    every,
                    multi_day,
                    weekday,
                };
            }
        }
        fallback
    }

    /// The label of tick `t`.
    pub(crate) fn label(&self, clock: &impl Clock, t: i64) -> String {
        let n = clock.local(t);
        let day = |n: NaiveDateTime| {
            if self.weekday {
                n.format("%a %-d").to_string()
            } else {
                n.format("%b %-d").to_string()
            }
        };
        match self.every {
            Every::Minutes(_) | Every::Hours(_) => {
                if self.multi_day && n.time() == NaiveTime::MIN {
                    day(n)
                } else {
                    n.format("%H:%M").to_string()
                }
            }
            Every::Days(_) | Every::Week => day(n),
            Every::Months(_) => {
                if n.month() == 1 || self.at.first() == Some(&t) {
                    n.format("%b %Y").to_string()
                } else {
                    n.format("%b").to_string()
                }
            }
            Every::Years(_) => n.format("%Y").to_string(),
        }
    }
}

/// The ticks of `every` in `[from, to]`, or `None` when there would be more than
/// `max` (or fewer than two where a finer spacing could still fit two).
fn generate(clock: &impl Clock, every: Every, from: i64, to: i64, max: usize) -> Option<Vec<i64>> {
    let start = clock.local(from);
    let mut n = floor(start, every);
    let mut out: Vec<i64> = Vec::new();
    // Bounded by `max`; the iteration cap guards against a clock that never advances.
    for _ in 0..100_000 {
        if let Some(t) = clock.instant(n) {
            if t > to {
                break;
            }
            if t >= from && out.last() != Some(&t) {
                out.push(t);
                if out.len() > max {
                    return None;
                }
            }
        }
        n = advance(n, every)?;
    }
    Some(out)
}

/// The round local time at or before `n` for the spacing.
fn floor(n: NaiveDateTime, every: Every) -> NaiveDateTime {
    let date = n.date();
    let midnight = date.and_time(NaiveTime::MIN);
    match every {
        Every::Minutes(m) => {
            let mins = n.hour() * 60 + n.minute();
            midnight + Duration::minutes(i64::from(mins - mins % m))
        }
        Every::Hours(h) => midnight + Duration::hours(i64::from(n.hour() - n.hour() % h)),
        Every::Days(d) => {
            // Aligned to the day count since 1970 so pans keep the same days.
            let days = date.signed_duration_since(NaiveDate::default()).num_days();
            midnight - Days::new(days.rem_euclid(i64::from(d)) as u64)
        }
        Every::Week => midnight - Days::new(u64::from(date.weekday().num_days_from_monday())),
        Every::Months(m) => {
            let m0 = date.month0() - date.month0() % m;
            NaiveDate::from_ymd_opt(date.year(), m0 + 1, 1)
                .unwrap_or(date)
                .and_time(NaiveTime::MIN)
        }
        Every::Years(y) => {
            let year = date.year() - date.year().rem_euclid(y as i32);
            NaiveDate::from_ymd_opt(year, 1, 1)
                .unwrap_or(date)
                .and_time(NaiveTime::MIN)
        }
    }
}

fn advance(n: NaiveDateTime, every: Every) -> Option<NaiveDateTime> {
    match every {
        Every::Minutes(m) => n.checked_add_signed(Duration::minutes(i64::from(m))),
        Every::Hours(h) => n.checked_add_signed(Duration::hours(i64::from(h))),
        Every::Days(d) => n.checked_add_days(Days::new(u64::from(d))),
        Every::Week => n.checked_add_days(Days::new(7)),
        Every::Months(m) => n.checked_add_months(Months::new(m)),
        Every::Years(y) => n.checked_add_months(Months::new(12 * y)),
    }
}

/// Round value ticks from 0: the top of the axis (at least `max`, with a little
/// headroom) and the ticks, at most `max_ticks` of them, steps of 1, 2 or 5 × 10ⁿ and
/// never finer than `min_step`.
pub(crate) fn value_ticks(max: f64, max_ticks: usize, min_step: f64) -> (f64, Vec<f64>) {
    let max = if max.is_finite() && max > 0.0 {
        max * 1.05
    } else {
        min_step
    };
    let max_ticks = max_ticks.max(2);
    let mut mag = 10f64.powf((max / max_ticks as f64).log10().floor());
    loop {
        for m in [1.0, 2.0, 5.0] {
            let step = (m * mag).max(min_step);
            let top = (max / step).ceil() * step;
            let n = (top / step).round() as usize + 1;
            if n <= max_ticks {
                let ticks = (0..n).map(|i| i as f64 * step).collect();
                return (top, ticks);
            }
        }
        mag *= 10.0;
    }
}

/// A range as a subtitle shows it, in the stamps' own offsets: whole local days as
/// dates (`Nov 1 – Nov 30, 2026`: the exclusive end's day is not shown), anything else
/// with times.
pub(crate) fn range_text(from: &DateTime<FixedOffset>, to: &DateTime<FixedOffset>) -> String {
    let (a, b) = (from.naive_local(), to.naive_local());
    let whole_days = a.time() == NaiveTime::MIN && b.time() == NaiveTime::MIN;
    if whole_days {
        let last = b - Days::new(1);
        if last.date() <= a.date() {
            return a.format("%a %b %-d, %Y").to_string();
        }
        if a.year() == last.year() {
            return format!("{} – {}", a.format("%b %-d"), last.format("%b %-d, %Y"));
        }
        return format!("{} – {}", a.format("%b %-d, %Y"), last.format("%b %-d, %Y"));
    }
    if a.date() == b.date() {
        return format!(
            "{} {}–{}",
            a.format("%b %-d, %Y"),
            a.format("%H:%M"),
            b.format("%H:%M")
        );
    }
    if a.year() == b.year() {
        return format!(
            "{} – {}",
            a.format("%b %-d %H:%M"),
            b.format("%b %-d %H:%M, %Y")
        );
    }
    format!(
        "{} – {}",
        a.format("%b %-d, %Y %H:%M"),
        b.format("%b %-d, %Y %H:%M")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NY: Tz = chrono_tz::America::New_York;

    fn at(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    fn labels(t: &TimeTicks, clock: &impl Clock) -> Vec<String> {
        t.at.iter().map(|&x| t.label(clock, x)).collect()
    }

    #[test]
    fn a_day_gets_clock_times_and_a_month_gets_dates() {
        let day = (
            at("2026-11-18T00:00:00-05:00"),
            at("2026-11-19T00:00:00-05:00"),
        );
        // Labels 50 px wide, 800 px: at most 13 ticks, so every 2 hours.
        let t = TimeTicks::choose(&NY, day, false, 800, 10, |_| 50);
        assert_eq!(t.every, Every::Hours(2));
        let l = labels(&t, &NY);
        assert_eq!(l[0], "Wed 18");
        assert_eq!(l[1], "02:00");
        assert_eq!(l.last().unwrap(), "Thu 19");
        // Daily values get no clock times.
        let t = TimeTicks::choose(&NY, day, true, 800, 10, |_| 50);
        assert_eq!((t.every, t.at.len()), (Every::Days(1), 2));

        let month = (
            at("2026-11-01T00:00:00-04:00"),
            at("2026-12-01T00:00:00-05:00"),
        );
        let t = TimeTicks::choose(&NY, month, false, 1000, 10, |_| 50);
        assert_eq!(t.every, Every::Days(2));
        let t = TimeTicks::choose(&NY, month, false, 400, 10, |_| 50);
        assert_eq!(t.every, Every::Week);
        // Mondays, local midnight, across the fall-back of Nov 1.
        assert_eq!(
            labels(&t, &NY),
            ["Nov 2", "Nov 9", "Nov 16", "Nov 23", "Nov 30"]
        );
        assert_eq!(t.at[0], at("2026-11-02T00:00:00-05:00"));
    }

    #[test]
    fn hourly_ticks_skip_the_hour_the_clock_skips() {
        let span = (
            at("2026-03-08T00:00:00-05:00"),
            at("2026-03-08T06:00:00-04:00"),
        );
        let at_ = generate(&NY, Every::Hours(1), span.0, span.1, 100).unwrap();
        let hours: Vec<u32> = at_.iter().map(|&t| NY.local(t).hour()).collect();
        assert_eq!(hours, [0, 1, 3, 4, 5, 6]);
    }

    #[test]
    fn offsets_clock_follows_its_stamps() {
        let stamps = [
            DateTime::parse_from_rfc3339("2026-10-31T00:00:00-04:00").unwrap(),
            DateTime::parse_from_rfc3339("2026-11-02T00:00:00-05:00").unwrap(),
        ];
        let c = Offsets::new(stamps);
        let n = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            c.instant(n("2026-10-31 00:00")),
            Some(stamps[0].timestamp())
        );
        assert_eq!(
            c.instant(n("2026-11-02 00:00")),
            Some(stamps[1].timestamp())
        );
        assert_eq!(c.local(stamps[1].timestamp()), n("2026-11-02 00:00"));
    }

    #[test]
    fn value_ticks_are_round_and_cover_the_maximum() {
        assert_eq!(
            value_ticks(47.0, 4, 1.0),
            (60.0, vec![0.0, 20.0, 40.0, 60.0])
        );
        assert_eq!(value_ticks(47.0, 6, 1.0).1.len(), 6);
        assert_eq!(value_ticks(47.0, 11, 1.0).0, 50.0);
        // Small counts never get fractional agents.
        assert_eq!(value_ticks(2.0, 10, 1.0), (3.0, vec![0.0, 1.0, 2.0, 3.0]));
        assert_eq!(value_ticks(0.0, 5, 1.0), (1.0, vec![0.0, 1.0]));
    }

    #[test]
    fn ranges_read_as_dates_or_times() {
        let p = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        assert_eq!(
            range_text(
                &p("2026-11-01T00:00:00-04:00"),
                &p("2026-12-01T00:00:00-05:00")
            ),
            "Nov 1 – Nov 30, 2026"
        );
        assert_eq!(
            range_text(
                &p("2026-11-18T00:00:00-05:00"),
                &p("2026-11-19T00:00:00-05:00")
            ),
            "Wed Nov 18, 2026"
        );
        assert_eq!(
            range_text(
                &p("2026-11-17T09:00:00-05:00"),
                &p("2026-11-18T09:00:00-05:00")
            ),
            "Nov 17 09:00 – Nov 18 09:00, 2026"
        );
    }
}
