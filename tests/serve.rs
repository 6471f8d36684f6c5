//! `headcount serve` against a database of known history (see `known/mod.rs`): every
//! kind of route answers with the hand-worked numbers, the API token guards all but
//! /healthz, SIGTERM stops it cleanly, and bad setups fail with a clear message.

mod common;
mod known;

use known::{FROM, Known, TO, TOKEN_ENV};
use serde_json::Value;

/// Starts `headcount serve` on the fixture; returns it and its base URL.
fn serve(k: &Known, envs: &[(&str, &str)]) -> (common::Running, String) {
    let mut server = common::spawn(&["serve", "--config", &k.config], envs);
    let base = common::url_in(&server.wait_for_line("dashboard: http://"));
    (server, base)
}

fn get_json(url: &str) -> Value {
    let resp = common::http().get(url).send().unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    resp.json().unwrap()
}

#[test]
fn every_kind_of_route_answers_with_the_known_numbers_and_sigterm_stops_it() {
    let k = Known::new();
    let (mut server, base) = serve(&k, &[]);
    let http = common::http();
    let range = format!("from={FROM}&to={TO}&tz=UTC");

    // The dashboard lists both configured targets.
    let resp = http.get(format!("{base}/")).send().unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = resp.text().unwrap();
    assert!(html.contains("sales") && html.contains("support"));

    let targets = get_json(&format!("{base}/api/v1/targets"));
    let names: Vec<&str> = targets
        .as_array()
        .or_else(|| targets["targets"].as_array())
        .expect("a list of targets")
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sales", "support"]);

    let latest = get_json(&format!("{base}/api/v1/targets/sales/latest"));
    let ts = chrono::DateTime::parse_from_rfc3339(latest["ts"].as_str().unwrap()).unwrap();
    assert_eq!(ts.timestamp(), known::T0 + 10 * 3600 + 59 * 60);
    assert_eq!(latest["outcome"], "ok");
    assert_eq!(
        (latest["available"].as_u64(), latest["logged_in"].as_u64()),
        (Some(10), Some(20))
    );
    assert_eq!(latest["available_pct"].as_f64(), Some(50.0));

    // Two hourly buckets: 3 of 20 (15%, monitor) then 10 of 20 (50%, healthy).
    let series = get_json(&format!(
        "{base}/api/v1/targets/sales/series?{range}&step=1h"
    ));
    let points = series["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    let summary: Vec<(u64, f64, f64, &str)> = points
        .iter()
        .map(|p| {
            (
                p["samples"].as_u64().unwrap(),
                p["available"]["avg"].as_f64().unwrap(),
                p["available_pct"].as_f64().unwrap(),
                p["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [(60, 3.0, 15.0, "monitor"), (60, 10.0, 50.0, "healthy")]
    );
    assert_eq!(series["downtime"], serde_json::json!([]));

    // 780 available of 2,400 logged in: 32.5%.
    let report = get_json(&format!("{base}/api/v1/targets/sales/report?{range}"));
    let s = &report["summary"];
    assert_eq!(s["samples"].as_u64(), Some(120));
    assert_eq!(s["available_pct"].as_f64(), Some(32.5));
    assert_eq!(s["utilization_pct"].as_f64(), Some(67.5));
    assert_eq!(s["state"], "healthy");
    assert_eq!(s["downtime_seconds"].as_i64(), Some(0));

    let resp = http
        .get(format!(
            "{base}/charts/sales/timeline.png?{range}&width=640&height=320"
        ))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let png = resp.bytes().unwrap();
    let info = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap()
        .info()
        .clone();
    assert_eq!((info.width, info.height), (640, 320));

    // /metrics: no collector has run for months, so the newest sample (10 of 20) is
    // history: its counts are left out rather than drawn flat, and its time is given.
    let resp = http.get(format!("{base}/metrics")).send().unwrap();
    assert_eq!(resp.status(), 200);
    let metrics = resp.text().unwrap();
    assert!(
        !metrics
            .lines()
            .any(|l| l.starts_with("headcount_available") && l.contains("target=\"sales\"")),
        "{metrics}"
    );
    let line = metrics
        .lines()
        .find(|l| {
            l.starts_with("headcount_sample_timestamp_seconds") && l.contains("target=\"sales\"")
        })
        .unwrap_or_else(|| panic!("no sample timestamp for sales in\n{metrics}"));
    assert_eq!(
        line.rsplit(' ').next().unwrap().parse::<f64>().unwrap(),
        (known::T0 + 10 * 3600 + 59 * 60) as f64
    );
    assert!(!metrics.contains("headcount_collector_ticks"), "{metrics}");

    let health = get_json(&format!("{base}/healthz"));
    assert_eq!(health["status"], "ok");
    assert_eq!(health["last_tick_age_seconds"], Value::Null);

    // A target configured but never collected: known, without samples.
    let resp = http
        .get(format!("{base}/api/v1/targets/support/latest"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = http
        .get(format!("{base}/api/v1/targets/nobody/latest"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 404);

    server.signal("TERM");
    assert_eq!(server.wait_exit(), Some(0), "SIGTERM is a clean stop");
}

#[test]
fn with_the_token_variable_set_requests_need_the_bearer_token() {
    let k = Known::new();
    let (mut server, base) = serve(&k, &[(TOKEN_ENV, "s3cret-token")]);
    let http = common::http();
    let url = format!("{base}/api/v1/targets/sales/latest");

    assert_eq!(http.get(&url).send().unwrap().status(), 401);
    let wrong = http.get(&url).bearer_auth("s3cret-tokeN").send().unwrap();
    assert_eq!(wrong.status(), 401);
    let right = http.get(&url).bearer_auth("s3cret-token").send().unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(
        right.json::<Value>().unwrap()["available"].as_u64(),
        Some(10)
    );
    for path in ["/", "/metrics", "/charts/sales/timeline.svg"] {
        let resp = http.get(format!("{base}{path}")).send().unwrap();
        assert_eq!(resp.status(), 401, "{path}");
    }
    // Health checks need no token: load balancers do not carry one.
    assert_eq!(
        http.get(format!("{base}/healthz")).send().unwrap().status(),
        200
    );

    server.signal("INT");
    assert_eq!(server.wait_exit(), Some(0), "Ctrl-C is a clean stop");
}

#[test]
fn a_token_variable_set_but_empty_is_a_config_error_naming_it() {
    let k = Known::new();
    let (code, stdout, stderr) = common::run(&["serve", "--config", &k.config], &[(TOKEN_ENV, "")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(TOKEN_ENV), "{stderr}");
    assert!(stderr.contains("empty"), "{stderr}");
    assert!(!stdout.contains("dashboard"), "{stdout}");
}

#[test]
fn a_missing_database_is_refused_with_a_hint_not_created() {
    let k = Known::new();
    std::fs::remove_file(&k.db).unwrap();
    let (code, _, stderr) = common::run(&["serve", "--config", &k.config], &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("headcount.db") && stderr.contains("not found"),
        "{stderr}"
    );
    assert!(!k.db.exists(), "serve must not create the database");
}

#[test]
fn a_busy_address_is_named_in_the_error() {
    let k = Known::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, _, stderr) = common::run(&["serve", "--config", &k.config, "--listen", &addr], &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&addr), "{stderr}");
}

#[test]
fn a_connection_left_open_mid_request_does_not_hold_the_stop() {
    use std::io::Write as _;
    let k = Known::new();
    let (mut server, base) = serve(&k, &[]);
    // A client that sent half a request and went quiet, and one idle after a
    // keep-alive request: neither may keep the server from stopping.
    let mut half = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let http = common::http();
    assert_eq!(
        http.get(format!("{base}/healthz")).send().unwrap().status(),
        200
    );

    server.signal("TERM");
    assert_eq!(server.wait_exit(), Some(0));
    drop(half);
}
