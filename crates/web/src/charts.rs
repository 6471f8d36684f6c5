//! PNG and SVG charts, drawn by [`headcount_chart::render_from_store`] on a blocking
//! thread: the same pictures `headcount chart` writes.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use headcount_chart::{Format, Kind};

use crate::db::read;
use crate::error::{ApiError, ErrorBody};
use crate::params::{ChartParams, Query};
use crate::state::AppState;
use crate::{PathArgs, Routes, known};

/// The route: axum matches whole segments, so `{kind}.{format}` is one parameter,
/// split by [`parse_file`].
pub(crate) const PATH: &str = "/charts/{name}/{file}";

pub(crate) fn router() -> Routes {
    Routes::new().get(PATH, chart)
}

/// What a chart shows, for alt text and captions.
pub(crate) fn describe(kind: &str) -> &'static str {
    match kind {
        "timeline" => "available and logged-in agents over time",
        "utilization" => "utilization over time against the state thresholds",
        "heatmap" => "utilization by weekday and hour of day",
        "peak" => "peak against off-peak hours",
        "sla" => "SLA compliance per period against its objective",
        _ => "daily means with moving average and forecast",
    }
}

/// The file names of the chart route, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only described, never built: the handler parses the name itself
pub(crate) enum ChartFile {
    #[schema(rename = "timeline.png")]
    TimelinePng,
    #[schema(rename = "timeline.svg")]
    TimelineSvg,
    #[schema(rename = "utilization.png")]
    UtilizationPng,
    #[schema(rename = "utilization.svg")]
    UtilizationSvg,
    #[schema(rename = "heatmap.png")]
    HeatmapPng,
    #[schema(rename = "heatmap.svg")]
    HeatmapSvg,
    #[schema(rename = "peak.png")]
    PeakPng,
    #[schema(rename = "peak.svg")]
    PeakSvg,
    #[schema(rename = "trend.png")]
    TrendPng,
    #[schema(rename = "trend.svg")]
    TrendSvg,
    #[schema(rename = "sla.png")]
    SlaPng,
    #[schema(rename = "sla.svg")]
    SlaSvg,
}

/// `timeline.png` → (Timeline, Png).
///
/// # Errors
///
/// 404 naming `kind` for an unknown kind, `format` for an extension other than
/// `png` or `svg`: the URL names a picture that does not exist.
pub(crate) fn parse_file(file: &str) -> Result<(Kind, Format), ApiError> {
    let (kind, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    // The chart crate's own names, so URLs and `headcount chart` agree.
    let format = Format::from_extension(ext).ok_or_else(|| ApiError::NotFound {
        param: "format",
        message: format!(
            "no chart format {:?}; expected png or svg",
            ext.chars().take(16).collect::<String>()
        ),
    })?;
    let kind = kind.parse::<Kind>().map_err(|e| ApiError::NotFound {
        param: "kind",
        message: format!(
            "no chart kind {:?}; expected {}",
            e.got.chars().take(32).collect::<String>(),
            e.expected
        ),
    })?;
    Ok((kind, format))
}

/// A chart of a target over a range, as PNG or SVG.
///
/// Kinds: `timeline` (available and logged in),
/// `utilization` (with the threshold bands), `heatmap` (weekday × hour), `peak`
/// (peak against off-peak) or `trend` (daily means, moving average, forecast), as
/// PNG or SVG. Kind `sla` draws the SLA named `{name}` (not a target): compliance
/// per period against its objective, periods from `period` (default the SLA's). The range is parsed for both the series and the report, as `headcount
/// report` does, so it follows the rules of both (at most 11,000 buckets of `step`,
/// at most 731 days).
#[utoipa::path(
    get,
    path = "/charts/{name}/{file}",
    tag = "charts",
    params(
        ("name" = String, Path, description = "A configured target's name."),
        ("file" = ChartFile, Path, description = "`{kind}.{format}`: kind timeline, utilization, heatmap, peak, trend or sla (then `{name}` is an SLA's); format png or svg."),
        ChartParams,
    ),
    responses(
        (status = 200, description = "The chart.", content(
            (Vec<u8> = "image/png"),
            (String = "image/svg+xml"),
        )),
        (status = 400, description = "A bad or unknown parameter.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
        (status = 404, description = "No such target (or SLA), chart kind or format.", body = ErrorBody),
    )
)]
pub(crate) async fn chart(
    State(state): State<AppState>,
    PathArgs((name, file)): PathArgs<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    if file.split('.').next() == Some("sla") {
        let format = crate::planner::chart_format(&file, "sla")?;
        let q = Query::parse(raw.as_deref(), ChartParams::NAMES)?;
        return crate::planner::sla_chart(state, name, format, q).await;
    }
    known(&state, &name)?;
    let (kind, format) = parse_file(&file)?;
    let q = Query::parse(raw.as_deref(), ChartParams::NAMES)?;
    // Only the sla chart has periods; a bad one is still refused, not ignored.
    if let Some(p) = q.get("period").map(str::trim).filter(|p| !p.is_empty()) {
        headcount_config::Period::parse(p).map_err(|why| ApiError::bad("period", why))?;
    }
    let opts = q.chart_options(format)?;
    let (settings, now) = (state.settings(), state.now());
    let params = q.params();
    let sq = params.series(settings, now)?;
    let rq = params.report(settings, now)?;
    let _permit = state
        .inner
        .renders
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(format!("render permit: {e}")))?;
    let bytes = read(&state, move |r, s| {
        let t = known(s, &name)?.resolve(r)?;
        Ok(headcount_chart::render_from_store(
            r, t, kind, &sq, &rq, &opts,
        )?)
    })
    .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            // Relative ranges (`now-24h`) change every minute.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_split_into_kind_and_format() {
        assert_eq!(
            parse_file("timeline.png").unwrap(),
            (Kind::Timeline, Format::Png)
        );
        assert_eq!(parse_file("trend.svg").unwrap(), (Kind::Trend, Format::Svg));
        // Extensions in any case, as the chart crate reads them; kinds exactly.
        assert_eq!(parse_file("peak.SVG").unwrap(), (Kind::Peak, Format::Svg));
        for (file, param) in [
            ("timeline.gif", "format"),
            ("timeline", "format"),
            ("pie.png", "kind"),
            (".png", "kind"),
            ("Timeline.png", "kind"),
            ("timeline.png.png", "kind"),
        ] {
            match parse_file(file) {
                Err(ApiError::NotFound { param: p, .. }) => assert_eq!(p, param, "{file}"),
                other => panic!("{file}: {other:?}"),
            }
        }
    }
}
