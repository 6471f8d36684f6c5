//! Measures the quality bar "1000×500 PNG of a 30-day hourly timeline ≤ 20 ms":
//! render and encode, median of many runs. Run in release:
//! `cargo run --release -p headcount-chart --example bench [RUNS]`.

mod common;

use std::time::{Duration, Instant};

use headcount_chart::{ChartData, Format, Kind, Options, Theme, render, render_from_store};
use headcount_query::Step;

fn measure(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, Duration, Duration, usize) {
    let mut times = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let t = Instant::now();
        bytes = f();
        times.push(t.elapsed());
    }
    times.sort_unstable();
    (times[0], times[runs / 2], times[runs * 9 / 10], bytes)
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let (store, id) = common::store(31, 60);
    let target = common::target(id);
    let sq = common::series_query(30, Step::Hour);
    let rq = common::report_query(28);
    let series = headcount_query::series(&store, target, &sq).unwrap();
    println!(
        "30-day hourly timeline: {} points, {} runs each",
        series.points.len(),
        runs
    );
    let data = ChartData {
        target: "sales",
        thresholds: &sq.thresholds,
        series: Some(&series),
        profile: None,
        trend: None,
        forecast: None,
        range: None,
    };
    for (name, format) in [("png", Format::Png), ("svg", Format::Svg)] {
        for theme in [Theme::Light, Theme::Dark] {
            let opts = Options {
                theme,
                ..Options::new(format)
            };
            let (min, med, p90, bytes) =
                measure(runs, || render(Kind::Timeline, &data, &opts).unwrap().len());
            println!(
                "timeline 1000x500 {name} {theme}: render+encode median {:.2} ms (min {:.2}, p90 {:.2}), {bytes} bytes",
                ms(med),
                ms(min),
                ms(p90)
            );
        }
    }
    for kind in Kind::ALL {
        let opts = Options::default();
        let (_, med, _, _) = measure(runs / 4 + 1, || {
            render_from_store(&store, target, kind, &sq, &rq, &opts)
                .unwrap()
                .len()
        });
        println!(
            "{kind} 1000x500 png from the store (query included): median {:.2} ms",
            ms(med)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
