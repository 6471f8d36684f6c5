//! The async client: configuration, validation, and one search request.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, DATE, HeaderMap, RETRY_AFTER};

use crate::response::{Body, Response, Rules, interpret};
use crate::text::keep;
use crate::url::{base_endpoint, display_url_masking};
use crate::{Activity, AuthToken, Error, Filters, Method};

/// The timeout [`ClientConfig::new`] sets.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The bound on agent counts [`ClientConfig::new`] sets: an answer counting more
/// agents than this is [`Error::BadBody`]. Generous for any one contact center, it
/// stops a broken upstream's `4294967295` from being stored as agents.
pub const DEFAULT_MAX_AGENTS: u32 = 100_000;

/// The most body bytes read from one response. A real answer is well under 200
/// bytes; this only stops a misbehaving server from filling memory.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Where and how to reach the upstream. `Debug` masks the token (also where it was
/// pasted into `base_url` by mistake).
#[derive(Clone)]
pub struct ClientConfig {
    /// The API root, such as `https://api.convoso.com/v1`; the search is sent to
    /// `{base_url}/user-activity/search`.
    pub base_url: String,
    /// The `auth_token` sent with every search.
    pub token: AuthToken,
    /// POST (form body) or GET (query string).
    pub method: Method,
    /// The limit on one whole search: connecting, sending, and reading the body.
    pub timeout: Duration,
    /// The most agents an answer may count (available or logged in); more is
    /// [`Error::BadBody`]. Must be at least 1.
    pub max_agents: u32,
}

impl ClientConfig {
    /// A configuration with the default method (POST), timeout (5 s) and bound on
    /// agent counts ([`DEFAULT_MAX_AGENTS`]).
    pub fn new(base_url: impl Into<String>, token: AuthToken) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            token,
            method: Method::default(),
            timeout: DEFAULT_TIMEOUT,
            max_agents: DEFAULT_MAX_AGENTS,
        }
    }

    /// The base URL as it may be printed or logged: [`display_url`](crate::display_url)'s
    /// rules, and the token masked wherever it was pasted.
    pub fn display_base_url(&self) -> String {
        display_url_masking(&self.base_url, self.token.expose())
    }
}

/// The client of the User Activity API.
///
/// Cloning is cheap: clones share one connection pool, so one `Client` can poll
/// hundreds of targets concurrently. `Debug` masks the token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: Url,
    /// The endpoint as it may be shown (see [`Client::display_endpoint`]).
    shown_endpoint: String,
    token: AuthToken,
    method: Method,
    timeout: Duration,
    max_agents: u32,
}

