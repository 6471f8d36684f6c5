//! The API token: `Authorization: Bearer <token>`, or HTTP Basic with the token as the
//! password (any user name) so a browser can open the dashboard.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AppState;

/// Lets the request through when no token is configured or it carries the right one;
/// otherwise 401 with `WWW-Authenticate`. The token is never logged nor echoed.
pub(crate) async fn require_token(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let Some(token) = &state.inner.token else {
        return next.run(req).await;
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(presented);
    match given {
        Some(g) if matches(&g, token.expose()) => next.run(req).await,
        _ => ApiError::Unauthorized.into_response(),
    }
}

/// The secret an `Authorization` value presents: a Bearer token, or a Basic
/// password. Scheme names are case-insensitive (RFC 9110 §11.1).
fn presented(value: &str) -> Option<Vec<u8>> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        Some(rest.as_bytes().to_vec())
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let colon = decoded.iter().position(|&b| b == b':')?;
        Some(decoded[colon + 1..].to_vec())
    } else {
        None
    }
}

/// Compares in time independent of where the bytes differ (`subtle`), so response
/// times do not leak the token byte by byte. The length is not hidden, which reveals
/// nothing an attacker could use to guess the content.
fn matches(given: &[u8], token: &[u8]) -> bool {
    given.ct_eq(token).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user_pass: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_pass)
        )
    }

    #[test]
    fn bearer_and_basic_present_the_secret() {
        assert_eq!(presented("Bearer abc").unwrap(), b"abc");
        assert_eq!(presented("bearer   abc ").unwrap(), b"abc");
        assert_eq!(presented(&basic("anyone:abc")).unwrap(), b"abc");
        // Only the first colon splits: a password may hold more.
        assert_eq!(presented(&basic(":a:b")).unwrap(), b"a:b");
        assert_eq!(presented("Basic !!!"), None);
        assert_eq!(presented(&basic("no-colon")), None);
        assert_eq!(presented("Digest abc"), None);
        assert_eq!(presented("abc"), None);
    }

    #[test]
    fn comparison_needs_the_exact_token() {
        assert!(matches(b"abc", b"abc"));
        assert!(!matches(b"abd", b"abc"));
        assert!(!matches(b"ab", b"abc"));
        assert!(!matches(b"abcd", b"abc"));
        assert!(!matches(b"", b"abc"));
    }
}
