//! How a poll ended.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// How one poll of one target ended: `Ok`, or the kind of failure. Stored as its
/// [`code`](Outcome::code) in `samples.outcome`; the codes are part of the schema and
/// never change (the `outcomes` table mirrors them for the sqlite3 shell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Outcome {
    /// The poll returned counts. Code 0, which SQLite stores in zero bytes.
    Ok = 0,
    /// The request timed out.
    Timeout = 1,
    /// The connection could not be made (DNS, refused, TLS).
    Connect = 2,
    /// The API answered with a non-success HTTP status.
    HttpStatus = 3,
    /// The body was not the expected JSON.
    BadBody = 4,
    /// The API rejected the auth token.
    InvalidToken = 5,
    /// The API rejected the campaign filter.
    InvalidCampaign = 6,
    /// The API rejected the queue filter.
    InvalidQueue = 7,
    /// The API rejected the user filter.
    InvalidUser = 8,
    /// The API reported some other error.
    ApiError = 9,
    /// The slot was not polled because the target's previous poll was still in flight.
    /// Counts as failed in rollups.
    Skipped = 10,
    /// The API refused access (HTTP 403): the token is valid but not for this office
    /// or resource.
    Forbidden = 11,
    /// The API asked to slow down (HTTP 429).
    RateLimited = 12,
}

impl Outcome {
    /// Every outcome, in code order.
    pub const ALL: [Outcome; 13] = [
        Outcome::Ok,
        Outcome::Timeout,
        Outcome::Connect,
        Outcome::HttpStatus,
        Outcome::BadBody,
        Outcome::InvalidToken,
        Outcome::InvalidCampaign,
        Outcome::InvalidQueue,
        Outcome::InvalidUser,
        Outcome::ApiError,
        Outcome::Skipped,
        Outcome::Forbidden,
        Outcome::RateLimited,
    ];

    /// The stored code.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The outcome with this stored code, if any.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Outcome> {
        if (code as usize) < Self::ALL.len() {
            Some(Self::ALL[code as usize])
        } else {
            None
        }
    }

    /// The snake_case name used in logs, JSON, CSV and `/metrics` labels.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Timeout => "timeout",
            Outcome::Connect => "connect",
            Outcome::HttpStatus => "http_status",
            Outcome::BadBody => "bad_body",
            Outcome::InvalidToken => "invalid_token",
            Outcome::InvalidCampaign => "invalid_campaign",
            Outcome::InvalidQueue => "invalid_queue",
            Outcome::InvalidUser => "invalid_user",
            Outcome::ApiError => "api_error",
            Outcome::Skipped => "skipped",
            Outcome::Forbidden => "forbidden",
            Outcome::RateLimited => "rate_limited",
        }
    }

    /// What an operator seeing this outcome should do, in one sentence: what
    /// `headcount check` prints under a failed poll and the README's outcome table
    /// says (a test keeps the two the same).
    #[must_use]
    pub const fn advice(self) -> &'static str {
        match self {
            Outcome::Ok => "Nothing: the poll answered with counts.",
            Outcome::Timeout => {
                "The upstream did not answer within upstream.timeout: check its status page and the network; raise the timeout only if answers are merely slow."
            }
            Outcome::Connect => {
                "No connection: check upstream.base_url, DNS, the firewall and proxies between this host and the API."
            }
            Outcome::HttpStatus => {
                "The API answered an unexpected HTTP status (a 5xx is the service's own trouble): check its status page; gaps close by themselves when it recovers."
            }
            Outcome::BadBody => {
                "The answer was not the API's JSON (an HTML error page, a proxy's login page, impossible counts): check upstream.base_url points at the API itself."
            }
            Outcome::InvalidToken => {
                "The API rejected the token: put a current one in the variable upstream.auth_token_env names (default CONVOSO_AUTH_TOKEN) and restart."
            }
            Outcome::InvalidCampaign => {
                "The API does not know this campaign_id: fix the target's filter (the series under the old filters is kept)."
            }
            Outcome::InvalidQueue => {
                "The API does not know this queue_id: fix the target's filter (the series under the old filters is kept)."
            }
            Outcome::InvalidUser => {
                "The API does not know this user_id: fix the target's filter (the series under the old filters is kept)."
            }
            Outcome::ApiError => {
                "The API reported an error of its own (its code and text are logged): look the code up with the provider."
            }
            Outcome::Skipped => {
                "The previous poll of this target was still running: lower the polling rate, raise upstream.concurrency, or shorten upstream.timeout."
            }
            Outcome::Forbidden => {
                "The token is valid but not for this office or resource (HTTP 403): ask the provider to grant it, or use a token of the right office."
            }
            Outcome::RateLimited => {
                "The API asked to slow down (HTTP 429): polling pauses for its Retry-After and resumes by itself; poll less often or fewer targets if it recurs."
            }
        }
    }

    /// Whether this is [`Outcome::Ok`].
    #[must_use]
    pub const fn is_ok(self) -> bool {
        matches!(self, Outcome::Ok)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = Error;

    /// Parses the name given by [`Outcome::as_str`].
    ///
    /// # Errors
    ///
    /// [`Error::UnknownOutcome`] for any other string.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| Error::UnknownOutcome(s.to_owned()))
    }
}

impl serde::Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_schema_and_round_trip() {
        // The numbers are written into every database; they must never move.
        let expected = [
            (0, "ok"),
            (1, "timeout"),
            (2, "connect"),
            (3, "http_status"),
            (4, "bad_body"),
            (5, "invalid_token"),
            (6, "invalid_campaign"),
            (7, "invalid_queue"),
            (8, "invalid_user"),
            (9, "api_error"),
            (10, "skipped"),
            (11, "forbidden"),
            (12, "rate_limited"),
        ];
        assert_eq!(Outcome::ALL.len(), expected.len());
        for (o, (code, name)) in Outcome::ALL.into_iter().zip(expected) {
            assert_eq!(o.code(), code);
            assert_eq!(o.as_str(), name);
            assert_eq!(Outcome::from_code(code), Some(o));
            assert_eq!(name.parse::<Outcome>().unwrap(), o);
        }
        assert_eq!(Outcome::from_code(13), None);
        assert_eq!(Outcome::from_code(255), None);
    }

    #[test]
    fn unknown_name_is_an_error_naming_it() {
        let e = "Timeout".parse::<Outcome>().unwrap_err();
        assert_eq!(e.to_string(), "outcome: unknown name \"Timeout\"");
    }
}
