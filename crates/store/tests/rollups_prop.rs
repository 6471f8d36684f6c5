//! Stored rollups and distributions always equal what the samples written say, whatever
//! the order, duplicates, gaps, and mix of batches and imports they arrived in, and
//! whatever retention pruned of the raw samples in between (a re-write of a pruned
//! slot must not be counted twice). The per-bucket sample sequences always hold exactly
//! the raw rows still stored.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::{imported, naive_dists, naive_rollups};
use headcount_store::{
    ImportRow, Outcome, Reads, Rollup, Sample, SeqEntry, Store, TargetId, bucket_of,
};
use proptest::prelude::*;

/// A generated sample: target index, ts, counts when ok, outcome code when not.
type Gen = (usize, i64, Option<(u32, u32)>, u8);

/// One step: a collector batch or an import, of samples for targets 0 and 1; a
/// retention prune of raw samples; or a replay of an earlier write.
#[derive(Debug, Clone)]
enum Op {
    Batch(Vec<Gen>),
    Import(usize, Vec<(i64, u32, u32)>),
    /// `prune_samples(before, max_rows)`.
    Prune(i64, usize),
    /// The write at this index (modulo the writes so far) again, e.g. a re-run import.
    Replay(usize),
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
        // Cut-offs on and off bucket bounds; sometimes fewer rows than are due.
        (-2000i64..2800, prop_oneof![1usize..20, Just(10_000)]).prop_map(|(b, n)| Op::Prune(b, n)),
        any::<usize>().prop_map(Op::Replay),
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
        // The model: the first write of a (target, ts) wins, later ones are ignored;
        // `pruned` are those whose raw row retention deleted (their rollups stay).
        let mut model: BTreeMap<(TargetId, i64), Sample> = BTreeMap::new();
        let mut pruned: BTreeSet<(TargetId, i64)> = BTreeSet::new();
        // Per target, one past the newest slot pruned: below it, a slot that is not
        // stored raw may have been, and its bucket's rollup may count it already.
        let mut pruned_below: HashMap<TargetId, i64> = HashMap::new();
        let mut writes: Vec<Op> = Vec::new();
        for op in ops {
            let op = match op {
                Op::Prune(before, max_rows) => {
                    let n = store.prune_samples(before, max_rows).unwrap();
                    let mut gone = 0;
                    for t in targets {
                        let stored: BTreeSet<i64> = store
                            .samples(t, i64::MIN, i64::MAX)
                            .unwrap()
                            .iter()
                            .map(|s| s.ts)
                            .collect();
                        for (&(_, ts), _) in model.range((t, i64::MIN)..=(t, i64::MAX)) {
                            if stored.contains(&ts) || !pruned.insert((t, ts)) {
                                continue;
                            }
                            prop_assert!(ts < before, "pruned {ts}, not before {before}");
                            gone += 1;
                            let m = pruned_below.entry(t).or_insert(i64::MIN);
                            *m = (*m).max(ts + 1);
                        }
                    }
                    prop_assert_eq!(n, gone);
                    prop_assert!(n <= max_rows);
                    continue;
                }
                Op::Replay(_) if writes.is_empty() => continue,
                Op::Replay(i) => writes[i % writes.len()].clone(),
                op => op,
            };
            writes.push(op.clone());
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
                Op::Prune(..) | Op::Replay(_) => unreachable!(),
            };
            // Buckets with a rollup before this write: those of any sample ever written.
            let rolled: BTreeSet<(TargetId, i64)> =
                model.keys().map(|&(t, ts)| (t, bucket_of(ts))).collect();
            let mut fresh = 0;
            for s in &samples {
                let below = pruned_below.get(&s.target).is_some_and(|&m| s.ts < m);
                if below && rolled.contains(&(s.target, bucket_of(s.ts))) && !model.contains_key(&(s.target, s.ts)) {
                    // Refused: a new slot in a pruned, rolled-up stretch looks the same as
                    // a pruned one written again.
                    continue;
                }
                if below && pruned.contains(&(s.target, s.ts)) {
                    continue;
                }
                if let std::collections::btree_map::Entry::Vacant(e) = model.entry((s.target, s.ts)) {
                    e.insert(*s);
                    fresh += 1;
                }
            }
            let (inserted, duplicates, refused) = match op {
                Op::Batch(_) => {
                    let w = store.write_batch(&samples).unwrap();
                    (w.inserted, w.duplicates, w.pruned_skipped)
                }
                Op::Import(t, rows) => {
                    let rows = rows.iter().map(|&(ts, available, logged_in)| {
                        Ok::<_, std::convert::Infallible>(ImportRow { ts, available, logged_in })
                    });
                    let s = store.import(targets[t], rows, |_| {}).unwrap();
                    (s.inserted, s.duplicates, s.pruned_skipped)
                }
                Op::Prune(..) | Op::Replay(_) => unreachable!(),
            };
            prop_assert_eq!(inserted, fresh);
            prop_assert_eq!(inserted + duplicates + refused, samples.len() as u64);
        }

        for t in targets {
            let stored = store.samples(t, i64::MIN, i64::MAX).unwrap();
            // Every sample written, its raw row pruned or not: what the rollups count.
            let written: Vec<Sample> =
                model.range((t, i64::MIN)..=(t, i64::MAX)).map(|(_, s)| *s).collect();
            let expected: Vec<Sample> = written
                .iter()
                .filter(|s| !pruned.contains(&(t, s.ts)))
                .copied()
                .collect();
            prop_assert_eq!(&stored, &expected);
            // The sequences: the raw rows, in order, whole or over any sub-range.
            let as_entry = |s: &Sample| SeqEntry {
                ts: s.ts,
                counts: s.available.zip(s.logged_in),
            };
            for (from, to) in [(i64::MIN + 900, i64::MAX), (-901, 1_234), (0, 900), (15, 16)] {
                let mut seq = Vec::new();
                store.for_each_seq_entry(t, from, to, |e| seq.push(e)).unwrap();
                let want: Vec<SeqEntry> = expected
                    .iter()
                    .filter(|s| (from..to).contains(&s.ts))
                    .map(as_entry)
                    .collect();
                prop_assert_eq!(seq, want, "[{}, {})", from, to);
            }
            let rollups = store.rollups(t, i64::MIN, i64::MAX).unwrap();
            prop_assert_eq!(&rollups, &naive_rollups(&written));
            prop_assert_eq!(&rollups, &Rollup::from_samples(&written));
            prop_assert_eq!(store.dists(t, i64::MIN, i64::MAX).unwrap(), naive_dists(&written));
            // Sub-ranges select whole buckets by their start.
            let mid = store.rollups(t, -900, 900).unwrap();
            prop_assert!(mid.iter().all(|r| r.bucket == -900 || r.bucket == 0));
        }
    }
}
