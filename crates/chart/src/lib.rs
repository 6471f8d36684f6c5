//! PNG and SVG charts of stored availability history, drawn with plotters.
//!
//! STUB: the API below is fixed; the drawing is a placeholder being replaced.

use headcount_query::{
    Forecast, Profile, ReportQuery, Series, SeriesQuery, Target, Thresholds, Trend,
};
use headcount_store::Reads;

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Available and logged in over time, min–max band, gaps as breaks.
    Timeline,
    /// Utilization over time with the threshold bands shaded.
    Utilization,
    /// Weekday × hour of day.
    Heatmap,
    /// Peak vs off-peak side by side.
    Peak,
    /// Daily means, moving average, forecast with its band.
    Trend,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// image/png
    Png,
    /// image/svg+xml
    Svg,
}

/// Colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Dark on light.
    #[default]
    Light,
    /// Light on dark.
    Dark,
}

/// Size, theme and format of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Colour theme.
    pub theme: Theme,
    /// PNG or SVG.
    pub format: Format,
}

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

/// Draws `kind` from `data`.
///
/// # Errors
/// When a part of `data` the kind needs is missing, or drawing fails.
pub fn render(kind: Kind, data: &ChartData<'_>, opts: &Options) -> Result<Vec<u8>, Error> {
    let _ = (kind, data);
    placeholder(opts)
}

/// Reads what `kind` needs through the query crate and draws it: the one path shared by
/// the web server and `headcount chart`, so both give the same picture.
///
/// # Errors
/// Query errors (bad ranges, too many buckets) and drawing errors.
pub fn render_from_store(
    reads: &impl Reads,
    target: Target<'_>,
    kind: Kind,
    series: &SeriesQuery,
    report: &ReportQuery,
    opts: &Options,
) -> Result<Vec<u8>, Error> {
    let _ = (reads, target, kind, series, report);
    placeholder(opts)
}

fn placeholder(opts: &Options) -> Result<Vec<u8>, Error> {
    match opts.format {
        Format::Svg => Ok(format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}"></svg>"#,
            opts.width, opts.height
        )
        .into_bytes()),
        Format::Png => {
            let mut out = Vec::new();
            let mut enc = png::Encoder::new(&mut out, opts.width, opts.height);
            enc.set_color(png::ColorType::Rgb);
            let mut w = enc.write_header().map_err(|e| Error::Draw(e.to_string()))?;
            w.write_image_data(&vec![255; (opts.width * opts.height * 3) as usize])
                .map_err(|e| Error::Draw(e.to_string()))?;
            w.finish().map_err(|e| Error::Draw(e.to_string()))?;
            Ok(out)
        }
    }
}
