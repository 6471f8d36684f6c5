//! Episodes: maximal runs of ok samples in warning or worse, from the store's
//! per-bucket sample sequences, read only where the rollup distributions say such a
//! sample exists.
//!
//! # The rule
//!
//! Episodes are maximal runs of consecutive ok samples in `warning`, `critical` or
//! `unavailable` (`no_agents` is not an episode: nobody is scheduled, and such a
//! sample ends one). A failed row ends an episode, and so does missing data: rows
//! further apart than twice the median spacing of rows (the lower median, over the
//! stretch of alert buckets read; across all stretches when one has a single row).
//! `start` is the first sample; `end` the next row after the run, or the last
//! sample plus the median spacing when the data has a gap or stops; `ended_by`
//! says which. Episodes are those of the range's samples: one running on past
//! `to` ends at the next row after it (`range_end`), one begun before `from` starts
//! at the first sample in range. Where retention pruned raw samples, episodes are
//! reported from the oldest one kept (`episodes.from`). The list holds the most
//! recent 100 in chronological order; `total` and `total_seconds` count all.

use std::ops::ControlFlow;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use headcount_store::{BUCKET_SECS, Reads, Rollup, SeqEntry, TargetId, bucket_of};
use serde::Serialize;

use crate::error::Result;
use crate::time::stamp;
use headcount_config::{State, Thresholds};

/// The most episodes listed; the totals count them all.
pub const MAX_LISTED: usize = 100;

/// The episodes of the range.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Episodes {
    /// Where episodes are complete from: the range's start, or, when retention pruned
    /// raw samples that the rollups still count, the oldest raw sample kept (the
    /// range's end when none is).
    pub from: DateTime<FixedOffset>,
    /// The range's end.
    pub to: DateTime<FixedOffset>,
    /// Episodes found.
    pub total: u64,
    /// Their summed duration.
    pub total_seconds: i64,
    /// The most recent 100, in chronological order.
    pub list: Vec<Episode>,
}

/// A maximal run of consecutive ok samples in `warning`, `critical` or `unavailable`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Episode {
    /// The first sample of the run.
    pub start: DateTime<FixedOffset>,
    /// The next row after the run (a recovered or failed poll), or the last sample
    /// plus the median spacing of rows when the data stops or has a gap.
    pub end: DateTime<FixedOffset>,
    /// `end − start`.
    pub duration_seconds: i64,
    /// The fewest agents available during the run.
    pub min_available: u32,
    /// The worst state: unavailable, then critical, then warning.
    pub worst_state: State,
    /// Ok samples in the run.
    pub samples: u64,
    /// What ended it.
    pub ended_by: EpisodeEnd,
}

/// What ended an episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EpisodeEnd {
    /// An ok sample in a better state (`no_agents` included).
    Recovered,
    /// A failed poll or skipped slot: what followed is unknown.
    Failure,
    /// The next row is more than twice the median spacing away.
    MissingData,
    /// No row follows at all.
    EndOfData,
    /// The run goes on past the end of the range.
    RangeEnd,
}

/// `alert`: the buckets of the range whose distribution holds a warning-or-worse
/// pair, in order; `rollups`: the range's rollups (which buckets have rows at all).
pub(crate) fn episodes(
    reads: &impl Reads,
    target: TargetId,
    tz: Tz,
    th: &Thresholds,
    (from, to): (i64, i64),
    alert: &[i64],
    rollups: &[Rollup],
) -> Result<Episodes> {
    let complete_from = complete_from(reads, target, (from, to), rollups)?;
    // Stretches of alert buckets, joined across buckets without any row (a slow
    // schedule may leave a bucket empty without a gap in the data).
    let mut stretches: Vec<(i64, i64)> = Vec::new();
    for &b in alert.iter().filter(|&&b| b + BUCKET_SECS > complete_from) {
        match stretches.last_mut() {
            Some(last) if !has_rows_between(rollups, last.1, b) => last.1 = b + BUCKET_SECS,
            _ => stretches.push((b, b + BUCKET_SECS)),
        }
    }
    let mut read: Vec<(Vec<SeqEntry>, Option<SeqEntry>)> = Vec::with_capacity(stretches.len());
    for &(a, b) in &stretches {
        let mut rows = Vec::new();
        reads.for_each_seq_entry(target, a.max(complete_from), b.min(to), |e| rows.push(e))?;
        let mut next = None;
        reads.for_each_sample(target, b.min(to), i64::MAX, |s| {
            next = Some(SeqEntry {
                ts: s.ts,
                counts: s.available.zip(s.logged_in),
            });
            ControlFlow::Break(())
        })?;
        read.push((rows, next));
    }
    // The spacing of all stretches together, for those with fewer than two rows:
    // only worked out when one needs it.
    let mut fallback = None;
    let mut all: Vec<Found> = Vec::new();
    for (rows, next) in &read {
        let gap = match spacing(diffs(rows).collect()) {
            Some(gap) => gap,
            None => *fallback.get_or_insert_with(|| {
                spacing(read.iter().flat_map(|(rows, _)| diffs(rows)).collect())
                    .unwrap_or_else(|| typical_spacing(rollups))
            }),
        };
        find(th, rows, *next, gap, &mut all);
    }
    let total_seconds = all.iter().map(|e| e.end - e.start).sum();
    let total = all.len() as u64;
    // Only the listed ones are given local times: a noisy target has tens of
    // thousands of episodes in a quarter.
    let list = all[all.len().saturating_sub(MAX_LISTED)..]
        .iter()
        .map(|e| e.episode(tz))
        .collect();
    Ok(Episodes {
        from: stamp(tz, complete_from),
        to: stamp(tz, to),
        total,
        total_seconds,
        list,
    })
}

