//! The planners' routes over HTTP: SLAs, readiness, several targets side by side and
//! their charts; each bad parameter refused naming it.

mod common;

use axum::http::StatusCode;
use common::{Fixture, as_json, assert_same, get, settings, slas};
use headcount_query::{Params, ReadinessParams, SlaParams};

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().expect("a PNG");
    let info = reader.info();
    (info.width, info.height)
}

#[tokio::test]
async fn slas_are_listed_with_their_current_period() {
    let f = Fixture::new();
    let r = get(&f.app(), "/api/v1/slas").await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    let list = body.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "sales");
    assert_eq!(list[0]["condition"], "available >= 6");
    assert_eq!(list[0]["period"], "week");
    assert_eq!(list[0]["unknown"], "excluded");
    // Now is Friday 2026-11-20 10:00 in New York: the week from Monday Nov 16.
    let cur = &list[0]["current"];
    assert_eq!(cur["start"], "2026-11-16T00:00:00-05:00");
    // Available cycles 0..=12 of 50 a minute: 7 of 13 values meet `>= 6`, so about
    // 53.8% so far, far below 95%: the budget is spent, the week already missed.
    let c = cur["compliance"].as_f64().unwrap();
    assert!((c - 700.0 / 13.0).abs() < 1.0, "{c}");
    assert_eq!(cur["status"], "missed");
    assert!(cur["budget_left_seconds"].as_f64().unwrap() < 0.0);
    // The window of a whole week is 5 × 8 hours.
    assert_eq!(cur["window_seconds"], 144_000.0);
}

