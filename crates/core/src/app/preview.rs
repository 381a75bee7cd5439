//! Transcript preview (笔录预览): the version drawn page by page by the same layout that makes
//! its PDF (WebViews on tablets cannot show a PDF inline), with the PDF's hash beside it so what
//! the party reads on screen is tied to the document that is signed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fieldcase_docs::Sheet;
use image::ImageFormat;

use super::error::{AppError, refused};
use super::{App, AppResult, TranscriptArgs, TranscriptPreview};
use crate::engine::numbering::record_no;
use crate::env::Env;

/// Screen resolution of the preview (A4 at 110 dpi is 909 × 1286 px: sharp on a tablet,
/// ~60 KB per page as PNG).
const PREVIEW_DPI: f32 = 110.0;

impl<E: Env> App<E> {
    pub fn transcript_preview(&self, a: TranscriptArgs) -> AppResult<TranscriptPreview> {
        self.unsealed()?;
        let renderer = self.renderer()?;
        let engine = self.engine();
        let case = engine.case(&a.case_id)?;
        let Some(t) = case.transcript(&a.transcript_id) else {
            return refused(
                "input.unknown_transcript",
                format!("找不到笔录 {}", a.transcript_id),
                format!("no transcript {}", a.transcript_id),
            );
        };
        let Some(v) = t.versions.iter().find(|v| v.version == a.version) else {
            return refused(
                "input.unknown_version",
                format!("笔录没有第{}版", a.version),
                format!("the transcript has no version {}", a.version),
            );
        };
        let store = engine.store();
        let pdf = renderer.render(store, &case, t, v)?;
        let sheets = renderer.pages(store, &case, t, v, &Sheet::a4(), PREVIEW_DPI)?;
        let mut pages = Vec::with_capacity(sheets.len());
        for page in sheets {
            let mut png = Vec::new();
            page.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
                .map_err(|e| {
                    AppError::new(
                        "render.preview",
                        format!("预览图生成失败：{e}"),
                        format!("the preview could not be drawn: {e}"),
                    )
                })?;
            pages.push(format!("data:image/png;base64,{}", STANDARD.encode(png)));
        }
        Ok(TranscriptPreview {
            pages,
            pdf_sha256: fieldcase_protocol::Sha256::of(&pdf).to_string(),
            pdf_bytes: pdf.len() as u64,
            record_no: record_no(store, &case, &t.id)?,
            locked: v.locked_at.is_some(),
        })
    }
}
