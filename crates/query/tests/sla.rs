//! SLA compliance, readiness and side-by-side series on fixtures whose answers are
//! worked out by hand.

mod common;

use chrono::Weekday;
use common::{Fixture, at, close, settings, tz, utc};
use headcount_query::{
    Measure, Need, Params, Period, PeriodStatus, ReadinessParams, ReadinessQuery, SeriesRef,
    SlaCondition, SlaConfig, SlaParams, SlaQuery, SlaReport, Unknown, Verdict, Window, compare,
    readiness, series, sla_report, split_targets,
};

const ALL_DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn sla(when: &str, hours: Window, period: Period, unknown: Unknown) -> SlaConfig {
    SlaConfig {
        name: "s".into(),
        target: "t".into(),
        condition: SlaCondition::parse(when).unwrap(),
        hours,
        objective: 95.0,
        period,
        unknown,
        line: 1,
    }
}

/// America/New_York around the fall-back of Sunday 2026-11-01 (02:00 EDT becomes
/// 01:00 EST), an SLA of `available >= 10` every day 00:00–03:00 local: 3 hours a day,
/// 4 on Nov 1 (01:00 happens twice). A sample a minute (15 rows a bucket):
/// - Oct 31: 00:00–02:00 at 12 (met), 02:00–03:00 at 5 (breach);
/// - Nov 1: 00:00–01:00 EDT at 12; the first 01:00 hour: 01:00–01:30 failed polls,
///   01:30–02:00 at 12; the second 01:00 hour (EST) at 5; 02:00–03:00 EST the
///   collector is down (stopped 07:00Z, restarted 08:00Z);
/// - Nov 2: 00:00–03:00 at 12, except 00:00–00:15 where 5 of the 15 samples are at 9.
///
/// The collector started on Oct 30 00:00Z and stopped for good on Nov 3 05:00Z (Nov 3
/// 00:00 EST); nothing is recorded before or after.
fn dst_fixture() -> Fixture {
    let ny = tz("America/New_York");
    let mut f = Fixture::new();
    let r1 = f
        .store
        .begin_run(utc("2026-10-30 00:00"), 1, "test")
        .unwrap()
        .id;
    let oct31 = at(ny, "2026-10-31 00:00");
    f.fill(oct31, oct31 + 7200, 60, |_| (12, 40));
    f.fill(oct31 + 7200, oct31 + 10_800, 60, |_| (5, 40));
    let nov1 = at(ny, "2026-11-01 00:00"); // 04:00Z
    f.fill(nov1, nov1 + 3600, 60, |_| (12, 40));
    for ts in (nov1 + 3600..nov1 + 5400).step_by(60) {
        f.failed(ts);
    }
    f.fill(nov1 + 5400, nov1 + 7200, 60, |_| (12, 40));
    // 06:00Z–07:00Z: 01:00–02:00 EST.
    f.fill(nov1 + 7200, nov1 + 10_800, 60, |_| (5, 40));
    f.store.end_run(r1, nov1 + 10_800).unwrap();
    let r2 = f.store.begin_run(nov1 + 14_400, 2, "test").unwrap().id;
    let nov2 = at(ny, "2026-11-02 00:00");
    f.fill(nov2, nov2 + 10_800, 60, |ts| {
        // The first bucket: minutes 0, 3, 6, 9, 12 at 9.
        if ts < nov2 + 900 && (ts - nov2) % 180 == 0 {
            (9, 40)
        } else {
            (12, 40)
        }
    });
    f.store.end_run(r2, at(ny, "2026-11-03 00:00")).unwrap();
    f
}

fn dst_report(period: Period, unknown: Unknown, from: &str, to: &str) -> SlaReport {
    let ny = tz("America/New_York");
    let f = dst_fixture();
    let s = sla(
        "available >= 10",
        Window::new(ALL_DAYS, "00:00-03:00").unwrap(),
        period,
        unknown,
    );
    let q = SlaQuery {
        from: at(ny, from),
        to: at(ny, to),
        period,
        now: utc("2026-12-15 00:00"),
    };
    sla_report(&f.store, f.target(), &s, &settings("America/New_York"), &q).unwrap()
}

/// (window, met, breach, unknown) seconds of a period.
fn secs(p: &headcount_query::SlaPeriod) -> (f64, f64, f64, f64) {
    (
        p.window_seconds,
        p.met_seconds,
        p.breach_seconds,
        p.unknown_seconds,
    )
}

