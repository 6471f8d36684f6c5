//! The HTML dashboard: every target with its state badge, charts whose URLs answer
//! with images, and JSON and CSV links that answer.

mod common;

use axum::http::StatusCode;
use common::{Fixture, get};

/// The values of `attr="..."` in `html`, HTML entities of URLs undone.
fn attrs(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            let end = rest.find('"').unwrap();
            rest[..end]
                .replace("&amp;", "&")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
        })
        .collect()
}

#[tokio::test]
async fn the_index_shows_every_target_with_its_state_and_a_chart_that_exists() {
    let f = Fixture::new();
    let app = f.app();
    let r = get(&app, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "text/html; charset=utf-8");
    let html = r.text();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta http-equiv=\"refresh\" content=\"60\">"));
    // No external assets: no stylesheet links (the one link is the inline icon), no
    // scripts at all.
    assert_eq!(html.matches("<link").count(), 1);
    assert!(html.contains("<link rel=\"icon\" href=\"data:image/svg+xml,"));
    assert!(!html.contains("<script"));
    for name in ["sales", "all", "quiet"] {
        assert!(
            html.contains(&format!("href=\"/targets/{name}\"")),
            "{name}"
        );
    }
    // sales: 1 of 50 available a minute ago: critical. all: its newest poll failed.
    assert!(html.contains("<span class=\"badge s-critical\">critical</span>"));
    assert!(html.contains("last poll failed: connect"));
    assert!(html.contains("no samples yet"));
    assert!(html.contains("1 min"), "sales was sampled a minute ago");
    // The SLA on sales, this week so far, linking to its chart.
    assert!(html.contains("<h2>SLAs, this period</h2>"), "{html}");
    assert!(html.contains("href=\"/charts/sales/sla.png\""));
    assert!(html.contains("available &gt;= 6 on sales"), "{html}");

    let imgs = attrs(&html, "src");
    assert_eq!(imgs.len(), 3, "{imgs:?}");
    let alts = attrs(&html, "alt");
    assert_eq!(alts.len(), imgs.len());
    assert!(alts.iter().all(|a| !a.is_empty()));
    for src in imgs {
        assert!(src.starts_with("/charts/"), "{src}");
        let r = get(&app, &src).await;
        assert_eq!(r.status, StatusCode::OK, "{src}");
        assert_eq!(r.content_type(), "image/png", "{src}");
    }
    for href in attrs(&html, "href")
        .into_iter()
        .filter(|h| !h.starts_with("data:"))
    {
        let r = get(&app, &href).await;
        assert_eq!(r.status, StatusCode::OK, "{href}");
    }
}

#[tokio::test]
async fn a_target_page_has_its_charts_range_picker_and_report() {
    let f = Fixture::new();
    let app = f.app();
    let r = get(&app, "/targets/sales?from=now-7d").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "text/html; charset=utf-8");
    let html = r.text();
    assert!(html.contains("<h1>sales</h1>"));
    assert!(html.contains("campaign_id=111"));
    for section in [
        "Summary",
        "Peak and off-peak",
        "Recent episodes",
        "Busiest hour",
    ] {
        assert!(html.contains(section), "{section}");
    }
    // Range picker: presets, and a form whose fields have labels.
    for preset in ["from=now-24h", "from=now-7d", "from=now-30d"] {
        assert!(
            html.contains(&format!("/targets/sales?{preset}")),
            "{preset}"
        );
    }
    for field in ["from", "to", "tz"] {
        assert!(
            html.contains(&format!("<label for=\"{field}\">")),
            "{field}"
        );
        assert!(
            html.contains(&format!("id=\"{field}\" name=\"{field}\"")),
            "{field}"
        );
    }
    assert!(html.contains("value=\"now-7d\""));

    // Five charts, each a PNG of the page's range that exists.
    let imgs = attrs(&html, "src");
    assert_eq!(imgs.len(), 5, "{imgs:?}");
    for kind in ["timeline", "utilization", "heatmap", "peak", "trend"] {
        assert!(
            imgs.contains(&format!("/charts/sales/{kind}.png?from=now-7d")),
            "{kind}: {imgs:?}"
        );
    }
    for src in &imgs {
        let r = get(&app, src).await;
        assert_eq!(r.status, StatusCode::OK, "{src}");
        assert_eq!(r.content_type(), "image/png", "{src}");
    }
    // Every link answers: the JSON and CSV behind the charts, the SVGs, the presets.
    let hrefs = attrs(&html, "href");
    assert!(hrefs.contains(&"/api/v1/targets/sales/series?from=now-7d".to_owned()));
    assert!(hrefs.contains(&"/api/v1/targets/sales/report?from=now-7d".to_owned()));
    assert!(hrefs.contains(&"/api/v1/targets/sales/samples.csv?from=now-7d".to_owned()));
    // (The inline icon is no link to follow.)
    for href in hrefs.into_iter().filter(|h| !h.starts_with("data:")) {
        let r = get(&app, &href).await;
        assert_eq!(r.status, StatusCode::OK, "{href}");
        if href.contains("samples.csv") {
            assert_eq!(r.content_type(), "text/csv; charset=utf-8");
        } else if href.starts_with("/api/v1") {
            assert_eq!(r.content_type(), "application/json", "{href}");
        }
    }
}

#[tokio::test]
async fn a_bad_range_shows_the_page_with_the_error() {
    let f = Fixture::new();
    let app = f.app();
    let r = get(&app, "/targets/sales?from=yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.content_type(), "text/html; charset=utf-8");
    let html = r.text();
    assert!(html.contains("class=\"error\""));
    assert!(html.contains("from: "), "{html}");
    // The value is kept in the form, escaped.
    assert!(html.contains("value=\"yesterday\""));
    let r = get(&app, "/targets/sales?from=%3Cscript%3E").await;
    assert!(!r.text().contains("<script>"));
    assert!(r.text().contains("&lt;script&gt;"));
}

#[tokio::test]
async fn names_are_escaped_and_encoded() {
    let f = Fixture::new();
    let mut targets = common::targets();
    targets.push(common::target(
        "<b>east & west</b>",
        None,
        Some("77"),
        "* * * * * *",
    ));
    let now = f.now;
    let state =
        headcount_web::AppState::new(&f.db, targets, common::settings()).with_clock(move || now);
    let app = headcount_web::app(state);
    let html = get(&app, "/").await.text();
    assert!(!html.contains("<b>east"));
    assert!(html.contains("&lt;b&gt;east &amp; west&lt;/b&gt;"));
    let link = "/targets/%3Cb%3Eeast%20%26%20west%3C%2Fb%3E";
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    let r = get(&app, link).await;
    assert_eq!(r.status, StatusCode::OK);
    for src in attrs(&r.text(), "src") {
        assert_eq!(get(&app, &src).await.status, StatusCode::OK, "{src}");
    }
}

#[tokio::test]
async fn an_unknown_target_page_is_an_html_404_linking_to_the_targets() {
    let f = Fixture::new();
    let app = f.app();
    let r = get(&app, "/targets/nobody%3Cb%3E").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type(), "text/html; charset=utf-8");
    let html = r.text();
    assert!(html.contains("No such target"), "{html}");
    assert!(
        html.contains("Unknown target &quot;nobody&lt;b&gt;&quot;"),
        "{html}"
    );
    let links = attrs(&html, "href");
    assert!(links.contains(&"/targets/sales".to_owned()), "{links:?}");
    assert!(links.contains(&"/".to_owned()), "{links:?}");
    // The API keeps answering JSON for the same name.
    let r = get(&app, "/api/v1/targets/nobody/latest").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type(), "application/json");
}
