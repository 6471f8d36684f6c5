//! Where charts are drawn: rendering to PNG (through `raster`) or SVG (through
//! `svg`), the font, sizes that scale with the picture, text and legend helpers, and
//! the header every chart shares.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, RGBColor, TextStyle};

use crate::axis::range_texts;
use crate::options::{Format, Options};
use crate::raster::{self, Raster};
use crate::svg::SvgText;
use crate::theme::Palette;
use crate::{ChartRange, Error};

/// The family every chart's text is drawn in: DejaVu Sans, shipped inside the
/// `dejavu` crate and registered with plotters' `ab_glyph` renderer, so no system font
/// or fontconfig is involved.
pub(crate) const FAMILY: &str = "DejaVu Sans";

/// Registers DejaVu Sans (regular and bold) with plotters once per process.
fn fonts() -> Result<(), Error> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Draw(
            "the bundled DejaVu Sans font did not load".to_owned(),
        ))
    }
}

/// A drawing failure inside a chart, as text: plotters' errors are generic over the
/// backend, and callers only ever see [`Error::Draw`].
#[derive(Debug)]
pub(crate) struct DrawError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> DrawError {
        DrawError(e.to_string())
    }
}

pub(crate) type Drawn<T = ()> = Result<T, DrawError>;

/// A chart, drawable on any backend.
pub(crate) trait Paint {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, cx: &Cx) -> Drawn;
}

/// Sizes derived from the picture's size: fonts, padding and line widths grow with
/// the picture (a 2000 × 1000 chart looks like a 1000 × 500 one at twice the
/// resolution) but never shrink below what stays legible.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub w: i32,
    pub h: i32,
    /// Linear scale against 1000 × 500.
    pub k: f64,
    /// Title size (plotters' font size: ascender to descender, in pixels).
    pub title: f64,
    /// Legend, labels.
    pub text: f64,
    /// Tick labels, notes.
    pub small: f64,
    pub pad: i32,
    /// Width of data lines.
    pub line: u32,
    /// Small pictures (400 × 200 and the like) leave out what does not fit: subtitle
    /// details (the range stays),
    /// axis descriptions, secondary legend entries.
    pub compact: bool,
}

impl Scale {
    pub(crate) fn of(w: u32, h: u32) -> Scale {
        let k = (f64::from(w) / 1000.0).min(f64::from(h) / 500.0);
        Scale {
            w: w as i32,
            h: h as i32,
            k,
            title: (21.0 * k).max(13.0),
            text: (15.0 * k).max(11.5),
            small: (14.0 * k).max(11.0),
            pad: (14.0 * k).round().max(6.0) as i32,
            line: (2.0 * k).round().max(1.0) as u32,
            compact: w < 640 || h < 320,
        }
    }

    /// A length that scales with the picture, at least `min` pixels.
    pub(crate) fn px(&self, base: f64, min: f64) -> i32 {
        (base * self.k).max(min).round() as i32
    }
}

/// What every chart draws with: colours and sizes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cx {
    pub pal: Palette,
    pub sc: Scale,
    /// Whether legends are drawn ([`Options::legend`]).
    pub legend: bool,
}

impl Cx {
    pub(crate) fn font(&self, size: f64, color: RGBColor) -> TextStyle<'static> {
        FontDesc::new(FontFamily::Name(FAMILY), size, FontStyle::Normal).color(&color)
    }

    pub(crate) fn bold(&self, size: f64, color: RGBColor) -> TextStyle<'static> {
        FontDesc::new(FontFamily::Name(FAMILY), size, FontStyle::Bold).color(&color)
    }
}

/// Draws `chart` as `opts` asks (sizes clamped).
pub(crate) fn render(opts: &Options, chart: &impl Paint) -> Result<Vec<u8>, Error> {
    fonts()?;
    let opts = opts.clamped();
    let cx = Cx {
        pal: Palette::of(opts.theme),
        sc: Scale::of(opts.width, opts.height),
        legend: opts.legend,
    };
    let size = (opts.width, opts.height);
    match opts.format {
        Format::Png => {
            let k = raster::factor(opts.width, opts.height);
            let pixels = (opts.width * k) as usize * (opts.height * k) as usize;
            let mut rgb = vec![0u8; pixels * 3];
            {
                let root = Raster::new(&mut rgb, size, k).into_drawing_area();
                paint_root(&root, chart, &cx)?;
            }
            encode_png(&raster::shrink(rgb, size, k), size)
        }
        Format::Svg => {
            let mut svg = String::new();
            {
                let root =
                    SvgText::new(SVGBackend::with_string(&mut svg, size)).into_drawing_area();
                paint_root(&root, chart, &cx)?;
            }
            Ok(svg.into_bytes())
        }
    }
}