#[test]
fn daily_compliance_across_the_fall_back_with_failed_polls_and_downtime() {
    let r = dst_report(
        Period::Day,
        Unknown::Excluded,
        "2026-10-31 00:00",
        "2026-11-03 00:00",
    );
    assert_eq!(r.periods.len(), 3);
    let [oct31, nov1, nov2] = [&r.periods[0], &r.periods[1], &r.periods[2]];
    assert_eq!(oct31.start.to_rfc3339(), "2026-10-31T00:00:00-04:00");
    assert_eq!(nov1.end.to_rfc3339(), "2026-11-02T00:00:00-05:00");
    // Oct 31: 2 hours met, 1 breached: 66.67%.
    assert_eq!(secs(oct31), (10_800.0, 7200.0, 3600.0, 0.0));
    assert!(close(oct31.compliance.unwrap(), 200.0 / 3.0));
    assert_eq!(oct31.status, PeriodStatus::Missed);
    // Nov 1: four hours in the window. Met: 00:00–01:00 and 01:30–02:00 EDT (5400 s);
    // breach: the EST 01:00 hour (3600 s); unknown: 30 failed minutes and the hour of
    // downtime (5400 s). 5400 of 9000 counted: 60%.
    assert_eq!(secs(nov1), (14_400.0, 5400.0, 3600.0, 5400.0));
    assert!(close(nov1.compliance.unwrap(), 60.0));
    // Nov 2: the first bucket's 900 s split 10 met, 5 breached a minute each.
    assert_eq!(secs(nov2), (10_800.0, 10_500.0, 300.0, 0.0));
    assert!(close(nov2.compliance.unwrap(), 100.0 * 10_500.0 / 10_800.0));
    assert_eq!(nov2.status, PeriodStatus::Met);
    // Finished periods: nothing remains, the projection is the compliance, and the
    // budget is 5% of the counted window: Nov 1, 5% of (14400 − 5400) = 450, less the
    // 3600 breached.
    assert_eq!(nov1.remaining_seconds, 0.0);
    assert_eq!(nov1.projected_compliance, nov1.compliance);
    assert!(close(nov1.budget_seconds, 450.0));
    assert!(close(nov1.budget_left_seconds, 450.0 - 3600.0));
    assert!(r.current.is_none());
    // The worst stretches: the EST 01:00 hour and Oct 31 02:00–03:00 (3600 s each, the
    // earlier first), then Nov 2's first bucket.
    let worst: Vec<(String, f64, Option<u32>)> = r
        .worst
        .iter()
        .map(|w| (w.start.to_rfc3339(), w.breach_seconds, w.lowest_available))
        .collect();
    assert_eq!(
        worst,
        [
            ("2026-10-31T02:00:00-04:00".to_owned(), 3600.0, Some(5)),
            ("2026-11-01T01:00:00-05:00".to_owned(), 3600.0, Some(5)),
            ("2026-11-02T00:00:00-05:00".to_owned(), 300.0, Some(9)),
        ]
    );
    assert_eq!(r.worst[1].end.to_rfc3339(), "2026-11-01T02:00:00-05:00");
}

#[test]
fn the_spring_forward_day_has_an_hour_less_of_window() {
    // 2026-03-08 in New York: 02:00 EST becomes 03:00 EDT, so 00:00–03:00 local lasts
    // two hours. A sample a minute at 12 throughout: all of it met.
    let ny = tz("America/New_York");
    let mut f = Fixture::new();
    let (a, z) = (at(ny, "2026-03-07 00:00"), at(ny, "2026-03-10 00:00"));
    f.fill(a, z, 60, |_| (12, 40));
    let s = sla(
        "available >= 10",
        Window::new(ALL_DAYS, "00:00-03:00").unwrap(),
        Period::Day,
        Unknown::Excluded,
    );
    let q = SlaQuery {
        from: a,
        to: z,
        period: Period::Day,
        now: utc("2026-04-01 00:00"),
    };
    let r = sla_report(&f.store, f.target(), &s, &settings("America/New_York"), &q).unwrap();
    let windows: Vec<(f64, f64)> = r
        .periods
        .iter()
        .map(|p| (p.window_seconds, p.met_seconds))
        .collect();
    assert_eq!(
        windows,
        [(10_800.0, 10_800.0), (7200.0, 7200.0), (10_800.0, 10_800.0)]
    );
    assert_eq!(r.periods[1].end.to_rfc3339(), "2026-03-09T00:00:00-04:00");
}

