//! Report sections on fixtures whose answers are worked out by hand.

mod common;

use chrono::Weekday;
use common::{Fixture, at, close, tz, utc};
use headcount_query::{
    EpisodeEnd, Params, Report, ReportQuery, Span, State, Thresholds, Window, report,
    report_forecast, report_profile, report_trend,
};
use headcount_store::{RUN_STALE_AFTER_SECS, Sample};

fn query(tz_name: &str, from: i64, to: i64) -> ReportQuery {
    ReportQuery {
        from,
        to,
        tz: tz(tz_name),
        compare: Span::parse("compare", "7d").unwrap(),
        horizon: 24,
        peak: Window::default(),
        thresholds: Thresholds::default(),
        now: to,
    }
}

fn run(f: &Fixture, q: &ReportQuery) -> Report {
    report(&f.store, f.target(), q).unwrap()
}

/// Monday 2026-05-04, UTC: 11:00–12:00 (peak) at 5 of 50, 02:00–03:00 (off-peak) at
/// 12 of 15, a sample a minute: the reference's comparative analysis.
fn peak_fixture() -> (Fixture, i64) {
    let mut f = Fixture::new();
    let day = utc("2026-05-04 00:00");
    f.fill(day + 11 * 3600, day + 12 * 3600, 60, |_| (5, 50));
    f.fill(day + 2 * 3600, day + 3 * 3600, 60, |_| (12, 15));
    (f, day)
}

#[test]
fn peak_and_off_peak_as_the_reference_compares_them() {
    let (f, day) = peak_fixture();
    let r = run(&f, &query("UTC", day, day + 86_400));
    let (peak, off) = (&r.peak.peak, &r.peak.off_peak);
    assert_eq!((peak.samples, off.samples), (60, 60));
    assert_eq!(peak.utilization_pct, Some(90.0));
    assert!(close(off.utilization_pct.unwrap(), 20.0));
    assert_eq!((peak.available, peak.logged_in), (Some(5.0), Some(50.0)));
    assert_eq!((off.available, off.logged_in), (Some(12.0), Some(15.0)));
    assert_eq!(peak.available_percentiles.p50, Some(5));
    assert_eq!(off.available_percentiles.p5, Some(12));
    // 5 of 50 is exactly 10%: monitor. 12 of 15 is 80%: healthy.
    assert_eq!(peak.states.monitor.share, Some(1.0));
    assert_eq!(off.states.healthy.count, 60);
    assert_eq!(off.states.monitor.count, 0);
    let busiest = r.peak.busiest_hour.unwrap();
    assert_eq!((busiest.hour, busiest.utilization_pct), (11, Some(90.0)));
    let quietest = r.peak.quietest_hour.unwrap();
    assert_eq!((quietest.hour, quietest.logged_in), (2, Some(15.0)));
    assert_eq!(r.peak.window.hours, "09:00-17:00");
    assert_eq!(r.peak.window.days, ["mon", "tue", "wed", "thu", "fri"]);
}

#[test]
fn summary_utilization_is_a_ratio_of_sums() {
    let (f, day) = peak_fixture();
    let r = run(&f, &query("UTC", day, day + 86_400));
    let s = &r.summary;
    assert_eq!((s.samples, s.failed, s.coverage), (120, 0, Some(1.0)));
    // Σa = 60·5 + 60·12 = 1020, Σl = 60·50 + 60·15 = 3900: 26.15% available, 73.85%
    // utilization. The mean of the two hours' ratios would give 55% utilization.
    assert!(close(s.available_pct.unwrap(), 100.0 * 1020.0 / 3900.0));
    assert!(close(
        s.utilization_pct.unwrap(),
        100.0 - 100.0 * 1020.0 / 3900.0
    ));
    assert_eq!(s.state, Some(State::Healthy));
    let a = s.available.unwrap();
    assert_eq!((a.avg, a.min, a.max), (8.5, 5, 12));
    let l = s.logged_in.unwrap();
    assert_eq!((l.avg, l.min, l.max), (32.5, 15, 50));
    // 120 samples, 60 of 5 then 60 of 12: ranks 6, 60, 114.
    let p = s.available_percentiles;
    assert_eq!((p.p5, p.p50, p.p95), (Some(5), Some(5), Some(12)));
    assert!(s.percentiles_source.starts_with("exact"));
    assert_eq!(s.downtime_seconds, 0);
    assert_eq!(r.states.monitor.count, 60);
    assert_eq!(r.states.healthy.share, Some(0.5));
    // by_hour and the heatmap (Monday is row 0).
    assert_eq!(r.by_hour.len(), 24);
    assert_eq!(r.by_hour[11].samples, 60);
    assert_eq!(r.by_hour[11].state, Some(State::Monitor));
    assert_eq!(r.by_hour[10].samples, 0);
    assert_eq!(r.by_hour[10].state, None);
    assert_eq!(r.heatmap.len(), 7);
    assert_eq!(r.heatmap[0].weekday, "mon");
    assert_eq!(r.heatmap[0].hours[2].available, Some(12.0));
    assert_eq!(r.heatmap[1].hours[2].samples, 0);
}

