//! headcount's HTTP server: the JSON API under `/api/v1` (described at
//! `/api/openapi.json`), PNG and SVG charts, raw samples as CSV, a server-rendered
//! HTML dashboard, Prometheus `/metrics` and `/healthz`. It only reads: the database
//! is opened read-only, one [`headcount_store::Reader`] per blocking thread, and every
//! number comes from [`headcount_query`] (charts from [`headcount_chart`]); this
//! crate holds no SQL and no analytics. [`app`] builds the router from an
//! [`AppState`] the binary assembles from the config.
//!
//! Layout:
//! - `state`: [`AppState`], [`TargetConfig`], [`ApiToken`], [`CollectorStatus`] —
//!   what the handlers share and how the binary builds it.
//! - `error`: [`ApiError`] and its one mapping to a response ([`ErrorBody`]).
//! - `params`: query strings — the names each route takes (shared with the OpenAPI
//!   document), unknown and repeated names refused, chart size and theme.
//! - `auth`: the API token check (Bearer, or Basic with the token as the password).
//! - `cors`: `[web] cors_origins`, cross-origin reads and preflights.
//! - `db`: per-thread readers on `spawn_blocking` threads, the queue of quick reads,
//!   resolving a target's series.
//! - `api`: `/api/v1/targets`, `/latest`, `/series`, `/report` ([`TargetInfo`]).
//! - `samples`: `/api/v1/targets/{name}/samples.csv`, streamed page by page.
//! - `charts`: `/charts/{name}/{kind}.png|svg`.
//! - `dashboard`: `/` and `/targets/{name}`, HTML with maud.
//! - `metrics`: `/metrics`, OpenMetrics text via prometheus-client.
//! - `health`: `/healthz`.
//! - `openapi`: the OpenAPI document and its route.

mod api;
mod auth;
mod charts;
mod cors;
mod dashboard;
mod db;
mod error;
mod health;
mod metrics;
mod openapi;
mod params;
mod samples;
mod state;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use api::TargetInfo;
pub use error::{ApiError, ErrorBody};
pub use health::Health;
pub use openapi::ApiDoc;
pub use state::{ApiToken, AppState, Clock, CollectorCounters, CollectorStatus, DEFAULT_TIMEOUT};

/// The whole server: every route, the API token check on all but `/healthz`, and
/// tracing, gzip (not for PNG) and a request timeout (503) around them.
pub fn app(state: AppState) -> Router {
    let timeout = state.inner.timeout;
    let cors = cors::layer(&state.inner.cors_origins);
    let protected = all_routes()
        .router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    let router = Router::new()
        .merge(protected)
        .merge(health::router().router)
        .fallback(no_route)
        .with_state(state)
        // Outermost first to see the request: trace, then compress (the default
        // predicate skips images other than SVG, and bodies under 32 bytes), then
        // the timeout around the handler.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(CompressionLayer::new());
    // Outside the token check and the routes: preflights are answered here.
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router.layer(TraceLayer::new_for_http())
}

/// Every route [`app`] serves, as `(method, path)` in axum's syntax: what the
/// OpenAPI test checks the document against.
#[must_use]
pub fn routes() -> Vec<(&'static str, &'static str)> {
    let mut all = all_routes().table;
    all.extend(health::router().table);
    all
}

/// The routes behind the token check.
fn all_routes() -> Routes {
    api::router()
        .merge(samples::router())
        .merge(charts::router())
        .merge(dashboard::router())
        .merge(metrics::router())
        .merge(openapi::router())
}

async fn no_route() -> ApiError {
    ApiError::NotFound {
        param: "path",
        message: "no such route; see /api/openapi.json".to_owned(),
    }
}

/// A router that remembers what it registered, so [`routes`] can list it.
pub(crate) struct Routes {
    router: Router<AppState>,
    table: Vec<(&'static str, &'static str)>,
}

impl Routes {
    pub(crate) fn new() -> Routes {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    pub(crate) fn get<H, T>(mut self, path: &'static str, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, axum::routing::get(handler));
        self.table.push(("GET", path));
        self
    }

    fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }
}

/// Path parameters, with a bad one (invalid UTF-8 after percent-decoding) answered as
/// [`ApiError`] naming it rather than with axum's plain-text rejection.
pub(crate) struct PathArgs<T>(pub(crate) T);

impl<T, S> FromRequestParts<S> for PathArgs<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        use axum::extract::path::ErrorKind;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(PathArgs(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let message = e.body_text();
                let key = match e.into_kind() {
                    ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::ParseErrorAtKey { key, .. } => key,
                    _ => "name".to_owned(),
                };
                Err(ApiError::bad(key, message))
            }
            Err(other) => Err(ApiError::Internal(other.body_text())),
        }
    }
}

/// A JSON body serialized on the blocking thread that computed it, so large series
/// and reports do not occupy an async worker.
pub(crate) struct JsonBytes(pub(crate) Vec<u8>);

impl JsonBytes {
    pub(crate) fn of(value: &impl Serialize) -> Result<JsonBytes, ApiError> {
        serde_json::to_vec(value)
            .map(JsonBytes)
            .map_err(|e| ApiError::Internal(format!("json: {e}")))
    }
}

impl IntoResponse for JsonBytes {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}

/// The configured target `name`, or 404.
pub(crate) fn known<'a>(
    state: &'a AppState,
    name: &str,
) -> Result<&'a state::Configured, ApiError> {
    state
        .target(name)
        .ok_or_else(|| ApiError::UnknownTarget(name.to_owned()))
}
