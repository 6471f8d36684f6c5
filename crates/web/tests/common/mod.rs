//! A fixture database with known values, and request helpers, shared by the web
//! crate's integration tests and `examples/serve_fixture.rs`.
#![allow(dead_code)] // each test binary uses a different subset

pub mod raw;

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use headcount_config::TargetConfig;
use headcount_query::Settings;
use headcount_store::{LATENCY_BUCKETS_MS, Outcome, Sample, Store, TargetId};
use headcount_web::AppState;
use tower::ServiceExt as _;

/// 2026-11-20T15:00:00Z (10:00 in New York): the tests' `now`.
pub const NOW: i64 = 1_795_186_800;

/// Days of history written before `now`.
pub const DAYS: i64 = 8;

/// `sales` is polled every minute.
pub const SALES_EVERY: i64 = 60;

/// `all` is polled every 15 minutes.
pub const ALL_EVERY: i64 = 900;

/// The collector's last heartbeat, seconds before `now`.
pub const HEARTBEAT_AGO: i64 = 20;

/// The configured targets: `sales` and `all` have history, `quiet` none yet.
pub fn targets() -> Vec<TargetConfig> {
    vec![
        target("sales", Some("111"), None, "0 * * * * *"),
        target("all", None, None, "0 */15 * * * *"),
        target("quiet", None, Some("9"), "*/15 * * * * *"),
    ]
}

/// A target as the config would give it.
pub fn target(name: &str, campaign: Option<&str>, queue: Option<&str>, cron: &str) -> TargetConfig {
    TargetConfig {
        name: name.to_owned(),
        filters: headcount_convoso::Filters {
            campaign_id: campaign.map(str::to_owned),
            queue_id: queue.map(str::to_owned),
            ..Default::default()
        },
        schedule: headcount_config::Schedule::parse(cron).unwrap(),
        own_schedule: true,
        timeout: std::time::Duration::from_secs(1),
        line: 1,
    }
}

/// The `i`-th sample of `sales` (slot `now - DAYS days + 60 i`): every 97th, from the
/// 50th, timed out after 5 s; the rest are ok with 50 logged in, `i mod 13`
/// available (0 to 12: unavailable to healthy) and latencies 20, 60, …, 260 ms.
pub fn sales_sample(id: TargetId, now: i64, i: i64) -> Sample {
    let ts = now - DAYS * 86_400 + SALES_EVERY * i;
    if i % 97 == 50 {
        Sample::failed(id, ts, Outcome::Timeout, Some(5000))
    } else {
        let latency = 20 + (i % 7) as u32 * 40;
        Sample::ok(id, ts, (i % 13) as u32, 50, Some(latency))
    }
}

/// How many samples `sales` has.
pub const SALES_N: i64 = DAYS * 86_400 / SALES_EVERY;

/// The `i`-th sample of `all`: 30 of 100 available, except the newest, a failed
/// connection.
pub fn all_sample(id: TargetId, now: i64, i: i64) -> Sample {
    let ts = now - DAYS * 86_400 + ALL_EVERY * i;
    if i == ALL_N - 1 {
        Sample::failed(id, ts, Outcome::Connect, Some(3))
    } else {
        Sample::ok(id, ts, 30, 100, Some(30))
    }
}

/// How many samples `all` has.
pub const ALL_N: i64 = DAYS * 86_400 / ALL_EVERY;

/// A database in a temporary directory with the fixture's history.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub now: i64,
    pub sales: TargetId,
    pub all: TargetId,
}

impl Fixture {
    /// The fixture with `now` = [`NOW`].
    pub fn new() -> Fixture {
        Fixture::at(NOW)
    }

    /// The fixture's history ending at `now`.
    pub fn at(now: i64) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("headcount.db");
        let (sales, all) = build(&db, now);
        Fixture {
            dir,
            db,
            now,
            sales,
            all,
        }
    }

    /// The server's state: New York time, default peak and thresholds, the clock
    /// stopped at `now`.
    pub fn state(&self) -> AppState {
        let now = self.now;
        AppState::new(&self.db, targets(), settings())
            .with_slas(slas())
            .with_clock(move || now)
    }

    pub fn app(&self) -> Router {
        headcount_web::app(self.state())
    }

    pub fn reader(&self) -> headcount_store::Reader {
        headcount_store::Reader::open(&self.db).unwrap()
    }
}

