//! Property: an SLA's met, breach and unknown seconds per local day equal a naive
//! pass over every minute slot: a slot outside every collector run is unknown
//! (downtime, or before the first run), a failed or missing poll is unknown, an ok
//! sample meets or breaches the condition; the slot is in the window when its own
//! local weekday and time are. Across New York's fall-back and other zones, with
//! random outages and failures.

mod common;

use std::collections::BTreeMap;

use chrono::{Datelike, TimeZone, Timelike};
use common::{Fixture, tz};
use headcount_query::{
    Period, Settings, SlaCondition, SlaConfig, SlaQuery, Unknown, Window, sla_report,
};
use headcount_store::{Outcome, Sample};
use proptest::prelude::*;

const ZONES: [&str; 3] = ["America/New_York", "Asia/Kathmandu", "UTC"];

/// 2026-10-31T00:00Z: New York falls back on Nov 1 at 06:00Z.
const BASE: i64 = 1_793_404_800;
const MINUTES: i64 = 3 * 1440;

#[derive(Debug, Clone)]
struct Case {
    zone: usize,
    /// Collector runs as (start, stop) minute offsets, ascending and apart.
    runs: Vec<(i64, i64)>,
    /// Per minute: available (logged in 20), or a failed poll.
    values: Vec<Option<u32>>,
    /// Window start hour and length in quarter hours.
    window: (u16, u16),
    threshold: u32,
}

fn case() -> impl Strategy<Value = Case> {
    let runs = prop::collection::vec((1i64..600, 30i64..1500), 1..5).prop_map(|parts| {
        let mut out = Vec::new();
        let mut t = 0;
        for (gap, len) in parts {
            let start = t + gap;
            let stop = (start + len).min(MINUTES);
            if start >= MINUTES {
                break;
            }
            out.push((start, stop));
            t = stop;
        }
        out
    });
    let values = prop::collection::vec(
        prop_oneof![8 => (0u32..20).prop_map(Some), 1 => Just(None)],
        MINUTES as usize,
    );
    (0..ZONES.len(), runs, values, (0u16..24, 1u16..60), 1u32..15).prop_map(
        |(zone, runs, values, window, threshold)| Case {
            zone,
            runs,
            values,
            window,
            threshold,
        },
    )
}

fn window_of(c: &Case) -> Window {
    let (h, q) = c.window;
    let start = u32::from(h) * 60;
    let end = (start + u32::from(q) * 15) % 1440;
    let end = if end == start { (end + 15) % 1440 } else { end };
    let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
    let all = [
        chrono::Weekday::Mon,
        chrono::Weekday::Tue,
        chrono::Weekday::Wed,
        chrono::Weekday::Thu,
        chrono::Weekday::Fri,
        chrono::Weekday::Sat,
        chrono::Weekday::Sun,
    ];
    Window::new(all, &format!("{}-{}", hm(start), hm(end))).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn sla_seconds_per_day_equal_a_naive_pass_over_every_minute(c in case()) {
        let zone = tz(ZONES[c.zone]);
        let mut f = Fixture::new();
        let mut samples = Vec::new();
        for &(a, b) in &c.runs {
            let run = f.store.begin_run(BASE + a * 60, 1, "prop").unwrap().id;
            for m in a..b {
                let ts = BASE + m * 60;
                samples.push(match c.values[m as usize] {
                    Some(v) => Sample::ok(f.id, ts, v, 20, None),
                    None => Sample::failed(f.id, ts, Outcome::Timeout, None),
                });
            }
            f.store.end_run(run, BASE + b * 60).unwrap();
        }
        for chunk in samples.chunks(5000) {
            f.write(chunk);
        }
        let hours = window_of(&c);
        let sla = SlaConfig {
            name: "p".into(),
            target: "t".into(),
            condition: SlaCondition::parse(&format!("available >= {}", c.threshold)).unwrap(),
            hours,
            objective: 90.0,
            period: Period::Day,
            unknown: Unknown::Excluded,
            line: 1,
        };
        let now = BASE + 30 * 86_400;
        let q = SlaQuery {
            from: BASE + 86_400,
            to: BASE + 2 * 86_400,
            period: Period::Day,
            now,
        };
        let r = sla_report(&f.store, f.target(), &sla, &Settings::with_tz(zone), &q).unwrap();

        // The naive pass: every minute of the days the report covers.
        let (p0, pn) = (r.from.timestamp(), r.to.timestamp());
        let mut naive: BTreeMap<chrono::NaiveDate, (f64, f64, f64)> = BTreeMap::new();
        let mut t = p0;
        while t < pn {
            let local = zone.timestamp_opt(t, 0).unwrap();
            if hours.contains(local.weekday(), local.hour() * 60 + local.minute()) {
                let e = naive.entry(local.date_naive()).or_default();
                let m = (t - BASE) / 60;
                let in_run = c.runs.iter().any(|&(a, b)| (a..b).contains(&m));
                match (in_run, c.values.get(m as usize).copied().flatten()) {
                    (true, Some(v)) if v >= c.threshold => e.0 += 60.0,
                    (true, Some(_)) => e.1 += 60.0,
                    _ => e.2 += 60.0,
                }
            }
            t += 60;
        }
        for p in &r.periods {
            let day = p.start.date_naive();
            let want = naive.get(&day).copied().unwrap_or_default();
            let got = (p.met_seconds, p.breach_seconds, p.unknown_seconds);
            let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
            prop_assert!(
                close(got.0, want.0) && close(got.1, want.1) && close(got.2, want.2),
                "{} {day}: got {got:?}, naive {want:?}", ZONES[c.zone]
            );
            prop_assert!(close(p.window_seconds, want.0 + want.1 + want.2));
        }
    }
}
