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
/// `error_rate`, `malformed_rate`, `api_error_rate`, and a normal answer for the rest.
/// A rate of 1.0 therefore always applies (unless an earlier rate already takes every
/// request), and rates adding up past 1.0 leave the later ones only what is left. The
/// draws come from a hash of the seed and a request counter, so a run is reproducible
/// for a given order of requests.
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
    /// Fraction answered `200` with `{"success": false, "code": api_error_code, ...}`.
    pub api_error_rate: f64,
    /// The code of injected API errors. 6026, 6041 and 6006 carry the reference's
    /// messages; any other code the message "Simulated API error".
    pub api_error_code: u32,
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
        }
    }
}

/// What happens to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Hang,
    ServerError,
    Malformed,
    ApiError(u32),
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
        for (field, value) in self.rates() {
            if !(0.0..=1.0).contains(&value) {
                return Err(Error::InvalidFaultRate { field, value });
            }
        }
        Ok(())
    }

    fn rates(&self) -> [(&'static str, f64); 4] {
        [
            ("hang_rate", self.hang_rate),
            ("error_rate", self.error_rate),
            ("malformed_rate", self.malformed_rate),
            ("api_error_rate", self.api_error_rate),
        ]
    }

    /// The fate of a request whose draw is `u` in `[0, 1)`.
    pub(crate) fn fate(&self, u: f64) -> Fate {
        let fates = [
            Fate::Hang,
            Fate::ServerError,
            Fate::Malformed,
            Fate::ApiError(self.api_error_code),
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
}

/// The message of an API error code.
pub(crate) fn api_error_message(code: u32) -> &'static str {
    match code {
        6026 => "Invalid campaign ID",
        6041 => "Invalid queue ID",
        6006 => "Invalid user ID",
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
}
