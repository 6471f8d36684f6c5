//! Series: hand-computed buckets, time zones across DST, coverage and downtime.

mod common;

use common::{Fixture, at, close, tz, utc};
use headcount_query::{Gauge, SeriesQuery, State, Step, Thresholds, latest, series, series_raw};
use headcount_store::{Outcome, RUN_STALE_AFTER_SECS, Sample};

fn query(tz_name: &str, from: i64, to: i64, step: Step) -> SeriesQuery {
    SeriesQuery {
        from,
        to,
        tz: tz(tz_name),
        step,
        thresholds: Thresholds::default(),
        now: to,
    }
}

#[test]
fn an_hour_bucket_by_hand() {
    let mut f = Fixture::new();
    let t0 = utc("2026-05-04 10:00");
    f.ok(t0, 1, 2);
    f.ok(t0 + 900, 0, 8);
    f.failed(t0 + 1800);
    f.ok(t0 + 2700, 4, 20);
    f.ok(t0 + 3600, 9, 9); // next hour
    let q = query("UTC", t0, t0 + 3600, Step::Hour);
    let s = series(&f.store, f.target(), &q).unwrap();
    assert_eq!(s.points.len(), 1);
    let p = &s.points[0];
    assert_eq!((p.samples, p.failed), (3, 1));
    assert_eq!(p.coverage, Some(0.75));
    // Σa = 5, Σl = 30: 16.67% available, 83.33% utilization, monitor. The mean of the
    // three ratios (50%, 0%, 20%) would be 23.3%: healthy. Ratio of sums it is.
    assert!(close(p.available_pct.unwrap(), 100.0 * 5.0 / 30.0));
    assert!(close(
        p.utilization_pct.unwrap(),
        100.0 - 100.0 * 5.0 / 30.0
    ));
    assert_eq!(p.state, Some(State::Monitor));
    assert_eq!(
        p.available,
        Some(Gauge {
            avg: 5.0 / 3.0,
            min: 0,
            max: 4,
            last: 4
        })
    );
    assert_eq!(
        p.logged_in,
        Some(Gauge {
            avg: 10.0,
            min: 2,
            max: 20,
            last: 20
        })
    );
    assert_eq!(p.start.to_rfc3339(), "2026-05-04T10:00:00+00:00");
    assert_eq!(s.from, p.start);
    assert_eq!(s.to.timestamp(), t0 + 3600);
    assert_eq!(series_raw(&f.store, f.target(), &q).unwrap(), s);
}

#[test]
fn empty_and_failed_buckets_are_gaps_not_zeros() {
    let mut f = Fixture::new();
    let t0 = utc("2026-05-04 10:00");
    f.ok(t0, 3, 10);
    f.failed(t0 + 1800);
    let q = query("UTC", t0, t0 + 3 * 900, Step::Min15);
    let s = series(&f.store, f.target(), &q).unwrap();
    let p: Vec<_> = s
        .points
        .iter()
        .map(|p| (p.samples, p.failed, p.coverage))
        .collect();
    assert_eq!(p, [(1, 0, Some(1.0)), (0, 0, None), (0, 1, Some(0.0))]);
    for gap in &s.points[1..] {
        assert_eq!(gap.available, None);
        assert_eq!(gap.available_pct, None);
        assert_eq!(gap.state, None);
    }
}

#[test]
fn the_series_covers_whole_buckets_intersecting_the_range() {
    let f = Fixture::new();
    let t0 = utc("2026-05-04 10:00");
    let q = query("UTC", t0 + 1200, t0 + 3600 + 60, Step::Hour);
    let s = series(&f.store, f.target(), &q).unwrap();
    assert_eq!(s.points.len(), 2);
    assert_eq!(s.from.timestamp(), t0);
    assert_eq!(s.to.timestamp(), t0 + 7200);
}

#[test]
fn state_of_a_bucket_at_each_boundary() {
    // One sample per hour; the bucket's state is the sample's.
    let mut f = Fixture::new();
    let t0 = utc("2026-05-04 00:00");
    let cases = [
        (0, 0, State::NoAgents),
        (0, 50, State::Unavailable),
        (4, 100, State::Critical),
        (5, 100, State::Warning),
        (10, 100, State::Monitor),
        (20, 100, State::Monitor),
        (21, 100, State::Healthy),
    ];
    for (i, (a, l, _)) in cases.iter().enumerate() {
        f.ok(t0 + 3600 * i as i64, *a, *l);
    }
    let q = query("UTC", t0, t0 + 3600 * cases.len() as i64, Step::Hour);
    let s = series(&f.store, f.target(), &q).unwrap();
    let got: Vec<_> = s.points.iter().map(|p| p.state.unwrap()).collect();
    let want: Vec<_> = cases.iter().map(|c| c.2).collect();
    assert_eq!(got, want);
    assert_eq!(s.points[0].available_pct, None); // 0 logged in
    assert_eq!(s.points[1].utilization_pct, Some(100.0));
}

