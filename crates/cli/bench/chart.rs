//! Bench section `chart`: a 1000×500 PNG of a 30-day hourly timeline from the ingested
//! history — drawn and encoded from a series already read, and the whole path the web
//! server and `headcount chart` take (query included).
//!
//! Each figure is the median of many runs, after one run that warms SQLite's page
//! cache and the font's glyph cache, as a server's earlier requests would.

use chrono_tz::Tz;
use headcount_chart::{ChartData, Format, Kind, Options};
use headcount_query::{ReportQuery, SeriesQuery, SeriesRef, Span, Step, Thresholds, Window};
use headcount_store::Reader;

use super::{Bar, Bench, Figure, median, ms};

/// The chart's zone, as in the `query` section.
const TZ: Tz = chrono_tz::America::New_York;

/// Days of the timeline.
const DAYS: i64 = 30;

/// Runs of each measurement.
const RUNS: usize = 60;

/// Times the timeline chart, alone and with its query.
pub fn run(bench: &mut Bench) -> anyhow::Result<Vec<Figure>> {
    let db = bench.database()?;
    let reader = Reader::open(&db.path)?;
    let target = SeriesRef {
        id: db.target,
        name: "sales",
    };
    let thresholds = Thresholds::default();
    let sq = SeriesQuery {
        from: db.to - DAYS * 86_400,
        to: db.to,
        tz: TZ,
        step: Step::Hour,
        thresholds,
        now: db.to,
    };
    // Not read by a timeline; `render_from_store` takes it for the other kinds.
    let rq = ReportQuery {
        from: sq.from,
        to: sq.to,
        tz: TZ,
        compare: Span::DEFAULT_COMPARE,
        horizon: 24,
        peak: Window::default(),
        thresholds,
        now: db.to,
    };
    let series = headcount_query::series(&reader, target, &sq)?;
    let data = ChartData {
        target: target.name,
        thresholds: &thresholds,
        series: Some(&series),
        alerts: &[],
        profile: None,
        trend: None,
        forecast: None,
        range: None,
    };
    let png = Options::new(Format::Png);
    let svg = Options::new(Format::Svg);

    let (drawn, bytes) = median(RUNS, || {
        headcount_chart::render(Kind::Timeline, &data, &png)
    })?;
    anyhow::ensure!(
        png_size(&bytes) == Some((png.width, png.height)),
        "timeline: not a {}×{} PNG",
        png.width,
        png.height
    );
    let (with_query, again) = median(RUNS, || {
        headcount_chart::render_from_store(&reader, target, Kind::Timeline, &sq, &rq, &png)
    })?;
    anyhow::ensure!(
        again == bytes,
        "timeline: the store's path drew another picture"
    );
    let (drawn_svg, svg_bytes) = median(RUNS, || {
        headcount_chart::render(Kind::Timeline, &data, &svg)
    })?;

    Ok(vec![
        Figure::with_bar(
            format!(
                "{DAYS}-day hourly timeline, 1000×500 PNG: draw + encode ({} points, {} KB)",
                series.points.len(),
                bytes.len() / 1024
            ),
            ms(drawn),
            "ms",
            Bar::AtMost(20.0),
        ),
        Figure::info(
            "  the same through render_from_store, query included",
            ms(with_query),
            "ms",
        ),
        Figure::info(
            format!("  the same as SVG: draw ({} KB)", svg_bytes.len() / 1024),
            ms(drawn_svg),
            "ms",
        ),
    ])
}

/// Width and height from a PNG's header (the IHDR chunk comes first).
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let be = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    (bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR"))
        .then(|| Some((be(16)?, be(20)?)))
        .flatten()
}
