//! Renders both transcripts and reads them back with poppler (pdftotext, pdftoppm) and rqrr.

mod common;

use common::{font, review_dir};

use std::process::Command;

use fieldcase_docs::RenderInput;
use fieldcase_docs::pdf::render;
use serde_json::Value;

fn render_kind(kind: &str) -> (Value, Vec<u8>) {
    let (tpl, content) = match kind {
        "onsite" => (common::template("onsite_record"), common::onsite()),
        _ => (common::template("inquiry_record"), common::inquiry()),
    };
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
    let pdf = render(font(), &input).expect("render");
    (content, pdf)
}

fn pdftotext(pdf: &[u8], name: &str) -> String {
    let path = review_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write pdf");
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("utf8")
}

/// pdftotext -layout pads CJK with spaces; compare without whitespace.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_has(text: &str, needle: &str) {
    assert!(
        squash(text).contains(&squash(needle)),
        "missing {needle:?} in:\n{text}"
    );
}

fn pages_of(text: &str) -> Vec<String> {
    let mut p: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if p.last().is_some_and(|s| s.trim().is_empty()) {
        p.pop();
    }
    p
}

fn assert_every_page(text: &str, pdf: &[u8]) -> usize {
    let pages = pages_of(text);
    let n = pages.len();
    assert_eq!(fieldcase_docs::pdf::page_count(pdf), n);
    for (i, p) in pages.iter().enumerate() {
        assert_has(p, &format!("第 {} 页 共 {n} 页", i + 1));
        assert_has(p, "被检查人（被询问人）签名：");
        assert_has(p, "执法人员签名：");
        assert_has(p, "320505-20250612-D07-0003-R1");
        assert_has(p, "版本 v2");
    }
    n
}

#[test]
fn onsite_record_prints_every_field_on_three_pages() {
    let (c, pdf) = render_kind("onsite");
    let text = pdftotext(&pdf, "onsite");
    let n = assert_every_page(&text, &pdf);
    assert_eq!(n, 3, "the long onsite fixture runs to 3 pages:\n{text}");
    for p in pages_of(&text) {
        assert_has(&p, "表式 onsite_record 2025.1");
    }
    assert_has(&text, "苏州市生态环境局现场检查（勘察）笔录");
    // The two officers' signatures were confirmed with the PIN (issue 7), the party's not.
    assert_eq!(text.matches("经密码确认").count(), 2, "{text}");
    for v in [
        "2025年6月12日9时30分至11时45分",
        "苏州市高新区珠江路88号",
        "北纬31.299120° 东经120.585316°",
        "苏州华鑫电镀有限公司",
        "91320505MA1XYZ1234",
        "王建国",
        "李明",
        "男",
        "居民身份证 320505198001011234",
        "环保主管 13912345678",
        "苏州市高新区狮山路1号",
        "受委托人",
        "张伟（执法证号：32050012345）、陈静（执法证号：32050067890）",
        "双随机抽查",
        "electroplating（2025.1版）",
    ] {
        assert_has(&text, v);
    }
    assert_has(&text, common::NOTICE);
    assert_has(&text, "是否看清执法证件：已看清");
    assert_has(&text, "是否申请回避：不申请回避");
    for f in c["findings"].as_array().expect("findings") {
        assert_has(&text, f["finding"].as_str().expect("finding"));
        for b in f["basis"].as_array().expect("basis") {
            assert_has(&text, b["text"].as_str().expect("basis text"));
        }
        for b in f["penalty"].as_array().expect("penalty") {
            assert_has(&text, b["text"].as_str().expect("penalty text"));
        }
    }
    for s in [
        "S-20250612-01",
        "S-20250612-02",
        "FT-0001",
        "六价铬、总铬、pH",
    ] {
        assert_has(&text, s);
    }
    for e in ["E-001", "E-004", "a1b2c3d4e5f60718…", "（外部导入）"] {
        assert_has(&text, e);
    }
    assert_has(&text, "责令立即停止超标排放含铬废水");
    assert_has(&text, "以上记录属实。");
    assert_has(&text, "EP-33");
    assert_has(&text, "EP-07#2");
    // 以下空白 after the body, signatures with role, name and time on the last page.
    let last = pages_of(&text).pop().expect("last page");
    for s in [
        "（以下空白）",
        "被检查人：李明",
        "检查人：张伟",
        "记录人：陈静",
        "2025年6月12日11时45分",
    ] {
        assert_has(&last, s);
    }
    let body = squash(&text);
    let tail = body.find("（以下空白）").expect("blank tail");
    assert!(body.find("以上记录属实。").expect("opinion") < tail);
}

#[test]
fn inquiry_record_prints_question_and_answer_lines() {
    let (c, pdf) = render_kind("inquiry");
    let text = pdftotext(&pdf, "inquiry");
    assert_every_page(&text, &pdf);
    assert_has(&text, "苏州市生态环境局调查询问笔录");
    assert_has(&text, "表式 inquiry_record 2025.1");
    for v in [
        "320505-20250612-D07-0003",
        "2025年6月12日10时50分至11时25分",
        "第1次询问",
        "苏州华鑫电镀有限公司会议室",
        "居民身份证 320505198001011234",
        "张伟（执法证号：32050012345）、陈静（执法证号：32050067890）",
        "陈静（执法证号：32050067890）",
    ] {
        assert_has(&text, v);
    }
    for qa in c["interview"]["qa"].as_array().expect("qa") {
        assert_has(&text, &format!("问：{}", qa["q"].as_str().expect("q")));
        assert_has(&text, &format!("答：{}", qa["a"].as_str().expect("a")));
    }
    assert_has(&text, "被询问人确认：以上笔录我已看过，与我说的一致。");
    // Lines start with 问： / 答： (一问一答), never with closing punctuation.
    for line in text.lines() {
        let t = line.trim_start();
        assert!(
            !t.starts_with('，') && !t.starts_with('。') && !t.starts_with('、'),
            "line starts with closing punctuation: {line:?}"
        );
    }
    assert!(text.lines().any(|l| l.trim_start().starts_with("问：")));
    assert!(text.lines().any(|l| l.trim_start().starts_with("答：")));
}