#[tokio::test]
async fn the_sla_report_is_the_query_crates() {
    let f = Fixture::new();
    let r = get(
        &f.app(),
        "/api/v1/slas/sales/report?from=now-14d&period=day",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let sla = &slas()[0];
    let q = SlaParams {
        from: Some("now-14d"),
        to: None,
        period: Some("day"),
    }
    .query(sla, &settings(), f.now)
    .unwrap();
    let reader = f.reader();
    let id = headcount_query::SeriesRef {
        id: f.sales,
        name: "sales",
    };
    let want = headcount_query::sla_report(&reader, id, sla, &settings(), &q).unwrap();
    assert_same(&r.json(), &as_json(&want), "sla report");
    assert_eq!(want.periods.len(), 15);
}

#[tokio::test]
async fn bad_sla_parameters_are_400_naming_them_and_unknown_slas_404() {
    let f = Fixture::new();
    let app = f.app();
    for (query, param) in [
        ("period=year", "period"),
        ("from=soon", "from"),
        ("to=later", "to"),
        ("from=now&to=now-1d", "from"),
        ("from=2020-01-01", "from"),
        ("tz=UTC", "tz"),
        ("period=day&period=week", "period"),
    ] {
        let r = get(&app, &format!("/api/v1/slas/sales/report?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text());
        assert_eq!(r.param().as_deref(), Some(param), "{query}");
    }
    let r = get(&app, "/api/v1/slas/nope/report").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.param().as_deref(), Some("name"));
    let r = get(&app, "/api/v1/slas?x=1").await;
    assert_eq!(r.param().as_deref(), Some("x"));
}

#[tokio::test]
async fn readiness_answers_from_the_forecast() {
    let f = Fixture::new();
    let r = get(
        &f.app(),
        "/api/v1/targets/sales/readiness?at=now%2B1d&need=5",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let q = ReadinessParams {
        at: Some("now+1d"),
        need: Some("5"),
        need_pct: None,
    }
    .query(&settings(), f.now)
    .unwrap();
    let reader = f.reader();
    let id = headcount_query::SeriesRef {
        id: f.sales,
        name: "sales",
    };
    let want = headcount_query::readiness(&reader, id, &settings(), &q).unwrap();
    assert_same(&r.json(), &as_json(&want), "readiness");
    // 8 days of history: one week back has the hour, not enough for a verdict.
    assert_eq!(r.json()["verdict"], "unknown");
}

#[tokio::test]
async fn bad_readiness_parameters_are_400_naming_them() {
    let f = Fixture::new();
    let app = f.app();
    for (query, param) in [
        ("need=5", "at"),
        ("at=someday&need=5", "at"),
        ("at=now-1h&need=5", "at"),
        ("at=now%2B8d&need=5", "at"),
        ("at=now%2B1d", "need"),
        ("at=now%2B1d&need=five", "need"),
        ("at=now%2B1d&need=5&need_pct=10", "need"),
        ("at=now%2B1d&need_pct=150", "need_pct"),
        ("at=now%2B1d&need=5&horizon=3", "horizon"),
    ] {
        let r = get(&app, &format!("/api/v1/targets/sales/readiness?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text());
        assert_eq!(r.param().as_deref(), Some(param), "{query}");
    }
    let r = get(&app, "/api/v1/targets/nope/readiness?at=now&need=1").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn several_targets_share_the_single_series_buckets() {
    let f = Fixture::new();
    let r = get(
        &f.app(),
        "/api/v1/series?targets=sales,all&measure=available&from=now-2d&step=1h",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let body = r.json();
    let lines = body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["target"], "all");
    let single = get(&f.app(), "/api/v1/targets/all/series?from=now-2d&step=1h")
        .await
        .json();
    let points = single["points"].as_array().unwrap();
    assert_eq!(body["starts"].as_array().unwrap().len(), points.len());
    for (i, p) in points.iter().enumerate() {
        assert_eq!(body["starts"][i], p["start"]);
        assert_eq!(lines[1]["values"][i], p["available"]["avg"], "bucket {i}");
    }
    // Every configured target resolves, even one with no history yet.
    let params = Params {
        from: Some("now-2d"),
        step: Some("1h"),
        ..Params::default()
    };
    params.series(&settings(), f.now).unwrap();
    let r = get(&f.app(), "/api/v1/series?targets=quiet").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.json()["lines"][0]["values"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v.is_null())
    );
}

#[tokio::test]
async fn bad_compare_parameters_are_400_naming_them() {
    let f = Fixture::new();
    let app = f.app();
    let thirteen = "sales,all,quiet,a,b,c,d,e,f,g,h,i,j";
    for (query, param) in [
        ("", "targets"),
        ("targets=", "targets"),
        (&format!("targets={thirteen}")[..], "targets"),
        ("targets=sales,nope", "targets"),
        ("targets=sales,,all", "targets"),
        ("targets=sales,sales", "targets"),
        ("targets=sales&measure=p95", "measure"),
        ("targets=sales&step=2h", "step"),
        ("targets=sales&from=x", "from"),
        ("targets=sales&tz=Mars/Base", "tz"),
        ("targets=sales&width=10", "width"),
    ] {
        let r = get(&app, &format!("/api/v1/series?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text());
        assert_eq!(r.param().as_deref(), Some(param), "{query}");
    }
    let r = get(&app, &format!("/charts/compare.png?targets={thirteen}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.param().as_deref(), Some("targets"));
    assert!(r.text().contains("at most 12"), "{}", r.text());
}

#[tokio::test]
async fn sla_and_compare_charts_are_pictures() {
    let f = Fixture::new();
    let app = f.app();
    for uri in [
        "/charts/sales/sla.png?from=now-28d&width=640&height=320",
        "/charts/sales/sla.png?period=day&theme=dark&width=640&height=320",
        "/charts/compare.png?targets=sales,all&measure=utilization_pct&width=640&height=320",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
        assert_eq!(r.content_type(), "image/png");
        assert_eq!(png_size(&r.body), (640, 320), "{uri}");
    }
    for uri in [
        "/charts/sales/sla.svg",
        "/charts/compare.svg?targets=sales,all&theme=dark",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_eq!(r.content_type(), "image/svg+xml");
        roxmltree::Document::parse(&r.text()).unwrap();
    }
    for (uri, status, param) in [
        ("/charts/nope/sla.png", StatusCode::NOT_FOUND, "name"),
        ("/charts/sales/sla.gif", StatusCode::NOT_FOUND, "format"),
        (
            "/charts/compare.gif?targets=sales",
            StatusCode::NOT_FOUND,
            "format",
        ),
        (
            "/charts/pie.png?targets=sales",
            StatusCode::NOT_FOUND,
            "file",
        ),
        (
            "/charts/sales/sla.png?period=year",
            StatusCode::BAD_REQUEST,
            "period",
        ),
        (
            "/charts/sales/sla.png?theme=blue",
            StatusCode::BAD_REQUEST,
            "theme",
        ),
        (
            "/charts/compare.png?targets=sales&measure=x",
            StatusCode::BAD_REQUEST,
            "measure",
        ),
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, status, "{uri}: {}", r.text());
        assert_eq!(r.param().as_deref(), Some(param), "{uri}");
    }
}
