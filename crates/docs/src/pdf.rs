//! The A4 transcript PDF (domain.md §9.2): title, header fields with underlined values, 告知 block,
//! body sections per template, "以下空白", signatures and refusal note on the last page, and on every
//! page the signature strip, "第 x 页 共 y 页", the form id + version and a QR code binding the paper
//! to the electronic original (case id, record number, version, SHA-256 of the content).

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset};
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, RawImage, RawImageData, RawImageFormat, TextItem, XObject,
    XObjectId, XObjectTransform,
};
use serde_json::Value;

use crate::linebreak::break_lines;
use crate::template::{Field, Format, Section, SectionKind, Template};
use crate::zh_time;

/// Path of the system CJK font (Debian/Ubuntu package `fonts-noto-cjk`).
pub const SYSTEM_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// Face index of Simplified Chinese in [`SYSTEM_FONT`].
pub const SYSTEM_FACE: usize = 2;

/// A rendering failure, in Chinese for the inspector and English for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfError {
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

impl std::error::Error for PdfError {}

fn err(zh: impl Into<String>, en: impl Into<String>) -> PdfError {
    PdfError {
        zh: zh.into(),
        en: en.into(),
    }
}

/// A parsed font: parse once, reuse for every render.
pub struct Font {
    parsed: ParsedFont,
    upem: f32,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font").field("upem", &self.upem).finish()
    }
}

impl Font {
    /// Parses a font (`face` selects the face of a .ttc/.otc collection; 0 for a plain file).
    pub fn from_bytes(bytes: Vec<u8>, face: usize) -> Result<Font, PdfError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(&bytes, face, &mut warnings).ok_or_else(|| {
            err(
                format!("字体无法解析（第{face}个字形）"),
                format!("the font does not parse (face {face})"),
            )
        })?;
        let upem = parsed.as_azul().font_metrics.units_per_em as f32;
        if upem <= 0.0 {
            return Err(err("字体缺少 units_per_em", "the font has no units_per_em"));
        }
        Ok(Font { parsed, upem })
    }

    /// Noto Sans CJK SC from the system (apt package `fonts-noto-cjk`).
    pub fn system() -> Result<Font, PdfError> {
        let bytes = std::fs::read(SYSTEM_FONT).map_err(|e| {
            err(
                format!("找不到中文字体 {SYSTEM_FONT}，请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）"),
                format!("no CJK font at {SYSTEM_FONT} ({e}); install the apt package fonts-noto-cjk"),
            )
        })?;
        Font::from_bytes(bytes, SYSTEM_FACE)
    }

    /// Whether the font can draw `c`.
    pub fn has(&self, c: char) -> bool {
        c.is_control() || self.parsed.lookup_glyph_index(c as u32).is_some()
    }

    /// Advance width of `c` at `size` points (a missing glyph counts as one em).
    pub fn advance(&self, c: char, size: f32) -> f32 {
        match self.parsed.lookup_glyph_index(c as u32) {
            Some(g) => self.parsed.as_azul().get_horizontal_advance(g) as f32 / self.upem * size,
            None => size,
        }
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }

    /// Lines of `text` no wider than `max` points at `size` (Chinese line breaking, 禁则处理).
    pub fn break_lines(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        break_lines(text, max, &|c| self.advance(c, size))
    }
}

/// A handwritten signature rendered from its strokes.
#[derive(Debug, Clone)]
pub struct SignatureImage {
    pub role_zh: String,
    pub name: String,
    /// RFC 3339.
    pub at: String,
    pub png: Vec<u8>,
}

/// Everything one render needs.
#[derive(Debug, Clone, Copy)]
pub struct RenderInput<'a> {
    pub template: &'a Template,
    pub content: &'a Value,
    pub record_no: &'a str,
    pub transcript_version: u32,
    pub content_sha256: &'a str,
    pub signatures: &'a [SignatureImage],
    pub refusal_note: Option<&'a str>,
}

// ---- page geometry (points) ----
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MM: f32 = 72.0 / 25.4;
const LEFT: f32 = 25.0 * MM; // binding side
const RIGHT: f32 = PAGE_W - 20.0 * MM; // right edge stays free for 骑缝指印
const TOP: f32 = PAGE_H - 18.0 * MM;
const BODY_BOTTOM: f32 = 40.0 * MM;
const QR_SIZE: f32 = 24.0 * MM;
const QR_Y: f32 = 9.0 * MM;

