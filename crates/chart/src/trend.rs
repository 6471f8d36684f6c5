//! The trend: daily means and their 7-day averages, then the hourly forecast.
//!
//! Two kinds of day value are marked rather than drawn like the rest:
//! - A **partial day** — one that ends after the range does (today, while it lasts) —
//!   holds only the hours from its start to the range's end: its values are drawn as
//!   hollow dots in the middle of those hours (left of the "range end" marker), not
//!   joined to the other days, and the marker says which hours they are ("so far
//!   00:00–10:00"). The query crate sums whole local days, so this relies on the range
//!   ending at or before the last data, as a range ending `now` does.
//! - A **7-day average built from fewer than 7 whole days** is drawn dashed: one whose
//!   window (the day and the 6 before it) has a day without data, a partial day, or a
//!   day the trend does not reach back to. So the start of the history and the
//!   partial day's own average are told apart from settled averages.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use headcount_query::{Band, Forecast, ForecastHour, Trend, TrendDay};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::ChartRange;
use crate::canvas::{Cx, Drawn, Item, Paint, Swatch, header, no_data, put, text_width};
use crate::plot::{Axes, Plot, Values, band, line, runs, time_plot};

/// Daily means, moving averages, forecast with its band.
pub(crate) struct TrendChart<'a> {
    pub target: &'a str,
    pub trend: &'a Trend,
    pub forecast: &'a Forecast,
    pub range: ChartRange,
}

/// A day of the range as the chart draws it.
struct Day<'a> {
    day: &'a TrendDay,
    start: i64,
    end: i64,
    /// The end of its hours within the range: `end`, or the range's end for a partial
    /// day.
    until: i64,
    /// Whether its 7-day average had 7 whole days with data.
    full_week: bool,
}

impl Day<'_> {
    fn partial(&self) -> bool {
        self.until < self.end
    }

    /// Where its values are plotted: the middle of its hours in the range.
    fn x(&self) -> f64 {
        (self.start as f64 + self.until as f64) / 2.0
    }
}

/// The instant local `date` starts in `tz`: its midnight, or the first whole hour
/// after it where the clock skips midnight (Cairo's spring-forward).
fn day_start(tz: Tz, date: NaiveDate) -> Option<i64> {
    (0..4).find_map(|h| {
        let t = NaiveTime::from_hms_opt(h, 0, 0)?;
        let local = tz.from_local_datetime(&date.and_time(t)).earliest()?;
        Some(local.timestamp())
    })
}

/// The days of `trend` that intersect `range`, with their bounds and whether each
/// day's 7-day average had 7 whole days.
fn days<'a>(trend: &'a Trend, range: &ChartRange) -> Vec<Day<'a>> {
    let all = &trend.days;
    let end_of = |i: usize| {
        all.get(i + 1)
            .map(|n| n.start.timestamp())
            .or_else(|| day_start(range.tz, all[i].date.checked_add_days(Days::new(1))?))
            .unwrap_or(all[i].start.timestamp() + 86_400)
    };
    // Whole days with data, by date: what a full 7-day window needs.
    let whole: BTreeSet<NaiveDate> = (0..all.len())
        .filter(|&i| all[i].logged_in.is_some() && end_of(i) <= range.to)
        .map(|i| all[i].date)
        .collect();
    (0..all.len())
        .filter_map(|i| {
            let (start, end) = (all[i].start.timestamp(), end_of(i));
            if start >= range.to || end <= range.from {
                return None;
            }
            let date = all[i].date;
            let full_week = (0..7).all(|back| {
                date.checked_sub_days(Days::new(back))
                    .is_some_and(|d| whole.contains(&d))
            });
            Some(Day {
                day: &all[i],
                start,
                end,
                until: end.min(range.to),
                full_week,
            })
        })
        .collect()
}

fn hour_mid(h: &ForecastHour) -> f64 {
    h.start.timestamp() as f64 + 1800.0
}

type Pick = fn(&TrendDay) -> Option<f64>;

