//! The report: every section over one range, from one read of rollups and
//! distributions (and raw samples only where episodes may be).
//!
//! # The sections
//!
//! Over `[from, to)` snapped outward to the 15-minute grid (echoed as `from`, `to`):
//! - **summary**: counts, coverage, downtime seconds, gauges' avg/min/max,
//!   available_pct, utilization_pct, state, p5/p50/p95 of available and
//!   `percentiles_source`.
//! - **peak**: a local instant is peak when its weekday is configured and its time of
//!   day is in the window (start inclusive, end exclusive; `22:00-06:00` wraps
//!   midnight: the time of day decides, with the instant's own weekday). Window
//!   minutes are multiples of 15, so each rollup is wholly on one side (judged by its
//!   start). Each side: mean available, mean logged in, utilization (ratio of sums),
//!   percentiles, state shares. Also the **busiest hour** of the day (highest
//!   utilization over the range) and the **quietest** (lowest mean logged in), the
//!   earliest hour on a tie.
//! - **by_hour**: the 24 local hours of the day; **heatmap**: weekday (Monday first) ×
//!   hour; each with mean available, mean logged in, utilization, samples and state. A
//!   rollup belongs to the hour its start shows, so both 01:00 hours of a fall-back
//!   count as hour 1.
//! - **states**: count and share of ok samples in each state.
//! - **comparison**: the range against the same range moved back by `compare`
//!   (default `7d`; days and weeks are local calendar days, so a week back is the
//!   same local time of day across DST; s, m, h are exact): both periods' summaries
//!   and `current − previous` of each number.
//! - **episodes**, **trend**, **forecast**: each rule is in its module (`episodes.rs`,
//!   `trend.rs`, `forecast.rs`).

mod episodes;
mod forecast;
mod trend;

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use chrono_tz::Tz;
use headcount_store::{BUCKET_SECS, Reads, Rollup, TargetId};
use serde::Serialize;

pub use self::episodes::{Episode, EpisodeEnd, Episodes};
pub(crate) use self::forecast::median;
pub use self::forecast::{Band, Forecast, ForecastHour};
pub use self::trend::{Trend, TrendDay, TrendValues};

use crate::agg::{Acc, DistAcc, Percentiles, StateShares};
use crate::downtime;
use crate::error::Result;
use crate::params::Span;
use crate::series::{SeriesRef, fold_rollups};
use crate::time::{Step, bounds, day_of, instant_of, local, stamp};
use headcount_config::{State, Thresholds, Window, WindowText};

/// What [`report`] computes: parsed by [`crate::Params::report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportQuery {
    /// Start of the range, UTC unix seconds; the report snaps it down to the
    /// 15-minute grid.
    pub from: i64,
    /// End of the range, exclusive; the report snaps it up to the 15-minute grid.
    pub to: i64,
    /// The zone of local days, hours and output.
    pub tz: Tz,
    /// How far back the comparison period lies.
    pub compare: Span,
    /// Hours the forecast looks ahead, 0..=168.
    pub horizon: u32,
    /// The peak window.
    pub peak: Window,
    /// State thresholds.
    pub thresholds: Thresholds,
    /// The time of the question, UTC unix seconds: downtime is never counted after it,
    /// and a run silent for more than [`headcount_store::RUN_STALE_AFTER_SECS`] before
    /// it counts as stopped at its last heartbeat.
    pub now: i64,
}

/// How [`Summary::percentiles_source`] describes its percentiles.
pub const PERCENTILES_SOURCE: &str =
    "exact: nearest rank over the merged per-15-minute distributions of every ok sample";

