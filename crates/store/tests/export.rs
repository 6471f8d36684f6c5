//! The export outbox: every sample a transaction inserts while export is on is read
//! back exactly once, in commit order, across restarts, imports of old history and
//! late commits; what retention pruned first is counted, not sent.

mod common;

use std::collections::BTreeSet;

use common::temp_store;
use headcount_store::{
    ExportStatus, ImportRow, OpsReads, Outbox, Outcome, Reads, Sample, Store, TargetId,
};

/// 2026-11-20T00:00:00Z.
const T0: i64 = 1_795_132_800;

/// Reads the whole outbox in batches of `max`, acking each, reopening the outbox
/// after every `reopen_every` batches (a restart); returns (target, ts) in the order
/// read and the samples counted missing.
fn drain(path: &std::path::Path, max: usize, reopen_every: usize) -> (Vec<(i64, i64)>, u64) {
    let mut outbox = Outbox::open(path).unwrap();
    let mut seen = Vec::new();
    let mut missing = 0;
    for round in 1.. {
        assert!(round < 10_000, "the outbox never drains");
        let from = outbox.position().unwrap();
        let batch = outbox.next(max).unwrap();
        assert!(batch.samples.len() <= max);
        if batch.is_empty(&from) {
            break;
        }
        seen.extend(batch.samples.iter().map(|s| (s.target.0, s.ts)));
        missing += batch.missing;
        outbox
            .ack(&batch.end, batch.samples.len() as u64, batch.missing, T0)
            .unwrap();
        if round % reopen_every == 0 {
            outbox = Outbox::open(path).unwrap();
        }
    }
    (seen, missing)
}

fn all_stored(store: &Store, targets: &[TargetId]) -> BTreeSet<(i64, i64)> {
    let mut out = BTreeSet::new();
    for &t in targets {
        for s in store.samples(t, 0, i64::MAX).unwrap() {
            out.insert((t.0, s.ts));
        }
    }
    out
}

#[test]
fn nothing_is_logged_while_export_is_off() {
    let (_dir, path, mut store) = temp_store();
    let t = store.ensure_target("a", "{}", T0).unwrap();
    store.write_batch(&[Sample::ok(t, T0, 1, 2, None)]).unwrap();
    assert_eq!(store.export_status().unwrap(), None);
    let outbox = Outbox::open(&path).unwrap();
    let from = outbox.position().unwrap();
    assert!(outbox.next(100).unwrap().is_empty(&from));
}

