//! The JSON API: targets, the latest snapshot, the bucketed series and the report.

use axum::extract::{RawQuery, State};
use chrono_tz::Tz;
use headcount_query::{Latest, Report, Series, State as Staffing};
use serde::Serialize;

use crate::db::{read, read_quick};
use crate::error::{ApiError, ErrorBody};
use crate::params::{Query, ReportParams, SeriesParams, ZoneParams};
use crate::state::AppState;
use crate::{JsonBytes, PathArgs, Routes, known};

pub(crate) fn router() -> Routes {
    Routes::new()
        .get("/api/v1/targets", targets)
        .get("/api/v1/targets/{name}/latest", latest)
        .get("/api/v1/targets/{name}/series", series)
        .get("/api/v1/targets/{name}/report", report)
}

/// A configured target as `/api/v1/targets` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TargetInfo {
    /// The target's name, as in the URLs.
    pub name: String,
    /// The filters, as the collector stores them: `campaign_id`, `queue_id`,
    /// `user_id`, `skills`, AND-ed; `{}` for the whole system.
    #[schema(value_type = Object)]
    pub filters: serde_json::Value,
    /// The filters for people (`campaign_id=111`); empty for none.
    pub filters_display: String,
    /// The cron schedule it is polled on (six fields, seconds first, UTC).
    pub schedule: String,
    /// The newest sample, whatever its outcome; `null` before the first.
    pub latest: Option<Latest>,
    /// The newest sample's state; `null` before the first or when it failed.
    pub state: Option<Staffing>,
}

/// The zone of a `?tz=` query, or the configured one.
fn zone(state: &AppState, raw: Option<&str>) -> Result<Tz, ApiError> {
    if raw.is_none_or(str::is_empty) {
        // The fast path of `/latest`: nothing to parse.
        return Ok(state.settings().tz);
    }
    let q = Query::parse(raw, ZoneParams::NAMES)?;
    Ok(q.params().range(state.settings(), state.now())?.tz)
}

/// Every configured target: filters, schedule, the latest sample and its state.
#[utoipa::path(
    get,
    path = "/api/v1/targets",
    tag = "api",
    params(ZoneParams),
    responses(
        (status = 200, description = "Every configured target, in config order.", body = [TargetInfo]),
        (status = 400, description = "A bad or unknown parameter.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
    )
)]
pub(crate) async fn targets(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    let tz = zone(&state, raw.as_deref())?;
    let now = state.now();
    read_quick(&state, move |r, s| {
        let th = &s.settings().thresholds;
        let mut out = Vec::with_capacity(s.inner.targets.len());
        for t in &s.inner.targets {
            let target = t.resolve(r)?;
            let latest = headcount_query::latest(r, target, now, tz, th)?;
            out.push(TargetInfo {
                name: t.config.name.clone(),
                filters: serde_json::from_str(&t.filters_json)
                    .unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new())),
                filters_display: t.config.filters.to_string(),
                schedule: t.config.schedule.expr().to_owned(),
                state: latest.as_ref().and_then(|l| l.state),
                latest,
            });
        }
        JsonBytes::of(&out)
    })
    .await
}

/// The newest sample of a target, whatever its outcome, and its age.
#[utoipa::path(
    get,
    path = "/api/v1/targets/{name}/latest",
    tag = "api",
    params(("name" = String, Path, description = "A configured target's name."), ZoneParams),
    responses(
        (status = 200, description = "The newest sample and its age in seconds.", body = Latest),
        (status = 400, description = "A bad or unknown parameter.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
        (status = 404, description = "No such target, or no sample of it yet.", body = ErrorBody),
    )
)]
pub(crate) async fn latest(
    State(state): State<AppState>,
    PathArgs(name): PathArgs<String>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    known(&state, &name)?;
    let tz = zone(&state, raw.as_deref())?;
    let now = state.now();
    read_quick(&state, move |r, s| {
        let t = known(s, &name)?.resolve(r)?;
        match headcount_query::latest(r, t, now, tz, &s.settings().thresholds)? {
            Some(l) => JsonBytes::of(&l),
            None => Err(ApiError::NoSamples(name)),
        }
    })
    .await
}

/// Bucketed history of a target.
///
/// One point per bucket of `step` over `[from, to)`, aligned to local time in `tz`,
/// empty buckets included; with the collector's downtime in the range.
#[utoipa::path(
    get,
    path = "/api/v1/targets/{name}/series",
    tag = "api",
    params(("name" = String, Path, description = "A configured target's name."), SeriesParams),
    responses(
        (status = 200, description = "The series.", body = Series),
        (status = 400, description = "A bad or unknown parameter, more than 11,000 buckets, or a 1m or 5m step over a range older than the raw retention.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
        (status = 404, description = "No such target.", body = ErrorBody),
    )
)]
pub(crate) async fn series(
    State(state): State<AppState>,
    PathArgs(name): PathArgs<String>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    known(&state, &name)?;
    let q = Query::parse(raw.as_deref(), SeriesParams::NAMES)?;
    let sq = q.params().series(state.settings(), state.now())?;
    read(&state, move |r, s| {
        let t = known(s, &name)?.resolve(r)?;
        JsonBytes::of(&headcount_query::series(r, t, &sq)?)
    })
    .await
}

/// The report of a target.
///
/// Over `[from, to)` snapped outward to 15 minutes: summary, peak against off-peak,
/// by hour, heatmap, states, episodes, daily trend, comparison with an earlier
/// period, and forecast.
#[utoipa::path(
    get,
    path = "/api/v1/targets/{name}/report",
    tag = "api",
    params(("name" = String, Path, description = "A configured target's name."), ReportParams),
    responses(
        (status = 200, description = "The report.", body = Report),
        (status = 400, description = "A bad or unknown parameter, or a range over 731 days.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
        (status = 404, description = "No such target.", body = ErrorBody),
    )
)]
pub(crate) async fn report(
    State(state): State<AppState>,
    PathArgs(name): PathArgs<String>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    known(&state, &name)?;
    let q = Query::parse(raw.as_deref(), ReportParams::NAMES)?;
    let rq = q.params().report(state.settings(), state.now())?;
    read(&state, move |r, s| {
        let t = known(s, &name)?.resolve(r)?;
        JsonBytes::of(&headcount_query::report(r, t, &rq)?)
    })
    .await
}
