//! SLA compliance: how much of an SLA's in-window time met its condition, per local
//! day, week or month.
//!
//! # The rule
//!
//! Time is judged per 15-minute rollup bucket, the grain every report uses. SLA hours
//! are a [`Window`] with minutes on the quarter hour, and every zone's offset is a
//! multiple of 15 minutes, so a bucket is wholly in or out of the window, judged by
//! the local weekday and time its start shows (as the peak window is): both 01:00
//! hours of a fall-back count, the skipped hour of a spring-forward does not exist.
//! A period's `window_seconds` is 900 × its in-window buckets, DST-exact.
//!
//! Within an in-window bucket, of its observed part (up to `now`):
//! - seconds of recorder **downtime** (the report's rule, [`crate::Downtime`]) are
//!   unknown;
//! - each row (one per scheduled slot: ok samples and failed polls) stands for one
//!   slot of the target's usual spacing, as the forecast measures coverage against
//!   the target's usual number of polls: 900 s ÷ the median of rows per bucket over
//!   the in-window buckets read that have rows, or the rest of the bucket ÷ its rows
//!   when that is less (a bucket polled faster than usual). Every row weighs the same,
//!   as the report's state shares weigh each sample equally: an ok sample's slot is
//!   **met** when its counts meet the [`SlaCondition`], else **breach**; a failed poll's
//!   slot is **unknown**;
//! - what the rows do not cover (slots without a row outside downtime: before the
//!   first collector run, gaps in imported history) is unknown, and so is a bucket
//!   without rows: nothing was recorded.
//!
//! The part of a bucket after `now` is **remaining**: not yet judged.
//!
//! **compliance** = 100 × met ÷ (met + breach), or ÷ (met + breach + unknown) when the
//! SLA counts unknown time as breach ([`Unknown::Breach`]); `null` when that is 0.
//! The **error budget** of a period is the breach it may hold and still meet the
//! objective o: (1 − o/100) × its counted time, that is the whole period's window
//! less the unknown time so far (all of it when unknown counts as breach); **budget
//! left** = budget − breach so far (− unknown so far when it counts), negative once
//! overspent. **status**: `met` or `missed` once the period is over (compliance ≥ o
//! or not); before that `in_progress`, or `missed` as soon as the budget is overspent
//! (no outcome of the remaining time can make up for it); `upcoming` for a period
//! that starts after `now`; `no_hours` for a period
//! without any of the SLA's hours (a weekend of a weekday SLA); `no_data` for a
//! finished period with hours but no counted time. **projected_compliance** of a period still running
//! assumes its remaining window time will be counted and meet the condition at the
//! rate of the SLA's last 4 weeks (28 local days before `now`, in-window time only,
//! the current period's part included); without counted time in those weeks, at the
//! period's own rate so far. For a finished period it is its compliance.
//!
//! Periods are the whole local periods that intersect the requested range, like the
//! trend's whole days: where the range starts or ends within a period does not change
//! its numbers (only the usual spacing of rows is read over all the periods a report
//! covers, and the 4 weeks before `now` for a projection).
//! **worst** lists the longest-breaching stretches of consecutive in-window buckets
//! holding breach, the most breach first.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use chrono_tz::Tz;
use headcount_config::{Period, SlaCondition, SlaConfig, Thresholds, Unknown, Window, WindowText};
use headcount_store::{BUCKET_SECS, Reads};
use serde::Serialize;

use crate::downtime;
use crate::error::{ParamError, Result};
use crate::params::{MAX_REPORT_DAYS, given, parse_time};
use crate::report::median;
use crate::series::SeriesRef;
use crate::settings::Settings;
use crate::time::{Step, bounds, day_of, day_start, instant_of, local, stamp};

/// How many stretches [`SlaReport::worst`] lists.
pub const MAX_WORST: usize = 5;

/// Local days the projection's rate looks back.
const TRAILING_DAYS: u64 = 28;

/// What [`sla_report`] computes: parsed by [`SlaParams::query`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaQuery {
    /// Start of the range, UTC unix seconds: the first period is the one holding it.
    pub from: i64,
    /// End of the range, exclusive.
    pub to: i64,
    /// The periods to judge.
    pub period: Period,
    /// The time of the question: later time is remaining, never judged.
    pub now: i64,
}