#[test]
fn a_peak_window_across_midnight_classifies_by_local_time() {
    let mut f = Fixture::new();
    let ny = tz("America/New_York");
    // Saturday 2026-11-07 23:00–24:00 local (peak), Sunday 2026-11-08 06:00–07:00
    // local (not: the window ends at 06:00).
    let sat = at(ny, "2026-11-07 23:00");
    let sun = at(ny, "2026-11-08 06:00");
    f.fill(sat, sat + 3600, 60, |_| (1, 10));
    f.fill(sun, sun + 3600, 60, |_| (3, 10));
    let mut q = query(
        "America/New_York",
        at(ny, "2026-11-07 00:00"),
        at(ny, "2026-11-09 00:00"),
    );
    q.peak = Window::new([Weekday::Sat, Weekday::Sun], "22:00-06:00").unwrap();
    let r = run(&f, &q);
    assert_eq!(r.peak.peak.available, Some(1.0));
    assert_eq!(r.peak.off_peak.available, Some(3.0));
    assert_eq!(r.by_hour[23].samples, 60);
    assert_eq!(r.heatmap[5].hours[23].samples, 60); // Saturday
    assert_eq!(r.heatmap[6].hours[6].samples, 60); // Sunday
}

/// One day of episodes (UTC, 15 s slots), each worked out by hand.
fn episode_fixture() -> (Fixture, i64) {
    let mut f = Fixture::new();
    let t = utc("2026-05-04 10:00");
    let m = |min: i64, sec: i64| t + min * 60 + sec;
    f.fill(m(0, 0), m(5, 0), 15, |_| (10, 40)); // healthy
    // Episode 1: 10:05:00 warning (3 of 40 = 7.5%) ×8, critical, unavailable, warning;
    // a failed poll at 10:07:45 ends it.
    f.fill(m(5, 0), m(7, 0), 15, |_| (3, 40));
    f.ok(m(7, 0), 1, 40);
    f.ok(m(7, 15), 0, 40);
    f.ok(m(7, 30), 3, 40);
    f.failed(m(7, 45));
    // Episode 2: 10:08:00 and 10:08:15, then nothing until 10:20: missing data, so it
    // ends at the last sample plus the spacing, 10:08:30.
    f.ok(m(8, 0), 3, 40);
    f.ok(m(8, 15), 3, 40);
    f.fill(m(20, 0), m(30, 0), 15, |_| (10, 40));
    f.ok(m(30, 0), 0, 0); // nobody logged in: not an episode
    // Episode 3: 11:00:00 four warning samples (2 of 30), recovered by a no_agents one.
    f.fill(m(60, 0), m(61, 0), 15, |_| (2, 30));
    f.ok(m(61, 0), 0, 0);
    // Episode 4: 11:59:00 to 12:00:45, eight critical samples, then the data ends.
    f.fill(m(119, 0), m(121, 0), 15, |_| (1, 50));
    (f, t)
}

