//! The transcript as an A4 PDF: the laid-out pages of layout.rs written with pdf-writer, the CJK
//! font subset to the glyphs the pages use (subsetter) and embedded as a CID font with a ToUnicode
//! map, so text can be searched and copied. Nothing in the file depends on the clock or on chance:
//! the same case always gives the same bytes.
//!
//! Why not printpdf (the crate we started with): it re-decoded every CFF glyph to find its width
//! and compressed everything at one fixed level, which was most of a render. Here widths come
//! straight from `hmtx` and the subset is made once per document; a 3-page transcript renders in a
//! few milliseconds.

use std::collections::BTreeMap;

use image::GrayImage;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::deflate::Deflater;
use crate::font::{DocError, Font, err};
use crate::layout::{Laid, Mark, Picture, RenderInput, Sheet, lay_out};

/// Resource names used in every page's content stream.
const FONT: Name<'static> = Name(b"F1");
const QR: Name<'static> = Name(b"Qr");

/// Deflate levels. Text (content streams, the ToUnicode map) compresses well and is small: zlib's
/// default. Outlines barely compress at any level (28.7 KB at 1, 28.4 KB at 6), and miniz at 6 is
/// slow on the long white runs of signatures (1.1 ms against 0.1 ms per signature, for 5 KB more).
const TEXT: u8 = 6;
const BULK: u8 = 1;

/// Renders the transcript on A4; the same input always gives the same bytes.
pub fn render(font: &Font, input: &RenderInput<'_>) -> Result<Vec<u8>, DocError> {
    let laid = lay_out(font, input, &Sheet::a4())?;
    write(font, &laid, input.content_sha256, input.transcript_version)
}

/// Hands out object numbers in order.
struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// The glyphs the pages use: original glyph id → CID in the subset (CIDs are the subset's glyph
/// ids, which subsetter numbers from 1, after .notdef, in the order glyphs are first remapped).
struct Glyphs {
    remapper: subsetter::GlyphRemapper,
    /// CID → the character it was drawn for (ToUnicode).
    text: BTreeMap<u16, char>,
}

impl Glyphs {
    fn collect(font: &Font, laid: &Laid) -> Glyphs {
        let mut used = BTreeMap::new();
        for page in &laid.pages {
            for mark in &page.marks {
                if let Mark::Text { text, .. } = mark {
                    for c in text.chars() {
                        if let Some(g) = font.glyph(c) {
                            used.entry(g).or_insert(c);
                        }
                    }
                }
            }
        }
        // Remapping in glyph-id order keeps the CIDs (and so the bytes) independent of the order
        // in which the text happens to use them.
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut text = BTreeMap::new();
        for (&g, &c) in &used {
            text.insert(remapper.remap(g), c);
        }
        Glyphs { remapper, text }
    }

    /// The CIDs of `text` as a big-endian byte string (Identity-H encoding).
    fn encode(&self, font: &Font, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            // Missing glyphs were refused at layout; collect() saw every character drawn.
            if let Some(cid) = font.glyph(c).and_then(|g| self.remapper.get(g)) {
                out.extend_from_slice(&cid.to_be_bytes());
            }
        }
        out
    }
}

