mod common;

use fieldcase_print::escpos::{Bitmap, GS, Job};
use fieldcase_print::virtual_printer::decode;
use fieldcase_print::{PrinterProfile, raster_pages};
use image::{GrayImage, Luma};

/// Walk a stream and return the row count of every `GS v 0` command.
fn band_rows(bytes: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 8 <= bytes.len() {
        if bytes[i] == GS && bytes[i + 1] == b'v' && bytes[i + 2] == b'0' {
            let bpl = bytes[i + 4] as usize | (bytes[i + 5] as usize) << 8;
            let rows = bytes[i + 6] as usize | (bytes[i + 7] as usize) << 8;
            out.push(rows);
            i += 8 + bpl * rows;
        } else {
            i += 1;
        }
    }
    out
}

fn pattern(w: u32, h: u32) -> Bitmap {
    let mut bm = Bitmap::new(w, h);
    for y in 0..h {
        for x in 0..w {
            // Diagonal stripes, a border, and a filled block: every bit position exercised.
            let v = (x + 2 * y) % 7 < 3
                || x == 0
                || y == 0
                || x == w - 1
                || y == h - 1
                || (x > w / 3 && x < w / 2 && y > h / 4 && y < h / 2);
            bm.set(x, y, v);
        }
    }
    bm
}

#[test]
fn bilevel_raster_round_trips_exactly_in_bands() {
    let mut profile: PrinterProfile = common::profile("generic-58");
    profile.max_band_rows = 100;
    let bm = pattern(384, 517);
    let mut j = Job::new(&profile);
    j.raster(&bm);
    j.cut(0);
    let bytes = j.finish();
    let bands = band_rows(&bytes);
    assert_eq!(bands, vec![100, 100, 100, 100, 100, 17]);
    let pages = decode(&bytes, &profile).unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(
        pages[0],
        bm.to_gray(),
        "decoded raster differs from the source bitmap"
    );
}

#[test]
fn narrow_raster_with_partial_byte_width_round_trips() {
    let profile = common::profile("generic-80");
    let bm = pattern(203, 61); // 203 dots → 26 bytes per row, last byte partly padding
    let mut j = Job::new(&profile);
    j.raster(&bm).cut(0);
    let page = &decode(&j.finish(), &profile).unwrap()[0];
    assert_eq!(page.width(), 576);
    assert_eq!(page.height(), 61);
    let got = image::imageops::crop_imm(page, 0, 0, 203, 61).to_image();
    assert_eq!(got, bm.to_gray());
    // Padding to the right stays white.
    assert!(
        page.enumerate_pixels()
            .filter(|(x, _, _)| *x >= 203)
            .all(|(_, _, p)| p.0[0] == 255)
    );
}

#[test]
fn floyd_steinberg_on_flat_gray_and_known_pixels() {
    // 50 % gray dithers to about half the dots.
    let flat = GrayImage::from_pixel(64, 64, Luma([128]));
    let bm = Bitmap::dither(&flat);
    let black = bm.bits.iter().filter(|b| **b).count();
    assert!((1900..=2200).contains(&black), "black dots: {black}");
    // Hand-computed 2×2: [100, 200; 50, 255].
    // (0,0)=100 → black, e=100: right +43 (243), down-left n/a, down +31 (81), down-right +6 (261).
    // (1,0)=243 → white, e=-12: down +-3 (down-left: 81-2=79), down (261-3=258).
    // (0,1)=79 → black; (1,1)=258+~ → white.
    let img = GrayImage::from_raw(2, 2, vec![100, 200, 50, 255]).unwrap();
    assert_eq!(Bitmap::dither(&img).bits, vec![true, false, true, false]);
    // Pure black/white is unchanged by dithering.
    let bw = pattern(40, 30).to_gray();
    assert_eq!(Bitmap::dither(&bw), Bitmap::from_gray_threshold(&bw));
}

#[test]
fn dithered_grayscale_page_decodes_to_the_expected_bitmap() {
    let profile = common::profile("generic-58");
    // A page exactly at the head width: horizontal gradient with a darker disc.
    let page = GrayImage::from_fn(384, 300, |x, y| {
        let dx = x as i32 - 192;
        let dy = y as i32 - 150;
        let base = (x * 255 / 383) as u8;
        Luma([if dx * dx + dy * dy < 80 * 80 {
            base / 3
        } else {
            base
        }])
    });
    let bytes = raster_pages(&profile, std::slice::from_ref(&page));
    assert!(
        band_rows(&bytes)
            .iter()
            .all(|&r| r <= profile.max_band_rows as usize)
    );
    let pages = decode(&bytes, &profile).unwrap();
    assert_eq!(pages.len(), 1);
    let expected = Bitmap::dither(&page).to_gray();
    let got = image::imageops::crop_imm(&pages[0], 0, 0, 384, 300).to_image();
    assert_eq!(got, expected);
    // Feed after the image is blank paper.
    assert!(
        pages[0]
            .enumerate_pixels()
            .filter(|(_, y, _)| *y >= 300)
            .all(|(_, _, p)| p.0[0] == 255)
    );
}

#[test]
fn raster_pages_fit_wide_pages_to_the_head_centre_narrow_ones_and_cut_per_page() {
    let profile = common::profile("generic-80");
    let a4ish = GrayImage::from_fn(1200, 1697, |x, y| {
        Luma([((x / 40 + y / 40) % 2 * 255) as u8])
    });
    let small = GrayImage::from_pixel(100, 50, Luma([0]));
    let bytes = raster_pages(&profile, &[a4ish, small]);
    let pages = decode(&bytes, &profile).unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].width(), 576);
    // 1697 * 576 / 1200 = 814 rows of image, then the feed.
    assert!(pages[0].height() >= 814);
    // A narrower page is centred at its own size, never scaled up: 100×50 black in white.
    let black = |x: u32, y: u32| pages[1].get_pixel(x, y).0[0] == 0;
    assert!((0..50).all(|y| (0..576).all(|x| black(x, y) == (238..338).contains(&x))));
}

#[test]
fn band_sizes_never_exceed_max_band_rows_for_any_profile() {
    for profile in common::profiles() {
        let page = GrayImage::from_fn(profile.dots_per_line, 1000, |x, y| {
            Luma([((x + y) % 256) as u8])
        });
        let bytes = raster_pages(&profile, &[page]);
        let bands = band_rows(&bytes);
        assert_eq!(bands.iter().sum::<usize>(), 1000, "{}", profile.id);
        assert!(
            bands
                .iter()
                .all(|&r| r >= 1 && r <= profile.max_band_rows as usize && r <= 255),
            "{}: {bands:?}",
            profile.id
        );
    }
}

#[test]
fn unknown_command_is_an_error_naming_the_offset() {
    let profile = common::profile("generic-58");
    let bytes = [0x1B, b'@', b'A', b'B', 0x1B, b'Z', 1, b'\n'];
    let err = decode(&bytes, &profile).unwrap_err();
    assert_eq!(err.offset, 4);
    assert!(err.message.contains("ESC 0x5A"), "{}", err.message);
    // Truncated raster also names its offset.
    let bytes = [0x1B, b'@', GS, b'v', b'0', 0, 2, 0, 10, 0, 1, 2, 3];
    let err = decode(&bytes, &profile).unwrap_err();
    assert_eq!(err.offset, 2);
    assert!(err.message.contains("truncated"), "{}", err.message);
}
