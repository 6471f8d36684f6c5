//! `headcount collect` as an operator runs it: against `headcount simulate`, killed
//! with SIGKILL mid-run, restarted, stopped with SIGTERM (with a poll in flight, which
//! is finished and stored); and its config errors.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::Duration;

use headcount_store::{OpsReads, Outcome, Reader, Reads, RunState, Sample};

/// Every sample of every target, by target name, read through a read-only connection;
/// `None` while the collector has not created and migrated the database yet.
fn snapshot(db: &Path) -> Option<BTreeMap<String, Vec<Sample>>> {
    let reader = Reader::open(db).ok()?;
    let mut out = BTreeMap::new();
    for t in reader.targets().ok()? {
        out.insert(t.name, reader.samples(t.id, 0, i64::MAX).ok()?);
    }
    Some(out)
}

fn write_config(dir: &Path, base_url: &str) -> String {
    let text = format!(
        r#"[upstream]
base_url = "{base_url}"

[storage]
path = "history.db"           # relative to this file

[schedule]
cron = "* * * * * *"

[[target]]
name = "all"

[[target]]
name = "sales"
campaign_id = 111
"#
    );
    let path = dir.join("headcount.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn kill_9_loses_nothing_committed_and_a_restart_resumes() {
    let (_sim, base_url) = common::simulator();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &base_url);
    let db = dir.path().join("history.db");
    let env = [("CONVOSO_AUTH_TOKEN", "abc123")];

    let first = common::spawn(&["collect", "--config", &config], &env);
    let before = common::wait_until("3 samples of each target", || {
        snapshot(&db).filter(|s| s.len() == 2 && s.values().all(|v| v.len() >= 3))
    });
    first.signal("KILL");
    let mut first = first;
    assert_eq!(first.wait_exit(), None, "killed by the signal");
    let last_before = before.values().flatten().map(|s| s.ts).max().unwrap();

    let mut second = common::spawn(&["collect", "--config", &config], &env);
    common::wait_until("2 new samples of each target", || {
        snapshot(&db).filter(|s| {
            s.values()
                .all(|v| v.iter().filter(|x| x.ts > last_before).count() >= 2)
        })
    });
    second.signal("TERM");
    assert_eq!(second.wait_exit(), Some(0), "a clean stop exits 0");

    let reader = Reader::open(&db).unwrap();
    assert_eq!(reader.integrity_check().unwrap(), Vec::<String>::new());
    let after = snapshot(&db).unwrap();
    for (name, samples) in &before {
        let now = &after[name];
        for s in samples {
            assert!(
                now.contains(s),
                "{name}: {s:?} was committed before the kill and is gone"
            );
        }
        // Collection resumed after the restart, slot by slot.
        let resumed: Vec<i64> = now
            .iter()
            .map(|s| s.ts)
            .filter(|&t| t > last_before)
            .collect();
        assert!(resumed.len() >= 2, "{name}: {resumed:?}");
        assert!(
            resumed.windows(2).all(|w| w[1] - w[0] == 1),
            "{name}: {resumed:?}"
        );
    }
    let runs = reader.runs(0, i64::MAX).unwrap();
    let states: Vec<RunState> = runs.iter().map(|r| r.state).collect();
    assert_eq!(states, vec![RunState::Unclean, RunState::Clean], "{runs:?}");
    // The unclean run is taken to have stopped at its last heartbeat, no earlier than
    // the last tick it committed.
    let unclean = &runs[0];
    let last_first_run = before.values().flatten().map(|s| s.ts).max().unwrap();
    assert!(
        unclean.stopped_at.unwrap() >= last_first_run - 1,
        "{unclean:?}"
    );
}

/// An upstream that holds every request until its gate opens, then answers
/// available 3 of 7. Counts the requests that reached it and reports each arrival.
struct GatedUpstream {
    base_url: String,
    requests: Arc<AtomicUsize>,
    arrived: mpsc::Receiver<()>,
    gate: Arc<(Mutex<bool>, Condvar)>,
}

