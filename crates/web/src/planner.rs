//! The planners' routes: SLAs and their compliance, launch readiness, several targets
//! side by side, and the `sla` and `compare` charts. Every number comes from
//! [`headcount_query`] (`sla_report`, `readiness`, `compare`); every picture from
//! [`headcount_chart`].

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use headcount_chart::{Format, Options};
use headcount_config::SlaConfig;
use headcount_query::{
    CompareSeries, Period, Readiness, ReadinessParams, SeriesRef, SlaParams, SlaPeriod, SlaQuery,
    SlaReport, Unknown, WindowText, split_targets,
};
use headcount_store::Reader;
use maud::{Markup, html};
use serde::Serialize;

use crate::db::read;
use crate::error::{ApiError, ErrorBody};
use crate::params::{
    CompareChartParams, CompareParams, NoParams, Query, ReadinessQueryParams, SlaReportParams,
};
use crate::state::AppState;
use crate::{JsonBytes, PathArgs, Routes, known};

/// The compare chart's route: one segment, `compare.png` or `compare.svg`.
pub(crate) const COMPARE_CHART: &str = "/charts/{file}";

pub(crate) fn router() -> Routes {
    Routes::new()
        .get("/api/v1/slas", slas)
        .get("/api/v1/slas/{name}/report", sla_report)
        .get("/api/v1/targets/{name}/readiness", readiness)
        .get("/api/v1/series", compare_series)
        .get(COMPARE_CHART, compare_chart)
}

/// A configured SLA as `/api/v1/slas` lists it, with its current period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SlaInfo {
    /// The SLA's name, as in the URLs.
    pub name: String,
    /// The target it judges.
    pub target: String,
    /// The condition each ok sample is judged by (`available >= 10`).
    pub condition: String,
    /// The local weekdays and hours it applies to.
    pub hours: WindowText,
    /// Percent of counted in-window time that must meet the condition.
    pub objective: f64,
    /// The period it is judged over.
    pub period: Period,
    /// Whether unknown time is left out or counted as breach.
    pub unknown: Unknown,
    /// The period holding now: compliance so far, budget left, projection.
    pub current: Option<SlaPeriod>,
}

/// The SLA `name`, or 404 naming it.
fn known_sla<'a>(state: &'a AppState, name: &str) -> Result<&'a SlaConfig, ApiError> {
    state.sla(name).ok_or_else(|| {
        let names: Vec<&str> = state.slas().map(|s| s.name.as_str()).collect();
        ApiError::NotFound {
            param: "name",
            message: format!(
                "no SLA {:?}; configured: {}",
                name.chars().take(64).collect::<String>(),
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ),
        }
    })
}

/// The report of `sla` over `q`, read with `r`.
pub(crate) fn report_of(
    r: &Reader,
    s: &AppState,
    sla: &SlaConfig,
    q: &SlaQuery,
) -> Result<SlaReport, ApiError> {
    let t = known(s, &sla.target)?.resolve(r)?;
    Ok(headcount_query::sla_report(r, t, sla, s.settings(), q)?)
}

/// The current period of `sla` at `now`.
pub(crate) fn current_of(
    r: &Reader,
    s: &AppState,
    sla: &SlaConfig,
    now: i64,
) -> Result<Option<SlaPeriod>, ApiError> {
    let q = SlaQuery {
        from: now,
        to: now + 1,
        period: sla.period,
        now,
    };
    Ok(report_of(r, s, sla, &q)?.current)
}

/// Every configured SLA and where its current period stands.
#[utoipa::path(
    get,
    path = "/api/v1/slas",
    tag = "api",
    params(NoParams),
    responses(
        (status = 200, description = "Every configured SLA, in config order, with its current period.", body = [SlaInfo]),
        (status = 400, description = "A parameter was given.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
    )
)]
pub(crate) async fn slas(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    Query::parse(raw.as_deref(), NoParams::NAMES)?;
    let now = state.now();
    read(&state, move |r, s| {
        let mut out = Vec::new();
        for sla in s.slas() {
            out.push(SlaInfo {
                name: sla.name.clone(),
                target: sla.target.clone(),
                condition: sla.condition.to_string(),
                hours: sla.hours.text(),
                objective: sla.objective,
                period: sla.period,
                unknown: sla.unknown,
                current: current_of(r, s, sla, now)?,
            });
        }
        JsonBytes::of(&out)
    })
    .await
}