#[test]
fn unknown_counted_as_breach_lowers_compliance_and_spends_the_budget() {
    let r = dst_report(
        Period::Day,
        Unknown::Breach,
        "2026-11-01 00:00",
        "2026-11-02 00:00",
    );
    let nov1 = &r.periods[0];
    // 5400 met of all 14400: 37.5%. Budget 5% of 14400 = 720, spent 3600 + 5400.
    assert!(close(nov1.compliance.unwrap(), 37.5));
    assert!(close(nov1.budget_seconds, 720.0));
    assert!(close(nov1.budget_left_seconds, 720.0 - 9000.0));
    assert_eq!(nov1.status, PeriodStatus::Missed);
}

#[test]
fn weekly_compliance_monday_to_monday_in_local_time() {
    let r = dst_report(
        Period::Week,
        Unknown::Excluded,
        "2026-10-31 00:00",
        "2026-11-03 00:00",
    );
    assert_eq!(r.periods.len(), 2);
    let (w1, w2) = (&r.periods[0], &r.periods[1]);
    assert_eq!(w1.start.to_rfc3339(), "2026-10-26T00:00:00-04:00");
    assert_eq!(w1.end.to_rfc3339(), "2026-11-02T00:00:00-05:00");
    // Oct 26–30 have no rows (before the first run, or no samples): unknown, 5 × 3 h.
    // Then Oct 31 and Nov 1 as by day.
    assert_eq!(
        secs(w1),
        (
            6.0 * 10_800.0 + 14_400.0,
            7200.0 + 5400.0,
            3600.0 + 3600.0,
            5.0 * 10_800.0 + 5400.0
        )
    );
    assert!(close(w1.compliance.unwrap(), 100.0 * 12_600.0 / 19_800.0));
    assert_eq!(w1.status, PeriodStatus::Missed);
    // Nov 2, then Nov 3–8 after the last run stopped: downtime, unknown.
    assert_eq!(secs(w2), (75_600.0, 10_500.0, 300.0, 6.0 * 10_800.0));
    assert_eq!(w2.status, PeriodStatus::Met);
}

#[test]
fn monthly_compliance_whole_local_months() {
    let r = dst_report(
        Period::Month,
        Unknown::Excluded,
        "2026-10-15 00:00",
        "2026-11-15 00:00",
    );
    assert_eq!(r.periods.len(), 2);
    let (oct, nov) = (&r.periods[0], &r.periods[1]);
    assert_eq!(oct.start.to_rfc3339(), "2026-10-01T00:00:00-04:00");
    assert_eq!(nov.start.to_rfc3339(), "2026-11-01T00:00:00-04:00");
    assert_eq!(nov.end.to_rfc3339(), "2026-12-01T00:00:00-05:00");
    // October: 31 windows of 3 h, only Oct 31 recorded.
    assert_eq!(
        secs(oct),
        (31.0 * 10_800.0, 7200.0, 3600.0, 30.0 * 10_800.0)
    );
    // November: 29 windows of 3 h and Nov 1's 4 h; Nov 3–30 are downtime.
    assert_eq!(
        secs(nov),
        (
            29.0 * 10_800.0 + 14_400.0,
            5400.0 + 10_500.0,
            3600.0 + 300.0,
            5400.0 + 28.0 * 10_800.0
        )
    );
    assert!(close(nov.compliance.unwrap(), 100.0 * 15_900.0 / 19_800.0));
}

