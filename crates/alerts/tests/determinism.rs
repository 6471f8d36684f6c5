//! The evaluation is deterministic however it is driven: the same samples give the
//! same events whether they arrive in one round or many, with the machine stored and
//! restored (a restart) between rounds, and whatever time the rounds run at. This is
//! what makes the live evaluation and `headcount alerts replay` agree.

use std::path::Path;

use headcount_alerts::{Binding, Event, Machine, Rule};
use headcount_config::Config;
use headcount_store::{Outcome, Sample, TargetId};
use proptest::prelude::*;

fn rule(extra: &str) -> Rule {
    let text = format!(
        "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n[report]\ntimezone = \"America/New_York\"\n\
         [[target]]\nname = \"t\"\n[[alert]]\nname = \"r\"\n{extra}"
    );
    let c = Config::parse(&text, Path::new(".")).unwrap();
    Rule {
        config: c.alerts[0].clone(),
        tz: c.report.timezone,
        thresholds: c.report.thresholds,
    }
}

const RULES: [&str; 4] = [
    "when = \"available < 5\"\nfor = \"30s\"\nrecover_when = \"available >= 8\"\nrecover_for = \"45s\"\nrepeat = \"2m\"\n",
    "when = \"available_pct < 10\"\nfor = \"0s\"\nrecover_for = \"0s\"\n",
    "when = \"state >= critical\"\nfor = \"15s\"\nrecover_when = \"state <= monitor\"\nrecover_for = \"30s\"\nactive = { hours = \"10:00-10:30\" }\n",
    "when = \"no_data >= 1m\"\n",
];

const B: Binding = Binding { max_gap: 30 };
/// 2026-11-25 14:50 UTC, 09:50 in New York: the window of rule 2 opens 10 minutes in.
const T0: i64 = 1_795_613_400;

fn samples(values: &[Option<u32>]) -> Vec<Sample> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let ts = T0 + 15 * i as i64;
            match v {
                Some(a) => Sample::ok(TargetId(1), ts, *a, 40, None),
                None => Sample::failed(TargetId(1), ts, Outcome::Timeout, None),
            }
        })
        .collect()
}

/// All samples at once, then time to the end.
fn at_once(rule: &Rule, s: &[Sample], end: i64) -> Vec<Event> {
    let mut m = Machine::new(T0);
    let mut out = Vec::new();
    for x in s {
        m.step(rule, B, x, &mut out);
    }
    m.advance(rule, end, &mut out);
    out
}

/// In rounds of the given sizes, each round re-reading some samples already seen,
/// letting time pass to its last sample, and storing and restoring the machine.
fn in_rounds(rule: &Rule, s: &[Sample], cuts: &[usize], overlap: usize, end: i64) -> Vec<Event> {
    let mut m = Machine::new(T0);
    let mut out = Vec::new();
    let mut i = 0;
    for &n in cuts.iter().chain(std::iter::once(&usize::MAX)) {
        if i >= s.len() {
            break;
        }
        let j = i.saturating_add(n.max(1)).min(s.len());
        for x in &s[i.saturating_sub(overlap)..j] {
            m.step(rule, B, x, &mut out);
        }
        m.advance(rule, s[j - 1].ts, &mut out);
        let json = serde_json::to_string(&m).unwrap();
        m = serde_json::from_str(&json).unwrap();
        i = j;
    }
    m.advance(rule, end, &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn rounds_and_restarts_give_the_events_of_one_pass(
        values in proptest::collection::vec(proptest::option::weighted(0.85, 0u32..12), 1..200),
        cuts in proptest::collection::vec(1usize..40, 0..12),
        overlap in 0usize..5,
        which in 0usize..RULES.len(),
    ) {
        let rule = rule(RULES[which]);
        let s = samples(&values);
        let end = s.last().unwrap().ts + 15;
        prop_assert_eq!(at_once(&rule, &s, end), in_rounds(&rule, &s, &cuts, overlap, end));
    }
}
