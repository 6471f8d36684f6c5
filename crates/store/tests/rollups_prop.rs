//! Stored rollups and distributions always equal what the raw samples say, whatever
//! the order, duplicates, gaps, and mix of batches and imports they arrived in.

mod common;

use std::collections::BTreeMap;

use common::{imported, naive_dists, naive_rollups};
use headcount_store::{ImportRow, Outcome, Reads, Rollup, Sample, Store, TargetId};
use proptest::prelude::*;

/// A generated sample: target index, ts, counts when ok, outcome code when not.
type Gen = (usize, i64, Option<(u32, u32)>, u8);

/// One write: a collector batch or an import, of samples for targets 0 and 1.
#[derive(Debug, Clone)]
enum Op {
    Batch(Vec<Gen>),
    Import(usize, Vec<(i64, u32, u32)>),
}

fn counts() -> impl Strategy<Value = (u32, u32)> {
    (0u32..40).prop_flat_map(|l| (0..=l, Just(l)))
}

fn op() -> impl Strategy<Value = Op> {
    // Slots over 5 buckets straddling 0, on the 15 s grid and off it.
    let ts = prop_oneof![(-120i64..180).prop_map(|s| s * 15), -1800i64..2700];
    let sample = (
        0usize..2,
        ts.clone(),
        prop::option::weighted(0.7, counts()),
        1u8..=10,
    );
    prop_oneof![
        prop::collection::vec(sample, 0..40).prop_map(Op::Batch),
        (0usize..2, prop::collection::vec((ts, counts()), 0..60)).prop_map(|(t, rows)| {
            Op::Import(t, rows.into_iter().map(|(ts, (a, l))| (ts, a, l)).collect())
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn stored_rollups_and_dists_equal_those_of_the_stored_samples(
        ops in prop::collection::vec(op(), 1..8)
    ) {
        let mut store = Store::open_in_memory().unwrap();
        let targets = [
            store.ensure_target("a", "{}", 0).unwrap(),
            store.ensure_target("b", "{}", 0).unwrap(),
        ];
        // The model: the first write of a (target, ts) wins, later ones are ignored.
        let mut model: BTreeMap<(TargetId, i64), Sample> = BTreeMap::new();
        for op in ops {
            let samples: Vec<Sample> = match &op {
                Op::Batch(v) => v
                    .iter()
                    .map(|&(t, ts, counts, fail)| match counts {
                        Some((a, l)) => Sample::ok(targets[t], ts, a, l, Some(ts.unsigned_abs() as u32 % 9000)),
                        None => Sample::failed(targets[t], ts, Outcome::from_code(fail).unwrap(), None),
                    })
                    .collect(),
                Op::Import(t, rows) => rows
                    .iter()
                    .map(|&(ts, available, logged_in)| imported(targets[*t], ImportRow { ts, available, logged_in }))
                    .collect(),
            };
            let mut fresh = 0;
            for s in &samples {
                if let std::collections::btree_map::Entry::Vacant(e) = model.entry((s.target, s.ts)) {
                    e.insert(*s);
                    fresh += 1;
                }
            }
            let (inserted, duplicates) = match op {
                Op::Batch(_) => {
                    let w = store.write_batch(&samples).unwrap();
                    (w.inserted, w.duplicates)
                }
                Op::Import(t, rows) => {
                    let rows = rows.iter().map(|&(ts, available, logged_in)| {
                        Ok::<_, std::convert::Infallible>(ImportRow { ts, available, logged_in })
                    });
                    let s = store.import(targets[t], rows, |_| {}).unwrap();
                    (s.inserted, s.duplicates)
                }
            };
            prop_assert_eq!(inserted, fresh);
            prop_assert_eq!(inserted + duplicates, samples.len() as u64);
        }

        for t in targets {
            let stored = store.samples(t, i64::MIN, i64::MAX).unwrap();
            let expected: Vec<Sample> =
                model.range((t, i64::MIN)..=(t, i64::MAX)).map(|(_, s)| *s).collect();
            prop_assert_eq!(&stored, &expected);
            let rollups = store.rollups(t, i64::MIN, i64::MAX).unwrap();
            prop_assert_eq!(&rollups, &naive_rollups(&stored));
            prop_assert_eq!(&rollups, &Rollup::from_samples(&stored));
            prop_assert_eq!(store.dists(t, i64::MIN, i64::MAX).unwrap(), naive_dists(&stored));
            // Sub-ranges select whole buckets by their start.
            let mid = store.rollups(t, -900, 900).unwrap();
            prop_assert!(mid.iter().all(|r| r.bucket == -900 || r.bucket == 0));
        }
    }
}
