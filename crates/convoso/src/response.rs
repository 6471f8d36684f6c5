//! Reading an HTTP response into an [`Activity`] or an [`Error`]: the rules listed
//! in the crate documentation, as pure functions of status and body.

use serde_json::{Map, Value};

use crate::text::{MAX_MESSAGE_CHARS, clean};
use crate::{Activity, Error};

/// What was read of a response body.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Body<'a> {
    /// The whole body.
    Complete(&'a [u8]),
    /// The body was longer than the client reads; it was not kept.
    TooLarge,
}

/// Interprets a response: its status, `Content-Type` (only for the error message)
/// and body.
pub(crate) fn interpret(
    status: u16,
    content_type: Option<&str>,
    body: Body<'_>,
) -> Result<Activity, Error> {
    let json = match body {
        Body::Complete(bytes) => serde_json::from_slice::<Value>(bytes).ok(),
        Body::TooLarge => None,
    };

    if !(200..300).contains(&status) {
        // A deployment may send its documented error bodies with 4xx (401 for a bad
        // token); anything else on a non-2xx is reported by its status.
        if let Some(Value::Object(map)) = &json
            && map.get("success") == Some(&Value::Bool(false))
            && let Some(err) = documented_failure(map)
        {
            return Err(err);
        }
        return Err(Error::HttpStatus { status });
    }

    let Some(json) = json else {
        let reason = match body {
            Body::TooLarge => "body too large".to_owned(),
            Body::Complete([]) => "empty body".to_owned(),
            Body::Complete(_) => match content_type {
                Some(ct) => format!("not JSON (content-type {})", clean(ct, 60)),
                None => "not JSON".to_owned(),
            },
        };
        return Err(bad(reason));
    };
    let Value::Object(map) = json else {
        return Err(bad("not a JSON object"));
    };
    match map.get("success") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => return Err(failure(&map)),
        None => return Err(bad("no success field")),
        Some(_) => return Err(bad("success is not a boolean")),
    }
    let data = match map.get("data") {
        Some(Value::Object(data)) => data,
        None | Some(Value::Null) => return Err(bad("success without data")),
        Some(_) => return Err(bad("data is not an object")),
    };
    let available_agents = count(data, "available_agents")?;
    let logged_in_agents = count(data, "logged_in_agents")?;
    if available_agents > logged_in_agents {
        // Available agents are a subset of the logged-in ones.
        return Err(bad(format!(
            "available_agents ({available_agents}) exceeds logged_in_agents ({logged_in_agents})"
        )));
    }
    Ok(Activity {
        available_agents,
        logged_in_agents,
    })
}

fn bad(reason: impl Into<String>) -> Error {
    Error::BadBody {
        reason: reason.into(),
    }
}

/// A `"success": false` body: a documented error, else [`Error::Api`].
fn failure(map: &Map<String, Value>) -> Error {
    documented_failure(map).unwrap_or_else(|| {
        let message = clean(message(map).unwrap_or(""), MAX_MESSAGE_CHARS);
        Error::Api {
            code: code(map),
            message: if message.is_empty() {
                "(no message)".to_owned()
            } else {
                message
            },
        }
    })
}

/// The errors the reference documents. A documented code wins over the message; any
/// other (or no) code with a message about the token is a token error, since the
/// reference gives that one no code.
fn documented_failure(map: &Map<String, Value>) -> Option<Error> {
    match code(map) {
        Some(6026) => return Some(Error::InvalidCampaign),
        Some(6041) => return Some(Error::InvalidQueue),
        Some(6006) => return Some(Error::InvalidUser),
        _ => {}
    }
    message(map)
        .filter(|m| m.to_ascii_lowercase().contains("token"))
        .map(|_| Error::InvalidToken)
}

