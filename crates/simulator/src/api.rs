//! The HTTP routes: the User Activity API, a plain-text index and fault control.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use serde::Serialize;

use crate::Error;
use crate::faults::{Fate, Faults, RetryAfterForm, api_error_message};
use crate::filter::Filter;
use crate::hash::{keyed, unit};
use crate::scenario::{Scenario, parse_body};
use crate::server::Shared;

/// The search route, below the reference's base URL `https://api.convoso.com/v1`.
pub(crate) const SEARCH_PATH: &str = "/v1/user-activity/search";

/// What an injected malformed answer says: JSON cut off mid-object.
const MALFORMED_BODY: &str = r#"{"success": true, "data": {"available_agents": 1"#;

/// What an injected HTML answer says: a proxy's error page, at 200.
const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head>\n\
<body><h1>Service temporarily unavailable</h1><p>Please try again later.</p></body></html>\n";

/// Salt of the second per-request draw (counts as strings), independent of the first.
const STRING_COUNTS_SALT: u64 = 0x57_2136;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route(SEARCH_PATH, get(search).post(search))
        .route("/_sim/faults", get(get_faults).put(put_faults))
        .route(
            "/_sim/scenario",
            get(get_scenarios)
                .put(put_scenarios)
                .delete(delete_scenarios),
        )
        .fallback(not_found)
        .with_state(shared)
}

#[derive(Serialize)]
struct Success<N> {
    success: bool,
    data: Data<N>,
}

/// The counts, as numbers (`u32`) or, for the `string_counts_rate` fault, strings.
#[derive(Serialize)]
struct Data<N> {
    available_agents: N,
    logged_in_agents: N,
}

#[derive(Serialize)]
struct Failure {
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<u32>,
    error: &'static str,
}

fn failure(code: Option<u32>, error: &'static str) -> Response {
    Json(Failure {
        success: false,
        code,
        error,
    })
    .into_response()
}

/// A `{"success": false, "code": C, "text": M}` answer, the way real deployments word
/// their failures.
fn text_failure(status: StatusCode, code: u32, text: &'static str) -> Response {
    #[derive(Serialize)]
    struct TextFailure {
        success: bool,
        code: u32,
        text: &'static str,
    }
    let body = TextFailure {
        success: false,
        code,
        text,
    };
    (status, Json(body)).into_response()
}

/// An IMF-fixdate (RFC 9110), such as `Tue, 17 Nov 2026 16:00:30 GMT`.
fn http_date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// The injected 429, with its `Retry-After` in the configured form.
fn rate_limited(faults: &Faults, now: i64) -> Response {
    let mut response = text_failure(StatusCode::TOO_MANY_REQUESTS, 429, "Too Many Requests");
    let wait = faults.retry_after_secs;
    let headers = response.headers_mut();
    let mut set = |name, value: String| {
        if let Ok(value) = header::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    match faults.retry_after_form {
        RetryAfterForm::Seconds => set(header::RETRY_AFTER, wait.to_string()),
        RetryAfterForm::Date => {
            // Both from the simulator's clock, so a client measuring from `Date` reads
            // exactly the configured wait, whatever time the clock serves.
            let at = now.saturating_add(i64::try_from(wait).unwrap_or(i64::MAX));
            set(header::DATE, http_date(now));
            set(header::RETRY_AFTER, http_date(at));
        }
        RetryAfterForm::None => {}
    }
    response
}

fn shutting_down() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "simulator shutting down\n").into_response()
}