#[test]
fn the_references_worked_examples() {
    let th = Thresholds::default();
    let util = |a: u64, l: u64| 100.0 - 100.0 * a as f64 / l as f64;
    // Dashboard: 12 of 48 ready, 75% utilization, healthy (25% > 20%).
    assert_eq!(util(12, 48), 75.0);
    assert_eq!(th.state(12, 48), State::Healthy);
    // Peak hour: 5 of 50, 90% utilization (exactly 10% available: monitor).
    assert_eq!(util(5, 50), 90.0);
    assert_eq!(th.state(5, 50), State::Monitor);
    // Off-peak: 12 of 15, 20% utilization.
    assert!(close(util(12, 15), 20.0));
    assert_eq!(th.state(12, 15), State::Healthy);
    // 0 of 50: unavailable. 40 of 40: healthy (design.md: the reference's "no agents
    // logged in" row is a slip).
    assert_eq!(th.state(0, 50), State::Unavailable);
    assert_eq!(th.state(40, 40), State::Healthy);
    // 5 of 100: the reference labels it "critical capacity", but its own threshold
    // table (and design.md: critical p < 5, warning 5 ≤ p < 10) puts exactly 5% in
    // warning; 4 of 100 is critical.
    assert_eq!(th.state(5, 100), State::Warning);
    assert_eq!(th.state(4, 100), State::Critical);

    // The same through a series, one bucket each.
    let mut f = Fixture::new();
    let t0 = utc("2026-05-04 00:00");
    for (i, (a, l)) in [(12, 48), (5, 50), (12, 15)].into_iter().enumerate() {
        f.ok(t0 + 3600 * i as i64, a, l);
    }
    let s = series(
        &f.store,
        f.target(),
        &query("UTC", t0, t0 + 3 * 3600, Step::Hour),
    )
    .unwrap();
    let u: Vec<f64> = s
        .points
        .iter()
        .map(|p| p.utilization_pct.unwrap())
        .collect();
    assert_eq!(u[0], 75.0);
    assert_eq!(u[1], 90.0);
    assert!(close(u[2], 20.0));
}

/// A row every 5 minutes over `[from, to)`: every 7th slot failed, the others ok
/// with varying counts.
fn five_minutely(f: &mut Fixture, from: i64, to: i64) {
    let batch: Vec<Sample> = (from..to)
        .step_by(300)
        .map(|ts| {
            let k = ts / 300;
            if k % 7 == 0 {
                Sample::failed(f.id, ts, Outcome::Connect, None)
            } else {
                Sample::ok(f.id, ts, (k % 13) as u32, 20 + (k % 5) as u32, None)
            }
        })
        .collect();
    f.write(&batch);
}

fn rows(s: &headcount_query::Series) -> Vec<u64> {
    s.points.iter().map(|p| p.samples + p.failed).collect()
}

fn lengths(s: &headcount_query::Series) -> Vec<i64> {
    s.points
        .iter()
        .map(|p| (p.end.timestamp() - p.start.timestamp()) / 60)
        .collect()
}

fn starts(s: &headcount_query::Series) -> Vec<String> {
    s.points.iter().map(|p| p.start.to_rfc3339()).collect()
}

#[test]
fn new_york_spring_forward_hours_and_day() {
    let ny = tz("America/New_York");
    let mut f = Fixture::new();
    let from = at(ny, "2026-03-07 00:00");
    let to = at(ny, "2026-03-10 00:00");
    five_minutely(&mut f, from, to);

    let day = (at(ny, "2026-03-08 00:00"), at(ny, "2026-03-09 00:00"));
    let q = query("America/New_York", day.0, day.1, Step::Hour);
    let s = series(&f.store, f.target(), &q).unwrap();
    assert_eq!(s.points.len(), 23);
    assert!(lengths(&s).iter().all(|&m| m == 60));
    assert_eq!(
        &starts(&s)[..4],
        [
            "2026-03-08T00:00:00-05:00",
            "2026-03-08T01:00:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T04:00:00-04:00"
        ]
    );
    // Every hour holds 12 five-minute slots.
    assert!(rows(&s).iter().all(|&n| n == 12));
    assert_eq!(s, series_raw(&f.store, f.target(), &q).unwrap());

    let q = query("America/New_York", from, to, Step::Day);
    let s = series(&f.store, f.target(), &q).unwrap();
    assert_eq!(lengths(&s), [24 * 60, 23 * 60, 24 * 60]);
    assert_eq!(
        starts(&s),
        [
            "2026-03-07T00:00:00-05:00",
            "2026-03-08T00:00:00-05:00",
            "2026-03-09T00:00:00-04:00"
        ]
    );
    assert_eq!(rows(&s), [288, 276, 288]);
    assert_eq!(s, series_raw(&f.store, f.target(), &q).unwrap());
}