impl Client {
    /// Checks the configuration and builds the client.
    ///
    /// reqwest is built here without a bundled TLS crypto provider
    /// (`rustls-no-provider`) and panics if none is installed, so this installs
    /// rustls' `ring` provider as the process-wide default when no default is
    /// installed yet. A provider the application installed earlier is kept.
    ///
    /// # Errors
    ///
    /// [`Error::BadConfig`] when `base_url` breaks a rule of
    /// [`check_base_url`](crate::check_base_url) (the message shows it through
    /// [`ClientConfig::display_base_url`]), the token is empty, the timeout is zero,
    /// `max_agents` is zero, or the HTTP client cannot be built (for example, no
    /// usable TLS roots).
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let secret = config.token.expose().to_owned();
        Self::build(config).map_err(|e| e.redact(&secret))
    }

    fn build(config: ClientConfig) -> Result<Client, Error> {
        let bad = |reason: String| Error::BadConfig { reason };
        let secret = config.token.expose();
        let endpoint = base_endpoint(&config.base_url)
            .map_err(|why| bad(format!("base_url {:?}: {why}", config.display_base_url())))?;
        if secret.trim().is_empty() {
            return Err(bad("auth token: empty".to_owned()));
        }
        if config.timeout.is_zero() {
            return Err(bad("timeout: must be greater than zero".to_owned()));
        }
        if config.max_agents == 0 {
            return Err(bad("max_agents: must be greater than zero".to_owned()));
        }

        // Err only means a provider is installed already, which is what we need.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("headcount/", env!("CARGO_PKG_VERSION")))
            // A redirect would carry the token (in a GET query) to wherever it
            // points; a 3xx is reported as its status instead.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| bad(format!("http client: {}", chain(&e.without_url(), secret))))?;

        let shown_endpoint = display_url_masking(endpoint.as_str(), secret);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint,
                shown_endpoint,
                token: config.token,
                method: config.method,
                timeout: config.timeout,
                max_agents: config.max_agents,
            }),
        })
    }

    /// The search URL, `{base_url}/user-activity/search`. It has no credentials,
    /// query or fragment, but a path could still hold a secret: to print or log it,
    /// use [`display_endpoint`](Client::display_endpoint).
    pub fn endpoint(&self) -> &str {
        self.inner.endpoint.as_str()
    }

    /// The search URL as it may be printed or logged
    /// ([`display_url`](crate::display_url)'s rules, the token masked).
    pub fn display_endpoint(&self) -> &str {
        &self.inner.shown_endpoint
    }

    /// The most agents an answer may count.
    pub fn max_agents(&self) -> u32 {
        self.inner.max_agents
    }

    /// The HTTP method searches are sent with.
    pub fn method(&self) -> Method {
        self.inner.method
    }

    /// The limit on one whole search.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Asks the upstream how many agents matching `filters` are available and logged
    /// in right now. Only the set filters are sent, in their canonical form.
    ///
    /// Runs on a Tokio runtime with its time driver enabled (the timeout is a Tokio
    /// timer). Dropping the future abandons the request.
    ///
    /// # Errors
    ///
    /// Every failure is an error, never zero agents: [`Error::Timeout`] when no
    /// complete response arrives within the timeout, [`Error::Connect`] for transport
    /// failures, and the errors the crate documentation lists for the response.
    /// Never [`Error::BadConfig`].
    pub async fn search(&self, filters: &Filters) -> Result<Activity, Error> {
        let inner = &*self.inner;
        let token = inner.token.expose();
        let filter_params = filters.to_params();
        let mut params: Vec<(&str, &str)> = Vec::with_capacity(filter_params.len() + 1);
        params.push(("auth_token", token));
        params.extend(filter_params.iter().map(|(k, v)| (*k, v.as_str())));

        let request = match inner.method {
            Method::Post => inner.http.post(inner.endpoint.clone()).form(&params),
            Method::Get => inner.http.get(inner.endpoint.clone()).query(&params),
        }
        .header(ACCEPT, "application/json");

        let rules = Rules {
            max_agents: inner.max_agents,
            secret: token,
        };
        // One timer around the whole exchange, body included.
        let result = match tokio::time::timeout(inner.timeout, exchange(request, &rules)).await {
            Ok(result) => result,
            Err(_elapsed) => Err(Error::Timeout {
                after: inner.timeout,
            }),
        };
        // Texts were masked before they were cut; this is a second line of defence.
        let result = result.map_err(|e| e.redact(token));
        match &result {
            Ok(activity) => tracing::debug!(
                endpoint = inner.shown_endpoint.as_str(),
                %filters,
                available = activity.available_agents,
                logged_in = activity.logged_in_agents,
                "search ok"
            ),
            Err(e) => tracing::debug!(
                endpoint = inner.shown_endpoint.as_str(),
                %filters,
                kind = e.kind().as_str(),
                error = %e,
                "search failed"
            ),
        }
        result
    }
}

/// Sends the request and reads the whole response, at most [`MAX_BODY_BYTES`] of it.
async fn exchange(request: reqwest::RequestBuilder, rules: &Rules<'_>) -> Result<Activity, Error> {
    let transport = |e: reqwest::Error| transport(e, rules.secret);
    let mut response = request.send().await.map_err(transport)?;
    let received = SystemTime::now();
    let status = response.status().as_u16();
    let headers = response.headers().clone();

    let mut body = Vec::new();
    let mut too_large = response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64);
    while !too_large && let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            too_large = true;
        } else {
            body.extend_from_slice(&chunk);
        }
    }
    let body = if too_large {
        Body::TooLarge
    } else {
        Body::Complete(&body)
    };
    let header = |name| header_text(&headers, name);
    let response = Response {
        status,
        content_type: header(CONTENT_TYPE),
        retry_after: header(RETRY_AFTER),
        date: header(DATE),
        received,
        body,
    };
    interpret(&response, rules)
}

