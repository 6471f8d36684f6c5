//! Bucketed history: the timeline.

use std::ops::ControlFlow;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use headcount_store::{Reads, Rollup, Sample, TargetId, TargetRow};
use serde::Serialize;

use crate::agg::{Acc, Gauge};
use crate::downtime::{self, Downtime};
use crate::error::Result;
use crate::time::{Step, checked_bounds, stamp};
use headcount_config::{State, Thresholds};

/// The series a query is about: its stored id and configured name (echoed in output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesRef<'a> {
    /// The stored series.
    pub id: TargetId,
    /// The target's name.
    pub name: &'a str,
}

impl<'a> From<&'a TargetRow> for SeriesRef<'a> {
    fn from(row: &'a TargetRow) -> SeriesRef<'a> {
        SeriesRef {
            id: row.id,
            name: &row.name,
        }
    }
}

/// What [`series`] computes: parsed by [`crate::Params::series`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesQuery {
    /// Start of the range, UTC unix seconds.
    pub from: i64,
    /// End of the range (exclusive), UTC unix seconds; greater than `from`.
    pub to: i64,
    /// The zone buckets align to and timestamps are shown in.
    pub tz: Tz,
    /// The bucket width; `Auto` is resolved against the range.
    pub step: Step,
    /// State thresholds.
    pub thresholds: Thresholds,
    /// The time of the question, UTC unix seconds: downtime is never counted after it,
    /// and a run silent for more than [`headcount_store::RUN_STALE_AFTER_SECS`] before
    /// it counts as stopped at its last heartbeat.
    pub now: i64,
}

/// Bucketed history of one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Series {
    /// The target's name.
    pub target: String,
    /// The IANA zone of the buckets and timestamps.
    pub tz: String,
    /// The step used (`auto` resolved).
    pub step: Step,
    /// Start of the first bucket: the whole buckets intersecting the requested range
    /// are covered.
    pub from: DateTime<FixedOffset>,
    /// End of the last bucket.
    pub to: DateTime<FixedOffset>,
    /// One point per bucket, in order, empty buckets included.
    pub points: Vec<Point>,
    /// Times no collector ran within `[from, to)`.
    pub downtime: Vec<Downtime>,
}

/// One bucket of a [`Series`]. Gauges are `null` when the bucket has no ok sample:
/// gaps are shown, never filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Point {
    /// Start of the bucket.
    pub start: DateTime<FixedOffset>,
    /// End of the bucket (the next one's start): buckets of a day are 23 to 25 hours
    /// long across DST.
    pub end: DateTime<FixedOffset>,
    /// Ok samples.
    pub samples: u64,
    /// Failed polls and skipped slots.
    pub failed: u64,
    /// `samples ÷ (samples + failed)`; `null` when the bucket has no rows (nothing was
    /// scheduled, or the collector was down).
    pub coverage: Option<f64>,
    /// Agents available.
    pub available: Option<Gauge>,
    /// Agents logged in.
    pub logged_in: Option<Gauge>,
    /// 100 × Σ available ÷ Σ logged_in; `null` when Σ logged_in is 0.
    pub available_pct: Option<f64>,
    /// 100 − available_pct.
    pub utilization_pct: Option<f64>,
    /// State of the bucket's sums.
    pub state: Option<State>,
}

/// Bucketed history of `target` over the whole buckets of `q.step` intersecting
/// `[q.from, q.to)`. Steps of 15 minutes and more are summed from rollups; 1m and 5m
/// from raw samples (which retention may have pruned: those buckets then show no
/// rows).
///
/// # Errors
///
/// [`crate::Error::Param`] naming `step` when the range has more than 11,000 buckets
/// of the step; [`crate::Error::Store`] when the database fails.
pub fn series(reads: &impl Reads, target: SeriesRef<'_>, q: &SeriesQuery) -> Result<Series> {
    let step = q.step.resolve(q.from, q.to);
    if step.uses_rollups() {
        let bounds = checked_bounds(q.tz, step, q.from, q.to)?;
        let accs = if step >= Step::Day {
            // 96 or more rollups a bucket: let SQLite sum them.
            let totals = reads.rollup_totals(target.id, &bounds)?;
            totals
                .iter()
                .map(|r| {
                    let mut acc = Acc::default();
                    acc.add_rollup(r);
                    acc
                })
                .collect()
        } else {
            let rollups = reads.rollups(target.id, bounds[0], bounds[bounds.len() - 1])?;
            fold_rollups(&bounds, &rollups)
        };
        build(reads, target, q, step, &bounds, &accs)
    } else {
        series_raw(reads, target, &SeriesQuery { step, ..*q })
    }
}

