//! Pipeline tests: formats, orientation, sizes, watermark, determinism, EXIF, refusals.

mod common;

use std::sync::OnceLock;

use common::*;
use fieldcase_photo::{ExifInfo, MediaKind, PhotoPipeline, Watermark, read_exif, sniff};

fn pipeline() -> &'static PhotoPipeline {
    static P: OnceLock<PhotoPipeline> = OnceLock::new();
    P.get_or_init(|| PhotoPipeline::from_system_font().expect("fonts-noto-cjk installed"))
}

fn wm() -> Watermark {
    Watermark {
        lines: vec![
            "2026-11-23 09:05:12 +08:00".into(),
            "苏州市吴中区金枫路88号 31.2557,120.6050".into(),
            "案件 01a2b3c4".into(),
            "执法人员 张伟".into(),
        ],
    }
}

fn decode(jpeg: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8()
}

#[test]
fn jpeg_in_gives_copy_and_thumb() {
    let jpeg = encode_jpeg(&busy_rgb(800, 600, 20), 800, 600, 90);
    let d = pipeline().derive(&jpeg, &wm()).unwrap();
    assert_eq!(d.kind, MediaKind::Jpeg);
    assert_eq!(d.original_size, (800, 600));
    assert_eq!(d.copy_size, (800, 600));
    assert_eq!(d.thumb_size, (320, 240));
    assert_eq!(decode(&d.copy_jpeg).dimensions(), d.copy_size);
    assert_eq!(decode(&d.thumb_jpeg).dimensions(), d.thumb_size);
    assert_eq!(sniff(&d.copy_jpeg).unwrap(), MediaKind::Jpeg);
}

#[test]
fn png_in_with_alpha() {
    let (w, h) = (640u32, 480u32);
    let mut rgba = Vec::new();
    for (i, px) in busy_rgb(w, h, 10).chunks_exact(3).enumerate() {
        rgba.extend_from_slice(px);
        rgba.push(if i % 7 == 0 { 0 } else { 255 });
    }
    let png = encode_png_rgba(&rgba, w, h);
    assert_eq!(sniff(&png).unwrap(), MediaKind::Png);
    let d = pipeline().derive(&png, &wm()).unwrap();
    assert_eq!(d.kind, MediaKind::Png);
    assert_eq!(d.copy_size, (640, 480));
    assert_eq!(d.thumb_size, (320, 240));
    assert_eq!(decode(&d.copy_jpeg).dimensions(), (640, 480));
}

fn is_red(p: &image::Rgb<u8>) -> bool {
    p[0] > 150 && p[2] < 100
}
fn is_blue(p: &image::Rgb<u8>) -> bool {
    p[2] > 150 && p[0] < 100
}

#[test]
fn orientation_6_rotates_clockwise() {
    // Stored 600×400, left half red; orientation 6 = rotate 90° clockwise for display,
    // so the stored left edge becomes the top.
    let jpeg = jpeg_with_orientation(&halves_rgb(600, 400), 600, 400, 90, 6);
    assert_eq!(read_exif(&jpeg).orientation, 6);
    let d = pipeline().derive(&jpeg, &Watermark::default()).unwrap();
    assert_eq!(d.original_size, (600, 400));
    assert_eq!(d.copy_size, (400, 600));
    assert_eq!(d.thumb_size, (213, 320));
    let img = decode(&d.copy_jpeg);
    assert_eq!(img.dimensions(), (400, 600));
    assert!(
        is_red(img.get_pixel(200, 100)),
        "{:?}",
        img.get_pixel(200, 100)
    );
    assert!(
        is_blue(img.get_pixel(200, 500)),
        "{:?}",
        img.get_pixel(200, 500)
    );
    assert_eq!(decode(&d.thumb_jpeg).dimensions(), (213, 320));
}

