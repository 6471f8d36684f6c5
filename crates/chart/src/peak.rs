//! Peak against off-peak: mean staffing and the share of time in each state.

use headcount_query::{Profile, Side, State};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::axis::value_ticks;
use crate::canvas::{Cx, Drawn, Item, Paint, Swatch, header, no_data, put, text_width};
use crate::theme::is_light;

/// Peak vs off-peak side by side.
pub(crate) struct PeakChart<'a> {
    pub target: &'a str,
    pub profile: &'a Profile,
}

/// States from best to worst, the order of the stacked bars.
const STATES: [State; 6] = [
    State::Healthy,
    State::Monitor,
    State::Warning,
    State::Critical,
    State::Unavailable,
    State::NoAgents,
];

fn state_label(s: State) -> &'static str {
    match s {
        State::NoAgents => "no agents",
        other => other.as_str(),
    }
}

fn days_text(days: &[&str]) -> String {
    const ALL: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let cap = |d: &str| {
        let mut c = d.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default()
    };
    // A consecutive run reads better as a range: Mon–Fri.
    let idx: Vec<usize> = days
        .iter()
        .filter_map(|d| ALL.iter().position(|a| a == d))
        .collect();
    let consecutive = idx.windows(2).all(|w| w[1] == w[0] + 1);
    match (idx.first(), idx.last()) {
        (Some(&a), Some(&b)) if consecutive && b > a + 1 => {
            format!("{}–{}", cap(ALL[a]), cap(ALL[b]))
        }
        _ => days.iter().map(|d| cap(d)).collect::<Vec<_>>().join(", "),
    }
}

impl Paint for PeakChart<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, cx: &Cx) -> Drawn {
        let pal = &cx.pal;
        let sc = &cx.sc;
        let p = &self.profile.peak;
        let sides: [(&str, &Side); 2] = [("peak", &p.peak), ("off-peak", &p.off_peak)];
        let legend = [
            Item::new(Swatch::Block(pal.available), "available"),
            Item::new(Swatch::Block(pal.logged_in), "logged in"),
        ];
        let title = format!("{}: peak vs off-peak", self.target);
        let mut sub = format!(
            "peak = {} {} local",
            days_text(&p.window.days),
            p.window.hours.replace('-', "–")
        );
        if let Some(b) = p.busiest_hour
            && let Some(u) = b.utilization_pct
        {
            sub += &format!(" · busiest hour {:02}:00 ({u:.0}% utilized)", b.hour);
        }
        if let Some(q) = p.quietest_hour
            && let Some(l) = q.logged_in
        {
            sub += &format!(" · quietest {:02}:00 ({l:.1} logged in)", q.hour);
        }
        let top = header(root, cx, &title, Some(&sub), &legend)?;
        if sides.iter().all(|(_, s)| s.samples == 0) {
            return no_data(root, cx, top);
        }

        let label = cx.font(sc.small, pal.muted);
        let strong = cx.font(sc.small, pal.text);
        let panel_title = cx.bold(sc.small, pal.muted);
        let gap = (sc.small * 0.5).round() as i32;
        let row_h = (sc.small * 1.2).round() as i32;
        let mid = sc.w * 9 / 20;

        // Left: grouped bars of mean agents.
        put(
            root,
            "mean agents",
            &panel_title,
            (sc.pad, top),
            HPos::Left,
            VPos::Top,
        )?;
        let plot_top = top + row_h + gap + row_h;
        // Below the bars: the side's name and its utilization.
        let plot_bottom = sc.h - sc.pad / 2 - gap - 2 * row_h;
        let max = sides
            .iter()
            .filter_map(|(_, s)| s.logged_in)
            .fold(0.0, f64::max);
        let fit = ((f64::from(plot_bottom - plot_top) / (sc.small * 2.2)) as usize + 1).max(2);
        let (y_top, ticks) = value_ticks(max, fit, 1.0);
        let mut y_w = 0;
        for t in &ticks {
            y_w = y_w.max(text_width(root, &format!("{t:.0}"), &label)?);
        }
        let left = sc.pad + y_w + gap;
        let right = mid - sc.pad;
        let py =
            |v: f64| plot_bottom - ((v / y_top) * f64::from(plot_bottom - plot_top)).round() as i32;
        for &t in &ticks {
            let y = py(t);
            root.draw(&PathElement::new(
                vec![(left, y), (right, y)],
                pal.grid.stroke_width(1),
            ))?;
            put(
                root,
                &format!("{t:.0}"),
                &label,
                (left - gap, y),
                HPos::Right,
                VPos::Center,
            )?;
        }
        let group_w = (right - left) / 2;
        let value_w = text_width(root, "888.8", &strong)?;
        for (i, (name, side)) in sides.iter().enumerate() {
            let g0 = left + i as i32 * group_w;
            let bar_w = (group_w * 3 / 10).max(4);
            let cxm = g0 + group_w / 2;
            for (k, (v, color)) in [
                (side.available, pal.available),
                (side.logged_in, pal.logged_in),
            ]
            .into_iter()
            .enumerate()
            {
                let x0 = if k == 0 {
                    cxm - bar_w - gap / 2
                } else {
                    cxm + gap / 2
                };
                let Some(v) = v else { continue };
                let y = py(v);
                root.draw(&Rectangle::new(
                    [(x0, y), (x0 + bar_w, plot_bottom)],
                    color.filled(),
                ))?;
                if bar_w + gap >= value_w {
                    put(
                        root,
                        &format!("{v:.1}"),
                        &strong,
                        (x0 + bar_w / 2, y - gap / 2),
                        HPos::Center,
                        VPos::Bottom,
                    )?;
                }
            }
            put(
                root,
                name,
                &strong,
                (cxm, plot_bottom + gap),
                HPos::Center,
                VPos::Top,
            )?;
            let util = side
                .utilization_pct
                .map_or_else(|| "no data".to_owned(), |u| format!("{u:.0}% utilized"));
            put(
                root,
                &util,
                &label,
                (cxm, plot_bottom + gap + row_h),
                HPos::Center,
                VPos::Top,
            )?;
        }
        root.draw(&PathElement::new(
            vec![(left, plot_bottom), (right, plot_bottom)],
            pal.axis.stroke_width(1),
        ))?;

