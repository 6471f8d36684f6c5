//! Staffing alerts end to end: `headcount run` against `headcount simulate`, a rule
//! that fires, a webhook receiver on 127.0.0.1 that gets Alertmanager's JSON once, a
//! restart that sends nothing again; and a channel whose URL variable is unset
//! stopping the start with exit code 2 and the line.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// A webhook receiver: answers 200 to every request and keeps each body.
fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_ok()
                && let Ok(v) = serde_json::from_slice(&body)
            {
                kept.lock().unwrap().push(v);
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (url, bodies)
}

/// Polls `base_url` every 2 seconds; one rule on `sales` that always holds (nobody
/// has 100,000 agents), so it fires at the first ok sample.
fn write_config(dir: &Path, base_url: &str) -> String {
    let text = format!(
        r#"[upstream]
base_url = "{base_url}"

[storage]
path = "history.db"

[schedule]
cron = "*/2 * * * * *"

[web]
api_token_env = "HEADCOUNT_TEST_ALERTS_API_TOKEN"

[[target]]
name = "sales"
campaign_id = 111

[[alert]]
name = "always"
targets = ["sales"]
when = "logged_in < 100000"
for = "0s"
channels = ["hook"]

[[channel]]
name = "hook"
kind = "webhook"
url_env = "HC_TEST_ALERTS_HOOK"
"#
    );
    let path = dir.join("headcount.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn run_fires_a_rule_to_a_webhook_once_and_a_restart_sends_nothing_again() {
    let (_sim, base_url) = common::simulator();
    let (hook, bodies) = receiver();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &base_url);
    let env = [
        ("CONVOSO_AUTH_TOKEN", "abc123"),
        ("HC_TEST_ALERTS_HOOK", hook.as_str()),
    ];
    let mut service = common::spawn(
        &["run", "--config", &config, "--listen", "127.0.0.1:0"],
        &env,
    );
    let base = common::url_in(&service.wait_for_line("dashboard: http://"));
    let http = common::http();

    common::wait_until("the webhook", || {
        (!bodies.lock().unwrap().is_empty()).then_some(())
    });
    let first = bodies.lock().unwrap()[0].clone();
    assert_eq!(first["version"], "4");
    assert_eq!(first["status"], "firing");
    assert_eq!(first["alerts"][0]["labels"]["alertname"], "always");
    assert_eq!(first["alerts"][0]["labels"]["target"], "sales");
    assert!(
        first["alerts"][0]["generatorURL"]
            .as_str()
            .unwrap()
            .ends_with("/targets/sales"),
        "{first}"
    );
    let alerts: Value = http
        .get(format!("{base}/api/v1/alerts"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(alerts[0]["state"], "firing", "{alerts}");
    let since = alerts[0]["since"].clone();

    service.signal("TERM");
    assert_eq!(service.wait_exit(), Some(0));

    // Restarted: the alert is still firing since the same time, and nothing is sent
    // again while it goes on being evaluated.
    let mut service = common::spawn(
        &["run", "--config", &config, "--listen", "127.0.0.1:0"],
        &env,
    );
    let base = common::url_in(&service.wait_for_line("dashboard: http://"));
    let metric = |name: &str| -> Option<f64> {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .ok()?
            .text()
            .ok()?;
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
    };
    // Wait for more samples to be evaluated after the restart: several ticks.
    let ticks =
        |m: &dyn Fn(&str) -> Option<f64>| m("headcount_collector_ticks_total").unwrap_or(0.0);
    common::wait_until("five ticks after the restart", || {
        (ticks(&metric) >= 5.0).then_some(())
    });
    let alerts: Value = http
        .get(format!("{base}/api/v1/alerts"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(alerts[0]["state"], "firing", "{alerts}");
    assert_eq!(alerts[0]["since"], since);
    assert_eq!(
        metric("headcount_alert_firing{rule=\"always\",target=\"sales\"}"),
        Some(1.0)
    );
    assert_eq!(
        metric("headcount_alert_notifications_sent_total{channel=\"hook\"}"),
        Some(1.0)
    );
    service.signal("TERM");
    assert_eq!(service.wait_exit(), Some(0));
    assert_eq!(
        bodies.lock().unwrap().len(),
        1,
        "{:?}",
        bodies.lock().unwrap()
    );

    // The episode is kept, with its one notification.
    let reader = headcount_store::Reader::open(dir.path().join("history.db")).unwrap();
    let eps = headcount_store::AlertReads::alert_episodes(&reader, 0, i64::MAX, None).unwrap();
    assert_eq!(eps.len(), 1, "{eps:?}");
    assert_eq!(eps[0].notifications, 1);
    assert_eq!(eps[0].ended_at, None);

    // A replay of the stored history finds the episode the live evaluation stored.
    let (code, stdout, stderr) = common::run(
        &[
            "alerts", "replay", "--config", &config, "--from", "now-1h", "--format", "json",
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let replayed = report["episodes"].as_array().unwrap();
    assert_eq!(replayed.len(), 1, "{report}");
    assert_eq!(replayed[0]["fired_at"], eps[0].fired_at, "{report}");
    assert_eq!(replayed[0]["pending_at"], eps[0].pending_at, "{report}");
    assert_eq!(report["notifications"], 1);

    // `alerts test` sends one message to the channel now.
    let (code, stdout, stderr) = common::run(
        &["alerts", "test", "--config", &config, "--channel", "hook"],
        &[("HC_TEST_ALERTS_HOOK", hook.as_str())],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("sent a test message to channel \"hook\""),
        "{stdout}"
    );
    let all = bodies.lock().unwrap().clone();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1]["version"], "4");
    assert!(
        all[1]["commonAnnotations"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("[TEST]"),
        "{}",
        all[1]
    );
}

#[test]
fn a_channel_whose_url_variable_is_unset_stops_the_start_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "http://127.0.0.1:9/v1");
    let (code, stdout, stderr) = common::run(
        &["run", "--config", &config, "--listen", "127.0.0.1:0"],
        &[("CONVOSO_AUTH_TOKEN", "abc123")],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "config: line 25: channel \"hook\": url_env: channel URL: environment variable HC_TEST_ALERTS_HOOK is not set"
        ),
        "{stderr}"
    );
    // Refused before anything starts: no dashboard is announced.
    assert!(!stdout.contains("dashboard:"), "{stdout}");
    assert!(!stderr.contains("dashboard:"), "{stderr}");
}
