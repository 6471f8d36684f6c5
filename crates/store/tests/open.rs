//! Opening files: migrations on open, refusing what is not ours, reopening.

mod common;

use common::{dump, temp_store};
use headcount_store::schema::{APPLICATION_ID, SCHEMA_VERSION};
use headcount_store::{Error, ImportRow, OpsReads, Reader, Sample, Store};

#[test]
fn reopening_is_idempotent_and_the_file_passes_integrity_check() {
    let (_dir, path, mut store) = temp_store();
    let t = store.ensure_target("sales", "{}", 0).unwrap();
    store
        .write_batch(&[Sample::ok(t, 900, 1, 2, Some(3))])
        .unwrap();
    drop(store);
    let before = dump(&path);

    for _ in 0..3 {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.integrity_check().unwrap(), Vec::<String>::new());
        drop(store);
        assert_eq!(dump(&path), before);
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let app: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        (version as usize, app, mode.as_str()),
        (SCHEMA_VERSION, APPLICATION_ID, "wal")
    );
}

#[test]
fn a_reader_names_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.db");
    let e = Reader::open(&path).unwrap_err();
    assert!(matches!(e, Error::Open { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with(&format!("database {}: ", path.display())),
        "{e}"
    );
    assert!(!path.exists(), "a reader must not create the file");
}

#[test]
fn a_reader_refuses_a_database_no_writer_has_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    let e = Reader::open(&path).unwrap_err();
    assert!(matches!(e, Error::NotMigrated { found: 0, .. }), "{e:?}");
    assert!(e.to_string().contains("empty.db"), "{e}");
}

#[test]
fn another_programs_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
            .unwrap();
    }
    let before = dump(&path);
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, Error::NotHeadcount { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("database {}: not a headcount database", path.display())
    );
    assert!(matches!(
        Reader::open(&path).unwrap_err(),
        Error::NotHeadcount { .. }
    ));
    assert_eq!(dump(&path), before);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        mode, "delete",
        "the journal mode must not have been changed"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = "[upstream]\nbase_url = \"http://127.0.0.1:1/v1\"\n".repeat(200);
    std::fs::write(&path, &text).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, Error::NotHeadcount { .. }), "{e:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn a_schema_newer_than_this_build_is_refused() {
    let (_dir, path, store) = temp_store();
    drop(store);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION as i64 + 1)
            .unwrap();
    }
    for e in [
        Store::open(&path).unwrap_err(),
        Reader::open(&path).unwrap_err(),
    ] {
        assert!(
            matches!(e, Error::SchemaTooNew { found, known, .. } if found == SCHEMA_VERSION + 1 && known == SCHEMA_VERSION),
            "{e:?}"
        );
    }
}

#[test]
fn busy_and_disk_errors_are_retryable_others_are_not() {
    use rusqlite::ffi;
    let sqlite = |code| Error::Sqlite(rusqlite::Error::SqliteFailure(ffi::Error::new(code), None));
    assert!(sqlite(ffi::SQLITE_BUSY).is_retryable());
    assert!(sqlite(ffi::SQLITE_LOCKED).is_retryable());
    assert!(sqlite(ffi::SQLITE_FULL).is_retryable());
    assert!(sqlite(ffi::SQLITE_IOERR).is_retryable());
    assert!(sqlite(ffi::SQLITE_IOERR_FSYNC).is_retryable());
    assert!(!sqlite(ffi::SQLITE_CONSTRAINT).is_retryable());
    assert!(!sqlite(ffi::SQLITE_CORRUPT).is_retryable());
    assert!(!Error::UnknownTarget { id: 1 }.is_retryable());
}

#[test]
fn another_writer_during_an_import_gets_a_retryable_busy_error() {
    let (_dir, path, mut store) = temp_store();
    let t = store.ensure_target("sales", "{}", 0).unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    // No waiting: the lock is certainly held while the import pulls its rows.
    other.busy_timeout(std::time::Duration::ZERO).unwrap();
    let mut busy = None;
    let rows = (0..3).map(|i| {
        if i == 1 {
            let e = other.execute_batch("BEGIN IMMEDIATE").unwrap_err();
            busy = Some(Error::Sqlite(e));
        }
        Ok::<_, std::convert::Infallible>(ImportRow {
            ts: i * 15,
            available: 1,
            logged_in: 2,
        })
    });
    assert_eq!(store.import(t, rows, |_| {}).unwrap().inserted, 3);
    let busy = busy.unwrap();
    assert!(busy.is_retryable(), "{busy:?}");
    // Once the import committed, the lock is free again.
    other.execute_batch("BEGIN IMMEDIATE; ROLLBACK").unwrap();
}

#[test]
fn several_writers_opening_a_new_file_at_once_all_succeed() {
    // The race of two collectors (or a collector and an import) started together on a
    // database that does not exist yet: each sees an empty file and migrates it.
    const OPENERS: usize = 4;
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("race-{round}.db"));
        let barrier = std::sync::Barrier::new(OPENERS);
        let results: Vec<Result<(), String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..OPENERS)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        Store::open(&path).map(drop).map_err(|e| e.to_string())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for r in &results {
            assert!(r.is_ok(), "round {round}: {results:?}");
        }
        let reader = Reader::open(&path).unwrap();
        assert_eq!(reader.integrity_check().unwrap(), Vec::<String>::new());
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, SCHEMA_VERSION);
    }
}
