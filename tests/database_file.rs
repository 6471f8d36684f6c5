//! The database at the configured path is the one being written, as an operator finds
//! out when something goes wrong: `collect` and `run` against `headcount simulate`
//! with the database file deleted under them, with its writes failing for a while,
//! and a second `collect` through a hard link.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;

use headcount_store::{ImportRow, Outcome, Reader, Reads, RunState, Sample, Store};
use serde_json::Value;

/// A config polling `base_url` every 2 seconds (not every second: the request
/// timeout is 80% of the interval, and a slow machine needs it) into `db`, one target
/// "all".
fn write_config(dir: &Path, name: &str, base_url: &str, db: &Path) -> String {
    let text = format!(
        r#"[upstream]
base_url = "{base_url}"

[storage]
path = "{}"

[schedule]
cron = "*/2 * * * * *"

[web]
api_token_env = "HEADCOUNT_TEST_DATABASE_FILE_API_TOKEN"

[[target]]
name = "all"
"#,
        db.display()
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `headcount ARGS` with the upstream token, its stderr into a file; the process and
/// that file.
fn spawn_logged(dir: &Path, log: &str, args: &[&str]) -> (common::Running, PathBuf) {
    let log = dir.join(log);
    let mut cmd = common::headcount();
    cmd.args(args)
        .env("CONVOSO_AUTH_TOKEN", "abc123")
        .env("RUST_LOG", "info")
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
    (common::spawn_cmd(cmd), log)
}

/// The samples of "all" in `db`; empty until there are some.
fn samples(db: &Path) -> Vec<Sample> {
    let Ok(reader) = Reader::open(db) else {
        return Vec::new();
    };
    let Ok(Some(id)) = reader.target("all", "{}") else {
        return Vec::new();
    };
    reader.samples(id, 0, i64::MAX).unwrap_or_default()
}

fn wait_for_a_sample(db: &Path) {
    common::wait_until("a sample", || (!samples(db).is_empty()).then_some(()));
}

/// The message the collector stops with.
fn gone_message(db: &Path) -> String {
    format!(
        "database file {} was deleted or replaced while the collector ran; stopping so that no data is written where nobody can read it",
        db.display()
    )
}

#[test]
fn collect_stops_with_exit_1_naming_a_deleted_database() {
    let (_sim, base_url) = common::simulator();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let config = write_config(dir.path(), "headcount.toml", &base_url, &db);
    let (mut collector, log) = spawn_logged(dir.path(), "collect.log", &["collect", "-c", &config]);
    wait_for_a_sample(&db);

    std::fs::remove_file(&db).unwrap();
    // Before, it wrote on into the unlinked file until stopped, and reported a clean stop.
    assert_eq!(collector.wait_exit(), Some(1));
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(stderr.contains(&gone_message(&db)), "{stderr}");
}

#[test]
fn run_stops_with_exit_1_naming_a_deleted_database() {
    let (_sim, base_url) = common::simulator();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let config = write_config(dir.path(), "headcount.toml", &base_url, &db);
    let (mut service, log) = spawn_logged(
        dir.path(),
        "run.log",
        &["run", "-c", &config, "--listen", "127.0.0.1:0"],
    );
    service.wait_for_line("dashboard: http://");
    wait_for_a_sample(&db);

    std::fs::remove_file(&db).unwrap();
    assert_eq!(service.wait_exit(), Some(1));
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(stderr.contains(&gone_message(&db)), "{stderr}");
}

/// Holds the database's write lock, as a long `headcount import` does, until told to
/// let go: an import whose rows stop after the first (inserted, so the lock is taken)
/// until `release` receives, then end in an error, so nothing is kept.
fn hold_write_lock(db: PathBuf) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (release, released) = mpsc::channel::<()>();
    let (held_tx, held) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        let id = Reader::open(&db)
            .unwrap()
            .target("all", "{}")
            .unwrap()
            .unwrap();
        let mut store = Store::open(&db).unwrap();
        let mut step = 0;
        let rows = std::iter::from_fn(|| {
            step += 1;
            match step {
                // 2001-09-09: far from anything the collector writes.
                1 => Some(Ok(ImportRow {
                    ts: 1_000_000_020,
                    available: 1,
                    logged_in: 2,
                })),
                2 => {
                    let _ = held_tx.send(());
                    let _ = released.recv();
                    Some(Err("released"))
                }
                _ => None,
            }
        });
        let result = store.import(id, rows, |_| {});
        assert!(result.is_err(), "the import is rolled back");
    });
    held.recv().expect("the write lock is held");
    (release, thread)
}

