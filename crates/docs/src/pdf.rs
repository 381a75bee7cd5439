//! The transcript as an A4 PDF (printpdf): the laid-out pages of layout.rs written with the
//! embedded, subset CJK font, fixed resource names and ids derived from the content, so the same
//! case always gives the same bytes.

use image::GrayImage;
use printpdf::{
    Codepoint, Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, RawImage, RawImageData, RawImageFormat, TextItem, XObject,
    XObjectId, XObjectTransform,
};

use crate::font::{DocError, Font};
use crate::layout::{Laid, Mark, Picture, RenderInput, Sheet, lay_out};

const MM: f32 = 72.0 / 25.4;

/// Renders the transcript on A4; the same input always gives the same bytes.
pub fn render(font: &Font, input: &RenderInput<'_>) -> Result<Vec<u8>, DocError> {
    let laid = lay_out(font, input, &Sheet::a4())?;
    Ok(write(
        font,
        &laid,
        input.content_sha256,
        input.transcript_version,
    ))
}

fn raw(img: &GrayImage) -> RawImage {
    RawImage {
        pixels: RawImageData::U8(img.as_raw().clone()),
        width: img.width() as usize,
        height: img.height() as usize,
        data_format: RawImageFormat::R8,
        tag: Vec::new(),
    }
}

/// Writes laid-out pages as a PDF.
fn write(font: &Font, laid: &Laid, sha: &str, version: u32) -> Vec<u8> {
    let mut doc = PdfDocument::new(&laid.title);
    // Fixed resource names: printpdf's are random.
    let fid = doc.add_font(&font.parsed);
    let font_id = FontId("F1".into());
    if let Some(f) = doc.resources.fonts.map.remove(&fid) {
        doc.resources.fonts.map.insert(font_id.clone(), f);
    }
    let qr_id = XObjectId("Qr".into());
    doc.resources
        .xobjects
        .map
        .insert(qr_id.clone(), XObject::Image(raw(&laid.qr)));
    let mut sig_ids = Vec::new();
    for (i, img) in laid.signatures.iter().enumerate() {
        let id = XObjectId(format!("Sig{}", i + 1));
        doc.resources
            .xobjects
            .map
            .insert(id.clone(), XObject::Image(raw(img)));
        sig_ids.push(id);
    }

    let black = || {
        Color::Greyscale(Greyscale {
            percent: 0.0,
            icc_profile: None,
        })
    };
    let mut out_pages = Vec::new();
    for page in &laid.pages {
        let h = page.height;
        let mut ops = vec![
            Op::SetFillColor { col: black() },
            Op::SetOutlineColor { col: black() },
            Op::SetOutlineThickness { pt: Pt(0.5) },
        ];
        // PDF measures y up from the bottom edge; marks measure it down from the top.
        for mark in &page.marks {
            match mark {
                Mark::Text { x, y, text, size } => {
                    text_op(&mut ops, (&font_id, font), *x, h - y, text, *size)
                }
                Mark::Rule { x0, x1, y } => line_op(&mut ops, *x0, h - y, *x1, h - y),
                Mark::Image {
                    picture,
                    x,
                    y,
                    w,
                    h: ih,
                } => {
                    let (id, img) = match picture {
                        Picture::Qr => (&qr_id, &laid.qr),
                        Picture::Signature(i) => (&sig_ids[*i], &laid.signatures[*i]),
                    };
                    image_op(&mut ops, id, img.dimensions(), *x, h - y - ih, *w, *ih);
                }
            }
        }
        out_pages.push(PdfPage::new(Mm(laid.sheet.width() / MM), Mm(h / MM), ops));
    }

    let opts = PdfSaveOptions {
        image_optimization: None,
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let mut bytes = doc.with_pages(out_pages).save(&opts, &mut warnings);
    fix_ids(&mut bytes, sha, version);
    bytes
}

fn text_op(ops: &mut Vec<Op>, (font, f): (&FontId, &Font), x: f32, y: f32, text: &str, size: f32) {
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
    // Glyph ids from our own lookup, each carrying its text for the ToUnicode map (copy and
    // search in the PDF): printpdf would otherwise look every character up again, slowly.
    // Missing glyphs were refused at layout, so every character has one.
    let glyphs = text
        .chars()
        .filter_map(|c| {
            f.glyph(c).map(|gid| Codepoint {
                gid,
                offset: 0.0,
                cid: Some(c.to_string()),
            })
        })
        .collect();
    ops.push(Op::ShowText {
        items: vec![TextItem::GlyphIds(glyphs)],
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

fn image_op(ops: &mut Vec<Op>, id: &XObjectId, px: (u32, u32), x: f32, y: f32, w: f32, h: f32) {
    // At dpi d an image of n px is n/d inch = n*72/d pt wide.
    let sx = w / (px.0 as f32 * 72.0 / 300.0);
    let sy = h / (px.1 as f32 * 72.0 / 300.0);
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