#[test]
fn new_york_fall_back_hours_and_day() {
    let ny = tz("America/New_York");
    let mut f = Fixture::new();
    let from = at(ny, "2026-10-31 00:00");
    let to = at(ny, "2026-11-03 00:00");
    five_minutely(&mut f, from, to);

    let day = (at(ny, "2026-11-01 00:00"), at(ny, "2026-11-02 00:00"));
    let q = query("America/New_York", day.0, day.1, Step::Hour);
    let s = series(&f.store, f.target(), &q).unwrap();
    assert_eq!(s.points.len(), 25);
    assert!(lengths(&s).iter().all(|&m| m == 60));
    assert_eq!(
        &starts(&s)[..4],
        [
            "2026-11-01T00:00:00-04:00",
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T01:00:00-05:00",
            "2026-11-01T02:00:00-05:00"
        ]
    );
    assert!(rows(&s).iter().all(|&n| n == 12));
    assert_eq!(s, series_raw(&f.store, f.target(), &q).unwrap());

    let q = query("America/New_York", from, to, Step::Day);
    let s = series(&f.store, f.target(), &q).unwrap();
    assert_eq!(lengths(&s), [24 * 60, 25 * 60, 24 * 60]);
    assert_eq!(rows(&s), [288, 300, 288]);
    assert_eq!(s, series_raw(&f.store, f.target(), &q).unwrap());
}

#[test]
fn kolkata_and_kathmandu_hours_and_days() {
    for (name, offset_min) in [("Asia/Kolkata", 330), ("Asia/Kathmandu", 345)] {
        let zone = tz(name);
        let mut f = Fixture::new();
        let from = at(zone, "2026-06-01 00:00");
        let to = at(zone, "2026-06-03 00:00");
        five_minutely(&mut f, from, to);
        // Local midnight is 24:00 − offset in UTC: 18:30Z and 18:15Z.
        assert_eq!(from.rem_euclid(86_400), 86_400 - offset_min * 60);

        let q = query(name, from, from + 6 * 3600, Step::Hour);
        let s = series(&f.store, f.target(), &q).unwrap();
        assert_eq!(s.points.len(), 6, "{name}");
        for p in &s.points {
            // Each local hour starts at UTC minute 30 (Kolkata) or 15 (Kathmandu).
            assert_eq!(
                p.start.timestamp().rem_euclid(3600),
                (60 - offset_min % 60) * 60
            );
        }
        assert!(rows(&s).iter().all(|&n| n == 12), "{name}");
        assert_eq!(s, series_raw(&f.store, f.target(), &q).unwrap(), "{name}");

        let q = query(name, from, to, Step::Day);
        let s = series(&f.store, f.target(), &q).unwrap();
        assert_eq!(lengths(&s), [24 * 60, 24 * 60], "{name}");
        assert_eq!(s.points[0].start.timestamp(), from);
        assert_eq!(rows(&s), [288, 288], "{name}");
        assert_eq!(s, series_raw(&f.store, f.target(), &q).unwrap(), "{name}");
    }
    let ktm = tz("Asia/Kathmandu");
    let f = Fixture::new();
    let q = query(
        "Asia/Kathmandu",
        at(ktm, "2026-06-01 09:00"),
        at(ktm, "2026-06-01 10:00"),
        Step::Hour,
    );
    let s = series(&f.store, f.target(), &q).unwrap();
    assert_eq!(starts(&s), ["2026-06-01T09:00:00+05:45"]);
}

