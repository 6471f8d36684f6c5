//! CORS: a page on another origin (Grafana's Infinity datasource in frontend mode)
//! may read the API only when its origin is in `[web] cors_origins`; its preflight is
//! answered without the token, which browsers never send on one.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{Fixture, get_with};
use headcount_web::{ApiToken, app};
use tower::ServiceExt as _;

const GRAFANA: &str = "https://grafana.example.com";

async fn preflight(app: &axum::Router, origin: &str) -> (StatusCode, axum::http::HeaderMap) {
    let req = Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/v1/targets/sales/series?from=now-1h")
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    (resp.status(), resp.headers().clone())
}

fn header<'a>(h: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn without_configured_origins_there_are_no_cors_headers() {
    let f = Fixture::new();
    let app = app(f.state());
    let r = get_with(&app, "/api/v1/targets", &[("origin", GRAFANA)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get("access-control-allow-origin").is_none());
    let (status, h) = preflight(&app, GRAFANA).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(h.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_configured_origin_gets_its_preflight_answered_without_the_token_and_may_read() {
    let f = Fixture::new();
    let app = app(f
        .state()
        .with_token(ApiToken::new("tok"))
        .with_cors_origins(vec![GRAFANA.to_owned()]));
    let (status, h) = preflight(&app, GRAFANA).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&h, "access-control-allow-origin"), GRAFANA);
    assert!(header(&h, "access-control-allow-methods").contains("GET"));
    assert!(
        header(&h, "access-control-allow-headers").contains("authorization"),
        "{h:?}"
    );
    // The read itself still needs the token, and carries the CORS header either way.
    let r = get_with(&app, "/api/v1/targets", &[("origin", GRAFANA)]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(header(&r.headers, "access-control-allow-origin"), GRAFANA);
    let r = get_with(
        &app,
        "/api/v1/targets",
        &[("origin", GRAFANA), ("authorization", "Bearer tok")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(header(&r.headers, "access-control-allow-origin"), GRAFANA);

    // Another origin is not let in.
    let (_, h) = preflight(&app, "https://evil.example").await;
    assert!(h.get("access-control-allow-origin").is_none());
    let r = get_with(
        &app,
        "/api/v1/targets",
        &[
            ("origin", "https://evil.example"),
            ("authorization", "Bearer tok"),
        ],
    )
    .await;
    assert!(r.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_star_lets_any_origin_read() {
    let f = Fixture::new();
    let app = app(f.state().with_cors_origins(vec!["*".to_owned()]));
    let r = get_with(
        &app,
        "/api/v1/targets",
        &[("origin", "http://localhost:3000")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(header(&r.headers, "access-control-allow-origin"), "*");
}