fn paint_root<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &impl Paint,
    cx: &Cx,
) -> Result<(), Error> {
    let drawn = (|| -> Drawn {
        root.fill(&cx.pal.background)?;
        chart.paint(root, cx)?;
        root.present()?;
        Ok(())
    })();
    drawn.map_err(|e| Error::Draw(e.0))
}

/// Encodes RGB pixels. `Compression::Fast` (fdeflate) takes about a millisecond for
/// 1000 × 500 and still shrinks flat chart backgrounds well; the default level would
/// spend more time than the drawing.
fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, Error> {
    let err = |e: png::EncodingError| Error::Draw(format!("png: {e}"));
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(rgb).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// Width of `text` in `style`, in pixels.
pub(crate) fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
) -> Drawn<i32> {
    Ok(area.estimate_text_size(text, style)?.0 as i32)
}

/// Draws `text` anchored at `at` by `h` and `v`.
pub(crate) fn put<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    at: (i32, i32),
    h: HPos,
    v: VPos,
) -> Drawn {
    area.draw_text(text, &style.pos(Pos::new(h, v)), at)?;
    Ok(())
}

/// How a legend entry is shown.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A data line.
    Line(RGBColor),
    /// A dashed line over its shaded band: a forecast.
    DashedBand(RGBColor),
    /// A dashed line: a value built from less than it should be.
    Dashed(RGBColor),
    /// A hollow dot: a partial value.
    Hollow(RGBColor),
    /// Dots on a faint line: daily values.
    Dots(RGBColor),
    /// A line over its shaded band.
    LineBand(RGBColor),
    /// A shaded area at the theme's tint.
    Tint(RGBColor),
    /// A solid block.
    Block(RGBColor),
    /// Hatched: no data.
    Hatch,
    /// Failed polls ([`failed_mark`]).
    Failed,
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub swatch: Swatch,
    pub label: String,
}

impl Item {
    pub(crate) fn new(swatch: Swatch, label: impl Into<String>) -> Item {
        Item {
            swatch,
            label: label.into(),
        }
    }
}

/// The legend's pieces' sizes at the legend's font size.
struct LegendMetrics {
    swatch: i32,
    gap: i32,
    spacing: i32,
}

impl LegendMetrics {
    fn of(cx: &Cx) -> LegendMetrics {
        let t = cx.sc.text;
        LegendMetrics {
            swatch: (t * 1.5).round() as i32,
            gap: (t * 0.4).round() as i32,
            spacing: (t * 1.1).round() as i32,
        }
    }
}

fn legend_widths<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cx: &Cx,
    items: &[Item],
) -> Drawn<Vec<i32>> {
    let m = LegendMetrics::of(cx);
    let font = cx.font(cx.sc.text, cx.pal.text);
    items
        .iter()
        .map(|it| Ok(m.swatch + m.gap + text_width(area, &it.label, &font)?))
        .collect()
}

fn row_width(widths: &[i32], spacing: i32) -> i32 {
    widths.iter().sum::<i32>() + spacing * (widths.len() as i32 - 1).max(0)
}

/// Draws a legend row whose right end is at `right`, vertically centred on `cy`.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cx: &Cx,
    items: &[Item],
    widths: &[i32],
    right: i32,
    cy: i32,
) -> Drawn {
    let m = LegendMetrics::of(cx);
    let font = cx.font(cx.sc.text, cx.pal.text);
    let mut x = right - row_width(widths, m.spacing);
    for (it, w) in items.iter().zip(widths) {
        swatch(area, cx, it.swatch, (x, cy), m.swatch)?;
        put(
            area,
            &it.label,
            &font,
            (x + m.swatch + m.gap, cy),
            HPos::Left,
            VPos::Center,
        )?;
        x += w + m.spacing;
    }
    Ok(())
}