impl Paint for TrendChart<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, cx: &Cx) -> Drawn {
        let pal = &cx.pal;
        let sc = &cx.sc;
        let days = days(self.trend, &self.range);
        let hours = &self.forecast.hours;
        let has_forecast = hours.iter().any(|h| h.logged_in.is_some());
        let has = |f: fn(&Day<'_>) -> bool| days.iter().any(f);
        let partial = days
            .iter()
            .find(|d| d.partial() && d.day.logged_in.is_some());
        let mut legend = vec![
            Item::new(Swatch::Line(pal.available), "available"),
            Item::new(Swatch::Line(pal.logged_in), "logged in"),
            Item::new(Swatch::Dots(pal.muted), "daily"),
            Item::new(Swatch::Line(pal.muted), "7-day average"),
        ];
        if partial.is_some() {
            legend.push(Item::new(Swatch::Hollow(pal.muted), "partial day"));
        }
        if has(|d| !d.full_week && d.day.moving_avg_7d.logged_in.is_some()) {
            legend.push(Item::new(
                Swatch::Dashed(pal.muted),
                "7-day avg (fewer than 7 days)",
            ));
        }
        if has_forecast {
            legend.push(Item::new(
                Swatch::DashedBand(pal.muted),
                "forecast, low–high",
            ));
        }
        let title = if hours.is_empty() {
            format!("{}: daily trend", self.target)
        } else {
            format!("{}: daily trend and forecast", self.target)
        };
        let sub = match (hours.is_empty(), has_forecast) {
            (true, _) => "daily means".to_owned(),
            (false, true) => format!(
                "daily means · forecast: each coming hour from the same hour of the last {} weeks",
                self.forecast.lookback_weeks
            ),
            (false, false) => "daily means · no forecast: too little history".to_owned(),
        };
        let has_data = days.iter().any(|d| d.day.logged_in.is_some()) || has_forecast;
        // A legend for lines that are not drawn would only puzzle.
        let legend = if has_data { &legend[..] } else { &[] };
        let top = header(root, cx, &title, &self.range, &sub, legend)?;
        if !has_data {
            return no_data(root, cx, top);
        }

        let days_span = days.first().zip(days.last()).map(|(a, b)| (a.start, b.end));
        let hours_span = hours
            .first()
            .zip(hours.last())
            .filter(|_| has_forecast)
            .map(|(a, b)| (a.start.timestamp(), b.start.timestamp() + 3600));

        let max = days
            .iter()
            .flat_map(|d| {
                [
                    d.day.logged_in,
                    d.day.moving_avg_7d.logged_in,
                    d.day.available,
                ]
            })
            .chain(hours.iter().map(|h| h.logged_in.map(|b| b.high)))
            .flatten()
            .fold(0.0, f64::max);
        let clock = self.range.tz;
        let values = Values::Count {
            max,
            desc: "agents",
        };
        let (left, right) = (sc.pad, sc.w - sc.pad);
        let (top, bottom) = (top, sc.h - sc.pad / 2);
        // Weeks of days and a day of hours on one axis would squeeze the forecast into
        // a sliver: it gets a panel of its own on the same value scale.
        let split = match (days_span, hours_span) {
            (Some(_), Some(_)) => right - (right - left) * if sc.compact { 36 } else { 30 } / 100,
            (None, Some(_)) => left,
            _ => right,
        };
        let mut y_labels = true;
        if let Some(span) = days_span.filter(|_| split > left) {
            let axes = Axes {
                y_labels: true,
                daily: true,
            };
            let plot = time_plot(
                root,
                cx,
                (left, top, split, bottom),
                &clock,
                span,
                &values,
                axes,
            )?;
            y_labels = false;
            draw_days(root, cx, &plot, &days)?;
            // The partial day's hours, under the marker's name; small pictures have
            // no room for it above their few ticks, and the hollow dots stand alone.
            let note = partial.filter(|_| !sc.compact).map(|d| {
                let hm = |t: i64| crate::axis::Clock::local(&clock, t).format("%H:%M");
                format!("so far {}–{}", hm(d.start), hm(d.until))
            });
            marker(
                root,
                cx,
                &plot,
                self.range.to as f64,
                "range end",
                note.as_deref(),
            )?;
        }
        if let Some(span) = hours_span {
            let gap = if y_labels { 0 } else { sc.pad };
            let axes = Axes {
                y_labels,
                daily: false,
            };
            let bounds = (split + gap, top, right, bottom);
            let plot = time_plot(root, cx, bounds, &clock, span, &values, axes)?;
            self.draw_forecast(root, cx, &plot)?;
            // Named when the name fits the panel; the shorter name, or none, when not.
            let font = cx.font(sc.small, pal.text);
            let room = plot.right - plot.left - sc.pad;
            for text in [
                format!("forecast, next {} h", hours.len()),
                "forecast".to_owned(),
            ] {
                if text_width(root, &text, &font)? <= room {
                    let at = (plot.left + sc.pad / 2, plot.top);
                    put(root, &text, &font, at, HPos::Left, VPos::Top)?;
                    break;
                }
            }
        }
        Ok(())
    }
}

