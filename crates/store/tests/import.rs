//! Import: one transaction, all or nothing, rollups merged with what is stored.

mod common;

use common::{dump, imported, naive_dists, naive_rollups, temp_store};
use headcount_store::{
    Error, ImportError, ImportRow, ImportSummary, OpsReads, Outcome, Reads, Sample, Store, TargetId,
};

/// What a CSV reader would yield for a line it cannot parse.
#[derive(Debug, PartialEq)]
struct BadLine(u64);

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: bad number", self.0)
    }
}

impl std::error::Error for BadLine {}

fn row(ts: i64, available: u32, logged_in: u32) -> ImportRow {
    ImportRow {
        ts,
        available,
        logged_in,
    }
}

fn seeded() -> (tempfile::TempDir, std::path::PathBuf, Store, TargetId) {
    let (dir, path, mut store) = temp_store();
    let t = store.ensure_target("sales", "{}", 0).unwrap();
    store
        .write_batch(&[
            Sample::ok(t, 900, 5, 9, Some(40)),
            Sample::failed(t, 915, Outcome::Timeout, Some(5000)),
        ])
        .unwrap();
    (dir, path, store, t)
}

#[test]
fn import_merges_with_stored_buckets_and_skips_stored_slots() {
    let (_dir, _path, mut store, t) = seeded();
    let stats = store.poll_stats().unwrap();
    let latency = store.poll_latency().unwrap();
    // 930 and 945 join the stored bucket 900 (945 becomes its last); 915 is already
    // stored (a failure) and is skipped; 1800 opens a new bucket; 2700 comes out of order.
    let rows = [
        row(930, 1, 8),
        row(915, 3, 3),
        row(2700, 0, 0),
        row(945, 2, 10),
        row(1800, 4, 4),
    ];
    let mut reported = Vec::new();
    let summary = store
        .import(t, rows.iter().copied().map(Ok::<_, BadLine>), |n| {
            reported.push(n)
        })
        .unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            rows: 5,
            inserted: 4,
            duplicates: 1,
            pruned_skipped: 0
        }
    );
    assert_eq!(reported, vec![5]);

    let samples = store.samples(t, i64::MIN, i64::MAX).unwrap();
    assert_eq!(samples.len(), 6);
    assert_eq!(
        samples[1].outcome,
        Outcome::Timeout,
        "a stored slot is never overwritten"
    );
    assert_eq!(samples[2], imported(t, row(930, 1, 8)));
    let rollups = store.rollups(t, i64::MIN, i64::MAX).unwrap();
    assert_eq!(rollups, naive_rollups(&samples));
    // By hand for bucket 900: ok 5/9, 1/8, 2/10 and one failure.
    let b900 = rollups[0];
    assert_eq!((b900.ok, b900.failed, b900.last_ts), (3, 1, Some(945)));
    assert_eq!(
        b900.available.map(|g| (g.sum, g.min, g.max, g.last)),
        Some((8, 1, 5, 2))
    );
    assert_eq!(
        store.dists(t, i64::MIN, i64::MAX).unwrap(),
        naive_dists(&samples)
    );
    // Nothing was polled: the counters stay as they were.
    assert_eq!(store.poll_stats().unwrap(), stats);
    assert_eq!(store.poll_latency().unwrap(), latency);
}

#[test]
fn an_error_from_the_source_mid_import_leaves_the_database_exactly_as_before() {
    let (_dir, path, mut store, t) = seeded();
    let before = dump(&path);
    // One row per bucket, so the import merges its first 4,096+ buckets into the
    // stored rollups before the bad line: those writes must be undone too.
    let rows = (0..6000).map(|i| {
        if i == 5000 {
            Err(BadLine(702))
        } else {
            Ok(row(i * 900, 1, 2))
        }
    });
    let mut reported = Vec::new();
    let e = store.import(t, rows, |n| reported.push(n)).unwrap_err();
    assert!(matches!(e, ImportError::Source(BadLine(702))), "{e:?}");
    assert_eq!(
        e.to_string(),
        "line 702: bad number",
        "the source's error passes through as is"
    );
    assert_eq!(reported, Vec::<u64>::new());
    assert_eq!(dump(&path), before);
    // The store is still usable afterwards.
    assert_eq!(
        store
            .import(t, [Ok::<_, BadLine>(row(1800, 1, 2))], |_| {})
            .unwrap()
            .inserted,
        1
    );
}

