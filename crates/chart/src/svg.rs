//! The SVG backend, adjusted so text matches the PNG and reads without DejaVu.

use plotters::prelude::*;
use plotters::style::text_anchor::{Pos, VPos};
use plotters::style::{FontFamily, FontStyle, FontTransform};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// What SVG text asks the viewer for: DejaVu Sans where installed, else the fonts
/// closest to its metrics (Verdana and Bitstream Vera share its wide proportions), so
/// labels keep about the width they were laid out for; then Arial and Helvetica,
/// narrower, so text comes out shorter rather than overlapping; then any sans-serif.
pub(crate) const SVG_FAMILIES: &str =
    "DejaVu Sans, Verdana, Bitstream Vera Sans, Arial, Helvetica, sans-serif";

/// DejaVu Sans' (ascender − descender) ÷ em: `ab_glyph` scales a font so that this
/// height is the requested size, where SVG's `font-size` is the em.
const DEJAVU_HEIGHT_PER_EM: f64 = (1901.0 + 483.0) / 2048.0;

/// The SVG backend with text placed as the PNG backend (`raster`, which keeps
/// plotters' bitmap placement) places it, so a chart's PNG and SVG agree. plotters' SVG text uses `font-size = size / 1.24` and anchors by
/// `dy` in `em`/`ex`, while `ab_glyph` draws the same size about 7% larger with the
/// baseline half a size below the anchor's top; and the SVG names a single font
/// family, which a viewer without DejaVu would replace by its default serif. This
/// wrapper rewrites each text's size, family and position and delegates the rest.
pub(crate) struct SvgText<'a>(SVGBackend<'a>);

impl<'a> SvgText<'a> {
    pub(crate) fn new(inner: SVGBackend<'a>) -> SvgText<'a> {
        SvgText(inner)
    }
}

type SvgError = <SVGBackend<'static> as DrawingBackend>::ErrorType;

impl DrawingBackend for SvgText<'_> {
    type ErrorType = SvgError;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<SvgError>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<SvgError>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        self.0.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        let size = style.size();
        // The bitmap backend's box height and where it puts the box's top.
        let height = (size / 1.24) as i32;
        let top = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        // ab_glyph's baseline lies half a size below the top; SVG's, with the
        // top-anchored `dy="0.76em"`, 0.76 em below `y`.
        let em = size / DEJAVU_HEIGHT_PER_EM;
        let down = f64::from(top) + size / 2.0 - 0.76 * em;
        let d = down.round() as i32;
        let (dx, dy) = match style.transform() {
            FontTransform::Rotate90 => (-d, 0),
            FontTransform::Rotate180 => (0, -d),
            FontTransform::Rotate270 => (d, 0),
            FontTransform::None => (0, d),
        };
        let adjusted = SvgStyle {
            inner: style,
            // The SVG backend writes `font-size = size / 1.24`.
            size: em * 1.24,
        };
        self.0.draw_text(text, &adjusted, (pos.0 + dx, pos.1 + dy))
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<SvgError>> {
        self.0.estimate_text_size(text, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        self.0.blit_bitmap(pos, size, src)
    }
}

/// A text style as [`SvgText`] hands it on: top-anchored, resized, with the fallback
/// families.
struct SvgStyle<'s, S> {
    inner: &'s S,
    size: f64,
}

impl<S: BackendTextStyle> BackendTextStyle for SvgStyle<'_, S> {
    type FontError = S::FontError;

    fn color(&self) -> BackendColor {
        self.inner.color()
    }

    fn size(&self) -> f64 {
        self.size
    }

    fn transform(&self) -> FontTransform {
        self.inner.transform()
    }

    fn style(&self) -> FontStyle {
        self.inner.style()
    }

    fn anchor(&self) -> Pos {
        Pos::new(self.inner.anchor().h_pos, VPos::Top)
    }

    fn family(&self) -> FontFamily<'_> {
        FontFamily::Name(SVG_FAMILIES)
    }

    fn layout_box(&self, text: &str) -> Result<((i32, i32), (i32, i32)), S::FontError> {
        self.inner.layout_box(text)
    }

    fn draw<E, F: FnMut(i32, i32, BackendColor) -> Result<(), E>>(
        &self,
        text: &str,
        pos: BackendCoord,
        draw: F,
    ) -> Result<Result<(), E>, S::FontError> {
        self.inner.draw(text, pos, draw)
    }
}
