//! The filters of one search: which agents a poll counts.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The filters of a search, AND-ed together by the upstream. The default (nothing
/// set) counts every agent: system-wide availability.
///
/// Two filter sets that mean the same request compare equal after
/// [`canonical`](Filters::canonical); [`to_params`](Filters::to_params) and `Display`
/// work on that canonical form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Filters {
    /// Only agents of this campaign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    /// Only agents of this queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Only this agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Only agents with any of these skills.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<String>,
}

impl Filters {
    /// The same filters in one spelling: values trimmed, empty values dropped, skills
    /// split on `,` (the upstream reads `"a,b"` as two skills), sorted and deduplicated.
    pub fn canonical(&self) -> Filters {
        let mut skills: Vec<String> = self
            .skills
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        skills.sort_unstable();
        skills.dedup();
        Filters {
            campaign_id: clean(&self.campaign_id),
            queue_id: clean(&self.queue_id),
            user_id: clean(&self.user_id),
            skills,
        }
    }

    /// True when no filter is set (after canonicalisation): the search is system-wide.
    pub fn is_empty(&self) -> bool {
        let unset = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        unset(&self.campaign_id)
            && unset(&self.queue_id)
            && unset(&self.user_id)
            && self
                .skills
                .iter()
                .all(|s| s.split(',').all(|s| s.trim().is_empty()))
    }

    /// The request parameters of the set filters, in the upstream's names, from the
    /// canonical form: `campaign_id`, `queue_id`, `user_id`, and the skills joined by
    /// `,` as `filter_by_skill_options`. The token is not included.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let c = self.canonical();
        let mut params = Vec::with_capacity(4);
        if let Some(v) = c.campaign_id {
            params.push(("campaign_id", v));
        }
        if let Some(v) = c.queue_id {
            params.push(("queue_id", v));
        }
        if let Some(v) = c.user_id {
            params.push(("user_id", v));
        }
        if !c.skills.is_empty() {
            params.push(("filter_by_skill_options", c.skills.join(",")));
        }
        params
    }
}

fn clean(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `campaign_id=111 queue_id=222 skills=english,spanish`, or `all agents` when no
/// filter is set.
impl fmt::Display for Filters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.canonical();
        let mut parts = Vec::with_capacity(4);
        if let Some(v) = &c.campaign_id {
            parts.push(format!("campaign_id={v}"));
        }
        if let Some(v) = &c.queue_id {
            parts.push(format!("queue_id={v}"));
        }
        if let Some(v) = &c.user_id {
            parts.push(format!("user_id={v}"));
        }
        if !c.skills.is_empty() {
            parts.push(format!("skills={}", c.skills.join(",")));
        }
        if parts.is_empty() {
            f.write_str("all agents")
        } else {
            f.write_str(&parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn canonical_trims_drops_empties_and_sorts_skills() {
        let f = Filters {
            campaign_id: s(" 111 "),
            queue_id: s("   "),
            user_id: None,
            skills: vec![
                "spanish".into(),
                " english".into(),
                "".into(),
                "spanish".into(),
            ],
        };
        assert_eq!(
            f.canonical(),
            Filters {
                campaign_id: s("111"),
                queue_id: None,
                user_id: None,
                skills: vec!["english".into(), "spanish".into()],
            }
        );
    }

    #[test]
    fn canonical_splits_comma_joined_skills() {
        let joined = Filters {
            skills: vec!["spanish, english".into()],
            ..Filters::default()
        };
        let apart = Filters {
            skills: vec!["english".into(), "spanish".into()],
            ..Filters::default()
        };
        assert_eq!(joined.canonical(), apart.canonical());
    }

    #[test]
    fn to_params_names_only_the_set_filters() {
        let f = Filters {
            campaign_id: None,
            queue_id: s("222"),
            user_id: s(""),
            skills: vec!["spanish".into(), "english".into()],
        };
        assert_eq!(
            f.to_params(),
            vec![
                ("queue_id", "222".to_owned()),
                ("filter_by_skill_options", "english,spanish".to_owned()),
            ]
        );
        assert!(Filters::default().to_params().is_empty());
    }

    #[test]
    fn display_lists_filters_or_says_all_agents() {
        let f = Filters {
            campaign_id: s("111"),
            queue_id: s("222"),
            user_id: None,
            skills: vec!["spanish".into(), "english".into()],
        };
        assert_eq!(
            f.to_string(),
            "campaign_id=111 queue_id=222 skills=english,spanish"
        );
        assert_eq!(Filters::default().to_string(), "all agents");
        let blank = Filters {
            user_id: s(" "),
            skills: vec![",".into()],
            ..Filters::default()
        };
        assert_eq!(blank.to_string(), "all agents");
        assert!(blank.is_empty());
        assert!(!f.is_empty());
    }

    #[test]
    fn serde_omits_unset_filters_and_defaults_missing_ones() {
        let f = Filters {
            campaign_id: s("111"),
            ..Filters::default()
        };
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"campaign_id":"111"}"#
        );
        assert_eq!(
            serde_json::from_str::<Filters>(r#"{"campaign_id":"111"}"#).unwrap(),
            f
        );
    }
}
