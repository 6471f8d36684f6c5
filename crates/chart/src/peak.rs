//! Peak against off-peak: mean staffing and the share of time in each state.

use headcount_query::{Profile, Side, State};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::ChartRange;
use crate::axis::value_ticks;
use crate::canvas::{Cx, Drawn, Item, Paint, Swatch, header, no_data, put, swatch, text_width};
use crate::plot::tick_count;
use crate::theme::is_light;

/// Peak vs off-peak side by side.
pub(crate) struct PeakChart<'a> {
    pub target: &'a str,
    pub profile: &'a Profile,
    pub range: ChartRange,
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
        let sides: Sides<'_> = [("peak", &p.peak), ("off-peak", &p.off_peak)];
        let legend = [
            Item::new(Swatch::Block(pal.available), "available"),
            Item::new(Swatch::Block(pal.logged_in), "logged in"),
        ];
        let title = format!("{}: peak vs off-peak", self.target);
        // The zone is named with the range: peak hours are in its local time.
        let mut sub = format!(
            "peak = {} {}",
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
        let has_data = sides.iter().any(|(_, s)| s.samples > 0);
        // A legend for lines that are not drawn would only puzzle.
        let legend = if has_data { &legend[..] } else { &[] };
        let top = header(root, cx, &title, &self.range, &sub, legend)?;
        if !has_data {
            return no_data(root, cx, top);
        }

        let row_h = (sc.small * 1.2).round() as i32;
        let gap = (sc.small * 0.5).round() as i32;
        let mut bottom = sc.h - sc.pad / 2;
        let body_h = bottom - top;
        // Too small for two panels: the staffing bars alone, which the header's
        // legend explains.
        let narrow = sc.w < 360 || body_h < row_h * 7;
        let titles = body_h >= row_h * 9;
        let mid = if narrow { sc.w } else { sc.w * 9 / 20 };
        let shares_box = (mid + sc.pad, sc.w - sc.pad);
        // The key of state colours goes on one row under the shares bars; where that
        // panel is too narrow for it, on one row across the picture's foot; only
        // where even that is too narrow, in rows there. An entry is never split.
        let present: Vec<State> = STATES
            .into_iter()
            .filter(|&st| sides.iter().any(|(_, s)| s.states.get(st).count > 0))
            .collect();
        let key = if narrow || !cx.legend {
            Vec::new()
        } else {
            state_key(root, cx, &present)?
        };
        let key_w: i32 = key.iter().map(|e| e.1).sum();
        let mut in_panel = Vec::new();
        if !key.is_empty() {
            if key_w <= shares_box.1 - shares_box.0 {
                in_panel = key;
            } else {
                let rows = wrap_key(&key, sc.w - 2 * sc.pad);
                bottom -= rows.len() as i32 * row_h + gap;
                draw_key(root, cx, &rows, sc.pad, bottom + gap)?;
            }
        }
        let bounds = (sc.pad, top, mid - sc.pad, bottom);
        self.staffing(root, cx, &sides, bounds, titles)?;
        if !narrow {
            let bounds = (shares_box.0, top, shares_box.1, bottom);
            self.shares(root, cx, &sides, bounds, titles, in_panel)?;
        }
        Ok(())
    }
}

type Sides<'a> = [(&'static str, &'a Side); 2];

