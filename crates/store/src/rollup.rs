//! 15-minute rollups: the aggregates reports read instead of raw samples.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::types::Sample;

/// The width of a rollup bucket in seconds. Every IANA zone's offset is a multiple of
/// 15 minutes, so any local bucket of 15 minutes or more is an exact sum of these.
pub const BUCKET_SECS: i64 = 900;

/// The start of the rollup bucket holding `ts` (floor, also for times before 1970).
#[must_use]
pub const fn bucket_of(ts: i64) -> i64 {
    ts - ts.rem_euclid(BUCKET_SECS)
}

/// Aggregates of one count over a bucket's ok samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GaugeSums {
    /// Sum over the ok samples (divide by [`Rollup::ok`] for the mean).
    pub sum: u64,
    /// Smallest value.
    pub min: u32,
    /// Largest value.
    pub max: u32,
    /// Value of the ok sample with the greatest ts ([`Rollup::last_ts`]).
    pub last: u32,
}

impl GaugeSums {
    fn of(v: u32) -> GaugeSums {
        GaugeSums {
            sum: u64::from(v),
            min: v,
            max: v,
            last: v,
        }
    }

    fn combine(self, other: GaugeSums, other_is_later: bool) -> GaugeSums {
        GaugeSums {
            sum: self.sum + other.sum,
            min: self.min.min(other.min),
            max: self.max.max(other.max),
            last: if other_is_later {
                other.last
            } else {
                self.last
            },
        }
    }
}

/// The aggregates of one target's samples in one 15-minute bucket.
///
/// `available`, `logged_in` and `last_ts` are `Some` exactly when `ok > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rollup {
    /// Start of the bucket, UTC unix seconds, a multiple of [`BUCKET_SECS`].
    pub bucket: i64,
    /// Ok samples.
    pub ok: u32,
    /// Failed samples, skipped slots included.
    pub failed: u32,
    /// Aggregates of `available` over the ok samples.
    pub available: Option<GaugeSums>,
    /// Aggregates of `logged_in` over the ok samples.
    pub logged_in: Option<GaugeSums>,
    /// The greatest ts among the ok samples: whose values the gauges' `last` are.
    pub last_ts: Option<i64>,
}

impl Rollup {
    /// A bucket with no samples.
    #[must_use]
    pub fn empty(bucket: i64) -> Rollup {
        Rollup {
            bucket,
            ok: 0,
            failed: 0,
            available: None,
            logged_in: None,
            last_ts: None,
        }
    }

    /// Counts one sample, which must lie in this bucket and satisfy
    /// [`Sample::validate`] (an ok sample without counts is counted as failed).
    pub fn push(&mut self, s: &Sample) {
        debug_assert_eq!(bucket_of(s.ts), self.bucket, "sample outside the bucket");
        match (s.outcome.is_ok(), s.available, s.logged_in) {
            (true, Some(a), Some(l)) => self.push_ok(s.ts, a, l),
            _ => self.failed += 1,
        }
    }

    /// Counts one ok sample.
    pub(crate) fn push_ok(&mut self, ts: i64, available: u32, logged_in: u32) {
        self.merge(&Rollup {
            bucket: self.bucket,
            ok: 1,
            failed: 0,
            available: Some(GaugeSums::of(available)),
            logged_in: Some(GaugeSums::of(logged_in)),
            last_ts: Some(ts),
        });
    }

