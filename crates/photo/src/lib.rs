//! Evidence images: format sniffing, EXIF reading, oriented + watermarked display copies,
//! thumbnails, and signature strokes rendered to PNG.
//!
//! Pure computation over bytes: this crate never touches the file system (outside tests and
//! benches). The original photo is never modified — callers hash and store it byte-for-byte;
//! only the derived copy carries the watermark (domain.md §2.5).
//!
//! Pipeline of [`PhotoPipeline::derive`]: decode (zune-jpeg / png via `image`) → resize with
//! `fast_image_resize` (SIMD, Lanczos3) *before* orienting → apply the EXIF orientation to the
//! small image → burn in the watermark band (`ab_glyph`) → encode with `jpeg-encoder` (q85) →
//! 320 px thumbnail from the copy (q80). Output carries no EXIF. Same input → same bytes.

use std::fmt;
use std::io::Cursor;

use ab_glyph::{Font, FontVec};
use serde::{Deserialize, Serialize};

mod watermark;

pub mod signature;

/// Long side of the watermarked display copy (never upscaled).
pub const COPY_LONG_SIDE: u32 = 2048;
/// Long side of the thumbnail (never upscaled).
pub const THUMB_LONG_SIDE: u32 = 320;
/// JPEG quality of the copy.
pub const COPY_QUALITY: u8 = 85;
/// JPEG quality of the thumbnail.
pub const THUMB_QUALITY: u8 = 80;
/// Largest accepted input side in pixels (decompression-bomb guard; 20000 px ≈ 400 MP).
pub const MAX_INPUT_SIDE: u32 = 20_000;
/// Path of the Debian `fonts-noto-cjk` collection used by [`PhotoPipeline::from_system_font`].
pub const SYSTEM_FONT_PATH: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// Face index of Noto Sans CJK **SC** inside [`SYSTEM_FONT_PATH`].
pub const SYSTEM_FONT_FACE: u32 = 2;

/// Accepted photo formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaKind {
    Jpeg,
    Png,
}

impl MediaKind {
    /// MIME type of this kind.
    pub fn mime(self) -> &'static str {
        match self {
            MediaKind::Jpeg => "image/jpeg",
            MediaKind::Png => "image/png",
        }
    }
}

/// Error with a Chinese message for the officer and an English one for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoError {
    pub zh: String,
    pub en: String,
}

impl PhotoError {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        PhotoError {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for PhotoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.en, self.zh)
    }
}

impl std::error::Error for PhotoError {}

fn unsupported(name: &str) -> PhotoError {
    PhotoError::new(
        format!("不支持的照片格式 {name}，请使用 JPEG 或 PNG"),
        format!("unsupported photo format {name}; use JPEG or PNG"),
    )
}

/// Identify the photo format by its magic bytes. Only JPEG and PNG are accepted; everything
/// else is refused with a message naming what it looks like.
pub fn sniff(bytes: &[u8]) -> Result<MediaKind, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::new(
            "照片文件为空（0 字节）",
            "photo is empty (0 bytes)",
        ));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(MediaKind::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(MediaKind::Png);
    }
    let name = if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        "GIF"
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "WebP"
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        match &bytes[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"hevm" | b"hevs"
            | b"mif1" | b"msf1" => "HEIC/HEIF",
            b"avif" | b"avis" => "AVIF",
            b"qt  " => "MOV (video)",
            _ => "MP4 (video)",
        }
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        "TIFF"
    } else if bytes.starts_with(b"BM") && bytes.len() >= 14 {
        "BMP"
    } else if bytes.starts_with(b"%PDF") {
        "PDF"
    } else {
        return Err(PhotoError::new(
            "不支持的照片格式 未知（无法识别的文件内容），请使用 JPEG 或 PNG",
            "unsupported photo format unknown (unrecognised bytes); use JPEG or PNG",
        ));
    };
    Err(unsupported(name))
}

/// What the photo's EXIF says. Never authoritative for evidence (the capture metadata recorded
/// by the app is); shown next to it so differences stand out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExifInfo {
    /// `YYYY-MM-DDTHH:MM:SS` from DateTimeOriginal (camera local time, no offset).
    pub taken_at: Option<String>,
    /// OffsetTimeOriginal, e.g. `+08:00`, when present.
    pub offset: Option<String>,
    /// (latitude, longitude) in signed decimal degrees (S and W negative).
    pub gnss: Option<(f64, f64)>,
    /// GPSAltitude in metres (negative when GPSAltitudeRef says below sea level).
    pub altitude_m: Option<f64>,
    /// EXIF Orientation 1..=8; 1 when absent or invalid.
    pub orientation: u16,
    /// "Make Model" (Make omitted when Model already starts with it).
    pub camera: Option<String>,
}