#[test]
fn episodes_are_cut_by_failures_missing_data_and_recovery() {
    let (f, t) = episode_fixture();
    let day = utc("2026-05-04 00:00");
    let r = run(&f, &query("UTC", day, day + 86_400));
    let e = &r.episodes;
    let got: Vec<_> = e
        .list
        .iter()
        .map(|x| {
            (
                x.start.timestamp() - t,
                x.end.timestamp() - t,
                x.duration_seconds,
                x.samples,
                x.min_available,
                x.worst_state,
                x.ended_by,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                300,
                465,
                165,
                11,
                0,
                State::Unavailable,
                EpisodeEnd::Failure
            ),
            (480, 510, 30, 2, 3, State::Warning, EpisodeEnd::MissingData),
            (3600, 3660, 60, 4, 2, State::Warning, EpisodeEnd::Recovered),
            (
                7140,
                7260,
                120,
                8,
                1,
                State::Critical,
                EpisodeEnd::EndOfData
            ),
        ]
    );
    assert_eq!((e.total, e.total_seconds), (4, 165 + 30 + 60 + 120));
    assert_eq!(e.from.timestamp(), day);

    // A range ending at 12:00 cuts episode 4: the run goes on past the end.
    let r = run(&f, &query("UTC", day, utc("2026-05-04 12:00")));
    let last = r.episodes.list.last().unwrap();
    assert_eq!(last.start.timestamp() - t, 7140);
    assert_eq!(last.end.timestamp() - t, 7200);
    assert_eq!((last.samples, last.ended_by), (4, EpisodeEnd::RangeEnd));
}

#[test]
fn episodes_start_where_raw_samples_were_kept() {
    let (mut f, t) = episode_fixture();
    // Retention pruned everything before 10:06.
    f.store.prune_samples(t + 360, 1_000_000).unwrap();
    let day = utc("2026-05-04 00:00");
    let r = run(&f, &query("UTC", day, day + 86_400));
    assert_eq!(r.episodes.from.timestamp(), t + 360);
    let first = &r.episodes.list[0];
    // 10:06:00 … 10:07:30: four warning, critical, unavailable, warning.
    assert_eq!((first.start.timestamp() - t, first.samples), (360, 7));
    assert_eq!(r.episodes.total, 4);
    // Rollups are kept: the summary still counts every sample.
    assert_eq!(r.summary.samples, 20 + 8 + 3 + 2 + 40 + 1 + 4 + 1 + 8);
}

#[test]
fn episodes_list_the_most_recent_hundred() {
    let mut f = Fixture::new();
    let t = utc("2026-05-04 00:00");
    // 130 episodes: a warning sample then a healthy one, a minute apart each.
    for i in 0..130 {
        f.ok(t + i * 60, 3, 40);
        f.ok(t + i * 60 + 15, 20, 40);
    }
    let r = run(&f, &query("UTC", t, t + 86_400));
    assert_eq!(r.episodes.total, 130);
    assert_eq!(r.episodes.total_seconds, 130 * 15);
    assert_eq!(r.episodes.list.len(), 100);
    assert_eq!(r.episodes.list[0].start.timestamp(), t + 30 * 60);
    assert!(r.episodes.list.windows(2).all(|w| w[0].start < w[1].start));
}

/// Days 2026-05-04 (Mon) … 05-17: day i has 24 hourly samples of (10 + i) of 50,
/// except day 5, which has none.
fn ramp_fixture() -> (Fixture, i64) {
    let mut f = Fixture::new();
    let d0 = utc("2026-05-04 00:00");
    for i in 0..14 {
        if i == 5 {
            continue;
        }
        let day = d0 + i * 86_400;
        f.fill(day, day + 86_400, 3600, |_| (10 + i as u32, 50));
    }
    (f, d0)
}

#[test]
fn trend_slope_moving_average_and_week_over_week_of_a_ramp() {
    let (f, d0) = ramp_fixture();
    // The second week: days 7 … 13; the first is read for the averages and changes.
    let r = run(&f, &query("UTC", d0 + 7 * 86_400, d0 + 14 * 86_400));
    let days = &r.trend.days;
    assert_eq!(days.len(), 7);
    assert_eq!(days[0].date.to_string(), "2026-05-11");
    assert_eq!(days[0].start.to_rfc3339(), "2026-05-11T00:00:00+00:00");
    for (k, d) in days.iter().enumerate() {
        let i = 7 + k as i64;
        assert_eq!((d.samples, d.coverage), (24, Some(1.0)));
        assert_eq!(d.available, Some((10 + i) as f64));
        assert_eq!(d.logged_in, Some(50.0));
        assert!(close(d.utilization_pct.unwrap(), 80.0 - 2.0 * i as f64));
    }
    // Slope: available rises 1 a day, utilization falls 2 points a day.
    let s = r.trend.slope_per_day;
    assert!(close(s.available.unwrap(), 1.0));
    assert!(close(s.logged_in.unwrap(), 0.0));
    assert!(close(s.utilization_pct.unwrap(), -2.0));
    // Moving average of day 7 over days 1 … 7 without day 5: 11, 12, 13, 14, 16, 17.
    let ma = days[0].moving_avg_7d;
    assert!(close(ma.available.unwrap(), 83.0 / 6.0));
    // Day 13 over days 7 … 13: the mean of 17 … 23 is 20.
    assert!(close(days[6].moving_avg_7d.available.unwrap(), 20.0));
    // Week over week: +7 agents, −14 points; day 12's week-ago day (5) has no data.
    let wow = days[0].week_over_week;
    assert_eq!((wow.available, wow.logged_in), (Some(7.0), Some(0.0)));
    assert!(close(wow.utilization_pct.unwrap(), -14.0));
    assert_eq!(days[5].date.to_string(), "2026-05-16");
    assert_eq!(days[5].week_over_week.available, None);
    assert!(days[5].moving_avg_7d.available.is_some());
}

