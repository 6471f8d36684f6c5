//! Plain data the store reads and writes.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::outcome::Outcome;

/// The id of one series: a target name with one filter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TargetId(pub i64);

/// A row of `targets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetRow {
    /// The series id.
    pub id: TargetId,
    /// The configured target name.
    pub name: String,
    /// The filter set, canonical JSON as the caller gave it.
    pub filters: String,
    /// When the series was first seen, UTC unix seconds.
    pub created_at: i64,
}

/// One poll of one target at one scheduled slot.
///
/// Invariants, checked by [`Sample::validate`] before any write: an `Ok` sample has
/// both counts and `available <= logged_in`; any other outcome has neither (a failed
/// poll is a gap, never a zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// The series.
    pub target: TargetId,
    /// The scheduled slot, UTC unix seconds.
    pub ts: i64,
    /// How the poll ended.
    pub outcome: Outcome,
    /// Agents ready for a call; `Some` exactly when `outcome` is `Ok`.
    pub available: Option<u32>,
    /// Agents logged in; `Some` exactly when `outcome` is `Ok`.
    pub logged_in: Option<u32>,
    /// Round-trip time of the poll; `None` when not measured (skipped slots, imports).
    pub latency_ms: Option<u32>,
}

/// What [`crate::Store::write_batch`] takes: a [`Sample`] by another name.
pub type NewSample = Sample;

impl Sample {
    /// An ok sample.
    #[must_use]
    pub fn ok(
        target: TargetId,
        ts: i64,
        available: u32,
        logged_in: u32,
        latency_ms: Option<u32>,
    ) -> Sample {
        Sample {
            target,
            ts,
            outcome: Outcome::Ok,
            available: Some(available),
            logged_in: Some(logged_in),
            latency_ms,
        }
    }

    /// A failed (or skipped) sample: a gap with its reason.
    #[must_use]
    pub fn failed(target: TargetId, ts: i64, outcome: Outcome, latency_ms: Option<u32>) -> Sample {
        Sample {
            target,
            ts,
            outcome,
            available: None,
            logged_in: None,
            latency_ms,
        }
    }

    /// Checks the invariants of the outcome.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSample`] saying which invariant is broken.
    pub fn validate(&self) -> Result<()> {
        let reason = match (self.outcome, self.available, self.logged_in) {
            (Outcome::Ok, Some(a), Some(l)) if a > l => "available exceeds logged_in",
            (Outcome::Ok, Some(_), Some(_)) => return Ok(()),
            (Outcome::Ok, _, _) => "ok sample without both counts",
            (_, None, None) => return Ok(()),
            (_, _, _) => "failed sample with counts",
        };
        Err(Error::InvalidSample {
            target: self.target.0,
            ts: self.ts,
            reason,
        })
    }
}

/// What [`crate::Store::write_batch`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Samples newly stored.
    pub inserted: u64,
    /// Samples whose (target, ts) was already stored; they changed nothing.
    pub duplicates: u64,
    /// Samples refused because retention pruned the raw samples of their period and
    /// their bucket's rollup may already count them; they changed nothing.
    pub pruned_skipped: u64,
}

/// One row of an import: an ok sample of historical counts (no latency).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportRow {
    /// The slot, UTC unix seconds.
    pub ts: i64,
    /// Agents ready.
    pub available: u32,
    /// Agents logged in.
    pub logged_in: u32,
}

/// What [`crate::Store::import`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Rows the source yielded.
    pub rows: u64,
    /// Samples newly stored.
    pub inserted: u64,
    /// Rows whose ts was already stored for the target; skipped.
    pub duplicates: u64,
    /// Rows refused because retention pruned the raw samples of their period and
    /// their bucket's rollup may already count them; skipped.
    pub pruned_skipped: u64,
}

/// The id of one collector process's run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

/// How a collector run ended, or that it has not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// No stop recorded yet: running, or died and not yet noticed by a later run.
    Running,
    /// Stopped through `end_run`.
    Clean,
    /// Found unfinished by a later run; `stopped_at` is its last heartbeat.
    Unclean,
}