        // Right: the share of time in each state, one 100% bar per side.
        let rx = mid + sc.pad;
        put(
            root,
            "share of time by state",
            &panel_title,
            (rx, top),
            HPos::Left,
            VPos::Top,
        )?;
        let mut name_w = 0;
        for (name, _) in &sides {
            name_w = name_w.max(text_width(root, name, &strong)?);
        }
        let bar_left = rx + name_w + gap;
        let bar_right = sc.w - sc.pad;
        // The states legend sits under the bars, so the bars get what is left.
        let present: Vec<State> = STATES
            .into_iter()
            .filter(|&st| sides.iter().any(|(_, s)| s.states.get(st).count > 0))
            .collect();
        let legend_rows = state_legend_rows(root, cx, &present, sc.w - sc.pad - rx)?;
        let bars_top = top + row_h + gap;
        let bars_bottom = sc.h - sc.pad / 2 - legend_rows.len() as i32 * row_h - gap;
        let slot = (bars_bottom - bars_top) / 2;
        let bar_h = (slot * 11 / 20).min(sc.px(70.0, 14.0));
        let pct_w = text_width(root, "88%", &strong)?;
        for (i, (name, side)) in sides.iter().enumerate() {
            let cy = bars_top + slot * i as i32 + slot / 2;
            let (y0, y1) = (cy - bar_h / 2, cy + bar_h / 2);
            put(root, name, &strong, (rx, cy), HPos::Left, VPos::Center)?;
            if side.samples == 0 {
                put(
                    root,
                    "no data",
                    &label,
                    (bar_left, cy),
                    HPos::Left,
                    VPos::Center,
                )?;
                continue;
            }
            let mut acc = 0.0;
            for st in STATES {
                let share = side.states.get(st).share.unwrap_or(0.0);
                if share <= 0.0 {
                    continue;
                }
                let xa = bar_left + (acc * f64::from(bar_right - bar_left)).round() as i32;
                acc += share;
                let xb = bar_left + (acc * f64::from(bar_right - bar_left)).round() as i32;
                let color = pal.state(st);
                root.draw(&Rectangle::new(
                    [(xa, y0), (xb.max(xa + 1), y1)],
                    color.filled(),
                ))?;
                if xb - xa >= pct_w + gap && f64::from(bar_h) >= sc.small * 1.2 {
                    let ink = if is_light(color) {
                        RGBColor(0x1f, 0x23, 0x28)
                    } else {
                        RGBColor(0xff, 0xff, 0xff)
                    };
                    put(
                        root,
                        &format!("{:.0}%", share * 100.0),
                        &cx.font(sc.small, ink),
                        ((xa + xb) / 2, cy),
                        HPos::Center,
                        VPos::Center,
                    )?;
                }
            }
        }
        let mut y = bars_bottom + gap;
        for row in legend_rows {
            let mut x = rx;
            for (st, w) in row {
                crate::canvas::swatch(
                    root,
                    cx,
                    Swatch::Block(pal.state(st)),
                    (x, y + row_h / 2),
                    row_h,
                )?;
                put(
                    root,
                    state_label(st),
                    &cx.font(sc.small, pal.text),
                    (x + row_h + gap, y + row_h / 2),
                    HPos::Left,
                    VPos::Center,
                )?;
                x += w;
            }
            y += row_h;
        }
        Ok(())
    }
}

/// The states legend wrapped into rows `width` wide: each entry with its width.
fn state_legend_rows<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cx: &Cx,
    states: &[State],
    width: i32,
) -> Drawn<Vec<Vec<(State, i32)>>> {
    let font = cx.font(cx.sc.small, cx.pal.text);
    let row_h = (cx.sc.small * 1.2).round() as i32;
    let gap = (cx.sc.small * 0.5).round() as i32;
    let mut rows: Vec<Vec<(State, i32)>> = vec![Vec::new()];
    let mut used = 0;
    for &st in states {
        let w = row_h + gap + text_width(root, state_label(st), &font)? + gap * 2;
        if used + w > width && used > 0 {
            rows.push(Vec::new());
            used = 0;
        }
        used += w;
        if let Some(last) = rows.last_mut() {
            last.push((st, w));
        }
    }
    rows.retain(|r| !r.is_empty());
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_days_read_as_ranges_when_consecutive() {
        assert_eq!(days_text(&["mon", "tue", "wed", "thu", "fri"]), "Mon–Fri");
        assert_eq!(days_text(&["sat", "sun"]), "Sat, Sun");
        assert_eq!(days_text(&["mon", "wed"]), "Mon, Wed");
    }
}