/// Writes laid-out pages as a PDF.
fn write(font: &Font, laid: &Laid, sha: &str, version: u32) -> Result<Vec<u8>, DocError> {
    let glyphs = Glyphs::collect(font, laid);
    let mut z = Deflater::new();
    let mut pdf = Pdf::new();
    let mut refs = Refs(0);
    let catalog = refs.next();
    let tree = refs.next();
    let info = refs.next();
    let font_ref = write_font(&mut pdf, &mut refs, &mut z, (font, &glyphs), sha)?;
    let qr = write_image(&mut pdf, &mut refs, &mut z, &laid.qr);
    let sigs: Vec<Ref> = laid
        .signatures
        .iter()
        .map(|img| write_image(&mut pdf, &mut refs, &mut z, img))
        .collect();
    let sig_names: Vec<String> = (1..=sigs.len()).map(|i| format!("Sig{i}")).collect();

    let mut kids = Vec::new();
    for page in &laid.pages {
        let (page_ref, content_ref) = (refs.next(), refs.next());
        kids.push(page_ref);
        let content = page_content(font, &glyphs, page, &sig_names);
        pdf.stream(content_ref, &z.zlib(&content, TEXT))
            .filter(Filter::FlateDecode);

        let mut p = pdf.page(page_ref);
        p.parent(tree)
            .media_box(Rect::new(0.0, 0.0, laid.sheet.width(), page.height))
            .contents(content_ref);
        let mut res = p.resources();
        res.fonts().pair(FONT, font_ref);
        let mut xo = res.x_objects();
        xo.pair(QR, qr);
        for (name, r) in sig_names.iter().zip(&sigs) {
            xo.pair(Name(name.as_bytes()), *r);
        }
        xo.finish();
        res.finish();
        p.finish();
    }
    let count = i32::try_from(kids.len()).map_err(|_| err("页数过多", "too many pages"))?;
    pdf.pages(tree).kids(kids).count(count);
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(TextStr(&laid.title))
        .creator(TextStr("fieldcase"))
        .producer(TextStr("fieldcase (pdf-writer)"));
    // The file identifier binds the PDF to the content it shows: SHA-256 of the content, then the
    // transcript version.
    let id = format!("{sha}-v{version}").into_bytes();
    pdf.set_file_id((id.clone(), id));
    Ok(pdf.finish())
}

/// One page's drawing operators, y measured up from the bottom edge as PDF wants.
fn page_content(
    font: &Font,
    glyphs: &Glyphs,
    page: &crate::layout::Page,
    sig_names: &[String],
) -> Vec<u8> {
    let h = page.height;
    let mut c = Content::new();
    c.set_fill_gray(0.0)
        .set_stroke_gray(0.0)
        .set_line_width(0.5);
    // All text of the page in one text object; the font is set again only when the size changes.
    c.begin_text();
    let mut size = None;
    for mark in &page.marks {
        if let Mark::Text {
            x,
            y,
            text,
            size: s,
        } = mark
        {
            if text.is_empty() {
                continue;
            }
            if size != Some(*s) {
                c.set_font(FONT, *s);
                size = Some(*s);
            }
            c.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, h - y]);
            c.show(Str(&glyphs.encode(font, text)));
        }
    }
    c.end_text();
    for mark in &page.marks {
        match mark {
            Mark::Text { .. } => {}
            Mark::Rule { x0, x1, y } => {
                c.move_to(*x0, h - y).line_to(*x1, h - y).stroke();
            }
            Mark::Image {
                picture,
                x,
                y,
                w,
                h: ih,
            } => {
                let name = match picture {
                    Picture::Qr => QR,
                    Picture::Signature(i) => Name(sig_names[*i].as_bytes()),
                };
                // Images are drawn into the unit square; scale it to the box.
                c.save_state()
                    .transform([*w, 0.0, 0.0, *ih, *x, h - y - ih])
                    .x_object(name)
                    .restore_state();
            }
        }
    }
    c.finish().into_vec()
}

/// An 8-bit grey image XObject.
fn write_image(pdf: &mut Pdf, refs: &mut Refs, z: &mut Deflater, img: &GrayImage) -> Ref {
    let id = refs.next();
    let data = z.zlib(img.as_raw(), BULK);
    let mut x = pdf.image_xobject(id, &data);
    x.filter(Filter::FlateDecode);
    x.width(img.width() as i32)
        .height(img.height() as i32)
        .bits_per_component(8)
        // The QR is one pixel per module: viewers must not smooth it.
        .interpolate(false);
    x.color_space().device_gray();
    x.finish();
    id
}

