//! `/healthz`: the database and the collector's last tick, open without the token.

mod common;

use axum::http::StatusCode;
use common::{Fixture, HEARTBEAT_AGO, get};
use headcount_web::{ApiToken, AppState, app};

#[tokio::test]
async fn healthy_database_reports_the_last_tick_age() {
    let f = Fixture::new();
    let r = get(&f.app(), "/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "application/json");
    assert_eq!(
        r.json(),
        serde_json::json!({"status": "ok", "database": "ok", "last_tick_age_seconds": HEARTBEAT_AGO})
    );
}

#[tokio::test]
async fn a_database_without_runs_has_no_tick_age() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    drop(headcount_store::Store::open(&db).unwrap());
    let state = AppState::new(&db, common::targets(), common::settings());
    let r = get(&app(state), "/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["last_tick_age_seconds"], serde_json::Value::Null);
}

#[tokio::test]
async fn an_unreadable_database_is_503_and_other_routes_500_without_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let state = AppState::new(&missing, common::targets(), common::settings())
        .with_token(ApiToken::new("tok"));
    let app = app(state);
    let r = get(&app, "/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        r.json(),
        serde_json::json!({"status": "error", "database": "error", "last_tick_age_seconds": null})
    );
    let auth = [("authorization", "Bearer tok")];
    for uri in ["/api/v1/targets/sales/latest", "/metrics", "/"] {
        let r = common::get_with(&app, uri, &auth).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        assert_eq!(
            r.json(),
            serde_json::json!({"error": "internal error", "param": null})
        );
        assert!(!r.text().contains("missing.db"));
    }
}
