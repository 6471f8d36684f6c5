//! The timeline and utilization charts: a bucketed series over time.

use chrono_tz::Tz;
use headcount_query::{Point, Series, State, Thresholds};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::axis::range_text;
use crate::canvas::{Cx, Drawn, Item, Paint, Swatch, header, no_data};
use crate::plot::{Axes, Plot, Values, band, line, runs, time_plot};

/// Available and logged in over time.
pub(crate) struct Timeline<'a> {
    pub target: &'a str,
    pub series: &'a Series,
}

/// Utilization over time over the threshold bands.
pub(crate) struct Utilization<'a> {
    pub target: &'a str,
    pub series: &'a Series,
    pub thresholds: &'a Thresholds,
}

/// The series' zone; a name the query crate wrote is always a known zone, UTC is
/// only a safe default.
fn zone(s: &Series) -> Tz {
    s.tz.parse().unwrap_or(Tz::UTC)
}

fn mid(p: &Point) -> f64 {
    (p.start.timestamp() as f64 + p.end.timestamp() as f64) / 2.0
}

fn subtitle(s: &Series, what: &str) -> String {
    format!(
        "{} · {} buckets, {what} · {}",
        range_text(&s.from, &s.to),
        s.step.as_str(),
        s.tz
    )
}

/// Buckets in which every poll failed, merged into spans: a gap with a known cause.
fn failed_spans(s: &Series) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for p in s.points.iter().filter(|p| p.samples == 0 && p.failed > 0) {
        let (a, b) = (p.start.timestamp() as f64, p.end.timestamp() as f64);
        match out.last_mut() {
            Some(last) if last.1 >= a => last.1 = b,
            _ => out.push((a, b)),
        }
    }
    out
}

fn downtime_spans(s: &Series) -> Vec<(f64, f64)> {
    s.downtime
        .iter()
        .map(|d| (d.from.timestamp() as f64, d.to.timestamp() as f64))
        .collect()
}

/// Shades whole-height spans of the plot.
fn shade<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    spans: &[(f64, f64)],
    fill: ShapeStyle,
) -> Drawn {
    for &span in spans {
        if let Some(r) = plot.rect(span, plot.y) {
            root.draw(&Rectangle::new(r, fill))?;
        }
    }
    Ok(())
}

impl Paint for Timeline<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, cx: &Cx) -> Drawn {
        let s = self.series;
        let pal = &cx.pal;
        let down = downtime_spans(s);
        let failed = failed_spans(s);
        let mut legend = vec![
            Item::new(Swatch::LineBand(pal.available), "available"),
            Item::new(Swatch::LineBand(pal.logged_in), "logged in"),
        ];
        if !failed.is_empty() {
            legend.push(Item::new(Swatch::Tint(pal.failed), "polls failed"));
        }
        if !down.is_empty() {
            legend.push(Item::new(Swatch::Tint(pal.downtime), "recorder down"));
        }
        let title = format!("{}: agents available and logged in", self.target);
        let sub = subtitle(s, "mean with min–max shaded");
        let has_data = s.points.iter().any(|p| p.available.is_some());
        // A legend for lines that are not drawn would only puzzle.
        let legend = if has_data { &legend[..] } else { &[] };
        let top = header(root, cx, &title, Some(&sub), legend)?;
        if !has_data {
            return no_data(root, cx, top);
        }

        let max = s
            .points
            .iter()
            .filter_map(|p| p.logged_in.map(|g| f64::from(g.max)))
            .fold(0.0, f64::max);
        let sc = &cx.sc;
        let tz = zone(s);
        let plot = time_plot(
            root,
            cx,
            (sc.pad, top, sc.w - sc.pad, sc.h - sc.pad / 2),
            &tz,
            (s.from.timestamp(), s.to.timestamp()),
            &Values::Count {
                max,
                desc: "agents",
            },
            Axes::PLAIN,
        )?;
        shade(root, &plot, &failed, pal.failed.mix(pal.tint).filled())?;
        shade(
            root,
            &plot,
            &down,
            pal.downtime.mix(pal.tint * 1.2).filled(),
        )?;

        for (color, gauge) in [
            (pal.logged_in, (|p: &Point| p.logged_in) as fn(&Point) -> _),
            (pal.available, |p: &Point| p.available),
        ] {
            let ranges = runs(
                s.points
                    .iter()
                    .map(|p| gauge(p).map(|g| (mid(p), f64::from(g.min), f64::from(g.max)))),
            );
            for r in &ranges {
                band(root, &plot, r, color.mix(pal.tint).filled())?;
            }
            let means = runs(s.points.iter().map(|p| gauge(p).map(|g| (mid(p), g.avg))));
            for r in &means {
                line(root, &plot, r, color.stroke_width(cx.sc.line))?;
            }
        }
        Ok(())
    }
}

impl Paint for Utilization<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, cx: &Cx) -> Drawn {
        let s = self.series;
        let th = self.thresholds;
        let pal = &cx.pal;
        // Thresholds are on available %; utilization is its complement.
        let (h, m, w) = (
            100.0 - f64::from(th.healthy()),
            100.0 - f64::from(th.monitor()),
            100.0 - f64::from(th.warning()),
        );
        let bands = [
            (State::Healthy, 0.0, h, format!("healthy < {h:.0}%")),
            (State::Monitor, h, m, format!("monitor {h:.0}–{m:.0}%")),
            (State::Warning, m, w, format!("warning {m:.0}–{w:.0}%")),
            (State::Critical, w, 100.0, format!("critical > {w:.0}%")),
        ];
        let down = downtime_spans(s);
        let mut legend = vec![Item::new(Swatch::Line(pal.utilization), "utilization")];
        for (st, _, _, label) in &bands {
            let label = if cx.sc.compact {
                st.as_str().to_owned()
            } else {
                label.clone()
            };
            legend.push(Item::new(Swatch::Tint(pal.state(*st)), label));
        }
        if !down.is_empty() {
            legend.push(Item::new(Swatch::Tint(pal.downtime), "recorder down"));
        }
        // On small pictures the bands matter more than naming the only line.
        if cx.sc.compact {
            legend.remove(0);
        }
        let title = format!("{}: utilization", self.target);
        let sub = subtitle(s, "utilization = 100% − available share");
        let has_data = s.points.iter().any(|p| p.utilization_pct.is_some());
        // A legend for lines that are not drawn would only puzzle.
        let legend = if has_data { &legend[..] } else { &[] };
        let top = header(root, cx, &title, Some(&sub), legend)?;
        if !has_data {
            return no_data(root, cx, top);
        }

        let sc = &cx.sc;
        let tz = zone(s);
        let plot = time_plot(
            root,
            cx,
            (sc.pad, top, sc.w - sc.pad, sc.h - sc.pad / 2),
            &tz,
            (s.from.timestamp(), s.to.timestamp()),
            &Values::Percent {
                desc: "utilization",
            },
            Axes::PLAIN,
        )?;
        for (st, lo, hi, _) in &bands {
            if let Some(r) = plot.rect(plot.x, (*lo, *hi)) {
                root.draw(&Rectangle::new(r, pal.state(*st).mix(pal.tint).filled()))?;
            }
        }
        shade(
            root,
            &plot,
            &down,
            pal.downtime.mix(pal.tint * 1.8).filled(),
        )?;
        let pts = runs(
            s.points
                .iter()
                .map(|p| p.utilization_pct.map(|u| (mid(p), u))),
        );
        for r in &pts {
            line(root, &plot, r, pal.utilization.stroke_width(sc.line + 1))?;
        }
        Ok(())
    }
}
