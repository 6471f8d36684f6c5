//! The Grafana dashboards of `deploy/grafana/` parse, and name only what exists: every
//! series a PromQL expression of the remote-write dashboard names is one headcount
//! sends (`headcount_export::series`) or serves on `/metrics`, and every query of the
//! JSON API dashboard, with Grafana's variables filled in as Grafana does (unix
//! milliseconds for `${__from}`), is answered 200 by the server with the fields its
//! columns select.

use std::collections::BTreeSet;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use headcount_config::Config;
use headcount_store::{Outbox, Sample, Store};
use serde_json::Value;
use tower::ServiceExt as _;

fn dashboard(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy/grafana")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        v["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{name}: a title"
    );
    assert!(v["uid"].as_str().is_some(), "{name}: a uid");
    assert!(
        !v["panels"].as_array().unwrap().is_empty(),
        "{name}: panels"
    );
    v
}

/// Every query target of every panel.
fn targets(d: &Value) -> Vec<&Value> {
    d["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap())
        .collect()
}

/// The `headcount_*` names in a PromQL expression.
fn series_names(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("headcount_") {
        let name: String = rest[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[i + name.len()..];
        out.push(name);
    }
    out
}

const NOW: i64 = 1_795_453_200;

/// A database with two targets, a day of samples and an export that ran, and a
/// server on it.
fn server(dir: &Path) -> axum::Router {
    let text = r#"
[upstream]
base_url = "http://127.0.0.1:9/v1"
[storage]
path = "h.db"
[[target]]
name = "all"
[[target]]
name = "sales"
campaign_id = 111
"#;
    let config = Config::parse(text, dir).unwrap();
    let mut store = Store::open(&config.storage.path).unwrap();
    store.set_export_log(true);
    for t in &config.targets {
        let id = store
            .ensure_target(&t.name, &t.filters_json(), NOW - 86_400)
            .unwrap();
        let samples: Vec<Sample> = (0..1440)
            .map(|k| Sample::ok(id, NOW - 86_400 + 60 * k, 5 + (k % 7) as u32, 30, Some(20)))
            .collect();
        store.write_batch(&samples).unwrap();
    }
    let mut outbox = Outbox::open(&config.storage.path).unwrap();
    let b = outbox.next(10).unwrap();
    outbox.ack(&b.end, 10, 0, NOW).unwrap();
    headcount_web::app(headcount_web::AppState::from_config(&config).with_clock(|| NOW))
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Vec<u8>) {
    let resp = app
        .clone()
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (status, body)
}

#[tokio::test]
async fn the_remote_write_dashboard_names_only_series_headcount_sends_or_serves() {
    let d = dashboard("headcount-remote-write.json");
    let dir = tempfile::tempdir().unwrap();
    let app = server(dir.path());
    let (status, body) = get(&app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let metrics = String::from_utf8(body).unwrap();
    let mut known: BTreeSet<String> = headcount_export::series::RAW_SERIES
        .iter()
        .chain(&headcount_export::series::ROLLUP_SERIES)
        .map(|s| (*s).to_owned())
        .collect();
    known.extend(
        metrics
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .filter_map(|l| l.split(' ').next())
            .map(str::to_owned),
    );
    assert!(
        known.contains("headcount_remote_write_samples_pending"),
        "{known:?}"
    );
    let mut exprs: Vec<String> = targets(&d)
        .iter()
        .map(|t| t["expr"].as_str().expect("a PromQL expr").to_owned())
        .collect();
    exprs.extend(
        d["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["type"] == "query")
            .map(|v| v["query"].as_str().unwrap().to_owned()),
    );
    let mut used = BTreeSet::new();
    for expr in &exprs {
        for name in series_names(expr) {
            assert!(
                known.contains(&name),
                "{expr}: {name} is not a series headcount has"
            );
            used.insert(name);
        }
    }
    // The dashboard shows every series remote write sends.
    for s in headcount_export::series::RAW_SERIES
        .iter()
        .chain(&headcount_export::series::ROLLUP_SERIES)
    {
        assert!(used.contains(*s), "{s} is on no panel");
    }
}

/// The value at a dotted path (`latest.available`), if every step exists.
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.').try_fold(v, |v, key| v.get(key))
}

#[tokio::test]
async fn every_json_api_query_is_answered_with_the_fields_its_columns_select() {
    let d = dashboard("headcount-json-api.json");
    let dir = tempfile::tempdir().unwrap();
    let app = server(dir.path());
    let vars = d["templating"]["list"].as_array().unwrap();
    let names: Vec<String> = vars.iter().find(|v| v["name"] == "target").unwrap()["query"]
        .as_str()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    // Grafana's ${__from} and ${__to}: unix milliseconds, 13 digits.
    let (from_ms, to_ms) = ((NOW - 7 * 86_400) * 1000, NOW * 1000);
    let routes = headcount_web::routes();
    for t in targets(&d) {
        let url = t["url"].as_str().unwrap();
        let path = url
            .strip_prefix("${headcount}")
            .unwrap_or_else(|| panic!("{url}: starts with the ${{headcount}} variable"));
        let route = path
            .split('?')
            .next()
            .unwrap()
            .replace("${target}", "{name}");
        assert!(
            routes.iter().any(|(m, p)| *m == "GET" && *p == route),
            "{url}: no route {route}"
        );
        for name in &names {
            let uri = path
                .replace("${target}", name)
                .replace("${__from}", &from_ms.to_string())
                .replace("${__to}", &to_ms.to_string());
            let (status, body) = get(&app, &uri).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{uri}: {}",
                String::from_utf8_lossy(&body)
            );
            let answer: Value = serde_json::from_slice(&body).unwrap();
            let root = at(&answer, t["root_selector"].as_str().unwrap())
                .unwrap_or_else(|| panic!("{uri}: no {}", t["root_selector"]));
            let rows: Vec<&Value> = match root {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            assert!(!rows.is_empty(), "{uri}: no rows");
            for c in t["columns"].as_array().unwrap() {
                let sel = c["selector"].as_str().unwrap();
                assert!(
                    rows.iter()
                        .any(|r| at(r, sel).is_some_and(|v| !v.is_null())),
                    "{uri}: no row has {sel}"
                );
            }
        }
    }
}