/// Every section of the report over one range. See the crate docs for what each
/// number means.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// The target's name.
    pub target: String,
    /// The IANA zone of local days and hours.
    pub tz: String,
    /// Effective start: the requested one snapped down to the 15-minute grid.
    pub from: DateTime<FixedOffset>,
    /// Effective end: the requested one snapped up to the 15-minute grid.
    pub to: DateTime<FixedOffset>,
    /// The thresholds states were judged by.
    pub thresholds: Thresholds,
    /// The whole range in numbers.
    pub summary: Summary,
    /// Peak against off-peak, and the busiest and quietest hours.
    pub peak: PeakVsOffPeak,
    /// The 24 local hours of the day, 0 to 23.
    pub by_hour: Vec<HourStats>,
    /// Weekday × hour of day: 7 rows, Monday first, of 24 hours.
    pub heatmap: Vec<HeatmapRow>,
    /// Count and share of ok samples in each state.
    pub states: StateShares,
    /// Runs of samples in warning or worse.
    pub episodes: Episodes,
    /// Per local day, with moving average, week-over-week change and slope.
    pub trend: Trend,
    /// This range against the same range `compare` earlier.
    pub comparison: Comparison,
    /// The hours after the range, from the same hours of the last 4 weeks.
    pub forecast: Forecast,
}

/// Count, mean and extremes of one gauge.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Mean over the ok samples.
    pub avg: f64,
    /// Smallest value.
    pub min: u32,
    /// Largest value.
    pub max: u32,
}

/// The numbers of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    /// Start of the period.
    pub from: DateTime<FixedOffset>,
    /// End of the period (exclusive).
    pub to: DateTime<FixedOffset>,
    /// Ok samples.
    pub samples: u64,
    /// Failed polls and skipped slots.
    pub failed: u64,
    /// `samples ÷ (samples + failed)`; `null` without rows.
    pub coverage: Option<f64>,
    /// Seconds within the period when no collector ran.
    pub downtime_seconds: i64,
    /// Agents available.
    pub available: Option<Stats>,
    /// Agents logged in.
    pub logged_in: Option<Stats>,
    /// 100 × Σ available ÷ Σ logged_in.
    pub available_pct: Option<f64>,
    /// 100 − available_pct.
    pub utilization_pct: Option<f64>,
    /// State of the period's sums.
    pub state: Option<State>,
    /// p5/p50/p95 of available over every ok sample.
    pub available_percentiles: Percentiles,
    /// How the percentiles were computed: exactly, from the rollup distributions.
    pub percentiles_source: &'static str,
}

/// One side of the peak window.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Side {
    /// Ok samples.
    pub samples: u64,
    /// Mean available.
    pub available: Option<f64>,
    /// Mean logged in.
    pub logged_in: Option<f64>,
    /// 100 − 100 × Σ available ÷ Σ logged_in.
    pub utilization_pct: Option<f64>,
    /// p5/p50/p95 of available.
    pub available_percentiles: Percentiles,
    /// Share of the side's ok samples in each state.
    pub states: StateShares,
}

/// Peak against off-peak.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PeakReport))]
pub struct PeakVsOffPeak {
    /// The configured window.
    pub window: WindowText,
    /// Inside the window.
    pub peak: Side,
    /// Everything else.
    pub off_peak: Side,
    /// The hour of day with the highest utilization (the earliest on a tie); `null`
    /// without data.
    pub busiest_hour: Option<HourStats>,
    /// The hour of day with the lowest mean logged in (the earliest on a tie).
    pub quietest_hour: Option<HourStats>,
}

/// One local hour of the day (of all days, or of one weekday).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourStats {
    /// Local hour, 0 to 23: the hour of 09:00–09:59.
    pub hour: u32,
    /// Ok samples.
    pub samples: u64,
    /// Mean available.
    pub available: Option<f64>,
    /// Mean logged in.
    pub logged_in: Option<f64>,
    /// 100 − 100 × Σ available ÷ Σ logged_in.
    pub utilization_pct: Option<f64>,
    /// State of the hour's sums.
    pub state: Option<State>,
}

/// One weekday of the heatmap.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeatmapRow {
    /// `mon` … `sun`.
    pub weekday: &'static str,
    /// Its 24 hours, 0 to 23.
    pub hours: Vec<HourStats>,
}

/// The range against the same range `shift` earlier.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comparison {
    /// How far back the previous period lies (`7d`).
    pub shift: String,
    /// The report's range (the same numbers as `summary`).
    pub current: Summary,
    /// The range moved back by `shift`.
    pub previous: Summary,
    /// `current − previous` of each number; `null` where either is.
    pub change: Change,
}

