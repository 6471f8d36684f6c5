//! PNG and SVG charts of stored availability history, drawn with plotters: what
//! capacity planners put in slides, e-mail and print, and what the dashboard shows.
//!
//! [`render`] draws one [`Kind`] of chart from the query crate's output
//! ([`ChartData`]); [`render_from_store`] fetches exactly what that kind needs through
//! the query crate and draws it, the one path shared by the web server and
//! `headcount chart`. Text is DejaVu Sans from the `dejavu` crate: no system font or
//! fontconfig is needed. Sizes are clamped to [`Options::MIN_WIDTH`] ×
//! [`Options::MIN_HEIGHT`] through [`Options::MAX_SIDE`]; fonts and lines scale with
//! the picture, and small pictures (under 640 × 320) leave out what would not fit
//! (subtitle details, axis descriptions, minor legend entries) rather than overlap.
//! A range without data draws "no data in this range".
//!
//! # Rules every chart follows
//!
//! - **Dated**: the subtitle starts with the range shown, in local dates and times, and
//!   the IANA zone (`2026-11-16 16:15 – 2026-11-23 16:30 America/New_York`; whole days
//!   as dates, the last inclusive), so an exported picture carries its own dates.
//!   Timeline and utilization show their series' span; heatmap, peak and trend the
//!   report's ([`ChartRange::of_report`]), which they cannot be drawn without. Small
//!   pictures keep the range (as dates only where the times do not fit) and drop the
//!   rest of the subtitle; only 200-pixel-wide ones have no room for it.
//! - **Value axes fit the data**: from 0 to the first round number at or above the
//!   largest value plus 2% (a peak of 195 gets 200, at any size), divided into round
//!   steps.
//! - **Gaps are marked, the same way on every time chart**: buckets where every poll
//!   failed are hatched in the failure colour, recorder downtime shaded grey, each over
//!   the plot's whole height (over the utilization chart's state bands too) and named
//!   in the legend. Lines break at gaps, never bridging them.
//! - **Partial values look partial** (trend): a day that ends after the range does
//!   (today, while it lasts) is drawn as hollow dots in the middle of its hours, not
//!   joined to the whole days, and the range-end marker names those hours ("so far
//!   00:00–10:00"); a 7-day average whose window lacks 7 whole days with data (the
//!   start of the history, a day without data, the partial day itself) is dashed, with
//!   "7-day avg (fewer than 7 days)" in the legend. The query crate's days carry no
//!   end or `now`, so a day counts as partial when the next local midnight is after
//!   the range's end; see `trend`.
//! - **Legends are optional**: [`Options::legend`] `false` leaves them out (for the
//!   dashboard's sparklines, which show one legend per page); the range stays.
//! - **Labels never overlap**: time ticks are thinned until their measured labels
//!   keep a gap; legends wrap onto rows, and the peak chart's key of state colours
//!   stays on one row (moving to the picture's foot when its panel is too narrow).
//! - **PNG matches SVG**: a PNG is laid out in its own pixels exactly as the SVG, drawn
//!   at twice the size and box-filtered down, so lines, dots and text are
//!   anti-aliased, and glyphs are placed with their side bearings (see `raster`). A
//!   1000 × 500 PNG of a 30-day hourly timeline stays within the 20 ms quality bar.
//!   SVGs name fallback fonts so they read the same where DejaVu is not installed.
//!
//! The charts:
//! - **timeline**: mean available and logged in per bucket as lines over their
//!   min–max bands, with the gaps marked.
//! - **utilization**: utilization per bucket over the state bands derived from the
//!   thresholds (healthy, monitor, warning, critical), with the gaps marked.
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
//! - `canvas`: rendering to PNG or SVG, the font, sizes that scale with the picture,
//!   the header (title, dated subtitle, legend) and "no data".
//! - `raster`: the PNG backend: twice the resolution, box-filtered, text placed glyph
//!   by glyph.
//! - `svg`: the SVG backend with text sized and placed as in the PNG, and fallback
//!   fonts.
//! - `theme`: the light and dark palettes, state colours, the heatmap ramp.
//! - `axis`: time ticks at round local times whose labels fit, value ticks, the range
//!   text of subtitles.
//! - `plot`: a plot frame with axes and grid; lines and bands with gaps as breaks.
//! - `series`: the timeline and utilization charts and their gaps.
//! - `heatmap`, `peak`, `trend`: the other charts.
//! - `planner`: [`render_sla`] (compliance per period against the objective) and
//!   [`render_compare`] (several targets on one time axis).
//!
//! `examples/gallery.rs` writes every chart, in both themes and several sizes
//! (dashboard sparklines and a partial last day included), from weeks of simulated
//! history to `/tmp/charts` for looking at; `headcount bench --section chart` measures
//! the quality bar (a 1000 × 500 PNG of a 30-day hourly timeline in at most 20 ms).