impl Default for ExifInfo {
    fn default() -> Self {
        ExifInfo {
            taken_at: None,
            offset: None,
            gnss: None,
            altitude_m: None,
            orientation: 1,
            camera: None,
        }
    }
}

fn ascii(exif: &exif::Exif, tag: exif::Tag, ifd: exif::In) -> Option<String> {
    let field = exif.get_field(tag, ifd)?;
    match &field.value {
        exif::Value::Ascii(parts) => {
            let first = parts.first()?;
            let s = String::from_utf8_lossy(first);
            let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            (!s.is_empty()).then(|| s.to_string())
        }
        _ => None,
    }
}

fn rational_dms(exif: &exif::Exif, tag: exif::Tag) -> Option<f64> {
    let field = exif.get_field(tag, exif::In::PRIMARY)?;
    let exif::Value::Rational(v) = &field.value else {
        return None;
    };
    let mut deg = 0.0;
    for (i, r) in v.iter().take(3).enumerate() {
        if r.denom == 0 {
            return None;
        }
        deg += r.to_f64() / [1.0, 60.0, 3600.0][i];
    }
    (!v.is_empty() && deg.is_finite()).then_some(deg)
}

fn parse_exif_datetime(s: &str) -> Option<String> {
    // "YYYY:MM:DD HH:MM:SS" (separators vary in the wild: '-' or '/' in the date, 'T').
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let digit_at = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    if !digit_at.iter().all(|&i| b[i].is_ascii_digit()) {
        return None;
    }
    // Cameras without a clock write zeros.
    if &b[0..4] == b"0000" {
        return None;
    }
    let d = |r: std::ops::Range<usize>| String::from_utf8_lossy(&b[r]).into_owned();
    Some(format!(
        "{}-{}-{}T{}:{}:{}",
        d(0..4),
        d(5..7),
        d(8..10),
        d(11..13),
        d(14..16),
        d(17..19)
    ))
}

fn parse_offset(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() == 6
        && (b[0] == b'+' || b[0] == b'-')
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
        && b[3] == b':'
        && b[4].is_ascii_digit()
        && b[5].is_ascii_digit()
    {
        Some(s.to_string())
    } else {
        None
    }
}

/// Read the EXIF of a JPEG or PNG. Never fails: missing or garbled EXIF gives defaults.
pub fn read_exif(bytes: &[u8]) -> ExifInfo {
    let mut info = ExifInfo::default();
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return info;
    };
    use exif::{In, Tag};
    if let Some(o) = exif
        .get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        && (1..=8).contains(&o)
    {
        info.orientation = o as u16;
    }
    info.taken_at = ascii(&exif, Tag::DateTimeOriginal, In::PRIMARY)
        .as_deref()
        .and_then(parse_exif_datetime);
    info.offset = ascii(&exif, Tag::OffsetTimeOriginal, In::PRIMARY)
        .as_deref()
        .and_then(parse_offset);
    let lat = rational_dms(&exif, Tag::GPSLatitude);
    let lon = rational_dms(&exif, Tag::GPSLongitude);
    if let (Some(mut lat), Some(mut lon)) = (lat, lon)
        && lat <= 90.0
        && lon <= 180.0
    {
        let lat_ref = ascii(&exif, Tag::GPSLatitudeRef, In::PRIMARY);
        let lon_ref = ascii(&exif, Tag::GPSLongitudeRef, In::PRIMARY);
        if lat_ref
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case("S"))
        {
            lat = -lat;
        }
        if lon_ref
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case("W"))
        {
            lon = -lon;
        }
        // (0, 0) is what phones write when they had no fix.
        if !(lat == 0.0 && lon == 0.0) {
            info.gnss = Some((lat, lon));
        }
    }
    if let Some(f) = exif.get_field(Tag::GPSAltitude, In::PRIMARY)
        && let exif::Value::Rational(v) = &f.value
        && let Some(r) = v.first()
        && r.denom != 0
    {
        let mut alt = r.to_f64();
        let below = exif
            .get_field(Tag::GPSAltitudeRef, In::PRIMARY)
            .and_then(|f| f.value.get_uint(0))
            == Some(1);
        if below {
            alt = -alt;
        }
        if alt.is_finite() {
            info.altitude_m = Some(alt);
        }
    }
    let make = ascii(&exif, Tag::Make, In::PRIMARY);
    let model = ascii(&exif, Tag::Model, In::PRIMARY);
    info.camera = match (make, model) {
        (Some(make), Some(model)) => {
            if model.to_lowercase().starts_with(&make.to_lowercase()) {
                Some(model)
            } else {
                Some(format!("{make} {model}"))
            }
        }
        (a, b) => a.or(b),
    };
    info
}

/// Lines burned into the bottom band of the display copy, top to bottom.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    pub lines: Vec<String>,
}