#[test]
fn orientation_8_rotates_counter_clockwise() {
    let jpeg = jpeg_with_orientation(&halves_rgb(600, 400), 600, 400, 90, 8);
    assert_eq!(read_exif(&jpeg).orientation, 8);
    let d = pipeline().derive(&jpeg, &Watermark::default()).unwrap();
    assert_eq!(d.copy_size, (400, 600));
    let img = decode(&d.copy_jpeg);
    assert!(
        is_blue(img.get_pixel(200, 100)),
        "{:?}",
        img.get_pixel(200, 100)
    );
    assert!(
        is_red(img.get_pixel(200, 500)),
        "{:?}",
        img.get_pixel(200, 500)
    );
}

#[test]
fn large_input_is_scaled_to_exactly_2048() {
    let jpeg = encode_jpeg(&busy_rgb(3000, 2000, 10), 3000, 2000, 85);
    let d = pipeline().derive(&jpeg, &wm()).unwrap();
    assert_eq!(d.original_size, (3000, 2000));
    assert_eq!(d.copy_size, (2048, 1365));
    assert_eq!(d.thumb_size, (320, 213));
    assert_eq!(decode(&d.copy_jpeg).dimensions(), (2048, 1365));
    assert_eq!(decode(&d.thumb_jpeg).dimensions(), (320, 213));
}

#[test]
fn large_portrait_with_orientation_6() {
    // Stored landscape 2600×1400, shown portrait.
    let jpeg = jpeg_with_orientation(&busy_rgb(2600, 1400, 10), 2600, 1400, 85, 6);
    let d = pipeline().derive(&jpeg, &wm()).unwrap();
    assert_eq!(d.copy_size, (1103, 2048));
    assert_eq!(d.thumb_size, (172, 320));
    assert!(d.copy_size.0.max(d.copy_size.1) <= 2048);
}

#[test]
fn small_images_are_not_upscaled() {
    let jpeg = encode_jpeg(&busy_rgb(200, 100, 10), 200, 100, 90);
    let d = pipeline().derive(&jpeg, &wm()).unwrap();
    assert_eq!(d.copy_size, (200, 100));
    assert_eq!(d.thumb_size, (200, 100));
    assert_eq!(decode(&d.thumb_jpeg).dimensions(), (200, 100));
}

#[test]
fn watermark_changes_bottom_band_only() {
    let (w, h) = (1200u32, 900u32);
    let jpeg = encode_jpeg(&busy_rgb(w, h, 8), w, h, 90);
    let plain = decode(
        &pipeline()
            .derive(&jpeg, &Watermark::default())
            .unwrap()
            .copy_jpeg,
    );
    let marked = decode(&pipeline().derive(&jpeg, &wm()).unwrap().copy_jpeg);
    let row_diff = |y: u32| -> f64 {
        (0..w)
            .map(|x| {
                let (a, b) = (plain.get_pixel(x, y), marked.get_pixel(x, y));
                (0..3)
                    .map(|c| (a[c] as i32 - b[c] as i32).abs())
                    .sum::<i32>() as f64
            })
            .sum::<f64>()
            / (w as f64 * 3.0)
    };
    // Top 60 %: identical (JPEG blocks above the band are encoded identically).
    for y in (0..h * 6 / 10).step_by(7) {
        assert!(row_diff(y) < 0.5, "row {y} changed: {}", row_diff(y));
    }
    // Bottom rows: darkened band plus text.
    for y in [h - 2, h - 10, h - 40] {
        assert!(
            row_diff(y) > 20.0,
            "row {y} not watermarked: {}",
            row_diff(y)
        );
    }
    // The band is darker than the unmarked image.
    let mean = |img: &image::RgbImage, y: u32| {
        (0..w).map(|x| img.get_pixel(x, y)[0] as u64).sum::<u64>() / w as u64
    };
    assert!(mean(&marked, h - 3) < mean(&plain, h - 3));
}

#[test]
fn derive_is_deterministic() {
    let jpeg = jpeg_with_orientation(&busy_rgb(1000, 700, 20), 1000, 700, 90, 6);
    let a = pipeline().derive(&jpeg, &wm()).unwrap();
    let b = pipeline().derive(&jpeg, &wm()).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.copy_jpeg, b.copy_jpeg);
    assert_eq!(a.thumb_jpeg, b.thumb_jpeg);
}