mod axis;
mod canvas;
mod heatmap;
mod options;
mod peak;
mod planner;
mod plot;
mod raster;
mod series;
mod svg;
mod theme;
mod trend;

use chrono_tz::Tz;
use headcount_query::{
    CompareSeries, Forecast, Profile, ReportQuery, Series, SeriesQuery, SeriesRef, SlaReport,
    Thresholds, Trend,
};
use headcount_store::{AlertReads, BUCKET_SECS, Reads};

pub use options::{Format, Kind, Options, Part, Theme, UnknownName};

/// The data a chart is drawn from; which parts a kind needs is [`Kind::needs`].
#[derive(Debug, Clone, Copy)]
pub struct ChartData<'a> {
    /// Target name, for the title.
    pub target: &'a str,
    /// Thresholds, for the utilization bands.
    pub thresholds: &'a Thresholds,
    /// Timeline and utilization (which name the series' own span and zone).
    pub series: Option<&'a Series>,
    /// Timeline and utilization: alert episodes of the target, `(fired, ended)` in UTC
    /// seconds (an open one ends at the series' end), marked along the top.
    pub alerts: &'a [(i64, i64)],
    /// Heatmap and peak.
    pub profile: Option<&'a Profile>,
    /// Trend: the days of `range`, and, to tell whether the first days' 7-day averages
    /// had 7 days of data, up to 6 days before it (days before `range.from` are not
    /// drawn). Without them those averages are drawn as built from fewer than 7 days.
    pub trend: Option<&'a Trend>,
    /// Trend's forecast.
    pub forecast: Option<&'a Forecast>,
    /// The span and zone of the profile or trend, for the subtitle and the trend's
    /// partial last day: [`ChartRange::of_report`] of the report query they came from.
    pub range: Option<ChartRange>,
}

/// The span a chart covers and the zone its local times are in: every chart's
/// subtitle names both, so an exported picture carries its own dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartRange {
    /// Start, UTC unix seconds.
    pub from: i64,
    /// End (exclusive), UTC unix seconds.
    pub to: i64,
    /// The zone of local dates and times.
    pub tz: Tz,
}

impl ChartRange {
    /// The span a report's sections cover: `q.from` snapped down and `q.to` snapped
    /// up to the 15-minute grid, as the query crate snaps them, in `q.tz`.
    #[must_use]
    pub fn of_report(q: &ReportQuery) -> ChartRange {
        let from = q.from - q.from.rem_euclid(BUCKET_SECS);
        let to = q.to + (BUCKET_SECS - q.to.rem_euclid(BUCKET_SECS)) % BUCKET_SECS;
        ChartRange {
            from,
            to: to.max(from + BUCKET_SECS),
            tz: q.tz,
        }
    }