/// Where the range's raw samples are complete: its start, unless retention pruned
/// rows that the rollups still count — then the oldest raw sample kept (or the end of
/// the range when none is).
fn complete_from(
    reads: &impl Reads,
    target: TargetId,
    (from, to): (i64, i64),
    rollups: &[Rollup],
) -> Result<i64> {
    let Some(oldest) = reads.oldest_sample_ts(target)? else {
        return Ok(if rollups.is_empty() { from } else { to });
    };
    if oldest <= from {
        return Ok(from);
    }
    let b = bucket_of(oldest);
    let rows = |r: &Rollup| u64::from(r.ok) + u64::from(r.failed);
    let pruned = if rollups.first().is_some_and(|r| r.bucket < b) {
        true
    } else if let Some(r) = rollups.iter().find(|r| r.bucket == b) {
        // The oldest sample's own bucket: were rows before it counted?
        rows(r) > reads.samples(target, oldest, b + BUCKET_SECS)?.len() as u64
    } else {
        false
    };
    Ok(if pruned { oldest.min(to) } else { from })
}

/// Whether any rollup (so any row) lies in the buckets strictly between the one
/// ending at `end` and bucket `b`.
fn has_rows_between(rollups: &[Rollup], end: i64, b: i64) -> bool {
    let i = rollups.partition_point(|r| r.bucket < end);
    rollups.get(i).is_some_and(|r| r.bucket < b)
}

fn diffs(rows: &[SeqEntry]) -> impl Iterator<Item = i64> + '_ {
    rows.windows(2).map(|w| w[1].ts - w[0].ts)
}

/// The lower median of the spacings; `None` when there are none. Selected, not
/// sorted: a quarter of 15-second samples has half a million.
fn spacing(mut d: Vec<i64>) -> Option<i64> {
    if d.is_empty() {
        return None;
    }
    let mid = (d.len() - 1) / 2;
    Some(*d.select_nth_unstable(mid).1)
}

/// When no stretch has two rows: 900 s over the median rows per rollup.
fn typical_spacing(rollups: &[Rollup]) -> i64 {
    let mut rows: Vec<i64> = rollups
        .iter()
        .map(|r| i64::from(r.ok) + i64::from(r.failed))
        .collect();
    rows.sort_unstable();
    rows.get(rows.len().saturating_sub(1) / 2)
        .map_or(BUCKET_SECS, |&n| BUCKET_SECS / n.max(1))
}

/// An episode as found, in unix seconds.
struct Found {
    start: i64,
    end: i64,
    min_available: u32,
    worst: State,
    samples: u64,
    ended_by: EpisodeEnd,
}

impl Found {
    fn episode(&self, tz: Tz) -> Episode {
        Episode {
            start: stamp(tz, self.start),
            end: stamp(tz, self.end),
            duration_seconds: self.end - self.start,
            min_available: self.min_available,
            worst_state: self.worst,
            samples: self.samples,
            ended_by: self.ended_by,
        }
    }
}

struct Open {
    start: i64,
    last: i64,
    min_available: u32,
    worst: State,
    samples: u64,
}

/// Finds the episodes among `rows` (sorted), `next` being the first row after them.
fn find(
    th: &Thresholds,
    rows: &[SeqEntry],
    next: Option<SeqEntry>,
    gap: i64,
    out: &mut Vec<Found>,
) {
    let close = |o: Open, end: i64, by: EpisodeEnd, out: &mut Vec<Found>| {
        out.push(Found {
            start: o.start,
            end,
            min_available: o.min_available,
            worst: o.worst,
            samples: o.samples,
            ended_by: by,
        });
    };
    let alert_of = |s: &SeqEntry| match s.counts {
        Some((a, l)) => {
            let st = th.state(u64::from(a), u64::from(l));
            st.is_alert().then_some((st, a))
        }
        None => None,
    };
    let mut open: Option<Open> = None;
    for s in rows {
        if let Some(o) = open.take_if(|o| s.ts - o.last > 2 * gap) {
            let end = o.last + gap;
            close(o, end, EpisodeEnd::MissingData, out);
        }
        match (alert_of(s), open.as_mut()) {
            (Some((st, a)), Some(o)) => {
                o.last = s.ts;
                o.min_available = o.min_available.min(a);
                if st.severity() > o.worst.severity() {
                    o.worst = st;
                }
                o.samples += 1;
            }
            (Some((st, a)), None) => {
                open = Some(Open {
                    start: s.ts,
                    last: s.ts,
                    min_available: a,
                    worst: st,
                    samples: 1,
                });
            }
            (None, _) => {
                if let Some(o) = open.take() {
                    let by = if s.counts.is_some() {
                        EpisodeEnd::Recovered
                    } else {
                        EpisodeEnd::Failure
                    };
                    close(o, s.ts, by, out);
                }
            }
        }
    }
    let Some(o) = open else { return };
    match next {
        None => {
            let end = o.last + gap;
            close(o, end, EpisodeEnd::EndOfData, out);
        }
        Some(n) if n.ts - o.last > 2 * gap => {
            let end = o.last + gap;
            close(o, end, EpisodeEnd::MissingData, out);
        }
        Some(n) => {
            let by = match alert_of(&n) {
                // Stretches are maximal, so a following alert row lies past the range.
                Some(_) => EpisodeEnd::RangeEnd,
                None if n.counts.is_some() => EpisodeEnd::Recovered,
                None => EpisodeEnd::Failure,
            };
            close(o, n.ts, by, out);
        }
    }
}
