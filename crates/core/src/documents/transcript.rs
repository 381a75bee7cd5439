//! Rendering a transcript version to PDF or to a thermal printer's pages: the template (data in forms/templates), the version's
//! canonical content, its record number, and the signature images of THAT version only.

use std::collections::BTreeMap;
use std::path::Path;

pub use fieldcase_docs::Sheet;
use fieldcase_docs::template::Template;
use fieldcase_docs::{Font, RenderInput, SignatureImage, pdf, raster};
use fieldcase_print::{PrinterKind, PrinterProfile};
use fieldcase_protocol::Sha256;
use image::GrayImage;

use crate::engine::numbering::record_no;
use crate::error::{CoreError, Refusal, Result};
use crate::forms::types::SignerRole;
use crate::model::case::{Case, Transcript, TranscriptVersion};
use crate::store::Store;

/// The font (parsed once) and the templates.
#[derive(Debug)]
pub struct Renderer {
    font: Font,
    templates: BTreeMap<String, Template>,
}

impl Renderer {
    /// Loads `forms/templates/*.yaml` and the system CJK font.
    pub fn load(forms: &Path) -> Result<Self> {
        let font = Font::system().map_err(|e| Refusal::new("render.font", e.zh, e.en))?;
        let dir = forms.join("templates");
        let mut templates = BTreeMap::new();
        let entries = std::fs::read_dir(&dir).map_err(|e| CoreError::Io {
            path: dir.display().to_string(),
            source: e,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|x| x != "yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| CoreError::Io {
                path: path.display().to_string(),
                source: e,
            })?;
            let t = Template::from_yaml(&text).map_err(|e| {
                CoreError::Data(format!("{}:{}: {}", path.display(), e.line, e.message))
            })?;
            templates.insert(t.id().to_string(), t);
        }
        Ok(Self { font, templates })
    }

    /// Renders one version as an A4 PDF.
    pub fn render(
        &self,
        store: &Store,
        case: &Case,
        t: &Transcript,
        v: &TranscriptVersion,
    ) -> Result<Vec<u8>> {
        self.with_input(store, case, t, v, pdf::render)
            .and_then(|r| r.map_err(|e| Refusal::new("render.pdf", e.zh, e.en).into()))
    }

    /// One version as an ESC/POS print job for `printer`: A4 pages at the head's resolution on an
    /// A4-width thermal printer, roll pages of the paper's width on a receipt printer.
    pub fn print_job(
        &self,
        store: &Store,
        case: &Case,
        t: &Transcript,
        v: &TranscriptVersion,
        printer: &PrinterProfile,
    ) -> Result<Vec<u8>> {
        let sheet = match printer.kind {
            PrinterKind::A4Thermal => Sheet::a4(),
            PrinterKind::Receipt => Sheet::roll(printer.dots_per_line, printer.dpi),
            PrinterKind::Label => {
                return Err(Refusal::new(
                    "print.label_printer",
                    format!("{} 是标签打印机，不能打印笔录；请选择票据或A4热敏打印机", printer.name_zh),
                    format!(
                        "{} is a label printer; print transcripts on a receipt or A4 thermal printer",
                        printer.id
                    ),
                )
                .into());
            }
        };
        if v.locked_at.is_none() {
            // Paper handed to the party must be the signed, immutable version.
            return Err(Refusal::new(
                "print.not_locked",
                format!("笔录第{}版尚未签名锁定：只能打印已锁定的版本", v.version),
                format!(
                    "version {} of the record is not signed and locked yet: only a locked version can be printed",
                    v.version
                ),
            )
            .into());
        }
        let pages = self.pages(store, case, t, v, &sheet, f32::from(printer.dpi))?;
        Ok(fieldcase_print::raster_pages(printer, &pages))
    }

    /// One version drawn on `sheet` at `dpi`, black and white, as a thermal printer prints it.
    pub fn pages(
        &self,
        store: &Store,
        case: &Case,
        t: &Transcript,
        v: &TranscriptVersion,
        sheet: &Sheet,
        dpi: f32,
    ) -> Result<Vec<GrayImage>> {
        self.with_input(store, case, t, v, |font, input| {
            raster::render_pages(font, input, sheet, dpi)
        })?
        .map_err(|e| Refusal::new("render.raster", e.zh, e.en).into())
    }

    /// Gathers what a render of version `v` needs: its template, record number, and the
    /// signature images of that version only.
    fn with_input<T>(
        &self,
        store: &Store,
        case: &Case,
        t: &Transcript,
        v: &TranscriptVersion,
        f: impl FnOnce(&Font, &RenderInput<'_>) -> T,
    ) -> Result<T> {
        let id = format!("{}_record", t.kind);
        let template = self
            .templates
            .get(&id)
            .ok_or_else(|| CoreError::Data(format!("no template {id} in forms/templates")))?;
        let mut signatures = Vec::new();
        for s in &v.signatures {
            let Some(img) = s.image_sha256.as_deref() else {
                continue;
            };
            let h: Sha256 = img
                .parse()
                .map_err(|e| CoreError::Data(format!("image hash: {e}")))?;
            let role_zh = match s.role {
                SignerRole::Officer => "执法人员",
                SignerRole::Party if t.kind == "inquiry" => "被询问人",
                SignerRole::Party => "被检查人",
                SignerRole::Witness => "见证人",
            };
            signatures.push(SignatureImage {
                role_zh: role_zh.into(),
                name: s.name.clone(),
                at: s.at.to_rfc3339(),
                png: store.blobs.get(&h)?,
                pin_confirmed: s.pin_confirmed_at.is_some(),
            });
        }
        let refusal = v.refusal.as_ref().map(|r| {
            let w = r
                .witness
                .as_ref()
                .map(|w| format!("；见证人：{}（{}）", w.name, w.unit))
                .unwrap_or_default();
            format!("当事人拒绝签名，理由：{}{w}", r.reason)
        });
        let number = record_no(store, case, &t.id)?;
        let input = RenderInput {
            template,
            content: &v.content,
            record_no: &number,
            transcript_version: v.version,
            content_sha256: &v.content_hash,
            signatures: &signatures,
            refusal_note: refusal.as_deref(),
        };
        Ok(f(&self.font, &input))
    }
}
