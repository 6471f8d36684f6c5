//! Accumulators: sums of samples or rollups, and merged distributions.
//!
//! # What the numbers mean
//!
//! - **Sample**: one poll at one scheduled slot; `ok` with counts, or failed (a gap
//!   with its reason, never a zero). Skipped slots count as failed.
//! - **samples** / **failed**: ok rows and failed rows of a bucket or period.
//! - **coverage** = ok ÷ (ok + failed) rows; `null` without rows. The collector
//!   writes a row for every scheduled slot while it runs, so rows are the slots it
//!   saw; time it did not run is **downtime**, not failure.
//! - **downtime**: from a collector run's stop (its last heartbeat when it died) to
//!   the next run's start, and after the last run when it has stopped, clipped to the
//!   range: from the start of its first bucket to the requested end, unsnapped (a
//!   range ending `now` counts no time to come). Nothing before the first run ever
//!   counts (imported history has no runs). Nothing after the query's `now` ever
//!   counts. A run still marked running counts as up while its last heartbeat is at
//!   most [`headcount_store::RUN_STALE_AFTER_SECS`] before `now`; after that it
//!   counts as stopped at that heartbeat (its collector died and nothing restarted
//!   it), as it would once a later run marks it unclean.
//! - **available_pct** = 100 × Σ available ÷ Σ logged_in over the ok samples: a ratio
//!   of sums, weighted by agent-time, not a mean of per-sample ratios; `null` when
//!   Σ logged_in is 0. **utilization_pct** = 100 − available_pct.
//! - **state** of (available a, logged_in l), thresholds healthy H, monitor M,
//!   warning W (default 20, 10, 5): `no_agents` if l = 0; `unavailable` if a = 0;
//!   else with p = 100·a/l, compared exactly in integers: `critical` p < W,
//!   `warning` W ≤ p < M, `monitor` M ≤ p ≤ H, `healthy` p > H. So 5 of 100 is
//!   warning, 10 and 20 of 100 are monitor, 40 of 40 is healthy. A bucket's or
//!   period's state uses its Σa and Σl; state *shares* classify every ok sample by its
//!   own counts.
//! - **Gauges** `available` and `logged_in` of a bucket: `avg` (Σ ÷ ok), `min`, `max`,
//!   `last` (the ok sample with the latest slot); `null` without ok samples. Gaps are
//!   reported, never filled in.
//! - **Percentiles** (p5, p50, p95 of available): nearest rank over every ok sample of
//!   the period — the smallest value v such that at least ⌈p·n/100⌉ samples are ≤ v.
//!   Exact: the rollup distributions hold every sample's pair.

use std::collections::BTreeMap;

use headcount_store::{Rollup, Sample};
use serde::Serialize;

use headcount_config::{State, Thresholds};

/// Integer sums over a set of samples (a bucket, a day, a period), filled from raw
/// samples or from rollups; every reported number derives from these, so both paths
/// give identical results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Acc {
    pub ok: u64,
    pub failed: u64,
    pub a_sum: u64,
    pub l_sum: u64,
    pub a_min: u32,
    pub a_max: u32,
    pub l_min: u32,
    pub l_max: u32,
    /// (ts, available, logged_in) of the latest ok sample.
    pub last: Option<(i64, u32, u32)>,
}

impl Acc {
    /// Counts one raw sample.
    pub fn add_sample(&mut self, s: &Sample) {
        match (s.outcome.is_ok(), s.available, s.logged_in) {
            (true, Some(a), Some(l)) => self.add_ok(s.ts, a, l),
            _ => self.failed += 1,
        }
    }

    fn add_ok(&mut self, ts: i64, a: u32, l: u32) {
        self.add_parts(1, u64::from(a), u64::from(l), (a, a), (l, l), (ts, a, l));
    }

    /// Adds one rollup's aggregates.
    pub fn add_rollup(&mut self, r: &Rollup) {
        self.failed += u64::from(r.failed);
        if let (Some(a), Some(l), Some(ts)) = (r.available, r.logged_in, r.last_ts) {
            self.add_parts(
                u64::from(r.ok),
                a.sum,
                l.sum,
                (a.min, a.max),
                (l.min, l.max),
                (ts, a.last, l.last),
            );
        }
    }

