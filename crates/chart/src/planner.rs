//! The planners' charts: an SLA's compliance per period against its objective, and
//! several targets side by side.
//!
//! - **sla**: one bar per period from 0 to its compliance, green where the period met
//!   the objective, red where it missed, amber while it runs (with a hollow dot at its
//!   projected end-of-period compliance); the objective as a line across. A period
//!   without counted time has no bar.
//! - **compare**: one line per target of the chosen measure over the series' buckets,
//!   each target in its own colour and named in the legend; lines break at buckets
//!   without a value.

use headcount_query::{CompareSeries, Measure, PeriodStatus, SlaReport, State};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::ChartRange;
use crate::canvas::{Cx, Drawn, Item, Paint, Swatch, header, no_data};
use crate::plot::{Axes, Values, line, runs, time_plot};

/// Twelve distinguishable line colours (Tableau 10 and two more), readable on both
/// themes' backgrounds.
const LINES: [RGBColor; 12] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xba, 0xb0, 0xac),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// An SLA's compliance per period.
pub(crate) struct SlaChart<'a> {
    pub report: &'a SlaReport,
    pub range: ChartRange,
}

impl Paint for SlaChart<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, cx: &Cx) -> Drawn {
        let r = self.report;
        let pal = &cx.pal;
        let (met, missed, running) = (
            pal.state(State::Healthy),
            pal.state(State::Critical),
            pal.state(State::Monitor),
        );
        // Only what is drawn is named.
        let shows = |s: PeriodStatus| {
            r.periods
                .iter()
                .any(|p| p.status == s && p.compliance.is_some())
        };
        let mut legend = Vec::new();
        for (status, color, label) in [
            (PeriodStatus::Met, met, "met"),
            (PeriodStatus::Missed, missed, "missed"),
            (PeriodStatus::InProgress, running, "in progress"),
        ] {
            if shows(status) {
                legend.push(Item::new(Swatch::Block(color), label));
            }
        }
        if r.periods
            .iter()
            .any(|p| p.status == PeriodStatus::InProgress && p.projected_compliance.is_some())
        {
            legend.push(Item::new(Swatch::Hollow(running), "projected"));
        }
        legend.push(Item::new(
            Swatch::Dashed(pal.marker),
            format!("objective {}%", pct(r.objective)),
        ));
        let title = format!("{}: compliance per {}", r.sla, r.period);
        let sub = format!(
            "{} on {}, {} {}",
            r.condition,
            r.target,
            r.hours.days.join(","),
            r.hours.hours
        );
        let has_data = r.periods.iter().any(|p| p.compliance.is_some());
        let legend = if has_data { &legend[..] } else { &[] };
        let top = header(root, cx, &title, &self.range, &sub, legend)?;
        if !has_data {
            return no_data(root, cx, top);
        }
        let sc = &cx.sc;
        let axes = Axes {
            daily: r.period == headcount_query::Period::Day,
            ..Axes::PLAIN
        };
        let plot = time_plot(
            root,
            cx,
            (sc.pad, top, sc.w - sc.pad, sc.h - sc.pad / 2),
            &self.range.tz,
            (self.range.from, self.range.to),
            &Values::Percent { desc: "compliance" },
            axes,
        )?;
        for p in &r.periods {
            let (a, b) = (p.start.timestamp() as f64, p.end.timestamp() as f64);
            // A gap between bars of a tenth of a period on each side.
            let inset = (b - a) * 0.1;
            let x = (a + inset, b - inset);
            let color = match p.status {
                PeriodStatus::Met => met,
                PeriodStatus::Missed => missed,
                PeriodStatus::InProgress => running,
                PeriodStatus::NoData | PeriodStatus::NoHours | PeriodStatus::Upcoming => continue,
            };
            if let Some(c) = p.compliance
                && let Some(rect) = plot.rect(x, (0.0, c))
            {
                root.draw(&Rectangle::new(rect, color.filled()))?;
            }
            if p.status == PeriodStatus::InProgress
                && let Some(proj) = p.projected_compliance
            {
                let at = plot.at((a + b) / 2.0, proj);
                let radius = sc.px(4.0, 3.0);
                root.draw(&Circle::new(at, radius, pal.background.filled()))?;
                root.draw(&Circle::new(at, radius, color.stroke_width(sc.line)))?;
            }
        }
        let y = plot.py(r.objective);
        let dash = sc.px(6.0, 4.0) as u32;
        root.draw(&DashedPathElement::new(
            vec![(plot.left, y), (plot.right, y)],
            dash,
            dash,
            pal.marker.stroke_width(sc.line),
        ))?;
        Ok(())
    }
}

/// One measure of several targets on one time axis.
pub(crate) struct CompareChart<'a> {
    pub series: &'a CompareSeries,
    pub range: ChartRange,
}

impl Paint for CompareChart<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, cx: &Cx) -> Drawn {
        let s = self.series;
        let legend: Vec<Item> = s
            .lines
            .iter()
            .zip(LINES.iter().cycle())
            .map(|(l, c)| Item::new(Swatch::Line(*c), l.target.clone()))
            .collect();
        let what = match s.measure {
            Measure::Available => "agents available",
            Measure::LoggedIn => "agents logged in",
            Measure::AvailablePct => "available %",
            Measure::UtilizationPct => "utilization",
        };
        let title = format!("{what}, side by side");
        let sub = format!("{} buckets, {} targets", s.step.as_str(), s.lines.len());
        let has_data = s.lines.iter().any(|l| l.values.iter().any(Option::is_some));
        let legend = if has_data { &legend[..] } else { &[] };
        let top = header(root, cx, &title, &self.range, &sub, legend)?;
        if !has_data {
            return no_data(root, cx, top);
        }
        let max = s
            .lines
            .iter()
            .flat_map(|l| l.values.iter().flatten())
            .fold(0.0, |m: f64, v| m.max(*v));
        let values = match s.measure {
            Measure::Available | Measure::LoggedIn => Values::Count {
                max,
                desc: "agents",
            },
            Measure::AvailablePct | Measure::UtilizationPct => Values::Percent { desc: what },
        };
        let sc = &cx.sc;
        let plot = time_plot(
            root,
            cx,
            (sc.pad, top, sc.w - sc.pad, sc.h - sc.pad / 2),
            &self.range.tz,
            (self.range.from, self.range.to),
            &values,
            Axes::PLAIN,
        )?;
        let to = s.to.timestamp();
        let mids: Vec<f64> = s
            .starts
            .iter()
            .enumerate()
            .map(|(i, st)| {
                let end = s.starts.get(i + 1).map_or(to, |n| n.timestamp());
                (st.timestamp() as f64 + end as f64) / 2.0
            })
            .collect();
        for (l, color) in s.lines.iter().zip(LINES.iter().cycle()) {
            let pts = runs(l.values.iter().zip(&mids).map(|(v, x)| v.map(|v| (*x, v))));
            for r in &pts {
                line(root, &plot, r, color.stroke_width(sc.line))?;
            }
        }
        Ok(())
    }
}

/// A percentage without needless decimals: `95`, `99.5`.
fn pct(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}