/// Result of [`PhotoPipeline::derive`].
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub kind: MediaKind,
    pub exif: ExifInfo,
    /// Stored pixel size of the original (before orientation), as in the file.
    pub original_size: (u32, u32),
    /// Oriented, watermarked JPEG (q85), long side ≤ 2048, no EXIF.
    pub copy_jpeg: Vec<u8>,
    pub copy_size: (u32, u32),
    /// Thumbnail of the copy (q80), long side ≤ 320, no EXIF.
    pub thumb_jpeg: Vec<u8>,
    pub thumb_size: (u32, u32),
}

/// Holds the parsed watermark font; cheap to share (`&self` methods only).
pub struct PhotoPipeline {
    font: FontVec,
}

impl fmt::Debug for PhotoPipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhotoPipeline")
            .field("font_glyphs", &self.font.glyph_count())
            .finish()
    }
}

/// Size that fits `(w, h)` into a square of `long` without upscaling.
pub fn fit_long_side(w: u32, h: u32, long: u32) -> (u32, u32) {
    let m = w.max(h);
    if m <= long {
        return (w, h);
    }
    let scale = |s: u32| -> u32 {
        (((s as u64) * (long as u64) * 2 + m as u64) / (2 * m as u64)).max(1) as u32
    };
    if w >= h {
        (long, scale(h))
    } else {
        (scale(w), long)
    }
}

fn resize_rgb(src: Vec<u8>, w: u32, h: u32, dw: u32, dh: u32) -> Result<Vec<u8>, PhotoError> {
    use fast_image_resize as fr;
    if (w, h) == (dw, dh) {
        return Ok(src);
    }
    let err = |e: &dyn fmt::Display| {
        PhotoError::new(
            format!("照片缩放失败：{e}"),
            format!("photo resize failed: {e}"),
        )
    };
    let src =
        fr::images::Image::from_vec_u8(w, h, src, fr::PixelType::U8x3).map_err(|e| err(&e))?;
    let mut dst = fr::images::Image::new(dw, dh, fr::PixelType::U8x3);
    let opts =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    fr::Resizer::new()
        .resize(&src, &mut dst, &opts)
        .map_err(|e| err(&e))?;
    Ok(dst.into_vec())
}

fn encode_jpeg(rgb: &[u8], w: u32, h: u32, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let err = |e: &dyn fmt::Display| {
        PhotoError::new(
            format!("JPEG 编码失败：{e}"),
            format!("JPEG encoding failed: {e}"),
        )
    };
    let (w16, h16) = (
        u16::try_from(w).map_err(|e| err(&e))?,
        u16::try_from(h).map_err(|e| err(&e))?,
    );
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.encode(rgb, w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| err(&e))?;
    Ok(out)
}

fn decode_rgb(bytes: &[u8], kind: MediaKind) -> Result<(Vec<u8>, u32, u32), PhotoError> {
    let fmt = match kind {
        MediaKind::Jpeg => image::ImageFormat::Jpeg,
        MediaKind::Png => image::ImageFormat::Png,
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), fmt);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_INPUT_SIDE);
    limits.max_image_height = Some(MAX_INPUT_SIDE);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| {
        PhotoError::new(
            format!("照片无法解码（文件可能已损坏）：{e}"),
            format!("cannot decode photo (file may be damaged): {e}"),
        )
    })?;
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return Err(PhotoError::new("照片尺寸为 0", "photo has zero size"));
    }
    let rgb = if img.color().has_alpha() {
        // Flatten transparency onto white (screenshots, PNG exports).
        let rgba = img.into_rgba8().into_raw();
        let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
        for px in rgba.chunks_exact(4) {
            let a = px[3] as u32;
            for &c in &px[..3] {
                out.push(((c as u32 * a + 255 * (255 - a) + 127) / 255) as u8);
            }
        }
        out
    } else {
        img.into_rgb8().into_raw()
    };
    Ok((rgb, w, h))
}

fn orient(
    rgb: Vec<u8>,
    w: u32,
    h: u32,
    orientation: u16,
) -> Result<(Vec<u8>, u32, u32), PhotoError> {
    let o = image::metadata::Orientation::from_exif(orientation as u8)
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    if o == image::metadata::Orientation::NoTransforms {
        return Ok((rgb, w, h));
    }
    let buf = image::RgbImage::from_raw(w, h, rgb).ok_or_else(|| {
        PhotoError::new(
            "内部错误：像素缓冲区大小不符",
            "internal error: pixel buffer size mismatch",
        )
    })?;
    let mut dyn_img = image::DynamicImage::ImageRgb8(buf);
    dyn_img.apply_orientation(o);
    let (w, h) = (dyn_img.width(), dyn_img.height());
    Ok((dyn_img.into_rgb8().into_raw(), w, h))
}