    fn add_parts(
        &mut self,
        ok: u64,
        a_sum: u64,
        l_sum: u64,
        (a_min, a_max): (u32, u32),
        (l_min, l_max): (u32, u32),
        last: (i64, u32, u32),
    ) {
        if ok == 0 {
            return;
        }
        if self.ok == 0 {
            (self.a_min, self.a_max, self.l_min, self.l_max) = (a_min, a_max, l_min, l_max);
        } else {
            self.a_min = self.a_min.min(a_min);
            self.a_max = self.a_max.max(a_max);
            self.l_min = self.l_min.min(l_min);
            self.l_max = self.l_max.max(l_max);
        }
        self.ok += ok;
        self.a_sum += a_sum;
        self.l_sum += l_sum;
        if self.last.is_none_or(|(ts, _, _)| last.0 > ts) {
            self.last = Some(last);
        }
    }

    /// Rows: ok and failed samples.
    pub fn rows(&self) -> u64 {
        self.ok + self.failed
    }

    /// ok ÷ rows; `None` without rows.
    pub fn coverage(&self) -> Option<f64> {
        ratio(self.ok, self.rows())
    }

    /// Mean available over the ok samples.
    pub fn mean_available(&self) -> Option<f64> {
        ratio(self.a_sum, self.ok)
    }

    /// Mean logged in over the ok samples.
    pub fn mean_logged_in(&self) -> Option<f64> {
        ratio(self.l_sum, self.ok)
    }

    /// 100 × Σ available ÷ Σ logged_in.
    pub fn available_pct(&self) -> Option<f64> {
        ratio(self.a_sum, self.l_sum).map(|r| 100.0 * r)
    }

    /// 100 − available_pct.
    pub fn utilization_pct(&self) -> Option<f64> {
        self.available_pct().map(|p| 100.0 - p)
    }

    /// The state of the sums; `None` without ok samples.
    pub fn state(&self, th: &Thresholds) -> Option<State> {
        (self.ok > 0).then(|| th.state(self.a_sum, self.l_sum))
    }

    /// avg/min/max/last of available.
    pub fn available_gauge(&self) -> Option<Gauge> {
        let (_, last, _) = self.last?;
        Some(Gauge {
            avg: self.mean_available()?,
            min: self.a_min,
            max: self.a_max,
            last,
        })
    }

    /// avg/min/max/last of logged_in.
    pub fn logged_in_gauge(&self) -> Option<Gauge> {
        let (_, _, last) = self.last?;
        Some(Gauge {
            avg: self.mean_logged_in()?,
            min: self.l_min,
            max: self.l_max,
            last,
        })
    }
}

/// `num ÷ den` as f64; `None` when `den` is 0.
pub(crate) fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// One count over a bucket's ok samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gauge {
    /// Mean over the ok samples.
    pub avg: f64,
    /// Smallest value.
    pub min: u32,
    /// Largest value.
    pub max: u32,
    /// Value of the latest ok sample.
    pub last: u32,
}

/// Values above this are counted in a map rather than the dense histogram.
const DENSE_MAX: u32 = 1 << 16;

/// Available values and states of a set of ok samples, merged from rollup
/// distributions (or raw samples): exact percentiles and state counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct DistAcc {
    /// `dense[a]`: samples with available = a.
    dense: Vec<u64>,
    sparse: BTreeMap<u32, u64>,
    n: u64,
    states: [u64; 6],
}

impl DistAcc {
    /// Counts `count` samples of (available, logged_in) in `state`.
    pub fn add(&mut self, available: u32, state: State, count: u64) {
        if available < DENSE_MAX {
            let i = available as usize;
            if i >= self.dense.len() {
                self.dense.resize(i + 1, 0);
            }
            self.dense[i] += count;
        } else {
            *self.sparse.entry(available).or_insert(0) += count;
        }
        self.n += count;
        self.states[state.index()] += count;
    }