/// Differences `current − previous`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// Ok samples.
    pub samples: i64,
    /// Coverage (a fraction).
    pub coverage: Option<f64>,
    /// Downtime seconds.
    pub downtime_seconds: i64,
    /// Mean available (agents).
    pub available_avg: Option<f64>,
    /// Mean logged in (agents).
    pub logged_in_avg: Option<f64>,
    /// Available percentage (percentage points).
    pub available_pct: Option<f64>,
    /// Utilization (percentage points).
    pub utilization_pct: Option<f64>,
    /// p5 of available.
    pub available_p5: Option<i64>,
    /// Median of available.
    pub available_p50: Option<i64>,
    /// p95 of available.
    pub available_p95: Option<i64>,
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Every section of the report of `target` over `[q.from, q.to)` snapped outward to
/// the 15-minute grid.
///
/// # Errors
///
/// [`crate::Error::Store`] when the database fails.
pub fn report(reads: &impl Reads, target: SeriesRef<'_>, q: &ReportQuery) -> Result<Report> {
    let plan = Plan::new(q);
    let rollups = read_rollups(reads, target.id, &plan.rollup_spans())?;
    let th = &q.thresholds;
    let tz = q.tz;

    let cur = slice(&rollups, plan.from, plan.to);
    let pass = RangePass::of(tz, &plan, cur);
    let mut prev_total = Acc::default();
    for r in slice(&rollups, plan.prev.0, plan.prev.1) {
        prev_total.add_rollup(r);
    }
    let dists = DistPass::read(reads, target.id, q, &plan, true)?;

    // Downtime is observed time, so it ends where the request does, not where the
    // grid snaps it: a range ending `now` must not count the minutes up to the next
    // quarter hour after a stopped run. The previous period ends as far back from the
    // requested end, so the two compare like with like.
    let down = downtime::intervals(reads, plan.from, plan.observed_to, q.now)?;
    let prev_down = downtime::intervals(reads, plan.prev.0, plan.prev_observed_to, q.now)?;
    let current = summary(tz, th, (plan.from, plan.to), &pass.total, &dists.all, &down);
    let previous = summary(tz, th, plan.prev, &prev_total, &dists.prev, &prev_down);
    let profile = pass.profile(q, &dists);
    let episodes = episodes::episodes(
        reads,
        target.id,
        tz,
        th,
        (plan.from, plan.to),
        &dists.alert,
        cur,
    )?;
    let day_accs = fold_rollups(&plan.days, &rollups);
    let trend = trend::trend(tz, &plan.days, &day_accs, plan.from, plan.to);
    let lookback = slice(&rollups, plan.hours[0], plan.to);
    let hour_accs = fold_rollups(&plan.hours, lookback);
    let forecast = forecast::forecast(tz, &plan.hours, plan.forecast_first, q.horizon, &hour_accs);

    Ok(Report {
        target: target.name.to_owned(),
        tz: tz.name().to_owned(),
        from: stamp(tz, plan.from),
        to: stamp(tz, plan.to),
        thresholds: *th,
        states: dists.all.shares(),
        comparison: Comparison {
            shift: q.compare.to_string(),
            change: change(&current, &previous),
            current: current.clone(),
            previous,
        },
        summary: current,
        peak: profile.peak,
        by_hour: profile.by_hour,
        heatmap: profile.heatmap,
        episodes,
        trend,
        forecast,
    })
}

/// The peak, by-hour and heatmap sections of [`report`], without the rest: reads
/// only the range's rollups and distributions (for charts).
///
/// # Errors
///
/// [`crate::Error::Store`] when the database fails.
pub fn report_profile(
    reads: &impl Reads,
    target: SeriesRef<'_>,
    q: &ReportQuery,
) -> Result<Profile> {
    let plan = Plan::new(q);
    let rollups = reads.rollups(target.id, plan.from, plan.to)?;
    let dists = DistPass::read(reads, target.id, q, &plan, false)?;
    Ok(RangePass::of(q.tz, &plan, &rollups).profile(q, &dists))
}

/// The trend section of [`report`] alone (for charts): the same days, summed by the
/// store per day.
///
/// # Errors
///
/// [`crate::Error::Store`] when the database fails.
pub fn report_trend(reads: &impl Reads, target: SeriesRef<'_>, q: &ReportQuery) -> Result<Trend> {
    let plan = Plan::new(q);
    let accs: Vec<Acc> = reads
        .rollup_totals(target.id, &plan.days)?
        .iter()
        .map(|r| {
            let mut acc = Acc::default();
            acc.add_rollup(r);
            acc
        })
        .collect();
    Ok(trend::trend(q.tz, &plan.days, &accs, plan.from, plan.to))
}