impl PhotoPipeline {
    /// Parse a TTF/OTF font or a face of a TTC collection.
    pub fn new(font_bytes: Vec<u8>, face_index: u32) -> Result<Self, PhotoError> {
        let font = FontVec::try_from_vec_and_index(font_bytes, face_index).map_err(|e| {
            PhotoError::new(
                format!("水印字体无法解析（字体索引 {face_index}）：{e}"),
                format!("watermark font cannot be parsed (face index {face_index}): {e}"),
            )
        })?;
        // The watermark is Chinese: refuse a font without CJK glyphs.
        if font.glyph_id('案').0 == 0 {
            return Err(PhotoError::new(
                "水印字体不含中文字形，请使用 Noto Sans CJK SC 等中文字体",
                "watermark font has no Chinese glyphs; use a CJK font such as Noto Sans CJK SC",
            ));
        }
        Ok(PhotoPipeline { font })
    }

    /// Load Noto Sans CJK SC from the Debian package `fonts-noto-cjk`.
    pub fn from_system_font() -> Result<Self, PhotoError> {
        let bytes = std::fs::read(SYSTEM_FONT_PATH).map_err(|e| {
            PhotoError::new(
                format!(
                    "找不到水印字体 {SYSTEM_FONT_PATH}（{e}），请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）"
                ),
                format!(
                    "watermark font {SYSTEM_FONT_PATH} not found ({e}); install the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk)"
                ),
            )
        })?;
        Self::new(bytes, SYSTEM_FONT_FACE)
    }

    /// Make the watermarked display copy and the thumbnail from the original bytes.
    pub fn derive(&self, original: &[u8], wm: &Watermark) -> Result<Derived, PhotoError> {
        let kind = sniff(original)?;
        let exif = read_exif(original);
        let (rgb, w, h) = decode_rgb(original, kind)?;

        // Resize in stored orientation, then orient the small image.
        let (cw, ch) = fit_long_side(w, h, COPY_LONG_SIDE);
        let small = resize_rgb(rgb, w, h, cw, ch)?;
        let (mut copy, cw, ch) = orient(small, cw, ch, exif.orientation)?;

        self.burn_watermark(&mut copy, cw, ch, wm);
        let copy_jpeg = encode_jpeg(&copy, cw, ch, COPY_QUALITY)?;

        let (tw, th) = fit_long_side(cw, ch, THUMB_LONG_SIDE);
        let thumb = resize_rgb(copy, cw, ch, tw, th)?;
        let thumb_jpeg = encode_jpeg(&thumb, tw, th, THUMB_QUALITY)?;

        Ok(Derived {
            kind,
            exif,
            original_size: (w, h),
            copy_jpeg,
            copy_size: (cw, ch),
            thumb_jpeg,
            thumb_size: (tw, th),
        })
    }

    fn burn_watermark(&self, rgb: &mut [u8], w: u32, h: u32, wm: &Watermark) {
        watermark::burn(&self.font, rgb, w, h, &wm.lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_long_side_rounds_and_never_upscales() {
        assert_eq!(fit_long_side(4000, 3000, 2048), (2048, 1536));
        assert_eq!(fit_long_side(3000, 4000, 2048), (1536, 2048));
        assert_eq!(fit_long_side(3000, 2000, 2048), (2048, 1365));
        assert_eq!(fit_long_side(2048, 2048, 320), (320, 320));
        assert_eq!(fit_long_side(100, 50, 320), (100, 50));
        assert_eq!(fit_long_side(10000, 1, 320), (320, 1));
    }

    #[test]
    fn exif_datetime_forms() {
        assert_eq!(
            parse_exif_datetime("2026:11:23 09:05:12").as_deref(),
            Some("2026-11-23T09:05:12")
        );
        assert_eq!(
            parse_exif_datetime("2026-11-23T09:05:12.123").as_deref(),
            Some("2026-11-23T09:05:12")
        );
        assert_eq!(parse_exif_datetime("0000:00:00 00:00:00"), None);
        assert_eq!(parse_exif_datetime("    :  :     :  :  "), None);
        assert_eq!(parse_exif_datetime("2026年11月23 09:05:12"), None);
        assert_eq!(parse_offset("+08:00").as_deref(), Some("+08:00"));
        assert_eq!(parse_offset("8"), None);
    }

    #[test]
    fn sniff_names_and_display() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(MediaKind::Jpeg));
        assert_eq!(MediaKind::Png.mime(), "image/png");
        let e = sniff(b"\0\0\0\x1cftypavif").unwrap_err();
        assert!(e.en.contains("AVIF"));
        let e = sniff(b"\0\0\0\x1cftypisom").unwrap_err();
        assert!(e.to_string().contains("MP4"), "{e}");
    }
}