/// The subset font as a Type 0 font over a CID font, with its widths and ToUnicode map.
fn write_font(
    pdf: &mut Pdf,
    refs: &mut Refs,
    z: &mut Deflater,
    (font, glyphs): (&Font, &Glyphs),
    sha: &str,
) -> Result<Ref, DocError> {
    let (type0, cid, descriptor, file, cmap) = (
        refs.next(),
        refs.next(),
        refs.next(),
        refs.next(),
        refs.next(),
    );
    let failed = |e: String| {
        err(
            format!("字体子集生成失败：{e}"),
            format!("font subsetting failed: {e}"),
        )
    };
    let subset = subsetter::subset(font.data(), font.face, &glyphs.remapper)
        .map_err(|e| failed(e.to_string()))?;
    let raw = ttf_parser::RawFace::parse(&subset, 0).map_err(|e| failed(e.to_string()))?;
    // CFF outlines are embedded as the bare CFF table (FontFile3/CIDFontType0C), TrueType ones as
    // the whole subset font (FontFile2).
    let cff = raw.table(ttf_parser::Tag::from_bytes(b"CFF "));

    // A subset font's name starts with six capitals naming the subset (ISO 32000 §9.9.2); derive
    // them from the content so they too are the same on every render.
    let tag: String = sha
        .bytes()
        .take(6)
        .map(|b| (b'A' + b % 26) as char)
        .collect();
    let base = format!("{tag}+{}", font.metrics.postscript_name);
    let base = Name(base.as_bytes());
    let m = &font.metrics;
    let to_pdf = 1000.0 / font.upem();
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);

    let mut c = pdf.cid_font(cid);
    c.subtype(if cff.is_some() {
        CidFontType::Type0
    } else {
        CidFontType::Type2
    })
    .base_font(base)
    .system_info(system)
    .font_descriptor(descriptor)
    .default_width(1000.0);
    if cff.is_none() {
        c.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    // Old glyph ids in CID order, so the widths array runs from CID 0.
    let widths = glyphs
        .remapper
        .remapped_gids()
        .map(|gid| (font.glyph_advance(gid) * to_pdf).round());
    c.widths().consecutive(0, widths);
    c.finish();

    let mut d = pdf.font_descriptor(descriptor);
    d.name(base)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            m.bbox[0] * to_pdf,
            m.bbox[1] * to_pdf,
            m.bbox[2] * to_pdf,
            m.bbox[3] * to_pdf,
        ))
        .italic_angle(0.0)
        .ascent(m.ascent * to_pdf)
        .descent(m.descent * to_pdf)
        .cap_height(m.cap_height * to_pdf)
        .stem_v(80.0);
    if cff.is_some() {
        d.font_file3(file);
    } else {
        d.font_file2(file);
    }
    d.finish();

    match cff {
        Some(table) => {
            pdf.stream(file, &z.zlib(table, BULK))
                .filter(Filter::FlateDecode)
                .pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
        }
        None => {
            pdf.stream(file, &z.zlib(&subset, BULK))
                .filter(Filter::FlateDecode);
        }
    }

    let mut map = UnicodeCmap::new(Name(b"Custom"), system);
    for (&cid, &ch) in &glyphs.text {
        map.pair(cid, ch);
    }
    pdf.cmap(cmap, &z.zlib(&map.finish(), TEXT))
        .filter(Filter::FlateDecode);
    Ok(type0)
}

/// Number of pages of a PDF written by [`render`].
pub fn page_count(pdf: &[u8]) -> usize {
    // pdf-writer writes `/Type /Page` for a page and `/Type /Pages` for the tree.
    let pat = b"/Type /Page";
    let mut n = 0;
    let mut i = 0;
    while let Some(p) = pdf[i..].windows(pat.len()).position(|w| w == pat) {
        let end = i + p + pat.len();
        if pdf.get(end) != Some(&b's') {
            n += 1;
        }
        i = end;
    }
    n
}
