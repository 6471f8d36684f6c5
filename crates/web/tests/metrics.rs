//! `/metrics` read back by an independent parser: Python's `prometheus_client`
//! (its OpenMetrics parser, strict about the format we serve, and its Prometheus
//! text parser). Without python3 or the module the tests say `SKIPPED` with what to
//! install, unless `HEADCOUNT_REQUIRE_TOOLS` is set (as `.ci/run` does once it has
//! installed them): then they fail.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use axum::http::StatusCode;
use common::{
    ALL_N, Fixture, HEARTBEAT_AGO, NOW, SALES_N, all_sample, bucket_of_ms, get_with, sales_sample,
};

/// What Prometheus 2.x sends: OpenMetrics first.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
use headcount_store::{LATENCY_BUCKETS_MS, OpsReads};
use headcount_web::{CollectorCounters, app};
use serde_json::Value;

const PARSE: &str = r#"
import json, sys
try:
    from prometheus_client.parser import text_string_to_metric_families as prom
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
except ImportError as e:
    print("missing: %s" % e, file=sys.stderr)
    sys.exit(3)
text = sys.stdin.read()
fams = {}
for f in om(text):
    fams[f.name] = {"type": f.type, "unit": f.unit,
                    "samples": [[s.name, s.labels, s.value] for s in f.samples]}
plain = [[s.name, s.labels, s.value] for f in prom(text) for s in f.samples]
print(json.dumps({"om": fams, "prom": plain}))
"#;

/// Parses `text` with Python; `None` (the test skips) when python3 or
/// prometheus_client is missing and they are not required.
fn parse(text: &str) -> Option<Value> {
    let child = Command::new("python3")
        .arg("-c")
        .arg(PARSE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return missing(&format!(
                "python3 ({e}); install python3 and `pip install prometheus_client`"
            ));
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => Some(serde_json::from_slice(&out.stdout).unwrap()),
        Some(3) => missing(&format!(
            "Python's prometheus_client ({}); `pip install prometheus_client`",
            stderr.trim()
        )),
        _ => panic!("the metrics did not parse:\n{stderr}\n---\n{text}"),
    }
}

/// A missing tool: fails when tools are required, else says SKIPPED.
fn missing(what: &str) -> Option<Value> {
    assert!(
        std::env::var_os("HEADCOUNT_REQUIRE_TOOLS").is_none(),
        "metrics test: HEADCOUNT_REQUIRE_TOOLS is set, but missing: {what}"
    );
    eprintln!("SKIPPED: metrics test: missing {what}");
    None
}

/// The samples of one family as (sample name, labels, value), labels as sorted pairs.
type Samples = Vec<(String, BTreeMap<String, String>, f64)>;

fn samples(fam: &Value) -> Samples {
    fam["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let labels = s[1]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect();
            (
                s[0].as_str().unwrap().to_owned(),
                labels,
                s[2].as_f64().unwrap(),
            )
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn family<'a>(om: &'a Value, name: &str, ty: &str, unit: &str) -> &'a Value {
    let f = &om[name];
    assert!(f.is_object(), "family {name} missing: {om}");
    assert_eq!(f["type"], ty, "{name}");
    assert_eq!(f["unit"], unit, "{name}");
    f
}

/// The value of the sample with this name and labels.
fn value(s: &Samples, name: &str, l: &[(&str, &str)]) -> f64 {
    let l = labels(l);
    s.iter()
        .find(|(n, ls, _)| n == name && *ls == l)
        .unwrap_or_else(|| panic!("no {name}{l:?} in {s:?}"))
        .2
}