const TITLE_SIZE: f32 = 19.0;
const SUB_SIZE: f32 = 10.0;
const HEAD_SIZE: f32 = 12.5;
const BODY_SIZE: f32 = 11.5;
const BODY_LH: f32 = 17.5;
const FOOT_SIZE: f32 = 9.5;

enum Prim {
    Text {
        x: f32,
        dy: f32,
        text: String,
        size: f32,
    },
    Rule {
        x0: f32,
        x1: f32,
        dy: f32,
    },
    Image {
        idx: usize,
        x: f32,
        dy: f32,
        w: f32,
        h: f32,
    },
}

/// A unit that is never split across pages.
struct Item {
    h: f32,
    prims: Vec<Prim>,
}

struct Layout<'f> {
    font: &'f Font,
    items: Vec<Item>,
}

impl<'f> Layout<'f> {
    fn text_item(&mut self, x: f32, text: String, size: f32, lh: f32) {
        self.items.push(Item {
            h: lh,
            prims: vec![Prim::Text {
                x,
                dy: lh * 0.75,
                text,
                size,
            }],
        });
    }

    /// Merges the items from `start` on into one that is never split across pages.
    fn keep_from(&mut self, start: usize) {
        if start + 1 >= self.items.len() {
            return;
        }
        let mut merged = Item {
            h: 0.0,
            prims: Vec::new(),
        };
        for item in self.items.drain(start..) {
            let off = merged.h;
            merged.h += item.h;
            merged.prims.extend(item.prims.into_iter().map(|p| match p {
                Prim::Text { x, dy, text, size } => Prim::Text {
                    x,
                    dy: dy + off,
                    text,
                    size,
                },
                Prim::Rule { x0, x1, dy } => Prim::Rule {
                    x0,
                    x1,
                    dy: dy + off,
                },
                Prim::Image { idx, x, dy, w, h } => Prim::Image {
                    idx,
                    x,
                    dy: dy + off,
                    w,
                    h,
                },
            }));
        }
        self.items.push(merged);
    }

    /// A paragraph with an optional prefix ("问：") and a hanging indent after it.
    fn para(&mut self, x: f32, prefix: &str, text: &str, size: f32) {
        let pw = self.font.width(prefix, size);
        let lines = self.font.break_lines(text, size, RIGHT - x - pw);
        for (i, l) in lines.into_iter().enumerate() {
            if i == 0 {
                let mut item = Item {
                    h: BODY_LH,
                    prims: vec![],
                };
                if !prefix.is_empty() {
                    item.prims.push(Prim::Text {
                        x,
                        dy: BODY_LH * 0.75,
                        text: prefix.to_string(),
                        size,
                    });
                }
                item.prims.push(Prim::Text {
                    x: x + pw,
                    dy: BODY_LH * 0.75,
                    text: l,
                    size,
                });
                self.items.push(item);
            } else {
                self.text_item(x + pw, l, size, BODY_LH);
            }
        }
    }

    fn heading(&mut self, title: &str) {
        self.items.push(Item {
            h: 6.0,
            prims: vec![],
        });
        self.text_item(LEFT, title.to_string(), HEAD_SIZE, 21.0);
    }

    /// A header field: label, then the value underlined, wrapped under itself.
    fn field(&mut self, label: &str, value: &str) {
        let label = format!("{label}：");
        let lw = self.font.width(&label, BODY_SIZE);
        let x1 = LEFT + lw;
        let lines = self.font.break_lines(value, BODY_SIZE, RIGHT - x1 - 4.0);
        let lh = 18.5;
        for (i, l) in lines.into_iter().enumerate() {
            let mut prims = Vec::new();
            if i == 0 {
                prims.push(Prim::Text {
                    x: LEFT,
                    dy: lh * 0.72,
                    text: label.clone(),
                    size: BODY_SIZE,
                });
            }
            prims.push(Prim::Text {
                x: x1 + 2.0,
                dy: lh * 0.72,
                text: l,
                size: BODY_SIZE,
            });
            prims.push(Prim::Rule {
                x0: x1,
                x1: RIGHT,
                dy: lh * 0.72 + 3.0,
            });
            self.items.push(Item { h: lh, prims });
        }
    }
}

fn at<'v>(v: &'v Value, ptr: &str) -> &'v Value {
    v.pointer(ptr).unwrap_or(&Value::Null)
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn time(v: &Value) -> Option<DateTime<FixedOffset>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
}

fn time_zh(v: &Value) -> String {
    time(v)
        .map(|t| zh_time::datetime(&t))
        .unwrap_or_else(|| scalar(v))
}