#[test]
fn trend_needs_two_days_for_a_slope() {
    let (f, d0) = ramp_fixture();
    let r = run(&f, &query("UTC", d0 + 7 * 86_400, d0 + 8 * 86_400));
    assert_eq!(r.trend.days.len(), 1);
    assert_eq!(r.trend.slope_per_day.available, None);
}

#[test]
fn trend_days_are_local_days_across_dst() {
    let mut f = Fixture::new();
    let ny = tz("America/New_York");
    let from = at(ny, "2026-10-31 00:00");
    let to = at(ny, "2026-11-03 00:00");
    f.fill(from, to, 900, |_| (5, 10));
    let r = run(&f, &query("America/New_York", from, to));
    let got: Vec<(String, u64)> = r
        .trend
        .days
        .iter()
        .map(|d| (d.start.to_rfc3339(), d.samples))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-10-31T00:00:00-04:00".to_owned(), 96),
            ("2026-11-01T00:00:00-04:00".to_owned(), 100),
            ("2026-11-02T00:00:00-05:00".to_owned(), 96),
        ]
    );
}

/// 2026-05-04 … 05-31 (the 4 weeks before Monday 06-01), a sample a minute at 10 of
/// 40, except on the Mondays' 00:00 and 01:00 hours.
fn forecast_fixture() -> (Fixture, i64) {
    let mut f = Fixture::new();
    let to = utc("2026-06-01 00:00");
    let monday = |k: i64| to - k * 7 * 86_400;
    let samples: Vec<Sample> = (to - 28 * 86_400..to)
        .step_by(60)
        .filter_map(|ts| {
            let counts = match (1..=4).find(|&k| (monday(k)..monday(k) + 7200).contains(&ts)) {
                // The 00:00 hour of weeks 1 … 3: (10, 40), (20, 40), (30, 60).
                Some(1) if ts < monday(1) + 3600 => (10, 40),
                Some(2) if ts < monday(2) + 3600 => (20, 40),
                Some(3) if ts < monday(3) + 3600 => (30, 60),
                // Week 4: the collector was down for most of 00:00 (20 of 60 slots)
                // and half of 01:00 (30 of 60, at 20 of 40).
                Some(4) if ts < monday(4) + 1200 => (99, 99),
                Some(4) if ts < monday(4) + 3600 => return None,
                Some(4) if ts < monday(4) + 5400 => (20, 40),
                Some(4) => return None,
                _ => (10, 40),
            };
            Some(Sample::ok(f.id, ts, counts.0, counts.1, None))
        })
        .collect();
    f.write(&samples);
    (f, to)
}

#[test]
fn forecast_averages_the_weeks_with_enough_coverage() {
    let (f, to) = forecast_fixture();
    let mut q = query("UTC", to - 86_400, to);
    q.horizon = 3;
    let r = run(&f, &q);
    let fc = &r.forecast;
    assert_eq!(fc.lookback_weeks, 4);
    // Nearly every hour has 60 rows; the median is 60.
    assert_eq!(fc.typical_slots_per_hour, Some(60.0));
    assert_eq!(fc.hours.len(), 3);
    let h0 = &fc.hours[0];
    assert_eq!(h0.start.to_rfc3339(), "2026-06-01T00:00:00+00:00");
    // Week 4 had 20 of 60 slots: excluded. Weeks 1 … 3: 10, 20, 30 of 40, 40, 60.
    assert_eq!(h0.weeks_used, 3);
    let a = h0.available.unwrap();
    assert_eq!((a.mean, a.low, a.high), (20.0, 10.0, 30.0));
    let l = h0.logged_in.unwrap();
    assert!(close(l.mean, 140.0 / 3.0));
    assert_eq!((l.low, l.high), (40.0, 60.0));
    // Utilization 75, 50, 50.
    let u = h0.utilization_pct.unwrap();
    assert!(close(u.mean, 175.0 / 3.0));
    assert_eq!((u.low, u.high), (50.0, 75.0));
    // 01:00: week 4 has exactly half its slots, so it counts: 10, 10, 10, 20.
    let h1 = &fc.hours[1];
    assert_eq!(h1.weeks_used, 4);
    assert_eq!(h1.available.unwrap().mean, 12.5);
    assert_eq!(fc.hours[2].weeks_used, 4);
    assert_eq!(fc.hours[2].available.unwrap().mean, 10.0);
}

