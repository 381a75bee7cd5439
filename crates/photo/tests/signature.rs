//! Signature strokes → PNG.

use fieldcase_photo::signature::render_strokes;

fn decode(png: &[u8]) -> image::GrayImage {
    image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .into_luma8()
}

fn diagonal() -> Vec<Vec<[f64; 4]>> {
    // Input in its own coordinate space (0..100 × 0..50), fitted into the canvas.
    vec![
        (0..=20)
            .map(|i| {
                let t = i as f64 / 20.0;
                [t * 100.0, t * 50.0, t * 400.0, 0.3 + 0.7 * t]
            })
            .collect(),
        vec![[0.0, 50.0, 500.0, 0.5], [100.0, 0.0, 900.0, 0.5]],
    ]
}

#[test]
fn renders_png_of_requested_size_with_ink_along_strokes() {
    let png = render_strokes(&diagonal(), 300, 150).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let img = decode(&png);
    assert_eq!(img.dimensions(), (300, 150));
    // The drawing is fitted with a margin: its centre is the canvas centre (both lines cross).
    assert!(
        img.get_pixel(150, 75)[0] < 80,
        "centre {:?}",
        img.get_pixel(150, 75)
    );
    // Along the first stroke (bounding box maps to the canvas minus margin, aspect 2:1 kept).
    let dark_along = (1..10)
        .filter(|i| {
            let t = *i as f64 / 10.0;
            let x = 150.0 + (t - 0.5) * 2.0 * 120.0;
            let y = 75.0 + (t - 0.5) * 120.0;
            img.get_pixel(x.round() as u32, y.round() as u32)[0] < 128
        })
        .count();
    assert!(dark_along >= 8, "only {dark_along} of 9 samples dark");
    // Corners stay white (margin).
    for (x, y) in [(0, 0), (299, 0), (0, 149), (299, 149), (150, 2)] {
        assert_eq!(img.get_pixel(x, y)[0], 255, "({x},{y})");
    }
    // Anti-aliased: there are intermediate grey values.
    assert!(img.pixels().any(|p| p[0] > 30 && p[0] < 220));
}

#[test]
fn width_follows_pressure() {
    let light = vec![vec![[0.0, 0.0, 0.0, 0.0], [100.0, 0.0, 100.0, 0.0]]];
    let heavy = vec![vec![[0.0, 0.0, 0.0, 1.0], [100.0, 0.0, 100.0, 1.0]]];
    let ink = |s: &Vec<Vec<[f64; 4]>>| {
        decode(&render_strokes(s, 600, 300).unwrap())
            .pixels()
            .map(|p| 255 - p[0] as u64)
            .sum::<u64>()
    };
    assert!(ink(&heavy) > ink(&light) * 2);
}

#[test]
fn deterministic() {
    assert_eq!(
        render_strokes(&diagonal(), 320, 160).unwrap(),
        render_strokes(&diagonal(), 320, 160).unwrap()
    );
}

#[test]
fn single_point_is_a_dot() {
    let img = decode(&render_strokes(&[vec![[5.0, 5.0, 0.0, 1.0]]], 100, 100).unwrap());
    assert!(
        img.get_pixel(50, 50)[0] < 128,
        "{:?}",
        img.get_pixel(50, 50)
    );
    assert_eq!(img.get_pixel(10, 10)[0], 255);
}

#[test]
fn refuses_empty_and_non_finite() {
    let e = render_strokes(&[], 300, 150).unwrap_err();
    assert!(e.en.contains("empty"), "{e}");
    assert!(e.zh.contains("签名为空"), "{e}");
    assert!(render_strokes(&[vec![], vec![]], 300, 150).is_err());
    let e = render_strokes(&[vec![[0.0, f64::NAN, 0.0, 0.5]]], 300, 150).unwrap_err();
    assert!(e.en.contains("non-finite"), "{e}");
    assert!(render_strokes(&[vec![[0.0, 1.0, f64::INFINITY, 0.5]]], 300, 150).is_err());
    assert!(render_strokes(&diagonal(), 0, 150).is_err());
    assert!(render_strokes(&diagonal(), 300, 100_000).is_err());
}
