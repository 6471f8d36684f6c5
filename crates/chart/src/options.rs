//! What a caller asks for: the kind of chart, its format, theme and size.

use std::fmt;
use std::str::FromStr;

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// A part of [`crate::ChartData`] that a [`Kind`] is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// [`crate::ChartData::series`]: a bucketed series.
    Series,
    /// [`crate::ChartData::profile`]: peak, by-hour and heatmap sections.
    Profile,
    /// [`crate::ChartData::trend`]: the daily trend.
    Trend,
    /// [`crate::ChartData::forecast`]: the forecast after the range.
    Forecast,
    /// [`crate::ChartData::range`]: the span and zone the subtitle names.
    Range,
}

impl Part {
    /// The name used in [`crate::Error::MissingData`].
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Part::Series => "series",
            Part::Profile => "profile",
            Part::Trend => "trend",
            Part::Forecast => "forecast",
            Part::Range => "range",
        }
    }
}

impl Kind {
    /// Every kind, in the order the dashboard shows them.
    pub const ALL: [Kind; 5] = [
        Kind::Timeline,
        Kind::Utilization,
        Kind::Heatmap,
        Kind::Peak,
        Kind::Trend,
    ];

    /// The name in URLs and on the command line: `timeline`, `utilization`,
    /// `heatmap`, `peak`, `trend`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Timeline => "timeline",
            Kind::Utilization => "utilization",
            Kind::Heatmap => "heatmap",
            Kind::Peak => "peak",
            Kind::Trend => "trend",
        }
    }

    /// The parts of [`crate::ChartData`] this kind is drawn from; [`crate::render`]
    /// fails with [`crate::Error::MissingData`] without them and ignores the rest.
    #[must_use]
    pub const fn needs(self) -> &'static [Part] {
        match self {
            Kind::Timeline | Kind::Utilization => &[Part::Series],
            Kind::Heatmap | Kind::Peak => &[Part::Profile, Part::Range],
            Kind::Trend => &[Part::Trend, Part::Forecast, Part::Range],
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name [`Kind`], [`Theme`] or [`Format`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: unknown value {got:?}; expected one of {expected}")]
pub struct UnknownName {
    /// What was being parsed: `kind`, `theme` or `format`.
    pub what: &'static str,
    /// The value given.
    pub got: String,
    /// The accepted values, comma-separated.
    pub expected: &'static str,
}

impl FromStr for Kind {
    type Err = UnknownName;

    /// Parses the exact lowercase names of [`Kind::as_str`].
    fn from_str(s: &str) -> Result<Kind, UnknownName> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "kind",
                got: s.to_owned(),
                expected: "timeline, utilization, heatmap, peak, trend",
            })
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// image/png
    Png,
    /// image/svg+xml
    Svg,
}

impl Format {
    /// The HTTP `Content-Type`: `image/png` or `image/svg+xml`.
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Svg => "image/svg+xml",
        }
    }

    /// The file extension without its dot: `png` or `svg`.
    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    /// The format of a file extension (without its dot), `png` or `svg` in any case;
    /// `None` for anything else.
    #[must_use]
    pub fn from_extension(ext: &str) -> Option<Format> {
        if ext.eq_ignore_ascii_case("png") {
            Some(Format::Png)
        } else if ext.eq_ignore_ascii_case("svg") {
            Some(Format::Svg)
        } else {
            None
        }
    }
}

/// Colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Theme {
    /// Dark on light.
    #[default]
    Light,
    /// Light on dark.
    Dark,
}

impl Theme {
    /// The name in URLs: `light` or `dark`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Theme {
    type Err = UnknownName;

    /// Parses `light` or `dark`.
    fn from_str(s: &str) -> Result<Theme, UnknownName> {
        match s {
            "light" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            _ => Err(UnknownName {
                what: "theme",
                got: s.to_owned(),
                expected: "light, dark",
            }),
        }
    }
}