/// UTC, an SLA of `available >= 10` Mon–Fri 09:00–17:00 by week (144,000 s of window
/// a week), a sample a minute. The 4 weeks before Mon 2026-05-11: every weekday
/// 09:00–09:48 at 5 (breach, 10% of the day), the rest of the day at 12. The week of
/// May 11: at 12 throughout, except Wed 09:00–10:00 at 5, and Fri 16:00–17:00 failed
/// polls.
fn budget_fixture() -> Fixture {
    let mut f = Fixture::new();
    let d0 = utc("2026-04-13 00:00");
    for day in 0..28 {
        let d = d0 + day * 86_400;
        if day % 7 >= 5 {
            continue;
        }
        f.fill(d + 9 * 3600, d + 9 * 3600 + 2880, 60, |_| (5, 40));
        f.fill(d + 9 * 3600 + 2880, d + 17 * 3600, 60, |_| (12, 40));
    }
    let w = utc("2026-05-11 00:00");
    for day in 0..5 {
        let d = w + day * 86_400;
        let (a, z) = (d + 9 * 3600, d + 17 * 3600);
        match day {
            2 => {
                f.fill(a, a + 3600, 60, |_| (5, 40));
                f.fill(a + 3600, z, 60, |_| (12, 40));
            }
            4 => {
                f.fill(a, z - 3600, 60, |_| (12, 40));
                for ts in (z - 3600..z).step_by(60) {
                    f.failed(ts);
                }
            }
            _ => f.fill(a, z, 60, |_| (12, 40)),
        }
    }
    f
}

fn budget_at(now: &str, unknown: Unknown) -> headcount_query::SlaPeriod {
    let f = budget_fixture();
    let s = sla("available >= 10", Window::default(), Period::Week, unknown);
    let q = SlaQuery {
        from: utc("2026-05-11 00:00"),
        to: utc("2026-05-12 00:00"),
        period: Period::Week,
        now: utc(now),
    };
    let r = sla_report(&f.store, f.target(), &s, &settings("UTC"), &q).unwrap();
    assert_eq!(r.periods.len(), 1);
    assert_eq!(
        r.current.as_ref(),
        (utc(now) < utc("2026-05-18 00:00")).then(|| &r.periods[0])
    );
    r.periods[0].clone()
}

#[test]
fn budget_and_projection_at_the_start_of_a_period() {
    let p = budget_at("2026-05-11 09:00", Unknown::Excluded);
    assert_eq!(p.status, PeriodStatus::InProgress);
    assert_eq!(
        (p.met_seconds, p.breach_seconds, p.unknown_seconds),
        (0.0, 0.0, 0.0)
    );
    assert_eq!(p.remaining_seconds, 144_000.0);
    assert_eq!(p.compliance, None);
    // 5% of the whole window, nothing spent.
    assert!(close(p.budget_seconds, 7200.0));
    assert!(close(p.budget_left_seconds, 7200.0));
    // Nothing of the period yet: the last 4 weeks' rate, 90%.
    assert!(close(p.projected_compliance.unwrap(), 90.0));
}

#[test]
fn budget_and_projection_in_the_middle_of_a_period() {
    let p = budget_at("2026-05-13 13:00", Unknown::Excluded);
    assert_eq!(p.status, PeriodStatus::InProgress);
    // Mon, Tue and Wed 10:00–13:00 met; Wed 09:00–10:00 breached.
    assert_eq!(p.met_seconds, 2.0 * 28_800.0 + 3.0 * 3600.0);
    assert_eq!(p.breach_seconds, 3600.0);
    assert_eq!(
        p.remaining_seconds,
        144_000.0 - 2.0 * 28_800.0 - 4.0 * 3600.0
    );
    assert!(close(p.compliance.unwrap(), 95.0));
    assert!(close(p.budget_left_seconds, 7200.0 - 3600.0));
    // The last 28 days from Apr 15 13:00: Apr 15 13:00–17:00 met (14400 s), 17 whole
    // weekdays at 25920 met and 2880 breached, May 11–12 met (57600), May 13 09:00–13:00
    // (10800 met, 3600 breached): 523440 met of 576000. The remaining 72000 s at that
    // rate: (68400 + 72000 × 523440 / 576000) / 144000.
    let rate = 523_440.0 / 576_000.0;
    let expected = 100.0 * (68_400.0 + 72_000.0 * rate) / 144_000.0;
    assert!(close(p.projected_compliance.unwrap(), expected));
    assert!(close(expected, 92.9375));
}