/// The raw text of an SLA report's parameters; `None` or empty means the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaParams<'a> {
    /// `from`, the forms of [`crate::Params`]. Default: `to` less 7 days for daily
    /// periods, 28 for weekly, 90 for monthly.
    pub from: Option<&'a str>,
    /// `to`, exclusive. Default: now.
    pub to: Option<&'a str>,
    /// `period`: `day`, `week` or `month`. Default: the SLA's.
    pub period: Option<&'a str>,
}

impl SlaParams<'_> {
    /// The names read.
    pub const NAMES: [&'static str; 3] = ["from", "to", "period"];

    /// The query for `sla`, local dates read in the settings' zone.
    ///
    /// # Errors
    ///
    /// A [`ParamError`] naming `period` for an unknown period, `from` or `to` for a
    /// bad time, `from` when it is not before `to` or the range is longer than
    /// [`MAX_REPORT_DAYS`].
    pub fn query(
        &self,
        sla: &SlaConfig,
        settings: &Settings,
        now: i64,
    ) -> Result<SlaQuery, ParamError> {
        let period = match given(self.period) {
            Some(p) => Period::parse(p).map_err(|m| ParamError::new("period", m))?,
            None => sla.period,
        };
        let tz = settings.tz;
        let to = match given(self.to) {
            Some(s) => parse_time("to", s, tz, now)?,
            None => now,
        };
        let from = match given(self.from) {
            Some(s) => parse_time("from", s, tz, now)?,
            None => {
                let days = match period {
                    Period::Day => 7,
                    Period::Week => 28,
                    Period::Month => 90,
                };
                (to - days * 86_400).max(0)
            }
        };
        if from >= to {
            return Err(ParamError::new(
                "from",
                format!("must be before to (from {from}, to {to}, unix seconds)"),
            ));
        }
        if to - from > MAX_REPORT_DAYS * 86_400 {
            return Err(ParamError::new(
                "from",
                format!("an SLA report covers at most {MAX_REPORT_DAYS} days at once"),
            ));
        }
        Ok(SlaQuery {
            from,
            to,
            period,
            now,
        })
    }
}

/// An SLA's compliance per period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaReport {
    /// The SLA's name.
    pub sla: String,
    /// The target it judges.
    pub target: String,
    /// The IANA zone of its hours and periods.
    pub tz: String,
    /// The condition each ok sample is judged by, as configured (`available >= 10`).
    pub condition: String,
    /// The local weekdays and hours it applies to.
    pub hours: WindowText,
    /// Percent of counted in-window time that must meet the condition.
    pub objective: f64,
    /// Whether unknown time is left out (`excluded`) or counted as `breach`.
    pub unknown: Unknown,
    /// The kind of the periods below.
    pub period: Period,
    /// Start of the first period.
    pub from: DateTime<FixedOffset>,
    /// End of the last period.
    pub to: DateTime<FixedOffset>,
    /// Every local period intersecting the range, whole, in order.
    pub periods: Vec<SlaPeriod>,
    /// The period holding the time of the question, if it is among them.
    pub current: Option<SlaPeriod>,
    /// The stretches of consecutive in-window 15-minute buckets with breach, the most
    /// breach first (at most 5).
    pub worst: Vec<BreachStretch>,
}

/// One period's compliance. Seconds are in-window seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaPeriod {
    /// Start of the period (local midnight).
    pub start: DateTime<FixedOffset>,
    /// End of the period, exclusive.
    pub end: DateTime<FixedOffset>,
    /// `met`, `missed`, `in_progress`, `upcoming`, `no_data` or `no_hours`.
    pub status: PeriodStatus,
    /// 100 × met ÷ counted time so far; `null` without counted time.
    pub compliance: Option<f64>,
    /// In-window seconds of the whole period.
    pub window_seconds: f64,
    /// Seconds whose samples met the condition.
    pub met_seconds: f64,
    /// Seconds whose samples breached it.
    pub breach_seconds: f64,
    /// Seconds of failed polls, recorder downtime or no data.
    pub unknown_seconds: f64,
    /// Seconds after the time of the question: not yet judged.
    pub remaining_seconds: f64,
    /// Breach seconds the period may hold and still meet the objective.
    pub budget_seconds: f64,
    /// Budget less the breach so far (and the unknown time, when it counts);
    /// negative once overspent.
    pub budget_left_seconds: f64,
    /// The compliance expected at the end of the period; its compliance once over.
    pub projected_compliance: Option<f64>,
}

