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
    /// The upstream rejected the authentication token.
    #[error("upstream: invalid authentication token")]
    InvalidToken,
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
        /// The `error` (or `message`) field, without control characters, cut to about
        /// 200 characters.
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

impl Error {
    /// The kind of this error: what a failed poll is recorded as.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Connect { .. } => ErrorKind::Connect,
            Error::HttpStatus { .. } => ErrorKind::HttpStatus,
            Error::BadBody { .. } => ErrorKind::BadBody,
            Error::InvalidToken => ErrorKind::InvalidToken,
            Error::InvalidCampaign => ErrorKind::InvalidCampaign,
            Error::InvalidQueue => ErrorKind::InvalidQueue,
            Error::InvalidUser => ErrorKind::InvalidUser,
            Error::Api { .. } => ErrorKind::ApiError,
            Error::BadConfig { .. } => ErrorKind::BadConfig,
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
    pub const POLL_OUTCOMES: [ErrorKind; 9] = [
        ErrorKind::Timeout,
        ErrorKind::Connect,
        ErrorKind::HttpStatus,
        ErrorKind::BadBody,
        ErrorKind::InvalidToken,
        ErrorKind::InvalidCampaign,
        ErrorKind::InvalidQueue,
        ErrorKind::InvalidUser,
        ErrorKind::ApiError,
    ];

    /// The stable snake_case name of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::HttpStatus => "http_status",
            ErrorKind::BadBody => "bad_body",
            ErrorKind::InvalidToken => "invalid_token",
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
                "api_error"
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
