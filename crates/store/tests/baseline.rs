//! The plain-SQL baselines `headcount bench` measures reports against: per UTC day and
//! per UTC hour of the day, over ok raw samples only.

use headcount_store::{BaselineReads, DailyMeans, HourlyMeans, Outcome, Sample, Store};

/// 2026-03-02T00:00:00Z.
const T0: i64 = 1_772_409_600;
const DAY: i64 = 86_400;

fn store() -> (Store, headcount_store::TargetId) {
    let mut store = Store::open_in_memory().unwrap();
    let t = store.ensure_target("a", "{}", 0).unwrap();
    let other = store.ensure_target("b", "{}", 0).unwrap();
    store
        .write_batch(&[
            // Day 0, 09:00 and 09:30: available 4 and 6 of 10 and 20.
            Sample::ok(t, T0 + 9 * 3600, 4, 10, None),
            Sample::ok(t, T0 + 9 * 3600 + 1800, 6, 20, None),
            // Day 0, 10:00: a failure, not counted.
            Sample::failed(t, T0 + 10 * 3600, Outcome::Timeout, None),
            // Day 1, 09:15 and 23:59:59.
            Sample::ok(t, T0 + DAY + 9 * 3600 + 900, 2, 30, None),
            Sample::ok(t, T0 + 2 * DAY - 1, 1, 1, None),
            // Day 2: outside the range asked for below.
            Sample::ok(t, T0 + 2 * DAY, 50, 50, None),
            // Another target at the same time: not counted.
            Sample::ok(other, T0 + 9 * 3600, 100, 100, None),
        ])
        .unwrap();
    (store, t)
}

#[test]
fn daily_means_group_ok_samples_by_utc_day() {
    let (store, t) = store();
    assert_eq!(
        store.baseline_daily_means(t, T0, T0 + 2 * DAY).unwrap(),
        [
            DailyMeans {
                day: T0,
                samples: 2,
                available: 5.0,
                logged_in: 15.0
            },
            DailyMeans {
                day: T0 + DAY,
                samples: 2,
                available: 1.5,
                logged_in: 15.5
            },
        ]
    );
}

#[test]
fn hourly_means_group_ok_samples_by_utc_hour_of_the_day_across_days() {
    let (store, t) = store();
    assert_eq!(
        store.baseline_hourly_means(t, T0, T0 + 2 * DAY).unwrap(),
        [
            // 09:00 of both days: 4, 6 and 2 of 10, 20 and 30.
            HourlyMeans {
                hour: 9,
                samples: 3,
                available: 4.0,
                logged_in: 20.0
            },
            HourlyMeans {
                hour: 23,
                samples: 1,
                available: 1.0,
                logged_in: 1.0
            },
        ]
    );
    assert!(
        store
            .baseline_hourly_means(t, T0 + 3 * DAY, T0 + 4 * DAY)
            .unwrap()
            .is_empty()
    );
}
