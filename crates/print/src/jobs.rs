//! Print jobs: receipts (text + QR), raster pages, sample labels.

use crate::error::PrintError;
use crate::escpos::{Align, Bitmap, Job, QrEc, qr_bitmap, qr_modules};
use crate::profile::{PrinterKind, PrinterProfile};
use crate::render;
use image::{GrayImage, Luma, imageops};
use serde::{Deserialize, Serialize};

/// Maximum wrapped body lines on a receipt (domain §9.3: key content ≤ ~20 lines).
pub const MAX_RECEIPT_BODY_LINES: usize = 20;

/// A short on-site document for a receipt printer (检查回执/告知单, evidence/sample receipt,
/// 送达回执, QR lookup slip).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Issuing agency (执法机构).
    pub agency: String,
    /// Document type, e.g. 现场检查回执.
    pub title: String,
    /// Document number (文书编号).
    pub number: String,
    /// Date-time as printed, e.g. 2025年6月12日9时30分.
    pub at: String,
    /// Labelled fields: party, officers + certificate numbers, version + hash, ...
    pub lines: Vec<(String, String)>,
    /// Key content paragraphs (wrapped; ≤ 20 lines after wrapping).
    pub body: Vec<String>,
    pub qr_payload: String,
    /// Signature captions, e.g. "当事人签名", "执法人员签名".
    pub signature_lines: Vec<String>,
}

/// Characters that must not start a line (line-breaking rules for Chinese, 避头).
const NO_LINE_START: &str = "，。、；：？！）》」』】〕…%,.;:?!)]}";

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_./:@#+".contains(c)
}

/// Wrap text to `width` dots in the printer's fixed-cell model (width multiplier `w`):
/// ASCII words and numbers are kept whole when they fit on a line, and closing punctuation
/// never starts a line (the preceding character moves down with it).
pub fn wrap(text: &str, width: u32, w: u32) -> Vec<String> {
    // Tokens: runs of word characters, or single other characters.
    let mut tokens: Vec<String> = Vec::new();
    for c in text.chars() {
        match tokens.last_mut() {
            Some(t) if is_word_char(c) && t.chars().all(is_word_char) => t.push(c),
            _ => tokens.push(c.to_string()),
        }
    }
    let tw = |t: &str| render::cells_width(t, w);
    let mut lines: Vec<Vec<String>> = vec![Vec::new()];
    let mut used = 0;
    for tok in tokens {
        let t_w = tw(&tok);
        if used + t_w <= width {
            used += t_w;
            if let Some(l) = lines.last_mut() {
                l.push(tok);
            }
            continue;
        }
        if t_w > width {
            // A word longer than a line: split it by characters.
            for c in tok.chars() {
                let cw = render::cell_width(c) * w;
                if used + cw > width && used > 0 {
                    lines.push(Vec::new());
                    used = 0;
                }
                used += cw;
                if let Some(l) = lines.last_mut() {
                    l.push(c.to_string());
                }
            }
            continue;
        }
        let mut next: Vec<String> = Vec::new();
        let starts_bad = tok
            .chars()
            .next()
            .is_some_and(|c| NO_LINE_START.contains(c));
        if starts_bad && let Some(cur) = lines.last_mut() {
            // Move the preceding token down too; if that is punctuation as well, keep going.
            while cur.len() > 1 {
                let Some(prev) = cur.pop() else { break };
                let more = prev
                    .chars()
                    .next()
                    .is_some_and(|c| NO_LINE_START.contains(c));
                next.insert(0, prev);
                if !more {
                    break;
                }
            }
        }
        next.push(tok);
        used = next.iter().map(|t| tw(t)).sum();
        lines.push(next);
    }
    lines.into_iter().map(|l| l.concat()).collect()
}

