//! The PNG backend: charts are laid out in the picture's own pixels, exactly as for
//! SVG, drawn into an RGB buffer at twice that resolution, then shrunk with a 2 × 2
//! box filter.
//!
//! plotters' bitmap backend draws lines wider than a pixel, circles and polygons
//! without anti-aliasing, and places glyphs without their side bearings (so "Tu" in
//! "Tue" overlaps). So this backend draws everything itself, simply, at twice the
//! size: shapes are filled where they cover a pixel's centre (polygons by the nonzero
//! rule), wide lines are stroked as rectangles and round joins (as one shape when
//! translucent, so they are blended once), and averaging each 2 × 2 block then
//! covers every edge pixel in quarters. Lines a pixel wide, which centre sampling
//! would draw wavering between one and two pixels, get each pixel's exact share of
//! their width instead. Text is laid out with `ab_glyph` from the same font,
//! advances and kerning that measured it, each glyph at its pen position plus its side
//! bearing, with the glyph rasteriser's own coverage.
//!
//! Rows are filled as contiguous runs, and shapes wider than tall (bands along a time
//! axis) are swept by columns, which cross few edges: so four times the pixels stay
//! well within the 20 ms quality bar. Rasterising the SVG with resvg instead would
//! bring a second renderer, a font database and a text shaper into the tree.
//!
//! Pictures of more than [`SUPERSAMPLE_MAX_PIXELS`] are drawn at 1 × (still with this
//! backend's shapes and text), so that the largest picture keeps costing 48 MB of
//! pixels: lines there are several pixels wide and their steps far less visible.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// The largest picture (width × height) drawn at twice its size: 2000 × 2000, whose
/// 4000 × 4000 drawing buffer is as large as the biggest picture itself.
pub(crate) const SUPERSAMPLE_MAX_PIXELS: u64 = 2000 * 2000;

/// The widest line, in device pixels, drawn by [`Raster::thin`]: a 1-pixel line at
/// twice the size.
const THIN: f64 = 2.0;

/// What drawing can fail with: only the bundled font not loading.
#[derive(Debug)]
pub(crate) struct RasterError(&'static str);

impl std::fmt::Display for RasterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RasterError {}

type Result<T = ()> = std::result::Result<T, DrawingErrorKind<RasterError>>;

/// How many device pixels a logical pixel is, across, for a picture of `w × h`.
pub(crate) fn factor(w: u32, h: u32) -> u32 {
    if u64::from(w) * u64::from(h) <= SUPERSAMPLE_MAX_PIXELS {
        2
    } else {
        1
    }
}

/// A backend of `w × h` logical pixels drawing into an RGB buffer `k` times as wide
/// and as tall. Logical pixel `(x, y)` covers device pixels `[kx, kx + k) × [ky, ky +
/// k)`; in the continuous device coordinates shapes are filled in, device pixel `i`
/// spans `[i, i + 1)`, so a logical pixel's centre is `k·x + k/2`.
pub(crate) struct Raster<'a> {
    buf: &'a mut [u8],
    size: (u32, u32),
    /// 1 or 2.
    k: i32,
    /// Device width and height.
    dev: (i32, i32),
}

