//! Reading an HTTP response into an [`Activity`] or an [`Error`]: the rules listed
//! in the crate documentation, as pure functions of the response and the client's
//! settings.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::text::{MAX_CONTENT_TYPE_CHARS, MAX_MESSAGE_CHARS, keep};
use crate::{Activity, Error};

/// What was read of a response body.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Body<'a> {
    /// The whole body.
    Complete(&'a [u8]),
    /// The body was longer than the client reads; it was not kept.
    TooLarge,
}

/// One response, as far as the rules need it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Response<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// `Content-Type`, only for error messages.
    pub content_type: Option<&'a str>,
    /// `Retry-After`, read on a 429.
    pub retry_after: Option<&'a str>,
    /// `Date`: the server's clock, which an HTTP-date `Retry-After` is measured from.
    pub date: Option<&'a str>,
    /// When the response arrived, for an HTTP-date `Retry-After` without `Date`.
    pub received: SystemTime,
    /// The body.
    pub body: Body<'a>,
}

/// What the rules take from the client's configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    /// The most agents an answer may count.
    pub max_agents: u32,
    /// The token, masked in every text kept from the response.
    pub secret: &'a str,
}

/// Interprets a response.
pub(crate) fn interpret(response: &Response<'_>, rules: &Rules<'_>) -> Result<Activity, Error> {
    let body = response.body;
    let json = match body {
        Body::Complete(bytes) => serde_json::from_slice::<Value>(bytes).ok(),
        Body::TooLarge => None,
    };
    let map = match &json {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    };

    match response.status {
        // Missing or invalid token, whatever the body says.
        401 => return Err(Error::InvalidToken),
        // A token that is valid, but not here; unless the message blames the token.
        403 => {
            let texts = match map {
                Some(map) => messages(map),
                None => plain_text(body).into_iter().collect(),
            };
            if texts.iter().any(|t| about_token(t)) {
                return Err(Error::InvalidToken);
            }
            let message = texts
                .first()
                .map(|t| keep(t, rules.secret, MAX_MESSAGE_CHARS));
            return Err(Error::Forbidden { message });
        }
        429 => {
            return Err(Error::RateLimited {
                retry_after: response
                    .retry_after
                    .and_then(|value| retry_after(value, response.date, response.received)),
            });
        }
        200..=299 => {}
        status => {
            // A deployment may send its documented error bodies with another 4xx;
            // anything else on a non-2xx is reported by its status.
            if let Some(map) = map
                && map.get("success") == Some(&Value::Bool(false))
                && let Some(err) = documented_failure(map)
            {
                return Err(err);
            }
            return Err(Error::HttpStatus { status });
        }
    }

    let Some(json) = json else {
        let reason = match body {
            Body::TooLarge => "body too large".to_owned(),
            Body::Complete([]) => "empty body".to_owned(),
            Body::Complete(_) => match response.content_type {
                Some(ct) => format!(
                    "not JSON (content-type {})",
                    keep(ct, rules.secret, MAX_CONTENT_TYPE_CHARS)
                ),
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
        Some(Value::Bool(false)) => return Err(failure(&map, rules.secret)),
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
    for (field, n) in [
        ("logged_in_agents", logged_in_agents),
        ("available_agents", available_agents),
    ] {
        if n > rules.max_agents {
            return Err(bad(format!(
                "{field} {n} is more than the bound of {} agents",
                rules.max_agents
            )));
        }
    }
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
fn failure(map: &Map<String, Value>, secret: &str) -> Error {
    documented_failure(map).unwrap_or_else(|| {
        let message = messages(map)
            .first()
            .map(|m| keep(m, secret, MAX_MESSAGE_CHARS))
            .unwrap_or_default();
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
/// reference gives that one no code (and real deployments use several: 5001 with
/// "Auth token is invalid", none with "Invalid Auth Token").
fn documented_failure(map: &Map<String, Value>) -> Option<Error> {
    match code(map) {
        Some(6026) => return Some(Error::InvalidCampaign),
        Some(6041) => return Some(Error::InvalidQueue),
        Some(6006) => return Some(Error::InvalidUser),
        _ => {}
    }
    messages(map)
        .iter()
        .any(|m| about_token(m))
        .then_some(Error::InvalidToken)
}

/// Whether a message is about the token.
fn about_token(message: &str) -> bool {
    message.to_ascii_lowercase().contains("token")
}

/// The `code` field, as a number or a string of one.
fn code(map: &Map<String, Value>) -> Option<i64> {
    match map.get("code")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The message fields that hold text, in the order they are preferred: `error` (the
/// reference's), `message`, then `text` (where real deployments put it).
fn messages(map: &Map<String, Value>) -> Vec<&str> {
    ["error", "message", "text"]
        .iter()
        .filter_map(|k| map.get(*k).and_then(Value::as_str))
        .filter(|m| !m.trim().is_empty())
        .collect()
}

/// A body that is plain text (not JSON, not an HTML page), as a message.
fn plain_text(body: Body<'_>) -> Option<&str> {
    let Body::Complete(bytes) = body else {
        return None;
    };
    let text = std::str::from_utf8(bytes).ok()?.trim();
    (!text.is_empty() && !text.starts_with('<')).then_some(text)
}

/// A `Retry-After` value (RFC 9110 §10.2.3) as a wait: delta-seconds as they are
/// (saturating), or an HTTP-date less the response's `Date` (else less `received`),
/// zero when in the past, rounded up to whole seconds. `None` when unreadable.
fn retry_after(value: &str, date: Option<&str>, received: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let now = date
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .unwrap_or(received);
    let wait = at.duration_since(now).unwrap_or(Duration::ZERO);
    Some(Duration::from_secs(
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
    ))
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
    use crate::DEFAULT_MAX_AGENTS;

    const RULES: Rules<'static> = Rules {
        max_agents: DEFAULT_MAX_AGENTS,
        secret: "",
    };

    /// Tuesday 2026-11-17 16:00:00 UTC.
    const RECEIVED: &str = "Tue, 17 Nov 2026 16:00:00 GMT";

    fn received() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_794_931_200)
    }

    fn response<'a>(status: u16, content_type: Option<&'a str>, body: Body<'a>) -> Response<'a> {
        Response {
            status,
            content_type,
            retry_after: None,
            date: None,
            received: received(),
            body,
        }
    }

    fn interpret_at(
        status: u16,
        content_type: Option<&str>,
        body: Body<'_>,
    ) -> Result<Activity, Error> {
        interpret(&response(status, content_type, body), &RULES)
    }

    fn ok(body: &str) -> Result<Activity, Error> {
        interpret_at(
            200,
            Some("application/json"),
            Body::Complete(body.as_bytes()),
        )
    }

    fn status(status: u16, body: &str) -> Result<Activity, Error> {
        interpret_at(
            status,
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
        assert_eq!(counts("100000", "100000"), Ok(act(100_000, 100_000)));
    }

    #[test]
    fn counts_past_the_bound_are_bad_bodies() {
        assert_eq!(
            reason(counts("4294967295", "4294967295")),
            "logged_in_agents 4294967295 is more than the bound of 100000 agents"
        );
        assert_eq!(
            reason(counts("5", "100001")),
            "logged_in_agents 100001 is more than the bound of 100000 agents"
        );
        assert_eq!(
            reason(counts(r#""200000""#, "10")),
            "available_agents 200000 is more than the bound of 100000 agents"
        );
        // The bound is the client's setting.
        let tight = Rules {
            max_agents: 50,
            secret: "",
        };
        let body = br#"{"success": true, "data": {"available_agents": 3, "logged_in_agents": 51}}"#;
        assert_eq!(
            interpret(&response(200, None, Body::Complete(body)), &tight),
            Err(bad(
                "logged_in_agents 51 is more than the bound of 50 agents"
            ))
        );
        let body = br#"{"success": true, "data": {"available_agents": 3, "logged_in_agents": 50}}"#;
        assert_eq!(
            interpret(&response(200, None, Body::Complete(body)), &tight),
            Ok(act(3, 50))
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
            reason(interpret_at(200, None, Body::TooLarge)),
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
            interpret_at(401, None, Body::Complete(token)),
            Err(Error::InvalidToken)
        );
        let campaign = br#"{"success": false, "code": 6026, "error": "Invalid campaign ID"}"#;
        assert_eq!(
            interpret_at(400, None, Body::Complete(campaign)),
            Err(Error::InvalidCampaign)
        );
        let other = br#"{"success": false, "code": 9, "error": "database down"}"#;
        assert_eq!(
            interpret_at(500, None, Body::Complete(other)),
            Err(Error::HttpStatus { status: 500 })
        );
        let success =
            br#"{"success": true, "data": {"available_agents": 1, "logged_in_agents": 2}}"#;
        assert_eq!(
            interpret_at(503, None, Body::Complete(success)),
            Err(Error::HttpStatus { status: 503 })
        );
        assert_eq!(
            interpret_at(302, None, Body::Complete(b"")),
            Err(Error::HttpStatus { status: 302 })
        );
        assert_eq!(
            interpret_at(502, None, Body::TooLarge),
            Err(Error::HttpStatus { status: 502 })
        );
    }

    #[test]
    fn text_field_errors_are_read_like_error_fields() {
        // Real answers (php-convoso, convoso-sdk, production) carry the message in `text`.
        assert_eq!(
            ok(r#"{"success":false,"code":5001,"text":"Auth token is invalid"}"#),
            Err(Error::InvalidToken)
        );
        assert_eq!(
            ok(r#"{"success":false,"text":"Invalid Auth Token"}"#),
            Err(Error::InvalidToken)
        );
        assert_eq!(
            ok(r#"{"success":false,"code":7002,"text":"Office is suspended"}"#),
            Err(Error::Api {
                code: Some(7002),
                message: "Office is suspended".into()
            })
        );
        // Whichever field carries the message; a blank one is skipped.
        assert_eq!(
            ok(r#"{"success":false,"error":"  ","message":"Try later","text":"x"}"#),
            Err(Error::Api {
                code: None,
                message: "Try later".into()
            })
        );
        // A token message in a later field still marks a token error.
        assert_eq!(
            ok(r#"{"success":false,"error":"Request refused","text":"bad token"}"#),
            Err(Error::InvalidToken)
        );
        // The documented code wins over a message about the token.
        assert_eq!(
            ok(r#"{"success":false,"code":6041,"text":"token ok, queue unknown"}"#),
            Err(Error::InvalidQueue)
        );
    }

    #[test]
    fn status_401_is_an_invalid_token_whatever_the_body() {
        for body in [
            Body::Complete(b""),
            Body::Complete(b"Unauthorized"),
            Body::Complete(b"<html><body>401</body></html>"),
            Body::Complete(br#"{"success":false,"code":401,"text":"Unauthorized"}"#),
            Body::Complete(br#"{"success":false,"code":6026,"error":"Invalid campaign ID"}"#),
            Body::TooLarge,
        ] {
            assert_eq!(
                interpret_at(401, None, body),
                Err(Error::InvalidToken),
                "{body:?}"
            );
        }
    }

    #[test]
    fn status_403_is_forbidden_unless_the_token_is_blamed() {
        assert_eq!(
            status(403, r#"{"success":false,"code":403,"text":"Forbidden"}"#),
            Err(Error::Forbidden {
                message: Some("Forbidden".into())
            })
        );
        assert_eq!(
            status(403, r#"{"success":false,"text":"Invalid Auth Token"}"#),
            Err(Error::InvalidToken)
        );
        assert_eq!(
            interpret_at(
                403,
                Some("text/plain"),
                Body::Complete(b"auth token not valid for office 7\n")
            ),
            Err(Error::InvalidToken)
        );
        assert_eq!(
            interpret_at(
                403,
                Some("text/plain"),
                Body::Complete(b"Access denied\r\n")
            ),
            Err(Error::Forbidden {
                message: Some("Access denied".into())
            })
        );
        // An HTML page or no body: nothing worth quoting.
        for body in [
            Body::Complete(b"<html><h1>403 Forbidden</h1></html>"),
            Body::Complete(b""),
            Body::Complete(b"{}"),
            Body::TooLarge,
        ] {
            assert_eq!(
                interpret_at(403, None, body),
                Err(Error::Forbidden { message: None }),
                "{body:?}"
            );
        }
    }

    fn limited(retry_after: Option<&str>, date: Option<&str>) -> Result<Activity, Error> {
        let r = Response {
            retry_after,
            date,
            ..response(429, None, Body::Complete(b"Too Many Requests"))
        };
        interpret(&r, &RULES)
    }

    fn waits(retry_after: Option<&str>, date: Option<&str>) -> Option<Duration> {
        match limited(retry_after, date) {
            Err(e @ Error::RateLimited { .. }) => e.retry_after(),
            other => panic!("expected RateLimited, got {other:?}"),
        }
    }

    #[test]
    fn status_429_is_rate_limited_with_its_retry_after() {
        let secs = Duration::from_secs;
        // Delta-seconds.
        assert_eq!(waits(Some("120"), None), Some(secs(120)));
        assert_eq!(waits(Some(" 0 "), None), Some(secs(0)));
        assert_eq!(
            waits(Some("99999999999999999999999"), None),
            Some(secs(u64::MAX))
        );
        // An HTTP-date, from the response's Date: 16:00:00 to 16:02:30 is 150 s.
        assert_eq!(
            waits(Some("Tue, 17 Nov 2026 16:02:30 GMT"), Some(RECEIVED)),
            Some(secs(150))
        );
        // The obsolete forms RFC 9110 asks recipients to accept.
        assert_eq!(
            waits(Some("Tuesday, 17-Nov-26 16:01:00 GMT"), Some(RECEIVED)),
            Some(secs(60))
        );
        assert_eq!(
            waits(Some("Tue Nov 17 16:00:45 2026"), Some(RECEIVED)),
            Some(secs(45))
        );
        // Measured from the server's Date, not our clock: the server says 15:59:00.
        assert_eq!(
            waits(
                Some("Tue, 17 Nov 2026 16:00:00 GMT"),
                Some("Tue, 17 Nov 2026 15:59:00 GMT")
            ),
            Some(secs(60))
        );
        // Without Date, from when the response was received (16:00:00).
        assert_eq!(
            waits(Some("Tue, 17 Nov 2026 16:10:00 GMT"), None),
            Some(secs(600))
        );
        // An unreadable Date falls back to the receive time too.
        assert_eq!(
            waits(Some("Tue, 17 Nov 2026 16:10:00 GMT"), Some("yesterday")),
            Some(secs(600))
        );
        // A date in the past is no wait.
        assert_eq!(
            waits(Some("Mon, 16 Nov 2026 16:00:00 GMT"), Some(RECEIVED)),
            Some(secs(0))
        );
        // Missing or unreadable: unknown.
        for value in [
            None,
            Some(""),
            Some("-5"),
            Some("1.5"),
            Some("soon"),
            Some("+30"),
        ] {
            assert_eq!(waits(value, Some(RECEIVED)), None, "{value:?}");
        }
    }

    #[test]
    fn a_wait_from_a_receive_time_between_seconds_is_rounded_up() {
        let r = Response {
            retry_after: Some("Tue, 17 Nov 2026 16:00:10 GMT"),
            received: received() + Duration::from_millis(400),
            ..response(429, None, Body::Complete(b""))
        };
        let wait = interpret(&r, &RULES).unwrap_err().retry_after();
        assert_eq!(wait, Some(Duration::from_secs(10)));
    }

    #[test]
    fn an_html_page_at_200_is_a_bad_body_naming_its_type() {
        assert_eq!(
            reason(interpret_at(
                200,
                Some("text/html; charset=utf-8"),
                Body::Complete(b"<html><body><h1>Service Unavailable</h1></body></html>")
            )),
            "not JSON (content-type text/html; charset=utf-8)"
        );
    }

    #[test]
    fn the_token_is_masked_before_a_message_is_cut() {
        let token = "tok-SECRET-9f3a";
        let rules = Rules {
            max_agents: DEFAULT_MAX_AGENTS,
            secret: token,
        };
        // The token starts 3 characters before the cut at 200: cutting first would
        // keep "tok".
        let message = format!("{}{token} trailing", "x".repeat(197));
        let body = format!(r#"{{"success": false, "code": 1, "text": "{message}"}}"#);
        let err = interpret(
            &response(200, None, Body::Complete(body.as_bytes())),
            &rules,
        );
        let Err(Error::Api { message: kept, .. }) = err else {
            panic!("expected Api, got {err:?}");
        };
        assert_eq!(kept, format!("{}***…", "x".repeat(197)));

        // The same for a 403's message and a content type.
        let body = format!(r#"{{"text": "{message}"}}"#);
        let err = interpret(
            &response(403, None, Body::Complete(body.as_bytes())),
            &rules,
        );
        assert_eq!(
            err,
            Err(Error::Forbidden {
                message: Some(format!("{}***…", "x".repeat(197)))
            })
        );
        let content_type = format!("{}{token}", "t".repeat(57));
        let err = interpret(
            &response(200, Some(&content_type), Body::Complete(b"nope")),
            &rules,
        );
        assert_eq!(
            reason(err),
            format!("not JSON (content-type {}***…)", "t".repeat(57))
        );
    }
}
