//! Fault injection: what a misbehaving upstream does, switchable at runtime.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Error;

/// Faults the simulator injects into `/v1/user-activity/search`.
///
/// Serialised as JSON for `GET`/`PUT /_sim/faults`; every field is optional there and
/// defaults to "off", so `{}` switches all faults off and unknown fields are errors.
///
/// Each request first waits `latency_ms`, then one uniform draw `u` in `[0, 1)` picks its
/// fate from consecutive stretches of the unit interval, in this order: `hang_rate`,
/// `error_rate`, `malformed_rate`, `api_error_rate`, `text_error_rate`,
/// `unauthorized_rate`, `forbidden_rate`, `rate_limit_rate`, `html_rate`, and a normal
/// answer for the rest. A rate of 1.0 therefore always applies (unless an earlier rate
/// already takes every request), and rates adding up past 1.0 leave the later ones only
/// what is left. A normal answer then has its counts written as digit strings with
/// probability `string_counts_rate`, from a second, independent draw. The draws come
/// from a hash of the seed and a request counter, so a run is reproducible for a given
/// order of requests.
///
/// The injected answers imitate what real deployments send:
///
/// | fault | status | body |
/// |---|---|---|
/// | `error_rate` | 500 | `simulated internal server error` (plain text) |
/// | `malformed_rate` | 200 | JSON cut off mid-object |
/// | `api_error_rate` | 200 | `{"success": false, "code": C, "error": M}` |
/// | `text_error_rate` | 200 | `{"success": false, "code": C, "text": M}` |
/// | `unauthorized_rate` | 401 | `{"success": false, "code": 401, "text": "Unauthorized"}` |
/// | `forbidden_rate` | 403 | `{"success": false, "code": 403, "text": "Forbidden"}` |
/// | `rate_limit_rate` | 429 | `{"success": false, "code": 429, "text": "Too Many Requests"}`, with `Retry-After` |
/// | `html_rate` | 200 | an HTML error page, `Content-Type: text/html; charset=utf-8` |
/// | `string_counts_rate` | 200 | success with `"available_agents": "36"` (strings) |
///
/// C is `api_error_code` or `text_error_code` and M its message: 6026, 6041 and 6006
/// carry the reference's messages, 5001 "Auth token is invalid" (a real deployment's
/// token error), any other code "Simulated API error". A 429's `Retry-After` is
/// `retry_after_s` seconds, written as delta-seconds (`retry_after_form` `"seconds"`,
/// the default), as an HTTP-date that many seconds after the simulator's clock
/// (`"date"`; the answer's `Date` header then shows that clock too, so the wait reads
/// the same on any client), or left out (`"none"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added before every answer (and before hanging).
    #[serde(rename = "latency_ms", with = "millis")]
    pub latency: Duration,
    /// Fraction answered `500 Internal Server Error` with a plain-text body.
    pub error_rate: f64,
    /// Fraction answered `200` with `Content-Type: application/json` and a truncated,
    /// unparseable JSON body.
    pub malformed_rate: f64,
    /// Fraction never answered: the request waits until the server shuts down (it then
    /// gets `503`).
    pub hang_rate: f64,
    /// Fraction answered `200` with `{"success": false, "code": api_error_code, "error": ...}`.
    pub api_error_rate: f64,
    /// The code of injected API errors.
    pub api_error_code: u32,
    /// Fraction answered `200` with `{"success": false, "code": text_error_code,
    /// "text": ...}`: the message in `text`, as real deployments put it.
    pub text_error_rate: f64,
    /// The code of injected `text` errors; the default 5001 says "Auth token is
    /// invalid".
    pub text_error_code: u32,
    /// Fraction answered `401 Unauthorized`.
    pub unauthorized_rate: f64,
    /// Fraction answered `403 Forbidden`: the token is not valid for this office.
    pub forbidden_rate: f64,
    /// Fraction answered `429 Too Many Requests` with a `Retry-After`.
    pub rate_limit_rate: f64,
    /// The wait a 429 asks for, in seconds.
    #[serde(rename = "retry_after_s")]
    pub retry_after_secs: u64,
    /// How a 429 writes its `Retry-After`.
    pub retry_after_form: RetryAfterForm,
    /// Fraction answered `200` with an HTML error page, as a proxy in front of the API
    /// might.
    pub html_rate: f64,
    /// Fraction of normal answers whose counts are JSON strings of digits
    /// (`"available_agents": "36"`), as some deployments serialise them.
    pub string_counts_rate: f64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency: Duration::ZERO,
            error_rate: 0.0,
            malformed_rate: 0.0,
            hang_rate: 0.0,
            api_error_rate: 0.0,
            api_error_code: 6026,
            text_error_rate: 0.0,
            text_error_code: 5001,
            unauthorized_rate: 0.0,
            forbidden_rate: 0.0,
            rate_limit_rate: 0.0,
            retry_after_secs: 30,
            retry_after_form: RetryAfterForm::Seconds,
            html_rate: 0.0,
            string_counts_rate: 0.0,
        }
    }
}

