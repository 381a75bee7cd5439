//! The CJK font documents are set in, parsed once (ab_glyph over ttf-parser): advances for line
//! breaking, outlines for bitmaps sent to thermal printers, and the raw bytes the PDF writer
//! subsets, so a printed page and its PDF break lines at the same places.

use ab_glyph::{Font as _, FontVec, GlyphId};

/// Path of the system CJK font (Debian/Ubuntu package `fonts-noto-cjk`, SIL OFL 1.1).
pub const SYSTEM_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// Face index of Simplified Chinese in [`SYSTEM_FONT`].
pub const SYSTEM_FACE: usize = 2;

/// A rendering failure, in Chinese for the inspector and English for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for DocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

impl std::error::Error for DocError {}

pub(crate) fn err(zh: impl Into<String>, en: impl Into<String>) -> DocError {
    DocError {
        zh: zh.into(),
        en: en.into(),
    }
}

/// A parsed font: parse once, reuse for every render.
pub struct Font {
    pub(crate) outlines: FontVec,
    /// Face of the collection the bytes hold (0 for a plain font file).
    pub(crate) face: u32,
    pub(crate) metrics: Metrics,
    upem: f32,
}

/// What a PDF font descriptor states of the face, in font units.
#[derive(Debug, Clone)]
pub(crate) struct Metrics {
    pub ascent: f32,
    pub descent: f32,
    pub cap_height: f32,
    /// x_min, y_min, x_max, y_max.
    pub bbox: [f32; 4],
    /// The PostScript name (`name` id 6), as the PDF's BaseFont.
    pub postscript_name: String,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font").field("upem", &self.upem).finish()
    }
}

impl Font {
    /// Parses a font (`face` selects the face of a .ttc/.otc collection; 0 for a plain file).
    pub fn from_bytes(bytes: Vec<u8>, face: usize) -> Result<Font, DocError> {
        let bad = |e: String| {
            err(
                format!("字体无法解析（第{face}个字形）{e}"),
                format!("the font does not parse (face {face}) {e}"),
            )
        };
        let index = u32::try_from(face).map_err(|e| bad(e.to_string()))?;
        let metrics = {
            let f = ttf_parser::Face::parse(&bytes, index).map_err(|e| bad(e.to_string()))?;
            if f.tables().cff.is_none() && f.tables().glyf.is_none() {
                return Err(bad("no CFF or glyf outlines".into()));
            }
            let b = f.global_bounding_box();
            Metrics {
                ascent: f.ascender().into(),
                descent: f.descender().into(),
                cap_height: f.capital_height().unwrap_or(f.ascender()).into(),
                bbox: [
                    b.x_min.into(),
                    b.y_min.into(),
                    b.x_max.into(),
                    b.y_max.into(),
                ],
                postscript_name: postscript_name(&f),
            }
        };
        let outlines =
            FontVec::try_from_vec_and_index(bytes, index).map_err(|e| bad(e.to_string()))?;
        let upem = outlines.units_per_em().unwrap_or(0.0);
        if upem <= 0.0 {
            return Err(err("字体缺少 units_per_em", "the font has no units_per_em"));
        }
        Ok(Font {
            outlines,
            face: index,
            metrics,
            upem,
        })
    }

    /// Noto Sans CJK SC from the system (apt package `fonts-noto-cjk`).
    pub fn system() -> Result<Font, DocError> {
        let bytes = std::fs::read(SYSTEM_FONT).map_err(|e| {
            err(
                format!("找不到中文字体 {SYSTEM_FONT}，请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）"),
                format!("no CJK font at {SYSTEM_FONT} ({e}); install the apt package fonts-noto-cjk"),
            )
        })?;
        Font::from_bytes(bytes, SYSTEM_FACE)
    }

    /// The glyph of `c`, if the font has one (ttf-parser's cmap lookup, about 35 ns).
    pub(crate) fn glyph(&self, c: char) -> Option<u16> {
        let id = self.outlines.glyph_id(c);
        (id.0 != 0).then_some(id.0)
    }

    /// Whether the font can draw `c`.
    pub fn has(&self, c: char) -> bool {
        c.is_control() || self.glyph(c).is_some()
    }

    /// Advance width of `c` at `size` points (a missing glyph counts as one em).
    pub fn advance(&self, c: char, size: f32) -> f32 {
        match self.glyph(c) {
            Some(g) => self.outlines.h_advance_unscaled(GlyphId(g)) / self.upem * size,
            None => size,
        }
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }

    /// Lines of `text` no wider than `max` points at `size` (Chinese line breaking, 禁则处理).
    pub fn break_lines(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        crate::linebreak::break_lines(text, max, &|c| self.advance(c, size))
    }

    /// Units per em of the face.
    pub(crate) fn upem(&self) -> f32 {
        self.upem
    }

    /// Advance of glyph `gid` in font units.
    pub(crate) fn glyph_advance(&self, gid: u16) -> f32 {
        self.outlines.h_advance_unscaled(GlyphId(gid))
    }

    /// The bytes the font was read from (the whole collection for a .ttc).
    pub(crate) fn data(&self) -> &[u8] {
        self.outlines.as_slice()
    }
}

/// The face's PostScript name, reduced to what a PDF name may hold.
fn postscript_name(f: &ttf_parser::Face<'_>) -> String {
    let name = f
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
        .unwrap_or_default();
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if clean.is_empty() {
        "Font".into()
    } else {
        clean
    }
}