/// The range a [`series`] of `q` covers, as its [`Series::from`] and [`Series::to`]
/// give it: the whole buckets of its step that intersect `[q.from, q.to)`.
///
/// # Errors
///
/// As [`series`], for too many buckets.
pub fn series_bounds(q: &SeriesQuery) -> Result<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let step = q.step.resolve(q.from, q.to);
    let bounds = checked_bounds(q.tz, step, q.from, q.to)?;
    Ok((
        stamp(q.tz, bounds[0]),
        stamp(q.tz, bounds[bounds.len() - 1]),
    ))
}

/// Like [`series`], but every step computed from raw samples: the reference the
/// rollup path is tested against, and the only path for 1m and 5m.
///
/// # Errors
///
/// As [`series`].
pub fn series_raw(reads: &impl Reads, target: SeriesRef<'_>, q: &SeriesQuery) -> Result<Series> {
    let step = q.step.resolve(q.from, q.to);
    let bounds = checked_bounds(q.tz, step, q.from, q.to)?;
    let mut accs = vec![Acc::default(); bounds.len() - 1];
    let mut i = 0;
    reads.for_each_sample(
        target.id,
        bounds[0],
        bounds[bounds.len() - 1],
        |s: Sample| {
            while s.ts >= bounds[i + 1] {
                i += 1;
            }
            accs[i].add_sample(&s);
            ControlFlow::Continue(())
        },
    )?;
    build(reads, target, q, step, &bounds, &accs)
}

/// Sums `rollups` (sorted, within the bounds) into the buckets of `bounds`.
pub(crate) fn fold_rollups(bounds: &[i64], rollups: &[Rollup]) -> Vec<Acc> {
    let mut accs = vec![Acc::default(); bounds.len().saturating_sub(1)];
    let mut i = 0;
    for r in rollups {
        while i + 1 < bounds.len() && r.bucket >= bounds[i + 1] {
            i += 1;
        }
        if let Some(acc) = accs.get_mut(i).filter(|_| r.bucket >= bounds[0]) {
            acc.add_rollup(r);
        }
    }
    accs
}

fn build(
    reads: &impl Reads,
    target: SeriesRef<'_>,
    q: &SeriesQuery,
    step: Step,
    bounds: &[i64],
    accs: &[Acc],
) -> Result<Series> {
    let (from, to) = (bounds[0], bounds[bounds.len() - 1]);
    // Downtime is observed time: it ends at the requested end (and never after `now`),
    // not at the end of the last whole bucket, which may lie in the future.
    let down = downtime::intervals(reads, from, q.to.min(to).max(from), q.now)?;
    let points = accs
        .iter()
        .zip(bounds.windows(2))
        .map(|(acc, w)| point(q.tz, &q.thresholds, w[0], w[1], acc))
        .collect();
    Ok(Series {
        target: target.name.to_owned(),
        tz: q.tz.name().to_owned(),
        step,
        from: stamp(q.tz, from),
        to: stamp(q.tz, to),
        points,
        downtime: downtime::list(q.tz, &down),
    })
}

fn point(tz: Tz, th: &Thresholds, start: i64, end: i64, acc: &Acc) -> Point {
    Point {
        start: stamp(tz, start),
        end: stamp(tz, end),
        samples: acc.ok,
        failed: acc.failed,
        coverage: acc.coverage(),
        available: acc.available_gauge(),
        logged_in: acc.logged_in_gauge(),
        available_pct: acc.available_pct(),
        utilization_pct: acc.utilization_pct(),
        state: acc.state(th),
    }
}
