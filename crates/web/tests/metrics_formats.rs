//! `/metrics` as outside scrapers get it: the format follows `Accept`, each answer
//! passes its format's checker (`promtool check metrics` for the Prometheus text
//! format 0.0.4, Python's strict OpenMetrics parser for OpenMetrics), an outage takes
//! the agent gauges out, and the remote-write exporter's counters are there.
//!
//! Without promtool (Debian's `prometheus`) or Python's `prometheus_client` the checks
//! needing them say SKIPPED with what to install, unless `HEADCOUNT_REQUIRE_TOOLS` is
//! set (as `.ci/run` does): then they fail.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use axum::http::StatusCode;
use common::{Fixture, NOW, get_with};
use headcount_store::{Outbox, Sample, Store};
use headcount_web::{CollectorCounters, app};

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What Prometheus 2.x sends.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

fn missing(what: &str) {
    assert!(
        std::env::var_os("HEADCOUNT_REQUIRE_TOOLS").is_none(),
        "metrics formats test: HEADCOUNT_REQUIRE_TOOLS is set, but missing: {what}"
    );
    eprintln!("SKIPPED: metrics formats test: missing {what}");
}

/// Runs `cmd` with `text` on stdin; `None` when the program is not installed.
fn pipe(cmd: &mut Command, text: &str) -> Option<(bool, String)> {
    let mut child = match cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("{e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), said))
}

#[tokio::test]
async fn the_format_follows_accept() {
    let f = Fixture::new();
    let app = f.app();
    for (accept, want) in [
        (None, TEXT),
        (Some("*/*"), TEXT),
        (Some("text/plain;version=0.0.4;q=1,*/*;q=0.1"), TEXT),
        (Some(PROMETHEUS_ACCEPT), OPENMETRICS),
        (Some("application/openmetrics-text"), OPENMETRICS),
        (Some("application/openmetrics-text;q=0"), TEXT),
        (
            Some("text/plain;version=0.0.4,application/openmetrics-text;q=0.5"),
            TEXT,
        ),
    ] {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        let r = get_with(&app, "/metrics", &headers).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.content_type(), want, "Accept: {accept:?}");
        assert_eq!(r.headers["vary"], "accept");
        let text = r.text();
        assert_eq!(text.ends_with("# EOF\n"), want == OPENMETRICS, "{accept:?}");
    }
}

#[tokio::test]
async fn promtool_passes_the_text_format_and_counters_are_named_with_total() {
    let f = Fixture::new();
    // With an in-process collector: its counters were among those promtool refused.
    let state = f.state().with_collector(|| CollectorCounters {
        ticks: 7,
        last_tick_seconds: Some(0.25),
        buffered: 3,
        dropped: 2,
        write_errors: 4,
        write_error: Some("database is locked (SQLITE_BUSY)".into()),
        halted: None,
    });
    let r = get_with(&app(state), "/metrics", &[("accept", "*/*")]).await;
    let text = r.text();
    for counter in [
        "headcount_polls",
        "headcount_collector_ticks",
        "headcount_collector_dropped_samples",
    ] {
        assert!(
            text.contains(&format!("# TYPE {counter}_total counter\n")),
            "{text}"
        );
    }
    assert!(!text.contains("# UNIT") && !text.contains("# EOF"));
    match pipe(Command::new("promtool").args(["check", "metrics"]), &text) {
        None => missing("promtool; install prometheus (apt-get install prometheus)"),
        Some((ok, said)) => assert!(ok, "promtool check metrics:\n{said}\n---\n{text}"),
    }
}

#[tokio::test]
async fn both_formats_carry_the_same_samples() {
    const SAME: &str = r#"
import sys
try:
    from prometheus_client.parser import text_string_to_metric_families as prom
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
except ImportError as e:
    print("missing: %s" % e, file=sys.stderr)
    sys.exit(3)
a, b = sys.stdin.read().split("\n=====\n")
# The OpenMetrics parser is strict: it fails on anything that is not OpenMetrics.
x = sorted((s.name, sorted(s.labels.items()), s.value) for f in om(a) for s in f.samples)
y = sorted((s.name, sorted(s.labels.items()), s.value) for f in prom(b) for s in f.samples)
types = {f.name: f.type for f in prom(b)}
assert types["headcount_polls"] == "counter", types
assert x == y, (x, y)
print(len(x))
"#;
    let f = Fixture::new();
    let app = f.app();
    let om = get_with(&app, "/metrics", &[("accept", PROMETHEUS_ACCEPT)])
        .await
        .text();
    let text = get_with(&app, "/metrics", &[]).await.text();
    match pipe(
        Command::new("python3").arg("-c").arg(SAME),
        &format!("{om}\n=====\n{text}"),
    ) {
        None => missing("python3; install python3 and `pip install prometheus_client`"),
        Some((false, said)) if said.contains("missing:") => {
            missing("Python's prometheus_client; `pip install prometheus_client`");
        }
        Some((ok, said)) => {
            assert!(ok, "{said}");
            assert!(said.trim().parse::<u32>().unwrap() > 20, "{said}");
        }
    }
}

/// The lines of `name` (any labels) in a 0.0.4 answer.
fn lines<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .collect()
}

#[tokio::test]
async fn a_stopped_collector_takes_the_agent_gauges_out_but_not_the_sample_time() {
    // The fixture's collector last beat 20 s before now; ten minutes later it is
    // overdue, so its last counts are no longer the present.
    let f = Fixture::new();
    let later = NOW + 600;
    let app = app(f.state().with_clock(move || later));
    let text = get_with(&app, "/metrics", &[]).await.text();
    assert!(
        lines(&text, "headcount_available_agents").is_empty(),
        "{text}"
    );
    assert!(
        lines(&text, "headcount_logged_in_agents").is_empty(),
        "{text}"
    );
    assert_eq!(
        lines(&text, "headcount_sample_timestamp_seconds"),
        [
            format!(
                "headcount_sample_timestamp_seconds{{target=\"sales\"}} {}.0",
                NOW - 60
            ),
            format!(
                "headcount_sample_timestamp_seconds{{target=\"all\"}} {}.0",
                NOW - 1800
            ),
        ]
    );
}

#[tokio::test]
async fn the_exporters_sent_failed_and_pending_samples_are_counted() {
    let f = Fixture::new();
    let text = get_with(&f.app(), "/metrics", &[]).await.text();
    assert!(
        !text.contains("headcount_remote_write"),
        "no export ever ran: no export metrics"
    );
    {
        let mut store = Store::open(&f.db).unwrap();
        store.set_export_log(true);
        let batch: Vec<Sample> = (1..=5)
            .map(|k| Sample::ok(f.sales, NOW + 15 * k, 1, 2, None))
            .collect();
        store.write_batch(&batch).unwrap();
        let mut outbox = Outbox::open(&f.db).unwrap();
        let b = outbox.next(3).unwrap();
        outbox.ack(&b.end, 2, 1, NOW).unwrap();
    }
    let text = get_with(&f.app(), "/metrics", &[]).await.text();
    assert_eq!(
        lines(&text, "headcount_remote_write_samples_sent_total"),
        ["headcount_remote_write_samples_sent_total 2"]
    );
    assert_eq!(
        lines(&text, "headcount_remote_write_samples_failed_total"),
        ["headcount_remote_write_samples_failed_total 1"]
    );
    assert_eq!(
        lines(&text, "headcount_remote_write_samples_pending"),
        ["headcount_remote_write_samples_pending 2"]
    );
}
