//! Rendering a transcript version to PDF: the template (data in forms/templates), the version's
//! canonical content, its record number, and the signature images of THAT version only.

use std::collections::BTreeMap;
use std::path::Path;

use fieldcase_docs::pdf::{self, Font, RenderInput, SignatureImage};
use fieldcase_docs::template::Template;
use fieldcase_protocol::Sha256;

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

    /// Renders one version.
    pub fn render(
        &self,
        store: &Store,
        case: &Case,
        t: &Transcript,
        v: &TranscriptVersion,
    ) -> Result<Vec<u8>> {
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
        pdf::render(&self.font, &input).map_err(|e| Refusal::new("render.pdf", e.zh, e.en).into())
    }
}
