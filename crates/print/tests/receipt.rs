mod common;

use fieldcase_print::escpos::{Job, encode_text};
use fieldcase_print::render::{self, cells_width};
use fieldcase_print::virtual_printer::{decode, write_pngs};
use fieldcase_print::{PrintError, Receipt, receipt};
use image::{GrayImage, Luma, imageops};

fn sample_receipt() -> Receipt {
    Receipt {
        agency: "某市生态环境局".into(),
        title: "现场检查回执".into(),
        number: "某环检〔2025〕第0612号".into(),
        at: "2025年6月12日9时30分".into(),
        lines: vec![
            ("被检查单位".into(), "某某电镀有限公司".into()),
            ("当事人".into(), "张三".into()),
            ("执法人员".into(), "李四（证号 32010001）、王五（证号 32010002）".into()),
            ("版本".into(), "v3 sha256:9f2c…e41a".into()),
        ],
        body: vec![
            "我局执法人员于上述时间对你单位进行了现场检查，检查内容包括废水处理设施运行情况、危险废物贮存情况。".into(),
            "检查记录已由当事人核对签字。扫描二维码可查验电子文书。".into(),
        ],
        qr_payload: "https://fieldcase.example/v/0612?h=9f2ce41a".into(),
        signature_lines: vec!["当事人签名".into(), "执法人员签名".into()],
    }
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn gb18030_bytes_of_zhangsan_appear_in_the_stream() {
    let profile = common::profile("generic-58");
    let bytes = receipt(&profile, &sample_receipt()).unwrap();
    assert!(find(&bytes, &[0xD5, 0xC5, 0xC8, 0xFD]), "张三 in GB18030");
    assert!(
        bytes.starts_with(&[0x1B, b'@', 0x1C, b'&']),
        "ESC @ then FS &"
    );
    assert_eq!(
        encode_text(&profile, "张三").unwrap(),
        vec![0xD5, 0xC5, 0xC8, 0xFD]
    );
}

#[test]
fn decoded_text_matches_the_font_rendering_pixel_for_pixel() {
    let profile = common::profile("generic-58");
    let mut j = Job::new(&profile);
    j.line("张三 ABC 环境").unwrap();
    j.bold(true).line("执法").unwrap();
    j.cut(0);
    let page = &decode(&j.finish(), &profile).unwrap()[0];
    let mut expected = GrayImage::from_pixel(384, 24, Luma([255]));
    render::draw_cells(&mut expected, 0, 0, "张三 ABC 环境", 1, 1, false).unwrap();
    assert_eq!(imageops::crop_imm(page, 0, 0, 384, 24).to_image(), expected);
    let mut expected = GrayImage::from_pixel(384, 24, Luma([255]));
    render::draw_cells(&mut expected, 0, 0, "执法", 1, 1, true).unwrap();
    assert_eq!(
        imageops::crop_imm(page, 0, 30, 384, 24).to_image(),
        expected
    );
    // And there is ink: the font really drew something.
    assert!(expected.pixels().filter(|p| p.0[0] == 0).count() > 50);
}

#[test]
fn receipt_page_header_matches_font_and_qr_decodes() {
    for id in ["generic-58", "generic-80"] {
        // generic-58 sends the QR as raster, generic-80 as GS ( k.
        let profile = common::profile(id);
        let r = sample_receipt();
        let bytes = receipt(&profile, &r).unwrap();
        assert_eq!(
            find(&bytes, &[0x1D, b'(', b'k']),
            profile.supports_qr_cmd,
            "{id}"
        );
        let pages = decode(&bytes, &profile).unwrap();
        assert_eq!(pages.len(), 1, "{id}");
        let page = &pages[0];
        assert_eq!(page.width(), profile.dots_per_line);
        // First line: agency, centred, bold, 24 dots high.
        let w = profile.dots_per_line;
        let mut expected = GrayImage::from_pixel(w, 24, Luma([255]));
        let x = (w - cells_width(&r.agency, 1)) / 2;
        render::draw_cells(&mut expected, x, 0, &r.agency, 1, 1, true).unwrap();
        assert_eq!(
            imageops::crop_imm(page, 0, 0, w, 24).to_image(),
            expected,
            "{id}"
        );
        // Second line: title at double size (48 dots) starting at y = 30.
        let mut expected = GrayImage::from_pixel(w, 48, Luma([255]));
        let x = (w - cells_width(&r.title, 2)) / 2;
        render::draw_cells(&mut expected, x, 0, &r.title, 2, 2, false).unwrap();
        assert_eq!(
            imageops::crop_imm(page, 0, 30, w, 48).to_image(),
            expected,
            "{id}"
        );
        assert_eq!(common::decode_qr(page), r.qr_payload, "{id}");
        let files = write_pngs(&pages, &common::review_dir(), &format!("receipt-{id}")).unwrap();
        assert!(files[0].exists());
    }
}

#[test]
fn unmappable_text_is_refused_naming_the_characters() {
    let profile = common::profile("generic-58");
    let mut r = sample_receipt();
    r.body.push("现场照片😀见附件𠀀".into());
    let err = receipt(&profile, &r).unwrap_err();
    match &err {
        PrintError::Unmappable { chars, .. } => assert_eq!(chars, &vec!['😀', '𠀀']),
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("U+1F600") && msg.contains("U+20000"), "{msg}");
    // Control characters would inject printer commands: refused too.
    let err = encode_text(&profile, "a\u{1b}@b").unwrap_err();
    assert!(matches!(err, PrintError::ControlChars { .. }), "{err:?}");
    // A printer whose ROM has the 4-byte range accepts the emoji bytes.
    let mut p4 = profile.clone();
    p4.four_byte_gb18030 = true;
    assert_eq!(encode_text(&p4, "😀").unwrap().len(), 4);
}

#[test]
fn overlong_body_is_refused() {
    let profile = common::profile("generic-58");
    let mut r = sample_receipt();
    r.body = (0..25).map(|i| format!("第{i}行")).collect();
    assert!(matches!(receipt(&profile, &r), Err(PrintError::TooLong(_))));
}

#[test]
fn wrapping_keeps_numbers_whole_and_never_starts_a_line_with_closing_punctuation() {
    use fieldcase_print::jobs::wrap;
    // 8 CJK cells = 192 dots.
    let lines = wrap("执法人员李四证号32010001，王五", 192, 1);
    assert!(lines.iter().all(|l| cells_width(l, 1) <= 192), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("32010001")),
        "number split: {lines:?}"
    );
    let lines = wrap("一二三四五六七八。九", 192, 1);
    assert_eq!(lines, vec!["一二三四五六七", "八。九"]);
    let lines = wrap("一二三四五六七八）、九", 192, 1);
    assert_eq!(lines, vec!["一二三四五六七", "八）、九"]);
    // A word longer than the line is split by characters.
    let lines = wrap(&"a".repeat(40), 192, 1);
    assert_eq!(
        lines.iter().map(|l| l.len()).collect::<Vec<_>>(),
        vec![16, 16, 8]
    );
    assert_eq!(wrap("", 192, 1), vec![String::new()]);
}
