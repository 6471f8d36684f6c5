//! Properties of counts over random instants and filters.

use std::sync::LazyLock;

use headcount_simulator::{Agent, Center, CenterConfig, Counts, Error, Filter};
use proptest::prelude::*;

static CENTER: LazyLock<Center> = LazyLock::new(|| Center::new(CenterConfig::default()));

const SKILLS: [&str; 8] = [
    "english", "SPANISH", " sales ", "support", "billing", "french", "klingon", "",
];

fn instant() -> impl Strategy<Value = i64> {
    // 2020 to 2030.
    1_577_836_800i64..1_893_456_000
}

fn skills() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(prop::sample::select(SKILLS.to_vec()), 1..4)
        .prop_map(|v| v.into_iter().map(String::from).collect())
}

/// One to three IDs, repeats possible.
fn ids(one: impl Strategy<Value = u64>) -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(one, 1..4)
}

fn filter() -> impl Strategy<Value = Filter> {
    (
        prop::option::of(ids(prop::sample::select(vec![111u64, 112, 113, 114, 999]))),
        prop::option::of(ids(prop::sample::select(vec![222u64, 223, 224, 225, 999]))),
        prop::option::of(ids(prop_oneof![11_990u64..12_410, Just(12_345)])),
        prop::option::of(skills()),
    )
        .prop_map(|(campaign_id, queue_id, user_id, skills)| Filter {
            campaign_id,
            queue_id,
            user_id,
            skills,
        })
}

/// Whether an agent matches, decided through the public accessors only.
fn matches(filter: &Filter, agent: &Agent) -> bool {
    filter
        .campaign_id
        .as_ref()
        .is_none_or(|c| c.contains(&agent.campaign_id()))
        && filter
            .queue_id
            .as_ref()
            .is_none_or(|q| agent.queue_ids().any(|id| q.contains(&id)))
        && filter
            .user_id
            .as_ref()
            .is_none_or(|u| u.contains(&agent.user_id()))
        && filter.skills.as_ref().is_none_or(|names| {
            agent
                .skills()
                .any(|s| names.iter().any(|n| n.trim().eq_ignore_ascii_case(s)))
        })
}

/// The filter with only the fields `keep` names.
fn only(filter: &Filter, keep: [bool; 4]) -> Filter {
    Filter {
        campaign_id: filter.campaign_id.clone().filter(|_| keep[0]),
        queue_id: filter.queue_id.clone().filter(|_| keep[1]),
        user_id: filter.user_id.clone().filter(|_| keep[2]),
        skills: filter.skills.clone().filter(|_| keep[3]),
    }
}

proptest! {
    #[test]
    fn available_never_exceeds_logged_in_and_the_center_bounds_every_filter(ts in instant(), filter in filter()) {
        let snapshot = CENTER.snapshot(ts);
        let counts = snapshot.count(&filter);
        let everyone = snapshot.count(&Filter::all());
        prop_assert!(counts.available <= counts.logged_in);
        prop_assert!(counts.logged_in as usize <= CENTER.select(&filter).len());
        prop_assert!(counts.available <= everyone.available);
        prop_assert!(counts.logged_in <= everyone.logged_in);
    }

    #[test]
    fn counts_equal_an_independent_tally(ts in instant(), filter in filter()) {
        let snapshot = CENTER.snapshot(ts);
        let tally = snapshot
            .iter()
            .filter(|(agent, _)| matches(&filter, agent))
            .fold(Counts::default(), |mut c, (_, status)| {
                c.logged_in += u32::from(status.is_logged_in());
                c.available += u32::from(status.is_available());
                c
            });
        prop_assert_eq!(snapshot.count(&filter), tally);
        prop_assert_eq!(CENTER.count(&filter, ts), tally);
    }

    #[test]
    fn combining_filters_never_counts_more_than_any_part(
        ts in instant(),
        filter in filter(),
        keep in prop::array::uniform4(any::<bool>()),
    ) {
        let snapshot = CENTER.snapshot(ts);
        let combined = snapshot.count(&filter);
        let part = snapshot.count(&only(&filter, keep));
        prop_assert!(combined.logged_in <= part.logged_in);
        prop_assert!(combined.available <= part.available);
    }

    #[test]
    fn more_skills_never_count_fewer(ts in instant(), filter in filter(), a in skills(), b in skills()) {
        let snapshot = CENTER.snapshot(ts);
        let with = |skills: Vec<String>| snapshot.count(&Filter { skills: Some(skills), ..filter.clone() });
        let either = with(a.iter().chain(&b).cloned().collect());
        for alone in [with(a.clone()), with(b.clone())] {
            prop_assert!(either.logged_in >= alone.logged_in);
            prop_assert!(either.available >= alone.available);
        }
    }

    #[test]
    fn snapshots_are_a_pure_function_of_the_instant(ts in instant(), earlier in instant()) {
        // Asking about another instant first changes nothing.
        let first = CENTER.snapshot(ts).statuses().to_vec();
        let _ = CENTER.snapshot(earlier);
        let again = CENTER.snapshot(ts);
        prop_assert_eq!(again.statuses(), &first[..]);
    }

    #[test]
    fn canonical_ids_parse_and_others_are_invalid(n in 1u64.., pad in "0{1,3}", sign in "[-+ ]") {
        let text = n.to_string();
        prop_assert_eq!(Filter::parse(None, Some(&text), None, None).unwrap().queue_id, Some(vec![n]));
        for bad in [format!("{pad}{n}"), format!("{sign}{n}"), format!("{n}{sign}")] {
            prop_assert_eq!(
                Filter::parse(None, Some(&bad), None, None),
                Err(Error::InvalidQueue { value: bad.clone() })
            );
        }
    }

    #[test]
    fn a_list_matches_the_agents_of_any_of_its_ids(ts in instant(), a in ids(111u64..115), b in ids(111u64..115)) {
        // Campaigns partition the agents: a list counts the union, each agent once.
        let snapshot = CENTER.snapshot(ts);
        let mut union = a.clone();
        union.extend(&b);
        let mut distinct = union.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let sum = distinct.iter().fold(Counts::default(), |mut c, id| {
            let part = snapshot.count(&Filter::campaign(*id));
            c.available += part.available;
            c.logged_in += part.logged_in;
            c
        });
        prop_assert_eq!(snapshot.count(&Filter::campaigns(union)), sum);
    }

    #[test]
    fn any_text_parses_to_its_canonical_id_or_is_invalid(text in "\\PC{0,24}") {
        match Filter::parse(None, None, Some(&text), None) {
            Ok(filter) => match filter.user_id {
                Some(ids) => {
                    let joined = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
                    prop_assert_eq!(joined, text);
                }
                None => prop_assert!(text.is_empty()),
            },
            Err(err) => prop_assert_eq!(err.api_code(), Some(6006)),
        }
    }
}