#[test]
fn budget_and_projection_at_the_end_of_a_period() {
    let p = budget_at("2026-05-18 00:00", Unknown::Excluded);
    // Met: 136800; breach 3600; the failed hour unknown, left out.
    assert_eq!(
        (
            p.met_seconds,
            p.breach_seconds,
            p.unknown_seconds,
            p.remaining_seconds
        ),
        (136_800.0, 3600.0, 3600.0, 0.0)
    );
    assert!(close(p.compliance.unwrap(), 100.0 * 136_800.0 / 140_400.0));
    assert_eq!(p.status, PeriodStatus::Met);
    assert!(close(p.budget_seconds, 0.05 * 140_400.0));
    assert!(close(p.budget_left_seconds, 0.05 * 140_400.0 - 3600.0));
    assert_eq!(p.projected_compliance, p.compliance);
    // Counting the unknown hour as breach: exactly 95%, still met, budget all spent.
    let p = budget_at("2026-05-18 00:00", Unknown::Breach);
    assert!(close(p.compliance.unwrap(), 95.0));
    assert_eq!(p.status, PeriodStatus::Met);
    assert!(close(p.budget_left_seconds, 0.0));
}

#[test]
fn a_running_period_whose_budget_is_spent_is_already_missed() {
    let f = budget_fixture();
    let mut s = sla(
        "available >= 10",
        Window::default(),
        Period::Week,
        Unknown::Excluded,
    );
    s.objective = 99.0;
    let q = SlaQuery {
        from: utc("2026-05-11 00:00"),
        to: utc("2026-05-12 00:00"),
        period: Period::Week,
        now: utc("2026-05-13 13:00"),
    };
    let p = &sla_report(&f.store, f.target(), &s, &settings("UTC"), &q)
        .unwrap()
        .periods[0];
    // 1% of 144000 is 1440 s; 3600 breached.
    assert!(close(p.budget_left_seconds, 1440.0 - 3600.0));
    assert_eq!(p.status, PeriodStatus::Missed);
}

#[test]
fn sla_parameters_are_refused_by_name() {
    let s = sla(
        "available >= 1",
        Window::default(),
        Period::Week,
        Unknown::Excluded,
    );
    let st = settings("UTC");
    let now = utc("2026-05-13 13:00");
    let err = |p: SlaParams<'_>| p.query(&s, &st, now).unwrap_err().param;
    assert_eq!(
        err(SlaParams {
            period: Some("year"),
            ..Default::default()
        }),
        "period"
    );
    assert_eq!(
        err(SlaParams {
            from: Some("soon"),
            ..Default::default()
        }),
        "from"
    );
    assert_eq!(
        err(SlaParams {
            to: Some("x"),
            ..Default::default()
        }),
        "to"
    );
    assert_eq!(
        err(SlaParams {
            from: Some("now"),
            to: Some("now-1d"),
            ..Default::default()
        }),
        "from"
    );
    // Defaults: the SLA's period, the last 28 days for weeks.
    let q = SlaParams::default().query(&s, &st, now).unwrap();
    assert_eq!(
        (q.period, q.to, q.from),
        (Period::Week, now, now - 28 * 86_400)
    );
    let q = SlaParams {
        period: Some("day"),
        ..Default::default()
    }
    .query(&s, &st, now)
    .unwrap();
    assert_eq!((q.period, q.from), (Period::Day, now - 7 * 86_400));
}

/// UTC. The four Tuesdays before Tue 2026-06-02, 10:00–11:00, a sample a minute at
/// 12, 14, 15 and 20 available of 40; Wednesday 2026-05-27 10:00–11:00 at 30. The
/// question is asked on Mon 2026-06-01 08:00.
fn readiness_fixture() -> Fixture {
    let mut f = Fixture::new();
    for (k, a) in [(1, 20), (2, 15), (3, 14), (4, 12)] {
        let h = utc("2026-06-02 10:00") - k * 7 * 86_400;
        f.fill(h, h + 3600, 60, move |_| (a, 40));
    }
    let wed = utc("2026-05-27 10:00");
    f.fill(wed, wed + 3600, 60, |_| (30, 40));
    f
}

fn ask(at_time: &str, need: Need) -> headcount_query::Readiness {
    let f = readiness_fixture();
    let q = ReadinessQuery {
        at: utc(at_time),
        need,
        tz: tz("UTC"),
        now: utc("2026-06-01 08:00"),
    };
    readiness(&f.store, f.target(), &settings("UTC"), &q).unwrap()
}