#[test]
fn derived_copies_carry_no_exif() {
    let tiff = exif_tiff(&ExifSpec {
        orientation: Some(6),
        make: Some("Xiaomi"),
        model: Some("Redmi Note 12"),
        datetime_original: Some("2026:11:23 09:05:12"),
        ..Default::default()
    });
    let jpeg = with_app1_exif(&encode_jpeg(&busy_rgb(500, 300, 10), 500, 300, 90), &tiff);
    let d = pipeline().derive(&jpeg, &wm()).unwrap();
    assert_eq!(d.exif.camera.as_deref(), Some("Xiaomi Redmi Note 12"));
    assert_eq!(read_exif(&d.copy_jpeg), ExifInfo::default());
    assert!(!d.copy_jpeg.windows(6).any(|w| w == b"Exif\0\0"));
    assert!(!d.thumb_jpeg.windows(6).any(|w| w == b"Exif\0\0"));
}

#[test]
fn exif_read_back_from_crafted_file() {
    let tiff = exif_tiff(&ExifSpec {
        orientation: Some(8),
        datetime_original: Some("2026:11:23 09:05:12"),
        offset_original: Some("+08:00"),
        // 33°51'36" S, 151°12'36" W
        gps: Some((
            [(33, 1), (51, 1), (36, 1)],
            "S",
            [(151, 1), (12, 1), (3600, 100)],
            "W",
        )),
        altitude: Some(((125, 10), 0)),
        make: Some("HUAWEI"),
        model: Some("Mate 60"),
    });
    let jpeg = with_app1_exif(&encode_jpeg(&busy_rgb(64, 48, 0), 64, 48, 90), &tiff);
    let e = read_exif(&jpeg);
    assert_eq!(e.taken_at.as_deref(), Some("2026-11-23T09:05:12"));
    assert_eq!(e.offset.as_deref(), Some("+08:00"));
    let (lat, lon) = e.gnss.unwrap();
    assert!(
        (lat - -(33.0 + 51.0 / 60.0 + 36.0 / 3600.0)).abs() < 1e-9,
        "{lat}"
    );
    assert!(
        (lon - -(151.0 + 12.0 / 60.0 + 36.0 / 3600.0)).abs() < 1e-9,
        "{lon}"
    );
    assert_eq!(e.altitude_m, Some(12.5));
    assert_eq!(e.orientation, 8);
    assert_eq!(e.camera.as_deref(), Some("HUAWEI Mate 60"));

    // North/east, below sea level, model already naming the make.
    let tiff = exif_tiff(&ExifSpec {
        gps: Some((
            [(31, 1), (15, 1), (2052, 100)],
            "N",
            [(120, 1), (36, 1), (18, 1)],
            "E",
        )),
        altitude: Some(((3, 1), 1)),
        make: Some("Apple"),
        model: Some("Apple iPhone 15"),
        ..Default::default()
    });
    let e = read_exif(&with_app1_exif(
        &encode_jpeg(&busy_rgb(64, 48, 0), 64, 48, 90),
        &tiff,
    ));
    let (lat, lon) = e.gnss.unwrap();
    assert!(
        lat > 31.25 && lat < 31.26 && lon > 120.60 && lon < 120.61,
        "{lat},{lon}"
    );
    assert_eq!(e.altitude_m, Some(-3.0));
    assert_eq!(e.orientation, 1);
    assert_eq!(e.taken_at, None);
    assert_eq!(e.camera.as_deref(), Some("Apple iPhone 15"));

    // serde round trip
    let json = serde_json::to_string(&e).unwrap();
    assert!(json.contains("Apple iPhone 15"), "{json}");
    let back: ExifInfo = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
}

#[test]
fn grayscale_png_in() {
    use image::ImageEncoder;
    let (w, h) = (300u32, 200u32);
    let grey: Vec<u8> = (0..w * h).map(|i| (i % 251) as u8).collect();
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&grey, w, h, image::ExtendedColorType::L8)
        .unwrap();
    let d = pipeline().derive(&png, &wm()).unwrap();
    assert_eq!(
        (d.kind, d.copy_size, d.thumb_size),
        (MediaKind::Png, (300, 200), (300, 200))
    );
}