/// Fills `{key}` from the object `obj` and `{}` with the element itself.
fn fill(pattern: &str, obj: &Value) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let key = &rest[i + 1..i + j];
        if key.is_empty() {
            out.push_str(&scalar(obj));
        } else {
            out.push_str(&scalar(obj.get(key).unwrap_or(&Value::Null)));
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out.trim().to_string()
}

fn field_value(f: &Field, content: &Value) -> String {
    let v = at(content, &f.path);
    let s = match f.format {
        Format::Text => {
            let s = scalar(v);
            f.map.get(&s).cloned().unwrap_or(s)
        }
        Format::Datetime => time_zh(v),
        Format::Span => {
            let end = at(content, f.end.as_deref().unwrap_or(""));
            match (time(v), time(end)) {
                (Some(a), Some(b)) => zh_time::span(&a, &b),
                _ => format!("{}至{}", time_zh(v), time_zh(end)),
            }
        }
        Format::Coords => {
            let p = v.get("point").unwrap_or(v);
            match (
                p.get("lat").and_then(Value::as_f64),
                p.get("lon").and_then(Value::as_f64),
            ) {
                (Some(lat), Some(lon)) => {
                    let mut s = format!(
                        "{}{:.6}° {}{:.6}°",
                        if lat >= 0.0 { "北纬" } else { "南纬" },
                        lat.abs(),
                        if lon >= 0.0 { "东经" } else { "西经" },
                        lon.abs()
                    );
                    if let Some(a) = v.get("accuracy_m").and_then(Value::as_f64) {
                        let src = match v.get("source").and_then(Value::as_str) {
                            Some("gnss") => "卫星定位",
                            Some("manual") => "手工输入",
                            Some(o) => o,
                            None => "",
                        };
                        s.push_str(&format!("（{src}，精度±{a:.0}米）"));
                    }
                    s
                }
                _ => String::new(),
            }
        }
        Format::List => {
            let elems: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                Value::Null => vec![],
                other => vec![other],
            };
            let table = f.lookup.as_deref().map(|p| at(content, p));
            let parts: Vec<String> = elems
                .into_iter()
                .map(|e| {
                    let target = match (table, f.key.as_deref()) {
                        (Some(Value::Array(rows)), Some(k)) => {
                            rows.iter().find(|r| r.get(k) == Some(e)).unwrap_or(e)
                        }
                        _ => e,
                    };
                    match (&f.item, target) {
                        (Some(p), t) if t.is_object() || p.contains("{}") => fill(p, t),
                        _ => scalar(target),
                    }
                })
                .filter(|s| !s.is_empty())
                .collect();
            parts.join(f.join.as_deref().unwrap_or("、"))
        }
    };
    match &f.suffix {
        Some(x) if !s.is_empty() => format!("{s}{x}"),
        _ => s,
    }
}