/// Size, theme and format of a chart.
///
/// Sizes outside [`Options::MIN_WIDTH`]..=[`Options::MAX_SIDE`] (width) and
/// [`Options::MIN_HEIGHT`]..=[`Options::MAX_SIDE`] (height) are clamped, not refused:
/// [`Options::clamped`] says what will be drawn, and [`crate::render`] applies it.
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
    /// Whether the chart draws its legend (the key in its header, and the peak chart's
    /// key of state colours). `true` by default; `false` for pages that show many
    /// small charts (the dashboard's 360 × 140 sparklines) and one legend for all,
    /// which gives the plot the legend's rows. Subtitles (range and zone) stay.
    pub legend: bool,
}

impl Options {
    /// The default width, 1000 pixels.
    pub const DEFAULT_WIDTH: u32 = 1000;
    /// The default height, 500 pixels.
    pub const DEFAULT_HEIGHT: u32 = 500;
    /// The largest width or height drawn: larger values are clamped to it. 4000 × 4000
    /// RGB is 48 MB of pixels, the most one request should cost.
    pub const MAX_SIDE: u32 = 4000;
    /// The smallest width drawn: below 200 pixels a title and an axis no longer fit.
    pub const MIN_WIDTH: u32 = 200;
    /// The smallest height drawn: below 100 pixels nothing is left for the plot.
    pub const MIN_HEIGHT: u32 = 100;

    /// The defaults (1000 × 500, light, with a legend) in `format`.
    #[must_use]
    pub const fn new(format: Format) -> Options {
        Options {
            width: Options::DEFAULT_WIDTH,
            height: Options::DEFAULT_HEIGHT,
            theme: Theme::Light,
            format,
            legend: true,
        }
    }

    /// These options with the width and height clamped to what is drawn.
    #[must_use]
    pub fn clamped(&self) -> Options {
        Options {
            width: self.width.clamp(Options::MIN_WIDTH, Options::MAX_SIDE),
            height: self.height.clamp(Options::MIN_HEIGHT, Options::MAX_SIDE),
            ..*self
        }
    }
}

impl Default for Options {
    /// 1000 × 500, light, PNG, with a legend.
    fn default() -> Options {
        Options::new(Format::Png)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_say_what_is_accepted() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>(), Ok(k));
        }
        for t in [Theme::Light, Theme::Dark] {
            assert_eq!(t.as_str().parse::<Theme>(), Ok(t));
        }
        let e = "Timeline".parse::<Kind>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "kind: unknown value \"Timeline\"; expected one of timeline, utilization, heatmap, peak, trend"
        );
        assert!("blue".parse::<Theme>().is_err());
    }

    #[test]
    fn formats_by_extension_and_content_type() {
        assert_eq!(Format::from_extension("png"), Some(Format::Png));
        assert_eq!(Format::from_extension("SVG"), Some(Format::Svg));
        assert_eq!(Format::from_extension("jpg"), None);
        assert_eq!(Format::Png.content_type(), "image/png");
        assert_eq!(Format::Svg.content_type(), "image/svg+xml");
        for f in [Format::Png, Format::Svg] {
            assert_eq!(Format::from_extension(f.extension()), Some(f));
        }
    }

    #[test]
    fn sizes_are_clamped_to_200x100_through_4000() {
        let o = |width, height| Options {
            width,
            height,
            ..Options::default()
        };
        assert_eq!(o(9000, 9000).clamped(), o(4000, 4000));
        assert_eq!(o(0, 0).clamped(), o(200, 100));
        assert_eq!(o(1000, 500).clamped(), o(1000, 500));
        assert_eq!(o(150, 5000).clamped(), o(200, 4000));
    }

    #[test]
    fn every_kind_needs_at_least_one_part() {
        assert_eq!(Kind::Timeline.needs(), &[Part::Series]);
        assert_eq!(
            Kind::Trend.needs(),
            &[Part::Trend, Part::Forecast, Part::Range]
        );
        assert!(Kind::ALL.iter().all(|k| !k.needs().is_empty()));
    }
}
