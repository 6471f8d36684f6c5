//! Charts over HTTP: PNG decodes to the requested size, SVG parses as XML, and bad
//! kinds, formats and options are refused by name.

mod common;

use axum::http::StatusCode;
use common::{Fixture, get};

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().expect("a PNG");
    let info = reader.info();
    (info.width, info.height)
}

#[tokio::test]
async fn every_kind_is_a_png_of_the_requested_size() {
    let f = Fixture::new();
    let app = f.app();
    for kind in ["timeline", "utilization", "heatmap", "peak", "trend"] {
        let r = get(
            &app,
            &format!("/charts/sales/{kind}.png?from=now-7d&width=640&height=320&theme=dark"),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{kind}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.content_type(), "image/png");
        assert_eq!(png_size(&r.body), (640, 320), "{kind}");
    }
    // Defaults, the limits themselves, and sizes beyond them refused by name (as the
    // OpenAPI document's minimum and maximum say).
    let r = get(&app, "/charts/sales/timeline.png").await;
    assert_eq!(png_size(&r.body), (1000, 500));
    let r = get(&app, "/charts/sales/heatmap.png?width=200&height=4000").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(png_size(&r.body), (200, 4000));
    let r = get(&app, "/charts/sales/heatmap.png?width=4000&height=100").await;
    assert_eq!(png_size(&r.body), (4000, 100));
    for (query, param) in [
        ("width=199", "width"),
        ("width=4001", "width"),
        ("width=99999999999", "width"),
        ("height=99", "height"),
        ("height=99999", "height"),
    ] {
        let r = get(&app, &format!("/charts/sales/heatmap.png?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(r.param().as_deref(), Some(param), "{query}");
    }
    // A size that is not a number is refused with that parameter's own bounds.
    for (param, bounds) in [
        ("width", "from 200 to 4000"),
        ("height", "from 100 to 4000"),
    ] {
        let r = get(&app, &format!("/charts/sales/timeline.png?{param}=12px")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.param().as_deref(), Some(param));
        let msg = r.json()["error"].as_str().unwrap().to_owned();
        assert!(
            msg.contains(&format!("a whole number of pixels {bounds}")),
            "{msg}"
        );
        assert!(msg.contains("\"12px\""), "{msg}");
    }
    // A range too long for a chart says so in a chart's words.
    let r = get(&app, "/charts/sales/heatmap.png?from=now-800d").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let msg = r.json()["error"].as_str().unwrap().to_owned();
    assert!(
        msg.contains("reports and charts cover at most 731 days at once; this range is 800 days"),
        "{msg}"
    );
    // A target without data still draws (an empty chart).
    let r = get(&app, "/charts/quiet/trend.png?width=300&height=200").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(png_size(&r.body), (300, 200));
}

#[tokio::test]
async fn every_kind_is_an_svg_that_parses() {
    let f = Fixture::new();
    let app = f.app();
    for kind in ["timeline", "utilization", "heatmap", "peak", "trend"] {
        let r = get(
            &app,
            &format!("/charts/sales/{kind}.svg?width=800&height=400"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{kind}");
        assert_eq!(r.content_type(), "image/svg+xml");
        let text = r.text();
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{kind}");
        let num = |a: &str| {
            root.attribute(a)
                .and_then(|v| v.trim_end_matches("px").parse::<f64>().ok())
        };
        assert_eq!(num("width"), Some(800.0), "{kind}");
        assert_eq!(num("height"), Some(400.0), "{kind}");
    }
}

#[tokio::test]
async fn unknown_kinds_and_formats_are_404_by_name() {
    let f = Fixture::new();
    let app = f.app();
    for (path, param) in [
        ("/charts/sales/pie.png", "kind"),
        ("/charts/sales/timeline.gif", "format"),
        ("/charts/sales/timeline", "format"),
        ("/charts/sales/TIMELINE.png", "kind"),
    ] {
        let r = get(&app, path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.param().as_deref(), Some(param), "{path}");
    }
    // A range the series refuses is refused for every kind, as `headcount report`
    // parses both: one rule for one set of parameters.
    let r = get(&app, "/charts/sales/heatmap.png?from=now-30d&step=1m").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.param().as_deref(), Some("step"));
}

#[tokio::test]
async fn a_bad_period_is_refused_on_every_chart_kind() {
    let f = Fixture::new();
    let app = f.app();
    let r = get(&app, "/charts/sales/peak.png?period=fortnight").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.param().as_deref(), Some("period"));
    for ok in ["", "week"] {
        let r = get(&app, &format!("/charts/sales/peak.svg?period={ok}")).await;
        assert_eq!(r.status, StatusCode::OK, "period={ok}");
    }
}
