//! Request filters: parsing the API's parameters into a [`Filter`].

use crate::Error;

/// Which agents a count covers: the API's four filters, AND-ed together.
///
/// `None` means "no filter". Each ID filter holds one or more IDs and matches agents
/// of any of them (`campaign_id=111,112`). The fields are public so callers (the demo,
/// tests) can build filters directly; [`Filter::parse`] builds them from the API's
/// strings with the API's validation rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    /// Only agents of any of these campaigns.
    pub campaign_id: Option<Vec<u64>>,
    /// Only agents in any of these queues.
    pub queue_id: Option<Vec<u64>>,
    /// Only these agents.
    pub user_id: Option<Vec<u64>>,
    /// Only agents with at least one of these skills (compared case-insensitively).
    /// An empty list matches nobody; use `None` for no skill filter.
    pub skills: Option<Vec<String>>,
}

impl Filter {
    /// No filter at all: the whole center.
    pub fn all() -> Filter {
        Filter::default()
    }

    /// Agents of one campaign.
    pub fn campaign(id: u64) -> Filter {
        Filter::campaigns([id])
    }

    /// Agents of any of these campaigns.
    pub fn campaigns(ids: impl IntoIterator<Item = u64>) -> Filter {
        Filter {
            campaign_id: Some(ids.into_iter().collect()),
            ..Filter::default()
        }
    }

    /// Agents in one queue.
    pub fn queue(id: u64) -> Filter {
        Filter::queues([id])
    }

    /// Agents in any of these queues.
    pub fn queues(ids: impl IntoIterator<Item = u64>) -> Filter {
        Filter {
            queue_id: Some(ids.into_iter().collect()),
            ..Filter::default()
        }
    }

    /// One agent.
    pub fn user(id: u64) -> Filter {
        Filter::users([id])
    }

    /// These agents.
    pub fn users(ids: impl IntoIterator<Item = u64>) -> Filter {
        Filter {
            user_id: Some(ids.into_iter().collect()),
            ..Filter::default()
        }
    }

    /// Agents with any of these skills.
    pub fn skills<I, S>(skills: I) -> Filter
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Filter {
            skills: Some(skills.into_iter().map(Into::into).collect()),
            ..Filter::default()
        }
    }

    /// Builds a filter from the API's parameters (`campaign_id`, `queue_id`, `user_id`,
    /// `filter_by_skill_options`), as they came off the wire.
    ///
    /// An absent or empty parameter is no filter. An ID parameter is one ID or a
    /// comma-separated list of them, and every element must be a positive integer in
    /// canonical decimal: ASCII digits only, no sign, no leading zero, no whitespace,
    /// at most `u64::MAX` (so `111,112` is a list, while `111, 112`, `111,` and
    /// `111,,112` are malformed). Skills are a comma-separated list; entries are
    /// trimmed and lowercased, empty entries are dropped, and a list with no entries
    /// left is no filter. Unknown IDs and skills are not errors here: they select
    /// nobody.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCampaign`], [`Error::InvalidQueue`] or [`Error::InvalidUser`] for
    /// a malformed ID parameter, checked in that order (the first one wins).
    pub fn parse(
        campaign_id: Option<&str>,
        queue_id: Option<&str>,
        user_id: Option<&str>,
        skills: Option<&str>,
    ) -> Result<Filter, Error> {
        let campaign_id = parse_ids(campaign_id).map_err(|value| Error::InvalidCampaign {
            value: value.into(),
        })?;
        let queue_id = parse_ids(queue_id).map_err(|value| Error::InvalidQueue {
            value: value.into(),
        })?;
        let user_id = parse_ids(user_id).map_err(|value| Error::InvalidUser {
            value: value.into(),
        })?;
        let skills = skills.and_then(parse_skills);
        Ok(Filter {
            campaign_id,
            queue_id,
            user_id,
            skills,
        })
    }
}

/// Parses an optional ID-list parameter; `Err` carries the rejected text.
fn parse_ids(raw: Option<&str>) -> Result<Option<Vec<u64>>, &str> {
    match raw {
        None | Some("") => Ok(None),
        Some(text) => text
            .split(',')
            .map(parse_canonical_id)
            .collect::<Option<Vec<u64>>>()
            .map(Some)
            .ok_or(text),
    }
}

