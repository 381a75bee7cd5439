//! The transcript as bitmaps for thermal printers: the same laid-out pages as the PDF, drawn at
//! the printer's resolution in black and white only (a thermal head has no grey), with glyph
//! outlines from the same font file so every line breaks where the PDF's does.

use ab_glyph::{Font as _, PxScale, point};
use image::{GrayImage, Luma, imageops};

use crate::font::{DocError, Font};
use crate::layout::{Laid, Mark, Picture, RenderInput, Sheet, lay_out};

/// Coverage from which a pixel of a glyph prints black.
const INK: f32 = 0.5;
/// Signature ink darker than this prints black.
const SIGNATURE_INK: u8 = 160;
/// Pixels per module of [`Laid::qr`].
const QR_PX: u32 = crate::layout::QR_PX;

/// Lays out and draws the transcript on `sheet` at `dpi` dots per inch.
pub fn render_pages(
    font: &Font,
    input: &RenderInput<'_>,
    sheet: &Sheet,
    dpi: f32,
) -> Result<Vec<GrayImage>, DocError> {
    let laid = lay_out(font, input, sheet)?;
    Ok(draw(font, &laid, dpi))
}

/// Draws laid-out pages at `dpi`: white paper (255), black ink (0), nothing in between.
pub fn draw(font: &Font, laid: &Laid, dpi: f32) -> Vec<GrayImage> {
    let s = dpi / 72.0;
    // Whole dots covering the page (the small epsilon keeps 384.00001 dots at 384).
    let dots = |pt: f32| (pt * s - 1e-3).ceil() as u32;
    laid.pages
        .iter()
        .map(|page| {
            let (w, h) = (dots(laid.sheet.width()), dots(page.height));
            let mut img = GrayImage::from_pixel(w, h, Luma([255]));
            for mark in &page.marks {
                match mark {
                    Mark::Text { x, y, text, size } => {
                        draw_text(&mut img, font, (x * s, y * s), text, size * s, *size)
                    }
                    Mark::Rule { x0, x1, y } => {
                        let t = (0.5 * s).round().max(1.0) as u32;
                        let top = (y * s - t as f32 / 2.0).round().max(0.0) as u32;
                        fill(&mut img, (x0 * s) as u32, top, (x1 * s) as u32, top + t);
                    }
                    Mark::Image {
                        picture,
                        x,
                        y,
                        w,
                        h,
                    } => {
                        let (src, filter, ink) = match picture {
                            Picture::Qr => (&laid.qr, imageops::FilterType::Nearest, 128),
                            Picture::Signature(i) => (
                                &laid.signatures[*i],
                                imageops::FilterType::Triangle,
                                SIGNATURE_INK,
                            ),
                        };
                        let (mut pw, mut ph) = (
                            ((w * s).round() as u32).max(1),
                            ((h * s).round() as u32).max(1),
                        );
                        if *picture == Picture::Qr {
                            // Whole dots per module, or a scanner misreads uneven modules.
                            let modules = src.width() / QR_PX;
                            let dpm = (pw / modules.max(1)).max(1);
                            (pw, ph) = (modules * dpm, modules * dpm);
                        }
                        let scaled = imageops::resize(src, pw, ph, filter);
                        let (ox, oy) = ((x * s).round() as i64, (y * s).round() as i64);
                        for (px, py, p) in scaled.enumerate_pixels() {
                            if p.0[0] < ink {
                                put(&mut img, ox + px as i64, oy + py as i64);
                            }
                        }
                    }
                }
            }
            img
        })
        .collect()
}

fn put(img: &mut GrayImage, x: i64, y: i64) {
    if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height() {
        img.put_pixel(x as u32, y as u32, Luma([0]));
    }
}

fn fill(img: &mut GrayImage, x0: u32, y0: u32, x1: u32, y1: u32) {
    for y in y0..y1.min(img.height()) {
        for x in x0..x1.min(img.width()) {
            img.put_pixel(x, y, Luma([0]));
        }
    }
}

/// Sets `text` on the baseline at `(x, y)` pixels, `em` pixels per em, advancing by the same
/// metrics the layout measured with (`size` in points).
fn draw_text(img: &mut GrayImage, font: &Font, (x, y): (f32, f32), text: &str, em: f32, size: f32) {
    let outlines = &font.outlines;
    // ab_glyph scales so that ascent − descent spans the given pixel height.
    let scale = PxScale::from(em * outlines.height_unscaled() / font.upem());
    let px_per_pt = em / size;
    let mut pen = x;
    for c in text.chars() {
        let glyph = outlines
            .glyph_id(c)
            .with_scale_and_position(scale, point(pen, y));
        if let Some(o) = outlines.outline_glyph(glyph) {
            let b = o.px_bounds();
            o.draw(|gx, gy, cov| {
                if cov >= INK {
                    put(img, b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64);
                }
            });
        }
        pen += font.advance(c, size) * px_per_pt;
    }
}
