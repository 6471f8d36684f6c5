//! The OpenAPI document: every handler's `#[utoipa::path]`, the query crate's output
//! schemas, and the two ways to present the API token.

use std::sync::LazyLock;

use axum::extract::RawQuery;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, Query};
use crate::{JsonBytes, Routes, alerts, api, charts, dashboard, health, metrics, planner, samples};

/// The OpenAPI document of every route [`crate::app`] serves.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "headcount",
        description = "The history of a contact center's agent availability: reports as \
            JSON, charts as PNG and SVG, raw samples as CSV, an HTML dashboard and \
            Prometheus metrics. When an API token is configured, every route but \
            /healthz needs it, as a Bearer token or as the password of HTTP Basic."
    ),
    paths(
        api::targets,
        api::latest,
        api::series,
        api::report,
        alerts::alerts,
        alerts::history,
        samples::samples_csv,
        charts::chart,
        planner::slas,
        planner::sla_report,
        planner::readiness,
        planner::compare_series,
        planner::compare_chart,
        dashboard::index,
        dashboard::target_page,
        metrics::metrics,
        health::healthz,
        openapi_json,
    ),
    components(schemas(
        ErrorBody,
        api::TargetInfo,
        health::Health,
        charts::ChartFile,
        headcount_query::Series,
        headcount_query::Report,
        headcount_query::Latest,
        planner::SlaInfo,
        planner::CompareFile,
        headcount_query::SlaReport,
        headcount_query::Readiness,
        headcount_query::CompareSeries,
        alerts::AlertStatus,
        alerts::AlertEpisode,
        alerts::AlertHistory,
    )),
    modifiers(&TokenSchemes),
    security((), ("bearer" = []), ("basic" = [])),
    tags(
        (name = "api", description = "JSON and CSV"),
        (name = "charts", description = "PNG and SVG"),
        (name = "dashboard", description = "HTML pages"),
        (name = "operations", description = "Metrics, health, this document"),
    )
)]
pub struct ApiDoc;

struct TokenSchemes;

impl Modify for TokenSchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

/// Built once: it never changes while the server runs. Descriptions come from doc
/// comments; their rustdoc links are made plain text for outside readers. The
/// rewrite runs over the JSON text: outside strings JSON never has the shapes it
/// rewrites (`` [`…`] ``, `](`, `][`), and inside them only prose does.
static DOCUMENT: LazyLock<Vec<u8>> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .map(|json| plain_links(&json).into_bytes())
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "openapi: cannot serialize the document");
            b"{}".to_vec()
        })
});

/// Rustdoc's intra-doc links as the text they show: `` [`Series`] `` becomes
/// `` `Series` ``, `` [the series][`Series`] `` and `` [the series](crate::Series) ``
/// become `the series`; other brackets (`[report]`) stay. Links to a web address (`[text](https://…)`) stay, as
/// CommonMark.
fn plain_links(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let text = &after[..close];
        let tail = &after[close + 1..];
        if let Some((target, after_link)) = tail.strip_prefix('(').and_then(|t| t.split_once(')')) {
            if target.contains("://") {
                // The whole `[text](url)`, as written.
                out.push_str(&rest[open..rest.len() - after_link.len()]);
            } else {
                out.push_str(text);
            }
            rest = after_link;
        } else if let Some(target) = tail.strip_prefix('[').and_then(|t| t.split_once(']')) {
            out.push_str(text);
            rest = target.1;
        } else if text.starts_with('`') && text.ends_with('`') {
            out.push_str(text);
            rest = tail;
        } else {
            // Not a link: a config section such as `[report]`.
            out.push('[');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

pub(crate) fn router() -> Routes {
    Routes::new().get("/api/openapi.json", openapi_json)
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    params(NoParams),
    responses(
        (status = 200, description = "The OpenAPI document.", content_type = "application/json", body = Object),
        (status = 400, description = "A parameter was given.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
    )
)]
pub(crate) async fn openapi_json(RawQuery(raw): RawQuery) -> Result<JsonBytes, ApiError> {
    Query::parse(raw.as_deref(), NoParams::NAMES)?;
    Ok(JsonBytes(DOCUMENT.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustdoc_links_become_plain_text() {
        assert_eq!(plain_links("one [`Series`]."), "one `Series`.");
        assert_eq!(plain_links("the [series][`Series`] end"), "the series end");
        assert_eq!(plain_links("the [series](crate::Series)"), "the series");
        assert_eq!(
            plain_links("see [docs](https://example.com/x)"),
            "see [docs](https://example.com/x)"
        );
        assert_eq!(plain_links("a [b"), "a [b");
        assert_eq!(plain_links("the [report] zone"), "the [report] zone");
        assert_eq!(plain_links("no links"), "no links");
    }

    #[test]
    fn the_served_document_has_no_rustdoc_links() {
        let doc = String::from_utf8(DOCUMENT.clone()).unwrap();
        assert!(doc.len() > 1000);
        assert!(
            !doc.contains("[`"),
            "a rustdoc link is left in the document"
        );
    }
}
