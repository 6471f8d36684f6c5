//! The exporter against a receiver written here (axum on 127.0.0.1:0) that decodes
//! each request as remote write 1.0 and can be told to fail: every committed sample
//! arrives once with its timestamp, across receiver outages, refusals and restarts.
//! (The real Prometheus is in the workspace's tests/remote_write.rs.)

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use headcount_config::{RemoteWriteAuth, RemoteWriteConfig};
use headcount_export::{Backoff, ExportSummary, Exporter, WriteRequest};
use headcount_store::{OpsReads, Outcome, Sample, Store, TargetId};
use tokio::sync::oneshot;

/// 2026-11-20T00:00:00Z.
const T0: i64 = 1_795_132_800;

/// What the fake receiver does with the next requests, then answers 204.
#[derive(Default)]
struct Receiver {
    /// Answers to give first, in order: (status, body).
    script: Vec<(u16, &'static str)>,
    /// Every request's headers of interest.
    headers: Vec<BTreeMap<String, String>>,
    /// Requests taken (answered 2xx), decoded.
    taken: Vec<WriteRequest>,
    /// Requests seen in all.
    seen: usize,
}

type Shared = Arc<Mutex<Receiver>>;

async fn write(State(r): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let req = WriteRequest::decode_body(&body).expect("a remote write 1.0 body");
    let mut r = r.lock().unwrap();
    r.seen += 1;
    r.headers.push(
        [
            "content-type",
            "content-encoding",
            "x-prometheus-remote-write-version",
            "authorization",
        ]
        .iter()
        .filter_map(|h| {
            headers
                .get(*h)
                .map(|v| ((*h).to_owned(), v.to_str().unwrap().to_owned()))
        })
        .collect(),
    );
    if !r.script.is_empty() {
        let (status, _) = r.script.remove(0);
        let status = StatusCode::from_u16(status).unwrap();
        if !status.is_success() {
            return status;
        }
    }
    r.taken.push(req);
    StatusCode::NO_CONTENT
}

async fn receiver(script: Vec<(u16, &'static str)>) -> (Shared, String) {
    let shared: Shared = Arc::new(Mutex::new(Receiver {
        script,
        ..Receiver::default()
    }));
    let app = Router::new()
        .route("/api/v1/write", post(write))
        .with_state(Arc::clone(&shared));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1/write", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (shared, url)
}

fn config(url: &str, batch_size: usize) -> RemoteWriteConfig {
    RemoteWriteConfig {
        url: url.to_owned(),
        auth: RemoteWriteAuth::None,
        labels: vec![("replica".to_owned(), "a".to_owned())],
        batch_size,
        flush_interval: Duration::from_millis(20),
        timeout: Duration::from_secs(10),
    }
}

struct Running {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<headcount_export::Result<ExportSummary>>,
}

fn start(config: &RemoteWriteConfig, db: &std::path::Path) -> Running {
    let exporter = Exporter::new(config, db).unwrap().with_backoff(Backoff {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(50),
    });
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(exporter.run(async move {
        let _ = rx.await;
    }));
    Running { stop, task }
}

impl Running {
    async fn stop(self) -> ExportSummary {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap()
    }
}

/// Waits (a hang guard, not a timing assertion) until `cond` holds.
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// (series name, outcome label, ts ms, value bits) of every sample taken.
fn taken(r: &Shared) -> Vec<(String, String, i64, u64)> {
    let r = r.lock().unwrap();
    let mut out = Vec::new();
    for req in &r.taken {
        for ts in &req.timeseries {
            let get = |n: &str| {
                ts.labels
                    .iter()
                    .find(|l| l.name == n)
                    .map(|l| l.value.clone())
                    .unwrap_or_default()
            };
            for s in &ts.samples {
                out.push((
                    get("__name__"),
                    format!("{}/{}", get("target"), get("outcome")),
                    s.timestamp,
                    s.value.to_bits(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn store_with(path: &std::path::Path) -> (Store, TargetId) {
    let mut store = Store::open(path).unwrap();
    store.set_export_log(true);
    let t = store
        .ensure_target("sales", r#"{"campaign_id":"111"}"#, T0)
        .unwrap();
    (store, t)
}

/// What the receiver should hold for ok polls `ks` (slot index, available) of target
/// "sales": one value each of available, logged in (10) and up.
fn expected_ok(ks: impl IntoIterator<Item = i64>) -> Vec<(String, String, i64, u64)> {
    let mut out = Vec::new();
    for k in ks {
        let ms = (T0 + 15 * k) * 1000;
        let a = (k % 7) as f64;
        for (name, v) in [
            ("headcount_available_agents", a),
            ("headcount_logged_in_agents", 10.0),
            ("headcount_poll_up", 1.0),
        ] {
            out.push((name.to_owned(), "sales/".to_owned(), ms, v.to_bits()));
        }
    }
    out.sort();
    out
}

fn tick(store: &mut Store, t: TargetId, k: i64) {
    store
        .write_batch(&[Sample::ok(t, T0 + 15 * k, (k % 7) as u32, 10, Some(20))])
        .unwrap();
}

#[tokio::test]
async fn every_committed_sample_arrives_once_with_its_timestamp_and_the_protocol_headers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let (mut store, t) = store_with(&db);
    let (rx, url) = receiver(Vec::new()).await;
    for k in 0..25 {
        tick(&mut store, t, k);
    }
    let running = start(&config(&url, 10), &db);
    until("25 ticks", || taken(&rx).len() == 75).await;
    // Collected while the exporter runs.
    for k in 25..40 {
        tick(&mut store, t, k);
    }
    until("40 ticks", || taken(&rx).len() == 120).await;
    let summary = running.stop().await;
    assert_eq!(summary.sent, 40);
    assert_eq!(taken(&rx), expected_ok(0..40));
    let r = rx.lock().unwrap();
    assert!(r.taken.iter().all(|req| req.sample_count() <= 3 * 10));
    let h = &r.headers[0];
    assert_eq!(h["content-type"], "application/x-protobuf");
    assert_eq!(h["content-encoding"], "snappy");
    assert_eq!(h["x-prometheus-remote-write-version"], "0.1.0");
    assert!(!h.contains_key("authorization"));
    // Every series carries the target's filters and the configured labels, sorted.
    let names: Vec<&str> = r.taken[0].timeseries[0]
        .labels
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(names, ["__name__", "campaign_id", "replica", "target"]);
    drop(r);
    let status = store.export_status().unwrap().unwrap();
    assert_eq!((status.sent, status.failed, status.pending), (40, 0, 0));
}

#[tokio::test]
async fn a_failed_poll_is_a_gap_with_its_reason_not_the_last_value() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let (mut store, t) = store_with(&db);
    let (rx, url) = receiver(Vec::new()).await;
    tick(&mut store, t, 0);
    store
        .write_batch(&[Sample::failed(t, T0 + 15, Outcome::Timeout, Some(5000))])
        .unwrap();
    let running = start(&config(&url, 100), &db);
    until("2 polls", || taken(&rx).len() == 3 + 4).await;
    running.stop().await;
    let got = taken(&rx);
    let at = |name: &str, ms: i64| {
        got.iter()
            .find(|(n, _, t, _)| n == name && *t == ms)
            .map(|s| f64::from_bits(s.3))
    };
    let ms = (T0 + 15) * 1000;
    assert_eq!(at("headcount_poll_up", ms), Some(0.0));
    let failed: Vec<_> = got
        .iter()
        .filter(|(n, ..)| n == "headcount_poll_failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].1.as_str(), failed[0].2), ("sales/timeout", ms));
    // The gauges get the staleness marker, never a number.
    for name in ["headcount_available_agents", "headcount_logged_in_agents"] {
        let v = at(name, ms).unwrap();
        assert_eq!(v.to_bits(), 0x7ff0_0000_0000_0002, "{name}");
    }
}

#[tokio::test]
async fn a_receiver_outage_loses_nothing_and_sends_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let (mut store, t) = store_with(&db);
    // Down for six requests (5xx, 429, 5xx…), then up.
    let (rx, url) = receiver(vec![
        (503, ""),
        (500, "boom"),
        (429, "slow down"),
        (502, ""),
        (503, ""),
        (504, ""),
    ])
    .await;
    for k in 0..30 {
        tick(&mut store, t, k);
    }
    let running = start(&config(&url, 7), &db);
    until("30 ticks", || taken(&rx).len() == 90).await;
    let summary = running.stop().await;
    assert_eq!(summary.retries, 6);
    assert_eq!(summary.sent, 30);
    assert_eq!(taken(&rx), expected_ok(0..30));
    assert_eq!(rx.lock().unwrap().seen, 6 + 5, "30 samples in batches of 7");
}

#[tokio::test]
async fn a_refused_request_is_counted_and_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let (mut store, t) = store_with(&db);
    let (rx, url) = receiver(vec![(400, "out of bounds")]).await;
    for k in 0..10 {
        tick(&mut store, t, k);
    }
    let running = start(&config(&url, 4), &db);
    until("the rest", || taken(&rx).len() == 18).await;
    let summary = running.stop().await;
    assert_eq!((summary.sent, summary.failed, summary.retries), (6, 4, 0));
    assert_eq!(taken(&rx), expected_ok(4..10));
    assert_eq!(rx.lock().unwrap().seen, 3);
    let status = store.export_status().unwrap().unwrap();
    assert_eq!((status.sent, status.failed, status.pending), (6, 4, 0));
}

#[tokio::test]
async fn a_restart_resumes_where_the_exporter_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let (mut store, t) = store_with(&db);
    let (rx, url) = receiver(Vec::new()).await;
    for k in 0..10 {
        tick(&mut store, t, k);
    }
    let running = start(&config(&url, 3), &db);
    until("10 ticks", || taken(&rx).len() == 30).await;
    running.stop().await;
    // Stored while no exporter ran; then a new process starts.
    for k in 10..20 {
        tick(&mut store, t, k);
    }
    let running = start(&config(&url, 3), &db);
    until("20 ticks", || taken(&rx).len() == 60).await;
    running.stop().await;
    assert_eq!(taken(&rx), expected_ok(0..20));
}

#[tokio::test]
async fn basic_auth_comes_from_the_environment_variable_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let (mut store, t) = store_with(&db);
    let (rx, url) = receiver(Vec::new()).await;
    tick(&mut store, t, 0);
    let mut c = config(&url, 10);
    // PATH is set in every test process; setting a variable would race other tests.
    c.auth = RemoteWriteAuth::Basic {
        username: "hc".to_owned(),
        password_env: "PATH".to_owned(),
    };
    let running = start(&c, &db);
    until("1 tick", || taken(&rx).len() == 3).await;
    running.stop().await;
    let header = rx.lock().unwrap().headers[0]["authorization"].clone();
    let path = std::env::var("PATH").unwrap();
    use base64::Engine as _;
    let want = base64::engine::general_purpose::STANDARD.encode(format!("hc:{path}"));
    assert_eq!(header, format!("Basic {want}"));
    c.auth = RemoteWriteAuth::Bearer {
        token_env: "HEADCOUNT_TEST_SURELY_UNSET_VAR".to_owned(),
    };
    let err = Exporter::new(&c, &db).unwrap_err().to_string();
    assert_eq!(
        err,
        "config: export.remote_write bearer token: environment variable HEADCOUNT_TEST_SURELY_UNSET_VAR is not set"
            .trim_start_matches("config: ")
    );
}

#[tokio::test]
async fn a_replay_sends_raw_samples_where_kept_and_labelled_rollups_where_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let mut store = Store::open(&db).unwrap();
    let t = store
        .ensure_target("sales", r#"{"campaign_id":"111"}"#, T0)
        .unwrap();
    // Two hours, one poll a minute: available k % 7 of 10; every 13th fails.
    let samples: Vec<Sample> = (0..120)
        .map(|k| {
            let ts = T0 + 60 * k;
            if k % 13 == 5 {
                Sample::failed(t, ts, Outcome::Timeout, None)
            } else {
                Sample::ok(t, ts, (k % 7) as u32, 10, None)
            }
        })
        .collect();
    store.write_batch(&samples).unwrap();
    // Retention pruned the first hour (four whole quarter hours).
    assert_eq!(store.prune_samples(T0 + 3600, 1000).unwrap(), 60);
    let (rx, url) = receiver(Vec::new()).await;
    let c = config(&url, 25);
    let client =
        headcount_export::RemoteWriteClient::new(&c, &headcount_config::Credentials::None).unwrap();
    let summary = headcount_export::replay(
        &db,
        &client,
        headcount_export::ReplayOptions {
            from: T0,
            to: T0 + 7200,
            targets: vec![t],
            batch_size: 25,
            labels: c.labels.clone(),
            backoff: headcount_export::DEFAULT_BACKOFF,
        },
        |_| {},
        std::future::pending(),
    )
    .await
    .unwrap();
    assert_eq!((summary.raw, summary.rollups, summary.failed), (60, 4, 0));
    let got = taken(&rx);
    let values = |name: &str| -> Vec<(i64, f64)> {
        got.iter()
            .filter(|s| s.0 == name)
            .map(|s| (s.2 / 1000, f64::from_bits(s.3)))
            .collect()
    };
    // The first quarter hour by hand: k = 0..15, k = 5 failed.
    let ok: Vec<i64> = (0..15).filter(|k| k % 13 != 5).collect();
    let mean = ok.iter().map(|k| (k % 7) as f64).sum::<f64>() / ok.len() as f64;
    let first = T0 + 900;
    assert_eq!(
        values("headcount_available_agents_avg_15m")[0],
        (first, mean)
    );
    assert_eq!(
        values("headcount_available_agents_min_15m")[0],
        (first, 0.0)
    );
    assert_eq!(
        values("headcount_available_agents_max_15m")[0],
        (first, 6.0)
    );
    assert_eq!(
        values("headcount_logged_in_agents_avg_15m")[0],
        (first, 10.0)
    );
    assert_eq!(values("headcount_poll_up_avg_15m")[0], (first, 14.0 / 15.0));
    assert_eq!(values("headcount_poll_up_avg_15m").len(), 4);
    // The second hour, raw: every poll, none of the pruned ones.
    let up = values("headcount_poll_up");
    assert_eq!(up.len(), 60);
    assert!(up.iter().all(|(ts, _)| *ts >= T0 + 3600));
    let want_ok = (60..120).filter(|k| k % 13 != 5).count();
    assert_eq!(
        values("headcount_available_agents")
            .iter()
            .filter(|v| !v.1.is_nan())
            .count(),
        want_ok
    );
}