/// Where a period stands against its objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    /// Over, and compliance reached the objective.
    Met,
    /// Over below the objective, or still running with the budget overspent.
    Missed,
    /// Still running, budget not overspent.
    InProgress,
    /// Over, with window time but none of it counted.
    NoData,
    /// None of the SLA's hours fall in the period (a weekend of a weekday SLA): there
    /// is nothing to judge.
    NoHours,
    /// Starts after `now`: nothing of it is known yet.
    Upcoming,
}

impl PeriodStatus {
    /// The snake_case name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            PeriodStatus::Met => "met",
            PeriodStatus::Missed => "missed",
            PeriodStatus::InProgress => "in_progress",
            PeriodStatus::NoData => "no_data",
            PeriodStatus::NoHours => "no_hours",
            PeriodStatus::Upcoming => "upcoming",
        }
    }
}

/// Consecutive in-window buckets that each held breach.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BreachStretch {
    /// Start of the first bucket.
    pub start: DateTime<FixedOffset>,
    /// End of the last bucket.
    pub end: DateTime<FixedOffset>,
    /// Breach seconds within it.
    pub breach_seconds: f64,
    /// The fewest agents available in any ok sample of it.
    pub lowest_available: Option<u32>,
}

/// The in-window time of one bucket, judged.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    met: f64,
    breach: f64,
    unknown: f64,
    remaining: f64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.met += o.met;
        self.breach += o.breach;
        self.unknown += o.unknown;
        self.remaining += o.remaining;
    }

    fn window(&self) -> f64 {
        self.met + self.breach + self.unknown + self.remaining
    }

    /// Time compliance is measured against: met and breach, and unknown when it
    /// counts.
    fn counted(&self, unknown: Unknown) -> f64 {
        match unknown {
            Unknown::Excluded => self.met + self.breach,
            Unknown::Breach => self.met + self.breach + self.unknown,
        }
    }
}

/// One in-window bucket: its start, what its rows say, and its judged time.
#[derive(Debug, Clone, Copy)]
struct Cell {
    bucket: i64,
    ok: u64,
    failed: u64,
    met_rows: u64,
    a_min: Option<u32>,
    tally: Tally,
}

/// The compliance of `sla` (on `target`) per period over `q`, local time in
/// `settings.tz`, states judged by `settings.thresholds`.
///
/// # Errors
///
/// [`crate::Error::Store`] when the database fails.
pub fn sla_report(
    reads: &impl Reads,
    target: SeriesRef<'_>,
    sla: &SlaConfig,
    settings: &Settings,
    q: &SlaQuery,
) -> Result<SlaReport> {
    let tz = settings.tz;
    let periods = period_bounds(tz, q.period, q.from, q.to);
    let (p0, pn) = (periods[0], periods[periods.len() - 1]);
    let running = (p0..pn).contains(&q.now);
    let trail_from = instant_of(tz, local(tz, q.now) - chrono::Days::new(TRAILING_DAYS));
    let scan_from = if running { p0.min(trail_from) } else { p0 };
    let cells = judge(
        reads,
        target,
        &sla.condition,
        &sla.hours,
        tz,
        &settings.thresholds,
        (scan_from, pn),
        q.now,
    )?;

    let trailing = {
        let mut t = Tally::default();
        for c in cells
            .iter()
            .filter(|c| c.bucket >= trail_from && c.bucket < q.now)
        {
            t.add(&c.tally);
        }
        t
    };
    let trailing_rate = ratio(trailing.met, trailing.counted(sla.unknown));
    let out: Vec<SlaPeriod> = periods
        .windows(2)
        .map(|w| {
            let mut t = Tally::default();
            let a = cells.partition_point(|c| c.bucket < w[0]);
            let b = cells.partition_point(|c| c.bucket < w[1]);
            for c in &cells[a..b] {
                t.add(&c.tally);
            }
            judge_period(tz, sla, (w[0], w[1]), &t, trailing_rate, q.now)
        })
        .collect();
    let current = periods
        .windows(2)
        .position(|w| (w[0]..w[1]).contains(&q.now))
        .map(|i| out[i].clone());
    let in_range = {
        let a = cells.partition_point(|c| c.bucket < p0);
        &cells[a..]
    };
    Ok(SlaReport {
        sla: sla.name.clone(),
        target: target.name.to_owned(),
        tz: tz.name().to_owned(),
        condition: sla.condition.to_string(),
        hours: sla.hours.text(),
        objective: sla.objective,
        unknown: sla.unknown,
        period: q.period,
        from: stamp(tz, p0),
        to: stamp(tz, pn),
        periods: out,
        current,
        worst: worst(tz, in_range),
    })
}