impl<'a> Raster<'a> {
    /// Draws a `size` picture into `buf`, which holds `size × k` RGB pixels.
    pub(crate) fn new(buf: &'a mut [u8], size: (u32, u32), k: u32) -> Raster<'a> {
        let dev = ((size.0 * k) as i32, (size.1 * k) as i32);
        debug_assert_eq!(buf.len(), dev.0 as usize * dev.1 as usize * 3);
        Raster {
            buf,
            size,
            k: k as i32,
            dev,
        }
    }

    /// The centre of logical pixel `(x, y)` in device coordinates: where plotters
    /// puts a line through that pixel.
    fn centre(&self, (x, y): BackendCoord) -> (f64, f64) {
        let k = f64::from(self.k);
        (k * (f64::from(x) + 0.5), k * (f64::from(y) + 0.5))
    }

    /// Blends `c` over device pixels `[x0, x1)` of row `y`, clipped to the buffer.
    fn span(&mut self, y: i32, x0: i32, x1: i32, c: BackendColor) {
        self.span_ink(y, x0, x1, Ink::of(c));
    }

    fn span_ink(&mut self, y: i32, x0: i32, x1: i32, ink: Ink) {
        let (x0, x1) = (x0.max(0), x1.min(self.dev.0));
        if y < 0 || y >= self.dev.1 || x0 >= x1 || ink.a == 0 {
            return;
        }
        let row = y as usize * self.dev.0 as usize * 3;
        let px = &mut self.buf[row + x0 as usize * 3..row + x1 as usize * 3];
        if ink.a >= 256 {
            let [r, g, b] = ink.rgb;
            if r == g && g == b {
                px.fill(r);
            } else if px.len() < 192 {
                for p in px.chunks_exact_mut(3) {
                    p.copy_from_slice(&ink.rgb);
                }
            } else {
                // The first pixel, then doubling copies: memcpy speed, not 3 bytes at
                // a time.
                px[..3].copy_from_slice(&ink.rgb);
                let mut done = 3;
                while done < px.len() {
                    let n = done.min(px.len() - done);
                    px.copy_within(..n, done);
                    done += n;
                }
            }
        } else {
            for p in px.chunks_exact_mut(3) {
                ink.blend(p);
            }
        }
    }

    /// Blends `ink` over device pixels `[y0, y1)` of column `x`, clipped to the
    /// buffer.
    fn column(&mut self, x: i32, y0: i32, y1: i32, ink: Ink) {
        let (y0, y1) = (y0.max(0), y1.min(self.dev.1));
        if x < 0 || x >= self.dev.0 || y0 >= y1 || ink.a == 0 {
            return;
        }
        let stride = self.dev.0 as usize * 3;
        let start = y0 as usize * stride + x as usize * 3;
        for p in self.buf[start..]
            .chunks_mut(stride)
            .take((y1 - y0) as usize)
        {
            ink.blend(&mut p[..3]);
        }
    }

    /// Fills device pixels `[x0, x1) × [y0, y1)`.
    fn rect(&mut self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), c: BackendColor) {
        for y in y0.max(0)..y1.min(self.dev.1) {
            self.span(y, x0, x1, c);
        }
    }

    /// Fills the pixels whose centres lie inside the closed polygons of `rings`
    /// (device coordinates), by the nonzero rule: where shapes of one orientation
    /// overlap, each pixel is still blended once. Shapes wider than tall are swept
    /// column by column, the others row by row, so that the lines swept cross few
    /// edges (a band along a time axis is crossed by two per column, but by dozens per
    /// row).
    fn fill(&mut self, rings: &[Vec<(f64, f64)>], c: BackendColor) {
        let pts = rings.iter().flatten();
        let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for &(x, y) in pts {
            lo = (lo.0.min(x), lo.1.min(y));
            hi = (hi.0.max(x), hi.1.max(y));
        }
        let columns = hi.0 - lo.0 > hi.1 - lo.1;
        let edges = edges(rings, columns);
        let limit = if columns { self.dev.0 } else { self.dev.1 };
        let ink = Ink::of(c);
        scan(&edges, limit, |line, a, b| {
            if columns {
                self.column(line, a, b, ink);
            } else {
                self.span_ink(line, a, b, ink);
            }
        });
    }

