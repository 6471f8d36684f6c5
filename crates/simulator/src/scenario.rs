//! Short-staffing scenarios: for a window of time, most of the matching agents who
//! would be ready are not.
//!
//! A scenario is part of the model ([`crate::Center`]), not of the HTTP layer, so live
//! answers and history computed from snapshots agree. During `from <= t < until`, an
//! agent matched by the scenario's filter who the model says is `ready` stays ready
//! only if a hash of (agent, call segment) falls below `available_factor`; otherwise
//! it is on `pause` (logged in, not ready). The draw is per call segment, so an agent
//! does not flicker within a segment, and a smaller factor keeps a subset of the agents
//! a larger one keeps. Where scenarios overlap, the smallest factor applies. Other
//! statuses, other agents and other times are untouched.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::filter::Filter;

/// One short-staffing scenario. Build it directly (then [`Scenario::validate`]) or
/// from JSON:
///
/// ```json
/// {"campaign_id": "111", "available_factor": 0.1, "from": 1794931200, "until": 1794938400}
/// ```
///
/// In JSON, `campaign_id`, `queue_id` and `user_id` are the API's ID parameters (one
/// ID or a comma-separated list, as a string or a number), `skills` the API's
/// comma-separated `filter_by_skill_options`; absent means every agent. `from` and
/// `until` are unix seconds. Unknown fields are errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Wire", into = "Wire")]
pub struct Scenario {
    /// Which agents it affects.
    pub filter: Filter,
    /// The share of ready agents that stay ready, `0..=1`: 0.1 keeps about one in
    /// ten, 0 none.
    pub available_factor: f64,
    /// Its start, unix seconds (included).
    pub from: i64,
    /// Its end, unix seconds (excluded); after `from`.
    pub until: i64,
}

impl Scenario {
    /// Whether it is in force at `ts`.
    pub fn covers(&self, ts: i64) -> bool {
        (self.from..self.until).contains(&ts)
    }

    /// Checks the factor and the window.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidScenario`] naming `available_factor` when it is not a number
    /// within `0..=1`, or `until` when it is not after `from`.
    pub fn validate(&self) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&self.available_factor) {
            return Err(Error::InvalidScenario {
                field: "available_factor",
                reason: format!("must be within 0..=1, got {}", self.available_factor),
            });
        }
        if self.until <= self.from {
            return Err(Error::InvalidScenario {
                field: "until",
                reason: format!("must be after from ({}), got {}", self.from, self.until),
            });
        }
        Ok(())
    }
}

/// The JSON form of a [`Scenario`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Wire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    campaign_id: Option<IdParam>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    queue_id: Option<IdParam>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_id: Option<IdParam>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    skills: Option<String>,
    available_factor: f64,
    from: i64,
    until: i64,
}

/// An ID parameter in JSON: `"111,112"` or `111`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum IdParam {
    Number(u64),
    Text(String),
}

impl IdParam {
    fn text(&self) -> String {
        match self {
            IdParam::Number(n) => n.to_string(),
            IdParam::Text(t) => t.clone(),
        }
    }
}

impl TryFrom<Wire> for Scenario {
    type Error = Error;

    fn try_from(wire: Wire) -> Result<Scenario, Error> {
        let text = |p: &Option<IdParam>| p.as_ref().map(IdParam::text);
        let (campaign, queue, user) = (
            text(&wire.campaign_id),
            text(&wire.queue_id),
            text(&wire.user_id),
        );
        let filter = Filter::parse(
            campaign.as_deref(),
            queue.as_deref(),
            user.as_deref(),
            wire.skills.as_deref(),
        )
        .map_err(|err| {
            let (field, value) = match err {
                Error::InvalidCampaign { value } => ("campaign_id", value),
                Error::InvalidQueue { value } => ("queue_id", value),
                Error::InvalidUser { value } => ("user_id", value),
                other => ("filter", other.to_string()),
            };
            Error::InvalidScenario {
                field,
                reason: format!(
                    "not a positive integer or a comma-separated list of them: {value:?}"
                ),
            }
        })?;
        let scenario = Scenario {
            filter,
            available_factor: wire.available_factor,
            from: wire.from,
            until: wire.until,
        };
        scenario.validate()?;
        Ok(scenario)
    }
}

impl From<Scenario> for Wire {
    fn from(s: Scenario) -> Wire {
        let ids = |ids: Option<Vec<u64>>| {
            ids.map(|ids| {
                IdParam::Text(ids.iter().map(u64::to_string).collect::<Vec<_>>().join(","))
            })
        };
        Wire {
            campaign_id: ids(s.filter.campaign_id),
            queue_id: ids(s.filter.queue_id),
            user_id: ids(s.filter.user_id),
            skills: s.filter.skills.map(|skills| skills.join(",")),
            available_factor: s.available_factor,
            from: s.from,
            until: s.until,
        }
    }
}