async fn search(State(sim): State<Arc<Shared>>, request: Request) -> Response {
    let n = sim.next_request();
    let faults = sim.faults();
    if !faults.latency.is_zero() {
        tokio::select! {
            () = tokio::time::sleep(faults.latency) => {}
            () = sim.stopped() => return shutting_down(),
        }
    }
    let fate = faults.fate(unit(keyed(sim.fault_key, n as i64)));
    match fate {
        Fate::Hang => {
            tracing::debug!(request = n, "fault: hanging until shutdown");
            sim.stopped().await;
            return shutting_down();
        }
        Fate::ServerError => {
            tracing::debug!(request = n, "fault: 500");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "simulated internal server error\n",
            )
                .into_response();
        }
        Fate::Malformed => {
            tracing::debug!(request = n, "fault: malformed body");
            return ([(header::CONTENT_TYPE, "application/json")], MALFORMED_BODY).into_response();
        }
        Fate::ApiError(code) => {
            tracing::debug!(request = n, code, "fault: API error");
            return failure(Some(code), api_error_message(code));
        }
        Fate::TextError(code) => {
            tracing::debug!(request = n, code, "fault: API error in text");
            return text_failure(StatusCode::OK, code, api_error_message(code));
        }
        Fate::Unauthorized => {
            tracing::debug!(request = n, "fault: 401");
            return text_failure(StatusCode::UNAUTHORIZED, 401, "Unauthorized");
        }
        Fate::Forbidden => {
            tracing::debug!(request = n, "fault: 403");
            return text_failure(StatusCode::FORBIDDEN, 403, "Forbidden");
        }
        Fate::RateLimited => {
            tracing::debug!(request = n, "fault: 429");
            return rate_limited(&faults, sim.clock.now());
        }
        Fate::Html => {
            tracing::debug!(request = n, "fault: HTML page");
            return (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                HTML_PAGE,
            )
                .into_response();
        }
        Fate::Answer => {}
    }

    let params = params(request).await;
    let param = |name: &str| params.get(name).map(String::as_str);
    // Only whether it matched is ever logged, never the token itself.
    if param("auth_token") != Some(sim.token.as_str()) {
        tracing::debug!(request = n, "invalid authentication token");
        return failure(None, "Invalid authentication token");
    }
    let filter = Filter::parse(
        param("campaign_id"),
        param("queue_id"),
        param("user_id"),
        param("filter_by_skill_options"),
    );
    match filter {
        Err(err) => {
            tracing::debug!(request = n, %err, "rejected");
            let code = err.api_code();
            failure(code, api_error_message(code.unwrap_or_default()))
        }
        Ok(filter) => {
            let now = sim.clock.now();
            let counts = sim.center.count(&filter, now);
            tracing::debug!(request = n, ?filter, now, ?counts, "answered");
            if faults.string_counts(unit(keyed(sim.fault_key ^ STRING_COUNTS_SALT, n as i64))) {
                return Json(Success {
                    success: true,
                    data: Data {
                        available_agents: counts.available.to_string(),
                        logged_in_agents: counts.logged_in.to_string(),
                    },
                })
                .into_response();
            }
            Json(Success {
                success: true,
                data: Data {
                    available_agents: counts.available,
                    logged_in_agents: counts.logged_in,
                },
            })
            .into_response()
        }
    }
}

/// Parameters from the query string, then from a form-encoded body, later ones
/// replacing earlier ones of the same name.
async fn params(request: Request) -> HashMap<String, String> {
    let mut params = HashMap::new();
    // Decoding into strings cannot fail (bad UTF-8 is replaced), so errors are moot.
    if let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(request.uri()) {
        params.extend(pairs);
    }
    // axum's `Form` reads the query string again for GET and HEAD; only other methods
    // have a body worth reading. A body of another content type is ignored.
    if request.method() != Method::GET
        && request.method() != Method::HEAD
        && let Ok(Form(pairs)) = Form::<Vec<(String, String)>>::from_request(request, &()).await
    {
        params.extend(pairs);
    }
    params
}