fn get_json(http: &reqwest::blocking::Client, url: &str) -> (u16, Value) {
    let resp = http.get(url).send().unwrap();
    (resp.status().as_u16(), resp.json().unwrap())
}

/// The value of the first sample of metric `name` in an OpenMetrics text.
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.split([' ', '{']).next() == Some(name))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[test]
fn healthz_says_degraded_while_the_collector_cannot_write_and_ok_once_it_can() {
    let (_sim, base_url) = common::simulator();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let config = write_config(dir.path(), "headcount.toml", &base_url, &db);
    let (mut service, _log) = spawn_logged(
        dir.path(),
        "run.log",
        &["run", "-c", &config, "--listen", "127.0.0.1:0"],
    );
    let base = common::url_in(&service.wait_for_line("dashboard: http://"));
    wait_for_a_sample(&db);
    let http = common::http();
    let (code, health) = get_json(&http, &format!("{base}/healthz"));
    assert_eq!(
        (code, &health["status"]),
        (200, &Value::from("ok")),
        "{health}"
    );

    let (release, holder) = hold_write_lock(db.clone());
    // The collector's next write waits out SQLite's busy timeout and fails; from then
    // on the server says so. Before, it said "ok" throughout.
    let health = common::wait_until("healthz to say degraded", || {
        let (code, health) = get_json(&http, &format!("{base}/healthz"));
        (health["status"] == "degraded").then_some((code, health))
    });
    assert_eq!(health.0, 200, "degraded still serves: {}", health.1);
    let health = health.1;
    assert_eq!(health["database"], "ok", "{health}");
    assert_eq!(
        health["reason"],
        "the collector cannot write to the database: database is locked (SQLITE_BUSY)",
        "{health}"
    );
    assert!(
        health["buffered_samples"].as_u64().unwrap() >= 1,
        "{health}"
    );
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metric(&text, "headcount_collector_write_errors_total").unwrap() >= 1.0,
        "{text}"
    );
    assert!(
        metric(&text, "headcount_collector_buffered_samples").unwrap() >= 1.0,
        "{text}"
    );
    assert_eq!(
        metric(&text, "headcount_collector_database_replaced"),
        Some(0.0),
        "{text}"
    );

    release.send(()).unwrap();
    holder.join().unwrap();
    // Once a write succeeds it is ok again; the rest of the buffer follows.
    let health = common::wait_until("healthz to say ok with nothing buffered", || {
        let (_, health) = get_json(&http, &format!("{base}/healthz"));
        (health["status"] == "ok" && health["buffered_samples"] == 0).then_some(health)
    });
    assert!(health.get("reason").is_none(), "{health}");

    service.signal("TERM");
    assert_eq!(service.wait_exit(), Some(0));
    // Nothing was lost while the writes failed: every 2-second slot is there, once.
    let all = samples(&db);
    for pair in all.windows(2) {
        assert_eq!(pair[1].ts - pair[0].ts, 2, "{:?}", (pair[0].ts, pair[1].ts));
    }
    assert!(all.iter().any(|s| s.outcome == Outcome::Ok));
    let runs = Reader::open(&db).unwrap().runs(0, i64::MAX).unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].state, RunState::Clean);
}

#[test]
fn a_second_collect_through_a_hard_link_exits_1_naming_the_first() {
    let (_sim, base_url) = common::simulator();
    let dir = tempfile::tempdir().unwrap();
    let two = dir.path().join("two.db");
    let hard = dir.path().join("hard.db");
    let first_config = write_config(dir.path(), "two.toml", &base_url, &two);
    let second_config = write_config(dir.path(), "hard.toml", &base_url, &hard);
    let (mut first, _log) = spawn_logged(dir.path(), "two.log", &["collect", "-c", &first_config]);
    wait_for_a_sample(&two);
    std::fs::hard_link(&two, &hard).unwrap();

    // Before the lock was on the file's identity, this one ran (until the guard).
    let (mut second, log) =
        spawn_logged(dir.path(), "hard.log", &["collect", "-c", &second_config]);
    let code = second.wait_exit();
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "database {}: another collector is already writing to it (pid {})",
            hard.display(),
            first.child.id()
        )),
        "{stderr}"
    );

    first.signal("TERM");
    assert_eq!(first.wait_exit(), Some(0));
    let runs = Reader::open(&two).unwrap().runs(0, i64::MAX).unwrap();
    assert_eq!(runs.len(), 1, "one collector ran: {runs:?}");
}