#[test]
fn a_week_starts_monday_local_midnight() {
    let ny = tz("America/New_York");
    let f = Fixture::new();
    // Wednesday 2026-11-04 to the next Wednesday.
    let q = query(
        "America/New_York",
        at(ny, "2026-11-04 12:00"),
        at(ny, "2026-11-11 12:00"),
        Step::Week,
    );
    let s = series(&f.store, f.target(), &q).unwrap();
    assert_eq!(
        starts(&s),
        ["2026-11-02T00:00:00-05:00", "2026-11-09T00:00:00-05:00"]
    );
}

#[test]
fn one_and_five_minute_steps_come_from_raw_samples() {
    let mut f = Fixture::new();
    let t0 = utc("2026-05-04 10:00");
    f.fill(t0, t0 + 600, 15, |ts| (((ts - t0) / 15 % 4) as u32, 10));
    let s = series(
        &f.store,
        f.target(),
        &query("UTC", t0, t0 + 600, Step::Min1),
    )
    .unwrap();
    assert_eq!(s.points.len(), 10);
    // Each minute: 4 samples, available 0, 1, 2, 3 → mean 1.5, Σa 6 of Σl 40 = 15%.
    for p in &s.points {
        assert_eq!(p.samples, 4);
        assert_eq!(p.available.unwrap().avg, 1.5);
        assert_eq!(p.available_pct, Some(15.0));
        assert_eq!(p.available.unwrap().last, 3);
    }
    let s = series(
        &f.store,
        f.target(),
        &query("UTC", t0, t0 + 600, Step::Min5),
    )
    .unwrap();
    assert_eq!(
        s.points.iter().map(|p| p.samples).collect::<Vec<_>>(),
        [20, 20]
    );
    // Auto over 10 minutes picks 1m.
    let s = series(
        &f.store,
        f.target(),
        &query("UTC", t0, t0 + 600, Step::Auto),
    )
    .unwrap();
    assert_eq!(s.step, Step::Min1);
}

#[test]
fn too_many_buckets_is_an_error_naming_step() {
    let f = Fixture::new();
    let q = query("UTC", 0, 366 * 86_400, Step::Min15);
    let e = series(&f.store, f.target(), &q).unwrap_err();
    assert_eq!(e.param(), Some("step"));
    assert!(e.to_string().contains("coarser step"), "{e}");
}

#[test]
fn downtime_and_coverage_from_collector_runs() {
    let mut f = Fixture::new();
    let t0 = utc("2026-05-04 10:00");
    // History imported before any run: no downtime there.
    f.fill(t0 - 3600, t0, 60, |_| (5, 10));
    // Run 1: t0 to t0+1h, clean. Run 2 starts at t0+2h, heartbeats, dies at t0+2.5h;
    // run 3 starts at t0+4h and marks it unclean at its last heartbeat.
    let r1 = f.store.begin_run(t0, 1, "test").unwrap().id;
    f.fill(t0, t0 + 3600, 60, |_| (5, 10));
    f.store.end_run(r1, t0 + 3600).unwrap();
    let r2 = f.store.begin_run(t0 + 7200, 2, "test").unwrap().id;
    f.fill(t0 + 7200, t0 + 9000, 60, |_| (5, 10));
    f.store.heartbeat(r2, t0 + 9000).unwrap();
    let start3 = f.store.begin_run(t0 + 4 * 3600, 3, "test").unwrap();
    assert_eq!(start3.unclean.len(), 1);
    // Run 3: half its slots fail; it is alive at its last slot.
    for (i, ts) in (t0 + 4 * 3600..t0 + 5 * 3600).step_by(60).enumerate() {
        if i % 2 == 0 {
            f.ok(ts, 5, 10);
        } else {
            f.failed(ts);
        }
    }
    let last_beat = t0 + 5 * 3600 - 60;
    f.store.heartbeat(start3.id, last_beat).unwrap();

    let q = query("UTC", t0 - 3600, t0 + 5 * 3600, Step::Hour);
    let s = series(&f.store, f.target(), &q).unwrap();
    let down: Vec<(i64, i64)> = s
        .downtime
        .iter()
        .map(|d| (d.from.timestamp() - t0, d.to.timestamp() - t0))
        .collect();
    assert_eq!(down, [(3600, 7200), (9000, 4 * 3600)]);
    assert_eq!(s.downtime[1].seconds, 4 * 3600 - 9000);
    let cov: Vec<Option<f64>> = s.points.iter().map(|p| p.coverage).collect();
    // The downtime hours have no rows: coverage null, not zero.
    assert_eq!(
        cov,
        [Some(1.0), Some(1.0), None, Some(1.0), None, Some(0.5)]
    );
    assert_eq!(s.points[3].samples, 30);

    // A run with no stop counts as up while its last heartbeat is recent at `now`...
    let later = |now: i64| {
        let q = SeriesQuery {
            now,
            ..query("UTC", t0 + 5 * 3600, t0 + 6 * 3600, Step::Hour)
        };
        let s = series(&f.store, f.target(), &q).unwrap();
        s.downtime
            .iter()
            .map(|d| (d.from.timestamp() - t0, d.to.timestamp() - t0))
            .collect::<Vec<_>>()
    };
    assert_eq!(later(last_beat + RUN_STALE_AFTER_SECS), []);
    // ...and as stopped at that heartbeat once silent for longer (a crashed collector
    // nobody restarted): down from there, clipped to the range, up to now, never after.
    assert_eq!(later(t0 + 5 * 3600 + 1800), [(5 * 3600, 5 * 3600 + 1800)]);
    assert_eq!(later(t0 + 9 * 3600), [(5 * 3600, 6 * 3600)]);
}

