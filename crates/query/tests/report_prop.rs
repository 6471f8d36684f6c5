//! Property: what the report takes from rollup distributions (percentiles, state
//! shares, peak sides) and the episodes it finds by screening them equal what a naive
//! pass over every raw sample of the range gives.

mod common;

use std::collections::BTreeMap;

use chrono::{Datelike, TimeZone, Timelike, Weekday};
use common::{Fixture, tz};
use headcount_query::{EpisodeEnd, Report, ReportQuery, Span, State, Thresholds, Window, report};
use headcount_store::{Outcome, Reads, Sample};
use proptest::prelude::*;

const ZONES: [&str; 5] = [
    "UTC",
    "America/New_York",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
];

/// 2026-11-01T00:00Z: New York falls back 6 hours later.
const BASE: i64 = 1_793_491_200;
const BUCKETS: i64 = 3 * 96;

/// Whole 15-minute buckets of rows every 15 s, in segments of one pair (or failures).
#[derive(Debug, Clone)]
struct Block {
    bucket: i64,
    buckets: i64,
    segments: Vec<(usize, Option<(u32, u32)>)>,
}

fn block() -> impl Strategy<Value = Block> {
    let pair = prop_oneof![
        6 => (0u32..14, 0u32..50).prop_map(|(a, extra)| Some((a, a + extra))),
        1 => Just(Some((0, 0))),
        1 => Just(None),
    ];
    (
        0..BUCKETS,
        1i64..12,
        prop::collection::vec((1usize..80, pair), 1..12),
    )
        .prop_map(|(bucket, buckets, segments)| Block {
            bucket,
            buckets,
            segments,
        })
}

fn samples_of(f: &Fixture, blocks: &[Block]) -> Vec<Sample> {
    let mut out = Vec::new();
    for b in blocks {
        let slots = (b.buckets * 60) as usize;
        let pattern = b
            .segments
            .iter()
            .flat_map(|(n, p)| std::iter::repeat_n(*p, *n))
            .cycle()
            .take(slots);
        for (i, p) in pattern.enumerate() {
            let ts = BASE + b.bucket * 900 + i as i64 * 15;
            out.push(match p {
                Some((a, l)) => Sample::ok(f.id, ts, a, l, None),
                None => Sample::failed(f.id, ts, Outcome::Timeout, None),
            });
        }
    }
    out
}

fn nearest_rank(sorted: &[u32], p: u64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    Some(sorted[rank as usize - 1])
}

/// What the report should say, from every raw sample.
struct Naive {
    available: [Vec<u32>; 3], // all, off-peak, peak
    states: [BTreeMap<State, u64>; 3],
    hours: [(u64, u64); 24], // (ok, Σa)
    episodes: Vec<(i64, i64, u64, u32, State, EpisodeEnd)>,
}

fn naive(rows: &[Sample], q: &ReportQuery, from: i64, to: i64) -> Naive {
    let th = &q.thresholds;
    let mut n = Naive {
        available: Default::default(),
        states: Default::default(),
        hours: [(0, 0); 24],
        episodes: Vec::new(),
    };
    for s in rows.iter().filter(|s| (from..to).contains(&s.ts)) {
        let (Some(a), Some(l)) = (s.available, s.logged_in) else {
            continue;
        };
        let local = q.tz.timestamp_opt(s.ts, 0).unwrap();
        let peak = q
            .peak
            .contains(local.weekday(), local.hour() * 60 + local.minute());
        let st = th.state(u64::from(a), u64::from(l));
        for side in [0, 1 + usize::from(peak)] {
            n.available[side].push(a);
            *n.states[side].entry(st).or_insert(0) += 1;
        }
        let h = &mut n.hours[local.hour() as usize];
        h.0 += 1;
        h.1 += u64::from(a);
    }
    for v in &mut n.available {
        v.sort_unstable();
    }
    // Episodes: every row is 15 s from its neighbour within a block, so the median
    // spacing is 15 s and a gap is anything over 30 s.
    let alert = |s: &Sample| match (s.available, s.logged_in) {
        (Some(a), Some(l)) => {
            let st = th.state(u64::from(a), u64::from(l));
            st.is_alert().then_some((st, a))
        }
        _ => None,
    };
    let mut i = 0;
    while i < rows.len() {
        let s = &rows[i];
        if !(from..to).contains(&s.ts) || alert(s).is_none() {
            i += 1;
            continue;
        }
        let start = s.ts;
        let (mut worst, mut min_a) = alert(s).unwrap();
        let mut count = 1;
        let mut j = i;
        loop {
            let next = rows.get(j + 1);
            let (end, by) = match next {
                None => (rows[j].ts + 15, EpisodeEnd::EndOfData),
                Some(nx) if nx.ts - rows[j].ts > 30 => (rows[j].ts + 15, EpisodeEnd::MissingData),
                Some(nx) if nx.ts >= to && alert(nx).is_some() => (nx.ts, EpisodeEnd::RangeEnd),
                Some(nx) => match alert(nx) {
                    Some((st, a)) => {
                        if st.severity() > worst.severity() {
                            worst = st;
                        }
                        min_a = min_a.min(a);
                        count += 1;
                        j += 1;
                        continue;
                    }
                    None if nx.outcome.is_ok() => (nx.ts, EpisodeEnd::Recovered),
                    None => (nx.ts, EpisodeEnd::Failure),
                },
            };
            n.episodes.push((start, end, count, min_a, worst, by));
            break;
        }
        i = j + 1;
    }
    n
}

