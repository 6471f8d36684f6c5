//! [`ApiError`]: every way a request fails, and its one mapping to a response.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The body of every error response: `{"error": "...", "param": "from"}`. `param` names
/// the query or path parameter at fault, `null` when none is (401, 5xx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for people; for a bad parameter it says what is accepted.
    pub error: String,
    /// The parameter at fault (`from`, `to`, `tz`, `step`, `compare`, `horizon`,
    /// `width`, `height`, `theme`, `name`, `kind`, `format`, or an unknown name given).
    pub param: Option<String>,
}

/// Every way a request fails. Client errors carry a message and the parameter at
/// fault; server errors are logged in full and answered with a bare "internal error".
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A query or path parameter has a bad value, is unknown, or is repeated: 400.
    #[error("{param}: {message}")]
    BadParam {
        /// The parameter.
        param: String,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// No configured target has this name: 404.
    #[error("unknown target {0:?}")]
    UnknownTarget(String),
    /// The target is configured but has no sample yet (`/latest`): 404.
    #[error("target {0:?}: no samples yet")]
    NoSamples(String),
    /// A path names something that does not exist, such as a chart kind or format:
    /// 404.
    #[error("{param}: {message}")]
    NotFound {
        /// The path parameter.
        param: &'static str,
        /// What was asked for and what exists.
        message: String,
    },
    /// The API token is missing or wrong: 401 with `WWW-Authenticate`.
    #[error("missing or wrong API token")]
    Unauthorized,
    /// Reading the database failed: 500.
    #[error(transparent)]
    Store(#[from] headcount_store::Error),
    /// Drawing a chart failed: 500.
    #[error("chart: {0}")]
    Chart(String),
    /// Anything else on the server's side (a panicked worker, an encoder): 500.
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    /// A bad value of `param`.
    pub(crate) fn bad(param: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::BadParam {
            param: param.into(),
            message: message.into(),
        }
    }

    /// The status this error answers with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadParam { .. } => StatusCode::BAD_REQUEST,
            ApiError::UnknownTarget(_) | ApiError::NoSamples(_) | ApiError::NotFound { .. } => {
                StatusCode::NOT_FOUND
            }
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Store(_) | ApiError::Chart(_) | ApiError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The parameter at fault, for client errors that have one.
    #[must_use]
    pub fn param(&self) -> Option<&str> {
        match self {
            ApiError::BadParam { param, .. } => Some(param),
            ApiError::UnknownTarget(_) | ApiError::NoSamples(_) => Some("name"),
            ApiError::NotFound { param, .. } => Some(param),
            _ => None,
        }
    }

    /// The body this error answers with.
    #[must_use]
    pub fn body(&self) -> ErrorBody {
        if self.status().is_server_error() {
            // The cause (paths, SQLite messages) is for the log, not for the client.
            return ErrorBody {
                error: "internal error".to_owned(),
                param: None,
            };
        }
        ErrorBody {
            error: self.to_string(),
            param: self.param().map(str::to_owned),
        }
    }
}

impl From<headcount_query::ParamError> for ApiError {
    fn from(e: headcount_query::ParamError) -> ApiError {
        // The message alone: `BadParam` displays the name in front of it once.
        ApiError::bad(e.param, e.message)
    }
}

impl From<headcount_query::Error> for ApiError {
    fn from(e: headcount_query::Error) -> ApiError {
        match e {
            headcount_query::Error::Param(p) => p.into(),
            headcount_query::Error::Store(s) => ApiError::Store(s),
            // The enum is non-exhaustive: whatever is added later is the server's.
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<headcount_chart::Error> for ApiError {
    fn from(e: headcount_chart::Error) -> ApiError {
        match e {
            headcount_chart::Error::Query(q) => q.into(),
            other => ApiError::Chart(other.to_string()),
        }
    }
}

/// Both challenges: a script sees Bearer, a browser picks Basic and asks for a
/// password (the token), so the dashboard and the JSON and CSV links behind it work.
pub(crate) const CHALLENGES: [&str; 2] =
    ["Bearer realm=\"headcount\"", "Basic realm=\"headcount\""];

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut resp = (status, Json(self.body())).into_response();
        if status == StatusCode::UNAUTHORIZED {
            for c in CHALLENGES {
                resp.headers_mut()
                    .append(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
            }
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_hide_their_cause() {
        let e = ApiError::Internal("/secret/path.db: disk I/O error".into());
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = e.body();
        assert_eq!(body.error, "internal error");
        assert_eq!(body.param, None);
    }

    #[test]
    fn client_errors_name_their_parameter() {
        let e = ApiError::bad("from", "expected a time");
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            e.body(),
            ErrorBody {
                error: "from: expected a time".into(),
                param: Some("from".into())
            }
        );
        let e = ApiError::UnknownTarget("nope".into());
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
        assert_eq!(e.body().param.as_deref(), Some("name"));
    }

    #[test]
    fn unauthorized_carries_both_challenges() {
        let resp = ApiError::Unauthorized.into_response();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let got: Vec<_> = resp
            .headers()
            .get_all(header::WWW_AUTHENTICATE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, CHALLENGES);
    }
}
