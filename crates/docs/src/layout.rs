//! Laying a transcript out on a sheet (domain.md §9.2): title, header fields with underlined
//! values, the template's sections, "以下空白", signatures and refusal note on the last page, and
//! on every page the signature strip, "第 x 页 共 y 页", the form id + version and a QR code binding
//! the paper to the electronic original (case id, record number, version, SHA-256 of the content).
//!
//! The result is a list of pages of [`Mark`]s in points from the top-left corner. The PDF writer
//! (pdf.rs) and the thermal-printer rasteriser (raster.rs) draw the same marks, so the A4 PDF and
//! an A4-width thermal print are the same pages, and a roll print carries the same text and strip.

use std::collections::BTreeSet;

use chrono::DateTime;
use image::GrayImage;
use serde_json::Value;

use crate::font::{DocError, Font, err};
use crate::sections::{at, scalar, section};
use crate::template::Template;
use crate::zh_time;

const MM: f32 = 72.0 / 25.4;

/// A handwritten signature rendered from its strokes.
#[derive(Debug, Clone)]
pub struct SignatureImage {
    pub role_zh: String,
    pub name: String,
    /// RFC 3339.
    pub at: String,
    pub png: Vec<u8>,
    /// An officer's offline PIN was re-entered for this signature (issue 7): the row says so
    /// after the time, so the paper copy carries what the signed record does.
    pub pin_confirmed: bool,
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

/// How the per-page footer is arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Footer {
    /// A4: QR bottom-left, the signature strip and page number beside it (the bottom-right corner
    /// stays free for the party's signature and fingerprint).
    Beside,
    /// Narrow roll: strip lines, record number, form id, page number, then the QR, one under the
    /// other. The last page ends under its footer instead of running on blank.
    Stacked,
}

/// The paper a transcript is laid out on, in points. Every size is the A4 size times `k`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) left: f32,
    pub(crate) right: f32,
    pub(crate) top: f32,
    pub(crate) k: f32,
    pub(crate) body: f32,
    qr: f32,
    footer: Footer,
}

impl Sheet {
    /// A4 portrait: 25 mm binding margin on the left, 20 mm on the right (free for 骑缝指印).
    pub fn a4() -> Sheet {
        let width = 210.0 * MM;
        Sheet {
            width,
            height: 297.0 * MM,
            left: 25.0 * MM,
            right: width - 20.0 * MM,
            top: 18.0 * MM,
            k: 1.0,
            body: 11.5,
            qr: 24.0 * MM,
            footer: Footer::Beside,
        }
    }

    /// A page on a receipt roll `dots` dots wide at `dpi` (58 mm → 384 dots, 80 mm → 576,
    /// 104 mm → 832 at 203 dpi). Body text is 8.5 pt (24 dots at 203 dpi, the printers' own
    /// Chinese cell); a page is as long as an A4 sheet and carries the same strip and QR.
    pub fn roll(dots: u32, dpi: u16) -> Sheet {
        let width = dots as f32 / f32::from(dpi.max(1)) * 72.0;
        let k = 8.5 / 11.5;
        Sheet {
            width,
            height: 297.0 * MM,
            left: 1.5 * MM,
            right: width - 1.5 * MM,
            top: 4.0 * MM,
            k,
            body: 8.5,
            qr: (22.0 * MM).min(0.6 * width),
            footer: Footer::Stacked,
        }
    }

    /// Width in points.
    pub fn width(&self) -> f32 {
        self.width
    }

    /// Height in points.
    pub fn height(&self) -> f32 {
        self.height
    }

    fn text_width(&self) -> f32 {
        self.right - self.left
    }

    fn narrow(&self) -> bool {
        self.text_width() < 300.0
    }

    fn title(&self) -> f32 {
        19.0 * self.k
    }
    fn sub(&self) -> f32 {
        10.0 * self.k
    }
    pub(crate) fn head(&self) -> f32 {
        12.5 * self.k
    }
    pub(crate) fn line(&self) -> f32 {
        17.5 * self.k
    }
    fn foot(&self) -> f32 {
        9.5 * self.k
    }
}

