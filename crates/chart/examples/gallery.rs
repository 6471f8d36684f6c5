//! Writes every chart kind in both themes at 1000×500 and 400×200 (PNG, and SVG at
//! 1000×500) from four weeks of simulated history to a folder, for looking at, with
//! odd sizes, dashboard sparklines (360×140, with and without legend) and a target
//! whose last day has one hour and whose nights have nobody logged in:
//! `cargo run -p headcount-chart --example gallery [DIR]` (default /tmp/charts).

mod common;

use headcount_chart::{Format, Kind, Options, Theme, render_from_store};
use headcount_query::Step;
use headcount_store::{Sample, Store, TargetId};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/charts".to_owned());
    std::fs::create_dir_all(&dir).unwrap();
    let (mut store, id) = common::store(29, 60);
    let target = common::target(id);
    let empty_id = store.ensure_target("empty", "{}", 0).unwrap();
    let empty = headcount_query::SeriesRef {
        id: empty_id,
        name: "empty",
    };
    let (quiet_id, quiet_end) = add_quiet(&mut store);
    let quiet = headcount_query::SeriesRef {
        id: quiet_id,
        name: "quiet",
    };
    let quiet_range = (
        headcount_query::SeriesQuery {
            to: quiet_end,
            ..common::series_query(7, Step::Auto)
        },
        headcount_query::ReportQuery {
            to: quiet_end,
            ..common::report_query(14)
        },
    );
    let week = (common::series_query(7, Step::Auto), common::report_query(5));
    let hour = headcount_query::SeriesQuery {
        from: common::NOW - 3600,
        ..common::series_query(1, Step::Min1)
    };
    let quarter = common::series_query(90, Step::Day);
    let no_forecast = headcount_query::ReportQuery {
        horizon: 0,
        ..common::report_query(14)
    };
    let week_ahead = headcount_query::ReportQuery {
        horizon: 168,
        ..common::report_query(3)
    };
    let extra = [
        ("empty", empty, Kind::Timeline, (1000, 500), &week),
        ("empty", empty, Kind::Heatmap, (400, 200), &week),
        ("5d", target, Kind::Heatmap, (1000, 500), &week),
        ("5d", target, Kind::Trend, (1000, 500), &week),
        ("5d", target, Kind::Peak, (400, 200), &week),
        ("big", target, Kind::Timeline, (2000, 1000), &week),
        ("big", target, Kind::Peak, (2000, 1000), &week),
        ("tiny", target, Kind::Timeline, (200, 100), &week),
        ("tiny", target, Kind::Peak, (200, 100), &week),
        ("tiny", target, Kind::Trend, (200, 100), &week),
        ("wide", target, Kind::Heatmap, (1600, 300), &week),
        ("tall", target, Kind::Utilization, (400, 800), &week),
        ("1h", target, Kind::Timeline, (1000, 500), &(hour, week.1)),
        (
            "90d",
            target,
            Kind::Timeline,
            (1000, 500),
            &(quarter, week.1),
        ),
        (
            "no-forecast",
            target,
            Kind::Trend,
            (1000, 500),
            &(week.0, no_forecast),
        ),
        (
            "week-ahead",
            target,
            Kind::Trend,
            (1000, 500),
            &(week.0, week_ahead),
        ),
    ];
    let extra = extra.into_iter().chain([
        ("quiet", quiet, Kind::Trend, (1000, 500), &quiet_range),
        ("quiet", quiet, Kind::Trend, (400, 200), &quiet_range),
        ("quiet", quiet, Kind::Peak, (1000, 500), &quiet_range),
        ("quiet", quiet, Kind::Peak, (400, 200), &quiet_range),
        ("quiet", quiet, Kind::Peak, (200, 100), &quiet_range),
        ("quiet", quiet, Kind::Heatmap, (1000, 500), &quiet_range),
        ("quiet", quiet, Kind::Utilization, (1000, 500), &quiet_range),
        ("spark", target, Kind::Timeline, (360, 140), &week),
        ("spark", target, Kind::Utilization, (360, 140), &week),
        ("spark", target, Kind::Trend, (360, 140), &week),
        ("huge", target, Kind::Trend, (4000, 4000), &week),
    ]);
    let mut files = Vec::new();
    for (name, t, kind, (w, h), (sq, rq)) in extra {
        for (theme, legend) in [
            (Theme::Light, true),
            (Theme::Dark, true),
            (Theme::Light, false),
        ] {
            if !legend && name != "spark" {
                continue;
            }
            let opts = Options {
                width: w,
                height: h,
                theme,
                format: Format::Png,
                legend,
            };
            let bytes = render_from_store(&store, t, kind, sq, rq, &opts).unwrap();
            let nolegend = if legend { "" } else { "-nolegend" };
            let path = format!("{dir}/{kind}-{name}-{theme}-{w}x{h}{nolegend}.png");
            std::fs::write(&path, bytes).unwrap();
            files.push(path);
        }
        // An SVG of each in the light theme, to check it against the PNG.
        if w <= 1000 {
            let opts = Options {
                width: w,
                height: h,
                ..Options::new(Format::Svg)
            };
            let bytes = render_from_store(&store, t, kind, sq, rq, &opts).unwrap();
            let path = format!("{dir}/{kind}-{name}-light-{w}x{h}.svg");
            std::fs::write(&path, bytes).unwrap();
            files.push(path);
        }
    }
    let cases = [
        (
            "",
            common::series_query(7, Step::Auto),
            common::report_query(28),
        ),
        (
            "-30d",
            common::series_query(30, Step::Hour),
            common::report_query(28),
        ),
        (
            "-1d",
            common::series_query(1, Step::Auto),
            common::report_query(7),
        ),
    ];
    for (suffix, sq, rq) in &cases {
        for kind in Kind::ALL {
            if !suffix.is_empty() && !matches!(kind, Kind::Timeline | Kind::Utilization) {
                continue;
            }
            for theme in [Theme::Light, Theme::Dark] {
                for (w, h) in [(1000, 500), (400, 200)] {
                    for format in [Format::Png, Format::Svg] {
                        if format == Format::Svg && w != 1000 {
                            continue;
                        }
                        let opts = Options {
                            width: w,
                            height: h,
                            theme,
                            format,
                            legend: true,
                        };
                        let bytes = render_from_store(&store, target, kind, sq, rq, &opts).unwrap();
                        let path = format!(
                            "{dir}/{kind}{suffix}-{theme}-{w}x{h}.{}",
                            format.extension()
                        );
                        std::fs::write(&path, bytes).unwrap();
                        files.push(path);
                    }
                }
            }
        }
    }
    for path in &files {
        println!("{path}");
    }
}

/// Adds target "quiet" to `store`: 20 days up to 01:00 local on the day of [`common::NOW`]
/// (its last day has one hour), polled every 5 minutes, nobody logged in from 02:00
/// to 05:00. Returns its id and the end of its data.
fn add_quiet(store: &mut Store) -> (TargetId, i64) {
    let id = store.ensure_target("quiet", "{}", 0).unwrap();
    let end = common::NOW - 13 * 3600;
    let samples: Vec<Sample> = (0..)
        .map(|i| end - 20 * common::DAY + i * 300)
        .take_while(|&ts| ts < end)
        .map(|ts| {
            let hour = (ts - 5 * 3600).rem_euclid(common::DAY) / 3600;
            let (available, logged_in) = match hour {
                2..=4 => (0, 0),
                8..=17 => (4 + (hour as u32 % 5), 30 + (hour as u32 % 7)),
                _ => (6, 12),
            };
            Sample::ok(id, ts, available, logged_in, Some(30))
        })
        .collect();
    store.write_batch(&samples).unwrap();
    (id, end)
}
