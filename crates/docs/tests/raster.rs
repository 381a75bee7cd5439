//! Transcript pages drawn for thermal printers: the A4 bitmap is the PDF's page (compared with
//! poppler's rendering of the PDF), a roll page keeps every line inside the paper and carries the
//! strip, the page number and a QR that decodes.

mod common;

use common::{font, review_dir};

use fieldcase_docs::layout::{Mark, lay_out};
use fieldcase_docs::{RenderInput, Sheet, pdf, raster};
use image::GrayImage;
use serde_json::Value;

fn with_input<T>(f: impl FnOnce(&RenderInput<'_>) -> T) -> T {
    let tpl = common::template("onsite_record");
    let content = common::onsite();
    let sigs = common::signatures();
    let input = RenderInput {
        template: &tpl,
        content: &content,
        record_no: "320505-20250612-D07-0003-R1",
        transcript_version: 2,
        content_sha256: common::SHA,
        signatures: &sigs,
        refusal_note: None,
    };
    f(&input)
}

fn ink(img: &GrayImage) -> Vec<(u32, u32)> {
    img.enumerate_pixels()
        .filter(|(_, _, p)| p.0[0] < 128)
        .map(|(x, y, _)| (x, y))
        .collect()
}

/// Share of `a`'s ink pixels with ink of `b` within `r` pixels.
fn covered(a: &GrayImage, b: &GrayImage, r: i64) -> f64 {
    let pts = ink(a);
    let hit = pts
        .iter()
        .filter(|(x, y)| {
            (-r..=r).any(|dy| {
                (-r..=r).any(|dx| {
                    let (xx, yy) = (*x as i64 + dx, *y as i64 + dy);
                    xx >= 0
                        && yy >= 0
                        && (xx as u32) < b.width()
                        && (yy as u32) < b.height()
                        && b.get_pixel(xx as u32, yy as u32).0[0] < 128
                })
            })
        })
        .count();
    hit as f64 / pts.len().max(1) as f64
}

fn decode_qr(img: &GrayImage) -> Value {
    let mut prepared = rqrr::PreparedImage::prepare(img.clone());
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR per page");
    let (_, json) = grids[0].decode().expect("QR decodes");
    serde_json::from_str(&json).expect("json")
}

#[test]
fn a4_bitmaps_are_the_pdf_pages_in_black_and_white() {
    let (pdf_bytes, pages) = with_input(|input| {
        (
            pdf::render(font(), input).expect("pdf"),
            raster::render_pages(font(), input, &Sheet::a4(), 203.0).expect("raster"),
        )
    });
    assert_eq!(pages.len(), pdf::page_count(&pdf_bytes));
    let dir = review_dir();
    let path = dir.join("raster-a4.pdf");
    std::fs::write(&path, &pdf_bytes).expect("write pdf");
    for (i, page) in pages.iter().enumerate() {
        // 210 mm × 297 mm at 203 dpi.
        assert_eq!(page.dimensions(), (1679, 2374));
        assert!(
            page.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255),
            "a thermal page is black and white only"
        );
        page.save(dir.join(format!("raster-a4-{}.png", i + 1)))
            .expect("save");
        let prefix = dir.join(format!("poppler-a4-{}", i + 1));
        let n = (i + 1).to_string();
        common::pdftoppm(
            &[
                "-r",
                "203",
                "-gray",
                "-png",
                "-singlefile",
                "-f",
                &n,
                "-l",
                &n,
            ],
            &path,
            &prefix,
        );
        let poppler = image::open(prefix.with_extension("png"))
            .expect("png")
            .to_luma8();
        assert_eq!(poppler.dimensions(), page.dimensions());
        // Same text at the same places: nearly all ink of each has ink of the other beside it.
        let ours = covered(page, &poppler, 2);
        let theirs = covered(&poppler, page, 2);
        assert!(
            ours > 0.97 && theirs > 0.90,
            "page {}: {ours:.3} of our ink lies on poppler's, {theirs:.3} of poppler's on ours",
            i + 1
        );
        let v = decode_qr(page);
        assert_eq!(v["sha256"], common::SHA);
        assert_eq!(v["version"], 2);
    }
}

#[test]
fn roll_pages_fit_the_paper_and_carry_strip_page_number_and_qr() {
    for dots in [384u32, 576, 832] {
        let sheet = Sheet::roll(dots, 203);
        let laid = with_input(|input| lay_out(font(), input, &sheet).expect("layout"));
        let total = laid.pages.len();
        assert!(total >= 3, "{dots} dots: a long record spans pages");
        for (i, page) in laid.pages.iter().enumerate() {
            let texts: Vec<&str> = page
                .marks
                .iter()
                .filter_map(|m| match m {
                    Mark::Text { x, text, size, .. } => {
                        let right = x + font().width(text, *size);
                        assert!(
                            *x >= 0.0 && right <= sheet.width() + 0.01,
                            "{dots} dots, page {}: {text:?} runs off the paper ({x:.1}..{right:.1} of {:.1})",
                            i + 1,
                            sheet.width()
                        );
                        Some(text.as_str())
                    }
                    _ => None,
                })
                .collect();
            let page_no = format!("第 {} 页 共 {total} 页", i + 1);
            for needle in [
                page_no.as_str(),
                "被检查人（被询问人）签名：",
                "执法人员签名：",
            ] {
                assert!(
                    texts.contains(&needle),
                    "{dots} dots, page {}: no {needle:?}",
                    i + 1
                );
            }
        }
        let last = laid.pages.last().expect("pages");
        assert!(
            last.height < sheet.height() * 0.9,
            "{dots} dots: the roll is cut under the last page's footer, not after blank paper"
        );
        let pages = raster::draw(font(), &laid, 203.0);
        for (i, p) in pages.iter().enumerate() {
            assert_eq!(p.width(), dots);
            p.save(review_dir().join(format!("raster-roll{dots}-{}.png", i + 1)))
                .expect("save");
            assert_eq!(decode_qr(p)["sha256"], common::SHA);
        }
        // Every word of the record is on the roll: the text of all pages, joined, holds the
        // findings and the officers of the A4 record.
        let all: String = laid
            .pages
            .iter()
            .flat_map(|p| &p.marks)
            .filter_map(|m| match m {
                Mark::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        for needle in [
            "苏州华鑫电镀有限公司",
            "91320505MA1XYZ1234",
            "张伟（执法证号：32050012345）",
            "S-20250612-02",
            "六价铬、总铬、pH",
            "E-004",
            "责令立即停止超标排放含铬废水",
            "（以下空白）",
            "被检查人：李明",
        ] {
            let squashed: String = needle.chars().filter(|c| !c.is_whitespace()).collect();
            let hay: String = all.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(hay.contains(&squashed), "{dots} dots: {needle:?} missing");
        }
    }
}
