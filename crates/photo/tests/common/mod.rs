//! Helpers shared by the tests and the benchmark: synthetic images and hand-made EXIF.
#![allow(dead_code)]

use std::io::Cursor;

use exif::{Field, In, Rational, Tag, Value};

/// Deterministic xorshift noise.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Busy RGB image: gradients plus noise of amplitude `noise`.
pub fn busy_rgb(w: u32, h: u32, noise: i32) -> Vec<u8> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let base = [
                (x * 255 / w.max(1)) as i32,
                (y * 255 / h.max(1)) as i32,
                (((x + y) / 7) % 256) as i32,
            ];
            let r = rng.next();
            for (i, b) in base.iter().enumerate() {
                let n = if noise > 0 {
                    ((r >> (i * 16)) % (2 * noise as u64 + 1)) as i32 - noise
                } else {
                    0
                };
                out.push((b + n).clamp(0, 255) as u8);
            }
        }
    }
    out
}

/// Left half red, right half blue.
pub fn halves_rgb(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for _y in 0..h {
        for x in 0..w {
            if x < w / 2 {
                out.extend_from_slice(&[230, 20, 20]);
            } else {
                out.extend_from_slice(&[20, 20, 230]);
            }
        }
    }
    out
}

pub fn encode_jpeg(rgb: &[u8], w: u32, h: u32, q: u8) -> Vec<u8> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, q)
        .encode(rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

pub fn encode_png_rgba(rgba: &[u8], w: u32, h: u32) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(rgba, w, h, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

/// Degrees, minutes, seconds as (numerator, denominator) rationals.
pub type Dms = [(u32, u32); 3];

/// EXIF fields to put into a test file.
#[derive(Default)]
pub struct ExifSpec {
    pub orientation: Option<u16>,
    pub datetime_original: Option<&'static str>,
    pub offset_original: Option<&'static str>,
    /// (lat deg, lat ref, lon deg, lon ref) as unsigned DMS + refs.
    pub gps: Option<(Dms, &'static str, Dms, &'static str)>,
    pub altitude: Option<((u32, u32), u8)>,
    pub make: Option<&'static str>,
    pub model: Option<&'static str>,
}

fn ascii(s: &str) -> Value {
    Value::Ascii(vec![s.as_bytes().to_vec()])
}

fn rats(v: &[(u32, u32)]) -> Value {
    Value::Rational(
        v.iter()
            .map(|&(num, denom)| Rational { num, denom })
            .collect(),
    )
}

/// Build a TIFF/EXIF block with kamadak-exif's writer.
pub fn exif_tiff(spec: &ExifSpec) -> Vec<u8> {
    let mut fields = Vec::new();
    let f = |tag, value| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    };
    if let Some(o) = spec.orientation {
        fields.push(f(Tag::Orientation, Value::Short(vec![o])));
    }
    if let Some(s) = spec.make {
        fields.push(f(Tag::Make, ascii(s)));
    }
    if let Some(s) = spec.model {
        fields.push(f(Tag::Model, ascii(s)));
    }
    if let Some(s) = spec.datetime_original {
        fields.push(f(Tag::DateTimeOriginal, ascii(s)));
    }
    if let Some(s) = spec.offset_original {
        fields.push(f(Tag::OffsetTimeOriginal, ascii(s)));
    }
    if let Some((lat, lat_ref, lon, lon_ref)) = spec.gps {
        fields.push(f(Tag::GPSLatitudeRef, ascii(lat_ref)));
        fields.push(f(Tag::GPSLatitude, rats(&lat)));
        fields.push(f(Tag::GPSLongitudeRef, ascii(lon_ref)));
        fields.push(f(Tag::GPSLongitude, rats(&lon)));
    }
    if let Some((alt, alt_ref)) = spec.altitude {
        fields.push(f(Tag::GPSAltitudeRef, Value::Byte(vec![alt_ref])));
        fields.push(f(Tag::GPSAltitude, rats(&[alt])));
    }
    let mut w = exif::experimental::Writer::new();
    for field in &fields {
        w.push_field(field);
    }
    let mut out = Cursor::new(Vec::new());
    w.write(&mut out, false).unwrap();
    out.into_inner()
}

/// Insert an APP1 "Exif" segment right after SOI.
pub fn with_app1_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let len = (2 + 6 + tiff.len()) as u16;
    let mut out = Vec::with_capacity(jpeg.len() + tiff.len() + 10);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub fn jpeg_with_orientation(rgb: &[u8], w: u32, h: u32, q: u8, orientation: u16) -> Vec<u8> {
    let jpeg = encode_jpeg(rgb, w, h, q);
    let tiff = exif_tiff(&ExifSpec {
        orientation: Some(orientation),
        ..Default::default()
    });
    with_app1_exif(&jpeg, &tiff)
}
