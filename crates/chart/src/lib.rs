//! PNG and SVG charts of stored availability history, drawn with plotters: what
//! capacity planners put in slides, e-mail and print, and what the dashboard shows.
//!
//! [`render`] draws one [`Kind`] of chart from the query crate's output
//! ([`ChartData`]); [`render_from_store`] fetches exactly what that kind needs through
//! the query crate and draws it, the one path shared by the web server and
//! `headcount chart`. Text is DejaVu Sans from the `dejavu` crate, rasterised by
//! plotters' `ab_glyph` renderer: no system font or fontconfig is needed. PNGs are
//! drawn into an RGB buffer and encoded with fast compression; SVGs name fallback
//! fonts so they read the same where DejaVu is not installed. Sizes are clamped to
//! [`Options::MIN_WIDTH`] × [`Options::MIN_HEIGHT`] through [`Options::MAX_SIDE`];
//! fonts and lines scale with the picture, and small pictures leave out what would
//! not fit (subtitles, axis descriptions, minor legend entries) rather than overlap.
//! A range without data draws "no data in this range".
//!
//! The charts:
//! - **timeline**: mean available and logged in per bucket as lines over their
//!   min–max bands; buckets without ok samples break the lines, buckets where every
//!   poll failed and recorder downtime are shaded.
//! - **utilization**: utilization per bucket over the state bands derived from the
//!   thresholds (healthy, monitor, warning, critical).
//! - **heatmap**: mean utilization by weekday and local hour, on a pale-yellow to
//!   deep-red scale; cells without data hatched.
//! - **peak**: mean available and logged in at peak and off-peak, their utilization,
//!   and the share of time in each state; the busiest and quietest hours.
//! - **trend**: daily means with their 7-day moving averages, then the hourly forecast
//!   with its low–high band after a marker at the range's end.
//!
//! State colours are the same everywhere: healthy green, monitor amber, warning
//! orange, critical red, unavailable dark red, no agents grey.
//!
//! Layout:
//! - `options`: [`Kind`], [`Part`], [`Format`], [`Theme`], [`Options`] — what is
//!   asked for, with names, content types and size limits.
//! - `canvas`: backends (PNG buffer and encoding, SVG), the font, sizes that scale
//!   with the picture, the header and legend, "no data".
//! - `svg`: the SVG backend with text sized and placed as in the PNG, and fallback
//!   fonts.
//! - `theme`: the light and dark palettes, state colours, the heatmap ramp.
//! - `axis`: time ticks at round local times, value ticks, range text.
//! - `plot`: a plot frame with axes and grid; lines and bands with gaps as breaks.
//! - `series`: the timeline and utilization charts.
//! - `heatmap`, `peak`, `trend`: the other charts.
//!
//! `examples/gallery.rs` writes every chart, in both themes and several sizes, from
//! weeks of simulated history to `/tmp/charts` for looking at; `examples/bench.rs`
//! measures the quality bar (a 1000 × 500 PNG of a 30-day hourly timeline in at most
//! 20 ms) in release.

mod axis;
mod canvas;
mod heatmap;
mod options;
mod peak;
mod plot;
mod series;
mod svg;
mod theme;
mod trend;

use headcount_query::{
    Forecast, Profile, ReportQuery, Series, SeriesQuery, SeriesRef, Thresholds, Trend,
};
use headcount_store::Reads;

pub use options::{Format, Kind, Options, Part, Theme, UnknownName};

/// The data a chart is drawn from; which parts a kind needs is [`Kind::needs`].
#[derive(Debug, Clone, Copy)]
pub struct ChartData<'a> {
    /// Target name, for the title.
    pub target: &'a str,
    /// Thresholds, for the utilization bands.
    pub thresholds: &'a Thresholds,
    /// Timeline and utilization.
    pub series: Option<&'a Series>,
    /// Heatmap and peak.
    pub profile: Option<&'a Profile>,
    /// Trend.
    pub trend: Option<&'a Trend>,
    /// Trend's forecast.
    pub forecast: Option<&'a Forecast>,
}

