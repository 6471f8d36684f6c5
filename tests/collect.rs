//! `headcount collect` as an operator runs it: against `headcount simulate`, killed
//! with SIGKILL mid-run, restarted, stopped with SIGTERM; and its config errors.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use headcount_store::{Reader, Reads, RunState, Sample};

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