/// Which picture an image mark shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    /// The page's QR code (sharp modules: scale it without smoothing).
    Qr,
    /// The n-th signature of [`Laid::signatures`].
    Signature(usize),
}

/// One thing drawn on a page, in points from the page's top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// Text set on the baseline `y`.
    Text {
        x: f32,
        y: f32,
        text: String,
        size: f32,
    },
    /// A horizontal 0.5 pt rule.
    Rule { x0: f32, x1: f32, y: f32 },
    /// A picture scaled into the box with top-left corner (`x`, `y`).
    Image {
        picture: Picture,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// One laid-out page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Points; the sheet's height except for the trimmed last page of a roll.
    pub height: f32,
    pub marks: Vec<Mark>,
}

/// A laid-out transcript: what every page shows, and the pictures the pages refer to.
#[derive(Debug, Clone)]
pub struct Laid {
    pub sheet: Sheet,
    pub title: String,
    pub pages: Vec<Page>,
    /// Signature images flattened onto white paper (grey ink).
    pub signatures: Vec<GrayImage>,
    /// The QR code, one pixel per module with a 4-module quiet zone (scaled without smoothing).
    pub qr: GrayImage,
}

/// Marks relative to the top of their item.
#[derive(Debug, Clone)]
struct Prim {
    dy: f32,
    mark: Mark,
}

/// A unit that is never split across pages.
#[derive(Debug, Default)]
struct Item {
    h: f32,
    prims: Vec<Prim>,
}

impl Item {
    fn text(&mut self, x: f32, dy: f32, text: String, size: f32) {
        self.prims.push(Prim {
            dy,
            mark: Mark::Text {
                x,
                y: 0.0,
                text,
                size,
            },
        });
    }

    fn rule(&mut self, x0: f32, x1: f32, dy: f32) {
        self.prims.push(Prim {
            dy,
            mark: Mark::Rule { x0, x1, y: 0.0 },
        });
    }
}

/// Collects the unbreakable items of the body, top to bottom.
pub(crate) struct Layout<'f> {
    font: &'f Font,
    pub(crate) g: &'f Sheet,
    items: Vec<Item>,
}

impl<'f> Layout<'f> {
    fn text_item(&mut self, x: f32, text: String, size: f32, lh: f32) {
        let mut item = Item {
            h: lh,
            ..Item::default()
        };
        item.text(x, lh * 0.75, text, size);
        self.items.push(item);
    }

    /// Vertical space of `pt` A4 points (scaled to the sheet).
    pub(crate) fn space(&mut self, pt: f32) {
        self.items.push(Item {
            h: pt * self.g.k,
            prims: vec![],
        });
    }

    /// Merges the items from `start` on into one that is never split across pages.
    fn keep_from(&mut self, start: usize) {
        if start + 1 >= self.items.len() {
            return;
        }
        let mut merged = Item::default();
        for item in self.items.drain(start..) {
            let off = merged.h;
            merged.h += item.h;
            merged.prims.extend(item.prims.into_iter().map(|p| Prim {
                dy: p.dy + off,
                ..p
            }));
        }
        self.items.push(merged);
    }

    /// A paragraph with an optional prefix ("问：") and a hanging indent after it.
    pub(crate) fn para(&mut self, x: f32, prefix: &str, text: &str, size: f32) {
        let lh = self.g.line();
        let pw = self.font.width(prefix, size);
        let lines = self.font.break_lines(text, size, self.g.right - x - pw);
        for (i, l) in lines.into_iter().enumerate() {
            if i == 0 {
                let mut item = Item {
                    h: lh,
                    ..Item::default()
                };
                if !prefix.is_empty() {
                    item.text(x, lh * 0.75, prefix.to_string(), size);
                }
                item.text(x + pw, lh * 0.75, l, size);
                self.items.push(item);
            } else {
                self.text_item(x + pw, l, size, lh);
            }
        }
    }

