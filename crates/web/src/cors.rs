//! CORS for `[web] cors_origins`: lets a browser page on another origin (Grafana's
//! Infinity datasource in frontend mode, a team's own page) call the API.
//!
//! Off by default: without configured origins no CORS header is sent and browsers
//! keep blocking cross-origin reads. With them, tower-http's [`CorsLayer`] answers
//! preflight `OPTIONS` requests itself, before the token check (browsers send no
//! credentials on a preflight), and adds `Access-Control-Allow-Origin` to answers for
//! an allowed `Origin`. `Authorization` may be sent, so an API token works from the
//! page; nothing is allowed but reads (GET, HEAD).

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may cache a preflight answer.
const MAX_AGE: Duration = Duration::from_secs(600);

/// The layer for `origins`, or `None` when there are none.
pub(crate) fn layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        // The config checked each origin's form; one that is still no header value is
        // skipped rather than taking the server down.
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok())
                .collect::<Vec<_>>(),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::HEAD])
            .allow_headers([
                header::AUTHORIZATION,
                header::ACCEPT,
                header::CONTENT_TYPE,
                HeaderName::from_static("x-grafana-org-id"),
            ])
            .expose_headers([header::CONTENT_TYPE, header::CONTENT_DISPOSITION])
            .max_age(MAX_AGE),
    )
}