/// A row of `collector_runs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// The run.
    pub id: RunId,
    /// When it started, UTC unix seconds.
    pub started_at: i64,
    /// Its last sign of life.
    pub heartbeat_at: i64,
    /// When it stopped (for an unclean stop: its last heartbeat); `None` while running.
    pub stopped_at: Option<i64>,
    /// Running, clean or unclean.
    pub state: RunState,
    /// The collector's process id.
    pub pid: u32,
    /// The collector's version.
    pub version: String,
}

/// What [`crate::Store::begin_run`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStart {
    /// The new run.
    pub id: RunId,
    /// Earlier runs that never stopped, now marked unclean (stopped at their last
    /// heartbeat), oldest first.
    pub unclean: Vec<Run>,
}

/// Upper bounds (inclusive, milliseconds) of the poll latency histogram's finite
/// buckets; a last bucket, +Inf, follows them.
pub const LATENCY_BUCKETS_MS: [u32; 9] = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/// The number of latency buckets, +Inf included.
pub const LATENCY_BUCKETS: usize = LATENCY_BUCKETS_MS.len() + 1;

/// The histogram bucket a latency falls in: the first whose bound is `>=` it.
#[must_use]
pub fn latency_bucket(latency_ms: u32) -> usize {
    LATENCY_BUCKETS_MS.partition_point(|&le| le < latency_ms)
}

/// Cumulative poll count and latency of one target and outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PollStat {
    /// The series.
    pub target: TargetId,
    /// The outcome counted.
    pub outcome: Outcome,
    /// Polls with this outcome, skipped slots included, since the database was created.
    pub polls: u64,
    /// Sum of the measured latencies of those polls.
    pub latency_sum_ms: u64,
}

/// Poll latency histogram of one target, all outcomes, measured polls only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LatencyHistogram {
    /// The series.
    pub target: TargetId,
    /// Per-bucket (not cumulative) counts, in the order of [`LATENCY_BUCKETS_MS`], then
    /// +Inf.
    pub counts: [u64; LATENCY_BUCKETS],
}

impl LatencyHistogram {
    /// Cumulative counts as Prometheus wants them: `le` bucket `i` counts every poll
    /// at or below its bound; the last (+Inf) is the total.
    #[must_use]
    pub fn cumulative(&self) -> [u64; LATENCY_BUCKETS] {
        let mut out = self.counts;
        for i in 1..out.len() {
            out[i] += out[i - 1];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_inclusive_upper_bounds() {
        assert_eq!(latency_bucket(0), 0);
        assert_eq!(latency_bucket(25), 0);
        assert_eq!(latency_bucket(26), 1);
        assert_eq!(latency_bucket(10_000), 8);
        assert_eq!(latency_bucket(10_001), 9);
        assert_eq!(latency_bucket(u32::MAX), 9);
    }

    #[test]
    fn cumulative_histogram_sums_up_to_the_total() {
        let h = LatencyHistogram {
            target: TargetId(1),
            counts: [1, 0, 2, 0, 0, 0, 0, 0, 3, 4],
        };
        assert_eq!(h.cumulative(), [1, 1, 3, 3, 3, 3, 3, 3, 6, 10]);
    }

    #[test]
    fn sample_invariants() {
        let t = TargetId(1);
        assert!(Sample::ok(t, 0, 3, 3, None).validate().is_ok());
        assert!(Sample::ok(t, 0, 0, 0, Some(5)).validate().is_ok());
        assert!(
            Sample::failed(t, 0, Outcome::Skipped, None)
                .validate()
                .is_ok()
        );
        let bad = [
            (Sample::ok(t, 7, 4, 3, None), "available exceeds logged_in"),
            (
                Sample {
                    logged_in: None,
                    ..Sample::ok(t, 7, 1, 3, None)
                },
                "ok sample without both counts",
            ),
            (
                Sample {
                    available: Some(0),
                    ..Sample::failed(t, 7, Outcome::Timeout, None)
                },
                "failed sample with counts",
            ),
        ];
        for (s, why) in bad {
            let e = s.validate().unwrap_err();
            assert_eq!(e.to_string(), format!("sample 1@7: {why}"));
        }
    }
}