/// The bounds of the local periods intersecting `[from, to)`: `b[0] <= from < … <
/// b[n] >= to`.
pub(crate) fn period_bounds(tz: Tz, period: Period, from: i64, to: i64) -> Vec<i64> {
    match period {
        Period::Day | Period::Week => {
            let step = if period == Period::Day {
                Step::Day
            } else {
                Step::Week
            };
            bounds(tz, step, from, to, usize::MAX).unwrap_or_else(|| vec![from, to])
        }
        Period::Month => {
            let first = |d: NaiveDate| d.with_day(1).unwrap_or(d);
            let mut m = first(day_of(tz, from));
            let mut out = vec![day_start(tz, m)];
            while out[out.len() - 1] < to {
                m = m + chrono::Months::new(1);
                out.push(day_start(tz, m));
            }
            out
        }
    }
}

/// Every in-window bucket of `[from, to)` with its time judged; see the module doc.
#[allow(clippy::too_many_arguments)] // each is a distinct input of the rule
fn judge(
    reads: &impl Reads,
    target: SeriesRef<'_>,
    condition: &SlaCondition,
    hours: &Window,
    tz: Tz,
    th: &Thresholds,
    (from, to): (i64, i64),
    now: i64,
) -> Result<Vec<Cell>> {
    let snap = |t: i64| t - t.rem_euclid(BUCKET_SECS);
    let mut cells: Vec<Cell> = Vec::new();
    let mut b = snap(from);
    while b < to {
        let t = local(tz, b);
        if hours.contains(t.weekday(), t.hour() * 60 + t.minute()) {
            cells.push(Cell {
                bucket: b,
                ok: 0,
                failed: 0,
                met_rows: 0,
                a_min: None,
                tally: Tally::default(),
            });
        }
        b += BUCKET_SECS;
    }
    // Read only the in-window spans.
    let mut spans: Vec<(i64, i64)> = Vec::new();
    for c in &cells {
        match spans.last_mut() {
            Some(last) if last.1 == c.bucket => last.1 += BUCKET_SECS,
            _ => spans.push((c.bucket, c.bucket + BUCKET_SECS)),
        }
    }
    let index = |cells: &[Cell], bucket: i64| cells.binary_search_by_key(&bucket, |c| c.bucket);
    for &(a, z) in &spans {
        for r in reads.rollups(target.id, a, z)? {
            if let Ok(i) = index(&cells, r.bucket) {
                let c = &mut cells[i];
                c.ok = u64::from(r.ok);
                c.failed = u64::from(r.failed);
                c.a_min = r.available.map(|g| g.min);
            }
        }
        let mut at = 0usize;
        reads.for_each_dist_entry(target.id, a, z, |bucket, av, li, count| {
            if cells.get(at).is_none_or(|c| c.bucket != bucket) {
                match index(&cells, bucket) {
                    Ok(i) => at = i,
                    Err(_) => return,
                }
            }
            if condition.meets(av, li, th) {
                cells[at].met_rows += count;
            }
        })?;
    }
    // The seconds one row stands for: a bucket's worth over the usual rows a bucket.
    let typical = median(
        cells
            .iter()
            .map(|c| c.ok + c.failed)
            .filter(|&r| r > 0)
            .collect(),
    );
    let slot = typical.map(|t| BUCKET_SECS as f64 / t);
    let down = downtime::intervals(reads, snap(from), to, now)?;
    let mut d = 0usize;
    for c in &mut cells {
        let end = c.bucket + BUCKET_SECS;
        let observed_end = end.min(now.max(c.bucket));
        let remaining = (end - observed_end) as f64;
        // Downtime intervals are sorted and disjoint, and so are the buckets.
        while d < down.len() && down[d].1 <= c.bucket {
            d += 1;
        }
        let mut down_secs = 0;
        for &(x, y) in &down[d..] {
            if x >= observed_end {
                break;
            }
            down_secs += y.min(observed_end) - x.max(c.bucket);
        }
        let observed = (observed_end - c.bucket - down_secs) as f64;
        let rows = c.ok + c.failed;
        c.tally = match slot {
            Some(slot) if rows > 0 => {
                let each = slot.min(observed / rows as f64);
                let covered = each * rows as f64;
                Tally {
                    met: each * c.met_rows as f64,
                    breach: each * (c.ok - c.met_rows) as f64,
                    unknown: each * c.failed as f64 + down_secs as f64 + (observed - covered),
                    remaining,
                }
            }
            _ => Tally {
                unknown: observed + down_secs as f64,
                remaining,
                ..Tally::default()
            },
        };
    }
    Ok(cells)
}