    pub(crate) fn heading(&mut self, title: &str) {
        self.space(6.0);
        let (size, lh) = (self.g.head(), 21.0 * self.g.k);
        for line in self.font.break_lines(title, size, self.g.text_width()) {
            self.text_item(self.g.left, line, size, lh);
        }
    }

    /// A header field: label, then the value underlined, wrapped under itself. On a narrow
    /// sheet a long label puts the value on its own lines beneath it.
    fn field(&mut self, label: &str, value: &str) {
        let g = self.g;
        let label = format!("{label}：");
        let lw = self.font.width(&label, g.body);
        let lh = 18.5 * g.k;
        let below = g.narrow() && lw > 0.45 * g.text_width();
        let x1 = if below { g.left + g.body } else { g.left + lw };
        if below {
            for l in self.font.break_lines(&label, g.body, g.text_width()) {
                self.text_item(g.left, l, g.body, lh);
            }
        }
        let lines = self
            .font
            .break_lines(value, g.body, g.right - x1 - 4.0 * g.k);
        for (i, l) in lines.into_iter().enumerate() {
            let mut item = Item {
                h: lh,
                ..Item::default()
            };
            if i == 0 && !below {
                item.text(g.left, lh * 0.72, label.clone(), g.body);
            }
            item.text(x1 + 2.0 * g.k, lh * 0.72, l, g.body);
            item.rule(x1, g.right, lh * 0.72 + 3.0 * g.k);
            self.items.push(item);
        }
    }

    /// One signature row: role and name, time, and the handwriting (beside them on A4, under
    /// them on a roll).
    fn signature(&mut self, s: &SignatureImage, idx: usize, img: &GrayImage) {
        let g = self.g;
        let ratio = img.width() as f32 / img.height().max(1) as f32;
        let row_h = 38.0 * g.k;
        let mut when = DateTime::parse_from_rfc3339(&s.at)
            .map(|t| zh_time::datetime(&t))
            .unwrap_or_else(|_| s.at.clone());
        if s.pin_confirmed {
            // On the time's line (no taller rows: the 3-page record stays 3 pages), and true of
            // both ways it happens — the signer's own PIN, or the signed-in officer's vouching
            // for a partner (the signed record says whose).
            when.push_str("，经密码确认");
        }
        let mut item = Item {
            h: row_h,
            ..Item::default()
        };
        item.text(
            g.left,
            row_h * 0.45,
            format!("{}：{}", s.role_zh, s.name),
            g.body,
        );
        item.text(g.left, row_h * 0.45 + 15.0 * g.k, when, g.sub());
        let (x, max_w, top) = if g.narrow() {
            item.h += row_h;
            (g.left + g.body, g.text_width() - g.body, row_h)
        } else {
            (g.left + 190.0 * g.k, 150.0 * g.k, 0.0)
        };
        let (mut w, mut h) = (row_h * 0.9 * ratio, row_h * 0.9);
        if w > max_w {
            w = max_w;
            h = max_w / ratio;
        }
        item.prims.push(Prim {
            dy: top + (row_h - h) / 2.0,
            mark: Mark::Image {
                picture: Picture::Signature(idx),
                x,
                y: 0.0,
                w,
                h,
            },
        });
        self.items.push(item);
    }
}

/// Pixels per module of the QR image ([`Laid::qr`]).
pub const QR_PX: u32 = 1;

fn qr_image(payload: &str) -> Result<GrayImage, DocError> {
    // fast_qr rather than qrcode: both pick the mask by the standard's penalty rules, and
    // qrcode took 1.2 ms of it, a sixth of a whole PDF (fast_qr: 0.15 ms).
    let code = fast_qr::QRBuilder::new(payload.as_bytes())
        .ecl(fast_qr::ECL::M)
        .build()
        .map_err(|e| err(format!("二维码生成失败：{e}"), format!("QR code: {e}")))?;
    let n = code.size as u32;
    let (scale, quiet) = (QR_PX, 4u32);
    let side = (n + 2 * quiet) * scale;
    Ok(GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (
            (x / scale).wrapping_sub(quiet),
            (y / scale).wrapping_sub(quiet),
        );
        let dark = mx < n && my < n && code[my as usize][mx as usize].value();
        image::Luma([if dark { 0 } else { 255 }])
    }))
}