/// The forecast section of [`report`] alone (for charts).
///
/// # Errors
///
/// [`crate::Error::Store`] when the database fails.
pub fn report_forecast(
    reads: &impl Reads,
    target: SeriesRef<'_>,
    q: &ReportQuery,
) -> Result<Forecast> {
    let plan = Plan::new(q);
    let rollups = reads.rollups(target.id, plan.hours[0], plan.to)?;
    let accs = fold_rollups(&plan.hours, &rollups);
    Ok(forecast::forecast(
        q.tz,
        &plan.hours,
        plan.forecast_first,
        q.horizon,
        &accs,
    ))
}

/// Peak against off-peak, by hour of day and by weekday and hour.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Profile {
    /// As [`Report::peak`].
    pub peak: PeakVsOffPeak,
    /// As [`Report::by_hour`].
    pub by_hour: Vec<HourStats>,
    /// As [`Report::heatmap`].
    pub heatmap: Vec<HeatmapRow>,
}

/// Sums of the range's rollups: in total, per side of the peak window, per hour of
/// the day and per weekday and hour.
struct RangePass {
    total: Acc,
    /// Off-peak, peak.
    sides: [Acc; 2],
    hours: [Acc; 24],
    heat: [[Acc; 24]; 7],
}

impl RangePass {
    fn of(tz: Tz, plan: &Plan, rollups: &[Rollup]) -> RangePass {
        let mut p = RangePass {
            total: Acc::default(),
            sides: [Acc::default(); 2],
            hours: [Acc::default(); 24],
            heat: [[Acc::default(); 24]; 7],
        };
        for r in rollups {
            let LocalSlot {
                weekday: wd,
                hour: h,
                peak,
            } = plan.classify(tz, r.bucket);
            p.total.add_rollup(r);
            p.sides[usize::from(peak)].add_rollup(r);
            p.hours[h].add_rollup(r);
            p.heat[wd][h].add_rollup(r);
        }
        p
    }

    fn profile(&self, q: &ReportQuery, d: &DistPass) -> Profile {
        let th = &q.thresholds;
        let by_hour: Vec<HourStats> = (0..24).map(|h| hour_stats(th, h, &self.hours[h])).collect();
        let heatmap = WEEKDAYS
            .iter()
            .zip(&self.heat)
            .map(|(wd, hs)| HeatmapRow {
                weekday: wd,
                hours: (0..24).map(|h| hour_stats(th, h, &hs[h])).collect(),
            })
            .collect();
        let side = |i: usize| Side {
            samples: self.sides[i].ok,
            available: self.sides[i].mean_available(),
            logged_in: self.sides[i].mean_logged_in(),
            utilization_pct: self.sides[i].utilization_pct(),
            available_percentiles: d.sides[i].available_percentiles(),
            states: d.sides[i].shares(),
        };
        Profile {
            peak: PeakVsOffPeak {
                window: q.peak.text(),
                peak: side(1),
                off_peak: side(0),
                busiest_hour: pick(&by_hour, |h| h.utilization_pct, true),
                quietest_hour: pick(&by_hour, |h| h.logged_in, false),
            },
            by_hour,
            heatmap,
        }
    }
}

/// What the distributions say: of the range (in total and per side), of the
/// comparison period, and which buckets of the range hold a warning-or-worse sample.
struct DistPass {
    all: DistAcc,
    /// Off-peak, peak.
    sides: [DistAcc; 2],
    prev: DistAcc,
    alert: Vec<i64>,
}

