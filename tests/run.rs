//! `headcount run` as an operator runs it: collector and web server in one process
//! against `headcount simulate` on a 2-second schedule, stopped with SIGTERM; and a
//! failing half taking the other down.

mod common;

use std::path::Path;

use headcount_store::{Reader, Reads, RunState};
use serde_json::Value;

/// A config polling `base_url` every 2 seconds into `history.db` beside it, with the
/// API token read from a variable the tests' environment does not set. Not every
/// second: the request timeout is 80% of the interval, and a slow, busy machine can
/// keep the simulator from answering within 0.8 s.
fn write_config(dir: &Path, base_url: &str) -> String {
    let text = format!(
        r#"[upstream]
base_url = "{base_url}"

[storage]
path = "history.db"

[schedule]
cron = "*/2 * * * * *"

[web]
api_token_env = "HEADCOUNT_TEST_RUN_API_TOKEN"

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

/// The value of the first sample of metric `name` in an OpenMetrics text.
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.split([' ', '{']).next() == Some(name))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[test]
fn collects_and_serves_in_one_process_and_sigterm_stops_both_cleanly() {
    let (_sim, base_url) = common::simulator();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &base_url);
    let mut service = common::spawn(
        &["run", "--config", &config, "--listen", "127.0.0.1:0"],
        &[("CONVOSO_AUTH_TOKEN", "abc123")],
    );
    let base = common::url_in(&service.wait_for_line("dashboard: http://"));
    let http = common::http();

    // Samples arrive, and the server shows them. The first may be a timeout if the
    // machine is slow; an ok one follows.
    for name in ["all", "sales"] {
        let latest: Value = common::wait_until(&format!("an ok sample of {name}"), || {
            let resp = http
                .get(format!("{base}/api/v1/targets/{name}/latest"))
                .send()
                .ok()?;
            if resp.status() != 200 {
                return None;
            }
            let latest: Value = resp.json().unwrap();
            (latest["outcome"] == "ok").then_some(latest)
        });
        assert_eq!(latest["target"], name);
        assert_eq!(latest["outcome"], "ok", "{latest}");
        let (a, l) = (
            latest["available"].as_u64().unwrap(),
            latest["logged_in"].as_u64().unwrap(),
        );
        assert!(a <= l, "{latest}");
    }

    // /metrics carries the in-process collector's counters, which go on counting.
    let ticks = || {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .unwrap()
            .text()
            .unwrap();
        metric(&text, "headcount_collector_ticks_total")
            .unwrap_or_else(|| panic!("no collector ticks in\n{text}"))
    };
    let first = ticks();
    assert!(first >= 1.0, "{first}");
    common::wait_until("another tick", || (ticks() > first).then_some(()));
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        metric(&text, "headcount_collector_dropped_samples_total"),
        Some(0.0),
        "{text}"
    );
    assert!(
        metric(&text, "headcount_collector_last_tick_duration_seconds").is_some(),
        "{text}"
    );

    service.signal("TERM");
    assert_eq!(service.wait_exit(), Some(0), "SIGTERM is a clean stop");
    let reader = Reader::open(dir.path().join("history.db")).unwrap();
    let runs = reader.runs(0, i64::MAX).unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].state, RunState::Clean, "{runs:?}");
    assert!(runs[0].stopped_at.is_some(), "{runs:?}");
    // The web half is gone too.
    assert!(http.get(format!("{base}/healthz")).send().is_err());
}

#[test]
fn when_the_collector_cannot_start_the_web_server_stops_too_and_run_exits_1() {
    let (_sim, base_url) = common::simulator();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &base_url);
    let env = [("CONVOSO_AUTH_TOKEN", "abc123")];
    // A collector already writes this database: the service's own cannot take it.
    let mut first = common::spawn(&["collect", "--config", &config], &env);
    common::wait_until("the first collector's database", || {
        Reader::open(dir.path().join("history.db")).ok()
    });

    let mut second = common::spawn(
        &["run", "--config", &config, "--listen", "127.0.0.1:0"],
        &env,
    );
    let base = common::url_in(&second.wait_for_line("dashboard: http://"));
    assert_eq!(
        second.wait_exit(),
        Some(1),
        "a failed half fails the service"
    );
    assert!(
        common::http()
            .get(format!("{base}/healthz"))
            .send()
            .is_err(),
        "the web server stopped with it"
    );

    first.signal("TERM");
    assert_eq!(first.wait_exit(), Some(0));
}

#[test]
fn a_missing_upstream_token_exits_2_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "http://127.0.0.1:9/v1");
    let (code, stdout, stderr) = common::run(
        &["run", "--config", &config, "--listen", "127.0.0.1:0"],
        &[("CONVOSO_AUTH_TOKEN", "")],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("CONVOSO_AUTH_TOKEN"), "{stderr}");
    assert!(!stdout.contains("dashboard"), "{stdout}");
}