fn signature_image(s: &SignatureImage) -> Result<GrayImage, DocError> {
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
    // into_ (not to_): signatures are RGBA already, so no copy.
    let rgba = img.into_rgba8();
    // Flatten onto white paper, keep grey ink. Over the raw bytes rather than pixel by pixel:
    // this runs on every render and per-pixel access was a tenth of a PDF's time.
    let grey = rgba
        .as_raw()
        .chunks_exact(4)
        .map(|p| {
            let (r, g, b, a) = (p[0] as u32, p[1] as u32, p[2] as u32, p[3] as u32);
            let l = (r * 299 + g * 587 + b * 114) / 1000;
            ((l * a + 255 * (255 - a)) / 255) as u8
        })
        .collect();
    GrayImage::from_raw(rgba.width(), rgba.height(), grey)
        .ok_or_else(|| err("签名图片尺寸有误", "signature image has a bad size"))
}

/// The texts every page's footer repeats.
struct FooterText {
    rec: String,
    forms: String,
    page: String,
    party: String,
    officer: String,
}

impl FooterText {
    fn page(&self, page: usize, total: usize) -> String {
        self.page
            .replace("{pages}", &total.to_string())
            .replace("{page}", &page.to_string())
    }
}

/// Marks of the footer and where the body must end above it.
struct FooterPlan {
    body_bottom: f32,
    /// From the body's bottom to the paper's bottom edge.
    height: f32,
    forms_lines: Vec<String>,
}

fn plan_footer(font: &Font, g: &Sheet, ft: &FooterText) -> FooterPlan {
    match g.footer {
        Footer::Beside => FooterPlan {
            body_bottom: g.height - 40.0 * MM,
            height: 40.0 * MM,
            forms_lines: vec![ft.forms.clone()],
        },
        Footer::Stacked => {
            let forms_lines = font.break_lines(&ft.forms, g.foot() - 1.0, g.text_width());
            let rec_lines = font.break_lines(&ft.rec, g.foot(), g.text_width()).len();
            let lines = (rec_lines + forms_lines.len() + 1) as f32;
            let strip_rows: usize = [&ft.party, &ft.officer]
                .iter()
                .map(|l| if strip_below(font, g, l) { 2 } else { 1 })
                .sum();
            let h = 4.0 * g.k
                + strip_rows as f32 * 24.0 * g.k
                + 6.0 * g.k
                + lines * g.foot() * 1.3
                + g.qr;
            let height = h + 3.0 * MM;
            FooterPlan {
                body_bottom: g.height - height,
                height,
                forms_lines,
            }
        }
    }
}

/// Whether a strip label leaves too little room to sign beside it (the line goes beneath).
fn strip_below(font: &Font, g: &Sheet, label: &str) -> bool {
    g.text_width() - font.width(label, g.body) < 0.4 * g.text_width()
}

