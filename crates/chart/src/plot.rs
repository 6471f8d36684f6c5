//! A plot frame: value and time axes laid out so their labels fit, grid lines, and
//! the mapping from data to pixels. Axes are drawn here rather than by plotters' mesh
//! so that tick labels never overlap or spill past the picture, whatever its size.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::axis::{Clock, TimeTicks, value_ticks};
use crate::canvas::{Cx, Drawn, put, text_width};

/// Where a plot lies (absolute pixels) and the data ranges it shows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plot {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
    pub x: (f64, f64),
    pub y: (f64, f64),
}

impl Plot {
    pub(crate) fn px(&self, x: f64) -> i32 {
        let (a, b) = self.x;
        let f = if b > a { (x - a) / (b - a) } else { 0.0 };
        self.left + (f * f64::from(self.right - self.left)).round() as i32
    }

    pub(crate) fn py(&self, y: f64) -> i32 {
        let (a, b) = self.y;
        let f = if b > a { (y - a) / (b - a) } else { 0.0 };
        self.bottom - (f * f64::from(self.bottom - self.top)).round() as i32
    }

    pub(crate) fn at(&self, x: f64, y: f64) -> (i32, i32) {
        (self.px(x), self.py(y))
    }

    /// A rectangle spanning `[x0, x1]` (clipped to the plot) and `[y0, y1]`, in pixels;
    /// `None` when it lies outside.
    pub(crate) fn rect(
        &self,
        (x0, x1): (f64, f64),
        (y0, y1): (f64, f64),
    ) -> Option<[(i32, i32); 2]> {
        let (a, b) = (x0.max(self.x.0), x1.min(self.x.1));
        (a < b).then(|| [(self.px(a), self.py(y1)), (self.px(b), self.py(y0))])
    }
}

/// A value axis from 0.
#[derive(Clone, Copy)]
pub(crate) enum Values<'a> {
    /// Counts up to at least `max`, labelled as whole numbers.
    Count { max: f64, desc: &'a str },
    /// 0–100%.
    Percent { desc: &'a str },
}

/// How many value ticks an axis `pixels` tall holds: spaced about 2.2 label heights,
/// closer (but never touching) on small pictures rather than fewer than three.
pub(crate) fn tick_count(pixels: i32, label_h: f64) -> usize {
    let px = f64::from(pixels.max(0));
    let roomy = (px / (label_h * 2.2)) as usize + 1;
    let tight = (px / (label_h * 1.3)) as usize + 1;
    roomy.max(tight.min(3)).max(2)
}

/// The value ticks of an axis `pixels` tall.
fn ticks_for(v: &Values<'_>, pixels: i32, label_h: f64) -> (f64, Vec<f64>) {
    let fit = tick_count(pixels, label_h);
    match v {
        Values::Count { max, .. } => value_ticks(*max, fit, 1.0),
        Values::Percent { .. } => {
            let step = [10.0, 20.0, 25.0, 50.0, 100.0]
                .into_iter()
                .find(|s| ((100.0 / s) as usize) < fit)
                .unwrap_or(100.0);
            let ticks = (0..=(100.0 / step) as usize)
                .map(|i| i as f64 * step)
                .collect();
            (100.0, ticks)
        }
    }
}

fn value_label(v: &Values<'_>, y: f64) -> String {
    match v {
        Values::Count { .. } => format!("{y:.0}"),
        Values::Percent { .. } => format!("{y:.0}%"),
    }
}

/// How a plot's axes are labelled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Axes {
    /// Value labels on the left; a second panel beside one that has them leaves them
    /// out.
    pub y_labels: bool,
    /// An axis of daily values: ticks at least a day apart, and day labels in the
    /// middle of their day (where the values are plotted) rather than at midnight.
    pub daily: bool,
}

impl Axes {
    pub(crate) const PLAIN: Axes = Axes {
        y_labels: true,
        daily: false,
    };
}

