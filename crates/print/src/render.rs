//! Text rendering with a CJK font, shared by the virtual printer and label rendering.
//!
//! Thermal heads are bilevel, so glyph coverage is thresholded (50 % for printer cells, lower
//! for small label text): the output only ever contains 0 (black) and 255 (white).

use crate::error::PrintError;
use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};
use image::{GrayImage, Luma};
use std::sync::OnceLock;

/// Default font: Noto Sans CJK SC (apt `fonts-noto-cjk`), face 2 of the collection.
pub const DEFAULT_FONT_PATH: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
pub const DEFAULT_FONT_INDEX: u32 = 2;

/// Base character cell of the printer model: 24 dots high, 24 wide (CJK) / 12 wide (ASCII).
pub const CELL: u32 = 24;

static FONT: OnceLock<Result<FontVec, String>> = OnceLock::new();

/// The shared font (`FIELDCASE_CJK_FONT` / `FIELDCASE_CJK_FONT_INDEX` override the default).
pub fn font() -> Result<&'static FontVec, PrintError> {
    FONT.get_or_init(|| {
        let path = std::env::var("FIELDCASE_CJK_FONT").unwrap_or_else(|_| DEFAULT_FONT_PATH.into());
        let index = std::env::var("FIELDCASE_CJK_FONT_INDEX")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(DEFAULT_FONT_INDEX);
        let data = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
        FontVec::try_from_vec_and_index(data, index).map_err(|e| format!("{path}#{index}: {e}"))
    })
    .as_ref()
    .map_err(|e| PrintError::Font(e.clone()))
}

/// Width in dots of one character in the printer's fixed-cell model (before GS ! scaling).
pub fn cell_width(c: char) -> u32 {
    if c.is_ascii() { CELL / 2 } else { CELL }
}

/// Width of a string in the fixed-cell model, with GS ! width multiplier `w`.
pub fn cells_width(s: &str, w: u32) -> u32 {
    s.chars().map(cell_width).sum::<u32>() * w
}

fn draw_glyph(
    img: &mut GrayImage,
    font: &FontVec,
    c: char,
    scale: PxScale,
    x: f32,
    (baseline, bold, threshold): (f32, bool, f32),
) {
    let glyph = font
        .glyph_id(c)
        .with_scale_and_position(scale, point(x, baseline));
    if let Some(outline) = font.outline_glyph(glyph) {
        let b = outline.px_bounds();
        let (w, h) = (img.width() as i64, img.height() as i64);
        outline.draw(|gx, gy, cov| {
            if cov < threshold {
                return;
            }
            let px = b.min.x as i64 + gx as i64;
            let py = b.min.y as i64 + gy as i64;
            for dx in 0..if bold { 2 } else { 1 } {
                let xx = px + dx;
                if xx >= 0 && xx < w && py >= 0 && py < h {
                    img.put_pixel(xx as u32, py as u32, Luma([0]));
                }
            }
        });
    }
}

/// Draw `text` in the printer's fixed-cell model: each character occupies a cell of
/// `cell_width(c) * w` × `CELL * h` dots whose top-left corner is advanced from (`x`, `top`).
/// Returns the total width drawn.
pub fn draw_cells(
    img: &mut GrayImage,
    x: u32,
    top: u32,
    text: &str,
    w: u32,
    h: u32,
    bold: bool,
) -> Result<u32, PrintError> {
    let font = font()?;
    let scale = PxScale {
        x: (CELL * w) as f32,
        y: (CELL * h) as f32,
    };
    let sf = font.as_scaled(scale);
    // Centre the font's ascent..descent band in the cell.
    let asc = sf.ascent();
    let desc = sf.descent();
    let baseline = top as f32 + ((CELL * h) as f32 - (asc - desc)) / 2.0 + asc;
    let mut cx = x;
    for c in text.chars() {
        let cw = cell_width(c) * w;
        let adv = sf.h_advance(font.glyph_id(c));
        let gx = cx as f32 + ((cw as f32 - adv) / 2.0).max(0.0);
        draw_glyph(img, font, c, scale, gx, (baseline, bold, 0.5));
        cx += cw;
    }
    Ok(cx - x)
}

/// Proportional text width at pixel size `px`.
pub fn text_width(text: &str, px: f32) -> Result<f32, PrintError> {
    let font = font()?;
    let sf = font.as_scaled(PxScale::from(px));
    Ok(text.chars().map(|c| sf.h_advance(font.glyph_id(c))).sum())
}

/// Draw proportional text with its top at `top`. Returns the advance width.
pub fn draw_text(
    img: &mut GrayImage,
    x: f32,
    top: f32,
    text: &str,
    px: f32,
    bold: bool,
) -> Result<f32, PrintError> {
    let font = font()?;
    let scale = PxScale::from(px);
    let sf = font.as_scaled(scale);
    let baseline = top + sf.ascent();
    // Small text loses thin strokes at a 50 % cut-off; keep more of the coverage.
    let threshold = if px < 20.0 { 0.3 } else { 0.45 };
    let mut cx = x;
    for c in text.chars() {
        draw_glyph(img, font, c, scale, cx, (baseline, bold, threshold));
        cx += sf.h_advance(font.glyph_id(c));
    }
    Ok(cx - x)
}

/// Line height of proportional text at pixel size `px`.
pub fn line_height(px: f32) -> Result<f32, PrintError> {
    let font = font()?;
    let sf = font.as_scaled(PxScale::from(px));
    Ok(sf.ascent() - sf.descent())
}
