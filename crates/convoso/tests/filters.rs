//! Properties of `Filters`: the canonical form is a fixed point that ignores the
//! order and spelling of skills, and the request parameters carry exactly it.

use headcount_convoso::Filters;
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
            prop_assert!(!v.is_empty() && v.trim() == v);
        }
        for s in &c.skills {
            prop_assert!(!s.is_empty() && s.trim() == s && !s.contains(','));
        }
        prop_assert!(c.skills.windows(2).all(|w| w[0] < w[1]));
        prop_assert_eq!(c.is_empty(), f.is_empty());
        prop_assert_eq!(f.is_empty(), c == Filters::default());
    }

    #[test]
    fn to_params_round_trips_the_canonical_filters(f in filters()) {
        let c = f.canonical();
        let params = f.to_params();
        let get = |name: &str| {
            params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
        };
        let skills: Vec<String> = get("filter_by_skill_options")
            .map(|joined| joined.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        let back = Filters {
            campaign_id: get("campaign_id"),
            queue_id: get("queue_id"),
            user_id: get("user_id"),
            skills,
        };
        prop_assert_eq!(&back, &c);
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
}