#[test]
fn an_invalid_row_mid_import_leaves_the_database_exactly_as_before() {
    let (_dir, path, mut store, t) = seeded();
    let before = dump(&path);
    let rows = vec![
        row(1800, 1, 2),
        row(1815, 1, 2),
        row(1830, 3, 2),
        row(1845, 1, 2),
    ];
    let e = store
        .import(t, rows.into_iter().map(Ok::<_, BadLine>), |_| {})
        .unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::InvalidRow {
                index: 2,
                ts: 1830,
                reason: "available exceeds logged_in"
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "import: row 2 (ts 1830): available exceeds logged_in"
    );
    assert_eq!(dump(&path), before);
}

#[test]
fn import_into_an_unknown_target_is_refused() {
    let mut store = Store::open_in_memory().unwrap();
    let e = store
        .import(TargetId(9), [Ok::<_, BadLine>(row(0, 1, 1))], |_| {})
        .unwrap_err();
    assert!(
        matches!(e, ImportError::Store(Error::UnknownTarget { id: 9 })),
        "{e:?}"
    );
}

#[test]
fn import_reports_progress_every_65536_rows_and_at_the_end() {
    let mut store = Store::open_in_memory().unwrap();
    let t = store.ensure_target("sales", "{}", 0).unwrap();
    let n = 2 * 65_536 + 10;
    let mut reported = Vec::new();
    let summary = store
        .import(
            t,
            (0..n).map(|i| Ok::<_, BadLine>(row(i * 15, 1, 2))),
            |k| reported.push(k),
        )
        .unwrap();
    assert_eq!(summary.inserted, n as u64);
    assert_eq!(reported, vec![65_536, 131_072, n as u64]);
    // 15 s slots: 60 per bucket; the last bucket holds the remainder.
    let rollups = store.rollups(t, i64::MIN, i64::MAX).unwrap();
    assert_eq!(rollups.len(), (n as usize).div_ceil(60));
    assert!(rollups[..rollups.len() - 1].iter().all(|r| r.ok == 60));
    assert_eq!(rollups.last().unwrap().ok as i64, n % 60);
}

#[test]
fn an_import_in_scrambled_order_over_many_buckets_merges_every_partial_bucket() {
    let mut store = Store::open_in_memory().unwrap();
    let t = store.ensure_target("sales", "{}", 0).unwrap();
    // 10,000 rows two per bucket (5,000 buckets: more than an import keeps in memory),
    // visited in a scrambled order (7919 is prime to 10,000), so most buckets are
    // written in two parts by different in-memory flushes and merged in the database.
    let rows: Vec<ImportRow> = (0..10_000i64)
        .map(|k| (k * 7919) % 10_000)
        .map(|i| row(i * 450, (i % 7) as u32, 6 + (i % 5) as u32))
        .collect();
    let summary = store
        .import(t, rows.iter().copied().map(Ok::<_, BadLine>), |_| {})
        .unwrap();
    assert_eq!(summary.inserted, 10_000);
    let samples = store.samples(t, i64::MIN, i64::MAX).unwrap();
    let mut expected: Vec<Sample> = rows.iter().map(|&r| imported(t, r)).collect();
    expected.sort_by_key(|s| s.ts);
    assert_eq!(samples, expected);
    let rollups = store.rollups(t, i64::MIN, i64::MAX).unwrap();
    assert_eq!(rollups.len(), 5000);
    assert_eq!(rollups, naive_rollups(&samples));
    assert_eq!(
        store.dists(t, i64::MIN, i64::MAX).unwrap(),
        naive_dists(&samples)
    );
}