    /// A polyline `width` device pixels wide through `pts` (device coordinates): a
    /// rectangle along each segment and a disc at each point (round joins and caps).
    /// An opaque line is filled piece by piece (overlaps repaint the same colour); a
    /// translucent one as one shape, so it is blended once everywhere.
    fn stroke(&mut self, pts: &[(f64, f64)], width: f64, c: BackendColor) {
        let r = width / 2.0;
        let mut rings: Vec<Vec<(f64, f64)>> = Vec::with_capacity(pts.len() * 2);
        for w in pts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len = dx.hypot(dy);
            if len == 0.0 {
                continue;
            }
            let (nx, ny) = (-dy / len * r, dx / len * r);
            rings.push(vec![
                (a.0 + nx, a.1 + ny),
                (b.0 + nx, b.1 + ny),
                (b.0 - nx, b.1 - ny),
                (a.0 - nx, a.1 - ny),
            ]);
        }
        // Joins and caps only where they show: lines a device pixel or two wide are
        // covered by their rectangles at every sampled centre.
        let joins = r > 1.0;
        if c.alpha >= 1.0 {
            for ring in &rings {
                self.fill(std::slice::from_ref(ring), c);
            }
            for &p in pts.iter().filter(|_| joins) {
                self.ring(p, r, 0.0, c);
            }
            return;
        }
        if joins {
            rings.extend(pts.iter().map(|&p| disc(p, r)));
        }
        // Every ring turning the same way, the nonzero rule unites them.
        for ring in &mut rings {
            if signed_area(ring) < 0.0 {
                ring.reverse();
            }
        }
        self.fill(&rings, c);
    }

    /// A thin line (up to [`THIN`] device pixels wide) from `a` to `b`, each pixel
    /// blended by how much of the line's width covers it across the line's run: sampled
    /// at pixel centres as shapes are, such a line would waver between one and two
    /// pixels. The run covers the pixels whose centres lie in `[a, b)` along the major
    /// axis, so the segments of a polyline meet without overlapping.
    fn thin(&mut self, a: (f64, f64), b: (f64, f64), width: f64, c: BackendColor) {
        let steep = (b.1 - a.1).abs() > (b.0 - a.0).abs();
        // (major, minor) coordinates.
        let (a, b) = if steep {
            ((a.1, a.0), (b.1, b.0))
        } else {
            (a, b)
        };
        let (a, b) = if a.0 <= b.0 { (a, b) } else { (b, a) };
        if b.0 - a.0 <= 0.0 {
            return;
        }
        let slope = (b.1 - a.1) / (b.0 - a.0);
        let half = width / 2.0 * slope.hypot(1.0);
        let first = (a.0 - 0.5).ceil() as i32;
        let last = (b.0 - 0.5).ceil() as i32;
        for i in first..last {
            let mid = a.1 + (f64::from(i) + 0.5 - a.0) * slope;
            let (lo, hi) = (mid - half, mid + half);
            for j in lo.floor() as i32..hi.ceil() as i32 {
                let cover = hi.min(f64::from(j + 1)) - lo.max(f64::from(j));
                if cover <= 0.0 {
                    continue;
                }
                let ink = BackendColor {
                    alpha: c.alpha * cover.min(1.0),
                    rgb: c.rgb,
                };
                let (x, y) = if steep { (j, i) } else { (i, j) };
                self.span(y, x, x + 1, ink);
            }
        }
    }

    /// A ring between radii `inner` and `outer` around `centre` (a disc for `inner`
    /// 0), in device coordinates.
    fn ring(&mut self, centre: (f64, f64), outer: f64, inner: f64, c: BackendColor) {
        let first = ((centre.1 - outer - 0.5).ceil() as i32).max(0);
        let last = ((centre.1 + outer - 0.5).ceil() as i32).min(self.dev.1);
        for y in first..last {
            let dy = f64::from(y) + 0.5 - centre.1;
            let half = |r: f64| (r * r - dy * dy).max(0.0).sqrt();
            let (o, i) = (
                half(outer),
                if dy.abs() < inner { half(inner) } else { 0.0 },
            );
            let px = |x: f64| (x - 0.5).ceil() as i32;
            if i > 0.0 {
                self.span(y, px(centre.0 - o), px(centre.0 - i), c);
                self.span(y, px(centre.0 + i), px(centre.0 + o), c);
            } else {
                self.span(y, px(centre.0 - o), px(centre.0 + o), c);
            }
        }
    }
}

/// A colour ready to blend: its opacity in 256ths and its channels premultiplied.
#[derive(Clone, Copy)]
struct Ink {
    rgb: [u8; 3],
    /// Opacity, 0..=256.
    a: u32,
    premultiplied: [u32; 3],
}

impl Ink {
    fn of(c: BackendColor) -> Ink {
        let a = (c.alpha.clamp(0.0, 1.0) * 256.0).round() as u32;
        let (r, g, b) = c.rgb;
        Ink {
            rgb: [r, g, b],
            a,
            premultiplied: [u32::from(r) * a, u32::from(g) * a, u32::from(b) * a],
        }
    }