/// Build an ESC/POS receipt: text commands in GB18030 plus a QR code.
pub fn receipt(profile: &PrinterProfile, r: &Receipt) -> Result<Vec<u8>, PrintError> {
    let width = profile.dots_per_line;
    let mut body_lines = Vec::new();
    for p in &r.body {
        body_lines.extend(wrap(p, width, 1));
    }
    if body_lines.len() > MAX_RECEIPT_BODY_LINES {
        return Err(PrintError::TooLong(format!(
            "正文 {} 行，回执最多 {} 行，请用 A4 打印 / body has {} lines, receipts allow {}; print on A4",
            body_lines.len(),
            MAX_RECEIPT_BODY_LINES,
            body_lines.len(),
            MAX_RECEIPT_BODY_LINES
        )));
    }
    let rule: String = "-".repeat((width / render::cell_width('-')) as usize);
    let mut j = Job::new(profile);
    j.align(Align::Center).bold(true);
    for l in wrap(&r.agency, width, 1) {
        j.line(&l)?;
    }
    j.bold(false).size(2, 2);
    for l in wrap(&r.title, width, 2) {
        j.line(&l)?;
    }
    j.size(1, 1);
    j.line(&r.number)?;
    j.align(Align::Left);
    j.line(&rule)?;
    for l in wrap(&format!("时间：{}", r.at), width, 1) {
        j.line(&l)?;
    }
    for (k, v) in &r.lines {
        for l in wrap(&format!("{k}：{v}"), width, 1) {
            j.line(&l)?;
        }
    }
    j.line(&rule)?;
    for l in &body_lines {
        j.line(l)?;
    }
    if !r.qr_payload.is_empty() {
        j.lf().align(Align::Center);
        let ec = QrEc::M;
        let n = qr_modules(&r.qr_payload, ec)?;
        // Aim for about 60 % of the paper width, 2..=8 dots per module.
        let module = ((width * 6 / 10) / (n + 8)).clamp(2, 8) as u8;
        j.qr(&r.qr_payload, ec, module)?;
        j.align(Align::Left);
    }
    for s in &r.signature_lines {
        j.lf().lf();
        let caption = format!("{s}：");
        let blanks = (width.saturating_sub(render::cells_width(&caption, 1)) / 12) as usize;
        j.line(&format!("{caption}{}", "_".repeat(blanks)))?;
    }
    j.feed(3).cut(0);
    Ok(j.finish())
}

/// Send each page as banded raster, one cut per page. A page wider than the head is scaled
/// down to it; a narrower one (an A4 page, 1679 dots at 203 dpi, on a 1728-dot A4-width head)
/// is centred at its own size, because scaling it up would change its true dimensions and blur
/// a bitmap drawn for this very resolution.
pub fn raster_pages(profile: &PrinterProfile, pages: &[GrayImage]) -> Vec<u8> {
    let mut j = Job::new(profile);
    for page in pages {
        let w = profile.dots_per_line;
        let scaled = if page.width() == w || page.width() == 0 {
            page.clone()
        } else if page.width() < w {
            let mut wide = GrayImage::from_pixel(w, page.height(), Luma([255]));
            imageops::replace(&mut wide, page, i64::from((w - page.width()) / 2), 0);
            wide
        } else {
            let h =
                ((u64::from(page.height()) * u64::from(w)) / u64::from(page.width())).max(1) as u32;
            imageops::resize(page, w, h, imageops::FilterType::Triangle)
        };
        j.image_gray(&scaled);
        if profile.kind == PrinterKind::Label {
            j.label_feed();
        } else {
            j.feed(3).cut(0);
        }
    }
    j.finish()
}

/// Sample label content (domain §3.4, HJ 493).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleLabel {
    /// 样品编号.
    pub sample_id: String,
    pub task_id: String,
    /// 样品类型/名称.
    pub sample_type: String,
    /// 被采样单位/点位编号.
    pub point: String,
    /// 采样日期时间 (ISO-8601, +08:00).
    pub collected_at: String,
    /// 监测项目.
    pub parameters: Vec<String>,
    /// 保存剂（种类/用量）.
    pub preservative: String,
    /// 采样人.
    pub sampler: String,
    /// 封条编号.
    pub seal_no: String,
    /// SHA-256 (hex) of the sampling-record entry.
    pub sha256: String,
}