fn label<'a>(s: &'a Section, key: &str, default: &'a str) -> &'a str {
    s.labels.get(key).map(String::as_str).unwrap_or(default)
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn section(l: &mut Layout<'_>, s: &Section, content: &Value) {
    let path = |d: &str| s.path.clone().unwrap_or_else(|| d.to_string());
    let indent = LEFT + 2.0 * BODY_SIZE;
    let title = |l: &mut Layout<'_>| {
        if let Some(t) = &s.title {
            l.heading(t);
        }
    };
    match s.kind {
        SectionKind::Supplement => {
            let v = at(content, &path("/supplement_to"));
            if v.is_null() {
                return;
            }
            title(l);
            let hash = scalar(at(v, "/content_hash"));
            let text = format!(
                "本笔录为第{}版笔录（内容哈希 {}）的补充笔录。更正原因：{}",
                scalar(at(v, "/version")),
                short(&hash),
                scalar(at(v, "/reason"))
            );
            l.para(LEFT, "", &text, BODY_SIZE);
        }
        SectionKind::Notice => {
            let v = at(content, &path("/notice"));
            if v.is_null() {
                return;
            }
            title(l);
            let text = scalar(at(v, "/text_zh"));
            for p in text.lines() {
                l.para(LEFT, "", p, BODY_SIZE);
            }
            let seen = at(v, "/credentials_seen").as_bool() == Some(true);
            let recusal = at(v, "/recusal_requested").as_bool() == Some(true);
            let mut ans = format!(
                "{}{}    {}{}",
                label(s, "seen_q", "是否看清执法证件："),
                if seen {
                    label(s, "seen_yes", "已看清")
                } else {
                    label(s, "seen_no", "未看清")
                },
                label(s, "recusal_q", "是否申请回避："),
                if recusal {
                    label(s, "recusal_yes", "申请回避")
                } else {
                    label(s, "recusal_no", "不申请回避")
                },
            );
            let reason = scalar(at(v, "/recusal_reason"));
            if !reason.is_empty() {
                ans.push_str(&format!("；{}{}", label(s, "reason", "回避理由："), reason));
            }
            l.para(LEFT, "", &ans, BODY_SIZE);
            let when = time_zh(at(v, "/at"));
            if !when.is_empty() {
                l.para(LEFT, "", &format!("告知时间：{when}"), BODY_SIZE);
            }
        }
        SectionKind::Paragraph => {
            let text = scalar(at(content, &path("")));
            let text = if text.trim().is_empty() {
                match &s.empty {
                    Some(e) => e.clone(),
                    None => return,
                }
            } else {
                text
            };
            title(l);
            for p in text.lines() {
                l.para(LEFT, "", p, BODY_SIZE);
            }
        }
        SectionKind::Answers => {
            let rows = arr(at(content, &path("/answers")));
            if rows.is_empty() {
                return;
            }
            title(l);
            let mut n = 0;
            for r in rows {
                n += 1;
                let mut id = scalar(at(r, "/item"));
                let inst = scalar(at(r, "/instance"));
                if !inst.is_empty() {
                    id = format!("{id}#{inst}");
                }
                let value = match at(r, "/value") {
                    Value::Bool(true) => label(s, "yes", "是").to_string(),
                    Value::Bool(false) => label(s, "no", "否").to_string(),
                    Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join("、"),
                    // A document answer: present with its number, or absent.
                    Value::Object(o) if o.contains_key("present") => match o.get("present") {
                        Some(Value::Bool(true)) => format!(
                            "{} {}",
                            label(s, "doc_present", "具备，编号"),
                            scalar(o.get("number").unwrap_or(&Value::Null))
                        ),
                        _ => label(s, "doc_absent", "不具备").to_string(),
                    },
                    // Multi-parameter readings: 总镉 0.01、pH 7.2.
                    Value::Object(o) => o
                        .iter()
                        .map(|(k, v)| format!("{k} {}", scalar(v)))
                        .collect::<Vec<_>>()
                        .join("、"),
                    Value::String(code) => label(s, code, code).to_string(),
                    other => scalar(other),
                };
                let question = scalar(at(r, "/question"));
                // One paragraph: a long question must not squeeze its answer into a thin column.
                let text = if question.is_empty() {
                    format!("{id}：{value}")
                } else {
                    format!("{question}（{id}）：{value}")
                };
                l.para(indent, &format!("{n}. "), &text, BODY_SIZE);
            }
        }
        SectionKind::Findings => {
            let rows = arr(at(content, &path("/findings")));
            if rows.is_empty() {
                if let Some(e) = &s.empty {
                    title(l);
                    l.para(LEFT, "", e, BODY_SIZE);
                }
                return;
            }
            title(l);
            for (i, r) in rows.iter().enumerate() {
                let mut id = scalar(at(r, "/item"));
                let inst = scalar(at(r, "/instance"));
                if !inst.is_empty() {
                    id = format!("{id}#{inst}");
                }
                l.para(
                    LEFT,
                    &format!("{}. ", i + 1),
                    &format!("{}（{id}）", scalar(at(r, "/question"))),
                    BODY_SIZE,
                );
                l.para(
                    indent,
                    label(s, "finding", "发现："),
                    &scalar(at(r, "/finding")),
                    BODY_SIZE,
                );
                for lim in arr(at(r, "/limits")) {
                    let mut t = String::new();
                    let p = scalar(at(lim, "/param"));
                    if !p.is_empty() {
                        t.push_str(&p);
                        t.push(' ');
                    }
                    t.push_str(&format!(
                        "实测{}，限值{}",
                        scalar(at(lim, "/value")),
                        scalar(at(lim, "/limit"))
                    ));
                    let r = scalar(at(lim, "/reference"));
                    if !r.is_empty() {
                        t.push_str(&format!("（{r}）"));
                    }
                    t.push('，');
                    t.push_str(if at(lim, "/exceeded").as_bool() == Some(true) {
                        label(s, "exceeded", "超标")
                    } else {
                        label(s, "within", "未超标")
                    });
                    l.para(indent, label(s, "limits", "限值比对："), &t, BODY_SIZE);
                }
                for (key, def) in [("basis", "法律依据："), ("penalty", "处罚依据：")] {
                    let texts: Vec<String> = arr(at(r, &format!("/{key}")))
                        .iter()
                        .map(|b| scalar(at(b, "/text")))
                        .filter(|t| !t.is_empty())
                        .collect();
                    if !texts.is_empty() {
                        l.para(indent, label(s, key, def), &texts.join("；"), BODY_SIZE);
                    }
                }
            }
        }
        SectionKind::Samples => {
            let rows = arr(at(content, &path("/samples")));
            if rows.is_empty() {
                return;
            }
            title(l);
            for (i, r) in rows.iter().enumerate() {
                let params: Vec<String> = arr(at(r, "/parameters")).iter().map(scalar).collect();
                let t = format!(
                    "{}  {}{}  {}{}  {}{}",
                    scalar(at(r, "/id")),
                    label(s, "point", "采样点位："),
                    scalar(at(r, "/point")),
                    label(s, "seal", "封条号："),
                    scalar(at(r, "/seal")),
                    label(s, "parameters", "监测项目："),
                    params.join("、")
                );
                l.para(LEFT, &format!("{}. ", i + 1), &t, BODY_SIZE);
            }
        }
        SectionKind::Evidence => {
            let rows = arr(at(content, &path("/evidence")));
            if rows.is_empty() {
                return;
            }
            title(l);
            for (i, r) in rows.iter().enumerate() {
                let kind = scalar(at(r, "/kind"));
                let mut t = format!(
                    "{} {}  {}  {}{}  {}{}",
                    label(s, &kind, &kind),
                    scalar(at(r, "/id")),
                    time_zh(at(r, "/at")),
                    label(s, "proves", "证明："),
                    scalar(at(r, "/proves")),
                    label(s, "sha256", "SHA-256："),
                    short(&scalar(at(r, "/sha256")))
                );
                if at(r, "/external").as_bool() == Some(true) {
                    t.push_str(label(s, "external", "（外部导入）"));
                }
                l.para(LEFT, &format!("{}. ", i + 1), &t, BODY_SIZE);
            }
        }
        SectionKind::Measures => {
            let rows = arr(at(content, &path("/measures")));
            if rows.is_empty() {
                return;
            }
            title(l);
            for (i, r) in rows.iter().enumerate() {
                let t = format!(
                    "{}：{}（{}）",
                    scalar(at(r, "/kind")),
                    scalar(at(r, "/description")),
                    time_zh(at(r, "/at"))
                );
                l.para(LEFT, &format!("{}. ", i + 1), &t, BODY_SIZE);
            }
        }
        SectionKind::Qa => {
            let p = path("/interview/qa");
            l.items.push(Item {
                h: 6.0,
                prims: vec![],
            });
            title(l);
            for r in arr(at(content, &p)) {
                l.para(LEFT, label(s, "q", "问："), &scalar(at(r, "/q")), BODY_SIZE);
                l.para(LEFT, label(s, "a", "答："), &scalar(at(r, "/a")), BODY_SIZE);
            }
            let parent = p.rsplit_once('/').map(|x| x.0).unwrap_or("");
            let closing = scalar(at(content, &format!("{parent}/closing_statement")));
            if !closing.is_empty() {
                l.para(
                    LEFT,
                    label(s, "closing", "被询问人确认："),
                    &closing,
                    BODY_SIZE,
                );
            }
        }
    }
}

