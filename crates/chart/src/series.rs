//! The timeline and utilization charts: a bucketed series over time. Both mark the
//! series' gaps the same way, shaded over the plot's whole height and named in the
//! legend: buckets where every poll failed, and recorder downtime. Alert episodes
//! (while an alert fired on the target) are a red strip along the plot's top edge.

use headcount_query::{Point, Series, State, Thresholds};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::ChartRange;
use crate::canvas::{Cx, Drawn, Item, Paint, Swatch, failed_mark, header, no_data};
use crate::plot::{Axes, Plot, Values, band, line, runs, time_plot};

/// Available and logged in over time.
pub(crate) struct Timeline<'a> {
    pub target: &'a str,
    pub series: &'a Series,
    pub range: ChartRange,
    pub alerts: &'a [(i64, i64)],
}

/// Utilization over time over the threshold bands.
pub(crate) struct Utilization<'a> {
    pub target: &'a str,
    pub series: &'a Series,
    pub range: ChartRange,
    pub thresholds: &'a Thresholds,
    pub alerts: &'a [(i64, i64)],
}

fn mid(p: &Point) -> f64 {
    (p.start.timestamp() as f64 + p.end.timestamp() as f64) / 2.0
}

fn details(s: &Series, what: &str) -> String {
    format!("{} buckets, {what}", s.step.as_str())
}

/// The spans of a series without data for a known reason.
struct Gaps {
    /// Buckets in which every poll failed, merged: a gap with a known cause.
    failed: Vec<(f64, f64)>,
    /// Recorder downtime.
    down: Vec<(f64, f64)>,
    /// Alert episodes: while an alert fired on the target.
    alerts: Vec<(f64, f64)>,
}

impl Gaps {
    fn of(s: &Series, alerts: &[(i64, i64)]) -> Gaps {
        let mut failed: Vec<(f64, f64)> = Vec::new();
        for p in s.points.iter().filter(|p| p.samples == 0 && p.failed > 0) {
            let (a, b) = (p.start.timestamp() as f64, p.end.timestamp() as f64);
            match failed.last_mut() {
                Some(last) if last.1 >= a => last.1 = b,
                _ => failed.push((a, b)),
            }
        }
        let down = s
            .downtime
            .iter()
            .map(|d| (d.from.timestamp() as f64, d.to.timestamp() as f64))
            .collect();
        let (from, to) = (s.from.timestamp(), s.to.timestamp());
        let alerts = alerts
            .iter()
            .filter(|(a, b)| *a < to && *b > from)
            .map(|&(a, b)| (a as f64, b as f64))
            .collect();
        Gaps {
            failed,
            down,
            alerts,
        }
    }

    /// Their legend entries: only those the chart shows.
    fn legend(&self, cx: &Cx) -> Vec<Item> {
        let mut out = Vec::new();
        if !self.failed.is_empty() {
            out.push(Item::new(Swatch::Failed, "polls failed"));
        }
        if !self.down.is_empty() {
            out.push(Item::new(Swatch::Tint(cx.pal.downtime), "recorder down"));
        }
        if !self.alerts.is_empty() {
            out.push(Item::new(
                Swatch::Tint(cx.pal.state(State::Critical)),
                "alert firing",
            ));
        }
        out
    }

    /// Marks them over the plot's whole height: failed polls hatched
    /// ([`failed_mark`]), downtime shaded grey. The background goes down first, so a
    /// gap looks the same over the utilization chart's state bands as on the
    /// timeline's plain plot, and cannot be read as a band.
    fn shade<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        cx: &Cx,
        plot: &Plot,
    ) -> Drawn {
        let pal = &cx.pal;
        for &span in &self.failed {
            if let Some([a, b]) = plot.rect(span, plot.y) {
                failed_mark(root, cx, a, b)?;
            }
        }
        for &span in &self.down {
            if let Some(r) = plot.rect(span, plot.y) {
                root.draw(&Rectangle::new(r, pal.background.filled()))?;
                let fill = pal.downtime.mix(pal.tint * 1.5).filled();
                root.draw(&Rectangle::new(r, fill))?;
            }
        }
        // A strip along the top, a twentieth of the height: it does not hide the
        // utilization chart's state bands or the lines.
        let (y0, y1) = plot.y;
        let strip = (y1 - (y1 - y0) / 20.0, y1);
        for &span in &self.alerts {
            if let Some(r) = plot.rect(span, strip) {
                root.draw(&Rectangle::new(r, pal.state(State::Critical).filled()))?;
            }
        }
        Ok(())
    }
}

impl Paint for Timeline<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, cx: &Cx) -> Drawn {
        let s = self.series;
        let pal = &cx.pal;
        let gaps = Gaps::of(s, self.alerts);
        let mut legend = vec![
            Item::new(Swatch::LineBand(pal.available), "available"),
            Item::new(Swatch::LineBand(pal.logged_in), "logged in"),
        ];
        legend.extend(gaps.legend(cx));
        let title = format!("{}: agents available and logged in", self.target);
        let sub = details(s, "mean with min–max shaded");
        let has_data = s.points.iter().any(|p| p.available.is_some());
        // A legend for lines that are not drawn would only puzzle.
        let legend = if has_data { &legend[..] } else { &[] };
        let top = header(root, cx, &title, &self.range, &sub, legend)?;
        if !has_data {
            return no_data(root, cx, top);
        }

        let max = s
            .points
            .iter()
            .filter_map(|p| p.logged_in.map(|g| f64::from(g.max)))
            .fold(0.0, f64::max);
        let sc = &cx.sc;
        let plot = time_plot(
            root,
            cx,
            (sc.pad, top, sc.w - sc.pad, sc.h - sc.pad / 2),
            &self.range.tz,
            (s.from.timestamp(), s.to.timestamp()),
            &Values::Count {
                max,
                desc: "agents",
            },
            Axes::PLAIN,
        )?;
        gaps.shade(root, cx, &plot)?;

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
        let gaps = Gaps::of(s, self.alerts);
        let mut legend = vec![Item::new(Swatch::Line(pal.utilization), "utilization")];
        // The gaps before the bands: on small pictures, where entries are dropped from
        // the end, knowing why the line breaks matters more than naming each band.
        legend.extend(gaps.legend(cx));
        for (st, _, _, label) in &bands {
            let label = if cx.sc.compact {
                st.as_str().to_owned()
            } else {
                label.clone()
            };
            legend.push(Item::new(Swatch::Tint(pal.state(*st)), label));
        }
        // On small pictures the bands matter more than naming the only line.
        if cx.sc.compact {
            legend.remove(0);
        }
        let title = format!("{}: utilization", self.target);
        let sub = details(s, "utilization = 100% − available share");
        let has_data = s.points.iter().any(|p| p.utilization_pct.is_some());
        // A legend for lines that are not drawn would only puzzle.
        let legend = if has_data { &legend[..] } else { &[] };
        let top = header(root, cx, &title, &self.range, &sub, legend)?;
        if !has_data {
            return no_data(root, cx, top);
        }

        let sc = &cx.sc;
        let plot = time_plot(
            root,
            cx,
            (sc.pad, top, sc.w - sc.pad, sc.h - sc.pad / 2),
            &self.range.tz,
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
        gaps.shade(root, cx, &plot)?;
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