#[tokio::test]
async fn metrics_parse_and_report_the_fixture() {
    let f = Fixture::new();
    let r = get_with(&f.app(), "/metrics", &[("accept", PROMETHEUS_ACCEPT)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.content_type(),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let text = r.text();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(line.starts_with("headcount_"), "{line}");
    }
    let Some(parsed) = parse(&text) else { return };
    let om = &parsed["om"];

    // The newest ok samples: sales a minute ago (1 of 50); all half an hour ago,
    // its newest sample being a failure: an outage, so its gauges are left out
    // rather than drawn flat at 30 of 100.
    let s = samples(family(om, "headcount_available_agents", "gauge", "agents"));
    assert_eq!(
        value(&s, "headcount_available_agents", &[("target", "sales")]),
        1.0
    );
    assert_eq!(s.len(), 1, "all is failing, quiet has no sample: {s:?}");
    let s = samples(family(om, "headcount_logged_in_agents", "gauge", "agents"));
    assert_eq!(
        value(&s, "headcount_logged_in_agents", &[("target", "sales")]),
        50.0
    );
    assert_eq!(s.len(), 1, "{s:?}");
    // When the newest ok samples were taken, the failing target's included.
    let s = samples(family(
        om,
        "headcount_sample_timestamp_seconds",
        "gauge",
        "seconds",
    ));
    assert_eq!(
        value(
            &s,
            "headcount_sample_timestamp_seconds",
            &[("target", "sales")]
        ),
        (NOW - 60) as f64
    );
    assert_eq!(
        value(
            &s,
            "headcount_sample_timestamp_seconds",
            &[("target", "all")]
        ),
        (NOW - 1800) as f64
    );
    let s = samples(family(
        om,
        "headcount_sample_age_seconds",
        "gauge",
        "seconds",
    ));
    assert_eq!(
        value(&s, "headcount_sample_age_seconds", &[("target", "sales")]),
        60.0
    );
    assert_eq!(
        value(&s, "headcount_sample_age_seconds", &[("target", "all")]),
        1800.0
    );

    // Polls by outcome and latency histograms, counted here from the generators.
    let mut polls: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut buckets: BTreeMap<&str, [u64; 10]> = BTreeMap::new();
    let mut sums: BTreeMap<&str, u64> = BTreeMap::new();
    let gen_sales = (0..SALES_N).map(|i| ("sales", sales_sample(f.sales, NOW, i)));
    let gen_all = (0..ALL_N).map(|i| ("all", all_sample(f.all, NOW, i)));
    for (t, smp) in gen_sales.chain(gen_all) {
        *polls.entry((t, smp.outcome.as_str())).or_default() += 1;
        let ms = smp.latency_ms.unwrap();
        buckets.entry(t).or_default()[bucket_of_ms(ms)] += 1;
        *sums.entry(t).or_default() += u64::from(ms);
    }
    assert_eq!(polls[&("sales", "timeout")], 119);
    let s = samples(family(om, "headcount_polls", "counter", ""));
    assert_eq!(s.len(), polls.len(), "{s:?}");
    for ((t, outcome), n) in &polls {
        let got = value(
            &s,
            "headcount_polls_total",
            &[("target", t), ("outcome", outcome)],
        );
        assert_eq!(got, *n as f64, "{t} {outcome}");
    }
    let s = samples(family(
        om,
        "headcount_poll_latency_seconds",
        "histogram",
        "seconds",
    ));
    for (t, counts) in &buckets {
        let mut cumulative = 0;
        for (i, c) in counts.iter().enumerate() {
            cumulative += c;
            let le = LATENCY_BUCKETS_MS
                .get(i)
                .map_or(f64::INFINITY, |ms| f64::from(*ms) / 1000.0);
            // Bounds are compared as numbers: `1.0` and `1` are the same bound.
            let got = s
                .iter()
                .find(|(n, l, _)| {
                    n == "headcount_poll_latency_seconds_bucket"
                        && l["target"] == *t
                        && l["le"].parse::<f64>().ok() == Some(le)
                })
                .unwrap_or_else(|| panic!("no bucket le={le} for {t}: {s:?}"))
                .2;
            assert_eq!(got, cumulative as f64, "{t} le={le}");
        }
        let total: u64 = counts.iter().sum();
        assert_eq!(
            value(&s, "headcount_poll_latency_seconds_count", &[("target", t)]),
            total as f64
        );
        let sum = value(&s, "headcount_poll_latency_seconds_sum", &[("target", t)]);
        assert!((sum - sums[t] as f64 / 1000.0).abs() < 1e-6, "{t}: {sum}");
    }

    let s = samples(family(om, "headcount_store_size_bytes", "gauge", "bytes"));
    let size = f.reader().size_bytes().unwrap();
    assert!(size > 0);
    assert_eq!(value(&s, "headcount_store_size_bytes", &[]), size as f64);
    let s = samples(family(
        om,
        "headcount_collector_heartbeat_age_seconds",
        "gauge",
        "seconds",
    ));
    assert_eq!(
        value(&s, "headcount_collector_heartbeat_age_seconds", &[]),
        HEARTBEAT_AGO as f64
    );
    // No in-process collector: no collector counters.
    assert!(om.get("headcount_collector_ticks").is_none());

    // The Prometheus text parser reads the same samples with the same values.
    let plain: Vec<(String, BTreeMap<String, String>, f64)> = samples(&serde_json::json!({
        "samples": parsed["prom"]
    }));
    for fam in om.as_object().unwrap().values() {
        for (name, l, v) in samples(fam) {
            let found = plain.iter().find(|(n, pl, _)| *n == name && *pl == l);
            assert_eq!(found.map(|p| p.2), Some(v), "{name}{l:?}");
        }
    }
}

#[tokio::test]
async fn an_in_process_collector_adds_its_counters() {
    let f = Fixture::new();
    let state = f.state().with_collector(|| CollectorCounters {
        ticks: 7,
        last_tick_seconds: Some(0.25),
        buffered: 3,
        dropped: 2,
        ..CollectorCounters::default()
    });
    let r = get_with(&app(state), "/metrics", &[("accept", PROMETHEUS_ACCEPT)]).await;
    assert_eq!(r.status, StatusCode::OK);
    let Some(parsed) = parse(&r.text()) else {
        return;
    };
    let om = &parsed["om"];
    let one = |name: &str, ty: &str, unit: &str, sample: &str| {
        value(&samples(family(om, name, ty, unit)), sample, &[])
    };
    assert_eq!(
        one(
            "headcount_collector_ticks",
            "counter",
            "",
            "headcount_collector_ticks_total"
        ),
        7.0
    );
    assert_eq!(
        one(
            "headcount_collector_last_tick_duration_seconds",
            "gauge",
            "seconds",
            "headcount_collector_last_tick_duration_seconds"
        ),
        0.25
    );
    assert_eq!(
        one(
            "headcount_collector_buffered_samples",
            "gauge",
            "",
            "headcount_collector_buffered_samples"
        ),
        3.0
    );
    assert_eq!(
        one(
            "headcount_collector_dropped_samples",
            "counter",
            "",
            "headcount_collector_dropped_samples_total"
        ),
        2.0
    );
}

#[tokio::test]
async fn write_errors_and_a_replaced_database_are_exported() {
    let f = Fixture::new();
    let counters = |halted: bool| CollectorCounters {
        ticks: 30,
        buffered: 12,
        write_errors: 5,
        write_error: Some("sqlite: database or disk is full".into()),
        halted: halted.then(|| "database file /x/h.db was deleted or replaced".into()),
        ..CollectorCounters::default()
    };
    for halted in [false, true] {
        let state = f.state().with_collector(move || counters(halted));
        let r = get_with(&app(state), "/metrics", &[("accept", PROMETHEUS_ACCEPT)]).await;
        assert_eq!(r.status, StatusCode::OK);
        let Some(parsed) = parse(&r.text()) else {
            return;
        };
        let om = &parsed["om"];
        let one = |name: &str, ty: &str, sample: &str| {
            value(&samples(family(om, name, ty, "")), sample, &[])
        };
        assert_eq!(
            one(
                "headcount_collector_write_errors",
                "counter",
                "headcount_collector_write_errors_total"
            ),
            5.0
        );
        assert_eq!(
            one(
                "headcount_collector_buffered_samples",
                "gauge",
                "headcount_collector_buffered_samples"
            ),
            12.0
        );
        assert_eq!(
            one(
                "headcount_collector_database_replaced",
                "gauge",
                "headcount_collector_database_replaced"
            ),
            if halted { 1.0 } else { 0.0 }
        );
    }
}

#[tokio::test]
async fn without_its_database_an_in_process_collector_still_reports_why() {
    let dir = tempfile::tempdir().unwrap();
    let state = headcount_web::AppState::new(
        dir.path().join("deleted.db"),
        common::targets(),
        common::settings(),
    )
    .with_collector(|| CollectorCounters {
        ticks: 3,
        halted: Some("database file deleted.db was deleted or replaced".into()),
        ..CollectorCounters::default()
    });
    let r = get_with(&app(state), "/metrics", &[("accept", PROMETHEUS_ACCEPT)]).await;
    assert_eq!(r.status, StatusCode::OK);
    let Some(parsed) = parse(&r.text()) else {
        return;
    };
    let om = &parsed["om"];
    let s = samples(family(
        om,
        "headcount_collector_database_replaced",
        "gauge",
        "",
    ));
    assert_eq!(value(&s, "headcount_collector_database_replaced", &[]), 1.0);
    // Nothing read from the database is made up.
    assert!(om["headcount_store_size_bytes"].is_null(), "{om}");
    assert!(
        samples(family(om, "headcount_available_agents", "gauge", "agents")).is_empty(),
        "{om}"
    );
}