fn short(hash: &str) -> String {
    if hash.len() > 16 {
        format!("{}…", &hash[..16])
    } else {
        hash.to_string()
    }
}

fn qr_image(payload: &str) -> Result<RawImage, PdfError> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| err(format!("二维码生成失败：{e}"), format!("QR code: {e}")))?;
    let n = code.width();
    let colors = code.to_colors();
    let (scale, quiet) = (4usize, 4usize);
    let side = (n + 2 * quiet) * scale;
    let mut px = vec![255u8; side * side];
    for y in 0..n {
        for x in 0..n {
            if colors[y * n + x] == qrcode::Color::Dark {
                for dy in 0..scale {
                    let row = (y + quiet) * scale + dy;
                    let start = row * side + (x + quiet) * scale;
                    px[start..start + scale].fill(0);
                }
            }
        }
    }
    Ok(RawImage {
        pixels: RawImageData::U8(px),
        width: side,
        height: side,
        data_format: RawImageFormat::R8,
        tag: Vec::new(),
    })
}

fn signature_image(s: &SignatureImage) -> Result<RawImage, PdfError> {
    let img =
        image::load_from_memory_with_format(&s.png, image::ImageFormat::Png).map_err(|e| {
            err(
                format!("{}（{}）的签名图片无法解码：{e}", s.role_zh, s.name),
                format!(
                    "signature PNG of {} ({}) does not decode: {e}",
                    s.role_zh, s.name
                ),
            )
        })?;
    let rgba = img.to_rgba8();
    let (w, h) = rgba.dimensions();
    // Flatten onto white paper, keep grey ink.
    let px: Vec<u8> = rgba
        .pixels()
        .map(|p| {
            let [r, g, b, a] = p.0;
            let l = (r as u32 * 299 + g as u32 * 587 + b as u32 * 114) / 1000;
            let a = a as u32;
            ((l * a + 255 * (255 - a)) / 255) as u8
        })
        .collect();
    Ok(RawImage {
        pixels: RawImageData::U8(px),
        width: w as usize,
        height: h as usize,
        data_format: RawImageFormat::R8,
        tag: Vec::new(),
    })
}

