//! Bench section `planner`: a 90-day SLA report of one target (bar 20 ms), and a
//! 30-day series of 12 targets side by side (bar 50 ms), over the shared history.
//!
//! The history holds two targets, `sales` and `noisy`; the comparison takes each six
//! times, as twelve series of that size. Medians of several runs after a warm-up, as
//! in the `query` section.

use chrono_tz::Tz;
use headcount_config::{Period, SlaCondition, SlaConfig, Unknown, Window};
use headcount_query::{
    Measure, SeriesQuery, SeriesRef, Settings, SlaQuery, Step, Thresholds, compare, sla_report,
};
use headcount_store::Reader;

use super::{Bar, Bench, Figure, median, ms};

/// The zone of SLA hours and buckets, across DST as in the `query` section.
const TZ: Tz = chrono_tz::America::New_York;

const RUNS: usize = 15;

/// Times the SLA report and the comparison.
pub fn run(bench: &mut Bench) -> anyhow::Result<Vec<Figure>> {
    let scope = bench.scope;
    let db = bench.database()?;
    let reader = Reader::open(&db.path)?;
    let sales = SeriesRef {
        id: db.target,
        name: "sales",
    };
    let noisy = SeriesRef {
        id: db.noisy,
        name: "noisy",
    };
    let days = i64::from(scope.days);
    let mut figures = Vec::new();

    let sla = SlaConfig {
        name: "staffed".into(),
        target: "sales".into(),
        condition: SlaCondition::parse("available >= 10")
            .map_err(|e| anyhow::anyhow!("condition: {e}"))?,
        hours: Window::default(),
        objective: 95.0,
        period: Period::Week,
        unknown: Unknown::Excluded,
        line: 1,
    };
    let settings = Settings::with_tz(TZ);
    let sla_days = days.min(90);
    let q = SlaQuery {
        from: db.to - sla_days * 86_400,
        to: db.to,
        period: Period::Week,
        now: db.to,
    };
    let (took, report) = median(RUNS, || sla_report(&reader, sales, &sla, &settings, &q))?;
    let met: f64 = report.periods.iter().map(|p| p.met_seconds).sum();
    anyhow::ensure!(met > 0.0, "sla report: no time met; the history is missing");
    figures.push(Figure::with_bar(
        format!(
            "{sla_days}-day SLA report, {} weeks, Mon–Fri 09:00–17:00 in {TZ}",
            report.periods.len()
        ),
        ms(took),
        "ms",
        Bar::AtMost(20.0),
    ));

    let cmp_days = days.min(30);
    let sq = SeriesQuery {
        from: db.to - cmp_days * 86_400,
        to: db.to,
        tz: TZ,
        step: Step::Auto,
        thresholds: Thresholds::default(),
        now: db.to,
    };
    let targets: Vec<SeriesRef<'_>> = (0..12)
        .map(|i| if i % 2 == 0 { sales } else { noisy })
        .collect();
    let (took, c) = median(RUNS, || compare(&reader, &targets, Measure::Available, &sq))?;
    anyhow::ensure!(
        c.lines.len() == 12 && c.lines[0].values.iter().any(Option::is_some),
        "compare: {} lines, the first without values",
        c.lines.len()
    );
    figures.push(Figure::with_bar(
        format!(
            "{cmp_days}-day series of 12 targets side by side, {} buckets of {}",
            c.starts.len(),
            c.step
        ),
        ms(took),
        "ms",
        Bar::AtMost(50.0),
    ));
    Ok(figures)
}
