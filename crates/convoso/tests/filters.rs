//! Properties of `Filters`: the canonical form is a fixed point that ignores the
//! order and spelling of skills and ID lists, the request parameters carry exactly
//! it, and `check` agrees with an independent statement of the ID rule.

use headcount_convoso::{FilterError, Filters};
use proptest::prelude::*;

/// Values with the characters that canonicalisation cares about: spaces, tabs,
/// commas, empties, and a non-ASCII letter.
fn value() -> impl Strategy<Value = String> {
    "[ \t,a-cé0-2]{0,6}"
}

fn filters() -> impl Strategy<Value = Filters> {
    (
        proptest::option::of(value()),
        proptest::option::of(value()),
        proptest::option::of(value()),
        proptest::collection::vec(value(), 0..6),
    )
        .prop_map(|(campaign_id, queue_id, user_id, skills)| Filters {
            campaign_id,
            queue_id,
            user_id,
            skills,
        })
}

/// A list of IDs written the way people write them: spaces around, repeats, any
/// order, and numbers of every length.
fn id_list() -> impl Strategy<Value = (Vec<u64>, String)> {
    proptest::collection::vec(
        (
            prop_oneof![1u64..10, 1u64..1000, 1u64..=u64::MAX],
            "[ ]{0,2}",
            "[ ]{0,2}",
        ),
        1..8,
    )
    .prop_map(|items| {
        let ids = items.iter().map(|(n, _, _)| *n).collect();
        let text = items
            .iter()
            .map(|(n, before, after)| format!("{before}{n}{after}"))
            .collect::<Vec<_>>()
            .join(",");
        (ids, text)
    })
}

proptest! {
    #[test]
    fn canonical_is_idempotent(f in filters()) {
        let once = f.canonical();
        prop_assert_eq!(once.canonical(), once);
    }

    #[test]
    fn the_order_of_skills_does_not_matter(
        (f, shuffled) in filters().prop_flat_map(|f| {
            let skills = Just(f.skills.clone()).prop_shuffle();
            (Just(f), skills)
        })
    ) {
        let g = Filters { skills: shuffled, ..f.clone() };
        prop_assert_eq!(f.canonical(), g.canonical());
        prop_assert_eq!(f.to_params(), g.to_params());
        prop_assert_eq!(f.to_string(), g.to_string());
    }

    #[test]
    fn canonical_values_are_trimmed_and_skills_sorted_unique(f in filters()) {
        let c = f.canonical();
        for v in [&c.campaign_id, &c.queue_id, &c.user_id].into_iter().flatten() {
            // A list of trimmed, non-empty, distinct elements.
            let elements: Vec<&str> = v.split(',').collect();
            for e in &elements {
                prop_assert!(!e.is_empty() && e.trim() == *e, "{:?}", v);
            }
            let mut distinct = elements.clone();
            distinct.sort_unstable();
            distinct.dedup();
            prop_assert_eq!(distinct.len(), elements.len());
        }
        for s in &c.skills {
            prop_assert!(!s.is_empty() && s.trim() == s);
        }
        prop_assert!(c.skills.windows(2).all(|w| w[0] < w[1]));
        prop_assert_eq!(c.is_empty(), f.is_empty());
        prop_assert_eq!(f.is_empty(), c == Filters::default());
    }

    #[test]
    fn to_params_carry_exactly_the_canonical_filters(f in filters()) {
        let c = f.canonical();
        let params = f.to_params();
        let get = |name: &str| {
            params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
        };
        prop_assert_eq!(get("campaign_id"), c.campaign_id.clone());
        prop_assert_eq!(get("queue_id"), c.queue_id.clone());
        prop_assert_eq!(get("user_id"), c.user_id.clone());
        prop_assert_eq!(
            get("filter_by_skill_options"),
            (!c.skills.is_empty()).then(|| c.skills.join(","))
        );
        // Each name at most once, and only the documented names.
        let mut names: Vec<&str> = params.iter().map(|(k, _)| *k).collect();
        names.sort_unstable();
        names.dedup();
        prop_assert_eq!(names.len(), params.len());
        for name in names {
            prop_assert!(
                ["campaign_id", "queue_id", "user_id", "filter_by_skill_options"].contains(&name)
            );
        }
    }

    #[test]
    fn id_lists_canonicalise_to_their_sorted_distinct_numbers((ids, text) in id_list()) {
        // Independently: sort and deduplicate the numbers themselves.
        let mut want = ids.clone();
        want.sort_unstable();
        want.dedup();
        let want = want.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        let f = Filters { queue_id: Some(text.clone()), ..Filters::default() };
        prop_assert_eq!(f.canonical().queue_id, Some(want.clone()));
        prop_assert_eq!(f.to_string(), format!("queue_id={want}"));
        prop_assert_eq!(f.check(), Ok(()), "{:?}", text);
    }

    #[test]
    fn an_element_with_a_leading_zero_or_sign_is_refused(
        (_, text) in id_list(),
        bad in prop_oneof![
            (1u64..1000).prop_map(|n| format!("0{n}")),
            (1u64..1000).prop_map(|n| format!("+{n}")),
            (1u64..1000).prop_map(|n| format!("-{n}")),
            Just("0".to_owned()),
            "[a-z]{1,4}",
        ],
    ) {
        let f = Filters { user_id: Some(format!("{text},{bad}")), ..Filters::default() };
        prop_assert_eq!(
            f.check(),
            Err(FilterError::BadId { field: "user_id", element: bad.clone() })
        );
    }
}