/// Reads the body of `PUT /_sim/scenario`: one scenario or a list of them.
///
/// # Errors
///
/// [`Error::InvalidScenario`]: `field` `body` when it is not JSON of that shape,
/// else the field at fault.
pub(crate) fn parse_body(body: &[u8]) -> Result<Vec<Scenario>, Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<Wire>),
        One(Wire),
    }
    let wires = match serde_json::from_slice::<serde_json::Value>(body) {
        Err(err) => Err(err.to_string()),
        Ok(value) => {
            let many = value.is_array();
            match serde_json::from_value::<OneOrMany>(value) {
                Ok(OneOrMany::Many(wires)) => Ok(wires),
                Ok(OneOrMany::One(wire)) => Ok(vec![wire]),
                // Untagged enums hide the cause; ask again for the shape that was sent.
                Err(_) if many => serde_json::from_slice::<Vec<Wire>>(body)
                    .map(|_| Vec::new())
                    .map_err(|e| e.to_string()),
                Err(_) => serde_json::from_slice::<Wire>(body)
                    .map(|_| Vec::new())
                    .map_err(|e| e.to_string()),
            }
        }
    }
    .map_err(|reason| Error::InvalidScenario {
        field: "body",
        reason: format!("expected a scenario or a list of them: {reason}"),
    })?;
    wires.into_iter().map(Scenario::try_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_takes_the_api_parameters_and_round_trips() {
        let scenario: Scenario = serde_json::from_str(
            r#"{"campaign_id": "111,112", "queue_id": 222, "skills": "English, sales",
                "available_factor": 0.1, "from": 100, "until": 200}"#,
        )
        .unwrap();
        assert_eq!(
            scenario,
            Scenario {
                filter: Filter {
                    campaign_id: Some(vec![111, 112]),
                    queue_id: Some(vec![222]),
                    user_id: None,
                    skills: Some(vec!["english".into(), "sales".into()]),
                },
                available_factor: 0.1,
                from: 100,
                until: 200,
            }
        );
        let json = serde_json::to_value(&scenario).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"campaign_id": "111,112", "queue_id": "222",
                "skills": "english,sales", "available_factor": 0.1, "from": 100, "until": 200})
        );
        assert_eq!(serde_json::from_value::<Scenario>(json).unwrap(), scenario);
    }

    #[test]
    fn bad_scenarios_name_their_field() {
        let field = |body: &str| match parse_body(body.as_bytes()) {
            Err(Error::InvalidScenario { field, .. }) => field,
            other => panic!("{body}: {other:?}"),
        };
        assert_eq!(
            field(r#"{"available_factor": 1.5, "from": 0, "until": 1}"#),
            "available_factor"
        );
        assert_eq!(
            field(r#"{"available_factor": -0.1, "from": 0, "until": 1}"#),
            "available_factor"
        );
        assert_eq!(
            field(r#"{"available_factor": 0.5, "from": 5, "until": 5}"#),
            "until"
        );
        assert_eq!(
            field(r#"{"campaign_id": "007", "available_factor": 0.5, "from": 0, "until": 1}"#),
            "campaign_id"
        );
        assert_eq!(
            field(r#"[{"user_id": "x", "available_factor": 0.5, "from": 0, "until": 1}]"#),
            "user_id"
        );
        assert_eq!(field(r#"{"available_factor": 0.5, "from": 0}"#), "body");
        assert_eq!(
            field(r#"{"campain_id": "111", "available_factor": 0.5, "from": 0, "until": 1}"#),
            "body"
        );
        assert_eq!(field("not json"), "body");
        let Err(err) =
            parse_body(br#"{"campain_id": "1", "available_factor": 0.5, "from": 0, "until": 1}"#)
        else {
            panic!("accepted");
        };
        assert!(err.to_string().contains("campain_id"), "{err}");
    }

    #[test]
    fn a_body_is_one_scenario_or_a_list() {
        let one = parse_body(br#"{"available_factor": 0, "from": 0, "until": 1}"#).unwrap();
        assert_eq!(one.len(), 1);
        let two = parse_body(
            br#"[{"available_factor": 0, "from": 0, "until": 1},
                 {"user_id": "12345", "available_factor": 1, "from": 5, "until": 9}]"#,
        )
        .unwrap();
        assert_eq!(two.len(), 2);
        assert_eq!(two[1].filter, Filter::user(12345));
        assert!(parse_body(b"[]").unwrap().is_empty());
    }

    #[test]
    fn the_window_includes_from_and_excludes_until() {
        let s = Scenario {
            filter: Filter::all(),
            available_factor: 0.0,
            from: 10,
            until: 20,
        };
        assert!(!s.covers(9) && s.covers(10) && s.covers(19) && !s.covers(20));
    }
}
