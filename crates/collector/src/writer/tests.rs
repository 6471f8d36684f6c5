use std::time::{Duration, Instant};

use headcount_store::{Reader, Reads, RunState, Sample, TargetId};

use super::*;
use crate::lock::DbFile;

/// Generous: these tests wait on SQLite's 5-second busy timeout, on a busy machine.
const PATIENCE: Duration = Duration::from_secs(90);

/// A fixed "now" for retention: 2027-01-15T08:00:00Z.
const NOW: i64 = 1_800_000_000;

fn fixed_now() -> i64 {
    NOW
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Db {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    target: TargetId,
}

fn db() -> (Db, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let mut store = Store::open(&path).unwrap();
    let target = store.ensure_target("all", "{}", NOW).unwrap();
    (
        Db {
            _dir: dir,
            path,
            target,
        },
        store,
    )
}

fn quick_retries() -> WriterOptions {
    WriterOptions {
        retry_base: Duration::from_millis(20),
        retry_cap: Duration::from_millis(100),
        clock: fixed_now,
        ..WriterOptions::default()
    }
}

fn ok(target: TargetId, ts: i64) -> Sample {
    Sample::ok(target, ts, 3, 10, Some(12))
}

/// Another connection holding the write lock, as `BEGIN IMMEDIATE` does.
fn hold_write_lock(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    conn
}

fn stored_ts(db: &Db) -> Vec<i64> {
    let reader = Reader::open(&db.path).unwrap();
    reader
        .samples(db.target, 0, i64::MAX)
        .unwrap()
        .iter()
        .map(|s| s.ts)
        .collect()
}

#[test]
fn a_locked_database_keeps_the_samples_and_writes_them_once_released() {
    let (db, store) = db();
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::spawn(store, None, Arc::clone(&metrics), quick_retries()).unwrap();
    let lock = hold_write_lock(&db.path);

    let batch: Vec<Sample> = (0..3).map(|i| ok(db.target, NOW + i)).collect();
    writer.sender().send(batch, NOW).unwrap();
    wait_for("a failed write", || metrics.snapshot().write_errors >= 1);
    let m = metrics.snapshot();
    assert_eq!((m.buffered, m.written, m.dropped), (3, 0, 0));

    lock.execute_batch("ROLLBACK").unwrap();
    wait_for("the retry", || metrics.snapshot().written == 3);
    let m = metrics.snapshot();
    assert_eq!((m.buffered, m.dropped), (0, 0));
    let report = writer.stop().unwrap();
    assert_eq!(report.unwritten, 0);
    assert_eq!(stored_ts(&db), vec![NOW, NOW + 1, NOW + 2]);
}

#[test]
fn past_the_bound_the_oldest_samples_are_dropped_and_counted() {
    let (db, store) = db();
    let metrics = Arc::new(Metrics::default());
    let options = WriterOptions {
        buffer_limit: 5,
        ..quick_retries()
    };
    let writer = Writer::spawn(store, None, Arc::clone(&metrics), options).unwrap();
    let lock = hold_write_lock(&db.path);

    // Four ticks of two samples, slots 1..=8: three more than the buffer holds.
    let sender = writer.sender();
    for tick in 0..4 {
        let batch = (1..=2).map(|i| ok(db.target, tick * 2 + i)).collect();
        sender.send(batch, NOW).unwrap();
    }
    wait_for("the overflow", || {
        let m = metrics.snapshot();
        m.dropped == 3 && m.buffered == 5
    });
    assert_eq!(metrics.snapshot().written, 0);

    lock.execute_batch("ROLLBACK").unwrap();
    wait_for("the retry", || metrics.snapshot().written == 5);
    writer.stop().unwrap();
    // The three oldest (1, 2, 3) went; the newest five were kept and written.
    assert_eq!(stored_ts(&db), vec![4, 5, 6, 7, 8]);
    assert_eq!(metrics.snapshot().dropped, 3);
}

#[test]
fn stop_writes_what_was_sent_and_records_a_clean_end() {
    let (db, mut store) = db();
    let run = store.begin_run(NOW, 42, "test").unwrap();
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::spawn(store, Some(run.id), Arc::clone(&metrics), quick_retries()).unwrap();
    writer
        .sender()
        .send(vec![ok(db.target, NOW - 15), ok(db.target, NOW)], NOW)
        .unwrap();
    let report = writer.stop().unwrap();
    assert_eq!(
        report,
        WriterReport {
            unwritten: 0,
            run_ended: true,
            run: Some(run.id),
            halted: false,
        }
    );
    assert_eq!(stored_ts(&db), vec![NOW - 15, NOW]);
    let reader = Reader::open(&db.path).unwrap();
    let last = reader.last_run().unwrap().unwrap();
    assert_eq!(last.id, run.id);
    assert_eq!(last.state, RunState::Clean);
    // The heartbeat of the written tick, then the stop at the writer's clock.
    assert_eq!(last.heartbeat_at, NOW);
    assert_eq!(last.stopped_at, Some(NOW));
}

#[test]
fn retention_prunes_old_samples_in_batches_and_keeps_their_rollups() {
    let (db, mut store) = db();
    let day = 86_400;
    // 100 samples 40 days old (past the 35-day retention), 10 from the last hour.
    let old: Vec<Sample> = (0..100)
        .map(|i| ok(db.target, NOW - 40 * day + i * 15))
        .collect();
    let recent: Vec<Sample> = (0..10)
        .map(|i| ok(db.target, NOW - 3600 + i * 15))
        .collect();
    store.write_batch(&old).unwrap();
    store.write_batch(&recent).unwrap();

    let metrics = Arc::new(Metrics::default());
    let options = WriterOptions {
        prune_every: Duration::from_millis(50),
        prune_batch: 7,
        raw_retention: Retention::For(Duration::from_secs(35 * day as u64)),
        rollup_retention: Retention::Forever,
        ..quick_retries()
    };
    let writer = Writer::spawn(store, None, Arc::clone(&metrics), options).unwrap();
    wait_for("the prune", || metrics.snapshot().pruned_samples == 100);
    writer.stop().unwrap();

    let ts = stored_ts(&db);
    assert_eq!(ts.len(), 10);
    assert!(ts.iter().all(|&t| t >= NOW - 3600), "{ts:?}");
    let reader = Reader::open(&db.path).unwrap();
    let rollups = reader
        .rollups(db.target, NOW - 41 * day, NOW - 39 * day)
        .unwrap();
    let ok: u64 = rollups.iter().map(|r| u64::from(r.ok)).sum();
    assert_eq!(ok, 100, "the rollups of pruned samples stay");
    assert_eq!(metrics.snapshot().pruned_rollups, 0);
}

/// A clock that moves on a second at every reading, from [`NOW`].
fn ticking_now() -> i64 {
    static T: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(NOW);
    T.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

#[test]
fn the_heartbeat_is_recorded_without_any_tick() {
    // As for an hourly schedule: no batch arrives, the run must still look alive.
    assert!(
        WriterOptions::default().heartbeat_every.as_secs()
            <= headcount_store::HEARTBEAT_EVERY_SECS as u64
    );
    let (db, mut store) = db();
    let run = store.begin_run(NOW, 1, "test").unwrap().id;
    let writer = Writer::spawn(
        store,
        Some(run),
        Arc::new(Metrics::default()),
        WriterOptions {
            heartbeat_every: Duration::from_millis(20),
            clock: ticking_now,
            ..WriterOptions::default()
        },
    )
    .unwrap();
    let reader = Reader::open(&db.path).unwrap();
    let heartbeat = || reader.last_run().unwrap().unwrap().heartbeat_at;
    wait_for("a heartbeat", || heartbeat() > NOW);
    let first = heartbeat();
    wait_for("another heartbeat", || heartbeat() > first);
    let report = writer.stop().unwrap();
    assert!(report.run_ended);
}

#[test]
fn a_new_run_ends_the_current_one_at_the_given_slot() {
    let (db, mut store) = db();
    let run = store.begin_run(NOW, 1, "test").unwrap().id;
    let writer = Writer::spawn(
        store,
        Some(run),
        Arc::new(Metrics::default()),
        quick_retries(),
    )
    .unwrap();
    let tx = writer.sender();
    tx.send(vec![ok(db.target, NOW)], NOW).unwrap();
    // The tick after the stall said "now" is NOW + 5000 before the split arrives.
    tx.send(vec![ok(db.target, NOW + 1)], NOW + 5_000).unwrap();
    tx.new_run(NOW + 1, NOW + 5_000).unwrap();
    tx.send(vec![ok(db.target, NOW + 5_000)], NOW + 5_000)
        .unwrap();
    let report = writer.stop().unwrap();
    assert!(report.run_ended);
    assert_ne!(report.run, Some(run), "the run stopped is the new one");
    assert_eq!(stored_ts(&db), vec![NOW, NOW + 1, NOW + 5_000]);
    let runs = Reader::open(&db.path).unwrap().runs(0, i64::MAX).unwrap();
    let got: Vec<(i64, i64, Option<i64>, RunState)> = runs
        .iter()
        .map(|r| (r.started_at, r.heartbeat_at, r.stopped_at, r.state))
        .collect();
    assert_eq!(
        got,
        vec![
            (NOW, NOW + 1, Some(NOW + 1), RunState::Unclean),
            (NOW + 5_000, NOW + 5_000, Some(NOW + 5_000), RunState::Clean),
        ]
    );
}

#[test]
fn a_failing_write_is_reported_until_a_write_succeeds() {
    let (db, store) = db();
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::spawn(store, None, Arc::clone(&metrics), quick_retries()).unwrap();
    assert_eq!(metrics.write_error(), None);
    let lock = hold_write_lock(&db.path);

    writer
        .sender()
        .send(vec![ok(db.target, NOW), ok(db.target, NOW + 1)], NOW)
        .unwrap();
    wait_for("a failed write", || metrics.snapshot().write_errors >= 1);
    // SQLite's words for a write lock held elsewhere.
    let error = metrics.write_error().expect("the failing write's error");
    assert!(error.contains("database is locked"), "{error}");
    assert_eq!(metrics.snapshot().buffered, 2);

    lock.execute_batch("ROLLBACK").unwrap();
    wait_for("the retry", || metrics.snapshot().written == 2);
    assert_eq!(metrics.write_error(), None);
    writer.stop().unwrap();
}

/// Waits (on a runtime of its own) until `notify` is notified.
fn notified(notify: &tokio::sync::Notify) {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(PATIENCE, notify.notified())
                .await
                .expect("notified within the patience");
        });
}