fn text_op(ops: &mut Vec<Op>, font: &FontId, x: f32, y: f32, text: &str, size: f32) {
    if text.is_empty() {
        return;
    }
    ops.push(Op::StartTextSection);
    ops.push(Op::SetFont {
        font: PdfFontHandle::External(font.clone()),
        size: Pt(size),
    });
    ops.push(Op::SetTextCursor {
        pos: Point { x: Pt(x), y: Pt(y) },
    });
    ops.push(Op::ShowText {
        items: vec![TextItem::Text(text.to_string())],
    });
    ops.push(Op::EndTextSection);
}

fn line_op(ops: &mut Vec<Op>, x0: f32, y0: f32, x1: f32, y1: f32) {
    ops.push(Op::DrawLine {
        line: Line {
            points: vec![
                LinePoint {
                    p: Point {
                        x: Pt(x0),
                        y: Pt(y0),
                    },
                    bezier: false,
                },
                LinePoint {
                    p: Point {
                        x: Pt(x1),
                        y: Pt(y1),
                    },
                    bezier: false,
                },
            ],
            is_closed: false,
        },
    });
}

fn image_op(ops: &mut Vec<Op>, id: &XObjectId, img: &RawImage, x: f32, y: f32, w: f32, h: f32) {
    // At dpi d an image of n px is n/d inch = n*72/d pt wide.
    let sx = w / (img.width as f32 * 72.0 / 300.0);
    let sy = h / (img.height as f32 * 72.0 / 300.0);
    ops.push(Op::UseXobject {
        id: id.clone(),
        transform: XObjectTransform {
            translate_x: Some(Pt(x)),
            translate_y: Some(Pt(y)),
            scale_x: Some(sx),
            scale_y: Some(sy),
            dpi: Some(300.0),
            ..Default::default()
        },
    });
}