    /// Nearest-rank percentiles of available: for each `p`, the smallest value with at
    /// least ⌈p·n/100⌉ (and at least one) samples at or below it. `None` without
    /// samples.
    pub fn percentiles<const N: usize>(&self, ps: [u32; N]) -> [Option<u32>; N] {
        let mut out = [None; N];
        if self.n == 0 {
            return out;
        }
        let rank = |p: u32| (u128::from(p) * u128::from(self.n)).div_ceil(100).max(1);
        let values = self
            .dense
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(v, &c)| (v as u32, c))
            .chain(self.sparse.iter().map(|(&v, &c)| (v, c)));
        let mut seen: u128 = 0;
        for (v, c) in values {
            seen += u128::from(c);
            for (i, &p) in ps.iter().enumerate() {
                if out[i].is_none() && seen >= rank(p) {
                    out[i] = Some(v);
                }
            }
            if out.iter().all(Option::is_some) {
                break;
            }
        }
        out
    }

    /// The p5/p50/p95 of available.
    pub fn available_percentiles(&self) -> Percentiles {
        let [p5, p50, p95] = self.percentiles([5, 50, 95]);
        Percentiles { p5, p50, p95 }
    }

    /// Count and share of the samples in each state.
    pub fn shares(&self) -> StateShares {
        let share = |s: State| StateShare {
            count: self.states[s.index()],
            share: ratio(self.states[s.index()], self.n),
        };
        StateShares {
            no_agents: share(State::NoAgents),
            unavailable: share(State::Unavailable),
            critical: share(State::Critical),
            warning: share(State::Warning),
            monitor: share(State::Monitor),
            healthy: share(State::Healthy),
        }
    }
}

/// Nearest-rank percentiles of `available` over ok samples; `null` without samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Percentiles {
    /// 5th percentile.
    pub p5: Option<u32>,
    /// Median.
    pub p50: Option<u32>,
    /// 95th percentile.
    pub p95: Option<u32>,
}

/// How many ok samples were in a state, and their share of all ok samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateShare {
    /// Ok samples in the state.
    pub count: u64,
    /// `count` ÷ all ok samples, 0..=1; `null` without ok samples.
    pub share: Option<f64>,
}

/// Count and share of ok samples in each state; each sample classified by its own
/// counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateShares {
    /// Nobody logged in.
    pub no_agents: StateShare,
    /// Logged in, none available.
    pub unavailable: StateShare,
    /// Available below warning.
    pub critical: StateShare,
    /// Available from warning to below monitor.
    pub warning: StateShare,
    /// Available from monitor to healthy.
    pub monitor: StateShare,
    /// Available above healthy.
    pub healthy: StateShare,
}

impl StateShares {
    /// The share of `state`, for callers iterating [`State::ALL`].
    #[must_use]
    pub fn get(&self, state: State) -> StateShare {
        match state {
            State::NoAgents => self.no_agents,
            State::Unavailable => self.unavailable,
            State::Critical => self.critical,
            State::Warning => self.warning,
            State::Monitor => self.monitor,
            State::Healthy => self.healthy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utilization_is_a_ratio_of_sums_not_a_mean_of_ratios() {
        // 1 of 2 (50% available) and 0 of 8. Ratio of sums: 1 of 10 = 10% available, 90% utilization.
        // Mean of ratios would be (50% + 0%) / 2 = 25% available, 75% utilization.
        let mut acc = Acc::default();
        acc.add_ok(0, 1, 2);
        acc.add_ok(15, 0, 8);
        assert_eq!(acc.available_pct(), Some(10.0));
        assert_eq!(acc.utilization_pct(), Some(90.0));
        assert_eq!(acc.mean_available(), Some(0.5));
        assert_eq!(acc.mean_logged_in(), Some(5.0));
    }

    #[test]
    fn nearest_rank_percentiles_by_hand() {
        let th = Thresholds::default();
        let mut d = DistAcc::default();
        // 20 samples: available 1..=20, one each.
        for a in 1..=20 {
            d.add(a, th.state(u64::from(a), 40), 1);
        }
        // ranks: p5 → ⌈1⌉ = 1 → 1; p50 → 10 → 10; p95 → 19 → 19.
        assert_eq!(d.percentiles([5, 50, 95]), [Some(1), Some(10), Some(19)]);
        // Add a huge value beyond the dense range: it is the maximum.
        d.add(1 << 20, State::Healthy, 1);
        assert_eq!(d.percentiles([100]), [Some(1 << 20)]);
        assert_eq!(DistAcc::default().percentiles([50]), [None]);
    }
}