#[test]
fn every_inserted_sample_is_read_once_in_commit_order_across_restarts() {
    let (_dir, path, mut store) = temp_store();
    let a = store.ensure_target("a", "{}", T0).unwrap();
    let b = store
        .ensure_target("b", r#"{"campaign_id":"111"}"#, T0)
        .unwrap();
    // Stored before export was configured: not in the log.
    store
        .write_batch(&[Sample::ok(a, T0 - 15, 1, 1, None)])
        .unwrap();
    store.set_export_log(true);

    let mut committed: Vec<(i64, i64)> = Vec::new();
    let mut write = |store: &mut Store, batch: Vec<Sample>| {
        let before = all_stored(store, &[a, b]);
        let summary = store.write_batch(&batch).unwrap();
        let mut new = 0;
        for s in &batch {
            if !before.contains(&(s.target.0, s.ts)) {
                committed.push((s.target.0, s.ts));
                new += 1;
            }
        }
        assert_eq!(summary.inserted, new);
    };
    // Ticks of two targets.
    for k in 0..20 {
        let ts = T0 + 15 * k;
        let outcome_b = if k % 7 == 3 {
            Sample::failed(b, ts, Outcome::Timeout, Some(5000))
        } else {
            Sample::ok(b, ts, 3, 9, Some(40))
        };
        write(
            &mut store,
            vec![Sample::ok(a, ts, 2, 5, Some(30)), outcome_b],
        );
    }
    // A slow poll of slot 300 committed after slot 315 was recorded as skipped.
    write(
        &mut store,
        vec![Sample::failed(a, T0 + 315, Outcome::Skipped, None)],
    );
    write(&mut store, vec![Sample::ok(a, T0 + 300, 4, 4, Some(9000))]);
    // A retried batch: duplicates are not logged again.
    write(
        &mut store,
        vec![
            Sample::ok(a, T0, 2, 5, Some(30)),
            Sample::ok(a, T0 + 330, 1, 5, Some(30)),
        ],
    );
    // An import of older history that interleaves with what is stored: every 10 s
    // for a while, so some rows are duplicates of stored slots and stored slots lie
    // between the imported ones.
    let rows: Vec<Result<ImportRow, std::convert::Infallible>> = (0..60)
        .map(|k| {
            Ok(ImportRow {
                ts: T0 - 300 + 10 * k,
                available: 1,
                logged_in: 2,
            })
        })
        .collect();
    let before = all_stored(&store, &[a, b]);
    let summary = store.import(a, rows.clone(), |_| {}).unwrap();
    let mut imported = 0;
    for r in &rows {
        let ts = r.as_ref().unwrap().ts;
        if !before.contains(&(a.0, ts)) {
            committed.push((a.0, ts));
            imported += 1;
        }
    }
    assert_eq!(summary.inserted, imported);
    assert!(summary.duplicates > 0, "the import overlaps stored slots");

    let status = store.export_status().unwrap().unwrap();
    assert_eq!(
        status,
        ExportStatus {
            sent: 0,
            failed: 0,
            pending: committed.len() as u64,
            // The first tick logged: the live export's start.
            started_at: Some(T0),
        }
    );

    for (max, reopen) in [(1, 1), (3, 2), (7, 5), (1000, 1)] {
        // Each pass on a copy of the database, so every pass starts from the top.
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
            .unwrap();
        let (seen, missing) = drain(&copy, max, reopen);
        assert_eq!(missing, 0);
        assert_eq!(seen, committed, "batches of {max}");
        let outbox = Outbox::open(&copy).unwrap();
        let done = outbox.export_status().unwrap().unwrap();
        assert_eq!(done.sent, committed.len() as u64);
        assert_eq!(done.pending, 0);
        let left: i64 = conn_count(&copy, "SELECT count(*) FROM export_log");
        assert_eq!(left, 0, "finished log rows are deleted");
    }
}

fn conn_count(path: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_batch_read_but_not_acked_is_read_again() {
    let (_dir, path, mut store) = temp_store();
    let a = store.ensure_target("a", "{}", T0).unwrap();
    store.set_export_log(true);
    for k in 0..10 {
        store
            .write_batch(&[Sample::ok(a, T0 + 15 * k, 1, 2, None)])
            .unwrap();
    }
    let mut outbox = Outbox::open(&path).unwrap();
    let first = outbox.next(4).unwrap();
    let again = outbox.next(4).unwrap();
    assert_eq!(first.samples, again.samples);
    outbox.ack(&first.end, 4, 0, T0).unwrap();
    let next = outbox.next(4).unwrap();
    assert_eq!(next.samples[0].ts, T0 + 60);
    let status = outbox.export_status().unwrap().unwrap();
    assert_eq!((status.sent, status.pending), (4, 6));
}

#[test]
fn samples_pruned_before_they_were_sent_are_counted_missing() {
    let (_dir, path, mut store) = temp_store();
    let a = store.ensure_target("a", "{}", T0).unwrap();
    store.set_export_log(true);
    let rows: Vec<Result<ImportRow, std::convert::Infallible>> = (0..100)
        .map(|k| {
            Ok(ImportRow {
                ts: T0 + 15 * k,
                available: 1,
                logged_in: 2,
            })
        })
        .collect();
    store.import(a, rows, |_| {}).unwrap();
    // Retention deletes the first 40 before the exporter ran.
    assert_eq!(store.prune_samples(T0 + 15 * 40, 1000).unwrap(), 40);
    let (seen, missing) = drain(&path, 25, 1);
    assert_eq!(missing, 40);
    let want: Vec<(i64, i64)> = (40..100).map(|k| (a.0, T0 + 15 * k)).collect();
    assert_eq!(seen, want);
    let status = Outbox::open(&path)
        .unwrap()
        .export_status()
        .unwrap()
        .unwrap();
    assert_eq!((status.sent, status.failed, status.pending), (60, 40, 0));
}

#[test]
fn rows_logged_after_the_log_was_emptied_come_after_the_cursor() {
    let (_dir, path, mut store) = temp_store();
    let a = store.ensure_target("a", "{}", T0).unwrap();
    store.set_export_log(true);
    store.write_batch(&[Sample::ok(a, T0, 1, 2, None)]).unwrap();
    let (first, _) = drain(&path, 10, 1);
    assert_eq!(first, [(a.0, T0)]);
    // The log is empty now; what comes next must still be read.
    store
        .write_batch(&[Sample::ok(a, T0 + 15, 1, 2, None)])
        .unwrap();
    let (second, _) = drain(&path, 10, 1);
    assert_eq!(second, [(a.0, T0 + 15)]);
}