#[test]
fn forecast_starts_at_the_first_whole_hour_after_the_range() {
    let (f, to) = forecast_fixture();
    let mut q = query("UTC", to - 86_400, to - 1800);
    q.horizon = 2;
    let r = run(&f, &q);
    // The range ends 23:30 (the report keeps the 15-minute grid), so the forecast
    // starts 00:00.
    assert_eq!(r.to.timestamp(), to - 1800);
    assert_eq!(r.forecast.hours[0].start.timestamp(), to);
    let empty = run(&Fixture::new(), &q);
    assert_eq!(empty.forecast.typical_slots_per_hour, None);
    assert!(
        empty
            .forecast
            .hours
            .iter()
            .all(|h| h.weeks_used == 0 && h.available.is_none())
    );
}

#[test]
fn comparison_against_the_week_before() {
    let mut f = Fixture::new();
    let mon = utc("2026-05-11 00:00");
    let week = 7 * 86_400;
    f.fill(mon - week, mon, 300, |_| (3, 30));
    f.fill(mon, mon + week, 300, |_| (6, 30));
    let r = run(&f, &query("UTC", mon, mon + week));
    let c = &r.comparison;
    assert_eq!(c.shift, "7d");
    assert_eq!(c.previous.from.timestamp(), mon - week);
    assert_eq!(c.previous.to.timestamp(), mon);
    assert_eq!(c.current, r.summary);
    assert_eq!(c.previous.samples, 2016);
    assert_eq!(c.change.samples, 0);
    assert_eq!(c.change.available_avg, Some(3.0));
    assert_eq!(c.change.logged_in_avg, Some(0.0));
    // 80% against 90% utilization.
    assert!(close(c.change.utilization_pct.unwrap(), -10.0));
    assert_eq!(c.change.available_p50, Some(3));
    assert_eq!(c.previous.state, Some(State::Monitor));
    assert_eq!(c.current.state, Some(State::Monitor));
}

#[test]
fn downtime_in_the_summary() {
    let mut f = Fixture::new();
    let t = utc("2026-05-04 10:00");
    let r1 = f.store.begin_run(t, 1, "test").unwrap().id;
    f.fill(t, t + 3600, 60, |_| (5, 10));
    f.store.end_run(r1, t + 3600).unwrap();
    let r2 = f.store.begin_run(t + 3 * 3600, 2, "test").unwrap().id;
    f.store.heartbeat(r2, t + 4 * 3600 - 30).unwrap();
    let r = run(&f, &query("UTC", t - 3600, t + 4 * 3600));
    assert_eq!(r.summary.downtime_seconds, 2 * 3600);
}

#[test]
fn a_collector_silent_past_the_stale_limit_is_down_from_its_last_heartbeat_to_now() {
    let mut f = Fixture::new();
    let t = utc("2026-05-04 10:00");
    // A run that heartbeat until 11:00 and then died without a stop (kill -9), with
    // nothing started since.
    let r1 = f.store.begin_run(t, 1, "test").unwrap().id;
    f.fill(t, t + 3600, 60, |_| (5, 10));
    f.store.heartbeat(r1, t + 3600).unwrap();
    let asked = |now: i64| {
        let q = ReportQuery {
            now,
            ..query("UTC", t, t + 4 * 3600)
        };
        run(&f, &q).summary.downtime_seconds
    };
    // Silent for no more than the limit: it may be alive, so no downtime.
    assert_eq!(asked(t + 3600 + RUN_STALE_AFTER_SECS), 0);
    // Past it: down since 11:00, counted up to now (12:30) and not after.
    assert_eq!(asked(t + 5400), 1800);
    // Asked after the range: down from 11:00 to the range's end at 14:00.
    assert_eq!(asked(t + 10 * 3600), 3 * 3600);
}