    /// A series' own span and zone.
    fn of_series(s: &Series) -> ChartRange {
        ChartRange {
            from: s.from.timestamp(),
            to: s.to.timestamp(),
            // A name the query crate wrote is always a known zone; UTC only keeps this
            // total.
            tz: s.tz.parse().unwrap_or(Tz::UTC),
        }
    }
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
    let range = || data.range.ok_or_else(|| missing(Part::Range));
    match kind {
        Kind::Timeline => {
            let series = data.series.ok_or_else(|| missing(Part::Series))?;
            let range = ChartRange::of_series(series);
            canvas::render(
                opts,
                &series::Timeline {
                    target,
                    series,
                    range,
                    alerts: data.alerts,
                },
            )
        }
        Kind::Utilization => {
            let series = data.series.ok_or_else(|| missing(Part::Series))?;
            let chart = series::Utilization {
                target,
                series,
                range: ChartRange::of_series(series),
                thresholds: data.thresholds,
                alerts: data.alerts,
            };
            canvas::render(opts, &chart)
        }
        Kind::Heatmap => {
            let profile = data.profile.ok_or_else(|| missing(Part::Profile))?;
            let range = range()?;
            canvas::render(
                opts,
                &heatmap::Heatmap {
                    target,
                    profile,
                    range,
                },
            )
        }
        Kind::Peak => {
            let profile = data.profile.ok_or_else(|| missing(Part::Profile))?;
            let range = range()?;
            canvas::render(
                opts,
                &peak::PeakChart {
                    target,
                    profile,
                    range,
                },
            )
        }
        Kind::Trend => {
            let trend = data.trend.ok_or_else(|| missing(Part::Trend))?;
            let forecast = data.forecast.ok_or_else(|| missing(Part::Forecast))?;
            let chart = trend::TrendChart {
                target,
                trend,
                forecast,
                range: range()?,
            };
            canvas::render(opts, &chart)
        }
    }
}

/// Reads what `kind` needs through the query crate and draws it: the one path shared by
/// the web server and `headcount chart`, so both give the same picture.
///
/// Timeline and utilization read [`headcount_query::series`] with `series` (and its
/// thresholds) and the target's alert episodes over it; heatmap and peak [`headcount_query::report_profile`], trend
/// [`headcount_query::report_trend`] (from 7 days before `report.from`, for the 7-day
/// averages' count of days) and [`headcount_query::report_forecast`], each with
/// `report` (and its thresholds) and [`ChartRange::of_report`] as the range. Nothing
/// else is read.
///
/// # Errors
/// Query errors (bad ranges, too many buckets) and drawing errors.
pub fn render_from_store(
    reads: &(impl Reads + AlertReads),
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
        alerts: &[],
        profile: None,
        trend: None,
        forecast: None,
        range: Some(ChartRange::of_report(report)),
    };
    match kind {
        Kind::Timeline | Kind::Utilization => {
            let s = headcount_query::series(reads, target, series)?;
            let (from, to) = (s.from.timestamp(), s.to.timestamp());
            let alerts: Vec<(i64, i64)> = reads
                .alert_episodes(from, to, Some(target.name))
                .map_err(headcount_query::Error::from)?
                .into_iter()
                .map(|e| (e.fired_at, e.ended_at.unwrap_or(to)))
                .collect();
            let data = ChartData {
                thresholds: &series.thresholds,
                series: Some(&s),
                alerts: &alerts,
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
            let t = headcount_query::report_trend(reads, target, &trend_query(report))?;
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

/// The `sla` chart: an SLA's compliance per period as bars against its objective
/// (see the `planner` module), dated with the report's periods.
///
/// # Errors
/// [`Error::Draw`] when drawing or encoding fails.
pub fn render_sla(report: &SlaReport, opts: &Options) -> Result<Vec<u8>, Error> {
    let range = ChartRange {
        from: report.from.timestamp(),
        to: report.to.timestamp(),
        tz: report.tz.parse().unwrap_or(Tz::UTC),
    };
    canvas::render(opts, &planner::SlaChart { report, range })
}

/// The `compare` chart: one line per target of a [`CompareSeries`].
///
/// # Errors
/// [`Error::Draw`] when drawing or encoding fails.
pub fn render_compare(series: &CompareSeries, opts: &Options) -> Result<Vec<u8>, Error> {
    let range = ChartRange {
        from: series.from.timestamp(),
        to: series.to.timestamp(),
        tz: series.tz.parse().unwrap_or(Tz::UTC),
    };
    canvas::render(opts, &planner::CompareChart { series, range })
}

/// The query of the trend a trend chart of `report` is drawn from: starting 7 × 24
/// hours earlier, which is at least 6 local days whatever the DST changes, so the
/// days before the range tell how many days each of its first 7-day averages had.
#[must_use]
pub fn trend_query(report: &ReportQuery) -> ReportQuery {
    ReportQuery {
        from: report.from - 7 * 86_400,
        ..*report
    }
}
