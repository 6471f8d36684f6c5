//! Recorder downtime: the time between collector runs.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use headcount_store::{RUN_STALE_AFTER_SECS, Reads, Run};
use serde::Serialize;

use crate::error::Result;
use crate::time::stamp;

/// A stretch of time in which no collector ran, so nothing was recorded: not a
/// failure of the upstream API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Downtime {
    /// When the last run before it stopped (its last heartbeat if it died), or the
    /// start of the range.
    pub from: DateTime<FixedOffset>,
    /// When the next run started, or the requested end of the range (never the end
    /// of a bucket past it: time to come is not downtime).
    pub to: DateTime<FixedOffset>,
    /// `to − from`.
    pub seconds: i64,
}

/// The downtime intervals clipped to `[from, to)` and to before `now`, read from the
/// collector runs as they stand at `now` (see [`gaps`]).
pub(crate) fn intervals(
    reads: &impl Reads,
    from: i64,
    to: i64,
    now: i64,
) -> Result<Vec<(i64, i64)>> {
    // Time to come is not downtime: nothing is known about it yet.
    let to = to.min(now);
    if from >= to {
        return Ok(Vec::new());
    }
    // Every run that started before `to`: the table has one row per collector start,
    // so this stays small, and it says whether any run preceded the range.
    let runs = reads.runs(i64::MIN, to)?;
    Ok(gaps(&runs, from, to, now))
}

/// Where a run stopped covering time, as known at `now`: its recorded stop; for a
/// run with none, its last heartbeat once that is more than
/// [`RUN_STALE_AFTER_SECS`] before `now` (its collector died and nothing has restarted
/// it, so it must not look alive forever); else it is running and covers everything
/// after its start.
fn end_of(run: &Run, now: i64) -> i64 {
    let end = match run.stopped_at {
        Some(stopped) => stopped,
        None if now.saturating_sub(run.heartbeat_at) > RUN_STALE_AFTER_SECS => run.heartbeat_at,
        None => return i64::MAX,
    };
    end.max(run.started_at)
}

/// The gaps between the union of `runs` (sorted by start), after the first start,
/// clipped to `[from, to)`, each run ending where [`end_of`] says at `now`.
pub(crate) fn gaps(runs: &[Run], from: i64, to: i64, now: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut covered: Option<i64> = None;
    let mut push = |a: i64, b: i64| {
        let (a, b) = (a.max(from), b.min(to));
        if a < b {
            out.push((a, b));
        }
    };
    for run in runs {
        let end = end_of(run, now);
        match covered {
            Some(until) if run.started_at > until => {
                push(until, run.started_at);
                covered = Some(end);
            }
            Some(until) => covered = Some(until.max(end)),
            None => covered = Some(end),
        }
    }
    if let Some(until) = covered.filter(|&u| u < i64::MAX) {
        push(until, i64::MAX);
    }
    out
}

/// The output form of `intervals`.
pub(crate) fn list(tz: Tz, intervals: &[(i64, i64)]) -> Vec<Downtime> {
    intervals
        .iter()
        .map(|&(a, b)| Downtime {
            from: stamp(tz, a),
            to: stamp(tz, b),
            seconds: b - a,
        })
        .collect()
}

/// Total seconds of `intervals`.
pub(crate) fn total(intervals: &[(i64, i64)]) -> i64 {
    intervals.iter().map(|(a, b)| b - a).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use headcount_store::{RunId, RunState};

    /// Close enough to the test runs that none still running has gone stale.
    const NOW: i64 = 500;

    fn run(started_at: i64, stopped_at: Option<i64>) -> Run {
        Run {
            id: RunId(started_at),
            started_at,
            heartbeat_at: stopped_at.unwrap_or(started_at),
            stopped_at,
            state: if stopped_at.is_some() {
                RunState::Clean
            } else {
                RunState::Running
            },
            pid: 1,
            version: "test".into(),
        }
    }

    #[test]
    fn gaps_between_runs_after_the_first_clipped_to_the_range() {
        let runs = [run(100, Some(200)), run(250, Some(300)), run(400, None)];
        // Before 100: no run yet (imported history), so not downtime.
        assert_eq!(gaps(&runs, 0, 1000, NOW), vec![(200, 250), (300, 400)]);
        assert_eq!(gaps(&runs, 220, 350, NOW), vec![(220, 250), (300, 350)]);
        assert_eq!(gaps(&runs, 410, 1000, NOW), vec![]);
    }

    #[test]
    fn after_a_stopped_last_run_is_downtime_to_the_end() {
        let runs = [run(100, Some(200))];
        assert_eq!(gaps(&runs, 0, 500, NOW), vec![(200, 500)]);
        assert_eq!(gaps(&[], 0, 500, NOW), vec![]);
    }

    #[test]
    fn overlapping_runs_are_merged() {
        let runs = [
            run(100, Some(300)),
            run(200, Some(250)),
            run(280, Some(400)),
        ];
        assert_eq!(gaps(&runs, 0, 500, NOW), vec![(400, 500)]);
    }

    /// A run with no stop whose last heartbeat was at `heartbeat_at`.
    fn silent(started_at: i64, heartbeat_at: i64) -> Run {
        Run {
            heartbeat_at,
            ..run(started_at, None)
        }
    }

    #[test]
    fn a_run_silent_past_the_stale_limit_stopped_at_its_last_heartbeat() {
        let runs = [silent(100, 300)];
        let limit = 300 + RUN_STALE_AFTER_SECS;
        // Up to the limit it may still be alive: no downtime.
        assert_eq!(gaps(&runs, 0, 5_000, limit), vec![]);
        // A second later it is taken to have died at its heartbeat.
        assert_eq!(gaps(&runs, 0, 5_000, limit + 1), vec![(300, 5_000)]);
        assert_eq!(gaps(&runs, 0, 5_000, 4_000), vec![(300, 5_000)]);
        // A later run ends the downtime, as for a run marked unclean.
        let runs = [silent(100, 300), run(900, None)];
        assert_eq!(gaps(&runs, 0, 5_000, 950), vec![(300, 900)]);
        // A run that never sent a heartbeat after its start died at its start.
        assert_eq!(
            gaps(&[silent(100, 100)], 0, 1_000, 1_000),
            vec![(100, 1_000)]
        );
    }
}