/// Draws a swatch `len` wide starting at `(x, cy)`.
pub(crate) fn swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cx: &Cx,
    s: Swatch,
    (x, cy): (i32, i32),
    len: i32,
) -> Drawn {
    let half = (cx.sc.text * 0.36).round() as i32;
    let line = cx.sc.line.max(2);
    match s {
        Swatch::Line(c) => {
            area.draw(&PathElement::new(
                vec![(x, cy), (x + len, cy)],
                c.stroke_width(line + 1),
            ))?;
        }
        Swatch::DashedBand(c) | Swatch::Dashed(c) => {
            if matches!(s, Swatch::DashedBand(_)) {
                area.draw(&Rectangle::new(
                    [(x, cy - half), (x + len, cy + half)],
                    c.mix(cx.pal.tint * 1.5).filled(),
                ))?;
            }
            let dash = (len / 4).max(2);
            let mut a = x;
            while a < x + len {
                let b = (a + dash).min(x + len);
                area.draw(&PathElement::new(
                    vec![(a, cy), (b, cy)],
                    c.stroke_width(line + 1),
                ))?;
                a += dash * 2;
            }
        }
        Swatch::Hollow(c) => {
            let r = (half * 2 / 3).max(2) as u32 + 1;
            area.draw(&Circle::new((x + len / 2, cy), r, c.stroke_width(line / 2)))?;
        }
        Swatch::Dots(c) => {
            area.draw(&PathElement::new(
                vec![(x, cy), (x + len, cy)],
                c.mix(0.5).stroke_width(1),
            ))?;
            let r = (half * 2 / 3).max(2) as u32;
            for px in [x + len / 4, x + len * 3 / 4] {
                area.draw(&Circle::new((px, cy), r, c.filled()))?;
            }
        }
        Swatch::LineBand(c) => {
            area.draw(&Rectangle::new(
                [(x, cy - half), (x + len, cy + half)],
                c.mix(cx.pal.tint * 1.5).filled(),
            ))?;
            area.draw(&PathElement::new(
                vec![(x, cy), (x + len, cy)],
                c.stroke_width(line + 1),
            ))?;
        }
        Swatch::Tint(c) => {
            area.draw(&Rectangle::new(
                [(x, cy - half), (x + len, cy + half)],
                c.mix(cx.pal.tint * 1.5).filled(),
            ))?;
        }
        Swatch::Block(c) => {
            area.draw(&Rectangle::new(
                [(x, cy - half), (x + len, cy + half)],
                c.filled(),
            ))?;
        }
        Swatch::Hatch => {
            hatch(area, cx, (x, cy - half), (x + len, cy + half))?;
        }
        Swatch::Failed => {
            failed_mark(area, cx, (x, cy - half), (x + len, cy + half))?;
        }
    }
    Ok(())
}

/// An empty-cell pattern: the theme's empty colour crossed by thin diagonals.
pub(crate) fn hatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cx: &Cx,
    a: (i32, i32),
    b: (i32, i32),
) -> Drawn {
    let (fill, lines) = (cx.pal.empty.filled(), cx.pal.hatch.stroke_width(1));
    hatched(area, cx, a, b, fill, lines)
}

/// A box filled with `fill` and crossed by thin diagonals drawn with `lines`.
pub(crate) fn hatched<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cx: &Cx,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    fill: ShapeStyle,
    lines: ShapeStyle,
) -> Drawn {
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill))?;
    let step = cx.sc.px(7.0, 5.0);
    let (w, h) = (x1 - x0, y1 - y0);
    // Lines x − y = c for c stepping across the box, clipped to it by hand so the
    // pattern never spills into neighbouring cells.
    let mut c = -h + step / 2;
    while c < w {
        let (ax, ay) = if c >= 0 { (c, 0) } else { (0, -c) };
        let len = (w - ax).min(h - ay);
        if len > 0 {
            area.draw(&PathElement::new(
                vec![(x0 + ax, y0 + ay), (x0 + ax + len, y0 + ay + len)],
                lines,
            ))?;
        }
        c += step;
    }
    Ok(())
}

/// How failed polls are marked on every time chart: the failure colour's tint crossed
/// by its diagonals, over the background, so it reads apart from the utilization
/// chart's red critical band.
pub(crate) fn failed_mark<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cx: &Cx,
    a: (i32, i32),
    b: (i32, i32),
) -> Drawn {
    let pal = &cx.pal;
    area.draw(&Rectangle::new([a, b], pal.background.filled()))?;
    let fill = pal.failed.mix(pal.tint).filled();
    hatched(area, cx, a, b, fill, pal.failed.mix(0.6).stroke_width(1))
}