#[test]
fn a_deleted_database_file_halts_the_writer_before_it_writes_into_the_unlinked_file() {
    let (db, mut store) = db();
    let run = store.begin_run(NOW, 1, "test").unwrap().id;
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::spawn(
        store,
        Some(run),
        Arc::clone(&metrics),
        WriterOptions {
            file: Some(DbFile::at(&db.path)),
            ..quick_retries()
        },
    )
    .unwrap();
    let tx = writer.sender();
    tx.send(vec![ok(db.target, NOW)], NOW).unwrap();
    wait_for("the first write", || metrics.snapshot().written == 1);
    assert_eq!(metrics.halted(), None);

    // The store's connection still has the unlinked file open; SQLite would write on.
    std::fs::remove_file(&db.path).unwrap();
    tx.send(
        vec![ok(db.target, NOW + 1), ok(db.target, NOW + 2)],
        NOW + 2,
    )
    .unwrap();
    notified(&writer.failed());
    let why = metrics.halted().expect("the reason");
    assert_eq!(
        why,
        format!(
            "database file {} was deleted or replaced while the collector ran; stopping so that no data is written where nobody can read it",
            db.path.display()
        )
    );
    // Later ticks are dropped, not buffered.
    tx.send(vec![ok(db.target, NOW + 3)], NOW + 3).unwrap();
    let report = writer.stop().unwrap();
    assert!(report.halted);
    assert!(!report.run_ended, "nothing written after the file went");
    let m = metrics.snapshot();
    assert_eq!((m.written, m.dropped, m.buffered), (1, 3, 0));
}