/// How a 429 answer writes its `Retry-After` header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetryAfterForm {
    /// Delta-seconds: `Retry-After: 30`.
    #[default]
    Seconds,
    /// An HTTP-date: `Retry-After: Tue, 17 Nov 2026 16:00:30 GMT`.
    Date,
    /// No `Retry-After` header.
    None,
}

/// What happens to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Hang,
    ServerError,
    Malformed,
    ApiError(u32),
    TextError(u32),
    Unauthorized,
    Forbidden,
    RateLimited,
    Html,
    Answer,
}

impl Faults {
    /// No faults at all.
    pub fn none() -> Faults {
        Faults::default()
    }

    /// Checks that every rate is a number within `0..=1`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidFaultRate`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), Error> {
        let string_counts = [("string_counts_rate", self.string_counts_rate)];
        for (field, value) in self.rates().into_iter().chain(string_counts) {
            if !(0.0..=1.0).contains(&value) {
                return Err(Error::InvalidFaultRate { field, value });
            }
        }
        Ok(())
    }

    /// The rates of the fates, in the order they take their share of the draw.
    fn rates(&self) -> [(&'static str, f64); 9] {
        [
            ("hang_rate", self.hang_rate),
            ("error_rate", self.error_rate),
            ("malformed_rate", self.malformed_rate),
            ("api_error_rate", self.api_error_rate),
            ("text_error_rate", self.text_error_rate),
            ("unauthorized_rate", self.unauthorized_rate),
            ("forbidden_rate", self.forbidden_rate),
            ("rate_limit_rate", self.rate_limit_rate),
            ("html_rate", self.html_rate),
        ]
    }

    /// The fate of a request whose draw is `u` in `[0, 1)`.
    pub(crate) fn fate(&self, u: f64) -> Fate {
        let fates = [
            Fate::Hang,
            Fate::ServerError,
            Fate::Malformed,
            Fate::ApiError(self.api_error_code),
            Fate::TextError(self.text_error_code),
            Fate::Unauthorized,
            Fate::Forbidden,
            Fate::RateLimited,
            Fate::Html,
        ];
        let mut threshold = 0.0;
        for ((_, rate), fate) in self.rates().into_iter().zip(fates) {
            threshold += rate;
            if u < threshold {
                return fate;
            }
        }
        Fate::Answer
    }

    /// Whether a normal answer whose second draw is `u` writes its counts as strings.
    pub(crate) fn string_counts(&self, u: f64) -> bool {
        u < self.string_counts_rate
    }
}

/// The message of an API error code.
pub(crate) fn api_error_message(code: u32) -> &'static str {
    match code {
        6026 => "Invalid campaign ID",
        6041 => "Invalid queue ID",
        6006 => "Invalid user ID",
        5001 => "Auth token is invalid",
        _ => "Simulated API error",
    }
}

