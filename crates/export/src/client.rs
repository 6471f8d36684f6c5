//! The remote-write HTTP client: one POST per request, with the headers remote write
//! 1.0 requires, and the receiver's answer sorted into taken, worth retrying, or
//! refused for good.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use headcount_config::{Credentials, RemoteWriteConfig};
use reqwest::header::{self, HeaderMap, HeaderValue};

use crate::error::{Error, Result};
use crate::prompb::WriteRequest;

/// The remote-write protocol version this client speaks.
pub const PROTOCOL_VERSION: &str = "0.1.0";

/// Most characters of a receiver's answer kept for a log line.
const MAX_ANSWER_CHARS: usize = 512;

/// Longest wait a `Retry-After` may ask for before it is capped.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// How a send ended when the receiver did not take the samples.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying: a network error, a timeout, 5xx or 429. `retry_after` is the
    /// receiver's `Retry-After`, when it gave one.
    #[error("remote write: {reason} (will retry)")]
    Retry {
        /// What happened, e.g. `HTTP 503: …` or `connect: …`.
        reason: String,
        /// The wait the receiver asked for.
        retry_after: Option<Duration>,
    },
    /// Refused for good (a 4xx other than 429): the same request will never be taken.
    #[error("remote write: HTTP {status}: {answer}")]
    Refused {
        /// The status code.
        status: u16,
        /// The receiver's answer (trimmed, at most 512 characters).
        answer: String,
    },
}

/// A client for one receiver.
#[derive(Clone)]
pub struct RemoteWriteClient {
    http: reqwest::Client,
    url: reqwest::Url,
    /// The URL as shown in logs.
    shown: String,
}

impl std::fmt::Debug for RemoteWriteClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteWriteClient")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

impl RemoteWriteClient {
    /// A client for `config`'s receiver with `credentials` (see
    /// [`RemoteWriteConfig::credentials`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the URL does not parse or the credentials cannot be a
    /// header; [`Error::Client`] when the HTTP client cannot be built.
    pub fn new(config: &RemoteWriteConfig, credentials: &Credentials) -> Result<Self> {
        // reqwest is built without a bundled crypto provider (see headcount-convoso).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let url = reqwest::Url::parse(&config.url)
            .map_err(|e| Error::Config(format!("export.remote_write.url: {e}")))?;
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("snappy"));
        headers.insert(
            "X-Prometheus-Remote-Write-Version",
            HeaderValue::from_static(PROTOCOL_VERSION),
        );
        let auth = match credentials {
            Credentials::None => None,
            Credentials::Bearer(token) => Some(format!("Bearer {}", token.expose())),
            Credentials::Basic { username, password } => {
                let pair = format!("{username}:{}", password.expose());
                Some(format!("Basic {}", STANDARD.encode(pair)))
            }
        };
        if let Some(auth) = auth {
            let mut value = HeaderValue::from_str(&auth).map_err(|_| {
                Error::Config(
                    "export.remote_write: the credentials hold characters a header cannot"
                        .to_owned(),
                )
            })?;
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("headcount/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| Error::Client(e.to_string()))?;
        let shown = format!(
            "{}://{}{}",
            url.scheme(),
            url.host_str().unwrap_or_default(),
            url.port().map(|p| format!(":{p}")).unwrap_or_default()
        ) + url.path();
        Ok(RemoteWriteClient { http, url, shown })
    }

    /// The receiver's URL as logs show it.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// Sends `req` once.
    ///
    /// # Errors
    ///
    /// [`SendError::Retry`] or [`SendError::Refused`], as the receiver answered.
    pub async fn send(&self, req: &WriteRequest) -> Result<(), SendError> {
        self.send_body(req.encode_body()).await
    }

    /// Sends an encoded body (see [`WriteRequest::encode_body`]) once.
    ///
    /// # Errors
    ///
    /// As [`RemoteWriteClient::send`].
    pub async fn send_body(&self, body: Vec<u8>) -> Result<(), SendError> {
        let response = self
            .http
            .post(self.url.clone())
            .body(body)
            .send()
            .await
            .map_err(|e| SendError::Retry {
                reason: describe(e),
                retry_after: None,
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
        let answer = response.text().await.unwrap_or_default();
        let answer: String = answer.trim().chars().take(MAX_ANSWER_CHARS).collect();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(SendError::Retry {
                reason: format!("HTTP {}: {answer}", status.as_u16()),
                retry_after,
            });
        }
        Err(SendError::Refused {
            status: status.as_u16(),
            answer,
        })
    }
}

/// A transport error in a few words, without the URL (it may carry a host name the
/// operator already knows; the exporter logs the URL once at start).
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "request"
    };
    let e = e.without_url();
    let mut why = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        why = format!("{why}: {s}");
        source = s.source();
    }
    format!("{kind}: {why}")
}
