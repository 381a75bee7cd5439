//! The CJK font documents are set in, parsed once: printpdf's parse (metrics, and the subset it
//! embeds in PDFs) and ab_glyph's (outlines, for bitmaps sent to thermal printers) of the same
//! bytes, so a printed page and its PDF break lines at the same places.

use ab_glyph::{Font as _, FontVec, GlyphId};
use printpdf::ParsedFont;

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
    pub(crate) parsed: ParsedFont,
    pub(crate) outlines: FontVec,
    upem: f32,
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
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(&bytes, face, &mut warnings)
            .ok_or_else(|| bad(String::new()))?;
        let upem = parsed.as_azul().font_metrics.units_per_em as f32;
        if upem <= 0.0 {
            return Err(err("字体缺少 units_per_em", "the font has no units_per_em"));
        }
        let index = u32::try_from(face).map_err(|e| bad(e.to_string()))?;
        let outlines =
            FontVec::try_from_vec_and_index(bytes, index).map_err(|e| bad(e.to_string()))?;
        Ok(Font {
            parsed,
            outlines,
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

    /// The glyph of `c`, if the font has one. Looked up through ab_glyph (ttf-parser's binary
    /// search): printpdf's cmap lookup costs about 1 µs a character, which was most of a render.
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
}
