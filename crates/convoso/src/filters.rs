//! The filters of one search: which agents a poll counts, their canonical form and
//! their checks.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The filters of a search, AND-ed together by the upstream. The default (nothing
/// set) counts every agent: system-wide availability.
///
/// Each ID filter holds one ID (`"111"`) or a comma-separated list of them
/// (`"4310,4311,4312"`, as real callers send), matching agents of any listed ID.
/// Skills are a list of names, matching agents with any of them; each entry is one
/// skill (the upstream takes them comma-joined, so a name cannot contain a comma).
///
/// Two filter sets that mean the same request compare equal after
/// [`canonical`](Filters::canonical); [`to_params`](Filters::to_params) and `Display`
/// work on that canonical form. [`check`](Filters::check) says whether the filters
/// are well formed; the configuration calls it before any poll.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Filters {
    /// Only agents of this campaign (or of any of these, comma-separated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    /// Only agents of this queue (or of any of these, comma-separated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Only this agent (or any of these, comma-separated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Only agents with any of these skills.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<String>,
}

/// Why [`Filters::check`] refused a filter. Its message names the field and the
/// element at fault, as `campaign_id: "007" is not an ID: ...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// An ID filter is set but blank.
    #[error("{field}: empty; leave it out for no filter")]
    EmptyId {
        /// `campaign_id`, `queue_id` or `user_id`.
        field: &'static str,
    },
    /// An ID list has an empty element, as in `"111,,112"` or `"111,"`.
    #[error("{field}: {value:?} has an empty element")]
    EmptyElement {
        /// `campaign_id`, `queue_id` or `user_id`.
        field: &'static str,
        /// The whole value, cut to 60 characters.
        value: String,
    },
    /// An element of an ID filter is not a positive decimal integer without sign or
    /// leading zeros, at most 18446744073709551615.
    #[error(
        "{field}: {element:?} is not an ID: IDs are positive decimal integers without sign or leading zeros"
    )]
    BadId {
        /// `campaign_id`, `queue_id` or `user_id`.
        field: &'static str,
        /// The element, trimmed and cut to 60 characters.
        element: String,
    },
    /// A skill is empty or only spaces.
    #[error("skills: empty skill")]
    EmptySkill,
    /// A skill holds a comma, which the upstream would read as two skills.
    #[error("skills: {skill:?} holds a comma: list each skill as its own entry")]
    SkillWithComma {
        /// The skill, trimmed and cut to 60 characters.
        skill: String,
    },
    /// A skill holds a control character.
    #[error("skills: {skill:?} holds a control character")]
    SkillWithControl {
        /// The skill, trimmed and cut to 60 characters.
        skill: String,
    },
}

impl FilterError {
    /// The field at fault: `campaign_id`, `queue_id`, `user_id` or `skills`.
    pub fn field(&self) -> &'static str {
        match self {
            FilterError::EmptyId { field }
            | FilterError::EmptyElement { field, .. }
            | FilterError::BadId { field, .. } => field,
            FilterError::EmptySkill
            | FilterError::SkillWithComma { .. }
            | FilterError::SkillWithControl { .. } => "skills",
        }
    }
}

impl Filters {
    /// The same filters in one spelling. ID lists are split on `,`, their elements
    /// trimmed, empty ones dropped, duplicates removed and the rest sorted by numeric
    /// value (elements that are not digits last, in text order), then joined with `,`:
    /// `" 112, 111,111"` becomes `"111,112"` and a single ID stays as it is. Skills are
    /// trimmed, empty ones dropped, sorted and deduplicated; a comma inside a skill is
    /// kept ([`check`](Filters::check) refuses it), never split.
    pub fn canonical(&self) -> Filters {
        let mut skills: Vec<String> = self
            .skills
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        skills.sort_unstable();
        skills.dedup();
        Filters {
            campaign_id: canonical_ids(&self.campaign_id),
            queue_id: canonical_ids(&self.queue_id),
            user_id: canonical_ids(&self.user_id),
            skills,
        }
    }

    /// True when no filter is set (after canonicalisation): the search is system-wide.
    pub fn is_empty(&self) -> bool {
        let unset = |v: &Option<String>| {
            v.as_deref()
                .is_none_or(|s| s.split(',').all(|e| e.trim().is_empty()))
        };
        unset(&self.campaign_id)
            && unset(&self.queue_id)
            && unset(&self.user_id)
            && self.skills.iter().all(|s| s.trim().is_empty())
    }