impl SampleLabel {
    /// QR payload `{sample_id, task_id, collected_at, sha256}` as compact JSON.
    pub fn qr_payload(&self) -> String {
        format!(
            "{{\"sample_id\":{},\"task_id\":{},\"collected_at\":{},\"sha256\":{}}}",
            json_str(&self.sample_id),
            json_str(&self.task_id),
            json_str(&self.collected_at),
            json_str(&self.sha256)
        )
    }
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Smallest text size on a label, in dots (≈ 1.75 mm at 203 dpi).
const LABEL_MIN_TEXT: f32 = 14.0;

/// Render the label at the profile's label size (bilevel, black = 0): the fields on the left in
/// one uniform text size, the QR code on the right. The QR module size is the largest (4..2
/// dots) that still leaves room for text of at least [`LABEL_MIN_TEXT`] dots.
pub fn render_label(profile: &PrinterProfile, l: &SampleLabel) -> Result<GrayImage, PrintError> {
    let (w, h) = profile.label_dots().ok_or_else(|| {
        PrintError::Profile(format!("profile '{}' has no label size", profile.id))
    })?;
    let mut img = GrayImage::from_pixel(w, h, Luma([255]));
    let margin = (w / 40).max(6);
    let rows: Vec<(String, bool)> = vec![
        (format!("样品编号 {}", l.sample_id), true),
        (format!("类型 {}", l.sample_type), false),
        (format!("点位 {}", l.point), false),
        (format!("时间 {}", short_time(&l.collected_at)), false),
        (format!("项目 {}", l.parameters.join("、")), false),
        (format!("保存剂 {}", l.preservative), false),
        (format!("采样人 {}", l.sampler), false),
        (format!("封条 {}", l.seal_no), false),
    ];
    let payload = l.qr_payload();
    let usable_h = h.saturating_sub(2 * margin);
    let lh = usable_h as f32 / rows.len() as f32;
    let max_by_height = (lh / 1.1).min(22.0);
    // Width of each row at 100 px, to solve for the size that fits a column.
    let mut w100 = Vec::with_capacity(rows.len());
    for (t, bold) in &rows {
        w100.push(render::text_width(t, 100.0)? + if *bold { 1.0 } else { 0.0 });
    }
    let fit = |col: f32| -> f32 {
        w100.iter()
            .map(|tw| col / tw * 100.0)
            .fold(max_by_height, f32::min)
    };
    // Quiet zone: 2 modules are kept on the label (4 are rendered by qr_bitmap).
    let mut choice = None;
    for (module, ec) in [
        (4, QrEc::M),
        (4, QrEc::L),
        (3, QrEc::M),
        (3, QrEc::L),
        (2, QrEc::M),
    ] {
        let qside = (qr_modules(&payload, ec)? + 4) * module;
        if qside > usable_h || qside + 2 * margin > w {
            continue;
        }
        let col = w.saturating_sub(2 * margin + margin / 2 + qside) as f32 - 1.0;
        let size = fit(col);
        if size >= LABEL_MIN_TEXT || module == 2 {
            choice = Some((module, ec, qside, size.max(9.0)));
            break;
        }
    }
    let (module, ec, qside, px) = choice.ok_or_else(|| {
        PrintError::TooLong(format!("QR payload too large for a {w}×{h}-dot label"))
    })?;
    let qr = qr_bitmap(&payload, ec, module)?;
    let trim = 2 * module;
    let qx = w - margin - qside;
    let qy = (h - qside) / 2;
    for y in 0..qside {
        for x in 0..qside {
            if qr.get(x + trim, y + trim) {
                img.put_pixel(qx + x, qy + y, Luma([0]));
            }
        }
    }
    // Text, clipped at the QR column.
    let col_right = qx.saturating_sub(margin / 2).max(1);
    let mut text = GrayImage::from_pixel(col_right, h, Luma([255]));
    let mut top = margin as f32 + (lh - render::line_height(px)?).max(0.0) / 2.0;
    for (t, bold) in &rows {
        // Faux bold (1 extra dot) smears glyphs below ~18 dots; plain text there.
        render::draw_text(&mut text, margin as f32, top, t, px, *bold && px >= 18.0)?;
        top += lh;
    }
    for (x, y, p) in text.enumerate_pixels() {
        if p.0[0] == 0 {
            img.put_pixel(x, y, Luma([0]));
        }
    }
    Ok(img)
}

/// "2025-06-12T09:30:00+08:00" → "2025-06-12 09:30".
fn short_time(iso: &str) -> String {
    if iso.len() >= 16 && iso.as_bytes().get(10) == Some(&b'T') {
        format!("{} {}", &iso[..10], &iso[11..16])
    } else {
        iso.to_string()
    }
}

/// Render the sample label and encode it as raster for any ESC/POS label-capable printer.
pub fn sample_label(profile: &PrinterProfile, l: &SampleLabel) -> Result<Vec<u8>, PrintError> {
    let img = render_label(profile, l)?;
    let bm = Bitmap::from_gray_threshold(&img);
    let mut j = Job::new(profile);
    j.raster(&bm);
    if profile.kind == PrinterKind::Label {
        j.label_feed();
    } else {
        j.feed(2).cut(0);
    }
    Ok(j.finish())
}