#[test]
fn ready_when_every_week_reached_the_need() {
    let r = ask("2026-06-02 10:30", Need::Available(12));
    assert_eq!(r.verdict, Verdict::Ready, "{}", r.reason);
    let fc = r.forecast.as_ref().unwrap();
    assert_eq!(fc.start.to_rfc3339(), "2026-06-02T10:00:00+00:00");
    assert_eq!(fc.weeks_used, 4);
    let b = r.expected.unwrap();
    assert_eq!((b.mean, b.low, b.high), (15.25, 12.0, 20.0));
    assert!(
        r.reason.contains("mean 15.2") || r.reason.contains("mean 15.3"),
        "{}",
        r.reason
    );
    assert!(r.reason.contains("lowest 12, highest 20"), "{}", r.reason);
    // The newest sample is the Wednesday's last.
    assert_eq!(r.latest.unwrap().available, Some(30));
}

#[test]
fn at_risk_when_the_band_crosses_the_need() {
    let r = ask("2026-06-02 10:00", Need::Available(15));
    assert_eq!(r.verdict, Verdict::AtRisk, "{}", r.reason);
    // As a percentage of 40: 30% to 50%; 40% needed.
    let r = ask("2026-06-02 10:00", Need::AvailablePct(40.0));
    assert_eq!(r.verdict, Verdict::AtRisk, "{}", r.reason);
    let b = r.expected.unwrap();
    assert!(close(b.low, 30.0) && close(b.high, 50.0) && close(b.mean, 38.125));
}

#[test]
fn not_ready_when_no_week_reached_the_need() {
    let r = ask("2026-06-02 10:59", Need::Available(21));
    assert_eq!(r.verdict, Verdict::NotReady, "{}", r.reason);
    assert!(
        r.reason
            .contains("no week's hourly mean reached the 21 available needed"),
        "{}",
        r.reason
    );
    let r = ask("2026-06-02 10:00", Need::AvailablePct(50.5));
    assert_eq!(r.verdict, Verdict::NotReady, "{}", r.reason);
}

#[test]
fn unknown_without_enough_history_never_a_guess() {
    // No week had Tuesday 15:00.
    let r = ask("2026-06-02 15:00", Need::Available(1));
    assert_eq!(r.verdict, Verdict::Unknown, "{}", r.reason);
    assert_eq!(r.expected, None);
    assert_eq!(r.forecast.unwrap().weeks_used, 0);
    assert!(r.reason.contains("0 of the last 4 weeks"), "{}", r.reason);
    // Wednesday 10:00 had one week: not enough for a verdict.
    let r = ask("2026-06-03 10:00", Need::Available(1));
    assert_eq!(r.verdict, Verdict::Unknown, "{}", r.reason);
    assert_eq!(r.forecast.unwrap().weeks_used, 1);
}

#[test]
fn readiness_parameters_are_refused_by_name() {
    let st = settings("UTC");
    let now = utc("2026-06-01 08:00");
    let err = |at: Option<&str>, need: Option<&str>, need_pct: Option<&str>| {
        ReadinessParams { at, need, need_pct }
            .query(&st, now)
            .unwrap_err()
            .param
    };
    assert_eq!(err(None, Some("5"), None), "at");
    assert_eq!(err(Some("tomorrow"), Some("5"), None), "at");
    assert_eq!(err(Some("now-1h"), Some("5"), None), "at");
    assert_eq!(err(Some("now+8d"), Some("5"), None), "at");
    assert_eq!(err(Some("now+1d"), None, None), "need");
    assert_eq!(err(Some("now+1d"), Some("5"), Some("10")), "need");
    assert_eq!(err(Some("now+1d"), Some("-5"), None), "need");
    assert_eq!(err(Some("now+1d"), None, Some("101")), "need_pct");
    let q = ReadinessParams {
        at: Some("2026-06-02T10:30"),
        need: None,
        need_pct: Some("12.5"),
    }
    .query(&st, now)
    .unwrap();
    assert_eq!(
        (q.at, q.need),
        (utc("2026-06-02 10:30"), Need::AvailablePct(12.5))
    );
}

