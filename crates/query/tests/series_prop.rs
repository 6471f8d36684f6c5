//! Property: for every step of 15 minutes or more, in zones with DST, half- and
//! quarter-hour offsets, the series summed from rollups equals the series computed
//! from raw samples, exactly (integers and the floats derived from them).

mod common;

use common::{Fixture, tz};
use headcount_query::{SeriesQuery, Step, Thresholds, series, series_raw};
use headcount_store::{Outcome, Sample};
use proptest::prelude::*;

const ZONES: [&str; 10] = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Pacific/Chatham",
    "Africa/Cairo",
    "America/Santiago",
];

/// Instants near offset changes of those zones, so DST days are common.
const ANCHORS: [i64; 6] = [
    1_772_949_600, // 2026-03-08T06:00Z: New York springs forward at 07:00Z
    1_793_509_200, // 2026-11-01T05:00Z: New York falls back at 06:00Z
    1_775_311_200, // 2026-04-04T14:00Z: Lord Howe falls back (30 min)
    1_791_036_000, // 2026-10-03T14:00Z: Lord Howe springs forward (30 min)
    1_776_974_400, // 2026-04-23T20:00Z: Cairo skips midnight
    1_774_656_000, // 2026-03-28T00:00Z: London springs forward on the 29th
];

const SPAN: i64 = 4 * 86_400;

#[derive(Debug, Clone)]
struct Cluster {
    start_slot: i64,
    rows: Vec<Option<(u32, u32)>>,
}

fn cluster() -> impl Strategy<Value = Cluster> {
    let row = prop_oneof![
        4 => (0u32..40, 0u32..60).prop_map(|(a, extra)| Some((a, a + extra))),
        1 => Just(None),
    ];
    (0..SPAN / 15, prop::collection::vec(row, 1..120))
        .prop_map(|(start_slot, rows)| Cluster { start_slot, rows })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn rollup_path_equals_raw_path(
        zone in 0..ZONES.len(),
        anchor in 0..ANCHORS.len(),
        shift in -86_400i64..86_400,
        clusters in prop::collection::vec(cluster(), 1..12),
        batch in 1usize..300,
        from_off in 0..SPAN,
        len in 900i64..SPAN,
    ) {
        let base = ANCHORS[anchor] + shift - SPAN / 2;
        let mut f = Fixture::new();
        let mut samples: Vec<Sample> = Vec::new();
        for c in &clusters {
            for (i, row) in c.rows.iter().enumerate() {
                let ts = base + (c.start_slot + i as i64) * 15;
                samples.push(match row {
                    Some((a, l)) => Sample::ok(f.id, ts, *a, *l, None),
                    None => Sample::failed(f.id, ts, Outcome::Skipped, None),
                });
            }
        }
        // Clusters overlap and come in random order: writes are out of order, and a
        // slot written twice keeps its first row.
        for chunk in samples.chunks(batch) {
            f.write(chunk);
        }
        let from = base + from_off;
        for step in [Step::Min15, Step::Min30, Step::Hour, Step::Day, Step::Week] {
            let q = SeriesQuery {
                from,
                to: from + len,
                tz: tz(ZONES[zone]),
                step,
                thresholds: Thresholds::default(),
                now: from + len,
            };
            let fast = series(&f.store, f.target(), &q).unwrap();
            let raw = series_raw(&f.store, f.target(), &q).unwrap();
            prop_assert_eq!(&fast, &raw, "{} {}", ZONES[zone], step);
            // Every stored row is in exactly one bucket of the covering range.
            let rows: u64 = fast.points.iter().map(|p| p.samples + p.failed).sum();
            let (a, b) = (fast.from.timestamp(), fast.to.timestamp());
            let mut stored: Vec<i64> = samples.iter().map(|s| s.ts).filter(|t| (a..b).contains(t)).collect();
            stored.sort_unstable();
            stored.dedup();
            prop_assert_eq!(rows, stored.len() as u64);
            // Buckets tile the span without gaps.
            for w in fast.points.windows(2) {
                prop_assert_eq!(w[0].end, w[1].start);
            }
        }
    }
}