    /// `p` (one RGB pixel) with this ink over it.
    #[inline]
    fn blend(&self, p: &mut [u8]) {
        let na = 256 - self.a.min(256);
        for (v, m) in p.iter_mut().zip(self.premultiplied) {
            *v = ((u32::from(*v) * na + m + 128) >> 8) as u8;
        }
    }
}

/// A polygon of about a device pixel's precision around a circle.
fn disc((x, y): (f64, f64), r: f64) -> Vec<(f64, f64)> {
    let n = ((r * 2.0).ceil() as usize).clamp(8, 64);
    (0..n)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / n as f64;
            (x + r * t.cos(), y + r * t.sin())
        })
        .collect()
}

fn signed_area(ring: &[(f64, f64)]) -> f64 {
    (0..ring.len())
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum()
}

/// An edge of a polygon, with the sweep's axes: `y` along the sweep, `x` along the
/// lines swept.
struct Edge {
    y0: f64,
    y1: f64,
    x0: f64,
    slope: f64,
    dir: i32,
}

/// The edges of `rings`, sorted by where the sweep meets them; with `swap`, x and y
/// exchanged (a column sweep).
fn edges(rings: &[Vec<(f64, f64)>], swap: bool) -> Vec<Edge> {
    let mut out: Vec<Edge> = Vec::new();
    for ring in rings {
        for (i, &a) in ring.iter().enumerate() {
            let b = ring[(i + 1) % ring.len()];
            let (a, b) = if swap {
                ((a.1, a.0), (b.1, b.0))
            } else {
                (a, b)
            };
            if a.1 == b.1 || !(a.1.is_finite() && b.1.is_finite()) {
                continue;
            }
            let (dir, (a, b)) = if a.1 < b.1 { (1, (a, b)) } else { (-1, (b, a)) };
            out.push(Edge {
                y0: a.1,
                y1: b.1,
                x0: a.0,
                slope: (b.0 - a.0) / (b.1 - a.1),
                dir,
            });
        }
    }
    out.sort_unstable_by(|a, b| a.y0.total_cmp(&b.y0));
    out
}

/// Sweeps lines `0..limit` across `edges`, calling `emit(line, a, b)` for each run of
/// pixels `[a, b)` whose centres lie inside by the nonzero rule.
fn scan(edges: &[Edge], limit: i32, mut emit: impl FnMut(i32, i32, i32)) {
    let Some(top) = edges.first().map(|e| e.y0) else {
        return;
    };
    let bottom = edges.iter().map(|e| e.y1).fold(f64::MIN, f64::max);
    // The lines whose centres y + 0.5 lie in [top, bottom).
    let first = ((top - 0.5).ceil() as i32).max(0);
    let last = ((bottom - 0.5).ceil() as i32).min(limit);
    let mut next = 0;
    let mut active: Vec<usize> = Vec::new();
    let mut cross: Vec<(f64, i32)> = Vec::new();
    for y in first..last {
        let yc = f64::from(y) + 0.5;
        while next < edges.len() && edges[next].y0 <= yc {
            active.push(next);
            next += 1;
        }
        active.retain(|&i| edges[i].y1 > yc);
        cross.clear();
        cross.extend(active.iter().map(|&i| {
            let e = &edges[i];
            (e.x0 + (yc - e.y0) * e.slope, e.dir)
        }));
        cross.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut winding = 0;
        let mut start = 0.0;
        for &(x, dir) in &cross {
            let was = winding;
            winding += dir;
            if was == 0 {
                start = x;
            } else if winding == 0 {
                // Pixels whose centres x + 0.5 lie in [start, x).
                emit(y, (start - 0.5).ceil() as i32, (x - 0.5).ceil() as i32);
            }
        }
    }
}