/// An SLA's compliance per period.
///
/// Every local period (day, week or month) intersecting `[from, to)`, whole: met,
/// breach and unknown seconds of the SLA's hours, compliance, status, error budget
/// left and projected compliance; and the worst stretches of breach.
#[utoipa::path(
    get,
    path = "/api/v1/slas/{name}/report",
    tag = "api",
    params(("name" = String, Path, description = "A configured SLA's name."), SlaReportParams),
    responses(
        (status = 200, description = "The SLA report.", body = SlaReport),
        (status = 400, description = "A bad or unknown parameter, or a range over 731 days.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
        (status = 404, description = "No such SLA.", body = ErrorBody),
    )
)]
pub(crate) async fn sla_report(
    State(state): State<AppState>,
    PathArgs(name): PathArgs<String>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    let sla = known_sla(&state, &name)?;
    let q = Query::parse(raw.as_deref(), SlaReportParams::NAMES)?;
    let sq = sla_params(&q).query(sla, state.settings(), state.now())?;
    read(&state, move |r, s| {
        let sla = known_sla(s, &name)?;
        JsonBytes::of(&report_of(r, s, sla, &sq)?)
    })
    .await
}

fn sla_params(q: &Query) -> SlaParams<'_> {
    SlaParams {
        from: q.get("from"),
        to: q.get("to"),
        period: q.get("period"),
    }
}

/// Will a target have enough agents available at a time in the next 7 days?
///
/// From the forecast of the local hour holding `at` (the same hour of the last 4
/// weeks): `ready`, `at_risk` (the weeks' range crosses the need), `not_ready`, or
/// `unknown` when fewer than 2 weeks had that hour; with the reason in words and the
/// newest sample.
#[utoipa::path(
    get,
    path = "/api/v1/targets/{name}/readiness",
    tag = "api",
    params(("name" = String, Path, description = "A configured target's name."), ReadinessQueryParams),
    responses(
        (status = 200, description = "The verdict and what it rests on.", body = Readiness),
        (status = 400, description = "A bad, missing or unknown parameter.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
        (status = 404, description = "No such target.", body = ErrorBody),
    )
)]
pub(crate) async fn readiness(
    State(state): State<AppState>,
    PathArgs(name): PathArgs<String>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    known(&state, &name)?;
    let q = Query::parse(raw.as_deref(), ReadinessQueryParams::NAMES)?;
    let rq = ReadinessParams {
        at: q.get("at"),
        need: q.get("need"),
        need_pct: q.get("need_pct"),
    }
    .query(state.settings(), state.now())?;
    read(&state, move |r, s| {
        let t = known(s, &name)?.resolve(r)?;
        JsonBytes::of(&headcount_query::readiness(r, t, s.settings(), &rq)?)
    })
    .await
}

/// The comparison `q` asks for: its targets checked against the config.
fn comparison(state: &AppState, q: &Query) -> Result<Compare, ApiError> {
    let names = split_targets(q.get("targets").unwrap_or(""))?;
    for n in &names {
        if state.target(n).is_none() {
            return Err(ApiError::bad(
                "targets",
                format!(
                    "unknown target {:?}",
                    n.chars().take(64).collect::<String>()
                ),
            ));
        }
    }
    let measure = match q.get("measure").filter(|m| !m.trim().is_empty()) {
        Some(m) => m.parse()?,
        None => headcount_query::Measure::default(),
    };
    let series = q.params().series(state.settings(), state.now())?;
    Ok(Compare {
        names: names.into_iter().map(str::to_owned).collect(),
        measure,
        series,
    })
}