/// Renders the transcript; the same input always gives the same bytes.
pub fn render(font: &Font, input: &RenderInput<'_>) -> Result<Vec<u8>, PdfError> {
    let t = input.template;
    let c = input.content;
    let fx = t.fixed();
    let mut l = Layout {
        font,
        items: Vec::new(),
    };

    // Title and record number.
    let agency = t
        .agency_path()
        .map(|p| scalar(at(c, p)))
        .unwrap_or_default();
    let title = format!("{agency}{}", t.title_zh());
    for line in font.break_lines(&title, TITLE_SIZE, RIGHT - LEFT) {
        let w = font.width(&line, TITLE_SIZE);
        l.items.push(Item {
            h: 30.0,
            prims: vec![Prim::Text {
                x: (LEFT + RIGHT - w) / 2.0,
                dy: 24.0,
                text: line,
                size: TITLE_SIZE,
            }],
        });
    }
    let sub = format!(
        "{}{}    {} v{}",
        fx.record_no, input.record_no, fx.version, input.transcript_version
    );
    let w = font.width(&sub, SUB_SIZE);
    l.items.push(Item {
        h: 22.0,
        prims: vec![Prim::Text {
            x: RIGHT - w,
            dy: 14.0,
            text: sub,
            size: SUB_SIZE,
        }],
    });

    for f in t.header() {
        let v = field_value(f, c);
        l.field(&f.label, &v);
    }
    for s in t.sections() {
        section(&mut l, s, c);
    }
    l.items.push(Item {
        h: 4.0,
        prims: vec![],
    });
    l.text_item(LEFT, fx.blank_tail.clone(), BODY_SIZE, BODY_LH);

    // Signatures (kept on the last page: each is one unbreakable row).
    let mut images: Vec<RawImage> = Vec::new();
    let sig_start = l.items.len();
    if !input.signatures.is_empty() {
        l.heading(&fx.signatures);
    }
    for (i, s) in input.signatures.iter().enumerate() {
        let img = signature_image(s)?;
        let row_h = 38.0;
        let max_w = 150.0;
        let ratio = img.width as f32 / img.height.max(1) as f32;
        let (mut w, mut h) = (row_h * 0.9 * ratio, row_h * 0.9);
        if w > max_w {
            w = max_w;
            h = max_w / ratio;
        }
        let when = DateTime::parse_from_rfc3339(&s.at)
            .map(|t| zh_time::datetime(&t))
            .unwrap_or_else(|_| s.at.clone());
        images.push(img);
        l.items.push(Item {
            h: row_h,
            prims: vec![
                Prim::Text {
                    x: LEFT,
                    dy: row_h * 0.45,
                    text: format!("{}：{}", s.role_zh, s.name),
                    size: BODY_SIZE,
                },
                Prim::Text {
                    x: LEFT,
                    dy: row_h * 0.45 + 15.0,
                    text: when,
                    size: SUB_SIZE,
                },
                Prim::Image {
                    idx: images.len() - 1,
                    x: LEFT + 190.0,
                    dy: (row_h + h) / 2.0,
                    w,
                    h,
                },
            ],
        });
        if i == 0 {
            // The heading never stands alone at a page foot.
            l.keep_from(sig_start);
        }
    }
    if let Some(note) = input.refusal_note {
        l.items.push(Item {
            h: 6.0,
            prims: vec![],
        });
        let start = l.items.len();
        l.para(LEFT, &fx.refusal, note, BODY_SIZE);
        l.keep_from(start);
    }

    // Paginate.
    let mut pages: Vec<Vec<(f32, Item)>> = vec![Vec::new()];
    let mut y = TOP;
    for item in l.items {
        if y - item.h < BODY_BOTTOM && !pages.last().is_some_and(Vec::is_empty) {
            pages.push(Vec::new());
            y = TOP;
        }
        let top = y;
        y -= item.h;
        if let Some(p) = pages.last_mut() {
            p.push((top, item));
        }
    }
    let total = pages.len();

    // Footer texts.
    let forms = {
        let mut parts = vec![format!("{} {} {}", fx.form, t.id(), t.version())];
        let p = at(c, "/forms/procedure");
        if p.is_object() {
            parts.push(format!(
                "{} {}",
                scalar(at(p, "/id")),
                scalar(at(p, "/version"))
            ));
        }
        parts.join("；")
    };
    let payload = format!(
        "{{\"case_id\":{},\"record_no\":{},\"version\":{},\"sha256\":{}}}",
        Value::String(scalar(at(c, "/case_id"))),
        Value::String(input.record_no.to_string()),
        input.transcript_version,
        Value::String(input.content_sha256.to_string())
    );
    let qr = qr_image(&payload)?;

    // Refuse text the font cannot draw.
    let mut missing = BTreeSet::new();
    let mut check = |s: &str| {
        for ch in s.chars() {
            if !font.has(ch) {
                missing.insert(ch);
            }
        }
    };
    for p in &pages {
        for (_, item) in p {
            for prim in &item.prims {
                if let Prim::Text { text, .. } = prim {
                    check(text);
                }
            }
        }
    }
    check(&fx.party_sign);
    check(&fx.officer_sign);
    check(&fx.page);
    check(&forms);
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|c| format!("“{c}”(U+{:04X})", *c as u32))
            .collect();
        return Err(err(
            format!(
                "字体缺少以下字符，无法打印：{}。请改用常用字或在文中注明。",
                list.join("、")
            ),
            format!(
                "the font has no glyph for: {} — refusing to print text that would vanish",
                list.join(", ")
            ),
        ));
    }

    // Build the document with fixed resource names (printpdf's are random).
    let mut doc = PdfDocument::new(&title);
    let fid = doc.add_font(&font.parsed);
    let font_id = FontId("F1".into());
    if let Some(f) = doc.resources.fonts.map.remove(&fid) {
        doc.resources.fonts.map.insert(font_id.clone(), f);
    }
    let qr_id = XObjectId("Qr".into());
    let qr_w = qr.width;
    doc.resources
        .xobjects
        .map
        .insert(qr_id.clone(), XObject::Image(qr.clone()));
    let mut img_ids = Vec::new();
    for (i, img) in images.iter().enumerate() {
        let id = XObjectId(format!("Sig{}", i + 1));
        doc.resources
            .xobjects
            .map
            .insert(id.clone(), XObject::Image(img.clone()));
        img_ids.push(id);
    }
    let _ = qr_w;

    let mut out_pages = Vec::new();
    for (pi, p) in pages.into_iter().enumerate() {
        let mut ops = vec![
            Op::SetFillColor {
                col: Color::Greyscale(Greyscale {
                    percent: 0.0,
                    icc_profile: None,
                }),
            },
            Op::SetOutlineColor {
                col: Color::Greyscale(Greyscale {
                    percent: 0.0,
                    icc_profile: None,
                }),
            },
            Op::SetOutlineThickness { pt: Pt(0.5) },
        ];
        for (top, item) in &p {
            for prim in &item.prims {
                match prim {
                    Prim::Text { x, dy, text, size } => {
                        text_op(&mut ops, &font_id, *x, top - dy, text, *size)
                    }
                    Prim::Rule { x0, x1, dy } => line_op(&mut ops, *x0, top - dy, *x1, top - dy),
                    Prim::Image { idx, x, dy, w, h } => image_op(
                        &mut ops,
                        &img_ids[*idx],
                        &images[*idx],
                        *x,
                        top - dy,
                        *w,
                        *h,
                    ),
                }
            }
        }
        // Footer: separator, signature strip, page number, form id, QR (bottom-left: the
        // bottom-right corner is where the party signs and presses a fingerprint).
        let fy = BODY_BOTTOM - 4.0;
        line_op(&mut ops, LEFT, fy, RIGHT, fy);
        let tx = LEFT + QR_SIZE + 6.0;
        let sy = fy - 20.0;
        let party_w = font.width(&fx.party_sign, BODY_SIZE);
        text_op(&mut ops, &font_id, tx, sy, &fx.party_sign, BODY_SIZE);
        line_op(
            &mut ops,
            tx + party_w,
            sy - 3.0,
            tx + party_w + 70.0,
            sy - 3.0,
        );
        let ox = tx + party_w + 82.0;
        let off_w = font.width(&fx.officer_sign, BODY_SIZE);
        text_op(&mut ops, &font_id, ox, sy, &fx.officer_sign, BODY_SIZE);
        line_op(&mut ops, ox + off_w, sy - 3.0, RIGHT, sy - 3.0);
        let page = fx
            .page
            .replace("{pages}", &total.to_string())
            .replace("{page}", &(pi + 1).to_string());
        let pw = font.width(&page, FOOT_SIZE);
        text_op(
            &mut ops,
            &font_id,
            RIGHT - pw,
            QR_Y + 14.0,
            &page,
            FOOT_SIZE,
        );
        let rec = format!(
            "{}{}  {} v{}",
            fx.record_no, input.record_no, fx.version, input.transcript_version
        );
        text_op(&mut ops, &font_id, tx, QR_Y + 14.0, &rec, FOOT_SIZE);
        text_op(&mut ops, &font_id, tx, QR_Y + 2.0, &forms, FOOT_SIZE - 1.0);
        image_op(
            &mut ops,
            &qr_id,
            &qr,
            LEFT - 4.0,
            QR_Y - 4.0,
            QR_SIZE,
            QR_SIZE,
        );
        out_pages.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
    }

    let opts = PdfSaveOptions {
        image_optimization: None,
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let mut bytes = doc.with_pages(out_pages).save(&opts, &mut warnings);
    fix_ids(&mut bytes, input.content_sha256, input.transcript_version);
    Ok(bytes)
}