    /// Checks that the filters are well formed. Each set ID filter lists one or more
    /// IDs, comma-separated, each (trimmed) a positive decimal integer without sign or
    /// leading zeros that fits 64 bits, as the upstream's IDs are; duplicates and
    /// spaces around elements are fine. Each skill is non-empty after trimming and
    /// holds no comma and no control character.
    ///
    /// # Errors
    ///
    /// The first [`FilterError`], in the order campaign, queue, user, skills.
    pub fn check(&self) -> Result<(), FilterError> {
        for (field, value) in [
            ("campaign_id", &self.campaign_id),
            ("queue_id", &self.queue_id),
            ("user_id", &self.user_id),
        ] {
            let Some(value) = value else {
                continue;
            };
            if value.trim().is_empty() {
                return Err(FilterError::EmptyId { field });
            }
            for element in value.split(',').map(str::trim) {
                if element.is_empty() {
                    return Err(FilterError::EmptyElement {
                        field,
                        value: shown(value),
                    });
                }
                if !is_id(element) {
                    return Err(FilterError::BadId {
                        field,
                        element: shown(element),
                    });
                }
            }
        }
        for skill in self.skills.iter().map(|s| s.trim()) {
            if skill.is_empty() {
                return Err(FilterError::EmptySkill);
            }
            if skill.chars().any(char::is_control) {
                return Err(FilterError::SkillWithControl {
                    skill: shown(skill),
                });
            }
            if skill.contains(',') {
                return Err(FilterError::SkillWithComma {
                    skill: shown(skill),
                });
            }
        }
        Ok(())
    }

    /// The request parameters of the set filters, in the upstream's names, from the
    /// canonical form: `campaign_id`, `queue_id`, `user_id` (each one ID or a
    /// comma-joined list), and the skills joined by `,` as `filter_by_skill_options`.
    /// The token is not included.
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

/// A positive decimal integer without sign or leading zeros that fits `u64`.
fn is_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.iter().all(u8::is_ascii_digit)
        && bytes[0] != b'0'
        && text.parse::<u64>().is_ok()
}

/// The canonical spelling of an ID list (see [`Filters::canonical`]).
fn canonical_ids(value: &Option<String>) -> Option<String> {
    let mut ids: Vec<&str> = value
        .as_deref()?
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    ids.sort_unstable_by(|a, b| by_number(a, b));
    ids.dedup();
    (!ids.is_empty()).then(|| ids.join(","))
}