struct Compare {
    names: Vec<String>,
    measure: headcount_query::Measure,
    series: headcount_query::SeriesQuery,
}

impl Compare {
    fn run(&self, r: &Reader, s: &AppState) -> Result<CompareSeries, ApiError> {
        let targets = self
            .names
            .iter()
            .map(|n| known(s, n)?.resolve(r))
            .collect::<Result<Vec<SeriesRef<'_>>, ApiError>>()?;
        Ok(headcount_query::compare(
            r,
            &targets,
            self.measure,
            &self.series,
        )?)
    }
}

/// One measure of several targets on one time axis.
///
/// The buckets and zone of `/api/v1/targets/{name}/series`, one line of values per
/// target (up to 12), in the order asked.
#[utoipa::path(
    get,
    path = "/api/v1/series",
    tag = "api",
    params(CompareParams),
    responses(
        (status = 200, description = "The values per bucket of each target.", body = CompareSeries),
        (status = 400, description = "A bad or unknown parameter, an unknown target, more than 12 targets, or more than 11,000 buckets.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
    )
)]
pub(crate) async fn compare_series(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    let q = Query::parse(raw.as_deref(), CompareParams::NAMES)?;
    let c = comparison(&state, &q)?;
    read(&state, move |r, s| JsonBytes::of(&c.run(r, s)?)).await
}

/// The file names of the compare chart route, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only described, never built: the handler parses the name itself
pub(crate) enum CompareFile {
    #[schema(rename = "compare.png")]
    ComparePng,
    #[schema(rename = "compare.svg")]
    CompareSvg,
}

/// Several targets side by side, as PNG or SVG: one line per target of `measure`.
#[utoipa::path(
    get,
    path = "/charts/{file}",
    tag = "charts",
    params(
        ("file" = CompareFile, Path, description = "compare.png or compare.svg."),
        CompareChartParams,
    ),
    responses(
        (status = 200, description = "The chart.", content(
            (Vec<u8> = "image/png"),
            (String = "image/svg+xml"),
        )),
        (status = 400, description = "A bad or unknown parameter, an unknown target, or more than 12 targets.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
        (status = 404, description = "No such chart or format.", body = ErrorBody),
    )
)]
pub(crate) async fn compare_chart(
    State(state): State<AppState>,
    PathArgs(file): PathArgs<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let format = chart_format(&file, "compare")?;
    let q = Query::parse(raw.as_deref(), CompareChartParams::NAMES)?;
    let opts = q.chart_options(format)?;
    let c = comparison(&state, &q)?;
    let _permit = permit(&state).await?;
    let bytes = read(&state, move |r, s| {
        Ok(headcount_chart::render_compare(&c.run(r, s)?, &opts)?)
    })
    .await?;
    Ok(picture(format, bytes))
}

/// The `sla` chart of SLA `name` (`/charts/{name}/sla.png`): the chart route hands
/// it here when the file is `sla.png` or `sla.svg`. Takes the chart route's
/// parameters: `from`, `to` (local dates in `tz`), `period`, and the picture's size
/// and theme; `step` and `horizon` do not apply.
pub(crate) async fn sla_chart(
    state: AppState,
    name: String,
    format: Format,
    q: Query,
) -> Result<Response, ApiError> {
    let opts: Options = q.chart_options(format)?;
    let sla = known_sla(&state, &name)?;
    // A `tz` given reads local dates; periods stay in the SLA's zone.
    let settings = match q.get("tz").filter(|t| !t.trim().is_empty()) {
        Some(_) => headcount_query::Settings {
            tz: q.params().range(state.settings(), state.now())?.tz,
            ..state.settings().clone()
        },
        None => state.settings().clone(),
    };
    let sq = sla_params(&q).query(sla, &settings, state.now())?;
    let _permit = permit(&state).await?;
    let bytes = read(&state, move |r, s| {
        let sla = known_sla(s, &name)?;
        Ok(headcount_chart::render_sla(
            &report_of(r, s, sla, &sq)?,
            &opts,
        )?)
    })
    .await?;
    Ok(picture(format, bytes))
}