/// A positive integer in canonical decimal, or `None`.
///
/// `u64::from_str` alone would accept `+7` and `007`; the API treats those as malformed
/// so that each ID has exactly one spelling.
fn parse_canonical_id(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let canonical = !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) && bytes[0] != b'0';
    if canonical { text.parse().ok() } else { None }
}

fn parse_skills(raw: &str) -> Option<Vec<String>> {
    let skills: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
        .collect();
    if skills.is_empty() {
        None
    } else {
        Some(skills)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(raw: &str) -> Result<Filter, Error> {
        Filter::parse(Some(raw), None, None, None)
    }

    #[test]
    fn canonical_ids_parse() {
        assert_eq!(campaign("111").unwrap().campaign_id, Some(vec![111]));
        assert_eq!(campaign("1").unwrap().campaign_id, Some(vec![1]));
        assert_eq!(
            campaign("18446744073709551615").unwrap().campaign_id,
            Some(vec![u64::MAX])
        );
    }

    #[test]
    fn non_canonical_ids_are_invalid() {
        for raw in [
            "abc",
            "-1",
            "+1",
            "0",
            "007",
            "00",
            " 111",
            "111 ",
            "1.0",
            "1e3",
            "١٢",
            "18446744073709551616",
            "111,",
            ",111",
            "111,,112",
            "111, 112",
            "111,abc",
            "111,007",
            ",",
        ] {
            assert_eq!(
                campaign(raw),
                Err(Error::InvalidCampaign { value: raw.into() }),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn empty_or_absent_parameters_are_no_filter() {
        assert_eq!(
            Filter::parse(Some(""), Some(""), Some(""), Some("")).unwrap(),
            Filter::all()
        );
        assert_eq!(
            Filter::parse(None, None, None, None).unwrap(),
            Filter::all()
        );
        assert_eq!(
            Filter::parse(None, None, None, Some(" , ,,")).unwrap(),
            Filter::all()
        );
    }

    #[test]
    fn errors_come_in_documented_order() {
        let err = Filter::parse(Some("x"), Some("y"), Some("z"), None).unwrap_err();
        assert_eq!(err.api_code(), Some(6026));
        let err = Filter::parse(Some("1"), Some("y"), Some("z"), None).unwrap_err();
        assert_eq!(err.api_code(), Some(6041));
        let err = Filter::parse(None, Some("1"), Some("z"), None).unwrap_err();
        assert_eq!(err.api_code(), Some(6006));
    }

    #[test]
    fn skills_are_trimmed_lowercased_and_empty_entries_dropped() {
        let filter = Filter::parse(None, None, None, Some(" English,,SALES , ")).unwrap();
        assert_eq!(
            filter.skills,
            Some(vec!["english".to_string(), "sales".to_string()])
        );
    }

    #[test]
    fn all_filters_are_kept_together() {
        let filter =
            Filter::parse(Some("111"), Some("222"), Some("12345"), Some("spanish")).unwrap();
        assert_eq!(
            filter,
            Filter {
                campaign_id: Some(vec![111]),
                queue_id: Some(vec![222]),
                user_id: Some(vec![12345]),
                skills: Some(vec!["spanish".into()]),
            }
        );
    }

    #[test]
    fn id_lists_parse_in_the_order_given() {
        let filter =
            Filter::parse(Some("112,111"), Some("222,225,222"), Some("12345"), None).unwrap();
        assert_eq!(filter.campaign_id, Some(vec![112, 111]));
        assert_eq!(filter.queue_id, Some(vec![222, 225, 222]));
        assert_eq!(filter.user_id, Some(vec![12345]));
        // A bad element anywhere in a list is the documented error for that parameter.
        let err = Filter::parse(None, Some("222,0"), None, None).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidQueue {
                value: "222,0".into()
            }
        );
        let err = Filter::parse(None, None, Some("12345,x"), None).unwrap_err();
        assert_eq!(err.api_code(), Some(6006));
    }
}
