//! Bench section `query`: the daily trend and the report over the ingested history,
//! each beside a plain SQL `GROUP BY` over the raw samples, and the report of the noisy
//! target (available drawn afresh every sample: states flip every few samples, so
//! episodes are many and short) under the same bar.
//!
//! Reads through a read-only [`Reader`], as the web server does, after the writer has
//! closed. Each figure is the median of several runs after one that warms SQLite's
//! page cache, as a server's earlier requests would.

use chrono_tz::Tz;
use headcount_query::{ReportQuery, SeriesQuery, SeriesRef, Span, Step, Thresholds, Window};
use headcount_store::{BaselineReads, Reader};

use super::{Bar, Bench, Figure, median, ms};

/// The report zone: local days across DST, as a center in New York sees them.
const TZ: Tz = chrono_tz::America::New_York;

/// Runs of the queries under test, and of the slower plain SQL.
const RUNS: usize = 15;
const BASELINE_RUNS: usize = 5;

/// Days of the report, at most.
const REPORT_DAYS: i64 = 90;

/// Times the trend and the report and their baselines.
pub fn run(bench: &mut Bench) -> anyhow::Result<Vec<Figure>> {
    let scope = bench.scope;
    let db = bench.database()?;
    let reader = Reader::open(&db.path)?;
    let target = SeriesRef {
        id: db.target,
        name: "sales",
    };
    let samples = scope.samples();
    let days = i64::from(scope.days);
    let mut figures = Vec::new();

    // The whole history as a `1d` series: what the trend chart and `?step=1d` read.
    let q = SeriesQuery {
        from: db.from,
        to: db.to,
        tz: TZ,
        step: Step::Day,
        thresholds: Thresholds::default(),
        now: db.to,
    };
    let (ours, series) = median(RUNS, || headcount_query::series(&reader, target, &q))?;
    let (plain, by_day) = median(BASELINE_RUNS, || {
        reader.baseline_daily_means(db.target, db.from, db.to)
    })?;
    // Both must have read every sample, or the comparison means nothing.
    let counted: u64 = series.points.iter().map(|p| p.samples).sum();
    let counted_plain: u64 = by_day.iter().map(|d| d.samples).sum();
    anyhow::ensure!(
        counted == samples && counted_plain == samples,
        "daily trend: {counted} samples by the series, {counted_plain} by plain SQL, of {samples}"
    );
    figures.extend([
        Figure::with_bar(
            format!(
                "{days}-day daily trend: 1d series in {TZ}, {} days",
                series.points.len()
            ),
            ms(ours),
            "ms",
            Bar::AtMost(20.0),
        ),
        Figure::info(
            "  the same by plain SQL: GROUP BY UTC day over raw samples",
            ms(plain),
            "ms",
        ),
        Figure::with_bar(
            "  speed-up over the plain SQL",
            plain.as_secs_f64() / ours.as_secs_f64(),
            "x",
            Bar::AtLeast(20.0),
        ),
    ]);

    // Every section of the report over the last 90 days (all of them with --quick).
    let report_days = REPORT_DAYS.min(days);
    let q = ReportQuery {
        from: db.to - report_days * 86_400,
        to: db.to,
        tz: TZ,
        compare: Span::DEFAULT_COMPARE,
        horizon: 24,
        peak: Window::default(),
        thresholds: Thresholds::default(),
        now: db.to,
    };
    let (ours, report) = median(RUNS, || headcount_query::report(&reader, target, &q))?;
    let noisy = SeriesRef {
        id: db.noisy,
        name: "noisy",
    };
    let (wild, noisy_report) = median(RUNS, || headcount_query::report(&reader, noisy, &q))?;
    // The plain way to the report's core numbers: means per day (from the week before
    // the range, as the trend's moving average needs) and per hour of the day. Far
    // less than the report computes (no percentiles, states, episodes, comparison or
    // forecast), so the speed-up understates the difference.
    let (plain, _) = median(BASELINE_RUNS, || {
        let days = reader.baseline_daily_means(db.target, q.from - 7 * 86_400, q.to)?;
        let hours = reader.baseline_hourly_means(db.target, q.from, q.to)?;
        Ok::<_, headcount_store::Error>((days, hours))
    })?;
    let in_range = u64::try_from(report_days * 86_400 / scope.step).unwrap_or(0);
    for (name, r) in [("report", &report), ("noisy report", &noisy_report)] {
        anyhow::ensure!(
            r.summary.samples == in_range,
            "{name}: {} samples, expected {in_range}",
            r.summary.samples
        );
    }
    figures.extend([
        Figure::with_bar(
            format!(
                "{report_days}-day report, all sections ({} episodes)",
                crate::fmt::count(report.episodes.total)
            ),
            ms(ours),
            "ms",
            Bar::AtMost(50.0),
        ),
        Figure::info(
            "  plain SQL: GROUP BY day, and by hour of day, over raw samples",
            ms(plain),
            "ms",
        ),
        Figure::info(
            "  speed-up over the plain SQL",
            plain.as_secs_f64() / ours.as_secs_f64(),
            "x",
        ),
        Figure::with_bar(
            format!(
                "{report_days}-day report of the noisy target, all sections ({} episodes)",
                crate::fmt::count(noisy_report.episodes.total)
            ),
            ms(wild),
            "ms",
            Bar::AtMost(50.0),
        ),
    ]);
    Ok(figures)
}
