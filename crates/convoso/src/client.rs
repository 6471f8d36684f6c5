//! The async client: configuration, validation, and one search request.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use crate::response::{Body, interpret};
use crate::text::clean;
use crate::{Activity, AuthToken, Error, Filters, Method};

/// The timeout [`ClientConfig::new`] sets.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

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
}

impl ClientConfig {
    /// A configuration with the default method (POST) and timeout (5 s).
    pub fn new(base_url: impl Into<String>, token: AuthToken) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            token,
            method: Method::default(),
            timeout: DEFAULT_TIMEOUT,
        }
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
    token: AuthToken,
    method: Method,
    timeout: Duration,
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
    /// [`Error::BadConfig`] when `base_url` is not an `http` or `https` URL (or has
    /// credentials, a query or a fragment), the token is empty, the timeout is zero,
    /// or the HTTP client cannot be built (for example, no usable TLS roots).
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let secret = config.token.expose().to_owned();
        Self::build(config).map_err(|e| e.redact(&secret))
    }

    fn build(config: ClientConfig) -> Result<Client, Error> {
        let bad = |reason: String| Error::BadConfig { reason };
        let endpoint = endpoint(&config.base_url).map_err(bad)?;
        if config.token.expose().trim().is_empty() {
            return Err(bad("auth token: empty".to_owned()));
        }
        if config.timeout.is_zero() {
            return Err(bad("timeout: must be greater than zero".to_owned()));
        }

        // Err only means a provider is installed already, which is what we need.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("headcount/", env!("CARGO_PKG_VERSION")))
            // A redirect would carry the token (in a GET query) to wherever it
            // points; a 3xx is reported as its status instead.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| bad(format!("http client: {}", chain(&e.without_url()))))?;

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint,
                token: config.token,
                method: config.method,
                timeout: config.timeout,
            }),
        })
    }

    /// The search URL, `{base_url}/user-activity/search` (it never holds the token).
    pub fn endpoint(&self) -> &str {
        self.inner.endpoint.as_str()
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

        // One timer around the whole exchange, body included.
        let result = match tokio::time::timeout(inner.timeout, exchange(request)).await {
            Ok(result) => result,
            Err(_elapsed) => Err(Error::Timeout {
                after: inner.timeout,
            }),
        };
        let result = result.map_err(|e| e.redact(token));
        match &result {
            Ok(activity) => tracing::debug!(
                endpoint = inner.endpoint.as_str(),
                %filters,
                available = activity.available_agents,
                logged_in = activity.logged_in_agents,
                "search ok"
            ),
            Err(e) => tracing::debug!(
                endpoint = inner.endpoint.as_str(),
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
async fn exchange(request: reqwest::RequestBuilder) -> Result<Activity, Error> {
    let mut response = request.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

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
    interpret(status, content_type.as_deref(), body)
}

/// A reqwest failure as an [`Error`], without its URL (a GET URL holds the token).
fn transport(e: reqwest::Error) -> Error {
    Error::Connect {
        reason: chain(&e.without_url()),
    }
}

/// An error and its sources, `outer: inner: innermost`, skipping repeats.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    clean(&parts.join(": "), 300)
}

/// The search URL of a base URL, or why the base URL is unusable.
fn endpoint(base_url: &str) -> Result<Url, String> {
    let trimmed = base_url.trim();
    let shown = || clean(trimmed, 100);
    let base =
        Url::parse(trimmed).map_err(|e| format!("base_url {:?}: not a valid URL: {e}", shown()))?;
    // Name a URL that parsed without its query, fragment or password.
    let mut name = base.clone();
    name.set_query(None);
    name.set_fragment(None);
    let _ = name.set_password(None);
    let name = name.as_str().to_owned();
    if !matches!(base.scheme(), "http" | "https") {
        return Err(format!("base_url {name:?}: scheme must be http or https"));
    }
    if base.host_str().is_none_or(str::is_empty) {
        return Err(format!("base_url {name:?}: no host"));
    }
    if !base.username().is_empty() || base.password().is_some() {
        return Err(format!("base_url {name:?}: must not contain credentials"));
    }
    if base.query().is_some() {
        return Err(format!("base_url {name:?}: must not have a query string"));
    }
    if base.fragment().is_some() {
        return Err(format!("base_url {name:?}: must not have a fragment"));
    }
    let joined = format!("{}/user-activity/search", trimmed.trim_end_matches('/'));
    Url::parse(&joined).map_err(|e| format!("base_url {name:?}: not a valid URL: {e}"))
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base_url = crate::text::redact(self.base_url.clone(), self.token.expose());
        f.debug_struct("ClientConfig")
            .field("base_url", &base_url)
            .field("token", &self.token)
            .field("method", &self.method)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("method", &self.inner.method)
            .field("timeout", &self.inner.timeout)
            .field("token", &self.inner.token)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(base: &str) -> Result<String, String> {
        endpoint(base).map(|u| u.to_string())
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
    fn endpoint_refuses_unusable_base_urls_naming_them() {
        let e = url("api.convoso.com/v1").unwrap_err();
        assert!(
            e.starts_with("base_url \"api.convoso.com/v1\": not a valid URL"),
            "{e}"
        );
        let e = url("ftp://example.com/v1").unwrap_err();
        assert_eq!(
            e,
            "base_url \"ftp://example.com/v1\": scheme must be http or https"
        );
        let e = url("https://u:pw-secret@example.com/v1").unwrap_err();
        assert_eq!(
            e,
            "base_url \"https://u@example.com/v1\": must not contain credentials"
        );
        let e = url("https://example.com/v1?auth_token=abc").unwrap_err();
        assert_eq!(
            e,
            "base_url \"https://example.com/v1\": must not have a query string"
        );
        let e = url("https://example.com/v1#x").unwrap_err();
        assert_eq!(
            e,
            "base_url \"https://example.com/v1\": must not have a fragment"
        );
    }
}