impl PeakChart<'_> {
    /// Grouped bars of mean available and logged in, each side named below with its
    /// utilization, inside `(left, top, right, bottom)`.
    fn staffing<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        cx: &Cx,
        sides: &Sides<'_>,
        (left, top, right, bottom): (i32, i32, i32, i32),
        titles: bool,
    ) -> Drawn {
        let (pal, sc) = (&cx.pal, &cx.sc);
        let label = cx.font(sc.small, pal.muted);
        let strong = cx.font(sc.small, pal.text);
        let gap = (sc.small * 0.5).round() as i32;
        let row_h = (sc.small * 1.2).round() as i32;
        let mut plot_top = top;
        if titles {
            let style = cx.bold(sc.small, pal.muted);
            put(
                root,
                "mean agents",
                &style,
                (left, top),
                HPos::Left,
                VPos::Top,
            )?;
            plot_top += row_h + gap;
        }
        // Room above the tallest bar for its value.
        plot_top += row_h;
        // Below the bars: each side's name, and its utilization where there is room.
        let util_row = bottom - plot_top >= row_h * 6;
        let plot_bottom = bottom - gap - row_h * if util_row { 2 } else { 1 };
        let max = sides
            .iter()
            .filter_map(|(_, s)| s.logged_in)
            .fold(0.0, f64::max);
        let fit = tick_count(plot_bottom - plot_top, sc.small);
        let (y_top, ticks) = value_ticks(max, fit, 1.0);
        let mut y_w = 0;
        for t in &ticks {
            y_w = y_w.max(text_width(root, &format!("{t:.0}"), &label)?);
        }
        let plot_left = left + y_w + gap;
        let span = f64::from(plot_bottom - plot_top);
        let py = |v: f64| plot_bottom - ((v / y_top) * span).round() as i32;
        for &t in &ticks {
            let y = py(t);
            root.draw(&PathElement::new(
                vec![(plot_left, y), (right, y)],
                pal.grid.stroke_width(1),
            ))?;
            let text = format!("{t:.0}");
            put(
                root,
                &text,
                &label,
                (plot_left - gap, y),
                HPos::Right,
                VPos::Center,
            )?;
        }
        let group_w = (right - plot_left) / 2;
        let value_w = text_width(root, "888.8", &strong)?;
        for (i, (name, side)) in sides.iter().enumerate() {
            let centre = plot_left + i as i32 * group_w + group_w / 2;
            let bar_w = (group_w * 3 / 10).max(4);
            let bars = [
                (side.available, pal.available, centre - bar_w - gap / 2),
                (side.logged_in, pal.logged_in, centre + gap / 2),
            ];
            for (v, color, x0) in bars {
                let Some(v) = v else { continue };
                let y = py(v);
                root.draw(&Rectangle::new(
                    [(x0, y), (x0 + bar_w, plot_bottom)],
                    color.filled(),
                ))?;
                if bar_w + gap >= value_w {
                    let at = (x0 + bar_w / 2, y - gap / 2);
                    put(
                        root,
                        &format!("{v:.1}"),
                        &strong,
                        at,
                        HPos::Center,
                        VPos::Bottom,
                    )?;
                }
            }
            let at = (centre, plot_bottom + gap);
            put(root, name, &strong, at, HPos::Center, VPos::Top)?;
            if util_row {
                let util = side
                    .utilization_pct
                    .map_or_else(|| "no data".to_owned(), |u| format!("{u:.0}% utilized"));
                let at = (centre, plot_bottom + gap + row_h);
                put(root, &util, &label, at, HPos::Center, VPos::Top)?;
            }
        }
        root.draw(&PathElement::new(
            vec![(plot_left, plot_bottom), (right, plot_bottom)],
            pal.axis.stroke_width(1),
        ))?;
        Ok(())
    }

    /// One 100% bar per side, split by the share of time in each state, with `key`
    /// (the states' colours, when they fit this panel) on a row below.
    fn shares<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        cx: &Cx,
        sides: &Sides<'_>,
        (left, top, right, bottom): (i32, i32, i32, i32),
        titles: bool,
        key: Vec<KeyEntry>,
    ) -> Drawn {
        let (pal, sc) = (&cx.pal, &cx.sc);
        let label = cx.font(sc.small, pal.muted);
        let strong = cx.font(sc.small, pal.text);
        let gap = (sc.small * 0.5).round() as i32;
        let row_h = (sc.small * 1.2).round() as i32;
        let mut bars_top = top;
        if titles {
            let style = cx.bold(sc.small, pal.muted);
            let text = "share of time by state";
            put(root, text, &style, (left, top), HPos::Left, VPos::Top)?;
            bars_top += row_h + gap;
        }
        let mut name_w = 0;
        for (name, _) in sides {
            name_w = name_w.max(text_width(root, name, &strong)?);
        }
        let bar_left = left + name_w + gap;
        // The key (one row, or none) goes first when the bars would get less than two
        // rows each.
        let key_rows = if key.is_empty() || bottom - bars_top - row_h - gap < row_h * 4 {
            Vec::new()
        } else {
            vec![key]
        };
        let bars_bottom = bottom - key_rows.len() as i32 * row_h - gap;
        let slot = (bars_bottom - bars_top) / 2;
        let bar_h = (slot * 11 / 20).min(sc.px(70.0, 14.0));
        let pct_w = text_width(root, "88%", &strong)?;
        for (i, (name, side)) in sides.iter().enumerate() {
            let cy = bars_top + slot * i as i32 + slot / 2;
            let (y0, y1) = (cy - bar_h / 2, cy + bar_h / 2);
            put(root, name, &strong, (left, cy), HPos::Left, VPos::Center)?;
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
            let width = f64::from(right - bar_left);
            let mut acc = 0.0;
            for st in STATES {
                let share = side.states.get(st).share.unwrap_or(0.0);
                if share <= 0.0 {
                    continue;
                }
                let xa = bar_left + (acc * width).round() as i32;
                acc += share;
                let xb = bar_left + (acc * width).round() as i32;
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
        draw_key(root, cx, &key_rows, left, bars_bottom + gap)
    }
}

/// One entry of the key of state colours: the state and the width it takes.
type KeyEntry = (State, i32);

/// The key's entries for `states`, each with its width: swatch, gap, label, spacing.
fn state_key<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cx: &Cx,
    states: &[State],
) -> Drawn<Vec<KeyEntry>> {
    let font = cx.font(cx.sc.small, cx.pal.text);
    let row_h = (cx.sc.small * 1.2).round() as i32;
    let gap = (cx.sc.small * 0.5).round() as i32;
    states
        .iter()
        .map(|&st| {
            Ok((
                st,
                row_h + gap + text_width(root, state_label(st), &font)? + gap * 2,
            ))
        })
        .collect()
}