impl DistPass {
    fn read(
        reads: &impl Reads,
        id: TargetId,
        q: &ReportQuery,
        plan: &Plan,
        with_prev: bool,
    ) -> Result<DistPass> {
        let mut d = DistPass {
            all: DistAcc::default(),
            sides: [DistAcc::default(), DistAcc::default()],
            prev: DistAcc::default(),
            alert: Vec::new(),
        };
        let prev = if with_prev { plan.prev } else { (0, 0) };
        // Per bucket: (start, in range, in previous period, peak).
        let mut cur = (i64::MIN, false, false, false);
        for (a, b) in merge_spans(&[(plan.from, plan.to), prev]) {
            reads.for_each_dist_entry(id, a, b, |bucket, av, li, c| {
                if bucket != cur.0 {
                    let in_range = (plan.from..plan.to).contains(&bucket);
                    let in_prev = (prev.0..prev.1).contains(&bucket);
                    let peak = in_range && plan.classify(q.tz, bucket).peak;
                    cur = (bucket, in_range, in_prev, peak);
                }
                let (_, in_range, in_prev, peak) = cur;
                let st = q.thresholds.state(u64::from(av), u64::from(li));
                if in_range {
                    d.all.add(av, st, c);
                    d.sides[usize::from(peak)].add(av, st, c);
                    if st.is_alert() && d.alert.last() != Some(&bucket) {
                        d.alert.push(bucket);
                    }
                }
                if in_prev {
                    d.prev.add(av, st, c);
                }
            })?;
        }
        Ok(d)
    }
}

/// The ranges a report reads, derived once from the query.
struct Plan {
    from: i64,
    to: i64,
    /// The requested end, unsnapped (at most `to`, and not after `now`): where downtime
    /// stops counting.
    observed_to: i64,
    prev: (i64, i64),
    /// The comparison period's counterpart of `observed_to` (within `prev`).
    prev_observed_to: i64,
    /// Day bounds from the week before the range's first day to past its end.
    days: Vec<i64>,
    /// Hour bounds from 4 weeks before the first forecast hour to past the last.
    hours: Vec<i64>,
    /// Index in `hours` of the first forecast hour: the first whole hour at or after
    /// `to`.
    forecast_first: usize,
    peak: Window,
}

impl Plan {
    fn new(q: &ReportQuery) -> Plan {
        let tz = q.tz;
        let from = snap_down(q.from);
        let to = snap_up(q.to).max(from + BUCKET_SECS);
        let prev = (
            snap_down(q.compare.back(tz, from)),
            snap_up(q.compare.back(tz, to)),
        );
        let observed_to = q.to.min(q.now).min(to).max(from);
        let prev_observed_to = q.compare.back(tz, observed_to).min(prev.1).max(prev.0);
        let first_day = day_of(tz, from) - chrono::Days::new(7);
        let days_from = crate::time::day_start(tz, first_day);
        // Without a cap `bounds` always answers; the fallback only keeps indexing safe.
        let days =
            bounds(tz, Step::Day, days_from, to, usize::MAX).unwrap_or_else(|| vec![days_from, to]);

        let around = bounds(tz, Step::Hour, to, to + 1, usize::MAX).unwrap_or_default();
        let h0 = around.iter().copied().find(|&b| b >= to).unwrap_or(to);
        let lookback = instant_of(tz, local(tz, h0) - chrono::Days::new(28));
        let end = h0 + (i64::from(q.horizon) + 2) * 3600;
        let hours = bounds(tz, Step::Hour, lookback, end, usize::MAX)
            .unwrap_or_else(|| vec![lookback, end]);
        let forecast_first = hours.partition_point(|&b| b < to);
        Plan {
            from,
            to,
            observed_to,
            prev,
            prev_observed_to,
            days,
            hours,
            forecast_first,
            peak: q.peak,
        }
    }

    /// Where a rollup starting at `bucket` falls in local time.
    fn classify(&self, tz: Tz, bucket: i64) -> LocalSlot {
        let t = local(tz, bucket);
        let wd = t.weekday();
        LocalSlot {
            weekday: wd.num_days_from_monday() as usize,
            hour: t.hour() as usize,
            peak: self.peak.contains(wd, t.hour() * 60 + t.minute()),
        }
    }

    /// Every span whose rollups a section needs, merged where they overlap.
    fn rollup_spans(&self) -> Vec<(i64, i64)> {
        let days = (self.days[0], self.days[self.days.len() - 1]);
        let lookback = (self.hours[0], self.to);
        merge_spans(&[days, self.prev, lookback])
    }
}