fn judge_period(
    tz: Tz,
    sla: &SlaConfig,
    (start, end): (i64, i64),
    t: &Tally,
    trailing_rate: Option<f64>,
    now: i64,
) -> SlaPeriod {
    let counted = t.counted(sla.unknown);
    let compliance = ratio(t.met, counted).map(|r| 100.0 * r);
    // (100 − o) × t ÷ 100 rather than (1 − o/100) × t: exact for whole percents.
    let allowed = |time: f64| (100.0 - sla.objective) * time / 100.0;
    let (budget, used) = match sla.unknown {
        Unknown::Excluded => (allowed(t.window() - t.unknown), t.breach),
        Unknown::Breach => (allowed(t.window()), t.breach + t.unknown),
    };
    let budget_left = budget - used;
    // A float tolerance: 95 of 100 seconds is 95%, whatever the rounding.
    let reached = |met: f64, counted: f64| met * 100.0 >= sla.objective * counted - 1e-6;
    let status = if t.window() <= 0.0 {
        PeriodStatus::NoHours
    } else if start > now {
        PeriodStatus::Upcoming
    } else if t.remaining > 0.0 {
        if budget_left < -1e-6 {
            PeriodStatus::Missed
        } else {
            PeriodStatus::InProgress
        }
    } else if counted <= 0.0 {
        PeriodStatus::NoData
    } else if reached(t.met, counted) {
        PeriodStatus::Met
    } else {
        PeriodStatus::Missed
    };
    let projected = if t.remaining > 0.0 {
        let rate = trailing_rate.or_else(|| ratio(t.met, counted));
        rate.map(|r| 100.0 * (t.met + t.remaining * r) / (counted + t.remaining))
    } else {
        compliance
    };
    SlaPeriod {
        start: stamp(tz, start),
        end: stamp(tz, end),
        status,
        compliance,
        window_seconds: t.window(),
        met_seconds: t.met,
        breach_seconds: t.breach,
        unknown_seconds: t.unknown,
        remaining_seconds: t.remaining,
        budget_seconds: budget,
        budget_left_seconds: budget_left,
        projected_compliance: projected,
    }
}

/// The stretches of consecutive in-window buckets with breach, most breach first
/// (the earliest on a tie), at most [`MAX_WORST`].
fn worst(tz: Tz, cells: &[Cell]) -> Vec<BreachStretch> {
    struct Run {
        start: i64,
        end: i64,
        breach: f64,
        lowest: Option<u32>,
    }
    let mut runs: Vec<Run> = Vec::new();
    for c in cells.iter().filter(|c| c.tally.breach > 0.0) {
        match runs.last_mut() {
            Some(r) if r.end == c.bucket => {
                r.end += BUCKET_SECS;
                r.breach += c.tally.breach;
                r.lowest = min_opt(r.lowest, c.a_min);
            }
            _ => runs.push(Run {
                start: c.bucket,
                end: c.bucket + BUCKET_SECS,
                breach: c.tally.breach,
                lowest: c.a_min,
            }),
        }
    }
    runs.sort_by(|a, b| b.breach.total_cmp(&a.breach).then(a.start.cmp(&b.start)));
    runs.truncate(MAX_WORST);
    runs.into_iter()
        .map(|r| BreachStretch {
            start: stamp(tz, r.start),
            end: stamp(tz, r.end),
            breach_seconds: r.breach,
            lowest_available: r.lowest,
        })
        .collect()
}

fn min_opt(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}