async fn index(State(sim): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    // The Host header only shapes the examples; the page is plain text.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("HOST:PORT");
    let center = &sim.center;
    let mut text = String::new();
    let _ = write!(
        text,
        "headcount simulator: a simulated contact center serving the User Activity API.\n\
         \n\
         POST or GET http://{host}{SEARCH_PATH}\n\
         \x20 auth_token (required), campaign_id, queue_id, user_id, filter_by_skill_options\n\
         \x20 from the query string and/or a form-encoded body (the body wins)\n\
         \n\
         \x20 curl -s http://{host}{SEARCH_PATH} -d auth_token=$TOKEN -d campaign_id=111\n\
         \x20 curl -s 'http://{host}{SEARCH_PATH}?auth_token=$TOKEN&queue_id=222&filter_by_skill_options=english,spanish'\n\
         \n\
         $TOKEN is the token the simulator was started with (default abc123).\n\
         \n"
    );
    let _ = writeln!(
        text,
        "time zone: {}, seed {}, now {}",
        center.config().timezone,
        center.config().seed,
        sim.clock.now()
    );
    let list = |items: Vec<String>| items.join(", ");
    let _ = writeln!(
        text,
        "campaigns: {}",
        list(
            center
                .campaigns()
                .iter()
                .map(|c| format!("{} {}", c.id, c.name))
                .collect()
        )
    );
    let _ = writeln!(
        text,
        "queues: {}",
        list(
            center
                .queues()
                .iter()
                .map(|q| format!("{} {}", q.id, q.name))
                .collect()
        )
    );
    let _ = writeln!(text, "skills: {}", center.skills().join(", "));
    if let (Some(first), Some(last)) = (center.agents().first(), center.agents().last()) {
        let _ = writeln!(
            text,
            "users: {}–{} (e.g. 12345)",
            first.user_id(),
            last.user_id()
        );
    }
    let now = sim.clock.now();
    let _ = write!(
        text,
        "\nfault injection: GET or PUT http://{host}/_sim/faults (JSON; {{}} switches all off)\n\
         \x20 curl -s -X PUT http://{host}/_sim/faults -d '{{\"error_rate\": 0.1, \"latency_ms\": 200}}'\n\
         \x20 curl -s -X PUT http://{host}/_sim/faults -d '{{\"rate_limit_rate\": 1, \"retry_after_s\": 60}}'\n\
         \n\
         short staffing: GET, PUT or DELETE http://{host}/_sim/scenario (JSON: one scenario or a list)\n\
         \x20 curl -s -X PUT http://{host}/_sim/scenario -d '{{\"campaign_id\": \"111\", \"available_factor\": 0.1, \"from\": {now}, \"until\": {until}}}'\n",
        until = now + 3600,
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

async fn get_faults(State(sim): State<Arc<Shared>>) -> Json<Faults> {
    Json(sim.faults())
}

/// A refused `PUT` of faults or scenarios.
#[derive(Serialize)]
struct Refused {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
}

/// Replaces the faults. The body is read as JSON whatever its content type, so a plain
/// `curl -d` works.
async fn put_faults(State(sim): State<Arc<Shared>>, body: Bytes) -> Response {
    let bad = |error: String, field| {
        (StatusCode::BAD_REQUEST, Json(Refused { error, field })).into_response()
    };
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(err) => return bad(format!("faults: {err}"), None),
    };
    match sim.set_faults(faults.clone()) {
        Ok(()) => {
            tracing::info!(?faults, "faults changed");
            Json(faults).into_response()
        }
        Err(err @ Error::InvalidFaultRate { field, .. }) => bad(err.to_string(), Some(field)),
        Err(err) => bad(err.to_string(), None),
    }
}

async fn get_scenarios(State(sim): State<Arc<Shared>>) -> Json<Vec<Scenario>> {
    Json(sim.center.scenarios())
}

/// Replaces the scenarios with the body's: one scenario or a list. The body is read
/// as JSON whatever its content type.
async fn put_scenarios(State(sim): State<Arc<Shared>>, body: Bytes) -> Response {
    let staged = parse_body(&body).and_then(|scenarios| {
        sim.center.set_scenarios(scenarios)?;
        Ok(sim.center.scenarios())
    });
    match staged {
        Ok(scenarios) => {
            tracing::info!(?scenarios, "scenarios changed");
            Json(scenarios).into_response()
        }
        Err(err) => {
            let field = match &err {
                Error::InvalidScenario { field, .. } => Some(*field),
                _ => None,
            };
            (
                StatusCode::BAD_REQUEST,
                Json(Refused {
                    error: err.to_string(),
                    field,
                }),
            )
                .into_response()
        }
    }
}

async fn delete_scenarios(State(sim): State<Arc<Shared>>) -> Json<Vec<Scenario>> {
    // An empty list has nothing to validate, so this cannot fail.
    let _ = sim.center.set_scenarios(Vec::new());
    tracing::info!("scenarios cleared");
    Json(Vec::new())
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        format!("not found: the API is at {SEARCH_PATH}; see / for help\n"),
    )
        .into_response()
}