/// The `code` field, as a number or a string of one.
fn code(map: &Map<String, Value>) -> Option<i64> {
    match map.get("code")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The `error` field, else a `message` field.
fn message(map: &Map<String, Value>) -> Option<&str> {
    ["error", "message"]
        .iter()
        .find_map(|k| map.get(*k).and_then(Value::as_str))
}

/// One agent count: a non-negative integer that fits `u32`.
fn count(data: &Map<String, Value>, field: &str) -> Result<u32, Error> {
    let fail = |what: &str| Err(bad(format!("data.{field} {what}")));
    match data.get(field) {
        None => fail("is missing"),
        Some(Value::Null) => fail("is null"),
        Some(Value::Number(n)) => {
            if let Some(u) = n.as_u64() {
                u32::try_from(u).or_else(|_| fail("is out of range"))
            } else if n.as_i64().is_some() {
                fail("is negative")
            } else {
                // serde_json keeps every integer literal that fits i64/u64 as an
                // integer, so what is left is a float literal or a huge integer.
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f < 0.0 {
                    fail("is negative")
                } else if f.fract() != 0.0 {
                    fail("is fractional")
                } else if f > f64::from(u32::MAX) {
                    fail("is out of range")
                } else {
                    fail("is not an integer")
                }
            }
        }
        // Some deployments serialise numbers as strings ("36"); accept exactly a
        // string of ASCII decimal digits, nothing looser (no sign, space or point).
        Some(Value::String(s)) => {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse::<u32>().or_else(|_| fail("is out of range"))
            } else {
                fail("is a string that is not a count")
            }
        }
        Some(_) => fail("is not a number"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Result<Activity, Error> {
        interpret(
            200,
            Some("application/json"),
            Body::Complete(body.as_bytes()),
        )
    }

    fn counts(available: &str, logged_in: &str) -> Result<Activity, Error> {
        ok(&format!(
            r#"{{"success": true, "data": {{"available_agents": {available}, "logged_in_agents": {logged_in}}}}}"#
        ))
    }

    fn reason(r: Result<Activity, Error>) -> String {
        match r {
            Err(Error::BadBody { reason }) => reason,
            other => panic!("expected BadBody, got {other:?}"),
        }
    }

    const fn act(available_agents: u32, logged_in_agents: u32) -> Activity {
        Activity {
            available_agents,
            logged_in_agents,
        }
    }

    #[test]
    fn documented_success_parses() {
        assert_eq!(counts("36", "125"), Ok(act(36, 125)));
        assert_eq!(counts("0", "0"), Ok(act(0, 0)));
        assert_eq!(counts("40", "40"), Ok(act(40, 40)));
        assert_eq!(
            counts("4294967295", "4294967295"),
            Ok(act(u32::MAX, u32::MAX))
        );
    }

    #[test]
    fn digit_strings_are_counts() {
        assert_eq!(counts(r#""36""#, r#""0125""#), Ok(act(36, 125)));
    }

    #[test]
    fn counts_that_are_not_non_negative_integers_are_bad_bodies() {
        let cases = [
            ("-1", "is negative"),
            ("-0.5", "is negative"),
            ("1.5", "is fractional"),
            ("36.0", "is not an integer"),
            ("1e2", "is not an integer"),
            ("4294967296", "is out of range"),
            ("99999999999999999999999", "is out of range"),
            (r#""4294967296""#, "is out of range"),
            (r#""""#, "is a string that is not a count"),
            (r#""+5""#, "is a string that is not a count"),
            (r#""-5""#, "is a string that is not a count"),
            (r#"" 5""#, "is a string that is not a count"),
            (r#""5.0""#, "is a string that is not a count"),
            ("null", "is null"),
            ("true", "is not a number"),
            ("[1]", "is not a number"),
        ];
        for (value, why) in cases {
            assert_eq!(
                reason(counts(value, "1000")),
                format!("data.available_agents {why}"),
                "value {value}"
            );
        }
    }

    #[test]
    fn shape_errors_are_bad_bodies() {
        let cases = [
            ("", "empty body"),
            (
                "<html>oops</html>",
                "not JSON (content-type application/json)",
            ),
            ("[1, 2]", "not a JSON object"),
            (r#"{"data": {}}"#, "no success field"),
            (r#"{"success": "true"}"#, "success is not a boolean"),
            (r#"{"success": true}"#, "success without data"),
            (r#"{"success": true, "data": null}"#, "success without data"),
            (
                r#"{"success": true, "data": [0, 0]}"#,
                "data is not an object",
            ),
            (
                r#"{"success": true, "data": {"logged_in_agents": 3}}"#,
                "data.available_agents is missing",
            ),
            (
                r#"{"success": true, "data": {"available_agents": 3}}"#,
                "data.logged_in_agents is missing",
            ),
        ];
        for (body, why) in cases {
            assert_eq!(reason(ok(body)), why, "body {body}");
        }
        assert_eq!(
            reason(interpret(200, None, Body::TooLarge)),
            "body too large"
        );
    }

    #[test]
    fn more_available_than_logged_in_is_a_bad_body() {
        assert_eq!(
            reason(counts("51", "50")),
            "available_agents (51) exceeds logged_in_agents (50)"
        );
    }

    #[test]
    fn documented_errors_map_to_their_kinds() {
        let cases = [
            (
                r#"{"success": false, "code": 6026, "error": "Invalid campaign ID"}"#,
                Error::InvalidCampaign,
            ),
            (
                r#"{"success": false, "code": 6041, "error": "Invalid queue ID"}"#,
                Error::InvalidQueue,
            ),
            (
                r#"{"success": false, "code": 6006, "error": "Invalid user ID"}"#,
                Error::InvalidUser,
            ),
            (
                r#"{"success": false, "code": "6026"}"#,
                Error::InvalidCampaign,
            ),
            (
                r#"{"success": false, "error": "Invalid authentication token"}"#,
                Error::InvalidToken,
            ),
            (
                r#"{"success": false, "code": 401, "error": "TOKEN expired"}"#,
                Error::InvalidToken,
            ),
            (
                r#"{"success": false, "message": "bad token"}"#,
                Error::InvalidToken,
            ),
        ];
        for (body, want) in cases {
            assert_eq!(ok(body), Err(want), "body {body}");
        }
    }

    #[test]
    fn other_failures_are_api_errors_with_a_clean_message() {
        assert_eq!(
            ok(r#"{"success": false, "code": 7001, "error": "Rate limit\nexceeded"}"#),
            Err(Error::Api {
                code: Some(7001),
                message: "Rate limitexceeded".into()
            })
        );
        assert_eq!(
            ok(r#"{"success": false}"#),
            Err(Error::Api {
                code: None,
                message: "(no message)".into()
            })
        );
        let long = "x".repeat(1000);
        let Err(Error::Api { message, .. }) =
            ok(&format!(r#"{{"success": false, "error": "{long}"}}"#))
        else {
            panic!("expected Api");
        };
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn non_2xx_maps_documented_errors_and_otherwise_reports_the_status() {
        let token = br#"{"success": false, "error": "Invalid authentication token"}"#;
        assert_eq!(
            interpret(401, None, Body::Complete(token)),
            Err(Error::InvalidToken)
        );
        let campaign = br#"{"success": false, "code": 6026, "error": "Invalid campaign ID"}"#;
        assert_eq!(
            interpret(400, None, Body::Complete(campaign)),
            Err(Error::InvalidCampaign)
        );
        let other = br#"{"success": false, "code": 9, "error": "database down"}"#;
        assert_eq!(
            interpret(500, None, Body::Complete(other)),
            Err(Error::HttpStatus { status: 500 })
        );
        let success =
            br#"{"success": true, "data": {"available_agents": 1, "logged_in_agents": 2}}"#;
        assert_eq!(
            interpret(503, None, Body::Complete(success)),
            Err(Error::HttpStatus { status: 503 })
        );
        assert_eq!(
            interpret(302, None, Body::Complete(b"")),
            Err(Error::HttpStatus { status: 302 })
        );
        assert_eq!(
            interpret(502, None, Body::TooLarge),
            Err(Error::HttpStatus { status: 502 })
        );
    }
}