/// Daily values as dots (hollow for a partial day, which is not joined to the
/// others) and their 7-day averages as lines, dashed where built from fewer than 7
/// whole days.
fn draw_days<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cx: &Cx,
    plot: &Plot,
    days: &[Day<'_>],
) -> Drawn {
    let (pal, sc) = (&cx.pal, &cx.sc);
    let dash = sc.px(6.0, 4.0) as u32;
    let lines: [(RGBColor, Pick, Pick); 2] = [
        (
            pal.logged_in,
            |d| d.logged_in,
            |d| d.moving_avg_7d.logged_in,
        ),
        (
            pal.available,
            |d| d.available,
            |d| d.moving_avg_7d.available,
        ),
    ];
    for (color, daily, avg) in lines {
        let whole = runs(
            days.iter()
                .map(|d| daily(d.day).filter(|_| !d.partial()).map(|v| (d.x(), v))),
        );
        for r in &whole {
            line(root, plot, r, color.mix(0.45).stroke_width(1))?;
        }
        let r = (sc.line + 1).max(2);
        for d in days {
            let Some(v) = daily(d.day) else { continue };
            let style = if d.partial() {
                // Hollow: the background inside, a ring of the line's colour.
                root.draw(&Circle::new(plot.at(d.x(), v), r, pal.background.filled()))?;
                color.stroke_width(sc.line.max(1))
            } else {
                color.filled()
            };
            root.draw(&Circle::new(plot.at(d.x(), v), r, style))?;
        }
        // Each run of averages, cut where a segment changes between solid (both ends
        // from 7 whole days) and dashed.
        let pts: Vec<Option<(f64, f64, bool)>> = days
            .iter()
            .map(|d| avg(d.day).map(|v| (d.x(), v, d.full_week)))
            .collect();
        let style = color.stroke_width(sc.line + 1);
        for run in runs(pts) {
            if let [(x, v, full)] = run[..] {
                if full {
                    line(root, plot, &[(x, v)], style)?;
                } else {
                    root.draw(&Circle::new(plot.at(x, v), sc.line + 1, style))?;
                }
                continue;
            }
            let mut piece: Vec<(f64, f64)> = vec![(run[0].0, run[0].1)];
            let mut solid = run[0].2 && run[1].2;
            for w in run.windows(2) {
                let seg = w[0].2 && w[1].2;
                if seg != solid {
                    draw_average(root, plot, &piece, solid, dash, style)?;
                    piece = vec![(w[0].0, w[0].1)];
                    solid = seg;
                }
                piece.push((w[1].0, w[1].1));
            }
            draw_average(root, plot, &piece, solid, dash, style)?;
        }
    }
    Ok(())
}

fn draw_average<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    pts: &[(f64, f64)],
    solid: bool,
    dash: u32,
    style: ShapeStyle,
) -> Drawn {
    if solid {
        line(root, plot, pts, style)
    } else {
        dashed(root, plot, pts, dash, style)
    }
}

impl TrendChart<'_> {
    fn draw_forecast<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        cx: &Cx,
        plot: &Plot,
    ) -> Drawn {
        let (pal, sc) = (&cx.pal, &cx.sc);
        let hours = &self.forecast.hours;
        let dash = sc.px(6.0, 4.0) as u32;
        for (color, pick) in [
            (
                pal.logged_in,
                (|b: &ForecastHour| b.logged_in) as fn(&ForecastHour) -> Option<Band>,
            ),
            (pal.available, |b: &ForecastHour| b.available),
        ] {
            let bands = runs(
                hours
                    .iter()
                    .map(|h| pick(h).map(|b| (hour_mid(h), b.low, b.high))),
            );
            for r in &bands {
                band(root, plot, r, color.mix(pal.tint * 1.5).filled())?;
            }
            for r in runs(hours.iter().map(|h| pick(h).map(|b| (hour_mid(h), b.mean)))) {
                dashed(root, plot, &r, dash, color.stroke_width(sc.line + 1))?;
            }
        }
        Ok(())
    }
}

/// A dashed line through `pts`.
fn dashed<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    pts: &[(f64, f64)],
    dash: u32,
    style: ShapeStyle,
) -> Drawn {
    let px: Vec<(i32, i32)> = pts.iter().map(|&(x, y)| plot.at(x, y)).collect();
    if px.len() < 2 {
        return crate::plot::line(root, plot, pts, style);
    }
    root.draw(&DashedPathElement::new(px, dash, dash, style))?;
    Ok(())
}

/// A dashed vertical marker at `at`, labelled on its left with `text` and, below
/// it, `note`, each when it fits.
fn marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cx: &Cx,
    plot: &Plot,
    at: f64,
    text: &str,
    note: Option<&str>,
) -> Drawn {
    if at <= plot.x.0 || at > plot.x.1 {
        return Ok(());
    }
    let x = plot.px(at);
    let dash = cx.sc.px(3.0, 3.0) as u32;
    root.draw(&DashedPathElement::new(
        vec![(x, plot.top), (x, plot.bottom)],
        dash,
        dash,
        cx.pal.marker.stroke_width(1),
    ))?;
    let gap = (cx.sc.small * 0.4).round() as i32;
    let row = (cx.sc.small * 1.2).round() as i32;
    let lines = [
        (text, cx.font(cx.sc.small, cx.pal.text)),
        (note.unwrap_or_default(), cx.font(cx.sc.small, cx.pal.muted)),
    ];
    for (i, (t, font)) in lines.iter().enumerate() {
        if !t.is_empty() && x - gap - text_width(root, t, font)? >= plot.left {
            let y = plot.top + i as i32 * row;
            put(root, t, font, (x - gap, y), HPos::Right, VPos::Top)?;
        }
    }
    Ok(())
}
