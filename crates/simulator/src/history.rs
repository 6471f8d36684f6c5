//! The simulated center's history, computed rather than polled: what a collector would
//! have recorded polling it on a fixed step, with plausible latencies, staged upstream
//! outages (gaps with their reason) and collector crashes (no rows at all). One
//! generator for everything that needs history without waiting for it: `headcount
//! demo` seeds weeks of it, `headcount bench` a year, tests their fixtures.
//!
//! The model gives any instant's counts directly ([`Center::snapshot`]), so history
//! costs one snapshot per slot shared by every target, and the same inputs always give
//! the same history. Where it is written to (a store, a CSV file) is the caller's
//! business: this module knows nothing of storage.

use crate::center::{Center, Counts, Selection};
use crate::hash::{GOLDEN, mix};

/// How a simulated poll failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Failure {
    /// No answer within the client's timeout.
    Timeout,
    /// The upstream answered HTTP 500.
    ServerError,
}

/// What happened to one poll of one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The upstream answered with these counts.
    Ok(Counts),
    /// The poll failed.
    Failed(Failure),
}

/// One poll of one target at one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    /// The target's index in [`History::targets`] order.
    pub target: usize,
    /// The slot, UTC unix seconds.
    pub ts: i64,
    /// Its answer.
    pub reading: Reading,
    /// The round trip, milliseconds.
    pub latency_ms: u32,
}

/// Something staged in a history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    /// Every poll failed this way, after about this many milliseconds.
    Outage(Failure, u32),
    /// The collector was down: no polls at all.
    Crash,
}

/// An incident over the slots `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incident {
    /// First slot affected.
    pub from: i64,
    /// First slot after it.
    pub to: i64,
    /// What happened.
    pub kind: IncidentKind,
}

impl Incident {
    /// The demo's story of a recording ending at `to`, where it fits after `from`: an
    /// upstream timeout outage of 40 minutes ending 6 hours ago and a collector crash
    /// of 90 minutes from 20 hours ago (both on a dashboard's last 24 hours), and 25
    /// minutes of HTTP 500s three and a half days ago, counted back from `to` snapped
    /// down to the 15-minute grid. One that would start within the first hour after
    /// `from` is left out.
    #[must_use]
    pub fn story(from: i64, to: i64) -> Vec<Incident> {
        const H: i64 = 3_600;
        let end = to.div_euclid(900) * 900;
        [
            Incident {
                from: end - 6 * H - 40 * 60,
                to: end - 6 * H,
                kind: IncidentKind::Outage(Failure::Timeout, 5_000),
            },
            Incident {
                from: end - 20 * H,
                to: end - 18 * H - 30 * 60,
                kind: IncidentKind::Crash,
            },
            Incident {
                from: end - 84 * H,
                to: end - 84 * H + 25 * 60,
                kind: IncidentKind::Outage(Failure::ServerError, 180),
            },
        ]
        .into_iter()
        .filter(|e| e.from >= from + H)
        .collect()
    }
}

/// The history of some targets of a [`Center`] polled every `step` seconds.
#[derive(Debug, Clone)]
pub struct History<'c> {
    center: &'c Center,
    step: i64,
    /// Each target's agents and its first slot.
    targets: Vec<(Selection, i64)>,
    incidents: Vec<Incident>,
}

impl<'c> History<'c> {
    /// No targets yet, polled every `step` seconds (at least 1).
    #[must_use]
    pub fn new(center: &'c Center, step: i64) -> History<'c> {
        History {
            center,
            step: step.max(1),
            targets: Vec::new(),
            incidents: Vec::new(),
        }
    }

    /// Adds a target, recorded from slot `from` on.
    #[must_use]
    pub fn target(mut self, selection: Selection, from: i64) -> History<'c> {
        self.targets.push((selection, from));
        self
    }

