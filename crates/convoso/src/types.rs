//! Small wire and configuration types: the answer, the HTTP method, the token.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// One successful answer: how many agents are ready for work and how many are
/// logged in. `available_agents <= logged_in_agents` always holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Activity {
    /// Agents logged in and in "Ready" status.
    pub available_agents: u32,
    /// Agents logged in, in any status.
    pub logged_in_agents: u32,
}

/// How the search is sent: a form-encoded POST body (the documented way, the
/// default) or a GET query string.
///
/// Parses case-insensitively from `"POST"` or `"GET"` (also through serde) and
/// displays in upper case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Method {
    /// `POST` with an `application/x-www-form-urlencoded` body.
    #[default]
    Post,
    /// `GET` with the parameters, token included, in the query string.
    Get,
}

impl Method {
    /// `"POST"` or `"GET"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Get => "GET",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = Error;

    /// # Errors
    ///
    /// [`Error::BadConfig`] naming the value when it is neither `POST` nor `GET`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("POST") {
            Ok(Method::Post)
        } else if s.eq_ignore_ascii_case("GET") {
            Ok(Method::Get)
        } else {
            Err(Error::BadConfig {
                reason: format!(
                    "method: unknown method {:?}, expected POST or GET",
                    crate::text::clean(s, 40)
                ),
            })
        }
    }
}

impl Serialize for Method {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Method {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The upstream authentication token. `Debug` and `Display` print `AuthToken(****)`,
/// never the value, so the token cannot reach a log line by accident.
#[derive(Clone)]
pub struct AuthToken(String);

impl AuthToken {
    /// Wraps a token.
    pub fn new(token: String) -> Self {
        AuthToken(token)
    }

    /// The token itself. Only for building requests: never log or show it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(****)")
    }
}

impl fmt::Display for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_parses_case_insensitively_and_names_a_bad_value() {
        assert_eq!("post".parse::<Method>().unwrap(), Method::Post);
        assert_eq!("Get".parse::<Method>().unwrap(), Method::Get);
        let err = "PUT".parse::<Method>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "client config: method: unknown method \"PUT\", expected POST or GET"
        );
        assert_eq!(Method::default(), Method::Post);
        assert_eq!(Method::Get.to_string(), "GET");
    }

    #[test]
    fn method_round_trips_through_serde() {
        assert_eq!(serde_json::to_string(&Method::Get).unwrap(), "\"GET\"");
        assert_eq!(
            serde_json::from_str::<Method>("\"post\"").unwrap(),
            Method::Post
        );
        assert!(serde_json::from_str::<Method>("\"PATCH\"").is_err());
    }

    #[test]
    fn token_is_masked_in_debug_and_display() {
        let t = AuthToken::new("tok-SECRET-9f3a".into());
        assert_eq!(format!("{t:?}"), "AuthToken(****)");
        assert_eq!(format!("{t}"), "AuthToken(****)");
        assert_eq!(t.expose(), "tok-SECRET-9f3a");
    }
}