fn footer(
    font: &Font,
    g: &Sheet,
    ft: &FooterText,
    plan: &FooterPlan,
    body_bottom: f32,
    (page, total): (usize, usize),
) -> Vec<Mark> {
    let text = |x: f32, y: f32, text: &str, size: f32| Mark::Text {
        x,
        y,
        text: text.to_string(),
        size,
    };
    let page = ft.page(page, total);
    let mut m = Vec::new();
    let fy = body_bottom + 4.0 * g.k;
    m.push(Mark::Rule {
        x0: g.left,
        x1: g.right,
        y: fy,
    });
    match g.footer {
        Footer::Beside => {
            // Measured from the bottom edge as in the paper form: QR 9 mm up, texts beside it.
            let qr_y = 9.0 * MM;
            let tx = g.left + g.qr + 6.0;
            let sy = fy + 20.0;
            let party_w = font.width(&ft.party, g.body);
            m.push(text(tx, sy, &ft.party, g.body));
            m.push(Mark::Rule {
                x0: tx + party_w,
                x1: tx + party_w + 70.0,
                y: sy + 3.0,
            });
            let ox = tx + party_w + 82.0;
            let off_w = font.width(&ft.officer, g.body);
            m.push(text(ox, sy, &ft.officer, g.body));
            m.push(Mark::Rule {
                x0: ox + off_w,
                x1: g.right,
                y: sy + 3.0,
            });
            let pw = font.width(&page, g.foot());
            let base = g.height - (qr_y + 14.0);
            m.push(text(g.right - pw, base, &page, g.foot()));
            m.push(text(tx, base, &ft.rec, g.foot()));
            for l in &plan.forms_lines {
                m.push(text(tx, g.height - (qr_y + 2.0), l, g.foot() - 1.0));
            }
            m.push(Mark::Image {
                picture: Picture::Qr,
                x: g.left - 4.0,
                y: g.height - (qr_y - 4.0 + g.qr),
                w: g.qr,
                h: g.qr,
            });
        }
        Footer::Stacked => {
            let mut y = fy;
            for label in [&ft.party, &ft.officer] {
                y += 24.0 * g.k;
                m.push(text(g.left, y, label, g.body));
                let x0 = if strip_below(font, g, label) {
                    y += 24.0 * g.k;
                    g.left
                } else {
                    g.left + font.width(label, g.body)
                };
                m.push(Mark::Rule {
                    x0,
                    x1: g.right,
                    y: y + 3.0 * g.k,
                });
            }
            y += 6.0 * g.k;
            let lh = g.foot() * 1.3;
            for l in font.break_lines(&ft.rec, g.foot(), g.text_width()) {
                y += lh;
                m.push(text(g.left, y, &l, g.foot()));
            }
            for l in &plan.forms_lines {
                y += lh;
                m.push(text(g.left, y, l, g.foot() - 1.0));
            }
            y += lh;
            m.push(text(g.left, y, &page, g.foot()));
            m.push(Mark::Image {
                picture: Picture::Qr,
                x: g.left,
                y: y + 0.3 * lh,
                w: g.qr,
                h: g.qr,
            });
        }
    }
    m
}

