//! The JSON API and the CSV: statuses, content types, and numbers that agree with the
//! query crate called directly.

mod common;

use axum::http::StatusCode;
use common::{ALL_EVERY, Fixture, NOW, SALES_N, enc, get, sales_sample, settings};
use headcount_query::{Params, SeriesRef};
use headcount_store::Reads;

fn sales(f: &Fixture) -> SeriesRef<'static> {
    SeriesRef {
        id: f.sales,
        name: "sales",
    }
}

#[tokio::test]
async fn targets_lists_every_configured_target_with_its_latest_sample() {
    let f = Fixture::new();
    let r = get(&f.app(), "/api/v1/targets").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "application/json");
    let v = r.json();
    let list = v.as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["sales", "all", "quiet"]);

    let s = &list[0];
    assert_eq!(s["filters"], serde_json::json!({"campaign_id": "111"}));
    assert_eq!(s["filters_display"], "campaign_id=111");
    assert_eq!(s["schedule"], "0 * * * * *");
    // The newest sales sample: i = SALES_N - 1, a minute ago, ok, 1 of 50 (2%).
    let last = SALES_N - 1;
    assert_eq!(last % 13, 1);
    assert_eq!(s["latest"]["age_seconds"], 60);
    assert_eq!(s["latest"]["available"], 1);
    assert_eq!(s["latest"]["logged_in"], 50);
    assert_eq!(s["latest"]["outcome"], "ok");
    assert_eq!(s["latest"]["ts"], "2026-11-20T09:59:00-05:00");
    assert_eq!(s["state"], "critical");
    let pct = s["latest"]["available_pct"].as_f64().unwrap();
    assert!((pct - 2.0).abs() < 1e-9, "{pct}");

    let a = &list[1];
    assert_eq!(a["filters"], serde_json::json!({}));
    assert_eq!(a["latest"]["outcome"], "connect");
    assert_eq!(a["latest"]["available"], serde_json::Value::Null);
    assert_eq!(a["latest"]["age_seconds"], ALL_EVERY);
    assert_eq!(a["state"], serde_json::Value::Null);

    let q = &list[2];
    assert_eq!(q["latest"], serde_json::Value::Null);
    assert_eq!(q["state"], serde_json::Value::Null);
}

#[tokio::test]
async fn latest_agrees_with_the_query_crate_and_takes_a_zone() {
    let f = Fixture::new();
    let app = f.app();
    let r = get(&app, "/api/v1/targets/sales/latest").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "application/json");
    let reader = f.reader();
    let s = settings();
    let want = headcount_query::latest(&reader, sales(&f), NOW, s.tz, &s.thresholds)
        .unwrap()
        .unwrap();
    common::assert_same(&r.json(), &common::as_json(&want), "latest");

    let r = get(&app, "/api/v1/targets/sales/latest?tz=Asia%2FKolkata").await;
    assert_eq!(r.json()["ts"], "2026-11-20T20:29:00+05:30");

    // A configured target without a sample yet, and an unknown one.
    let r = get(&app, "/api/v1/targets/quiet/latest").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.param().as_deref(), Some("name"));
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("no samples yet")
    );
    let r = get(&app, "/api/v1/targets/nope/latest").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "unknown target \"nope\"");
}

