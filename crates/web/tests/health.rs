//! `/healthz`: the database and the collector's last tick, open without the token.

mod common;

use axum::http::StatusCode;
use common::{Fixture, HEARTBEAT_AGO, get};
use headcount_web::{ApiToken, AppState, CollectorCounters, app};

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

#[tokio::test]
async fn an_in_process_collector_that_cannot_write_makes_it_degraded_but_still_200() {
    let f = Fixture::new();
    let state = f.state().with_collector(|| CollectorCounters {
        ticks: 12,
        buffered: 40,
        write_errors: 9,
        write_error: Some("sqlite: database or disk is full".into()),
        ..CollectorCounters::default()
    });
    let r = get(&app(state), "/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        serde_json::json!({
            "status": "degraded",
            "database": "ok",
            "last_tick_age_seconds": HEARTBEAT_AGO,
            "reason": "the collector cannot write to the database: sqlite: database or disk is full",
            "buffered_samples": 40,
        })
    );
}

#[tokio::test]
async fn an_in_process_collector_that_writes_is_ok_with_its_buffer() {
    let f = Fixture::new();
    let state = f.state().with_collector(|| CollectorCounters {
        ticks: 12,
        // Errors in the past do not count once a write has succeeded.
        write_errors: 9,
        ..CollectorCounters::default()
    });
    let r = get(&app(state), "/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        serde_json::json!({"status": "ok", "database": "ok", "last_tick_age_seconds": HEARTBEAT_AGO, "buffered_samples": 0})
    );
}

#[tokio::test]
async fn a_collector_stopped_by_a_replaced_database_is_503_with_the_reason() {
    let why = "database file /x/h.db was deleted or replaced while the collector ran; \
               stopping so that no data is written where nobody can read it";
    // The server still reads a database at the path (a replaced one), and one that is
    // gone: both say why.
    let f = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let gone = AppState::new(
        dir.path().join("gone.db"),
        common::targets(),
        common::settings(),
    );
    for (state, database, age) in [
        (f.state(), "ok", serde_json::json!(HEARTBEAT_AGO)),
        (gone, "error", serde_json::Value::Null),
    ] {
        let state = state.with_collector(move || CollectorCounters {
            halted: Some(why.into()),
            write_error: Some("ignored: the halt says more".into()),
            ..CollectorCounters::default()
        });
        let r = get(&app(state), "/healthz").await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{database}");
        assert_eq!(
            r.json(),
            serde_json::json!({
                "status": "error",
                "database": database,
                "last_tick_age_seconds": age,
                "reason": why,
                "buffered_samples": 0,
            })
        );
    }
}