/// The local weekday and hour a rollup starts in, and whether that is peak.
#[derive(Debug, Clone, Copy)]
struct LocalSlot {
    /// 0 = Monday.
    weekday: usize,
    /// 0..24.
    hour: usize,
    /// Inside the peak window.
    peak: bool,
}

fn snap_down(t: i64) -> i64 {
    t - t.rem_euclid(BUCKET_SECS)
}

fn snap_up(t: i64) -> i64 {
    snap_down(t + BUCKET_SECS - 1)
}

/// Sorted, non-empty spans with overlapping or touching ones merged.
fn merge_spans(spans: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = spans.iter().copied().filter(|(a, b)| a < b).collect();
    v.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn read_rollups(reads: &impl Reads, id: TargetId, spans: &[(i64, i64)]) -> Result<Vec<Rollup>> {
    let mut out = Vec::new();
    for &(a, b) in spans {
        out.extend(reads.rollups(id, a, b)?);
    }
    Ok(out)
}

/// The rollups (sorted) whose bucket lies in `[from, to)`.
fn slice(rollups: &[Rollup], from: i64, to: i64) -> &[Rollup] {
    let a = rollups.partition_point(|r| r.bucket < from);
    let b = rollups.partition_point(|r| r.bucket < to);
    &rollups[a..b.max(a)]
}

fn summary(
    tz: Tz,
    th: &Thresholds,
    (from, to): (i64, i64),
    acc: &Acc,
    dist: &DistAcc,
    downtime: &[(i64, i64)],
) -> Summary {
    let stats = |avg: Option<f64>, min: u32, max: u32| avg.map(|avg| Stats { avg, min, max });
    Summary {
        from: stamp(tz, from),
        to: stamp(tz, to),
        samples: acc.ok,
        failed: acc.failed,
        coverage: acc.coverage(),
        downtime_seconds: downtime::total(downtime),
        available: stats(acc.mean_available(), acc.a_min, acc.a_max),
        logged_in: stats(acc.mean_logged_in(), acc.l_min, acc.l_max),
        available_pct: acc.available_pct(),
        utilization_pct: acc.utilization_pct(),
        state: acc.state(th),
        available_percentiles: dist.available_percentiles(),
        percentiles_source: PERCENTILES_SOURCE,
    }
}

fn change(cur: &Summary, prev: &Summary) -> Change {
    let d = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a - b);
    let di = |a: Option<u32>, b: Option<u32>| a.zip(b).map(|(a, b)| i64::from(a) - i64::from(b));
    let (cp, pp) = (cur.available_percentiles, prev.available_percentiles);
    Change {
        samples: cur.samples as i64 - prev.samples as i64,
        coverage: d(cur.coverage, prev.coverage),
        downtime_seconds: cur.downtime_seconds - prev.downtime_seconds,
        available_avg: d(cur.available.map(|s| s.avg), prev.available.map(|s| s.avg)),
        logged_in_avg: d(cur.logged_in.map(|s| s.avg), prev.logged_in.map(|s| s.avg)),
        available_pct: d(cur.available_pct, prev.available_pct),
        utilization_pct: d(cur.utilization_pct, prev.utilization_pct),
        available_p5: di(cp.p5, pp.p5),
        available_p50: di(cp.p50, pp.p50),
        available_p95: di(cp.p95, pp.p95),
    }
}

fn hour_stats(th: &Thresholds, hour: usize, acc: &Acc) -> HourStats {
    HourStats {
        hour: hour as u32,
        samples: acc.ok,
        available: acc.mean_available(),
        logged_in: acc.mean_logged_in(),
        utilization_pct: acc.utilization_pct(),
        state: acc.state(th),
    }
}

/// The hour with the highest (or lowest) value; the earliest on a tie.
fn pick(
    hours: &[HourStats],
    key: impl Fn(&HourStats) -> Option<f64>,
    highest: bool,
) -> Option<HourStats> {
    let mut best: Option<(f64, HourStats)> = None;
    for h in hours {
        let Some(v) = key(h) else { continue };
        let better = match best {
            None => true,
            Some((b, _)) => {
                if highest {
                    v > b
                } else {
                    v < b
                }
            }
        };
        if better {
            best = Some((v, *h));
        }
    }
    best.map(|(_, h)| h)
}
