//! The heatmap: mean utilization by weekday and local hour of day.

use headcount_query::{HourStats, Profile, State};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::ChartRange;
use crate::canvas::{Cx, Drawn, Item, Paint, Swatch, hatch, header, no_data, put, text_width};
use crate::theme::{is_light, ramp};

/// Weekday × hour of day.
pub(crate) struct Heatmap<'a> {
    pub target: &'a str,
    pub profile: &'a Profile,
    pub range: ChartRange,
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// What a cell shows.
enum Cell {
    /// No ok samples in that weekday and hour.
    Empty,
    /// Samples, but nobody logged in: no utilization to speak of.
    NoAgents,
    Utilization(f64),
}

fn cell(h: &HourStats) -> Cell {
    match (h.samples, h.utilization_pct) {
        (0, _) => Cell::Empty,
        (_, None) => Cell::NoAgents,
        (_, Some(u)) => Cell::Utilization(u),
    }
}

impl Paint for Heatmap<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, cx: &Cx) -> Drawn {
        let pal = &cx.pal;
        let sc = &cx.sc;
        let cells: Vec<Vec<Cell>> = self
            .profile
            .heatmap
            .iter()
            .map(|row| row.hours.iter().map(cell).collect())
            .collect();
        let any = |f: fn(&Cell) -> bool| cells.iter().flatten().any(f);
        let mut legend = Vec::new();
        if any(|c| matches!(c, Cell::Empty)) {
            legend.push(Item::new(Swatch::Hatch, "no data"));
        }
        if any(|c| matches!(c, Cell::NoAgents)) {
            legend.push(Item::new(
                Swatch::Block(pal.state(State::NoAgents)),
                "no agents",
            ));
        }
        let title = format!("{}: utilization by weekday and hour", self.target);
        let sub = match self.profile.peak.busiest_hour {
            Some(HourStats {
                hour,
                utilization_pct: Some(u),
                ..
            }) => format!(
                "mean utilization per local hour · busiest hour of day {hour:02}:00–{:02}:00 ({u:.0}%)",
                (hour + 1) % 24
            ),
            _ => "mean utilization per local hour".to_owned(),
        };
        let has_data = any(|c| !matches!(c, Cell::Empty));
        // A legend for lines that are not drawn would only puzzle.
        let legend = if has_data { &legend[..] } else { &[] };
        let top = header(root, cx, &title, &self.range, &sub, legend)?;
        if !has_data {
            return no_data(root, cx, top);
        }

        let label = cx.font(sc.small, pal.muted);
        let gap = (sc.small * 0.5).round() as i32;
        let mut day_w = 0;
        for d in DAYS {
            day_w = day_w.max(text_width(root, d, &label)?);
        }
        // The colour scale on the right: a bar and its labels.
        let bar_w = sc.px(14.0, 8.0);
        let scale_label_w = text_width(root, "100%", &label)?;
        let scale_w = gap * 2 + bar_w + gap + scale_label_w;
        let left = sc.pad + day_w + gap;
        let right = sc.w - sc.pad - scale_w;
        let grid_top = top + (sc.small * 0.5).round() as i32;
        let hours_h = gap + (sc.small * 1.15).round() as i32;
        let desc_h = if sc.compact {
            0
        } else {
            (sc.small * 1.4).round() as i32
        };
        let bottom = sc.h - sc.pad / 2 - hours_h - desc_h;
        let (gw, gh) = (right - left, bottom - grid_top);
        let col = |i: i32| left + i * gw / 24;
        let row = |j: i32| grid_top + j * gh / 7;
        let inset = if gw / 24 >= 12 { 1 } else { 0 };

        let value_font = cx.font(sc.small, pal.text);
        let value_w = text_width(root, "100", &value_font)?;
        let show_values = gw / 24 >= value_w + 4 && f64::from(gh / 7) >= sc.small * 1.2;
        for (j, hours) in cells.iter().enumerate() {
            let j = j as i32;
            let (y0, y1) = (row(j) + inset, row(j + 1) - inset);
            put(
                root,
                DAYS[j as usize],
                &label,
                (left - gap, (y0 + y1) / 2),
                HPos::Right,
                VPos::Center,
            )?;
            for (i, c) in hours.iter().enumerate() {
                let i = i as i32;
                let (x0, x1) = (col(i) + inset, col(i + 1) - inset);
                match c {
                    Cell::Empty => hatch(root, cx, (x0, y0), (x1, y1))?,
                    Cell::NoAgents => root.draw(&Rectangle::new(
                        [(x0, y0), (x1, y1)],
                        pal.state(State::NoAgents).filled(),
                    ))?,
                    Cell::Utilization(u) => {
                        let color = ramp(u / 100.0);
                        root.draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))?;
                        if show_values {
                            let ink = if is_light(color) {
                                RGBColor(0x1f, 0x23, 0x28)
                            } else {
                                RGBColor(0xff, 0xff, 0xff)
                            };
                            put(
                                root,
                                &format!("{u:.0}"),
                                &cx.font(sc.small, ink),
                                ((x0 + x1) / 2, (y0 + y1) / 2),
                                HPos::Center,
                                VPos::Center,
                            )?;
                        }
                    }
                }
            }
        }

        // Hour labels: every 1, 2, 3, 4 or 6 hours, whichever fits.
        let hour_w = text_width(root, "00", &label)? + gap;
        let every = [1, 2, 3, 4, 6]
            .into_iter()
            .find(|k| k * gw / 24 >= hour_w)
            .unwrap_or(6);
        for h in (0..24).step_by(every as usize) {
            let x = (col(h) + col(h + 1)) / 2;
            put(
                root,
                &format!("{h:02}"),
                &label,
                (x, bottom + gap),
                HPos::Center,
                VPos::Top,
            )?;
        }
        if desc_h > 0 {
            put(
                root,
                "hour of day (local time)",
                &label,
                ((left + right) / 2, bottom + hours_h),
                HPos::Center,
                VPos::Top,
            )?;
        }

        // The colour scale, 0–100% bottom to top, in slices fine enough to look smooth.
        let bx = right + gap * 2;
        let slices = ((gh / 3).clamp(8, 64)) as usize;
        for k in 0..slices {
            let ya = bottom - (k as i32) * gh / slices as i32;
            let yb = bottom - (k as i32 + 1) * gh / slices as i32;
            let t = (k as f64 + 0.5) / slices as f64;
            root.draw(&Rectangle::new(
                [(bx, yb), (bx + bar_w, ya)],
                ramp(t).filled(),
            ))?;
        }
        let scale_ticks: &[i32] = if gh >= 160 {
            &[0, 25, 50, 75, 100]
        } else {
            &[0, 50, 100]
        };
        for &v in scale_ticks {
            let y = bottom - v * gh / 100;
            put(
                root,
                &format!("{v}%"),
                &label,
                (bx + bar_w + gap, y),
                HPos::Left,
                VPos::Center,
            )?;
        }
        Ok(())
    }
}