/// Lays out a plot with a time x axis over `(from, to)` and a value y axis inside
/// the box `(left, top, right, bottom)`, draws its grid, axis line and labels, and
/// returns the frame to draw data into.
pub(crate) fn time_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cx: &Cx,
    (left, top, right, bottom): (i32, i32, i32, i32),
    clock: &impl Clock,
    (from, to): (i64, i64),
    values: &Values<'_>,
    axes: Axes,
) -> Drawn<Plot> {
    let y_labels = axes.y_labels;
    let sc = &cx.sc;
    let label = cx.font(sc.small, cx.pal.muted);
    let label_h = sc.small;
    let gap = (sc.small * 0.5).round() as i32;
    // Below the plot: a gap, then one row of time labels.
    let x_area = gap + (label_h * 1.15).round() as i32;
    let plot_top = top + (label_h * 0.6).round() as i32;
    let plot_bottom = bottom - x_area;
    let (y_top, y_ticks) = ticks_for(values, plot_bottom - plot_top, label_h);
    let mut y_w = 0;
    for &t in y_ticks.iter().filter(|_| y_labels) {
        y_w = y_w.max(text_width(root, &value_label(values, t), &label)?);
    }
    let desc = match values {
        Values::Count { desc, .. } | Values::Percent { desc } => *desc,
    };
    let show_desc = y_labels && !sc.compact && !desc.is_empty();
    let desc_w = if show_desc {
        (sc.small * 1.4).round() as i32
    } else {
        0
    };
    // The last time label is centred on the right edge: leave half of it.
    let half_label = text_width(root, "Wed 28", &label)? / 2 + 2;
    let plot_left = if y_labels {
        left + desc_w + y_w + gap
    } else {
        left
    };
    let plot_right = right - half_label.max(sc.pad / 2);
    let ticks = TimeTicks::choose(
        clock,
        (from, to),
        axes.daily,
        plot_right - plot_left,
        (sc.small * 1.2).round() as i32,
        |s| text_width(root, s, &label).unwrap_or(0),
    );
    let plot = Plot {
        left: plot_left,
        top: plot_top,
        right: plot_right,
        bottom: plot_bottom,
        x: (from as f64, to as f64),
        y: (0.0, y_top),
    };

    let grid = cx.pal.grid.stroke_width(1);
    for &t in &y_ticks {
        let y = plot.py(t);
        root.draw(&PathElement::new(
            vec![(plot.left, y), (plot.right, y)],
            grid,
        ))?;
        if y_labels {
            put(
                root,
                &value_label(values, t),
                &label,
                (plot.left - gap, y),
                HPos::Right,
                VPos::Center,
            )?;
        }
    }
    for &t in &ticks.at {
        let x = plot.px(t as f64);
        root.draw(&PathElement::new(
            vec![(x, plot.top), (x, plot.bottom)],
            grid,
        ))?;
        root.draw(&PathElement::new(
            vec![(x, plot.bottom), (x, plot.bottom + gap / 2)],
            cx.pal.axis.stroke_width(1),
        ))?;
        // Daily values sit at midday: a day's label goes there too, not at its midnight.
        let Some(at) = ticks.label_at(t, to) else {
            continue;
        };
        put(
            root,
            &ticks.label(clock, t),
            &label,
            (plot.px(at as f64), plot.bottom + gap),
            HPos::Center,
            VPos::Top,
        )?;
    }
    root.draw(&PathElement::new(
        vec![(plot.left, plot.bottom), (plot.right, plot.bottom)],
        cx.pal.axis.stroke_width(1),
    ))?;
    if show_desc {
        let style = cx
            .font(sc.small, cx.pal.muted)
            .transform(FontTransform::Rotate270);
        put(
            root,
            desc,
            &style,
            (left, (plot.top + plot.bottom) / 2),
            HPos::Center,
            VPos::Top,
        )?;
    }
    Ok(plot)
}

