//! The config file as written: serde structs with spans, before any checking.
//!
//! Every field is optional here so that [`super::Config`] can report a missing key
//! with its own message and line; unknown keys are refused by serde
//! (`deny_unknown_fields`).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Visitor};
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub upstream: Option<Spanned<RawUpstream>>,
    pub storage: Option<RawStorage>,
    pub schedule: Option<RawSchedule>,
    pub report: Option<RawReport>,
    pub web: Option<RawWeb>,
    pub log: Option<RawLog>,
    pub export: Option<Spanned<RawExport>>,
    pub target: Option<Spanned<Vec<Spanned<RawTarget>>>>,
    pub sla: Option<Spanned<Vec<Spanned<RawSla>>>>,
    pub alert: Option<Spanned<Vec<Spanned<RawAlert>>>>,
    pub channel: Option<Spanned<Vec<Spanned<RawChannel>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUpstream {
    pub base_url: Option<Spanned<String>>,
    pub auth_token_env: Option<Spanned<String>>,
    pub method: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub concurrency: Option<Spanned<i64>>,
    pub max_agents: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStorage {
    pub path: Option<Spanned<String>>,
    pub raw_retention: Option<Spanned<String>>,
    pub rollup_retention: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSchedule {
    pub cron: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReport {
    pub timezone: Option<Spanned<String>>,
    pub peak: Option<RawPeak>,
    pub thresholds: Option<Spanned<RawThresholds>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPeak {
    pub days: Option<Vec<Spanned<String>>>,
    pub hours: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawThresholds {
    pub healthy: Option<Spanned<i64>>,
    pub monitor: Option<Spanned<i64>>,
    pub warning: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWeb {
    pub listen: Option<Spanned<String>>,
    pub api_token_env: Option<Spanned<String>>,
    pub cors_origins: Option<Spanned<Vec<Spanned<String>>>>,
    pub public_url: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLog {
    pub format: Option<Spanned<String>>,
    pub level: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExport {
    pub remote_write: Option<Spanned<RawRemoteWrite>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRemoteWrite {
    pub url: Option<Spanned<String>>,
    pub bearer_token_env: Option<Spanned<String>>,
    pub basic_auth: Option<Spanned<RawBasicAuth>>,
    pub labels: Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>,
    pub batch_size: Option<Spanned<i64>>,
    pub flush_interval: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBasicAuth {
    pub username: Option<Spanned<String>>,
    pub password_env: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTarget {
    pub name: Option<Spanned<String>>,
    pub campaign_id: Option<Spanned<Id>>,
    pub queue_id: Option<Spanned<Id>>,
    pub user_id: Option<Spanned<Id>>,
    pub skills: Option<Spanned<Vec<Spanned<String>>>>,
    pub cron: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSla {
    pub name: Option<Spanned<String>>,
    pub target: Option<Spanned<String>>,
    pub when: Option<Spanned<String>>,
    pub hours: Option<Spanned<RawPeak>>,
    pub objective: Option<Spanned<f64>>,
    pub period: Option<Spanned<String>>,
    pub unknown: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlert {
    pub name: Option<Spanned<String>>,
    pub targets: Option<Spanned<Vec<Spanned<String>>>>,
    pub when: Option<Spanned<String>>,
    #[serde(rename = "for")]
    pub hold_for: Option<Spanned<String>>,
    pub recover_when: Option<Spanned<String>>,
    pub recover_for: Option<Spanned<String>>,
    pub active: Option<Spanned<RawActive>>,
    pub repeat: Option<Spanned<String>>,
    pub send_resolved: Option<Spanned<bool>>,
    pub severity: Option<Spanned<String>>,
    pub channels: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawActive {
    pub days: Option<Vec<Spanned<String>>>,
    pub hours: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChannel {
    pub name: Option<Spanned<String>>,
    pub kind: Option<Spanned<String>>,
    pub url_env: Option<Spanned<String>>,
    pub severities: Option<Spanned<Vec<Spanned<String>>>>,
    pub timeout: Option<Spanned<String>>,
    pub give_up_after: Option<Spanned<String>>,
}

/// An ID written as a TOML string (`"111"`, or a list `"111,112"`), an integer
/// (`111`), or an array of either (`[111, 112]`); kept as text, comma-joined, the way
/// the API takes it.
#[derive(Debug)]
pub(super) struct Id(pub String);

/// One element of an ID array: a string or an integer.
struct Element(String);

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ElementVisitor;
        impl Visitor<'_> for ElementVisitor {
            type Value = Element;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ID as a string or an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Element, E> {
                Ok(Element(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Element, E> {
                Ok(Element(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Element, E> {
                Ok(Element(v.to_owned()))
            }
        }
        d.deserialize_any(ElementVisitor)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl<'v> Visitor<'v> for IdVisitor {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ID as a string or an integer, or a list of them")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.to_owned()))
            }
            fn visit_seq<A: de::SeqAccess<'v>>(self, mut seq: A) -> Result<Id, A::Error> {
                let mut parts = Vec::new();
                while let Some(Element(part)) = seq.next_element()? {
                    parts.push(part);
                }
                if parts.is_empty() {
                    return Err(de::Error::custom("an empty list of IDs"));
                }
                Ok(Id(parts.join(",")))
            }
        }
        d.deserialize_any(IdVisitor)
    }
}