/// A collector that ran 14:00–15:26:21 on 2026-05-11 and, a week earlier, 14:00–15:26:21
/// on 2026-05-04, asked about the last hour at 15:26:40: `now`.
fn stopped_before_now() -> (Fixture, i64) {
    let mut f = Fixture::new();
    let today = utc("2026-05-11 14:00");
    for start in [today - 7 * 86_400, today] {
        let stop = start + 3600 + 26 * 60 + 21;
        let run = f.store.begin_run(start, 1, "test").unwrap().id;
        f.fill(start, stop, 15, |_| (5, 10));
        f.store.end_run(run, stop).unwrap();
    }
    (f, utc("2026-05-11 15:26") + 40)
}

#[test]
fn downtime_after_a_stopped_run_ends_at_the_requested_now_not_the_snapped_end() {
    let (f, now) = stopped_before_now();
    let q = Params::from_pairs([("from", "now-1h"), ("to", "now"), ("tz", "UTC")])
        .unwrap()
        .report(&common::settings("UTC"), now)
        .unwrap();
    let r = run(&f, &q);
    // The range is shown snapped to whole quarter hours, 14:15 to 15:30...
    assert_eq!(r.to.timestamp(), utc("2026-05-11 15:30"));
    // ...but the collector has been down for 19 s (15:26:21 to 15:26:40), not the
    // 3m39s to 15:30, which has not happened yet.
    assert_eq!(r.summary.downtime_seconds, 19);
    // The week before is cut at the same instant: 15:26:21 to 15:26:40 again.
    assert_eq!(r.comparison.previous.downtime_seconds, 19);
    assert_eq!(r.comparison.change.downtime_seconds, 0);
}

#[test]
fn an_absolute_end_inside_a_quarter_hour_bounds_the_downtime() {
    let (f, _) = stopped_before_now();
    let q = query("UTC", utc("2026-05-11 15:00"), utc("2026-05-11 15:28"));
    // 15:26:21 to 15:28, the requested end: 99 s.
    assert_eq!(run(&f, &q).summary.downtime_seconds, 99);
}

#[test]
fn report_json_shape_and_params_round_trip() {
    let (f, day) = peak_fixture();
    let now = day + 86_400;
    let q = Params::from_pairs([("from", "2026-05-04"), ("to", "now"), ("tz", "UTC")])
        .unwrap()
        .report(&common::settings("UTC"), now)
        .unwrap();
    let r = run(&f, &q);
    let v = serde_json::to_value(&r).unwrap();
    for key in [
        "target",
        "tz",
        "from",
        "to",
        "thresholds",
        "summary",
        "peak",
        "by_hour",
        "heatmap",
        "states",
        "episodes",
        "trend",
        "comparison",
        "forecast",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(v["from"], "2026-05-04T00:00:00Z");
    assert_eq!(v["thresholds"]["healthy"], 20);
    assert_eq!(v["summary"]["available_percentiles"]["p95"], 12);
    assert_eq!(v["peak"]["busiest_hour"]["hour"], 11);
    assert_eq!(v["states"]["monitor"]["count"], 60);
    assert_eq!(v["heatmap"][0]["weekday"], "mon");
    assert_eq!(v["comparison"]["shift"], "7d");
    assert_eq!(v["forecast"]["hours"].as_array().unwrap().len(), 24);
    assert_eq!(v["episodes"]["list"], serde_json::json!([]));
}

#[test]
fn single_sections_equal_those_of_the_full_report() {
    let ny = "America/New_York";
    let (f, to) = forecast_fixture();
    let mut q = query(ny, to - 10 * 86_400 + 1234, to - 777);
    q.horizon = 30;
    let r = run(&f, &q);
    let p = report_profile(&f.store, f.target(), &q).unwrap();
    assert_eq!(
        (p.peak, p.by_hour, p.heatmap),
        (r.peak, r.by_hour, r.heatmap)
    );
    assert_eq!(report_trend(&f.store, f.target(), &q).unwrap(), r.trend);
    assert_eq!(
        report_forecast(&f.store, f.target(), &q).unwrap(),
        r.forecast
    );
    assert_eq!(r.trend.days.len(), 11);
    assert_eq!(r.forecast.hours.len(), 30);
}
