//! Compressed answers, as browsers, Python's requests and `curl --compressed` ask for
//! them: the same bytes as the plain answer once decompressed, on every route kind,
//! through the router and over a real socket.

mod common;

use std::io::Read as _;

use axum::http::StatusCode;
use common::{Fixture, NOW, SALES_N, Served, get, get_with, raw};

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a complete gzip stream");
    out
}

/// The whole history of `sales`: 8 days every minute, about 600 kB of CSV, several
/// pages of the stream.
const ALL_SALES: &str = "/api/v1/targets/sales/samples.csv?from=now-8d";

/// Checks the CSV of [`ALL_SALES`] against the fixture's numbers, counted by hand:
/// a header and one row per minute of the 8 days, the first at now - 8 d.
fn check_all_sales(csv: &str) {
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len() as i64, 1 + SALES_N);
    assert_eq!(SALES_N, 11_520);
    assert_eq!(lines[0], "ts,time,outcome,available,logged_in,latency_ms");
    assert!(
        lines[1].starts_with(&format!("{},", NOW - 8 * 86_400)),
        "{}",
        lines[1]
    );
    // The last row is the minute before now.
    assert!(
        lines[lines.len() - 1].starts_with(&format!("{},", NOW - 60)),
        "{}",
        lines[lines.len() - 1]
    );
}

#[tokio::test]
async fn gzip_samples_csv_through_the_router_is_the_plain_csv() {
    let f = Fixture::new();
    let app = f.app();
    let plain = get(&app, ALL_SALES).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.headers.get("content-encoding"), None);
    check_all_sales(&plain.text());

    for encoding in ["gzip", "gzip, deflate, br, zstd"] {
        let r = get_with(&app, ALL_SALES, &[("accept-encoding", encoding)]).await;
        assert_eq!(r.status, StatusCode::OK, "{encoding}");
        assert_eq!(
            r.headers.get("content-encoding").unwrap(),
            "gzip",
            "{encoding}"
        );
        assert!(
            r.body.len() < plain.body.len() / 3,
            "{encoding}: compressed"
        );
        assert_eq!(gunzip(&r.body), plain.body, "{encoding}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_samples_csv_over_a_socket_arrives_whole() {
    let f = Fixture::new();
    let served = Served::start(&f, headcount_web::ServerLimits::default()).await;
    let plain = raw::get(served.addr, ALL_SALES, &[]).await;
    assert_eq!(plain.status, 200);
    check_all_sales(std::str::from_utf8(&plain.body).unwrap());

    // `read_response` fails if the connection drops before the last chunk.
    let r = raw::get(served.addr, ALL_SALES, &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&r.body), plain.body);

    // Every kind of answer, compressed, is the plain one (PNG is left alone). The
    // fixture's clock is stopped, so ages and the like are equal byte for byte.
    for path in [
        "/api/v1/targets",
        "/api/v1/targets/sales/series?from=now-2d",
        "/api/v1/targets/all/samples.csv?from=now-1h",
        "/",
        "/charts/sales/timeline.svg?from=now-1d",
        "/metrics",
    ] {
        let plain = raw::get(served.addr, path, &[]).await;
        let zipped = raw::get(served.addr, path, &[("Accept-Encoding", "gzip")]).await;
        assert_eq!((plain.status, zipped.status), (200, 200), "{path}");
        let body = match zipped.header("content-encoding") {
            Some("gzip") => gunzip(&zipped.body),
            None => zipped.body.clone(),
            Some(other) => panic!("{path}: unexpected encoding {other}"),
        };
        assert_eq!(body, plain.body, "{path}");
    }
    served.stop().await;
}
