//! Property: bucket boundaries, checked against a brute-force walk over the local
//! clock that shares no code with the query crate's bucketing. For random instants
//! (many near New York's DST changes), zones (whole-, half- and quarter-hour offsets)
//! and steps, the buckets of a series are contiguous, cover the requested range, hold
//! every instant in exactly one bucket, and each starts where the local clock in the
//! zone starts a step: a multiple of the step's minutes, local midnight, or Monday's
//! local midnight.

mod common;

use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;
use common::{Fixture, tz};
use headcount_query::{SeriesQuery, Step, Thresholds, series};
use proptest::prelude::*;

const ZONES: [&str; 4] = ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu"];

const STEPS: [Step; 7] = Step::FIXED;

/// New York's changes in 2026 (spring forward 2026-03-08T07:00Z, fall back
/// 2026-11-01T06:00Z) and an ordinary instant, 2026-06-15T12:00Z.
const ANCHORS: [i64; 3] = [1_772_953_200, 1_793_512_800, 1_781_524_800];

/// The local wall clock of `t` in `zone`, by chrono-tz alone.
fn wall(zone: Tz, t: i64) -> chrono::NaiveDateTime {
    zone.timestamp_opt(t, 0).unwrap().naive_local()
}

/// The local date that starts a bucket of `step` holding the local date `d`.
fn day_key(step: Step, d: NaiveDate) -> NaiveDate {
    match step {
        Step::Week => d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday())),
        _ => d,
    }
}

/// Whether `t` starts a bucket of `step` in `zone`, by looking at the clock at `t`
/// and just before it. Every offset of these zones is a whole number of minutes, so
/// bucket starts are whole UTC minutes.
fn starts_bucket(zone: Tz, step: Step, t: i64) -> bool {
    if t % 60 != 0 {
        return false;
    }
    let now = wall(zone, t);
    let before = wall(zone, t - 60);
    match step {
        Step::Day | Step::Week => day_key(step, now.date()) != day_key(step, before.date()),
        _ => {
            let minutes = step.nominal_secs().unwrap() / 60;
            let minute_of_day = i64::from(now.hour() * 60 + now.minute());
            minute_of_day % minutes == 0
        }
    }
}

/// The start of the bucket of `step` holding `t`: the latest whole minute at or before
/// `t` that starts a bucket, found by walking back one minute at a time.
fn brute_start(zone: Tz, step: Step, t: i64) -> i64 {
    let mut s = t - t.rem_euclid(60);
    while !starts_bucket(zone, step, s) {
        s -= 60;
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn buckets_are_contiguous_local_and_hold_each_instant_once(
        zone in 0..ZONES.len(),
        step in 0..STEPS.len(),
        anchor in 0..ANCHORS.len(),
        shift in -3 * 86_400i64..3 * 86_400,
        // The range's length in nominal buckets, and where inside it to probe.
        buckets in 1i64..4,
        probe in 0.0f64..1.0,
    ) {
        let zone_tz = tz(ZONES[zone]);
        let step = STEPS[step];
        let nominal = step.nominal_secs().unwrap();
        let from = ANCHORS[anchor] + shift;
        let to = from + buckets * nominal;
        let f = Fixture::new();
        let q = SeriesQuery {
            from,
            to,
            tz: zone_tz,
            step,
            thresholds: Thresholds::default(),
            now: to,
        };
        let s = series(&f.store, f.target(), &q).unwrap();
        let points: Vec<(i64, i64)> = s
            .points
            .iter()
            .map(|p| (p.start.timestamp(), p.end.timestamp()))
            .collect();
        prop_assert!(!points.is_empty());
        // The whole buckets intersecting the range, no more: the first holds `from`,
        // the last holds the range's last second.
        prop_assert!(points[0].0 <= from && from < points[0].1, "{points:?}");
        let last = points[points.len() - 1];
        prop_assert!(last.0 < to && to <= last.1, "{points:?}");
        for pair in points.windows(2) {
            prop_assert_eq!(pair[0].1, pair[1].0, "not contiguous");
        }
        for &(start, end) in &points {
            prop_assert!(start < end);
            // Each bucket starts at a local boundary and no boundary lies inside it.
            prop_assert_eq!(brute_start(zone_tz, step, start), start, "start {}", start);
            prop_assert_eq!(brute_start(zone_tz, step, end - 1), start, "inside {}..{}", start, end);
            prop_assert!(starts_bucket(zone_tz, step, end), "end {}", end);
        }
        // The shown offsets are the zone's own at those instants.
        for p in &s.points {
            let want = zone_tz.timestamp_opt(p.start.timestamp(), 0).unwrap();
            prop_assert_eq!(p.start.naive_local(), want.naive_local());
        }
        // An instant of the range falls in exactly one bucket: the brute-force one.
        let t = from + ((to - from - 1) as f64 * probe) as i64;
        let holding: Vec<&(i64, i64)> =
            points.iter().filter(|(a, b)| (*a..*b).contains(&t)).collect();
        prop_assert_eq!(holding.len(), 1, "{} in {:?}", t, points);
        prop_assert_eq!(holding[0].0, brute_start(zone_tz, step, t));
    }
}