#[tokio::test]
async fn series_agrees_with_the_query_crate() {
    let f = Fixture::new();
    let app = f.app();
    let reader = f.reader();
    for (query, params) in [
        ("", Params::default()),
        (
            "from=now-3d&step=1h",
            Params {
                from: Some("now-3d"),
                step: Some("1h"),
                ..Params::default()
            },
        ),
        (
            "from=2026-11-15&to=2026-11-19&tz=Europe%2FParis&step=1d",
            Params {
                from: Some("2026-11-15"),
                to: Some("2026-11-19"),
                tz: Some("Europe/Paris"),
                step: Some("1d"),
                ..Params::default()
            },
        ),
        (
            "from=now-2h&step=1m",
            Params {
                from: Some("now-2h"),
                step: Some("1m"),
                ..Params::default()
            },
        ),
    ] {
        let r = get(&app, &format!("/api/v1/targets/sales/series?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text());
        assert_eq!(r.content_type(), "application/json");
        let q = params.series(&settings(), NOW).unwrap();
        let want = headcount_query::series(&reader, sales(&f), &q).unwrap();
        common::assert_same(&r.json(), &common::as_json(&want), query);
    }

    // Hand-checked numbers: the hour 09:00-10:00 New York on the 20th is i from
    // SALES_N - 60 to SALES_N - 1; those with i = 50 mod 97 timed out.
    let r = get(
        &app,
        "/api/v1/targets/sales/series?from=2026-11-20T09:00&to=2026-11-20T10:00&step=1h",
    )
    .await;
    let v = r.json();
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 1);
    let p = &points[0];
    let ok: Vec<i64> = (SALES_N - 60..SALES_N).filter(|i| i % 97 != 50).collect();
    assert_eq!(ok.len(), 59);
    let sum: i64 = ok.iter().map(|i| i % 13).sum();
    assert_eq!(p["samples"], 59);
    assert_eq!(p["failed"], 1);
    assert_eq!(p["logged_in"]["avg"], 50.0);
    let avg = p["available"]["avg"].as_f64().unwrap();
    assert!((avg - sum as f64 / 59.0).abs() < 1e-9, "{avg}");
    let pct = p["available_pct"].as_f64().unwrap();
    assert!(
        (pct - 100.0 * sum as f64 / (59.0 * 50.0)).abs() < 1e-9,
        "{pct}"
    );
    assert_eq!(p["start"], "2026-11-20T09:00:00-05:00");
}

#[tokio::test]
async fn a_target_without_data_has_empty_buckets_and_an_empty_report() {
    let f = Fixture::new();
    let app = f.app();
    let r = get(&app, "/api/v1/targets/quiet/series?from=now-6h&step=1h").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let points = v["points"].as_array().unwrap();
    assert!(points.len() >= 6);
    assert!(points.iter().all(|p| p["samples"] == 0 && p["failed"] == 0));
    let r = get(&app, "/api/v1/targets/quiet/report").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["summary"]["samples"], 0);
    let r = get(&app, "/api/v1/targets/quiet/samples.csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text(), "ts,time,outcome,available,logged_in,latency_ms\n");
}

#[tokio::test]
async fn report_agrees_with_the_query_crate() {
    let f = Fixture::new();
    let app = f.app();
    let reader = f.reader();
    for (query, params) in [
        ("", Params::default()),
        (
            "from=now-7d&compare=1d&horizon=48",
            Params {
                from: Some("now-7d"),
                compare: Some("1d"),
                horizon: Some("48"),
                ..Params::default()
            },
        ),
        (
            "from=2026-11-16&to=2026-11-20&tz=UTC",
            Params {
                from: Some("2026-11-16"),
                to: Some("2026-11-20"),
                tz: Some("UTC"),
                ..Params::default()
            },
        ),
    ] {
        let r = get(&app, &format!("/api/v1/targets/sales/report?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text());
        assert_eq!(r.content_type(), "application/json");
        let q = params.report(&settings(), NOW).unwrap();
        let want = headcount_query::report(&reader, sales(&f), &q).unwrap();
        common::assert_same(&r.json(), &common::as_json(&want), query);
    }
    // By hand: over the whole history, the failures are the i = 50 mod 97.
    let r = get(&app, "/api/v1/targets/sales/report?from=now-8d").await;
    let v = r.json();
    let failed = (0..SALES_N).filter(|i| i % 97 == 50).count();
    assert_eq!(v["summary"]["failed"], failed);
    assert_eq!(v["summary"]["samples"], SALES_N as usize - failed);
    assert_eq!(v["summary"]["available"]["min"], 0);
    assert_eq!(v["summary"]["available"]["max"], 12);
}

#[tokio::test]
async fn samples_csv_lists_the_raw_samples_of_the_range() {
    let f = Fixture::new();
    let app = f.app();
    let r = get(
        &app,
        "/api/v1/targets/sales/samples.csv?from=now-2h&to=now-1h&tz=America%2FNew_York",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "text/csv; charset=utf-8");
    let text = r.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "ts,time,outcome,available,logged_in,latency_ms");
    assert_eq!(lines.len(), 1 + 60);
    // The first row is the sample at now - 2 h: i = SALES_N - 120.
    let i = SALES_N - 120;
    let s = sales_sample(f.sales, NOW, i);
    assert_eq!(s.ts, NOW - 7200);
    assert_eq!(
        lines[1],
        format!(
            "{},2026-11-20T08:00:00-05:00,ok,{},50,{}",
            NOW - 7200,
            i % 13,
            s.latency_ms.unwrap()
        )
    );
    // Every row as the store holds it, in order.
    let want = f.reader().samples(f.sales, NOW - 7200, NOW - 3600).unwrap();
    for (line, s) in lines[1..].iter().zip(&want) {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols[0], s.ts.to_string());
        assert_eq!(cols[2], s.outcome.as_str());
        assert_eq!(
            cols[3],
            s.available.map(|v| v.to_string()).unwrap_or_default()
        );
        assert_eq!(
            cols[5],
            s.latency_ms.map(|v| v.to_string()).unwrap_or_default()
        );
    }

    // A failure shows its outcome with empty counts; the whole history streams out.
    let r = get(&app, "/api/v1/targets/sales/samples.csv?from=now-8d").await;
    let text = r.text();
    assert_eq!(text.lines().count() as i64, 1 + SALES_N);
    // The first failure is i = 50: line 51 after the header.
    let line = text.lines().nth(1 + 50).unwrap();
    assert!(line.ends_with(",timeout,,,5000"), "{line}");

    let r = get(&app, "/api/v1/targets/all/samples.csv?from=now-1h").await;
    let text = r.text();
    let last = text.lines().last().unwrap();
    assert!(last.ends_with(",connect,,,3"), "{last}");
    assert_eq!(text.lines().count(), 1 + 4);
}

/// Every parameter with a bad value is refused with 400 naming it, on every route
/// that takes it; unknown and repeated names too.
#[tokio::test]
async fn bad_parameters_are_refused_by_name() {
    let f = Fixture::new();
    let app = f.app();
    let bad: &[(&str, &str)] = &[
        ("from", "yesterday"),
        ("from", "2026-13-01"),
        ("from", "now+3d"), // after `to` (now)
        ("to", "not-a-time"),
        ("tz", "Mars/Olympus"),
        ("step", "7m"),
        ("compare", "0d"),
        ("compare", "week"),
        ("horizon", "169"),
        ("horizon", "-1"),
        ("width", "wide"),
        ("width", "10px"),
        ("height", "1.5"),
        ("theme", "neon"),
        ("form", "now-1h"),
        ("", "x"),
    ];
    let routes: &[(&str, &[&str])] = &[
        (
            "/api/v1/targets/sales/series",
            &["from", "to", "tz", "step"],
        ),
        (
            "/api/v1/targets/sales/report",
            &["from", "to", "tz", "compare", "horizon"],
        ),
        ("/api/v1/targets/sales/samples.csv", &["from", "to", "tz"]),
        (
            "/charts/sales/timeline.png",
            &[
                "from", "to", "tz", "step", "horizon", "width", "height", "theme", "legend",
            ],
        ),
        ("/api/v1/targets/sales/latest", &["tz"]),
        ("/api/v1/targets", &["tz"]),
    ];
    for (route, takes) in routes {
        for (name, value) in bad {
            let r = get(&app, &format!("{route}?{name}={}", enc(value))).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{route} {name}={value}");
            assert_eq!(r.content_type(), "application/json");
            // A name the route does not take is refused as unknown, by its name too.
            assert_eq!(r.param().as_deref(), Some(*name), "{route} {name}={value}");
            if !takes.contains(name) {
                let msg = r.json()["error"].as_str().unwrap().to_owned();
                assert!(msg.contains("unknown parameter"), "{route} {name}: {msg}");
            }
        }
        if let Some(first) = takes.first() {
            let r = get(&app, &format!("{route}?{first}=now-1h&{first}=now-2h")).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{route} repeated");
            assert_eq!(r.param().as_deref(), Some(*first));
            assert!(
                r.json()["error"]
                    .as_str()
                    .unwrap()
                    .contains("more than once")
            );
        }
    }
    // The parameter is named once, in front of the message, as "subject: cause".
    let r = get(&app, "/api/v1/targets/sales/series?from=yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        serde_json::json!({
            "error": "from: expected RFC 3339 (2026-11-20T09:00:00-05:00), a local date \
                      (2026-11-20), unix seconds (1795000000, fractions allowed), unix \
                      milliseconds (1795000000000, 13 digits, as Grafana sends), or now, \
                      now-24h, now-7d (units s, m, h, d, w); got \"yesterday\"",
            "param": "from",
        })
    );
    let r = get(&app, "/api/v1/targets/sales/report?tz=Mars%2FOlympus").await;
    let msg = r.json()["error"].as_str().unwrap().to_owned();
    assert!(msg.starts_with("tz: unknown time zone"), "{msg}");
    assert_eq!(msg.matches("tz:").count(), 1, "{msg}");
    // Too many buckets, and a report longer than 731 days, name the parameter to change.
    let r = get(&app, "/api/v1/targets/sales/series?from=now-30d&step=1m").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.param().as_deref(), Some("step"));
    let r = get(&app, "/api/v1/targets/sales/report?from=2020-01-01").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.param().as_deref(), Some("from"));
    // Routes without parameters refuse any.
    for route in ["/metrics", "/healthz", "/api/openapi.json"] {
        let r = get(&app, &format!("{route}?x=1")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{route}");
        assert_eq!(r.param().as_deref(), Some("x"));
    }
    // The HTML pages answer a bad address with a page naming the parameter, as their
    // OpenAPI entries say (text/html).
    for uri in [
        "/?x=1",
        "/targets/sales?x=1",
        "/targets/sales?from=now-1h&from=now-2h",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(r.content_type().starts_with("text/html"), "{uri}");
        let page = r.text();
        let named = if uri.contains("x=1") {
            "x: unknown parameter"
        } else {
            "from: given more than once"
        };
        assert!(page.contains(named), "{uri}: {page}");
    }
    // `legend` takes true or false (empty is the default).
    let r = get(&app, "/charts/sales/timeline.png?legend=maybe").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.param().as_deref(), Some("legend"));
    for ok in ["true", "false", ""] {
        let r = get(&app, &format!("/charts/sales/timeline.svg?legend={ok}")).await;
        assert_eq!(r.status, StatusCode::OK, "legend={ok}");
    }
}

