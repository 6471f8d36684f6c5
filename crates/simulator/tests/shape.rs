//! The simulated days have the reference's shape: a late-morning peak near 90%
//! utilization, a quiet night near 20%, fewer agents at weekends, and local wall-clock
//! time across DST. Fixed seed, checked with tolerances, sampled every minute.

mod common;

use chrono::{Days, NaiveDate, TimeZone};
use chrono_tz::America::New_York;
use common::new_york;
use headcount_simulator::{Center, CenterConfig, Counts, Filter, Status};

const SEED: u64 = 2026;

fn center() -> Center {
    Center::new(CenterConfig {
        seed: SEED,
        timezone: New_York,
    })
}

/// Mean logged in and agent-time-weighted utilization (a ratio of sums, as headcount
/// reports it) over every minute of one local hour on each of `dates`.
fn hour(center: &Center, filter: &Filter, dates: &[NaiveDate], hour: u32) -> (f64, f64) {
    let selection = center.select(filter);
    let (mut available, mut logged_in, mut samples) = (0u64, 0u64, 0u64);
    for date in dates {
        for minute in 0..60 {
            let naive = date.and_hms_opt(hour, minute, 0).unwrap();
            // A wall-clock minute that does not exist (spring forward) is skipped.
            let Some(at) = New_York.from_local_datetime(&naive).earliest() else {
                continue;
            };
            let c = center.snapshot(at.timestamp()).count_selection(&selection);
            available += u64::from(c.available);
            logged_in += u64::from(c.logged_in);
            samples += 1;
        }
    }
    let utilization = (logged_in - available) as f64 / logged_in as f64;
    (logged_in as f64 / samples as f64, utilization)
}

fn days(first: (i32, u32, u32), count: u64) -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(first.0, first.1, first.2).unwrap();
    (0..count).map(|d| first + Days::new(d)).collect()
}

/// Monday to Friday of a week without a DST change.
fn weekdays() -> Vec<NaiveDate> {
    days((2026, 2, 23), 5)
}

#[test]
fn campaign_111_matches_the_comparative_analysis() {
    let center = center();
    let sales = Filter::campaign(111);

    let (logged_in, utilization) = hour(&center, &sales, &weekdays(), 11);
    assert!(
        (40.0..=60.0).contains(&logged_in),
        "11 AM logged in {logged_in}"
    );
    assert!(
        (0.85..=0.95).contains(&utilization),
        "11 AM utilization {utilization}"
    );

    let (logged_in, utilization) = hour(&center, &sales, &weekdays(), 2);
    assert!(
        (10.0..=20.0).contains(&logged_in),
        "2 AM logged in {logged_in}"
    );
    assert!(
        (0.10..=0.30).contains(&utilization),
        "2 AM utilization {utilization}"
    );
}

#[test]
fn the_system_peaks_in_late_morning_and_is_quietest_at_night() {
    let center = center();
    let by_hour: Vec<(f64, f64)> = (0..24)
        .map(|h| hour(&center, &Filter::all(), &weekdays(), h))
        .collect();
    let busiest = (0..24)
        .max_by(|a, b| by_hour[*a].1.total_cmp(&by_hour[*b].1))
        .unwrap();
    assert!(
        (10..=12).contains(&busiest),
        "busiest hour {busiest}: {by_hour:?}"
    );
    let least_utilized = (0..24)
        .min_by(|a, b| by_hour[*a].1.total_cmp(&by_hour[*b].1))
        .unwrap();
    assert!(
        (1..=3).contains(&least_utilized),
        "least utilized hour {least_utilized}: {by_hour:?}"
    );
    let quietest = (0..24)
        .min_by(|a, b| by_hour[*a].0.total_cmp(&by_hour[*b].0))
        .unwrap();
    assert!(
        (1..=5).contains(&quietest),
        "fewest agents at {quietest}: {by_hour:?}"
    );

    // Staffed around the clock, and a weekday peak of a few hundred at most.
    let fewest = by_hour.iter().map(|h| h.0).fold(f64::MAX, f64::min);
    let most = by_hour.iter().map(|h| h.0).fold(0.0, f64::max);
    assert!(fewest >= 20.0, "{by_hour:?}");
    assert!((100.0..=300.0).contains(&most), "{by_hour:?}");
}

#[test]
fn weekends_have_clearly_fewer_agents() {
    let center = center();
    let mean_logged_in = |dates: &[NaiveDate]| {
        (0..24)
            .map(|h| hour(&center, &Filter::all(), dates, h).0)
            .sum::<f64>()
            / 24.0
    };
    let weekday = mean_logged_in(&weekdays());
    let weekend = mean_logged_in(&days((2026, 2, 28), 2));
    assert!(
        weekend < 0.6 * weekday,
        "weekend {weekend} vs weekday {weekday}"
    );
    assert!(
        weekend > 0.2 * weekday,
        "but still staffed: {weekend} vs {weekday}"
    );
}

