//! The crate's one error type and the kind of each failure.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything that can go wrong building a [`Client`](crate::Client) or polling
/// through it.
///
/// No variant ever carries the authentication token: transport errors are stripped of
/// their URL (a GET request's URL holds the token in its query) and every text that
/// came from the network has the token masked before it is stored here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No complete response (headers and body) arrived within the configured timeout.
    #[error("upstream: timed out after {after:?}")]
    Timeout {
        /// The timeout that ran out.
        after: Duration,
    },
    /// The request could not be carried out: connection refused, DNS failure, reset,
    /// TLS failure, or the connection broke while the body was read.
    #[error("upstream: connection failed: {reason}")]
    Connect {
        /// What the transport reported.
        reason: String,
    },
    /// A non-2xx status without a recognised error body.
    #[error("upstream: unexpected http status {status}")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
    },
    /// A 2xx response whose body is not a valid answer: not JSON, wrong shape, counts
    /// missing, negative, fractional, or more available than logged-in agents.
    #[error("upstream: malformed response: {reason}")]
    BadBody {
        /// What is wrong with the body.
        reason: String,
    },
    /// The upstream rejected the authentication token: HTTP 401, or an error whose
    /// message is about the token.
    #[error("upstream: invalid authentication token")]
    InvalidToken,
    /// HTTP 403 whose message is not about the token: the token is valid but not for
    /// this office or resource.
    #[error(
        "upstream: refused access (403): the token is not allowed for this office or resource{}",
        upstream_says(.message)
    )]
    Forbidden {
        /// What the upstream said, when it said something (from `error`, `message` or
        /// `text`, or a plain-text body), cleaned and cut like [`Error::Api`]'s.
        message: Option<String>,
    },
    /// HTTP 429: too many requests.
    #[error("upstream: rate limited (429){}", retry_label(.retry_after))]
    RateLimited {
        /// How long the upstream asked to wait, from `Retry-After` (delta-seconds, or
        /// an HTTP-date measured from the response's `Date`, else from when it was
        /// received; a date in the past is zero), rounded up to whole seconds. `None`
        /// when the header is missing or unreadable.
        retry_after: Option<Duration>,
    },
    /// The upstream rejected the campaign id (code 6026).
    #[error("upstream: invalid campaign id (code 6026)")]
    InvalidCampaign,
    /// The upstream rejected the queue id (code 6041).
    #[error("upstream: invalid queue id (code 6041)")]
    InvalidQueue,
    /// The upstream rejected the user id (code 6006).
    #[error("upstream: invalid user id (code 6006)")]
    InvalidUser,
    /// Any other `"success": false` answer.
    #[error("upstream: api error{}: {message}", code_label(.code))]
    Api {
        /// The `code` field, when there was one.
        code: Option<i64>,
        /// The `error`, `message` or `text` field (the first that is a non-blank
        /// string), with the token masked and control characters removed, then cut to
        /// about 200 characters; `(no message)` when there is none.
        message: String,
    },
    /// The client configuration is unusable. Only [`Client::new`](crate::Client::new)
    /// and parsing a [`Method`](crate::Method) return this; `search` never does.
    #[error("client config: {reason}")]
    BadConfig {
        /// What is wrong, naming the setting.
        reason: String,
    },
}

fn code_label(code: &Option<i64>) -> String {
    code.map(|c| format!(" {c}")).unwrap_or_default()
}

fn upstream_says(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!("; the upstream says: {m}"))
        .unwrap_or_default()
}

fn retry_label(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!(", retry after {}s", d.as_secs()))
        .unwrap_or_default()
}

impl Error {
    /// The kind of this error: what a failed poll is recorded as.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Connect { .. } => ErrorKind::Connect,
            Error::HttpStatus { .. } => ErrorKind::HttpStatus,
            Error::BadBody { .. } => ErrorKind::BadBody,
            Error::InvalidToken => ErrorKind::InvalidToken,
            Error::Forbidden { .. } => ErrorKind::Forbidden,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::InvalidCampaign => ErrorKind::InvalidCampaign,
            Error::InvalidQueue => ErrorKind::InvalidQueue,
            Error::InvalidUser => ErrorKind::InvalidUser,
            Error::Api { .. } => ErrorKind::ApiError,
            Error::BadConfig { .. } => ErrorKind::BadConfig,
        }
    }

    /// How long the upstream asked to wait before the next request: the
    /// `Retry-After` of an [`Error::RateLimited`]; `None` for every other error.
    ///
    /// The value is the upstream's, unbounded (`Retry-After: 99999999999` is about
    /// 3,000 years): a caller that sleeps on it should cap it.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// Masks `secret` (as written and as form-encoded) in every text this error holds.
    pub(crate) fn redact(self, secret: &str) -> Self {
        let mask = |s: String| crate::text::redact(s, secret);
        match self {
            Error::Connect { reason } => Error::Connect {
                reason: mask(reason),
            },
            Error::BadBody { reason } => Error::BadBody {
                reason: mask(reason),
            },
            Error::Api { code, message } => Error::Api {
                code,
                message: mask(message),
            },
            Error::Forbidden { message } => Error::Forbidden {
                message: message.map(mask),
            },
            Error::BadConfig { reason } => Error::BadConfig {
                reason: mask(reason),
            },
            other => other,
        }
    }
}

