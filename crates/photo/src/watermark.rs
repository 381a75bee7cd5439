//! Burn the watermark band into an RGB buffer.

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};

/// Dark semi-opaque band at the bottom with the lines in white.
///
/// Font size follows the short side (2.5 %, 12–96 px) and shrinks so the widest line fits;
/// a line still too wide at the minimum size is cut and ends with "…".
pub(crate) fn burn(font: &FontVec, rgb: &mut [u8], w: u32, h: u32, lines: &[String]) {
    let lines: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() || w < 16 || h < 16 {
        return;
    }
    let short = w.min(h) as f32;
    let mut size = (short * 0.025).clamp(12.0, 96.0);
    let pad = |size: f32| (size * 0.5).max(4.0);
    let widest = |size: f32| {
        lines
            .iter()
            .map(|l| text_width(font, PxScale::from(size), l))
            .fold(0.0f32, f32::max)
    };
    let avail = w as f32 - 2.0 * pad(size);
    let wd = widest(size);
    if wd > avail && wd > 0.0 {
        size = (size * avail / wd).max(10.0).floor();
    }
    // Never let the band cover more than 40 % of the height.
    let line_h = |size: f32| (size * 1.3).ceil();
    let max_band = h as f32 * 0.4;
    while size > 6.0 && line_h(size) * lines.len() as f32 + 2.0 * pad(size) > max_band {
        size -= 1.0;
    }
    let scale = PxScale::from(size);
    let pad = pad(size);
    let avail = w as f32 - 2.0 * pad;
    let lh = line_h(size);
    let band_h = ((lh * lines.len() as f32 + 2.0 * pad).ceil() as u32).min(h);
    let y0 = h - band_h;

    // Darken the band: 50 % black.
    let start = y0 as usize * w as usize * 3;
    for c in &mut rgb[start..] {
        *c >>= 1;
    }

    let sf = font.as_scaled(scale);
    let ascent = sf.ascent();
    let extra = (lh - (sf.ascent() - sf.descent())) / 2.0;
    for (i, line) in lines.iter().enumerate() {
        let text = fit_line(font, scale, line, avail);
        let baseline = y0 as f32 + pad + i as f32 * lh + extra.max(0.0) + ascent;
        draw_text(font, scale, rgb, w, h, pad, baseline.round(), &text);
    }
}

fn fit_line(font: &FontVec, scale: PxScale, line: &str, avail: f32) -> String {
    if text_width(font, scale, line) <= avail {
        return line.to_string();
    }
    let mut chars: Vec<char> = line.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let mut s: String = chars.iter().collect();
        s.push('…');
        if text_width(font, scale, &s) <= avail {
            return s;
        }
    }
    String::new()
}

/// Width in pixels of `text` at `scale` (advances + kerning).
fn text_width(font: &FontVec, scale: PxScale, text: &str) -> f32 {
    let sf = font.as_scaled(scale);
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            width += sf.kern(p, id);
        }
        width += sf.h_advance(id);
        prev = Some(id);
    }
    width
}

/// Draw `text` in white with its baseline at `(x, baseline)`; coverage-blended.
#[allow(clippy::too_many_arguments)]
fn draw_text(
    font: &FontVec,
    scale: PxScale,
    rgb: &mut [u8],
    w: u32,
    h: u32,
    x: f32,
    baseline: f32,
    text: &str,
) {
    let sf = font.as_scaled(scale);
    let mut caret = x;
    let mut prev = None;
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            caret += sf.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, point(caret, baseline));
        caret += sf.h_advance(id);
        prev = Some(id);
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outlined.px_bounds();
        let (bx, by) = (bounds.min.x as i64, bounds.min.y as i64);
        outlined.draw(|gx, gy, cov| {
            let px = bx + gx as i64;
            let py = by + gy as i64;
            if px < 0 || py < 0 || px >= w as i64 || py >= h as i64 {
                return;
            }
            let a = (cov.clamp(0.0, 1.0) * 255.0 + 0.5) as u32;
            if a == 0 {
                return;
            }
            let i = (py as usize * w as usize + px as usize) * 3;
            for c in &mut rgb[i..i + 3] {
                let v = *c as u32;
                *c = ((v * (255 - a) + 255 * a + 127) / 255) as u8;
            }
        });
    }
}