#[test]
fn spring_forward_keeps_the_peak_at_11_local() {
    let center = center();
    // 2026-03-08: clocks jump from 02:00 to 03:00 in New York.
    let dst_day = days((2026, 3, 8), 1);
    let by_hour: Vec<(f64, f64)> = (0..24)
        .map(|h| hour(&center, &Filter::all(), &dst_day, h))
        .collect();
    let busiest = (0..24)
        .max_by(|a, b| by_hour[*a].1.total_cmp(&by_hour[*b].1))
        .unwrap();
    assert!(
        (10..=12).contains(&busiest),
        "busiest hour {busiest}: {by_hour:?}"
    );
    assert!(by_hour[11].1 >= 0.8, "{by_hour:?}");

    // The day looks like the Sunday before, hour by local hour: shifts and the daily
    // rhythm moved with the clock. (Had they stayed on standard time, the morning ramp
    // would sit an hour late.)
    let week_before = days((2026, 3, 1), 1);
    for h in 4..24 {
        let (now_in, now_util) = by_hour[h as usize];
        let (then_in, then_util) = hour(&center, &Filter::all(), &week_before, h);
        assert!(
            (now_in - then_in).abs() <= 0.15 * then_in + 3.0,
            "{h}:00 {now_in} vs {then_in}"
        );
        assert!(
            (now_util - then_util).abs() <= 0.08,
            "{h}:00 {now_util} vs {then_util}"
        );
    }
}

#[test]
fn shifts_follow_the_wall_clock_across_dst() {
    let center = center();
    // User 12345 is planned for 08:00 local (±10 min) on the Mondays before and after
    // the change.
    let first_login = |(y, m, d): (i32, u32, u32)| {
        let midnight = new_york(y, m, d, 0, 0);
        (midnight..midnight + 86_400)
            .step_by(60)
            .find(|ts| center.status(12345, *ts).unwrap() != Status::LoggedOut)
            .unwrap()
    };
    let before = first_login((2026, 3, 2));
    let after = first_login((2026, 3, 9));
    assert!(
        (before - new_york(2026, 3, 2, 8, 0)).abs() <= 600,
        "{before}"
    );
    assert!((after - new_york(2026, 3, 9, 8, 0)).abs() <= 600, "{after}");
    // So in real time the second login is a week less an hour after the first.
    let gap = after - before - (7 * 86_400 - 3600);
    assert!(gap.abs() <= 1200, "{gap}");

    // And the Monday after the change still has the Sales peak at 11 local.
    let (logged_in, utilization) =
        hour(&center, &Filter::campaign(111), &days((2026, 3, 9), 1), 11);
    assert!((40.0..=60.0).contains(&logged_in), "{logged_in}");
    assert!((0.85..=0.95).contains(&utilization), "{utilization}");
}

#[test]
fn the_same_seed_gives_the_same_center_and_another_seed_a_different_one() {
    let (a, b) = (center(), center());
    let other = Center::new(CenterConfig {
        seed: SEED + 1,
        timezone: New_York,
    });
    let instants: Vec<i64> = (0..48)
        .map(|i| new_york(2026, 2, 24, 0, 0) + i * 1800)
        .collect();
    for ts in &instants {
        assert_eq!(a.snapshot(*ts).statuses(), b.snapshot(*ts).statuses());
    }
    let differing = instants
        .iter()
        .filter(|ts| a.snapshot(**ts).statuses() != other.snapshot(**ts).statuses())
        .count();
    assert!(differing >= 40, "{differing} of 48 instants differ");
    // The roster's details change with the seed too, but not its size or the
    // reference's examples.
    assert_ne!(
        a.agents()
            .iter()
            .map(|x| x.skills().collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        other
            .agents()
            .iter()
            .map(|x| x.skills().collect::<Vec<_>>())
            .collect::<Vec<_>>()
    );
    assert_eq!(a.agents().len(), other.agents().len());
    assert_eq!(other.agent(12345).unwrap().campaign_id(), 111);
}

#[test]
fn every_status_occurs_and_handle_time_is_about_four_and_a_half_minutes() {
    let center = center();
    // Follow every agent minute by minute through a weekday's busiest hours: each
    // stretch of in_call followed by wrap_up is one handled call.
    let start = new_york(2026, 2, 24, 9, 0);
    let statuses: Vec<Vec<Status>> = (0..6 * 60 * 4)
        .map(|i| center.snapshot(start + i * 15).statuses().to_vec())
        .collect();
    let mut seen = std::collections::HashSet::new();
    let (mut handling, mut calls) = (0u64, 0u64);
    for agent in 0..center.agents().len() {
        let mut previous = Status::LoggedOut;
        for row in &statuses {
            let status = row[agent];
            seen.insert(status);
            if matches!(status, Status::InCall | Status::WrapUp) {
                handling += 15;
            }
            // A call starts when in_call follows anything but in_call.
            if status == Status::InCall && previous != Status::InCall {
                calls += 1;
            }
            previous = status;
        }
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
    let average = handling as f64 / calls as f64;
    assert!(
        (220.0..=330.0).contains(&average),
        "average handle time {average} s"
    );
}

#[test]
fn counts_add_up_to_the_statuses() {
    let center = center();
    let snapshot = center.snapshot(new_york(2026, 2, 25, 15, 30));
    let counts = snapshot.count(&Filter::all());
    let by_hand = snapshot
        .statuses()
        .iter()
        .fold(Counts::default(), |mut c, s| {
            c.logged_in += u32::from(*s != Status::LoggedOut);
            c.available += u32::from(*s == Status::Ready);
            c
        });
    assert_eq!(counts, by_hand);
}