/// `Duration` as whole milliseconds, the unit people type in JSON.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{keyed, unit};

    #[test]
    fn rates_out_of_range_name_their_field() {
        for (faults, field) in [
            (
                Faults {
                    error_rate: 1.5,
                    ..Faults::none()
                },
                "error_rate",
            ),
            (
                Faults {
                    malformed_rate: -0.1,
                    ..Faults::none()
                },
                "malformed_rate",
            ),
            (
                Faults {
                    hang_rate: f64::NAN,
                    ..Faults::none()
                },
                "hang_rate",
            ),
            (
                Faults {
                    api_error_rate: 2.0,
                    ..Faults::none()
                },
                "api_error_rate",
            ),
        ] {
            match faults.validate() {
                Err(Error::InvalidFaultRate { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        assert_eq!(
            Faults {
                error_rate: 1.0,
                hang_rate: 0.0,
                ..Faults::none()
            }
            .validate(),
            Ok(())
        );
    }

    #[test]
    fn a_rate_of_one_always_applies() {
        let all = |f: Faults| [0.0, 0.5, 0.999_999_999].map(|u| f.fate(u));
        assert_eq!(
            all(Faults {
                hang_rate: 1.0,
                ..Faults::none()
            }),
            [Fate::Hang; 3]
        );
        assert_eq!(
            all(Faults {
                error_rate: 1.0,
                ..Faults::none()
            }),
            [Fate::ServerError; 3]
        );
        assert_eq!(
            all(Faults {
                malformed_rate: 1.0,
                ..Faults::none()
            }),
            [Fate::Malformed; 3]
        );
        assert_eq!(
            all(Faults {
                api_error_rate: 1.0,
                api_error_code: 7001,
                ..Faults::none()
            }),
            [Fate::ApiError(7001); 3]
        );
        assert_eq!(all(Faults::none()), [Fate::Answer; 3]);
    }

    #[test]
    fn fractions_are_roughly_honoured() {
        let faults = Faults {
            error_rate: 0.2,
            malformed_rate: 0.1,
            ..Faults::none()
        };
        let n = 20_000;
        let fates: Vec<Fate> = (0..n).map(|i| faults.fate(unit(keyed(1, i)))).collect();
        let share = |f: Fate| fates.iter().filter(|x| **x == f).count() as f64 / n as f64;
        assert!((share(Fate::ServerError) - 0.2).abs() < 0.02);
        assert!((share(Fate::Malformed) - 0.1).abs() < 0.02);
        assert!((share(Fate::Answer) - 0.7).abs() < 0.02);
    }

    #[test]
    fn json_uses_milliseconds_and_defaults_missing_fields() {
        let faults: Faults =
            serde_json::from_str(r#"{"latency_ms": 250, "error_rate": 0.5}"#).unwrap();
        assert_eq!(faults.latency, Duration::from_millis(250));
        assert_eq!(faults.error_rate, 0.5);
        assert_eq!(faults.api_error_code, 6026);
        let json = serde_json::to_value(&faults).unwrap();
        assert_eq!(json["latency_ms"], 250);
        assert!(serde_json::from_str::<Faults>(r#"{"eror_rate": 1}"#).is_err());
    }

    #[test]
    fn each_new_fault_at_rate_one_always_applies() {
        let all = |f: Faults| [0.0, 0.5, 0.999_999_999].map(|u| f.fate(u));
        let cases = [
            (
                Faults {
                    text_error_rate: 1.0,
                    ..Faults::none()
                },
                Fate::TextError(5001),
            ),
            (
                Faults {
                    unauthorized_rate: 1.0,
                    ..Faults::none()
                },
                Fate::Unauthorized,
            ),
            (
                Faults {
                    forbidden_rate: 1.0,
                    ..Faults::none()
                },
                Fate::Forbidden,
            ),
            (
                Faults {
                    rate_limit_rate: 1.0,
                    ..Faults::none()
                },
                Fate::RateLimited,
            ),
            (
                Faults {
                    html_rate: 1.0,
                    ..Faults::none()
                },
                Fate::Html,
            ),
        ];
        for (faults, fate) in cases {
            assert_eq!(all(faults), [fate; 3]);
        }
        // The earlier stretches keep their place: old settings draw as before.
        let both = Faults {
            error_rate: 0.5,
            html_rate: 0.5,
            ..Faults::none()
        };
        assert_eq!(both.fate(0.25), Fate::ServerError);
        assert_eq!(both.fate(0.75), Fate::Html);
    }

    #[test]
    fn string_counts_is_a_rate_of_its_own() {
        let faults = Faults {
            string_counts_rate: 0.5,
            ..Faults::none()
        };
        assert_eq!(faults.fate(0.1), Fate::Answer);
        assert!(faults.string_counts(0.25) && !faults.string_counts(0.75));
        assert!(!Faults::none().string_counts(0.0));
        let bad = Faults {
            string_counts_rate: 1.5,
            ..Faults::none()
        };
        assert!(matches!(
            bad.validate(),
            Err(Error::InvalidFaultRate {
                field: "string_counts_rate",
                ..
            })
        ));
        for field in [
            "text_error_rate",
            "unauthorized_rate",
            "forbidden_rate",
            "rate_limit_rate",
            "html_rate",
        ] {
            let faults: Faults = serde_json::from_value(serde_json::json!({ field: 2.0 })).unwrap();
            match faults.validate() {
                Err(Error::InvalidFaultRate { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn retry_after_settings_read_from_json() {
        let faults: Faults = serde_json::from_str(
            r#"{"rate_limit_rate": 1, "retry_after_s": 90, "retry_after_form": "date"}"#,
        )
        .unwrap();
        assert_eq!(faults.retry_after_secs, 90);
        assert_eq!(faults.retry_after_form, RetryAfterForm::Date);
        assert_eq!(Faults::none().retry_after_secs, 30);
        assert_eq!(Faults::none().retry_after_form, RetryAfterForm::Seconds);
        assert!(serde_json::from_str::<Faults>(r#"{"retry_after_form": "http-date"}"#).is_err());
        assert_eq!(api_error_message(5001), "Auth token is invalid");
    }
}
