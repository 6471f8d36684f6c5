//! Retention: raw samples and rollups pruned in batches, exactly at the cut-off.

mod common;

use headcount_store::{ImportRow, Outcome, Reads, Rollup, Sample, Store, TargetId};
use proptest::prelude::*;

fn prune_all(mut step: impl FnMut() -> usize, batch: usize) -> usize {
    let mut total = 0;
    loop {
        let n = step();
        assert!(n <= batch, "{n} > batch {batch}");
        total += n;
        if n < batch {
            return total;
        }
    }
}

#[test]
fn rewriting_pruned_slots_is_refused_and_counted_so_rollups_never_count_twice() {
    let mut store = Store::open_in_memory().unwrap();
    let a = store.ensure_target("a", "{}", 0).unwrap();
    // Two buckets, 0 and 900, of ok samples every 15 s: 120 slots, available 1.
    let rows = |from: i64, to: i64| -> Vec<Result<ImportRow, std::convert::Infallible>> {
        (from..to)
            .map(|i| {
                Ok(ImportRow {
                    ts: i * 15,
                    available: 1,
                    logged_in: 2,
                })
            })
            .collect()
    };
    store.import(a, rows(0, 120), |_| {}).unwrap();
    let before = store.rollups(a, i64::MIN, i64::MAX).unwrap();
    assert_eq!(
        before.iter().map(|r| r.ok).collect::<Vec<_>>(),
        vec![60, 60]
    );

    // Retention deletes the raw samples before 450: slots 0..=435, 30 of them.
    assert_eq!(store.prune_samples(450, 1000).unwrap(), 30);
    // The same file imported again: the 30 pruned slots are refused (their rollup
    // counts them already), the 90 still stored are duplicates.
    let again = store.import(a, rows(0, 120), |_| {}).unwrap();
    assert_eq!(
        (again.inserted, again.duplicates, again.pruned_skipped),
        (0, 90, 30)
    );
    // A collector batch re-writing a pruned slot, a stored one and a new one.
    let w = store
        .write_batch(&[
            Sample::ok(a, 15, 5, 9, None),
            Sample::ok(a, 450, 5, 9, None),
            Sample::ok(a, 1800, 1, 2, None),
        ])
        .unwrap();
    assert_eq!((w.inserted, w.duplicates, w.pruned_skipped), (1, 1, 1));
    let after = store.rollups(a, i64::MIN, i64::MAX).unwrap();
    assert_eq!(&after[..2], &before[..], "pruned buckets unchanged");
    assert_eq!(after[2].bucket, 1800);
    assert_eq!(after[2].ok, 1);
}

#[test]
fn pruning_samples_deletes_exactly_the_older_ones_and_keeps_rollups() {
    let mut store = Store::open_in_memory().unwrap();
    let a = store.ensure_target("a", "{}", 0).unwrap();
    let b = store.ensure_target("b", "{}", 0).unwrap();
    let mut batch = Vec::new();
    for i in 0..200 {
        batch.push(Sample::ok(a, i * 15, 1, 2, None));
        batch.push(Sample::failed(b, i * 15, Outcome::Timeout, Some(5000)));
    }
    store.write_batch(&batch).unwrap();
    let rollups_a = store.rollups(a, i64::MIN, i64::MAX).unwrap();
    let rollups_b = store.rollups(b, i64::MIN, i64::MAX).unwrap();

    // Cut at 1500: samples at 0, 15, …, 1485 go (100 per target).
    assert_eq!(store.prune_samples(1500, 30).unwrap(), 30); // all from a, oldest first
    assert_eq!(store.oldest_sample_ts(a).unwrap(), Some(450));
    assert_eq!(store.oldest_sample_ts(b).unwrap(), Some(0));
    assert_eq!(
        prune_all(|| store.prune_samples(1500, 30).unwrap(), 30),
        170
    );
    assert_eq!(store.prune_samples(1500, 30).unwrap(), 0);

    for t in [a, b] {
        let left = store.samples(t, i64::MIN, i64::MAX).unwrap();
        assert_eq!(left.len(), 100);
        assert_eq!(left[0].ts, 1500);
    }
    assert_eq!(store.rollups(a, i64::MIN, i64::MAX).unwrap(), rollups_a);
    assert_eq!(store.rollups(b, i64::MIN, i64::MAX).unwrap(), rollups_b);
}

#[test]
fn pruning_rollups_deletes_only_wholly_older_buckets_with_their_dists() {
    let mut store = Store::open_in_memory().unwrap();
    let t = store.ensure_target("a", "{}", 0).unwrap();
    // One sample in each of the buckets 0, 900, 1800, 2700.
    let batch: Vec<Sample> = (0..4)
        .map(|i| Sample::ok(t, i * 900 + 60, 1, 2, None))
        .collect();
    store.write_batch(&batch).unwrap();
    let buckets = |s: &Store| {
        let r: Vec<i64> = s
            .rollups(t, i64::MIN, i64::MAX)
            .unwrap()
            .iter()
            .map(|r| r.bucket)
            .collect();
        let d: Vec<i64> = s
            .dists(t, i64::MIN, i64::MAX)
            .unwrap()
            .iter()
            .map(|(b, _)| *b)
            .collect();
        assert_eq!(r, d);
        r
    };

    // 1799: bucket 900 ends at 1800 > 1799, so only bucket 0 is wholly older.
    assert_eq!(store.prune_rollups(1799, 100).unwrap(), 1);
    assert_eq!(buckets(&store), vec![900, 1800, 2700]);
    // 1800: bucket 900 is now wholly older too.
    assert_eq!(store.prune_rollups(1800, 100).unwrap(), 1);
    assert_eq!(buckets(&store), vec![1800, 2700]);
    // Raw samples are a separate matter.
    assert_eq!(store.samples(t, i64::MIN, i64::MAX).unwrap(), batch);
    // Batches: at most max_rows each.
    assert_eq!(store.prune_rollups(10_000, 1).unwrap(), 1);
    assert_eq!(buckets(&store), vec![2700]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn batched_pruning_keeps_exactly_the_samples_at_or_after_the_cut(
        slots in prop::collection::vec((0usize..3, 0i64..600), 0..300),
        cut in -100i64..9500,
        batch in 1usize..50,
    ) {
        let mut store = Store::open_in_memory().unwrap();
        let targets: Vec<TargetId> =
            (0..3).map(|i| store.ensure_target(&format!("t{i}"), "{}", 0).unwrap()).collect();
        let samples: Vec<Sample> = slots
            .iter()
            .map(|&(t, slot)| Sample::ok(targets[t], slot * 15, 1, 1, None))
            .collect();
        store.write_batch(&samples).unwrap();
        let before: Vec<(Vec<Sample>, Vec<Rollup>)> = targets
            .iter()
            .map(|&t| (store.samples(t, i64::MIN, i64::MAX).unwrap(), store.rollups(t, i64::MIN, i64::MAX).unwrap()))
            .collect();

        let deleted = prune_all(|| store.prune_samples(cut, batch).unwrap(), batch);

        let mut expected_deleted = 0;
        for (&t, (samples, rollups)) in targets.iter().zip(before) {
            let kept: Vec<Sample> = samples.iter().copied().filter(|s| s.ts >= cut).collect();
            expected_deleted += samples.len() - kept.len();
            prop_assert_eq!(store.samples(t, i64::MIN, i64::MAX).unwrap(), kept);
            prop_assert_eq!(store.rollups(t, i64::MIN, i64::MAX).unwrap(), rollups);
        }
        prop_assert_eq!(deleted, expected_deleted);
    }
}