/// The header every chart starts with: a bold title; a muted subtitle that names the
/// range and zone ([`range_texts`]) followed by `details`; and the legend, beside the
/// title when both fit, else below in as many right-aligned rows as it needs.
///
/// Small pictures ([`Scale::compact`]) keep the subtitle to the range and zone, in
/// the shorter dates-only form where the full one does not fit, and leave it out only
/// where neither fits (200 px wide); their legend gets one row, entries dropped from
/// the end (least important last) until it fits. [`Options::legend`] false draws no
/// legend. Returns where the body below starts.
pub(crate) fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cx: &Cx,
    title: &str,
    range: &ChartRange,
    details: &str,
    legend: &[Item],
) -> Drawn<i32> {
    let sc = &cx.sc;
    let legend = if cx.legend { legend } else { &[] };
    let (pad, w) = (sc.pad, sc.w);
    let room = w - 2 * pad;
    let title_font = cx.bold(sc.title, cx.pal.text);
    let title = fit_text(root, title, &title_font, room)?;
    put(root, &title, &title_font, (pad, pad), HPos::Left, VPos::Top)?;
    let title_w = text_width(root, &title, &title_font)?;
    let title_h = (sc.title * 1.2).round() as i32;
    let mut y = pad + title_h;

    let m = LegendMetrics::of(cx);
    let widths = legend_widths(root, cx, legend)?;
    let room_beside = room - title_w - 2 * m.spacing;
    let legend_beside = !legend.is_empty() && row_width(&widths, m.spacing) <= room_beside;
    if legend_beside {
        draw_legend(root, cx, legend, &widths, w - pad, pad + title_h / 2)?;
    }

    let font = cx.font(sc.small, cx.pal.muted);
    let [full, dates] = range_texts(range.tz, (range.from, range.to));
    let sub = if sc.compact {
        let mut fitting = None;
        for text in [full, dates] {
            if text_width(root, &text, &font)? <= room {
                fitting = Some(text);
                break;
            }
        }
        fitting
    } else if details.is_empty() {
        Some(fit_text(root, &full, &font, room)?)
    } else {
        Some(fit_text(root, &format!("{full} · {details}"), &font, room)?)
    };
    if let Some(sub) = sub {
        put(root, &sub, &font, (pad, y), HPos::Left, VPos::Top)?;
        y += (sc.small * 1.3).round() as i32;
    }

    if !legend_beside && !legend.is_empty() {
        let rows = if sc.compact {
            let mut n = legend.len();
            while n > 1 && row_width(&widths[..n], m.spacing) > room {
                n -= 1;
            }
            std::iter::once(0..n).collect()
        } else {
            legend_rows(&widths, m.spacing, room)
        };
        let row_h = (sc.text * 1.3).round() as i32;
        y += sc.pad / 3;
        for r in rows {
            draw_legend(
                root,
                cx,
                &legend[r.clone()],
                &widths[r],
                w - pad,
                y + row_h / 2,
            )?;
            y += row_h;
        }
    }
    Ok(y + sc.pad / 2)
}

/// Splits legend entries of `widths`, in order, into rows at most `room` wide (an
/// entry wider than that gets a row of its own).
fn legend_rows(widths: &[i32], spacing: i32, room: i32) -> Vec<std::ops::Range<usize>> {
    let mut rows = Vec::new();
    let mut start = 0;
    for i in 1..=widths.len() {
        if i == widths.len() || row_width(&widths[start..=i], spacing) > room {
            rows.push(start..i);
            start = i;
        }
    }
    rows
}

/// `text`, shortened with an ellipsis until it fits in `max` pixels.
pub(crate) fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    max: i32,
) -> Drawn<String> {
    if text_width(area, text, style)? <= max {
        return Ok(text.to_owned());
    }
    let chars: Vec<char> = text.chars().collect();
    for n in (0..chars.len()).rev() {
        let s: String = chars[..n].iter().collect::<String>().trim_end().to_owned() + "…";
        if text_width(area, &s, style)? <= max {
            return Ok(s);
        }
    }
    Ok(String::new())
}

/// The message an empty range gets instead of a frame with made-up axes, in the body
/// below the header (starting at `top`).
pub(crate) fn no_data<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cx: &Cx,
    top: i32,
) -> Drawn {
    let Scale { w, h, pad, .. } = cx.sc;
    root.draw(&Rectangle::new(
        [(pad, top), (w - pad, h - pad)],
        cx.pal.grid.stroke_width(1),
    ))?;
    let font = cx.font(cx.sc.title, cx.pal.muted);
    put(
        root,
        "no data in this range",
        &font,
        (w / 2, (top + h - pad) / 2),
        HPos::Center,
        VPos::Center,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_rows_wrap_in_order() {
        // Entries 40, 50, 30 and 70 wide, 10 apart, in rows of at most 100.
        let rows = legend_rows(&[40, 50, 30, 70], 10, 100);
        assert_eq!(rows, vec![0..2, 2..3, 3..4]);
        assert_eq!(legend_rows(&[150], 10, 100), vec![0..1]);
        assert!(legend_rows(&[], 10, 100).is_empty());
    }

    #[test]
    fn fonts_scale_with_the_picture_but_stay_legible() {
        let big = Scale::of(2000, 1000);
        let normal = Scale::of(1000, 500);
        let small = Scale::of(400, 200);
        assert!((big.text - 2.0 * normal.text).abs() < 1e-9);
        assert!(small.text >= 11.5 && small.small >= 11.0);
        assert!(small.compact && !normal.compact);
        // A tall narrow picture scales by its narrow side.
        assert_eq!(Scale::of(1000, 4000).k, 1.0);
    }
}