#[test]
fn compare_puts_each_targets_series_on_one_axis() {
    let mut f = Fixture::new();
    let other = f
        .store
        .ensure_target("u", "{\"queue_id\":\"2\"}", 0)
        .unwrap();
    let t0 = utc("2026-05-04 00:00");
    f.fill(t0, t0 + 7200, 60, |_| (10, 40));
    let batch: Vec<headcount_store::Sample> = (t0 + 3600..t0 + 7200)
        .step_by(60)
        .map(|ts| headcount_store::Sample::ok(other, ts, 3, 30, None))
        .collect();
    f.write(&batch);
    let q = Params {
        from: Some("2026-05-04T00:00:00Z"),
        to: Some("2026-05-04T02:00:00Z"),
        step: Some("1h"),
        ..Params::default()
    }
    .series(&settings("UTC"), t0 + 86_400)
    .unwrap();
    let targets = [
        f.target(),
        SeriesRef {
            id: other,
            name: "u",
        },
    ];
    let c = compare(&f.store, &targets, Measure::AvailablePct, &q).unwrap();
    assert_eq!(c.starts.len(), 2);
    assert_eq!(c.lines[0].target, "t");
    assert_eq!(c.lines[0].values, [Some(25.0), Some(25.0)]);
    assert_eq!(c.lines[1].values, [None, Some(10.0)]);
    // The same buckets as the single-target series.
    let s = series(&f.store, f.target(), &q).unwrap();
    let starts: Vec<_> = s.points.iter().map(|p| p.start).collect();
    assert_eq!(c.starts, starts);
    let c = compare(&f.store, &targets, Measure::LoggedIn, &q).unwrap();
    assert_eq!(c.lines[1].values, [None, Some(30.0)]);
}

#[test]
fn compare_takes_at_most_12_targets_and_names_the_parameter() {
    let thirteen = "a,b,c,d,e,f,g,h,i,j,k,l,m";
    let e = split_targets(thirteen).unwrap_err();
    assert_eq!(e.param, "targets");
    assert!(e.message.contains("13 targets given; at most 12"), "{e}");
    assert_eq!(split_targets("a,b,c,d,e,f,g,h,i,j,k,l").unwrap().len(), 12);
    assert_eq!(split_targets("").unwrap_err().param, "targets");
    assert_eq!(split_targets("a,,b").unwrap_err().param, "targets");
    assert_eq!(split_targets("a,b,a").unwrap_err().param, "targets");
    assert_eq!(split_targets(" a , b ").unwrap(), ["a", "b"]);
    assert_eq!("p95".parse::<Measure>().unwrap_err().param, "measure");
    assert_eq!(
        "utilization_pct".parse::<Measure>().unwrap(),
        Measure::UtilizationPct
    );
}

#[test]
fn a_period_without_any_of_the_slas_hours_has_none_to_judge() {
    // The DST fixture with a weekday SLA: Saturday Oct 31 and Sunday Nov 1 have no
    // SLA hours at all (no_hours), Monday Nov 2 is judged.
    let ny = tz("America/New_York");
    let f = dst_fixture();
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    let s = sla(
        "available >= 10",
        Window::new(weekdays, "00:00-03:00").unwrap(),
        Period::Day,
        Unknown::Excluded,
    );
    let q = SlaQuery {
        from: at(ny, "2026-10-31 00:00"),
        to: at(ny, "2026-11-03 00:00"),
        period: Period::Day,
        now: utc("2026-12-15 00:00"),
    };
    let r = sla_report(&f.store, f.target(), &s, &settings("America/New_York"), &q).unwrap();
    let status: Vec<&str> = r.periods.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(status, ["no_hours", "no_hours", "met"]);
    assert_eq!(r.periods[0].window_seconds, 0.0);
    assert_eq!(r.periods[0].compliance, None);
}

#[test]
fn periods_after_now_are_upcoming_not_in_progress() {
    // The DST fixture asked at Nov 1 12:00 local over Oct 31 to Nov 4: Oct 31 is over,
    // Nov 1 runs, Nov 2 and 3 have not begun.
    let ny = tz("America/New_York");
    let f = dst_fixture();
    let s = sla(
        "available >= 10",
        Window::new(ALL_DAYS, "00:00-03:00").unwrap(),
        Period::Day,
        Unknown::Excluded,
    );
    let q = SlaQuery {
        from: at(ny, "2026-10-31 00:00"),
        to: at(ny, "2026-11-04 00:00"),
        period: Period::Day,
        now: at(ny, "2026-11-01 01:30"),
    };
    let r = sla_report(&f.store, f.target(), &s, &settings("America/New_York"), &q).unwrap();
    let status: Vec<&str> = r.periods.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(status[0], "missed");
    assert_ne!(status[1], "upcoming");
    assert_eq!(&status[2..], ["upcoming", "upcoming"]);
}