#[test]
fn a_database_replaced_by_another_file_halts_the_writer_at_its_heartbeat() {
    let (db, mut store) = db();
    let run = store.begin_run(NOW, 1, "test").unwrap().id;
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::spawn(
        store,
        Some(run),
        Arc::clone(&metrics),
        WriterOptions {
            file: Some(DbFile::at(&db.path)),
            heartbeat_every: Duration::from_millis(20),
            clock: ticking_now,
            ..WriterOptions::default()
        },
    )
    .unwrap();
    // A restore from a backup: another database renamed over the path.
    let other = db.path.with_file_name("restored.db");
    drop(Store::open(&other).unwrap());
    std::fs::rename(&other, &db.path).unwrap();
    // No tick at all: the heartbeat notices.
    notified(&writer.failed());
    assert!(metrics.halted().unwrap().contains("deleted or replaced"));
    let report = writer.stop().unwrap();
    assert!(report.halted);
    assert!(!report.run_ended);
    // No stop was recorded anywhere. (What the reader sees mixes the restored file
    // with the old write-ahead log, still named after the path: the reason a
    // collector must not write on.)
    let reader = Reader::open(&db.path).unwrap();
    let last = reader.last_run().unwrap();
    assert!(
        last.as_ref().is_none_or(|r| r.stopped_at.is_none()),
        "{last:?}"
    );
}