/// Splits values in order into runs of consecutive `Some`s: what a line is drawn
/// through. A `None` ends a run, so gaps show as breaks, never bridged.
pub(crate) fn runs<T: Copy>(items: impl IntoIterator<Item = Option<T>>) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut cur: Vec<T> = Vec::new();
    for it in items {
        match it {
            Some(v) => cur.push(v),
            None if !cur.is_empty() => out.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Draws a line through `pts` (data coordinates); a run of one point, which a line
/// cannot show, becomes a dot.
pub(crate) fn line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    pts: &[(f64, f64)],
    style: ShapeStyle,
) -> Drawn {
    match pts {
        [] => {}
        [(x, y)] => {
            let r = style.stroke_width + 1;
            root.draw(&Circle::new(plot.at(*x, *y), r, style.filled()))?;
        }
        _ => {
            let px: Vec<(i32, i32)> = pts.iter().map(|&(x, y)| plot.at(x, y)).collect();
            for piece in split_sharp(&dedup_pixels(px)) {
                root.draw(&PathElement::new(piece.to_vec(), style))?;
            }
        }
    }
    Ok(())
}

/// Splits a polyline at vertices where it turns back on itself (an angle under 30°).
/// A mitred join there would reach far beyond the vertex as a spike (SVG viewers cut
/// it at their miter limit, plotters' own polygoniser did not); pieces that merely
/// overlap there look the same without one. The PNG backend's round joins need no
/// such care, but both formats draw the same pieces.
fn split_sharp(px: &[(i32, i32)]) -> Vec<&[(i32, i32)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..px.len().saturating_sub(1) {
        let (a, b, c) = (px[i - 1], px[i], px[i + 1]);
        let u = (f64::from(a.0 - b.0), f64::from(a.1 - b.1));
        let v = (f64::from(c.0 - b.0), f64::from(c.1 - b.1));
        let norms = (u.0.hypot(u.1)) * (v.0.hypot(v.1));
        // cos 30° ≈ 0.866: both neighbours lie in nearly the same direction.
        if norms > 0.0 && (u.0 * v.0 + u.1 * v.1) / norms > 0.866 {
            out.push(&px[start..=i]);
            start = i;
        }
    }
    out.push(&px[start..]);
    out
}

/// Shades between `lo` and `hi` over each point of `pts` (x, lo, hi).
pub(crate) fn band<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    pts: &[(f64, f64, f64)],
    fill: ShapeStyle,
) -> Drawn {
    if pts.len() < 2 {
        return Ok(());
    }
    let upper = pts.iter().map(|&(x, _, hi)| plot.at(x, hi));
    let lower = pts.iter().rev().map(|&(x, lo, _)| plot.at(x, lo));
    let poly: Vec<(i32, i32)> = upper.chain(lower).collect();
    root.draw(&Polygon::new(poly, fill))?;
    Ok(())
}

/// Drops consecutive repeats: thousands of points on a few hundred pixels repeat a
/// lot, and each costs a segment to draw.
fn dedup_pixels(mut px: Vec<(i32, i32)>) -> Vec<(i32, i32)> {
    px.dedup();
    px
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_break_at_gaps() {
        let r = runs([
            Some(1),
            Some(2),
            None,
            None,
            Some(3),
            None,
            Some(4),
            Some(5),
        ]);
        assert_eq!(r, vec![vec![1, 2], vec![3], vec![4, 5]]);
        assert!(runs::<i32>([None, None]).is_empty());
    }

    #[test]
    fn lines_split_where_they_turn_back_sharply() {
        // A right angle stays one piece; a spike (there and nearly straight back) is
        // split at its tip.
        let right = [(0, 0), (10, 0), (10, 10)];
        assert_eq!(split_sharp(&right), vec![&right[..]]);
        let spike = [(0, 0), (10, 100), (12, 0), (20, 0)];
        assert_eq!(split_sharp(&spike), vec![&spike[..2], &spike[1..]]);
        assert_eq!(split_sharp(&[(0, 0)]), vec![&[(0, 0)][..]]);
    }

    #[test]
    fn plot_maps_data_to_pixels_with_y_up() {
        let p = Plot {
            left: 100,
            top: 50,
            right: 300,
            bottom: 250,
            x: (0.0, 10.0),
            y: (0.0, 100.0),
        };
        assert_eq!(p.at(0.0, 0.0), (100, 250));
        assert_eq!(p.at(10.0, 100.0), (300, 50));
        assert_eq!(p.at(5.0, 25.0), (200, 200));
        assert_eq!(
            p.rect((-5.0, 5.0), (0.0, 100.0)),
            Some([(100, 50), (200, 250)])
        );
        assert_eq!(p.rect((11.0, 12.0), (0.0, 1.0)), None);
    }
}
