//! The trend: daily means and their 7-day averages, then the hourly forecast.

use headcount_query::{Band, Forecast, ForecastHour, Trend, TrendDay};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::axis::Offsets;
use crate::canvas::{Cx, Drawn, Item, Paint, Swatch, header, no_data, put, text_width};
use crate::plot::{Axes, Plot, Values, band, line, runs, time_plot};

/// Daily means, moving averages, forecast with its band.
pub(crate) struct TrendChart<'a> {
    pub target: &'a str,
    pub trend: &'a Trend,
    pub forecast: &'a Forecast,
}

/// Where each day is plotted: its middle (local days are 23 to 25 hours).
fn day_mids(days: &[TrendDay]) -> Vec<f64> {
    days.iter()
        .enumerate()
        .map(|(i, d)| {
            let a = d.start.timestamp();
            let b = days.get(i + 1).map_or(a + 86_400, |n| n.start.timestamp());
            (a as f64 + b as f64) / 2.0
        })
        .collect()
}

fn hour_mid(h: &ForecastHour) -> f64 {
    h.start.timestamp() as f64 + 1800.0
}

impl Paint for TrendChart<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, cx: &Cx) -> Drawn {
        let pal = &cx.pal;
        let sc = &cx.sc;
        let days = &self.trend.days;
        let hours = &self.forecast.hours;
        let has_forecast = hours.iter().any(|h| h.logged_in.is_some());
        let mut legend = vec![
            Item::new(Swatch::Line(pal.available), "available"),
            Item::new(Swatch::Line(pal.logged_in), "logged in"),
            Item::new(Swatch::Dots(pal.muted), "daily"),
            Item::new(Swatch::Line(pal.muted), "7-day average"),
        ];
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
        let forecast_note = match (hours.is_empty(), has_forecast) {
            (true, _) => String::new(),
            (false, true) => format!(
                " · forecast: each coming hour from the same hour of the last {} weeks",
                self.forecast.lookback_weeks
            ),
            (false, false) => " · no forecast: too little history".to_owned(),
        };
        let sub = match (days.first(), days.last()) {
            (Some(a), Some(b)) if a.date != b.date => format!(
                "{} – {} · daily means{forecast_note}",
                a.date.format("%b %-d"),
                b.date.format("%b %-d, %Y"),
            ),
            (Some(a), _) => format!(
                "{} · daily means{forecast_note}",
                a.date.format("%b %-d, %Y")
            ),
            _ => String::new(),
        };
        let has_data = days.iter().any(|d| d.logged_in.is_some()) || has_forecast;
        // A legend for lines that are not drawn would only puzzle.
        let legend = if has_data { &legend[..] } else { &[] };
        let top = header(root, cx, &title, Some(&sub), legend)?;
        if !has_data {
            return no_data(root, cx, top);
        }

        let mids = day_mids(days);
        let days_span = days
            .first()
            .zip(days.last())
            .map(|(a, b)| (a.start.timestamp(), b.start.timestamp() + 86_400));
        let hours_span = hours
            .first()
            .zip(hours.last())
            .filter(|_| has_forecast)
            .map(|(a, b)| (a.start.timestamp(), b.start.timestamp() + 3600));
        // The range ends where the forecast starts (the first whole hour after it).
        let end = hours.first().map(|h| h.start.timestamp());

        let max = days
            .iter()
            .flat_map(|d| [d.logged_in, d.moving_avg_7d.logged_in, d.available])
            .chain(hours.iter().map(|h| h.logged_in.map(|b| b.high)))
            .flatten()
            .fold(0.0, f64::max);
        let clock = Offsets::new(
            days.iter()
                .map(|d| d.start)
                .chain(hours.iter().map(|h| h.start)),
        );
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
            self.draw_days(root, cx, &plot, &mids)?;
            if let Some(end) = end {
                marker(root, cx, &plot, end as f64, "range end")?;
            }
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

impl TrendChart<'_> {
    fn draw_days<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        cx: &Cx,
        plot: &Plot,
        mids: &[f64],
    ) -> Drawn {
        let (pal, sc) = (&cx.pal, &cx.sc);
        let days = &self.trend.days;
        for (color, daily, avg) in [
            (
                pal.logged_in,
                (|d: &TrendDay| d.logged_in) as fn(&TrendDay) -> Option<f64>,
                (|d: &TrendDay| d.moving_avg_7d.logged_in) as fn(&TrendDay) -> Option<f64>,
            ),
            (
                pal.available,
                |d: &TrendDay| d.available,
                |d: &TrendDay| d.moving_avg_7d.available,
            ),
        ] {
            let pts: Vec<Option<(f64, f64)>> = days
                .iter()
                .zip(mids)
                .map(|(d, &x)| daily(d).map(|v| (x, v)))
                .collect();
            for r in runs(pts.iter().copied()) {
                line(root, plot, &r, color.mix(0.45).stroke_width(1))?;
            }
            let r = (sc.line + 1).max(2);
            for &(x, v) in pts.iter().flatten() {
                root.draw(&Circle::new(plot.at(x, v), r, color.filled()))?;
            }
            let ma = runs(days.iter().zip(mids).map(|(d, &x)| avg(d).map(|v| (x, v))));
            for r in &ma {
                line(root, plot, r, color.stroke_width(sc.line + 1))?;
            }
        }
        Ok(())
    }

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

/// A dashed vertical marker at `at`, labelled on its left when the label fits.
fn marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cx: &Cx,
    plot: &Plot,
    at: f64,
    text: &str,
) -> Drawn {
    if at <= plot.x.0 || at > plot.x.1 {
        return Ok(());
    }
    let x = plot.px(at);
    root.draw(&DashedPathElement::new(
        vec![(x, plot.top), (x, plot.bottom)],
        3,
        3,
        cx.pal.marker.stroke_width(1),
    ))?;
    let font = cx.font(cx.sc.small, cx.pal.text);
    let gap = (cx.sc.small * 0.4).round() as i32;
    if x - gap - text_width(root, text, &font)? >= plot.left {
        put(
            root,
            text,
            &font,
            (x - gap, plot.top),
            HPos::Right,
            VPos::Top,
        )?;
    }
    Ok(())
}