#[test]
fn renders_are_byte_identical() {
    let (_, a) = render_kind("onsite");
    let (_, b) = render_kind("onsite");
    assert_eq!(a.len(), b.len());
    assert!(a == b, "two renders of the same input differ");
    assert!(
        a.len() <= 300 * 1024,
        "3-page transcript is {} bytes",
        a.len()
    );
}

/// An archived transcript must display the same on any reader years later: the one font is
/// embedded (as a subset), carries a ToUnicode map, and poppler parses the file without complaint.
#[test]
fn font_is_embedded_subset_with_unicode_map() {
    let (_, pdf) = render_kind("onsite");
    let path = review_dir().join("onsite-fonts.pdf");
    std::fs::write(&path, &pdf).expect("write pdf");
    let out = Command::new("pdffonts")
        .arg(&path)
        .output()
        .expect("pdffonts (apt poppler-utils)");
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "poppler complained: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf8");
    let fonts: Vec<Vec<&str>> = text
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(fonts.len(), 1, "one font:\n{text}");
    let f = &fonts[0];
    // name, type (2 words), encoding, emb, sub, uni, object id…
    assert!(
        f[0].len() > 7 && f[0].as_bytes()[6] == b'+' && f[0].ends_with("NotoSansCJKsc-Regular"),
        "{text}"
    );
    assert_eq!(f[1..4], ["CID", "Type", "0C"], "{text}");
    assert_eq!(f[4..8], ["Identity-H", "yes", "yes", "yes"], "{text}");
}

#[test]
fn page_images_for_review_and_qr_decodes() {
    let (_, pdf) = render_kind("onsite");
    let dir = review_dir();
    let path = dir.join("onsite-qr.pdf");
    std::fs::write(&path, &pdf).expect("write");
    common::pdftoppm(&["-r", "60", "-png"], &path, &dir.join("onsite"));
    let (_, inq) = render_kind("inquiry");
    let ipath = dir.join("inquiry-review.pdf");
    std::fs::write(&ipath, &inq).expect("write");
    common::pdftoppm(&["-r", "60", "-png"], &ipath, &dir.join("inquiry"));
    // Decode the QR of page 2 at a scanner-like resolution.
    let prefix = dir.join("qr-page");
    common::pdftoppm(
        &[
            "-r",
            "300",
            "-gray",
            "-png",
            "-f",
            "2",
            "-l",
            "2",
            "-singlefile",
        ],
        &path,
        &prefix,
    );
    let img = image::open(prefix.with_extension("png"))
        .expect("page png")
        .to_luma8();
    // The QR sits in the bottom-left corner (the bottom-right is for the party's signature).
    let (w, h) = img.dimensions();
    let img = image::imageops::crop_imm(&img, 0, h * 4 / 5, w / 3, h / 5).to_image();
    img.save(dir.join("qr-crop.png")).expect("save crop");
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR per page");
    let (_, json) = grids[0].decode().expect("QR decodes");
    let v: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["case_id"], "320505-20250612-D07-0003");
    assert_eq!(v["record_no"], "320505-20250612-D07-0003-R1");
    assert_eq!(v["version"], 2);
    assert_eq!(v["sha256"], common::SHA);
}

#[test]
fn missing_glyphs_are_refused_by_name() {
    let tpl = common::template("onsite_record");
    let mut c = common::onsite();
    c["narrative"] = Value::String("现场发现𠀀字样标牌😀。".into());
    let input = RenderInput {
        template: &tpl,
        content: &c,
        record_no: "R1",
        transcript_version: 1,
        content_sha256: common::SHA,
        signatures: &[],
        refusal_note: None,
    };
    let e = render(font(), &input).expect_err("refused");
    assert!(e.zh.contains("𠀀") && e.zh.contains("U+20000"), "{e}");
    assert!(e.zh.contains("😀") && e.en.contains("U+1F600"), "{e}");
}

#[test]
fn refusal_note_on_last_page() {
    let tpl = common::template("onsite_record");
    let c = common::onsite();
    let sigs = common::signatures();
    let input = RenderInput {
        template: &tpl,
        content: &c,
        record_no: "R1",
        transcript_version: 1,
        content_sha256: common::SHA,
        signatures: &sigs[1..],
        refusal_note: Some(
            "被检查人李明拒绝签名，由见证人王芳（物业管理处）在场见证，执法记录仪录像E-003。",
        ),
    };
    let pdf = render(font(), &input).expect("render");
    let text = pdftotext(&pdf, "refusal");
    let last = pages_of(&text).pop().expect("last");
    assert_has(&last, "拒签说明：被检查人李明拒绝签名");
}