#[test]
fn missing_or_garbled_exif_gives_defaults() {
    let jpeg = encode_jpeg(&busy_rgb(64, 48, 0), 64, 48, 90);
    assert_eq!(read_exif(&jpeg), ExifInfo::default());
    assert_eq!(read_exif(&jpeg).orientation, 1);
    let garbled = with_app1_exif(&jpeg, b"MM\0*\0\0\0\x08\xff\xff\x01\x02garbage");
    assert_eq!(read_exif(&garbled), ExifInfo::default());
    // and the pipeline still works on it
    let d = pipeline().derive(&garbled, &wm()).unwrap();
    assert_eq!(d.copy_size, (64, 48));
    assert_eq!(read_exif(b"not an image"), ExifInfo::default());
    assert_eq!(read_exif(&[]), ExifInfo::default());
}

#[test]
fn other_formats_are_refused_by_name() {
    let mut heic = vec![0, 0, 0, 0x18];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    let mut webp = b"RIFF\x24\0\0\0WEBPVP8 ".to_vec();
    webp.extend_from_slice(&[0; 20]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"GIF89a\x01\0\x01\0\0\0\0;".to_vec(), "GIF"),
        (webp, "WebP"),
        (heic, "HEIC"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(), "PDF"),
        (b"II*\0\x08\0\0\0".to_vec(), "TIFF"),
        (b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0\x28\0".to_vec(), "BMP"),
        (
            (0..64u8)
                .map(|i| i.wrapping_mul(37).wrapping_add(11))
                .collect(),
            "unknown",
        ),
    ];
    for (bytes, name) in cases {
        let e = sniff(&bytes).unwrap_err();
        assert!(e.en.contains(name), "{name}: {e}");
        assert!(e.en.contains("JPEG or PNG"), "{e}");
        assert!(e.zh.contains("不支持的照片格式"), "{e}");
        if name != "unknown" {
            assert!(e.zh.contains(name), "{e}");
        }
        let e2 = pipeline().derive(&bytes, &wm()).unwrap_err();
        assert_eq!(e, e2);
    }
    assert_eq!(sniff(&[]).unwrap_err().en, "photo is empty (0 bytes)");
    let heic_err = sniff(b"\0\0\0\x18ftypheic\0\0\0\0").unwrap_err();
    assert_eq!(
        heic_err.zh,
        "不支持的照片格式 HEIC/HEIF，请使用 JPEG 或 PNG"
    );
}

#[test]
fn truncated_jpeg_is_an_error_not_a_panic() {
    let jpeg = encode_jpeg(&busy_rgb(300, 200, 10), 300, 200, 90);
    let e = pipeline().derive(&jpeg[..200], &wm()).unwrap_err();
    assert!(e.en.contains("cannot decode"), "{e}");
    assert!(e.zh.contains("无法解码"), "{e}");
}

#[test]
fn bad_font_is_refused() {
    let e = PhotoPipeline::new(b"not a font".to_vec(), 0).unwrap_err();
    assert!(e.en.contains("font"), "{e}");
}

#[test]
fn very_long_watermark_line_still_works() {
    let jpeg = encode_jpeg(&busy_rgb(400, 300, 10), 400, 300, 90);
    let long = Watermark {
        lines: vec!["很长的地址".repeat(40), "x".repeat(500), String::new()],
    };
    let d = pipeline().derive(&jpeg, &long).unwrap();
    assert_eq!(d.copy_size, (400, 300));
}

#[test]
fn oversized_dimensions_are_refused() {
    // A valid 16×16 JPEG whose SOF claims 30000×16: refused before allocating.
    let mut jpeg = encode_jpeg(&busy_rgb(16, 16, 0), 16, 16, 90);
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 7..sof + 9].copy_from_slice(&30000u16.to_be_bytes());
    let e = pipeline().derive(&jpeg, &wm()).unwrap_err();
    assert!(e.en.contains("cannot decode"), "{e}");
}
