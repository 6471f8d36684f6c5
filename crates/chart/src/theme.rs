//! Colours: each theme's background, text, grid and series colours, the state colours
//! shared by every chart, and the heatmap's colour ramp.

use headcount_query::State;
use plotters::style::RGBColor;

use crate::options::Theme;

/// The colours of one theme.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Palette {
    pub background: RGBColor,
    /// Titles, legend text, values printed on the chart.
    pub text: RGBColor,
    /// Subtitles, axis labels and notes: still readable, less prominent.
    pub muted: RGBColor,
    /// Grid lines.
    pub grid: RGBColor,
    /// Axis lines.
    pub axis: RGBColor,
    pub available: RGBColor,
    pub logged_in: RGBColor,
    /// The utilization line, drawn over the state bands.
    pub utilization: RGBColor,
    /// Recorder downtime shading.
    pub downtime: RGBColor,
    /// Buckets where every poll failed.
    pub failed: RGBColor,
    /// Heatmap cells without data.
    pub empty: RGBColor,
    /// Hatching over empty heatmap cells.
    pub hatch: RGBColor,
    /// The "now" marker.
    pub marker: RGBColor,
    /// How opaque tinted areas (bands, shading) are: more on dark, where light tints
    /// at low opacity disappear.
    pub tint: f64,
    states: [RGBColor; 6],
}

impl Palette {
    pub(crate) const fn of(theme: Theme) -> Palette {
        match theme {
            Theme::Light => Palette {
                background: RGBColor(0xff, 0xff, 0xff),
                text: RGBColor(0x1f, 0x23, 0x28),
                muted: RGBColor(0x57, 0x60, 0x6a),
                grid: RGBColor(0xe3, 0xe6, 0xea),
                axis: RGBColor(0x8c, 0x95, 0x9f),
                available: RGBColor(0x1f, 0x6f, 0xd1),
                logged_in: RGBColor(0x7a, 0x3e, 0xb8),
                utilization: RGBColor(0x1c, 0x3f, 0x94),
                downtime: RGBColor(0x6e, 0x77, 0x81),
                failed: RGBColor(0xd1, 0x24, 0x2f),
                empty: RGBColor(0xf3, 0xf4, 0xf6),
                hatch: RGBColor(0xc4, 0xc9, 0xd0),
                marker: RGBColor(0x1f, 0x23, 0x28),
                tint: 0.16,
                states: [
                    // no_agents, unavailable, critical, warning, monitor, healthy
                    RGBColor(0x9c, 0xa3, 0xaf),
                    RGBColor(0x7f, 0x1d, 0x1d),
                    RGBColor(0xd6, 0x27, 0x28),
                    RGBColor(0xf2, 0x8c, 0x28),
                    RGBColor(0xe0, 0xb0, 0x1a),
                    RGBColor(0x2e, 0x9e, 0x44),
                ],
            },
            Theme::Dark => Palette {
                background: RGBColor(0x12, 0x17, 0x20),
                text: RGBColor(0xe6, 0xe9, 0xee),
                muted: RGBColor(0xa3, 0xab, 0xb8),
                grid: RGBColor(0x2c, 0x33, 0x3f),
                axis: RGBColor(0x6b, 0x74, 0x82),
                available: RGBColor(0x5c, 0xa8, 0xff),
                logged_in: RGBColor(0xd0, 0x9c, 0xff),
                utilization: RGBColor(0x8c, 0xc4, 0xff),
                downtime: RGBColor(0x9a, 0xa3, 0xb2),
                failed: RGBColor(0xff, 0x6b, 0x6b),
                empty: RGBColor(0x1c, 0x22, 0x2d),
                hatch: RGBColor(0x4a, 0x55, 0x68),
                marker: RGBColor(0xe6, 0xe9, 0xee),
                tint: 0.24,
                states: [
                    RGBColor(0x8b, 0x94, 0xa3),
                    // Dark red as on light would vanish into the background.
                    RGBColor(0xb0, 0x3a, 0x3a),
                    RGBColor(0xef, 0x44, 0x44),
                    RGBColor(0xf5, 0x9e, 0x3b),
                    RGBColor(0xea, 0xc5, 0x3a),
                    RGBColor(0x3f, 0xb9, 0x5a),
                ],
            },
        }
    }

    /// The colour of a state: healthy green, monitor amber, warning orange, critical
    /// red, unavailable dark red, no_agents grey, in every chart.
    pub(crate) fn state(&self, s: State) -> RGBColor {
        self.states[match s {
            State::NoAgents => 0,
            State::Unavailable => 1,
            State::Critical => 2,
            State::Warning => 3,
            State::Monitor => 4,
            State::Healthy => 5,
        }]
    }
}

/// The heatmap's ramp from quiet to busy (ColorBrewer YlOrRd): pale yellow through
/// orange to deep red, so "hotter" reads as busier and matches the state colours'
/// direction. The same on both themes, so a colour means the same number.
const RAMP: [(u8, u8, u8); 9] = [
    (0xff, 0xff, 0xcc),
    (0xff, 0xed, 0xa0),
    (0xfe, 0xd9, 0x76),
    (0xfe, 0xb2, 0x4c),
    (0xfd, 0x8d, 0x3c),
    (0xfc, 0x4e, 0x2a),
    (0xe3, 0x1a, 0x1c),
    (0xbd, 0x00, 0x26),
    (0x80, 0x00, 0x26),
];

/// The ramp's colour at `t` in 0..=1 (clamped), interpolated linearly.
pub(crate) fn ramp(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (RAMP.len() - 1) as f64;
    let i = (x.floor() as usize).min(RAMP.len() - 2);
    let f = x - i as f64;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Whether dark text reads better than light text on `c` (relative luminance).
pub(crate) fn is_light(c: RGBColor) -> bool {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2);
    // Where black and white text have equal contrast: (l + 0.05)² = 1.05 × 0.05.
    l > 0.179
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_runs_from_pale_yellow_to_deep_red() {
        assert_eq!(ramp(0.0), RGBColor(0xff, 0xff, 0xcc));
        assert_eq!(ramp(1.0), RGBColor(0x80, 0x00, 0x26));
        assert_eq!(ramp(-3.0), ramp(0.0));
        assert_eq!(ramp(f64::NAN), ramp(0.0));
        // Halfway is the fifth anchor exactly.
        assert_eq!(ramp(0.5), RGBColor(0xfd, 0x8d, 0x3c));
    }

    #[test]
    fn text_colour_follows_background_luminance() {
        assert!(is_light(RGBColor(0xff, 0xff, 0xcc)));
        assert!(!is_light(RGBColor(0x80, 0x00, 0x26)));
        assert!(!is_light(Palette::of(Theme::Dark).background));
    }
}
