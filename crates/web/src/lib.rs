//! headcount's HTTP server: the JSON API under `/api/v1` (described at
//! `/api/openapi.json`), PNG and SVG charts, raw samples as CSV, a server-rendered
//! HTML dashboard, Prometheus `/metrics` and `/healthz`. It only reads: the database
//! is opened read-only, one [`headcount_store::Reader`] per blocking thread, and every
//! number comes from [`headcount_query`] (charts from [`headcount_chart`]); this
//! crate holds no SQL and no analytics. [`app`] builds the router from an
//! [`AppState`] the binary assembles from the config, and [`serve`] serves it on a
//! socket within [`ServerLimits`].
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
//! - `alerts`: `/api/v1/alerts`, `/api/v1/alerts/history`, alert metrics.
//! - `api`: `/api/v1/targets`, `/latest`, `/series`, `/report` ([`TargetInfo`]).
//! - `samples`: `/api/v1/targets/{name}/samples.csv`, streamed page by page.
//! - `charts`: `/charts/{name}/{kind}.png|svg`.
//! - `planner`: `/api/v1/slas`, `/api/v1/slas/{name}/report`, `/readiness`,
//!   `/api/v1/series` (several targets), the `sla` and `compare` charts.
//! - `dashboard`: `/` and `/targets/{name}`, HTML with maud.
//! - `metrics`: `/metrics`, OpenMetrics text via prometheus-client.
//! - `health`: `/healthz`: `ok`, `degraded` or `error`, and which HTTP status each is.
//! - `openapi`: the OpenAPI document and its route.
//! - `server`: [`serve`] and [`ServerLimits`]: idle and slow connections timed out,
//!   connections capped, a graceful stop bounded by a drain limit.

mod alerts;
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
mod planner;
mod samples;
mod server;
mod state;

use std::any::Any;
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use alerts::{AlertEpisode, AlertHistory, AlertStatus};
pub use api::TargetInfo;
pub use error::{ApiError, ErrorBody};
pub use health::Health;
pub use openapi::ApiDoc;
pub use planner::SlaInfo;
pub use server::{BUSY_ANSWERS, FILE_HEADROOM, ServerLimits, serve};
pub use state::{ApiToken, AppState, Clock, CollectorCounters, CollectorStatus, DEFAULT_TIMEOUT};

/// The whole server: every route, the API token check on all but `/healthz`, and
/// the layers of [`middleware`] around them.
pub fn app(state: AppState) -> Router {
    let timeout = state.inner.timeout;
    let cors = cors::layer(&state.inner.cors_origins);
    let protected = all_routes()
        .router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    let routes = Router::new()
        .merge(protected)
        .merge(health::router().router)
        .fallback(no_route)
        .with_state(state);
    middleware(routes, timeout, cors)
}

/// The layers around every route, outermost first to see the request: tracing; CORS
/// when origins are configured (outside the token check, so preflights are answered
/// here); gzip (the default predicate skips images other than SVG, and bodies under 32
/// bytes); the request timeout (503 after `timeout`); and a panic in a handler turned
/// into a 500 with the usual error body, logged with its message, which never reaches
/// the client.
fn middleware(routes: Router, timeout: Duration, cors: Option<CorsLayer>) -> Router {
    let router = routes
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(CompressionLayer::new());
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router.layer(TraceLayer::new_for_http())
}

/// The answer to a handler that panicked: [`ApiError::Internal`], which logs the cause
/// and shows the client only "internal error".
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("no message");
    ApiError::Internal(format!("handler panicked: {message}")).into_response()
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
        .merge(planner::router())
        .merge(dashboard::router())
        .merge(metrics::router())
        .merge(openapi::router())
        .merge(alerts::router())
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt as _;

    use super::*;

    /// Log lines written while the guard lives (on this thread).
    #[derive(Clone, Default)]
    pub(crate) struct Logs(Arc<Mutex<Vec<u8>>>);

    impl Logs {
        pub(crate) fn capture(&self) -> tracing::subscriber::DefaultGuard {
            let logs = self.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(move || logs.clone())
                .finish();
            tracing::subscriber::set_default(subscriber)
        }

        pub(crate) fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    impl Write for Logs {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A router whose `/boom` panics, behind the layers every route has.
    pub(crate) fn panicking() -> Router {
        let routes = Router::new()
            .route(
                "/boom",
                axum::routing::get(|| async {
                    if std::hint::black_box(true) {
                        panic!("secret detail: /var/lib/headcount/h.db");
                    }
                    "unreachable"
                }),
            )
            .route("/fine", axum::routing::get(|| async { "fine" }));
        middleware(routes, DEFAULT_TIMEOUT, None)
    }

    #[tokio::test]
    async fn a_panicking_handler_is_a_logged_500_with_the_usual_error_body() {
        let logs = Logs::default();
        let _guard = logs.capture();
        let resp = panicking()
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/json"
        );
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": "internal error", "param": null})
        );
        let logged = logs.text();
        assert!(
            logged.contains("handler panicked: secret detail: /var/lib/headcount/h.db"),
            "{logged}"
        );
        assert!(logged.contains("ERROR"), "{logged}");
    }
}
