//! Axes: time ticks at round local times chosen so their labels fit, round value
//! ticks, and the range text of subtitles.

use chrono::{
    DateTime, Datelike, Days, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike,
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
    /// Whether labels sit in the middle of their day (an axis of daily values).
    centred: bool,
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
            centred: false,
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
            // A first guess from a representative label saves measuring every label of
            // spacings that cannot fit.
            let room = label_width(Self::sample_label(every, weekday)) + gap;
            let max = (pixels / room.max(1)).max(1) as usize;
            let Some(at) = generate(clock, every, from, to, max) else {
                continue;
            };
            let ticks = TimeTicks {
                at,
                every,
                multi_day,
                weekday,
                centred: daily && matches!(every, Every::Days(_) | Every::Week),
            };
            if ticks.labels_fit(clock, (from, to), pixels, gap, &label_width) {
                return ticks;
            }
        }
        fallback
    }

    /// Where tick `t`'s label is centred: on the tick, or in the middle of its day on an
    /// axis of daily values (where those values are plotted); `None` when that middle
    /// lies past `to`.
    pub(crate) fn label_at(&self, t: i64, to: i64) -> Option<i64> {
        if !self.centred {
            return Some(t);
        }
        let mid = t + 43_200;
        (mid < to).then_some(mid)
    }

    /// Whether every label, measured, keeps at least `gap` pixels from its neighbours.
    fn labels_fit(
        &self,
        clock: &impl Clock,
        (from, to): (i64, i64),
        pixels: i32,
        gap: i32,
        label_width: impl Fn(&str) -> i32,
    ) -> bool {
        let span = (to - from).max(1) as f64;
        let placed: Vec<(f64, i32)> = self
            .at
            .iter()
            .filter_map(|&t| {
                let at = self.label_at(t, to)?;
                let x = (at - from) as f64 / span * f64::from(pixels);
                Some((x, label_width(&self.label(clock, t))))
            })
            .collect();
        placed
            .windows(2)
            .all(|w| w[1].0 - w[0].0 >= f64::from(w[0].1 + w[1].1) / 2.0 + f64::from(gap))
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

/// Round value ticks from 0 for values up to `max`: the top of the axis and the ticks.
///
/// The top is the first round number (1, 1.2, 1.4, 1.5, 1.6, 1.8, 2, 2.5, 3, 3.5, 4,
/// 4.5, 5, 6, 7, 8 or 9 × 10ⁿ) at
/// or above `max` plus 2% headroom, so the data fills the plot whatever its size: a
/// peak of 195 gets an axis to 200, 58 one to 60. The ticks divide the top into 2 to
/// `max_ticks − 1` equal steps, never finer than `min_step` and, for `min_step` ≥ 1,
/// whole: steps of 1, 2 or 5 × 10ⁿ where one divides the top, else 2.5, else 3 or 4
/// × 10ⁿ, each with as many ticks as fit. A top no such step divides is passed over
/// for the next. Without data (`max` ≤ 0) the axis runs to `min_step`.
pub(crate) fn value_ticks(max: f64, max_ticks: usize, min_step: f64) -> (f64, Vec<f64>) {
    const TOPS: [f64; 17] = [
        1.0, 1.2, 1.4, 1.5, 1.6, 1.8, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0,
    ];
    /// Step mantissas, most readable first.
    const STEPS: [&[f64]; 3] = [&[1.0, 2.0, 5.0], &[2.5], &[3.0, 4.0]];
    let divisions = max_ticks.max(2) - 1;
    if !(max.is_finite() && max > 0.0) {
        return (min_step, vec![0.0, min_step]);
    }
    let want = (max * 1.02).max(min_step);
    let rank = |v: f64| {
        let m = v / 10f64.powf(v.log10().floor());
        STEPS
            .iter()
            .position(|group| group.iter().any(|s| (m - s).abs() < 1e-9))
    };
    let whole = |v: f64| min_step < 1.0 || (v - v.round()).abs() < 1e-9;
    let mut mag = 10f64.powf(want.log10().floor() - 1.0);
    loop {
        for t in TOPS {
            let top = t * mag;
            if top < want - 1e-9 || !whole(top) {
                continue;
            }
            // A single division only when the axis has room for no more.
            let fewest = if divisions == 1 { 1 } else { 2 };
            let best = (fewest..=divisions)
                .filter_map(|d| {
                    let step = top / d as f64;
                    let ok = step >= min_step - 1e-9 && whole(step);
                    ok.then(|| rank(step).map(|r| (r, d)))?
                })
                // The best-ranked step, and with it the most ticks.
                .min_by_key(|&(r, d)| (r, std::cmp::Reverse(d)));
            if let Some((_, d)) = best {
                let step = top / d as f64;
                return (top, (0..=d).map(|i| i as f64 * step).collect());
            }
        }
        mag *= 10.0;
    }
}

/// The range a chart shows, as its subtitle names it: local dates and times in `tz`
/// and the IANA zone name, e.g. `2026-11-16 16:15 – 2026-11-23 16:30
/// America/New_York`. Whole local days read as dates, the last one inclusive
/// (`2026-11-01 – 2026-11-30 America/New_York`, or one date for one day); a range
/// within one date as `2026-11-18 09:00–17:00 America/New_York`. The second text is
/// the shorter form for narrow pictures: dates only.
pub(crate) fn range_texts(tz: Tz, (from, to): (i64, i64)) -> [String; 2] {
    let (a, b) = (tz.local(from), tz.local(to.max(from)));
    let zone = tz.name();
    // The last instant of the range, for the date of an exclusive end.
    let last = tz.local((to - 1).max(from)).date();
    let dates = if last == a.date() {
        format!("{} {zone}", a.format("%Y-%m-%d"))
    } else {
        format!(
            "{} – {} {zone}",
            a.format("%Y-%m-%d"),
            last.format("%Y-%m-%d")
        )
    };
    let whole_days = a.time() == NaiveTime::MIN && b.time() == NaiveTime::MIN;
    let full = if whole_days {
        dates.clone()
    } else if a.date() == b.date() {
        format!(
            "{} {}–{} {zone}",
            a.format("%Y-%m-%d"),
            a.format("%H:%M"),
            b.format("%H:%M")
        )
    } else {
        format!(
            "{} – {} {zone}",
            a.format("%Y-%m-%d %H:%M"),
            b.format("%Y-%m-%d %H:%M")
        )
    };
    [full, dates]
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
    fn ticks_thin_out_until_the_measured_labels_fit() {
        let day = (
            at("2026-11-18T00:00:00-05:00"),
            at("2026-11-19T00:00:00-05:00"),
        );
        // The representative label measures 50 px, so every 2 hours would do (13
        // ticks on 800 px); but the real labels measure 70: 2-hour ticks are 66.7 px
        // apart, under 70 + 10. Every 3 hours (100 px apart) fits.
        let width = |s: &str| if s == "Wed 28" { 50 } else { 70 };
        let t = TimeTicks::choose(&NY, day, false, 800, 10, width);
        assert_eq!(t.every, Every::Hours(3));
        let span = (day.1 - day.0) as f64;
        for w in t.at.windows(2) {
            let px = (w[1] - w[0]) as f64 / span * 800.0;
            assert!(px >= 80.0, "{px}");
        }
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
    fn value_ticks_end_at_a_nice_number_just_above_the_data() {
        // 195 + 2% = 198.9: the next nice top is 200, in 2 steps of 100 when only 3
        // ticks fit (it used to run to 400), 4 of 50 with 5.
        assert_eq!(value_ticks(195.0, 3, 1.0), (200.0, vec![0.0, 100.0, 200.0]));
        assert_eq!(
            value_ticks(195.0, 5, 1.0),
            (200.0, vec![0.0, 50.0, 100.0, 150.0, 200.0])
        );
        // 58 + 2% = 59.16: 60, as 0/30/60 (it used to run to 100).
        assert_eq!(value_ticks(58.0, 3, 1.0), (60.0, vec![0.0, 30.0, 60.0]));
        // 47.94: 50 in steps of 25 with 4 ticks, of 5 with 11.
        assert_eq!(value_ticks(47.0, 4, 1.0), (50.0, vec![0.0, 25.0, 50.0]));
        assert_eq!(value_ticks(47.0, 11, 1.0).1.len(), 11);
        // 63 + 2% = 64.26: 70 in steps of 10; with 3 ticks 70 has no step (35 is
        // not one), so 80.
        assert_eq!(value_ticks(63.0, 8, 1.0).0, 70.0);
        assert_eq!(value_ticks(63.0, 3, 1.0), (80.0, vec![0.0, 40.0, 80.0]));
        // 36 + 2% = 36.72: 40; steps of 5 (8 of them) rather than 4 (10).
        assert_eq!(value_ticks(36.0, 11, 1.0).1[1], 5.0);
        // Small counts never get fractional agents: 2.04 → 2.5 is not whole, so 3.
        assert_eq!(value_ticks(2.0, 10, 1.0), (3.0, vec![0.0, 1.0, 2.0, 3.0]));
        assert_eq!(value_ticks(0.0, 5, 1.0), (1.0, vec![0.0, 1.0]));
        // 12 + 2% = 12.24: 15 in steps of 5.
        assert_eq!(
            value_ticks(12.0, 4, 1.0),
            (15.0, vec![0.0, 5.0, 10.0, 15.0])
        );
    }

    #[test]
    fn ranges_name_local_dates_times_and_the_zone() {
        let texts = |a: &str, b: &str| range_texts(NY, (at(a), at(b)));
        assert_eq!(
            texts("2026-11-16T16:15:00-05:00", "2026-11-23T16:30:00-05:00"),
            [
                "2026-11-16 16:15 – 2026-11-23 16:30 America/New_York",
                "2026-11-16 – 2026-11-23 America/New_York"
            ]
        );
        // A month of whole days across the fall-back: the last day is Nov 30.
        assert_eq!(
            texts("2026-11-01T00:00:00-04:00", "2026-12-01T00:00:00-05:00")[0],
            "2026-11-01 – 2026-11-30 America/New_York"
        );
        assert_eq!(
            texts("2026-11-18T00:00:00-05:00", "2026-11-19T00:00:00-05:00")[0],
            "2026-11-18 America/New_York"
        );
        assert_eq!(
            texts("2026-11-18T09:00:00-05:00", "2026-11-18T17:00:00-05:00"),
            [
                "2026-11-18 09:00–17:00 America/New_York",
                "2026-11-18 America/New_York"
            ]
        );
        // Shown in the zone asked for, whatever the instants' offsets.
        assert_eq!(
            range_texts(
                chrono_tz::Asia::Kolkata,
                (at("2026-11-18T00:00:00Z"), at("2026-11-18T12:00:00Z"))
            )[0],
            "2026-11-18 05:30–17:30 Asia/Kolkata"
        );
    }
}
