//! `/healthz`: can the database be read, can the collector in this process (`headcount
//! run`) write, and how old is the collector's last tick. Open without the API token,
//! for load balancers and systemd watchdogs.
//!
//! The status, and the HTTP status it answers with:
//! - `ok` (200): the database reads, and an in-process collector writes.
//! - `degraded` (200): the server answers from the database, but the in-process
//!   collector's writes fail (disk full, database locked): its samples wait in a
//!   bounded buffer (`buffered_samples`) and are retried; `reason` is the latest write
//!   error. Still 200, because load balancers take 503 for "down" and the history is
//!   still served; alert on the status, or on `headcount_collector_write_errors_total`.
//! - `error` (503): the database cannot be read (the cause is logged, not shown), or
//!   the in-process collector has stopped for good because its database file was
//!   deleted or replaced (`reason` says so; the process exits soon after).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use headcount_store::Reads;
use serde::Serialize;

use crate::db::read_quick;
use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, Query};
use crate::state::{AppState, CollectorCounters};
use crate::{JsonBytes, Routes};

pub(crate) fn router() -> Routes {
    Routes::new().get("/healthz", healthz)
}

/// What `/healthz` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`; `degraded` while the in-process collector's writes fail (still 200);
    /// `error` when the database cannot be read or the in-process collector stopped
    /// because its database file was deleted or replaced (503).
    pub status: &'static str,
    /// `ok` or `error`: whether the server can read the database.
    pub database: &'static str,
    /// Seconds since the collector's last heartbeat (written with every tick);
    /// `null` when no collector has run on this database or it cannot be read.
    pub last_tick_age_seconds: Option<i64>,
    /// Why the status is not `ok`, when the in-process collector is the cause: the
    /// latest write error, or why it stopped. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Samples the in-process collector holds for a retry while its writes fail.
    /// Absent without an in-process collector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffered_samples: Option<u64>,
}

/// Health of the database and of the collector in this process.
///
/// `ok` (200): the database can be read and the collector in this process (`headcount
/// run`), if any, writes. `degraded` (200, the history is still served): that
/// collector's writes fail; its samples wait in a bounded buffer (`buffered_samples`)
/// and are retried, `reason` is the last write error. `error` (503): the database
/// cannot be read, or that collector stopped because its database file was deleted or
/// replaced (`reason`).
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    security(()),
    params(NoParams),
    responses(
        (status = 200, description = "The database is readable: `ok`, or `degraded` while the collector in this process cannot write (its samples are buffered and retried; `reason` is the last write error).", body = Health),
        (status = 400, description = "A parameter was given.", body = ErrorBody),
        (status = 503, description = "`error`: the database cannot be read, or the collector in this process stopped because its database file was deleted or replaced (`reason` says which).", body = Health),
    )
)]
pub(crate) async fn healthz(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), NoParams::NAMES)?;
    let now = state.now();
    let collector = state.inner.collector.as_ref().map(|c| c.counters());
    let checked = read_quick(&state, move |r, _| Ok(r.last_run()?)).await;
    let (health, code) = match checked {
        Ok(run) => judge(run.map(|r| now - r.heartbeat_at), collector.as_ref(), "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "healthz: database unreadable");
            judge(None, collector.as_ref(), "error")
        }
    };
    Ok((code, JsonBytes::of(&health)?).into_response())
}

/// The health and its HTTP status, from what the server read (`database`: `ok` or
/// `error`) and the in-process collector's state, as the module doc says.
fn judge(
    last_tick_age_seconds: Option<i64>,
    collector: Option<&CollectorCounters>,
    database: &'static str,
) -> (Health, StatusCode) {
    let mut health = Health {
        status: "ok",
        database,
        last_tick_age_seconds,
        reason: None,
        buffered_samples: collector.map(|c| c.buffered),
    };
    if let Some(why) = collector.and_then(|c| c.halted.clone()) {
        health.status = "error";
        health.reason = Some(why);
    } else if database != "ok" {
        health.status = "error";
    } else if let Some(error) = collector.and_then(|c| c.write_error.clone()) {
        health.status = "degraded";
        health.reason = Some(format!(
            "the collector cannot write to the database: {error}"
        ));
    }
    let code = if health.status == "error" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (health, code)
}