/// Digit strings by numeric value (of any length), before everything else in text
/// order; ties (`7` and `007`) in text order, so the order is total.
fn by_number(a: &str, b: &str) -> Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match (digits(a), digits(b)) {
        (true, true) => {
            let (x, y) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
            x.len().cmp(&y.len()).then(x.cmp(y)).then(a.cmp(b))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

/// A value for an error message: at most 60 characters (the message escapes the rest).
fn shown(value: &str) -> String {
    match value.char_indices().nth(60) {
        None => value.to_owned(),
        Some((at, _)) => format!("{}…", &value[..at]),
    }
}

/// `campaign_id=111 queue_id=222 skills=english,spanish`, or `all agents` when no
/// filter is set; a list shows as `campaign_id=111,112`.
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
    fn canonical_keeps_a_comma_inside_a_skill_for_check_to_refuse() {
        // Once split into two skills, a typo silently became a different filter.
        let joined = Filters {
            skills: vec![" spanish,english ".into(), "french".into()],
            ..Filters::default()
        };
        assert_eq!(
            joined.canonical().skills,
            vec!["french".to_owned(), "spanish,english".to_owned()]
        );
        assert_eq!(
            joined.check(),
            Err(FilterError::SkillWithComma {
                skill: "spanish,english".into()
            })
        );
    }

    #[test]
    fn canonical_id_lists_are_trimmed_deduplicated_and_sorted_by_number() {
        let f = Filters {
            campaign_id: s(" 112, 111,111"),
            queue_id: s("4312,4310,4311,"),
            user_id: s("111"),
            skills: vec![],
        };
        let c = f.canonical();
        assert_eq!(c.campaign_id.as_deref(), Some("111,112"));
        assert_eq!(c.queue_id.as_deref(), Some("4310,4311,4312"));
        // A single ID is unchanged.
        assert_eq!(c.user_id.as_deref(), Some("111"));
        // By number, not by text: 9 before 10, 99 before 100.
        let f = Filters {
            campaign_id: s("100,9,10,99"),
            ..Filters::default()
        };
        assert_eq!(f.canonical().campaign_id.as_deref(), Some("9,10,99,100"));
        // A list of nothing is no filter.
        let f = Filters {
            queue_id: s(" , ,"),
            ..Filters::default()
        };
        assert_eq!(f.canonical().queue_id, None);
        assert!(f.is_empty());
    }

    #[test]
    fn lists_are_sent_comma_joined_and_displayed_like_single_ids() {
        let f = Filters {
            campaign_id: s("112,111"),
            queue_id: s("4311, 4310"),
            ..Filters::default()
        };
        assert_eq!(
            f.to_params(),
            vec![
                ("campaign_id", "111,112".to_owned()),
                ("queue_id", "4310,4311".to_owned()),
            ]
        );
        assert_eq!(f.to_string(), "campaign_id=111,112 queue_id=4310,4311");
    }

    #[test]
    fn check_accepts_well_formed_filters() {
        let f = Filters {
            campaign_id: s("111"),
            queue_id: s(" 4310, 4311 ,4310"),
            user_id: s("18446744073709551615"),
            skills: vec![
                "english".into(),
                " customer service ".into(),
                "español".into(),
            ],
        };
        assert_eq!(f.check(), Ok(()));
        assert_eq!(Filters::default().check(), Ok(()));
    }

    #[test]
    fn check_names_the_field_and_the_bad_element() {
        let cases = [
            (
                Filters {
                    campaign_id: s("111,007"),
                    ..Filters::default()
                },
                "campaign_id: \"007\" is not an ID: IDs are positive decimal integers without sign or leading zeros",
            ),
            (
                Filters {
                    queue_id: s("222, -1"),
                    ..Filters::default()
                },
                "queue_id: \"-1\" is not an ID: IDs are positive decimal integers without sign or leading zeros",
            ),
            (
                Filters {
                    user_id: s("+5"),
                    ..Filters::default()
                },
                "user_id: \"+5\" is not an ID: IDs are positive decimal integers without sign or leading zeros",
            ),
            (
                Filters {
                    campaign_id: s("0"),
                    ..Filters::default()
                },
                "campaign_id: \"0\" is not an ID: IDs are positive decimal integers without sign or leading zeros",
            ),
            (
                Filters {
                    campaign_id: s("18446744073709551616"),
                    ..Filters::default()
                },
                "campaign_id: \"18446744073709551616\" is not an ID: IDs are positive decimal integers without sign or leading zeros",
            ),
            (
                Filters {
                    campaign_id: s("1 2"),
                    ..Filters::default()
                },
                "campaign_id: \"1 2\" is not an ID: IDs are positive decimal integers without sign or leading zeros",
            ),
            (
                Filters {
                    queue_id: s("222,,223"),
                    ..Filters::default()
                },
                "queue_id: \"222,,223\" has an empty element",
            ),
            (
                Filters {
                    user_id: s("  "),
                    ..Filters::default()
                },
                "user_id: empty; leave it out for no filter",
            ),
            (
                Filters {
                    skills: vec!["english".into(), " ".into()],
                    ..Filters::default()
                },
                "skills: empty skill",
            ),
            (
                Filters {
                    skills: vec!["a,b".into()],
                    ..Filters::default()
                },
                "skills: \"a,b\" holds a comma: list each skill as its own entry",
            ),
            (
                Filters {
                    skills: vec!["sales\nsupport".into()],
                    ..Filters::default()
                },
                "skills: \"sales\\nsupport\" holds a control character",
            ),
        ];
        for (filters, message) in cases {
            let err = filters.check().unwrap_err();
            assert_eq!(err.to_string(), message, "{filters:?}");
        }
        let err = Filters {
            skills: vec!["a,b".into()],
            ..Filters::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(err.field(), "skills");
        let long = "x".repeat(100);
        let err = Filters {
            campaign_id: Some(long),
            ..Filters::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(
            err,
            FilterError::BadId {
                field: "campaign_id",
                element: format!("{}…", "x".repeat(60))
            }
        );
        assert_eq!(err.field(), "campaign_id");
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
            campaign_id: s(" , "),
            skills: vec![" ".into()],
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