/// `{kind}.{ext}` with kind `kind`: its format, or 404.
pub(crate) fn chart_format(file: &str, kind: &str) -> Result<Format, ApiError> {
    let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    if stem != kind {
        return Err(ApiError::NotFound {
            param: "file",
            message: format!(
                "no chart {:?}; expected {kind}.png or {kind}.svg",
                file.chars().take(64).collect::<String>()
            ),
        });
    }
    Format::from_extension(ext).ok_or_else(|| ApiError::NotFound {
        param: "format",
        message: format!(
            "no chart format {:?}; expected png or svg",
            ext.chars().take(16).collect::<String>()
        ),
    })
}

async fn permit(state: &AppState) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
    state
        .inner
        .renders
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(format!("render permit: {e}")))
}

fn picture(format: Format, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        bytes,
    )
        .into_response()
}

/// Every SLA with its current period, for the dashboard; empty without SLAs.
pub(crate) async fn current_periods(
    state: &AppState,
) -> Result<Vec<(SlaConfig, Option<SlaPeriod>)>, ApiError> {
    if state.slas().next().is_none() {
        return Ok(Vec::new());
    }
    let now = state.now();
    read(state, move |r, s| {
        s.slas()
            .map(|sla| Ok((sla.clone(), current_of(r, s, sla, now)?)))
            .collect()
    })
    .await
}

/// The dashboard's SLA table: each SLA's current period, compliance so far against
/// the objective, budget left and projection; nothing without SLAs.
pub(crate) fn dashboard_table(rows: &[(SlaConfig, Option<SlaPeriod>)]) -> Markup {
    let minutes = |secs: f64| format!("{:.0} min", secs / 60.0);
    let pct = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}%"));
    html! {
        @if !rows.is_empty() {
            h2 { "SLAs, this period" }
            table.targets {
                thead { tr {
                    th scope="col" { "SLA" }
                    th scope="col" { "Status" }
                    th scope="col" class="num" { "Compliance" }
                    th scope="col" class="num" { "Objective" }
                    th scope="col" class="num" { "Budget left" }
                    th scope="col" class="num" { "Projected" }
                } }
                tbody {
                    @for (sla, cur) in rows {
                        @let seg = crate::dashboard::segment(&sla.name);
                        tr {
                            td.name {
                                a href={ "/charts/" (seg) "/sla.png" } { (sla.name) }
                                br; span.muted { (sla.condition) " on " (sla.target) ", " (sla.hours) ", per " (sla.period) }
                            }
                            @match cur {
                                Some(p) => {
                                    td { span class={ "badge " (badge_class(p.status)) } { (p.status.as_str().replace('_', " ")) } }
                                    td.num data-label="Compliance" { (pct(p.compliance)) }
                                    td.num data-label="Objective" { (sla.objective) "%" }
                                    td.num data-label="Budget left" { (minutes(p.budget_left_seconds)) }
                                    td.num data-label="Projected" { (pct(p.projected_compliance)) }
                                }
                                None => {
                                    td { span.muted { "no current period" } }
                                    td.num data-label="Compliance" { "–" }
                                    td.num data-label="Objective" { (sla.objective) "%" }
                                    td.num data-label="Budget left" { "–" }
                                    td.num data-label="Projected" { "–" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The dashboard's state colours for a period's status: met green, missed red, in
/// progress amber, no data grey.
fn badge_class(status: headcount_query::PeriodStatus) -> &'static str {
    use headcount_query::PeriodStatus::{InProgress, Met, Missed, NoData, NoHours, Upcoming};
    match status {
        Met => "s-healthy",
        Missed => "s-critical",
        InProgress => "s-monitor",
        NoData | NoHours | Upcoming => "s-none",
    }
}