/// Lays the transcript out on `sheet`; the same input always gives the same pages.
pub fn lay_out(font: &Font, input: &RenderInput<'_>, sheet: &Sheet) -> Result<Laid, DocError> {
    let g = sheet;
    let t = input.template;
    let c = input.content;
    let fx = t.fixed();
    let mut l = Layout {
        font,
        g,
        items: Vec::new(),
    };

    // Title and record number.
    let agency = t
        .agency_path()
        .map(|p| scalar(at(c, p)))
        .unwrap_or_default();
    let title = format!("{agency}{}", t.title_zh());
    for line in font.break_lines(&title, g.title(), g.text_width()) {
        let w = font.width(&line, g.title());
        let mut item = Item {
            h: 30.0 * g.k,
            ..Item::default()
        };
        item.text((g.left + g.right - w) / 2.0, 24.0 * g.k, line, g.title());
        l.items.push(item);
    }
    let sub = format!(
        "{}{}    {} v{}",
        fx.record_no, input.record_no, fx.version, input.transcript_version
    );
    for line in font.break_lines(&sub, g.sub(), g.text_width()) {
        // Right-aligned on A4; from the left on a roll, where it wraps.
        let x = if g.narrow() {
            g.left
        } else {
            g.right - font.width(&line, g.sub())
        };
        let mut item = Item {
            h: 22.0 * g.k,
            ..Item::default()
        };
        item.text(x, 14.0 * g.k, line, g.sub());
        l.items.push(item);
    }

    for f in t.header() {
        let v = crate::sections::field_value(f, c);
        l.field(&f.label, &v);
    }
    for s in t.sections() {
        section(&mut l, s, c);
    }
    l.space(4.0);
    l.text_item(g.left, fx.blank_tail.clone(), g.body, g.line());

    // Signatures (kept on the last page: each is one unbreakable row).
    let mut signatures = Vec::new();
    let sig_start = l.items.len();
    if !input.signatures.is_empty() {
        l.heading(&fx.signatures);
    }
    for (i, s) in input.signatures.iter().enumerate() {
        let img = signature_image(s)?;
        l.signature(s, i, &img);
        signatures.push(img);
        if i == 0 {
            // The heading never stands alone at a page foot.
            l.keep_from(sig_start);
        }
    }
    if let Some(note) = input.refusal_note {
        l.space(6.0);
        let start = l.items.len();
        l.para(g.left, &fx.refusal, note, g.body);
        l.keep_from(start);
    }

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
    let ft = FooterText {
        rec: format!(
            "{}{}  {} v{}",
            fx.record_no, input.record_no, fx.version, input.transcript_version
        ),
        forms,
        page: fx.page.clone(),
        party: fx.party_sign.clone(),
        officer: fx.officer_sign.clone(),
    };
    let plan = plan_footer(font, g, &ft);

    // Paginate.
    let mut bodies: Vec<Vec<Mark>> = vec![Vec::new()];
    let mut y = g.top;
    for item in l.items {
        if y + item.h > plan.body_bottom && !bodies.last().is_some_and(Vec::is_empty) {
            bodies.push(Vec::new());
            y = g.top;
        }
        let top = y;
        y += item.h;
        if let Some(p) = bodies.last_mut() {
            p.extend(item.prims.into_iter().map(|p| place(p, top)));
        }
    }
    let total = bodies.len();
    let pages: Vec<Page> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, mut marks)| {
            // A roll's last page is cut under its footer; a sheet keeps its size.
            let bottom = if i + 1 == total && g.footer == Footer::Stacked {
                y
            } else {
                plan.body_bottom
            };
            marks.extend(footer(font, g, &ft, &plan, bottom, (i + 1, total)));
            Page {
                height: bottom + plan.height,
                marks,
            }
        })
        .collect();

    refuse_missing_glyphs(font, &pages)?;

    let payload = format!(
        "{{\"case_id\":{},\"record_no\":{},\"version\":{},\"sha256\":{}}}",
        Value::String(scalar(at(c, "/case_id"))),
        Value::String(input.record_no.to_string()),
        input.transcript_version,
        Value::String(input.content_sha256.to_string())
    );
    Ok(Laid {
        sheet: g.clone(),
        title,
        pages,
        signatures,
        qr: qr_image(&payload)?,
    })
}

fn place(p: Prim, top: f32) -> Mark {
    let y = top + p.dy;
    match p.mark {
        Mark::Text { x, text, size, .. } => Mark::Text { x, y, text, size },
        Mark::Rule { x0, x1, .. } => Mark::Rule { x0, x1, y },
        Mark::Image {
            picture, x, w, h, ..
        } => Mark::Image {
            picture,
            x,
            y,
            w,
            h,
        },
    }
}

/// Text the font cannot draw would vanish from the paper: refuse it by name.
fn refuse_missing_glyphs(font: &Font, pages: &[Page]) -> Result<(), DocError> {
    let missing: BTreeSet<char> = pages
        .iter()
        .flat_map(|p| &p.marks)
        .filter_map(|m| match m {
            Mark::Text { text, .. } => Some(text.chars()),
            _ => None,
        })
        .flatten()
        .filter(|c| !font.has(*c))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = missing
        .iter()
        .map(|c| format!("“{c}”(U+{:04X})", *c as u32))
        .collect();
    Err(err(
        format!(
            "字体缺少以下字符，无法打印：{}。请改用常用字或在文中注明。",
            list.join("、")
        ),
        format!(
            "the font has no glyph for: {} — refusing to print text that would vanish",
            list.join(", ")
        ),
    ))
}
