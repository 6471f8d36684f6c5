//! The OpenAPI document: every handler's `#[utoipa::path]`, the query crate's output
//! schemas, and the two ways to present the API token.

use std::sync::LazyLock;

use axum::extract::RawQuery;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, Query};
use crate::{JsonBytes, Routes, alerts, api, charts, dashboard, health, metrics, samples};

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

/// Built once: it never changes while the server runs.
static DOCUMENT: LazyLock<Vec<u8>> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .map(String::into_bytes)
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "openapi: cannot serialize the document");
            b"{}".to_vec()
        })
});

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
