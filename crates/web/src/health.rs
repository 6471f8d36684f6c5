//! `/healthz`: is the database readable, and how old is the collector's last tick.
//! Open without the API token, for load balancers and systemd watchdogs.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use headcount_store::Reads;
use serde::Serialize;

use crate::db::read_quick;
use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, Query};
use crate::state::AppState;
use crate::{JsonBytes, Routes};

pub(crate) fn router() -> Routes {
    Routes::new().get("/healthz", healthz)
}

/// What `/healthz` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `error` when the database cannot be read.
    pub status: &'static str,
    /// `ok` or `error`.
    pub database: &'static str,
    /// Seconds since the collector's last heartbeat (written with every tick);
    /// `null` when no collector has run on this database or it cannot be read.
    pub last_tick_age_seconds: Option<i64>,
}

/// 200 when the database can be read, with the age of the collector's last tick;
/// 503 when it cannot (the cause is logged, not shown).
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    security(()),
    params(NoParams),
    responses(
        (status = 200, description = "The database is readable.", body = Health),
        (status = 400, description = "A parameter was given.", body = ErrorBody),
        (status = 503, description = "The database cannot be read.", body = Health),
    )
)]
pub(crate) async fn healthz(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), NoParams::NAMES)?;
    let now = state.now();
    let checked = read_quick(&state, move |r, _| Ok(r.last_run()?)).await;
    Ok(match checked {
        Ok(run) => JsonBytes::of(&Health {
            status: "ok",
            database: "ok",
            last_tick_age_seconds: run.map(|r| now - r.heartbeat_at),
        })?
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "healthz: database unreadable");
            let body = JsonBytes::of(&Health {
                status: "error",
                database: "error",
                last_tick_age_seconds: None,
            })?;
            (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
        }
    })
}