    /// Adds the samples aggregated in `other`, a rollup of the same bucket over
    /// different samples. `last` follows the greater `last_ts`, so the order in which
    /// partial rollups are merged does not matter.
    pub fn merge(&mut self, other: &Rollup) {
        debug_assert_eq!(self.bucket, other.bucket, "merging different buckets");
        let other_is_later = match (self.last_ts, other.last_ts) {
            (Some(mine), Some(theirs)) => theirs > mine,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        let combine = |a: Option<GaugeSums>, b: Option<GaugeSums>| match (a, b) {
            (Some(a), Some(b)) => Some(a.combine(b, other_is_later)),
            (a, b) => a.or(b),
        };
        self.ok += other.ok;
        self.failed += other.failed;
        self.available = combine(self.available, other.available);
        self.logged_in = combine(self.logged_in, other.logged_in);
        if other_is_later {
            self.last_ts = other.last_ts;
        }
    }

    /// The rollups of a set of samples of one target, in bucket order: the reference
    /// the stored rollups are checked against. Each sample is counted as given (pass
    /// distinct slots, as `samples()` returns them).
    #[must_use]
    pub fn from_samples(samples: &[Sample]) -> Vec<Rollup> {
        let mut buckets: BTreeMap<i64, Rollup> = BTreeMap::new();
        for s in samples {
            let b = bucket_of(s.ts);
            buckets.entry(b).or_insert_with(|| Rollup::empty(b)).push(s);
        }
        buckets.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Outcome, TargetId};

    #[test]
    fn bucket_of_floors_to_quarter_hours() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(899), 0);
        assert_eq!(bucket_of(900), 900);
        // 1_800_000_000 = 2_000_000 × 900.
        assert_eq!(bucket_of(1_800_000_123), 1_800_000_000);
        assert_eq!(bucket_of(1_800_000_900), 1_800_000_900);
        assert_eq!(bucket_of(-1), -900);
        assert_eq!(bucket_of(-900), -900);
    }

    #[test]
    fn from_samples_aggregates_by_hand() {
        let t = TargetId(1);
        let samples = [
            Sample::ok(t, 915, 4, 10, Some(30)),
            Sample::failed(t, 930, Outcome::Timeout, Some(5000)),
            // Out of order: the latest ok sample comes first in the input.
            Sample::ok(t, 1785, 2, 12, None),
            Sample::ok(t, 900, 6, 11, None),
            Sample::failed(t, 945, Outcome::Skipped, None),
            Sample::ok(t, 1800, 1, 1, None),
        ];
        let r = Rollup::from_samples(&samples);
        assert_eq!(
            r,
            vec![
                Rollup {
                    bucket: 900,
                    ok: 3,
                    failed: 2,
                    available: Some(GaugeSums {
                        sum: 12,
                        min: 2,
                        max: 6,
                        last: 2
                    }),
                    logged_in: Some(GaugeSums {
                        sum: 33,
                        min: 10,
                        max: 12,
                        last: 12
                    }),
                    last_ts: Some(1785),
                },
                Rollup {
                    bucket: 1800,
                    ok: 1,
                    failed: 0,
                    available: Some(GaugeSums {
                        sum: 1,
                        min: 1,
                        max: 1,
                        last: 1
                    }),
                    logged_in: Some(GaugeSums {
                        sum: 1,
                        min: 1,
                        max: 1,
                        last: 1
                    }),
                    last_ts: Some(1800),
                },
            ]
        );
    }

    #[test]
    fn a_bucket_of_failures_has_no_gauges() {
        let t = TargetId(1);
        let r = Rollup::from_samples(&[Sample::failed(t, 0, Outcome::Connect, None)]);
        assert_eq!(
            r,
            vec![Rollup {
                failed: 1,
                ..Rollup::empty(0)
            }]
        );
    }

    #[test]
    fn merge_in_either_order_keeps_the_latest_last() {
        let t = TargetId(1);
        let early = Rollup::from_samples(&[Sample::ok(t, 0, 1, 5, None)])[0];
        let late = Rollup::from_samples(&[
            Sample::ok(t, 15, 3, 7, None),
            Sample::failed(t, 30, Outcome::Timeout, None),
        ])[0];
        let mut a = early;
        a.merge(&late);
        let mut b = late;
        b.merge(&early);
        assert_eq!(a, b);
        assert_eq!(
            a.available,
            Some(GaugeSums {
                sum: 4,
                min: 1,
                max: 3,
                last: 3
            })
        );
        assert_eq!(a.last_ts, Some(15));
        assert_eq!((a.ok, a.failed), (2, 1));
    }
}