#[tokio::test]
async fn ranges_older_than_the_raw_retention_take_15_minutes_or_more() {
    let f = Fixture::new();
    let settings = headcount_query::Settings {
        raw_retention: Some(35 * 86_400),
        ..settings()
    };
    let now = NOW;
    let app = headcount_web::app(
        headcount_web::AppState::new(&f.db, common::targets(), settings).with_clock(move || now),
    );
    let old = "/api/v1/targets/sales/series?from=now-40d&to=now-39d";
    // auto picks 15m there, where a day within the retention gets 5m.
    let r = get(&app, old).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["step"], "15m");
    let r = get(&app, "/api/v1/targets/sales/series?from=now-2d&to=now-1d").await;
    assert_eq!(r.json()["step"], "5m");
    // An explicit 1m or 5m is refused, naming step, with the way out.
    for step in ["1m", "5m"] {
        let r = get(&app, &format!("{old}&step={step}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            r.json(),
            serde_json::json!({
                "error": format!(
                    "step: raw samples are kept for 35d; use step=15m or more for ranges \
                     older than that (got {step})"
                ),
                "param": "step",
            })
        );
    }
    let r = get(&app, &format!("{old}&step=15m")).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_collector_silent_too_long_shows_downtime_up_to_the_servers_now() {
    // The fixture's collector run has no stop and last beat 20 s before NOW.
    let f = Fixture::new();
    let downtime = |now: i64| {
        let app = headcount_web::app(
            headcount_web::AppState::new(&f.db, common::targets(), settings())
                .with_clock(move || now),
        );
        async move {
            let r = get(&app, "/api/v1/targets/sales/report?from=now-1h").await;
            assert_eq!(r.status, StatusCode::OK);
            r.json()["summary"]["downtime_seconds"].clone()
        }
    };
    // At NOW it is alive.
    assert_eq!(downtime(NOW).await, 0);
    // Ten minutes later, silent for 620 s (past the 120 s limit): down since its
    // last heartbeat, up to the server's now and not past it.
    assert_eq!(downtime(NOW + 600).await, 620);
}

#[tokio::test]
async fn unknown_targets_are_404_everywhere() {
    let f = Fixture::new();
    let app = f.app();
    for route in [
        "/api/v1/targets/nope/latest",
        "/api/v1/targets/nope/series",
        "/api/v1/targets/nope/report",
        "/api/v1/targets/nope/samples.csv",
        "/charts/nope/timeline.png",
        // Percent-encoded names are decoded before the lookup.
        "/api/v1/targets/sa%20les/latest",
    ] {
        let r = get(&app, route).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{route}");
        assert_eq!(r.param().as_deref(), Some("name"), "{route}");
    }
    // Invalid UTF-8 in the name is a bad parameter, not a server error.
    let r = get(&app, "/api/v1/targets/%FF/latest").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.param().as_deref(), Some("name"));
    let r = get(&app, "/api/v2/nothing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The dashboard's page answers 404 too, as HTML (tests/dashboard.rs).
    assert_eq!(
        get(&app, "/targets/nope").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn json_is_gzipped_for_clients_that_ask_and_png_is_not() {
    let f = Fixture::new();
    let app = f.app();
    let gz = [("accept-encoding", "gzip")];
    let r = common::get_with(&app, "/api/v1/targets/sales/report", &gz).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("content-encoding").unwrap(), "gzip");
    let r = common::get_with(&app, "/charts/sales/timeline.png?width=200&height=100", &gz).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get("content-encoding").is_none());
    let r = common::get_with(&app, "/charts/sales/timeline.svg?width=200&height=100", &gz).await;
    assert_eq!(r.status, StatusCode::OK);
    // SVG is text: compressed unless tiny.
    if r.body.len() > 32 {
        assert_eq!(r.headers.get("content-encoding").unwrap(), "gzip");
    }
}