#[test]
fn downtime_after_a_stopped_run_ends_at_the_requested_now_not_the_last_bucket_end() {
    let mut f = Fixture::new();
    let start = utc("2026-05-11 14:00");
    let stop = utc("2026-05-11 15:26") + 21;
    let run = f.store.begin_run(start, 1, "test").unwrap().id;
    f.fill(start, stop, 15, |_| (5, 10));
    f.store.end_run(run, stop).unwrap();
    let now = utc("2026-05-11 15:26") + 40;
    let q = headcount_query::Params::from_pairs([
        ("from", "now-1h"),
        ("to", "now"),
        ("tz", "UTC"),
        ("step", "15m"),
    ])
    .unwrap()
    .series(&common::settings("UTC"), now)
    .unwrap();
    let s = series(&f.store, f.target(), &q).unwrap();
    // The buckets are whole: the last one runs to 15:30...
    assert_eq!(s.to.timestamp(), utc("2026-05-11 15:30"));
    // ...but the downtime stops at now: 15:26:21 to 15:26:40, 19 s.
    let down: Vec<(i64, i64, i64)> = s
        .downtime
        .iter()
        .map(|d| (d.from.timestamp(), d.to.timestamp(), d.seconds))
        .collect();
    assert_eq!(down, [(stop, now, 19)]);
}

#[test]
fn latest_reports_the_newest_row_and_its_age() {
    let mut f = Fixture::new();
    let ny = tz("America/New_York");
    let th = Thresholds::default();
    assert_eq!(latest(&f.store, f.target(), 0, ny, &th).unwrap(), None);
    let t0 = utc("2026-11-20 14:00");
    f.ok(t0, 12, 48);
    let l = latest(&f.store, f.target(), t0 + 7, ny, &th)
        .unwrap()
        .unwrap();
    assert_eq!(l.ts.to_rfc3339(), "2026-11-20T09:00:00-05:00");
    assert_eq!(l.age_seconds, 7);
    assert_eq!(l.outcome, "ok");
    assert_eq!((l.available, l.logged_in), (Some(12), Some(48)));
    assert_eq!(l.utilization_pct, Some(75.0));
    assert_eq!(l.state, Some(State::Healthy));
    f.failed(t0 + 15);
    let l = latest(&f.store, f.target(), t0 + 20, ny, &th)
        .unwrap()
        .unwrap();
    assert_eq!((l.outcome.as_str(), l.age_seconds), ("timeout", 5));
    assert_eq!((l.available, l.state, l.available_pct), (None, None, None));
}

#[test]
fn series_json_shape() {
    let mut f = Fixture::new();
    let ny = tz("America/New_York");
    let t0 = at(ny, "2026-11-20 09:00");
    f.ok(t0, 12, 48);
    let q = query("America/New_York", t0, t0 + 3600, Step::Hour);
    let s = series(&f.store, f.target(), &q).unwrap();
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["target"], "t");
    assert_eq!(v["tz"], "America/New_York");
    assert_eq!(v["step"], "1h");
    assert_eq!(v["from"], "2026-11-20T09:00:00-05:00");
    let p = &v["points"][0];
    assert_eq!(p["start"], "2026-11-20T09:00:00-05:00");
    assert_eq!(p["samples"], 1);
    assert_eq!(p["coverage"], 1.0);
    assert_eq!(p["available"]["last"], 12);
    assert_eq!(p["logged_in"]["avg"], 48.0);
    assert_eq!(p["utilization_pct"], 75.0);
    assert_eq!(p["state"], "healthy");
    assert_eq!(v["downtime"], serde_json::json!([]));
}