    /// Stages these incidents.
    #[must_use]
    pub fn incidents(mut self, incidents: Vec<Incident>) -> History<'c> {
        self.incidents = incidents;
        self
    }

    /// Seconds between slots.
    #[must_use]
    pub fn step(&self) -> i64 {
        self.step
    }

    /// The first slot of target `i`.
    #[must_use]
    pub fn first_slot(&self, i: usize) -> Option<i64> {
        self.targets.get(i).map(|t| t.1)
    }

    /// The staged incidents.
    #[must_use]
    pub fn staged(&self) -> &[Incident] {
        &self.incidents
    }

    /// The staged crash, if any.
    #[must_use]
    pub fn crash(&self) -> Option<Incident> {
        self.incidents
            .iter()
            .copied()
            .find(|e| e.kind == IncidentKind::Crash)
    }

    /// Appends the polls of every slot in `[from, to)` (slots are multiples of the
    /// step) of each target recorded by then, slot by slot, targets in order. Slots
    /// inside a staged crash have no polls; inside an outage every poll failed.
    pub fn polls(&self, from: i64, to: i64, out: &mut Vec<Poll>) {
        let mut ts = from.div_euclid(self.step) * self.step;
        if ts < from {
            ts += self.step;
        }
        while ts < to {
            if !self.crashed(ts) && self.targets.iter().any(|t| ts >= t.1) {
                let outage = self.outage_at(ts);
                let snapshot = outage.is_none().then(|| self.center.snapshot(ts));
                for (i, (selection, first)) in self.targets.iter().enumerate() {
                    if ts < *first {
                        continue;
                    }
                    let (reading, latency_ms) = match (&snapshot, outage) {
                        (Some(snap), _) => (
                            Reading::Ok(snap.count_selection(selection)),
                            latency_ms(i, ts),
                        ),
                        (None, Some((failure, ms))) => {
                            let jitter = (splitmix(ts as u64 ^ i as u64) % 40) as u32;
                            (Reading::Failed(failure), ms + jitter)
                        }
                        (None, None) => continue,
                    };
                    out.push(Poll {
                        target: i,
                        ts,
                        reading,
                        latency_ms,
                    });
                }
            }
            ts += self.step;
        }
    }

    fn crashed(&self, ts: i64) -> bool {
        self.incidents
            .iter()
            .any(|e| e.kind == IncidentKind::Crash && (e.from..e.to).contains(&ts))
    }

    fn outage_at(&self, ts: i64) -> Option<(Failure, u32)> {
        self.incidents.iter().find_map(|e| match e.kind {
            IncidentKind::Outage(failure, ms) if (e.from..e.to).contains(&ts) => {
                Some((failure, ms))
            }
            _ => None,
        })
    }
}

/// The counts of one selection at every `step` from `from` (inclusive) to `to`
/// (exclusive), computed on every core: a long friendly history, fast.
#[must_use]
pub fn counts(
    center: &Center,
    selection: &Selection,
    from: i64,
    to: i64,
    step: i64,
) -> Vec<(i64, Counts)> {
    let step = step.max(1);
    let total = usize::try_from((to - from).max(0) / step).unwrap_or(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8);
    let chunk = total.div_ceil(workers).max(1);
    let mut rows = vec![(0, Counts::default()); total];
    std::thread::scope(|s| {
        for (i, part) in rows.chunks_mut(chunk).enumerate() {
            s.spawn(move || {
                for (j, row) in part.iter_mut().enumerate() {
                    let ts = from + ((i * chunk + j) as i64) * step;
                    *row = (ts, center.snapshot(ts).count_selection(selection));
                }
            });
        }
    });
    rows
}