/// `key` in rows at most `width` wide, whole entries only (one too wide for any row
/// gets a row of its own).
fn wrap_key(key: &[KeyEntry], width: i32) -> Vec<Vec<KeyEntry>> {
    let mut rows: Vec<Vec<KeyEntry>> = Vec::new();
    let mut used = 0;
    for &e in key {
        match rows.last_mut() {
            Some(row) if used + e.1 <= width => row.push(e),
            _ => {
                rows.push(vec![e]);
                used = 0;
            }
        }
        used += e.1;
    }
    rows
}

/// Draws key rows from `(left, top)` down.
fn draw_key<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cx: &Cx,
    rows: &[Vec<KeyEntry>],
    left: i32,
    top: i32,
) -> Drawn {
    let text = cx.font(cx.sc.small, cx.pal.text);
    let row_h = (cx.sc.small * 1.2).round() as i32;
    let gap = (cx.sc.small * 0.5).round() as i32;
    let mut y = top;
    for row in rows {
        let mut x = left;
        for &(st, w) in row {
            let cy = y + row_h / 2;
            swatch(root, cx, Swatch::Block(cx.pal.state(st)), (x, cy), row_h)?;
            put(
                root,
                state_label(st),
                &text,
                (x + row_h + gap, cy),
                HPos::Left,
                VPos::Center,
            )?;
            x += w;
        }
        y += row_h;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_key_wraps_whole_entries_only() {
        let (h, m, n) = (State::Healthy, State::Monitor, State::NoAgents);
        let key = [(h, 70), (m, 70), (n, 90)];
        assert_eq!(wrap_key(&key, 230), vec![key.to_vec()]);
        assert_eq!(
            wrap_key(&key, 200),
            vec![vec![(h, 70), (m, 70)], vec![(n, 90)]]
        );
        assert_eq!(wrap_key(&key, 50).len(), 3);
    }

    #[test]
    fn peak_days_read_as_ranges_when_consecutive() {
        assert_eq!(days_text(&["mon", "tue", "wed", "thu", "fri"]), "Mon–Fri");
        assert_eq!(days_text(&["sat", "sun"]), "Sat, Sun");
        assert_eq!(days_text(&["mon", "wed"]), "Mon, Wed");
    }
}