/// DejaVu Sans as `ab_glyph` reads it: regular and bold.
fn font(style: FontStyle) -> Option<&'static FontRef<'static>> {
    static FONTS: OnceLock<Option<[FontRef<'static>; 2]>> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let regular = FontRef::try_from_slice(dejavu::sans::regular()).ok()?;
        let bold = FontRef::try_from_slice(dejavu::sans::bold()).ok()?;
        Some([regular, bold])
    });
    let [regular, bold] = fonts.as_ref()?;
    Some(if matches!(style, FontStyle::Bold) {
        bold
    } else {
        regular
    })
}

impl DrawingBackend for Raster<'_> {
    type ErrorType = RasterError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result {
        Ok(())
    }

    fn present(&mut self) -> Result {
        Ok(())
    }

    fn draw_pixel(&mut self, (x, y): BackendCoord, c: BackendColor) -> Result {
        let k = self.k;
        self.rect((x * k, y * k), ((x + 1) * k, (y + 1) * k), c);
        Ok(())
    }

    /// A line through the centres of the pixels at its ends; a horizontal or vertical
    /// one covers exactly the rows or columns of its width (a 1-pixel grid line stays
    /// one sharp pixel, not two half-covered ones), from end pixel to end pixel.
    fn draw_line<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
    ) -> Result {
        let (c, width) = (style.color(), style.stroke_width());
        if width == 0 || c.alpha == 0.0 {
            return Ok(());
        }
        let k = self.k;
        let (ca, cb) = (self.centre(a), self.centre(b));
        let half = f64::from(k) * f64::from(width) / 2.0;
        let across = |mid: f64| ((mid - half).round() as i32, (mid + half).round() as i32);
        if a.1 == b.1 {
            let (y0, y1) = across(ca.1);
            self.rect((a.0.min(b.0) * k, y0), ((a.0.max(b.0) + 1) * k, y1), c);
        } else if a.0 == b.0 {
            let (x0, x1) = across(ca.0);
            self.rect((x0, a.1.min(b.1) * k), (x1, (a.1.max(b.1) + 1) * k), c);
        } else if 2.0 * half <= THIN {
            self.thin(ca, cb, 2.0 * half, c);
        } else {
            self.stroke(&[ca, cb], 2.0 * half, c);
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        ul: BackendCoord,
        br: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result {
        if fill {
            // As plotters' bitmap and SVG backends: [ul, br), in device pixels.
            let k = self.k;
            self.rect((ul.0 * k, ul.1 * k), (br.0 * k, br.1 * k), style.color());
            return Ok(());
        }
        let (x0, y0, x1, y1) = (ul.0, ul.1, br.0, br.1);
        for (a, b) in [
            ((x0, y0), (x1, y0)),
            ((x1, y0), (x1, y1)),
            ((x0, y1), (x1, y1)),
            ((x0, y0), (x0, y1)),
        ] {
            self.draw_line(a, b, style)?;
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result {
        let (c, width) = (style.color(), style.stroke_width());
        if width == 0 || c.alpha == 0.0 {
            return Ok(());
        }
        let pts: Vec<BackendCoord> = path.into_iter().collect();
        if let [a, b] = pts[..] {
            return self.draw_line(a, b, style);
        }
        let pts: Vec<(f64, f64)> = pts.into_iter().map(|p| self.centre(p)).collect();
        let width = f64::from(self.k) * f64::from(width);
        if width <= THIN {
            for w in pts.windows(2) {
                self.thin(w[0], w[1], width, c);
            }
        } else {
            self.stroke(&pts, width, c);
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result {
        let c = style.color();
        let k = f64::from(self.k);
        let (centre, r) = (self.centre(center), k * f64::from(radius));
        if fill {
            self.ring(centre, r, 0.0, c);
        } else {
            let half = k * f64::from(style.stroke_width()) / 2.0;
            self.ring(centre, r + half, (r - half).max(0.0), c);
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result {
        let ring: Vec<(f64, f64)> = vert.into_iter().map(|p| self.centre(p)).collect();
        self.fill(&[ring], style.color());
        Ok(())
    }

    /// Text placed as plotters' bitmap backend places it (the same box, anchored the
    /// same way, the baseline half a size below its top), with each glyph at its pen
    /// position plus its side bearing.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let Some(font) = font(style.style()) else {
            let e = RasterError("the bundled DejaVu Sans font did not load");
            return Err(DrawingErrorKind::FontError(Box::new(e)));
        };
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let k = self.k;
        let size = style.size() * f64::from(k);
        let scaled = font.as_scaled(PxScale::from(size as f32));
        let origin = ((dx - min_x) * k, (dy - min_y) * k);
        let baseline = (size / 2.0) as f32;
        let trans = style.transform();
        let (at_x, at_y) = (pos.0 * k, pos.1 * k);
        let mut pen = 0f32;
        let mut prev = None;
        for ch in text.chars() {
            let id = scaled.glyph_id(ch);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(scaled.scale(), point(pen, baseline));
            pen += scaled.h_advance(id);
            let Some(outline) = scaled.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let (bx, by) = (bounds.min.x as i32, bounds.min.y as i32);
            outline.draw(|x, y, coverage| {
                if coverage <= 0.0 {
                    return;
                }
                let (tx, ty) = trans.transform(origin.0 + bx + x as i32, origin.1 + by + y as i32);
                let c = BackendColor {
                    alpha: color.alpha * f64::from(coverage.min(1.0)),
                    rgb: color.rgb,
                };
                let (px, py) = (at_x + tx, at_y + ty);
                self.span(py, px, px + 1, c);
            });
        }
        Ok(())
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, (w, h): (u32, u32), src: &[u8]) -> Result {
        // Each source pixel becomes a k × k block.
        let k = self.k;
        for y in 0..h as i32 {
            for x in 0..w as i32 {
                let s = (y as usize * w as usize + x as usize) * 3;
                let Some(p) = src.get(s..s + 3) else {
                    continue;
                };
                let c = BackendColor {
                    alpha: 1.0,
                    rgb: (p[0], p[1], p[2]),
                };
                let (dx, dy) = ((pos.0 + x) * k, (pos.1 + y) * k);
                self.rect((dx, dy), (dx + k, dy + k), c);
            }
        }
        Ok(())
    }
}

/// Averages each `k × k` block of `big` (RGB, `w·k × h·k`) into one pixel of a `w × h`
/// picture; `k` = 1 returns `big` as it is.
pub(crate) fn shrink(big: Vec<u8>, (w, h): (u32, u32), k: u32) -> Vec<u8> {
    if k == 1 {
        return big;
    }
    debug_assert_eq!(k, 2);
    let (w, h) = (w as usize, h as usize);
    let row = w * 2 * 3;
    let mut out = vec![0u8; w * h * 3];
    // Two passes over exact chunks, which the compiler vectorises: the rows of a pair
    // summed, then neighbouring pixels of that sum. This runs over 6 MB per
    // 1000 × 500 picture.
    let mut sums = vec![0u16; row];
    for (line, pair) in out.chunks_exact_mut(w * 3).zip(big.chunks_exact(2 * row)) {
        let (top, bottom) = pair.split_at(row);
        for ((s, t), b) in sums.iter_mut().zip(top).zip(bottom) {
            *s = u16::from(*t) + u16::from(*b) + 1;
        }
        for (px, s) in line.chunks_exact_mut(3).zip(sums.chunks_exact(6)) {
            px[0] = ((s[0] + s[3]) >> 2) as u8;
            px[1] = ((s[1] + s[4]) >> 2) as u8;
            px[2] = ((s[2] + s[5]) >> 2) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_averages_each_two_by_two_block() {
        // 2 × 1 picture from a 4 × 2 drawing: the left block is white and black
        // halves, the right one all 40.
        let mut big = vec![0u8; 4 * 2 * 3];
        for (i, px) in big.chunks_exact_mut(3).enumerate() {
            let (x, y) = (i % 4, i / 4);
            let v = match (x, y) {
                (0, _) => 255,
                (1, _) => 0,
                _ => 40,
            };
            px.fill(v);
        }
        // (255 + 0 + 255 + 0) / 4 = 127.5, rounded half up: 128.
        assert_eq!(shrink(big, (2, 1), 2), vec![128, 128, 128, 40, 40, 40]);
    }

    /// A `w × h` white picture drawn by `draw` at `k` times, as shrunk: the grey level
    /// (red channel) of each pixel, by row.
    fn picture(w: u32, h: u32, k: u32, draw: impl FnOnce(&mut Raster<'_>)) -> Vec<Vec<u8>> {
        let mut buf = vec![255u8; (w * k * h * k * 3) as usize];
        draw(&mut Raster::new(&mut buf, (w, h), k));
        let out = shrink(buf, (w, h), k);
        out.chunks_exact(w as usize * 3)
            .map(|row| row.chunks_exact(3).map(|p| p[0]).collect())
            .collect()
    }

    const BLACK: BackendColor = BackendColor {
        alpha: 1.0,
        rgb: (0, 0, 0),
    };

    #[test]
    fn a_one_pixel_grid_line_stays_one_sharp_row() {
        let p = picture(10, 10, 2, |r| r.draw_line((0, 5), (9, 5), &BLACK).unwrap());
        assert_eq!(p[5], vec![0; 10]);
        assert_eq!((p[4].clone(), p[6].clone()), (vec![255; 10], vec![255; 10]));
    }

    #[test]
    fn shapes_fill_the_pixels_whose_centres_they_cover() {
        // The square through the centres of pixels (1, 1) and (3, 3) covers the
        // centres of (1, 1), (2, 1), (1, 2) and (2, 2): [1.5, 3.5) holds 1.5 and 2.5.
        let p = picture(5, 5, 1, |r| {
            r.fill_polygon([(1, 1), (3, 1), (3, 3), (1, 3)], &BLACK)
                .unwrap();
        });
        let black: Vec<(usize, usize)> = (0..5)
            .flat_map(|y| (0..5).map(move |x| (x, y)))
            .filter(|&(x, y)| p[y][x] == 0)
            .collect();
        assert_eq!(black, vec![(1, 1), (2, 1), (1, 2), (2, 2)]);
    }

    #[test]
    fn a_translucent_line_is_blended_once_where_it_overlaps_itself() {
        // Out and nearly straight back, 4 pixels wide at half opacity: the two legs
        // overlap, and every covered pixel is white half-blended with black,
        // (255 × 128 + 128) >> 8 = 128, never darker.
        let half = plotters::style::RGBAColor(0, 0, 0, 0.5);
        let style = plotters::style::Color::stroke_width(&half, 4);
        let p = picture(40, 20, 1, |r| {
            r.draw_path([(2, 8), (35, 9), (2, 11)], &style).unwrap();
        });
        let levels: std::collections::BTreeSet<u8> = p.iter().flatten().copied().collect();
        assert_eq!(levels.into_iter().collect::<Vec<_>>(), vec![128, 255]);
    }

    #[test]
    fn thin_lines_blend_by_how_much_of_their_width_covers_a_pixel() {
        // A 1-pixel line through the centres of (0, 2) and (8, 6): y = 2.5 + (x − 0.5)
        // / 2. At slope ½ its width spans ±½·√(1 + ¼) ≈ ±0.559 rows. Column 1 (centre
        // 1.5) has it centred at y = 3: rows 2 and 3 each get 0.559 of it. Column 2
        // (centre 2.5) has it at 3.5: row 3 wholly, rows 2 and 4 0.059 each. Blended
        // on white: 255 × (256 − a) / 256 with a the cover in 256ths, rounded.
        let p = picture(10, 10, 1, |r| r.draw_line((0, 2), (8, 6), &BLACK).unwrap());
        let half = 1.25f64.sqrt() / 2.0;
        let shade = |cover: f64| {
            let a = (cover * 256.0).round() as u32;
            ((255 * (256 - a) + 128) >> 8) as u8
        };
        let column = |x: usize| [p[1][x], p[2][x], p[3][x], p[4][x], p[5][x]];
        assert_eq!(column(1), [255, shade(half), shade(half), 255, 255]);
        assert_eq!(
            column(2),
            [255, shade(half - 0.5), 0, shade(half - 0.5), 255]
        );
    }

    #[test]
    fn large_pictures_are_drawn_at_their_own_size() {
        assert_eq!(factor(1000, 500), 2);
        assert_eq!(factor(2000, 2000), 2);
        assert_eq!(factor(4000, 4000), 1);
    }
}