fn shares_of(r: &headcount_query::StateShares) -> BTreeMap<State, u64> {
    State::ALL
        .into_iter()
        .map(|s| (s, r.get(s).count))
        .filter(|(_, c)| *c > 0)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn distributions_and_screened_episodes_match_raw_samples(
        zone in 0..ZONES.len(),
        blocks in prop::collection::vec(block(), 1..25),
        from_bucket in 0..BUCKETS,
        len_buckets in 1..BUCKETS,
        peak_start in 0u32..96,
        peak_len in 1u32..95,
        wrap in any::<bool>(),
        thresholds in (1u32..40, 1u32..30, 0u32..20),
    ) {
        let mut f = Fixture::new();
        let samples = samples_of(&f, &blocks);
        f.write(&samples);
        let hm = |q: u32| format!("{:02}:{:02}", q / 4, q % 4 * 15);
        let end = if wrap { (peak_start + peak_len) % 96 } else { (peak_start + peak_len).min(96) };
        prop_assume!(end != peak_start);
        let hours = format!("{}-{}", hm(peak_start), if end == 96 { "24:00".into() } else { hm(end) });
        let (h, m, w) = thresholds;
        let th = Thresholds::new(w + m + h, w + m, w).unwrap();
        // From and to land mid-bucket; the report snaps them outward.
        let from = BASE + from_bucket * 900 + 7;
        let q = ReportQuery {
            from,
            to: from + len_buckets * 900,
            tz: tz(ZONES[zone]),
            compare: Span::parse("compare", "1d").unwrap(),
            horizon: 2,
            peak: Window::new([Weekday::Mon, Weekday::Wed, Weekday::Sat, Weekday::Sun], &hours).unwrap(),
            thresholds: th,
            now: from + len_buckets * 900,
        };
        let r: Report = report(&f.store, f.target(), &q).unwrap();
        let (lo, hi) = (r.from.timestamp(), r.to.timestamp());
        prop_assert_eq!(lo, BASE + from_bucket * 900);
        prop_assert_eq!(hi, BASE + (from_bucket + len_buckets + 1) * 900);
        let rows = f.store.samples(f.id, i64::MIN, i64::MAX).unwrap();
        let n = naive(&rows, &q, lo, hi);

        let pct = |v: &[u32]| [5, 50, 95].map(|p| nearest_rank(v, p));
        let got = |p: headcount_query::Percentiles| [p.p5, p.p50, p.p95];
        prop_assert_eq!(got(r.summary.available_percentiles), pct(&n.available[0]));
        prop_assert_eq!(got(r.peak.off_peak.available_percentiles), pct(&n.available[1]));
        prop_assert_eq!(got(r.peak.peak.available_percentiles), pct(&n.available[2]));
        prop_assert_eq!(shares_of(&r.states), n.states[0].clone());
        prop_assert_eq!(shares_of(&r.peak.off_peak.states), n.states[1].clone());
        prop_assert_eq!(shares_of(&r.peak.peak.states), n.states[2].clone());
        prop_assert_eq!(r.peak.peak.samples, n.available[2].len() as u64);
        for (hour, (ok, sum)) in n.hours.iter().enumerate() {
            prop_assert_eq!(r.by_hour[hour].samples, *ok);
            prop_assert_eq!(r.by_hour[hour].available, (*ok > 0).then(|| *sum as f64 / *ok as f64));
        }
        let eps: Vec<_> = r
            .episodes
            .list
            .iter()
            .map(|e| (e.start.timestamp(), e.end.timestamp(), e.samples, e.min_available, e.worst_state, e.ended_by))
            .collect();
        let skip = n.episodes.len().saturating_sub(100);
        prop_assert_eq!(r.episodes.total, n.episodes.len() as u64);
        prop_assert_eq!(&eps[..], &n.episodes[skip..]);
    }
}