/// The worst case for anything that judges staffing: `counts`' logged-in agents, but
/// with `available` drawn afresh for every sample, uniform in `0..=logged_in` (from a
/// hash of `seed` and the slot, so the same arguments give the same history). The
/// state flips every few samples.
#[must_use]
pub fn noisy(
    center: &Center,
    selection: &Selection,
    from: i64,
    to: i64,
    step: i64,
    seed: u64,
) -> Vec<(i64, Counts)> {
    let mut rows = counts(center, selection, from, to, step);
    for (ts, c) in &mut rows {
        let draw = splitmix(seed ^ (*ts as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
        c.available = (draw % (u64::from(c.logged_in) + 1)) as u32;
    }
    rows
}

/// SplitMix64 of one input: a well-mixed hash of a 64-bit key.
fn splitmix(z: u64) -> u64 {
    mix(z.wrapping_add(GOLDEN))
}

/// A plausible round trip to a hosted API: 40–110 ms, now and then a few hundred.
fn latency_ms(target: usize, ts: i64) -> u32 {
    let h = splitmix((ts as u64).wrapping_mul(31) ^ target as u64);
    let base = 40 + (h % 71) as u32;
    if (h >> 32).is_multiple_of(250) {
        base + 200 + ((h >> 40) % 600) as u32
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CenterConfig;
    use crate::filter::Filter;

    /// Monday 2026-11-23 12:00:00 in New York, on the 15-minute grid.
    const END: i64 = 1_795_453_200;

    #[test]
    fn the_story_stages_its_incidents_on_the_grid_where_they_fit() {
        let story = Incident::story(END - 5 * 86_400, END + 7);
        assert_eq!(story.len(), 3);
        assert_eq!(
            story[0],
            Incident {
                from: END - 6 * 3_600 - 2_400,
                to: END - 6 * 3_600,
                kind: IncidentKind::Outage(Failure::Timeout, 5_000),
            }
        );
        assert_eq!(story[1].kind, IncidentKind::Crash);
        assert_eq!(story[1].to - story[1].from, 5_400);
        assert!(story.iter().all(|e| e.to % 300 == 0 && e.from % 300 == 0));
        // Two days hold only the first two.
        assert_eq!(Incident::story(END - 2 * 86_400, END).len(), 2);
    }

    #[test]
    fn polls_follow_the_model_the_outage_and_the_crash() {
        let center = Center::new(CenterConfig::default());
        let sales = center.select(&Filter::campaign(111));
        let all = center.select(&Filter::default());
        let from = END - 3_600;
        let outage = Incident {
            from: END - 1_800,
            to: END - 1_500,
            kind: IncidentKind::Outage(Failure::ServerError, 100),
        };
        let crash = Incident {
            from: END - 900,
            to: END - 600,
            kind: IncidentKind::Crash,
        };
        // `all` starts half an hour late.
        let h = History::new(&center, 15)
            .target(sales.clone(), from)
            .target(all, END - 1_800)
            .incidents(vec![outage, crash]);
        let mut polls = Vec::new();
        h.polls(from, END, &mut polls);
        let slots = |t: usize| polls.iter().filter(|p| p.target == t).count();
        // 240 slots in the hour, 20 of them crashed; `all` has 120 - 20.
        assert_eq!(slots(0), 220);
        assert_eq!(slots(1), 100);
        assert!(
            polls
                .iter()
                .all(|p| !(crash.from..crash.to).contains(&p.ts))
        );
        let failed: Vec<&Poll> = polls
            .iter()
            .filter(|p| matches!(p.reading, Reading::Failed(_)))
            .collect();
        assert_eq!(failed.len(), 2 * 20);
        assert!(failed.iter().all(
            |p| (outage.from..outage.to).contains(&p.ts) && (100..140).contains(&p.latency_ms)
        ));
        // An ok poll is the model's count, by another path (`Center::count`).
        let p = polls
            .iter()
            .find(|p| p.target == 0 && p.ts == END - 3_600)
            .unwrap();
        assert_eq!(
            p.reading,
            Reading::Ok(center.count(&Filter::campaign(111), p.ts))
        );
        assert!(polls.iter().all(|p| (40..=910).contains(&p.latency_ms)));
    }

    #[test]
    fn noisy_history_keeps_logged_in_and_draws_available_within_it() {
        let center = Center::new(CenterConfig::default());
        let sel = center.select(&Filter::default());
        let calm = counts(&center, &sel, END - 86_400, END, 60);
        let wild = noisy(&center, &sel, END - 86_400, END, 60, 7);
        assert_eq!(calm.len(), 1_440);
        assert_eq!(wild.len(), calm.len());
        let mut changes = 0;
        for ((t1, c), (t2, w)) in calm.iter().zip(&wild) {
            assert_eq!((t1, c.logged_in), (t2, w.logged_in));
            assert!(w.available <= w.logged_in);
            changes += usize::from(c.available != w.available);
        }
        assert!(changes > 1_000, "{changes}");
        assert_eq!(wild, noisy(&center, &sel, END - 86_400, END, 60, 7));
    }
}