/// printpdf writes random 32-character document/instance ids into the trailer (and XMP when
/// present); replace them in place (same length, so offsets hold) with ids derived from the
/// content hash and version.
fn fix_ids(bytes: &mut [u8], sha: &str, version: u32) {
    let mut id: Vec<u8> = format!("{sha}{version:08}")
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .collect();
    id.resize(32, b'0');
    let Some(pos) = find_last(bytes, b"/ID") else {
        return;
    };
    let mut i = pos;
    let mut done = 0;
    while i < bytes.len() && done < 2 {
        if bytes[i] == b'(' {
            let start = i + 1;
            if let Some(len) = bytes[start..].iter().position(|&b| b == b')')
                && len == 32
            {
                bytes[start..start + 32].copy_from_slice(&id);
                done += 1;
                i = start + 32;
                continue;
            }
        }
        i += 1;
    }
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Number of pages of a PDF written by [`render`].
pub fn page_count(pdf: &[u8]) -> usize {
    let mut n = 0;
    for pat in [&b"/Type/Page"[..], &b"/Type /Page"[..]] {
        let mut i = 0;
        while let Some(p) = pdf[i..].windows(pat.len()).position(|w| w == pat) {
            let end = i + p + pat.len();
            if pdf.get(end) != Some(&b's') {
                n += 1;
            }
            i = end;
        }
    }
    n
}