/// The configured SLAs: `sales`, at least 6 of `sales`' agents available Mon–Fri
/// 09:00–17:00, 95% of the time per week.
pub fn slas() -> Vec<headcount_config::SlaConfig> {
    vec![headcount_config::SlaConfig {
        name: "sales".to_owned(),
        target: "sales".to_owned(),
        condition: headcount_config::SlaCondition::parse("available >= 6").unwrap(),
        hours: headcount_config::Window::default(),
        objective: 95.0,
        period: headcount_config::Period::Week,
        unknown: headcount_config::Unknown::Excluded,
        line: 1,
    }]
}

pub fn settings() -> Settings {
    Settings::with_tz("America/New_York".parse().unwrap())
}

/// Writes the fixture's history into a new database at `db`.
pub fn build(db: &Path, now: i64) -> (TargetId, TargetId) {
    let mut store = Store::open(db).unwrap();
    let start = now - DAYS * 86_400;
    // History under filters the config no longer has: must never be shown.
    let old = store
        .ensure_target("sales", r#"{"campaign_id":"999"}"#, start - 86_400)
        .unwrap();
    let old_samples: Vec<Sample> = (0..100)
        .map(|i| Sample::ok(old, start - 86_400 + 60 * i, 7, 7, Some(9)))
        .collect();
    store.write_batch(&old_samples).unwrap();

    let sales = store
        .ensure_target("sales", r#"{"campaign_id":"111"}"#, start)
        .unwrap();
    let all = store.ensure_target("all", "{}", start).unwrap();
    let run = store.begin_run(start - 3600, 4242, "test").unwrap().id;
    let samples: Vec<Sample> = (0..SALES_N).map(|i| sales_sample(sales, now, i)).collect();
    for chunk in samples.chunks(5000) {
        store.write_batch(chunk).unwrap();
    }
    let samples: Vec<Sample> = (0..ALL_N).map(|i| all_sample(all, now, i)).collect();
    store.write_batch(&samples).unwrap();
    store.heartbeat(run, now - HEARTBEAT_AGO).unwrap();
    (sales, all)
}

/// The latency bucket (index into the store's bounds, then +Inf) a poll of `ms`
/// falls in, counted here by scanning the bounds rather than by the store's code.
pub fn bucket_of_ms(ms: u32) -> usize {
    for (i, &le) in LATENCY_BUCKETS_MS.iter().enumerate() {
        if ms <= le {
            return i;
        }
    }
    LATENCY_BUCKETS_MS.len()
}

/// A response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// The `param` of an error body.
    pub fn param(&self) -> Option<String> {
        self.json()["param"].as_str().map(str::to_owned)
    }
}

/// `GET uri` through the router, no socket.
pub async fn get(app: &Router, uri: &str) -> Resp {
    get_with(app, uri, &[]).await
}

/// `GET uri` with extra headers.
pub async fn get_with(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = Request::builder().uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

/// Percent-encodes a query value.
pub fn enc(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// `value` as the server's JSON reads back: serialized to text and parsed, as the
/// response was, so floats compare after the same round trip.
pub fn as_json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

/// Asserts equality, naming the first path where the two differ (bodies are long).
pub fn assert_same(got: &serde_json::Value, want: &serde_json::Value, ctx: &str) {
    fn walk(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Option<String> {
        use serde_json::Value::{Array, Object};
        match (a, b) {
            (Object(x), Object(y)) => {
                let keys: std::collections::BTreeSet<_> = x.keys().chain(y.keys()).collect();
                keys.into_iter().find_map(|k| {
                    let null = serde_json::Value::Null;
                    walk(
                        x.get(k).unwrap_or(&null),
                        y.get(k).unwrap_or(&null),
                        &format!("{path}.{k}"),
                    )
                })
            }
            (Array(x), Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| walk(p, q, &format!("{path}[{i}]"))),
            _ if a == b => None,
            _ => Some(format!("{path}: got {a}, want {b}")),
        }
    }
    if let Some(diff) = walk(got, want, "") {
        panic!("{ctx}: {}", &diff[..diff.len().min(400)]);
    }
}

/// The fixture's server on 127.0.0.1:0 with `limits`, stopped when dropped.
pub struct Served {
    pub addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    pub async fn start(f: &Fixture, limits: headcount_web::ServerLimits) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(headcount_web::serve(
            listener,
            f.state(),
            limits,
            async move {
                let _ = stopped.await;
            },
        ));
        Served {
            addr,
            stop: Some(stop),
            task,
        }
    }

    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(raw::PATIENCE, &mut self.task)
            .await
            .expect("the server stops")
            .unwrap();
    }
}
