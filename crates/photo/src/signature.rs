//! Handwritten signature strokes → PNG.
//!
//! Points are `[x, y, t_ms, pressure]` in any unit (canvas pixels, CSS pixels…). All points are
//! fitted into the output canvas with a margin, preserving the aspect ratio and centred. Each
//! segment is drawn as an anti-aliased tapered capsule whose width follows the pressure
//! (0 → 30 % of the full width, 1 → full width). Ink is black on an opaque white background,
//! 8-bit greyscale PNG. Deterministic: same strokes and size → same bytes.

use crate::PhotoError;

/// Largest accepted canvas side.
pub const MAX_SIDE: u32 = 4096;

fn refuse(zh: &str, en: &str) -> PhotoError {
    PhotoError::new(zh, en)
}

/// Render strokes into a `width × height` greyscale PNG.
pub fn render_strokes(
    strokes: &[Vec<[f64; 4]>],
    width: u32,
    height: u32,
) -> Result<Vec<u8>, PhotoError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(PhotoError::new(
            format!("签名画布尺寸 {width}×{height} 无效（须为 1–{MAX_SIDE} 像素）"),
            format!(
                "invalid signature canvas {width}x{height} (each side must be 1..={MAX_SIDE} px)"
            ),
        ));
    }
    let points: Vec<&[f64; 4]> = strokes.iter().flatten().collect();
    if points.is_empty() {
        return Err(refuse(
            "签名为空：没有任何笔画",
            "signature is empty: no stroke points",
        ));
    }
    if points.iter().any(|p| p.iter().any(|v| !v.is_finite())) {
        return Err(refuse(
            "签名数据无效：含有非有限数值（NaN 或无穷大）",
            "invalid signature data: non-finite number (NaN or infinity)",
        ));
    }

    let (w, h) = (width as f64, height as f64);
    let short = w.min(h);
    // Full-pressure stroke width: 1/60 of the short side, at least 2 px.
    let max_r = (short / 60.0).max(2.0) / 2.0;
    let margin = (short * 0.05).max(2.0) + max_r;

    let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in &points {
        minx = minx.min(p[0]);
        maxx = maxx.max(p[0]);
        miny = miny.min(p[1]);
        maxy = maxy.max(p[1]);
    }
    let (bw, bh) = (maxx - minx, maxy - miny);
    let (aw, ah) = ((w - 2.0 * margin).max(1.0), (h - 2.0 * margin).max(1.0));
    let scale = match (bw > 0.0, bh > 0.0) {
        (true, true) => (aw / bw).min(ah / bh),
        (true, false) => aw / bw,
        (false, true) => ah / bh,
        (false, false) => 1.0,
    };
    if !scale.is_finite() {
        return Err(refuse(
            "签名数据无效：坐标范围异常",
            "invalid signature data: coordinate range out of bounds",
        ));
    }
    let ox = (w - bw * scale) / 2.0;
    let oy = (h - bh * scale) / 2.0;
    let map = |p: &[f64; 4]| -> (f64, f64, f64) {
        let r = max_r * (0.3 + 0.7 * p[3].clamp(0.0, 1.0));
        ((p[0] - minx) * scale + ox, (p[1] - miny) * scale + oy, r)
    };

    // Coverage buffer, max-combined so overlapping segments do not darken joints.
    let mut cov = vec![0f32; width as usize * height as usize];
    for stroke in strokes {
        let pts: Vec<(f64, f64, f64)> = stroke.iter().map(map).collect();
        match pts.len() {
            0 => {}
            1 => capsule(&mut cov, width, height, pts[0], pts[0]),
            _ => {
                for seg in pts.windows(2) {
                    capsule(&mut cov, width, height, seg[0], seg[1]);
                }
            }
        }
    }

    let pixels: Vec<u8> = cov
        .iter()
        .map(|&c| 255 - (c.clamp(0.0, 1.0) * 255.0 + 0.5) as u8)
        .collect();
    let mut out = Vec::new();
    {
        use image::ImageEncoder;
        let enc = image::codecs::png::PngEncoder::new(&mut out);
        enc.write_image(&pixels, width, height, image::ExtendedColorType::L8)
            .map_err(|e| {
                PhotoError::new(
                    format!("签名 PNG 编码失败：{e}"),
                    format!("signature PNG encoding failed: {e}"),
                )
            })?;
    }
    Ok(out)
}

/// Tapered capsule from `a` to `b` (x, y, radius), anti-aliased by distance.
fn capsule(cov: &mut [f32], width: u32, height: u32, a: (f64, f64, f64), b: (f64, f64, f64)) {
    let rmax = a.2.max(b.2) + 1.0;
    let x0 = ((a.0.min(b.0) - rmax).floor().max(0.0)) as i64;
    let y0 = ((a.1.min(b.1) - rmax).floor().max(0.0)) as i64;
    let x1 = ((a.0.max(b.0) + rmax).ceil().min(width as f64 - 1.0)) as i64;
    let y1 = ((a.1.max(b.1) + rmax).ceil().min(height as f64 - 1.0)) as i64;
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    for py in y0..=y1 {
        for px in x0..=x1 {
            let (cx, cy) = (px as f64 + 0.5, py as f64 + 0.5);
            let t = if len2 > 0.0 {
                (((cx - a.0) * dx + (cy - a.1) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
            let d = ((cx - qx).powi(2) + (cy - qy).powi(2)).sqrt();
            let r = a.2 + (b.2 - a.2) * t;
            let c = (r - d + 0.5).clamp(0.0, 1.0) as f32;
            if c > 0.0 {
                let i = py as usize * width as usize + px as usize;
                if c > cov[i] {
                    cov[i] = c;
                }
            }
        }
    }
}
