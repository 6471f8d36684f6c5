//! Weeks of simulated contact-center history in an in-memory store, for the gallery
//! and the benchmark.

use chrono_tz::Tz;
use headcount_query::{ReportQuery, SeriesQuery, SeriesRef, Span, Step, Thresholds, Window};
use headcount_simulator::{Center, CenterConfig, Filter};
use headcount_store::{Outcome, Sample, Store, TargetId};

/// The center's zone.
pub const TZ: Tz = chrono_tz::America::New_York;
/// "Now": Wednesday 2026-11-18 14:00 EST, mid-afternoon on a weekday.
pub const NOW: i64 = 1_795_028_400;
pub const DAY: i64 = 86_400;

/// A store holding `days` of campaign 111 polled every `every` seconds up to [`NOW`],
/// with an afternoon of timeouts 5 days ago and a 6-hour recorder outage 9 days ago.
pub fn store(days: i64, every: i64) -> (Store, TargetId) {
    let mut store = Store::open_in_memory().unwrap();
    let id = store
        .ensure_target("sales", r#"{"campaign_id":"111"}"#, 0)
        .unwrap();
    let center = Center::new(CenterConfig {
        seed: 7,
        timezone: TZ,
    });
    let filter = Filter::campaign(111);
    let start = NOW - days * DAY;
    let (down_from, down_to) = (NOW - 9 * DAY - 4 * 3600, NOW - 9 * DAY + 2 * 3600);
    let (fail_from, fail_to) = (NOW - 5 * DAY - 3 * 3600, NOW - 5 * DAY);
    let run = store.begin_run(start, 1, "gallery").unwrap().id;
    store.end_run(run, down_from).unwrap();
    let live = store.begin_run(down_to, 2, "gallery").unwrap().id;
    let mut batch = Vec::new();
    let mut ts = start;
    while ts < NOW {
        if (down_from..down_to).contains(&ts) {
            ts += every;
            continue;
        }
        batch.push(if (fail_from..fail_to).contains(&ts) {
            Sample::failed(id, ts, Outcome::Timeout, Some(5000))
        } else {
            let c = center.count(&filter, ts);
            Sample::ok(id, ts, c.available, c.logged_in, Some(40))
        });
        if batch.len() == 5000 {
            store.write_batch(&batch).unwrap();
            batch.clear();
        }
        ts += every;
    }
    store.write_batch(&batch).unwrap();
    // Alive at `NOW`, so the gallery shows no downtime after the staged one.
    store.heartbeat(live, NOW).unwrap();
    (store, id)
}

pub fn target(id: TargetId) -> SeriesRef<'static> {
    SeriesRef { id, name: "sales" }
}

pub fn series_query(days: i64, step: Step) -> SeriesQuery {
    SeriesQuery {
        from: NOW - days * DAY,
        to: NOW,
        tz: TZ,
        step,
        thresholds: Thresholds::default(),
        now: NOW,
    }
}

pub fn report_query(days: i64) -> ReportQuery {
    ReportQuery {
        from: NOW - days * DAY,
        to: NOW,
        tz: TZ,
        compare: Span::DEFAULT_COMPARE,
        horizon: 24,
        peak: Window::default(),
        thresholds: Thresholds::default(),
        now: NOW,
    }
}