/// A header's value as text, if it is there and readable.
fn header_text(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A reqwest failure as an [`Error`], without its URL (a GET URL holds the token).
fn transport(e: reqwest::Error, secret: &str) -> Error {
    Error::Connect {
        reason: chain(&e.without_url(), secret),
    }
}

/// An error and its sources, `outer: inner: innermost`, skipping repeats, the secret
/// masked.
fn chain(e: &(dyn std::error::Error + 'static), secret: &str) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    keep(&parts.join(": "), secret, 300)
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.display_base_url())
            .field("token", &self.token)
            .field("method", &self.method)
            .field("timeout", &self.timeout)
            .field("max_agents", &self.max_agents)
            .finish()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.shown_endpoint)
            .field("method", &self.inner.method)
            .field("timeout", &self.inner.timeout)
            .field("max_agents", &self.inner.max_agents)
            .field("token", &self.inner.token)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(base: &str) -> Result<String, String> {
        base_endpoint(base).map(|u| u.to_string())
    }

    fn reason(config: ClientConfig) -> String {
        match Client::new(config) {
            Err(Error::BadConfig { reason }) => reason,
            other => panic!("expected BadConfig, got {other:?}"),
        }
    }

    fn token() -> AuthToken {
        AuthToken::new("tok-SECRET-9f3a".into())
    }

    #[test]
    fn endpoint_appends_the_search_path_once() {
        assert_eq!(
            url("https://api.convoso.com/v1").unwrap(),
            "https://api.convoso.com/v1/user-activity/search"
        );
        assert_eq!(
            url("http://127.0.0.1:8080/v1/").unwrap(),
            "http://127.0.0.1:8080/v1/user-activity/search"
        );
        assert_eq!(
            url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/user-activity/search"
        );
    }

    #[test]
    fn new_refuses_unusable_base_urls_showing_them_safely() {
        let r = reason(ClientConfig::new("api.convoso.com/v1", token()));
        assert_eq!(
            r,
            "base_url \"api.convoso.com/v1\": not a valid URL: relative URL without a base"
        );
        let r = reason(ClientConfig::new("ftp://example.com/v1", token()));
        assert_eq!(
            r,
            "base_url \"ftp://example.com/v1\": scheme must be http or https"
        );
        // Neither the user name nor the password is echoed.
        let r = reason(ClientConfig::new(
            "https://alice:pw-hunter2@example.com/v1",
            token(),
        ));
        assert_eq!(
            r,
            "base_url \"https://****@example.com/v1\": must not contain credentials \
             (a user name or password): the token is sent as auth_token"
        );
        let r = reason(ClientConfig::new(
            "https://example.com/v1?auth_token=abc",
            token(),
        ));
        assert_eq!(
            r,
            "base_url \"https://example.com/v1?auth_token=****\": must not have a query string"
        );
        let r = reason(ClientConfig::new("https://example.com/v1#x", token()));
        assert_eq!(
            r,
            "base_url \"https://example.com/v1#x\": must not have a fragment"
        );
    }

    #[test]
    fn max_agents_defaults_to_the_documented_bound_and_zero_is_refused() {
        let config = ClientConfig::new("http://127.0.0.1/v1", token());
        assert_eq!(config.max_agents, 100_000);
        assert_eq!(Client::new(config.clone()).unwrap().max_agents(), 100_000);
        let zero = ClientConfig {
            max_agents: 0,
            ..config
        };
        assert_eq!(reason(zero), "max_agents: must be greater than zero");
    }

    #[test]
    fn a_token_in_the_base_url_path_is_masked_where_the_url_is_shown() {
        let config = ClientConfig::new("http://127.0.0.1:9/v1/tok-SECRET-9f3a", token());
        assert_eq!(config.display_base_url(), "http://127.0.0.1:9/v1/****");
        let client = Client::new(config).unwrap();
        assert_eq!(
            client.display_endpoint(),
            "http://127.0.0.1:9/v1/****/user-activity/search"
        );
        assert!(!format!("{client:?}").contains("SECRET"));
    }
}