/// The kind of an [`Error`], as stored in a sample's `outcome`.
///
/// Serialises as [`as_str`](ErrorKind::as_str).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// [`Error::Timeout`]: `"timeout"`.
    Timeout,
    /// [`Error::Connect`]: `"connect"`.
    Connect,
    /// [`Error::HttpStatus`]: `"http_status"`.
    HttpStatus,
    /// [`Error::BadBody`]: `"bad_body"`.
    BadBody,
    /// [`Error::InvalidToken`]: `"invalid_token"`.
    InvalidToken,
    /// [`Error::Forbidden`]: `"forbidden"`.
    Forbidden,
    /// [`Error::RateLimited`]: `"rate_limited"`.
    RateLimited,
    /// [`Error::InvalidCampaign`]: `"invalid_campaign"`.
    InvalidCampaign,
    /// [`Error::InvalidQueue`]: `"invalid_queue"`.
    InvalidQueue,
    /// [`Error::InvalidUser`]: `"invalid_user"`.
    InvalidUser,
    /// [`Error::Api`]: `"api_error"`.
    ApiError,
    /// [`Error::BadConfig`]: `"bad_config"`. Never the outcome of a poll:
    /// [`Client::search`](crate::Client::search) does not return it.
    BadConfig,
}

impl ErrorKind {
    /// Every kind a failed poll can have (all but [`ErrorKind::BadConfig`]).
    pub const POLL_OUTCOMES: [ErrorKind; 11] = [
        ErrorKind::Timeout,
        ErrorKind::Connect,
        ErrorKind::HttpStatus,
        ErrorKind::BadBody,
        ErrorKind::InvalidToken,
        ErrorKind::InvalidCampaign,
        ErrorKind::InvalidQueue,
        ErrorKind::InvalidUser,
        ErrorKind::ApiError,
        ErrorKind::Forbidden,
        ErrorKind::RateLimited,
    ];

    /// The stable snake_case name of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::HttpStatus => "http_status",
            ErrorKind::BadBody => "bad_body",
            ErrorKind::InvalidToken => "invalid_token",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::InvalidCampaign => "invalid_campaign",
            ErrorKind::InvalidQueue => "invalid_queue",
            ErrorKind::InvalidUser => "invalid_user",
            ErrorKind::ApiError => "api_error",
            ErrorKind::BadConfig => "bad_config",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_documented_outcomes() {
        let names: Vec<&str> = ErrorKind::POLL_OUTCOMES
            .iter()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "timeout",
                "connect",
                "http_status",
                "bad_body",
                "invalid_token",
                "invalid_campaign",
                "invalid_queue",
                "invalid_user",
                "api_error",
                "forbidden",
                "rate_limited"
            ]
        );
        assert_eq!(ErrorKind::BadConfig.as_str(), "bad_config");
    }

    #[test]
    fn kind_serialises_as_its_name() {
        for kind in ErrorKind::POLL_OUTCOMES
            .into_iter()
            .chain([ErrorKind::BadConfig])
        {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<ErrorKind>(&json).unwrap(), kind);
        }
    }

    #[test]
    fn api_error_message_shows_code_only_when_present() {
        let with = Error::Api {
            code: Some(7001),
            message: "rate limited".into(),
        };
        let without = Error::Api {
            code: None,
            message: "rate limited".into(),
        };
        assert_eq!(with.to_string(), "upstream: api error 7001: rate limited");
        assert_eq!(without.to_string(), "upstream: api error: rate limited");
    }

    #[test]
    fn forbidden_and_rate_limited_messages_say_what_to_do() {
        assert_eq!(
            Error::Forbidden {
                message: Some("Forbidden".into())
            }
            .to_string(),
            "upstream: refused access (403): the token is not allowed for this office or \
             resource; the upstream says: Forbidden"
        );
        assert_eq!(
            Error::Forbidden { message: None }.to_string(),
            "upstream: refused access (403): the token is not allowed for this office or resource"
        );
        let limited = Error::RateLimited {
            retry_after: Some(Duration::from_secs(120)),
        };
        assert_eq!(
            limited.to_string(),
            "upstream: rate limited (429), retry after 120s"
        );
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(120)));
        let unknown = Error::RateLimited { retry_after: None };
        assert_eq!(unknown.to_string(), "upstream: rate limited (429)");
        assert_eq!(unknown.retry_after(), None);
        assert_eq!(Error::InvalidToken.retry_after(), None);
        assert_eq!(limited.kind().as_str(), "rate_limited");
        assert_eq!(
            Error::Forbidden { message: None }.kind().as_str(),
            "forbidden"
        );
    }

    #[test]
    fn redact_masks_the_secret_in_every_text() {
        let e = Error::Api {
            code: None,
            message: "bad tok-1 and tok%2B1 and tok+1".into(),
        }
        .redact("tok+1");
        assert_eq!(
            e,
            Error::Api {
                code: None,
                message: "bad tok-1 and **** and ****".into()
            }
        );
    }
}
