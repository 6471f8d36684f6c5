//! Writes every chart kind in both themes at 1000×500 and 400×200 (PNG, and SVG at
//! 1000×500) from four weeks of simulated history to a folder, for looking at:
//! `cargo run -p headcount-chart --example gallery [DIR]` (default /tmp/charts).

mod common;

use headcount_chart::{Format, Kind, Options, Theme, render_from_store};
use headcount_query::Step;

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
    for (name, t, kind, (w, h), (sq, rq)) in extra {
        for theme in [Theme::Light, Theme::Dark] {
            let opts = Options {
                width: w,
                height: h,
                theme,
                format: Format::Png,
            };
            let bytes = render_from_store(&store, t, kind, sq, rq, &opts).unwrap();
            let path = format!("{dir}/{kind}-{name}-{theme}-{w}x{h}.png");
            std::fs::write(&path, bytes).unwrap();
            println!("{path}");
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
                        };
                        let bytes = render_from_store(&store, target, kind, sq, rq, &opts).unwrap();
                        let path = format!(
                            "{dir}/{kind}{suffix}-{theme}-{w}x{h}.{}",
                            format.extension()
                        );
                        std::fs::write(&path, bytes).unwrap();
                        println!("{path}");
                    }
                }
            }
        }
    }
}