impl GatedUpstream {
    fn start() -> GatedUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let (tx, arrived) = mpsc::channel();
        let (count, held) = (Arc::clone(&requests), Arc::clone(&gate));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { break };
                let (count, held, tx) = (Arc::clone(&count), Arc::clone(&held), tx.clone());
                std::thread::spawn(move || answer(conn, &count, &held, &tx));
            }
        });
        GatedUpstream {
            base_url,
            requests,
            arrived,
            gate,
        }
    }

    fn open(&self) {
        let (open, cv) = &*self.gate;
        *open.lock().unwrap() = true;
        cv.notify_all();
    }
}

/// Reads one HTTP request, reports it, waits for the gate, answers and closes.
fn answer(
    mut conn: TcpStream,
    count: &AtomicUsize,
    gate: &(Mutex<bool>, Condvar),
    arrived: &mpsc::Sender<()>,
) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    count.fetch_add(1, Ordering::SeqCst);
    let _ = arrived.send(());
    let (open, cv) = gate;
    let _open = cv.wait_while(open.lock().unwrap(), |o| !*o).unwrap();
    let json = r#"{"success": true, "data": {"available_agents": 3, "logged_in_agents": 7}}"#;
    let _ = write!(
        conn,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
        json.len()
    );
}

#[test]
fn sigterm_lets_the_tick_in_flight_finish_and_stores_its_samples() {
    let upstream = GatedUpstream::start();
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[upstream]\nbase_url = \"{}\"\n\n[storage]\npath = \"history.db\"\n\n\
         [schedule]\ncron = \"*/2 * * * * *\"\n\n[[target]]\nname = \"all\"\n",
        upstream.base_url
    );
    let config = dir.path().join("headcount.toml");
    std::fs::write(&config, text).unwrap();
    let db = dir.path().join("history.db");
    let mut collector = common::spawn(
        &["collect", "--config", config.to_str().unwrap()],
        &[("CONVOSO_AUTH_TOKEN", "abc123")],
    );

    // A poll has reached the upstream and is held there: its tick is in flight.
    upstream
        .arrived
        .recv_timeout(common::PATIENCE)
        .expect("a poll reaches the upstream");
    collector.signal("TERM");
    // Answer only after the stop was asked for; the pause gives the signal a head start
    // (on a very slow machine the answer may still come first, which proves less but
    // passes just the same).
    std::thread::sleep(Duration::from_millis(300));
    upstream.open();
    assert_eq!(collector.wait_exit(), Some(0), "SIGTERM is a clean stop");

    let reader = Reader::open(&db).unwrap();
    let samples = snapshot(&db).unwrap().remove("all").unwrap();
    // Every poll that reached the upstream, the one held across the stop included, is
    // stored with its measured latency: ok, or a timeout if the machine was too slow
    // for the answer to arrive within the request timeout.
    let polled: Vec<&Sample> = samples.iter().filter(|s| s.latency_ms.is_some()).collect();
    let requests = upstream.requests.load(Ordering::SeqCst);
    assert!(requests >= 1);
    assert_eq!(polled.len(), requests, "{samples:?}");
    for s in &polled {
        assert!(matches!(s.outcome, Outcome::Ok | Outcome::Timeout), "{s:?}");
        if s.outcome == Outcome::Ok {
            assert_eq!((s.available, s.logged_in), (Some(3), Some(7)), "{s:?}");
        }
    }
    let runs = reader.runs(0, i64::MAX).unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].state, RunState::Clean, "{runs:?}");
}

#[test]
fn an_unknown_config_key_exits_2_naming_its_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[[target]]\nname = \"sales\"\ncampain_id = \"111\"\n",
    )
    .unwrap();
    let (code, _, stderr) = common::run(
        &["collect", "--config", path.to_str().unwrap()],
        &[("CONVOSO_AUTH_TOKEN", "abc123")],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("config: line 6: target \"sales\": unknown key \"campain_id\""),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

#[test]
fn a_missing_token_variable_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "http://127.0.0.1:9/v1");
    let (code, _, stderr) = common::run(
        &["collect", "--config", &config],
        &[("CONVOSO_AUTH_TOKEN", "")],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("environment variable CONVOSO_AUTH_TOKEN is empty"),
        "{stderr}"
    );
}