/// The crate's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The chart's data was not supplied.
    #[error("chart: {kind} needs {what}")]
    MissingData {
        /// The chart kind.
        kind: &'static str,
        /// What was missing.
        what: &'static str,
    },
    /// Reading the data failed.
    #[error(transparent)]
    Query(#[from] headcount_query::Error),
    /// Drawing or encoding failed.
    #[error("chart: {0}")]
    Draw(String),
}

/// Draws `kind` from `data`, at `opts`' size clamped as [`Options::clamped`] says.
///
/// # Errors
/// [`Error::MissingData`] when a part of `data` the kind needs ([`Kind::needs`]) is
/// `None`; [`Error::Draw`] when drawing or encoding fails.
pub fn render(kind: Kind, data: &ChartData<'_>, opts: &Options) -> Result<Vec<u8>, Error> {
    let missing = |what: Part| Error::MissingData {
        kind: kind.as_str(),
        what: what.as_str(),
    };
    let target = data.target;
    match kind {
        Kind::Timeline => {
            let series = data.series.ok_or_else(|| missing(Part::Series))?;
            canvas::render(opts, &series::Timeline { target, series })
        }
        Kind::Utilization => {
            let series = data.series.ok_or_else(|| missing(Part::Series))?;
            let chart = series::Utilization {
                target,
                series,
                thresholds: data.thresholds,
            };
            canvas::render(opts, &chart)
        }
        Kind::Heatmap => {
            let profile = data.profile.ok_or_else(|| missing(Part::Profile))?;
            canvas::render(opts, &heatmap::Heatmap { target, profile })
        }
        Kind::Peak => {
            let profile = data.profile.ok_or_else(|| missing(Part::Profile))?;
            canvas::render(opts, &peak::PeakChart { target, profile })
        }
        Kind::Trend => {
            let trend = data.trend.ok_or_else(|| missing(Part::Trend))?;
            let forecast = data.forecast.ok_or_else(|| missing(Part::Forecast))?;
            let chart = trend::TrendChart {
                target,
                trend,
                forecast,
            };
            canvas::render(opts, &chart)
        }
    }
}

/// Reads what `kind` needs through the query crate and draws it: the one path shared by
/// the web server and `headcount chart`, so both give the same picture.
///
/// Timeline and utilization read [`headcount_query::series`] with `series` (and its
/// thresholds); heatmap and peak [`headcount_query::report_profile`], trend
/// [`headcount_query::report_trend`] and [`headcount_query::report_forecast`], each
/// with `report` (and its thresholds). Nothing else is read.
///
/// # Errors
/// Query errors (bad ranges, too many buckets) and drawing errors.
pub fn render_from_store(
    reads: &impl Reads,
    target: SeriesRef<'_>,
    kind: Kind,
    series: &SeriesQuery,
    report: &ReportQuery,
    opts: &Options,
) -> Result<Vec<u8>, Error> {
    let base = ChartData {
        target: target.name,
        thresholds: &report.thresholds,
        series: None,
        profile: None,
        trend: None,
        forecast: None,
    };
    match kind {
        Kind::Timeline | Kind::Utilization => {
            let s = headcount_query::series(reads, target, series)?;
            let data = ChartData {
                thresholds: &series.thresholds,
                series: Some(&s),
                ..base
            };
            render(kind, &data, opts)
        }
        Kind::Heatmap | Kind::Peak => {
            let p = headcount_query::report_profile(reads, target, report)?;
            render(
                kind,
                &ChartData {
                    profile: Some(&p),
                    ..base
                },
                opts,
            )
        }
        Kind::Trend => {
            let t = headcount_query::report_trend(reads, target, report)?;
            let f = headcount_query::report_forecast(reads, target, report)?;
            let data = ChartData {
                trend: Some(&t),
                forecast: Some(&f),
                ..base
            };
            render(kind, &data, opts)
        }
    }
}
