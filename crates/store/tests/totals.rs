//! `rollup_totals` sums rollups per span exactly as the raw samples say.

use headcount_store::{GaugeSums, Outcome, Reads, Rollup, Sample, Store};
use proptest::prelude::*;

const T0: i64 = 1_800_000_000; // a multiple of 900

#[test]
fn spans_of_several_buckets_by_hand() {
    let mut store = Store::open_in_memory().unwrap();
    let t = store.ensure_target("a", "{}", 0).unwrap();
    store
        .write_batch(&[
            Sample::ok(t, T0, 4, 10, None),
            Sample::failed(t, T0 + 15, Outcome::Timeout, None),
            Sample::ok(t, T0 + 900, 1, 12, None),
            Sample::ok(t, T0 + 1815, 9, 9, None),
            Sample::failed(t, T0 + 2700, Outcome::Skipped, None),
        ])
        .unwrap();
    let spans = [T0, T0 + 1800, T0 + 3600, T0 + 5400];
    let totals = store.rollup_totals(t, &spans).unwrap();
    let gauge = |sum, min, max, last| {
        Some(GaugeSums {
            sum,
            min,
            max,
            last,
        })
    };
    assert_eq!(
        totals,
        vec![
            Rollup {
                bucket: T0,
                ok: 2,
                failed: 1,
                available: gauge(5, 1, 4, 1),
                logged_in: gauge(22, 10, 12, 12),
                last_ts: Some(T0 + 900),
            },
            Rollup {
                bucket: T0 + 1800,
                ok: 1,
                failed: 1,
                available: gauge(9, 9, 9, 9),
                logged_in: gauge(9, 9, 9, 9),
                last_ts: Some(T0 + 1815),
            },
            Rollup::empty(T0 + 3600),
        ]
    );
    assert!(store.rollup_totals(t, &[T0]).unwrap().is_empty());
}

/// Per span, the plain fold over the samples in it.
fn naive_totals(samples: &[Sample], bounds: &[i64]) -> Vec<Rollup> {
    bounds
        .windows(2)
        .map(|w| {
            let inside: Vec<&Sample> = samples
                .iter()
                .filter(|s| (w[0]..w[1]).contains(&s.ts))
                .collect();
            let ok: Vec<&Sample> = inside
                .iter()
                .copied()
                .filter(|s| s.outcome.is_ok())
                .collect();
            let last = ok.iter().max_by_key(|s| s.ts);
            let gauge = |get: fn(&Sample) -> u32| {
                last.map(|last| GaugeSums {
                    sum: ok.iter().map(|s| u64::from(get(s))).sum(),
                    min: ok.iter().map(|s| get(s)).min().unwrap(),
                    max: ok.iter().map(|s| get(s)).max().unwrap(),
                    last: get(last),
                })
            };
            Rollup {
                bucket: w[0],
                ok: ok.len() as u32,
                failed: (inside.len() - ok.len()) as u32,
                available: gauge(|s| s.available.unwrap()),
                logged_in: gauge(|s| s.logged_in.unwrap()),
                last_ts: last.map(|s| s.ts),
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn totals_equal_a_plain_fold_of_the_samples(
        rows in prop::collection::vec((0i64..400, prop::option::weighted(0.8, (0u32..30, 0u32..30))), 0..200),
        cuts in prop::collection::btree_set(0i64..12, 1..8),
    ) {
        let mut store = Store::open_in_memory().unwrap();
        let t = store.ensure_target("a", "{}", 0).unwrap();
        let samples: Vec<Sample> = rows
            .iter()
            .map(|&(slot, counts)| match counts {
                Some((a, extra)) => Sample::ok(t, T0 + slot * 15, a, a + extra, None),
                None => Sample::failed(t, T0 + slot * 15, Outcome::Connect, None),
            })
            .collect();
        store.write_batch(&samples).unwrap();
        let stored = store.samples(t, i64::MIN, i64::MAX).unwrap();
        let bounds: Vec<i64> = cuts.iter().map(|c| T0 + c * 900).collect();
        prop_assert_eq!(store.rollup_totals(t, &bounds).unwrap(), naive_totals(&stored, &bounds));
    }
}
