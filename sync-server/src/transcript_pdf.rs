//! `GET /v1/cases/{id}/transcripts/{transcript_id}/{version}/pdf`: a transcript version as the
//! A4 PDF the device rendered and printed on site, rendered again at the center from what was
//! synced — the version's signed content, the same template (`--forms`), the same font, the
//! record number made the device's way, and each signature image drawn again from its strokes
//! (the device's drawing is deterministic, so the center's image has the device's hash; the
//! `fieldcase-signature-images` header says whether every one did).
//!
//! The center renders rather than receiving PDFs from the device: the signed thing is the
//! content (its hash is what every signature binds), and a PDF made from it by the same code is
//! the same document, with no second artefact to upload, store and keep in step.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fieldcase_docs::template::Template;
use fieldcase_docs::{Font, RenderInput, SignatureImage, pdf};
use fieldcase_protocol::Sha256;
use serde_json::Value;

use crate::app::AppState;
use crate::blobs::{drain_checked, read_checked};
use crate::center::center;
use crate::error::{ApiError, ApiResult};
use crate::store::{cases, links, reference};

/// The size the device draws signature images at (`core::engine::files::SIGNATURE_PX`).
const SIGNATURE_PX: (u32, u32) = (600, 240);

/// The largest strokes blob read back (a signature's strokes are a few KiB).
const MAX_STROKES: u64 = 4 << 20;

/// The font and the transcript templates, loaded once at start.
pub struct Renderer {
    font: Font,
    templates: BTreeMap<String, Template>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("templates", &self.templates.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Renderer {
    /// `FORMS/templates/*.yaml` and the system's Noto Sans CJK SC; any error names the file.
    pub fn load(forms: &Path) -> Result<Arc<Renderer>, String> {
        let font = Font::system().map_err(|e| format!("transcript font: {}", e.en))?;
        let dir = forms.join("templates");
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("templates {}: {e}", dir.display()))?;
        let mut templates = BTreeMap::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|x| x != "yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("template {}: {e}", path.display()))?;
            let t = Template::from_yaml(&text)
                .map_err(|e| format!("{}:{}: {}", path.display(), e.line, e.message))?;
            templates.insert(t.id().to_string(), t);
        }
        if templates.is_empty() {
            return Err(format!("no transcript templates in {}", dir.display()));
        }
        Ok(Arc::new(Renderer { font, templates }))
    }
}

/// One signature on the version, as its `signed` op recorded it.
struct Signer {
    role: String,
    name: String,
    at: String,
    strokes: Option<String>,
    image: Option<String>,
    /// The officer's PIN was re-entered for it (printed after the time, as the device does).
    pin_confirmed: bool,
}

/// What a render of one version needs from the case's ops.
struct Version {
    kind: String,
    content: Value,
    content_hash: String,
    /// The first version's draft time and its op's seq: the record number's date and serial.
    first_drafted_at: String,
    first_seq: i64,
    signers: Vec<Signer>,
    refusal: Option<String>,
}

fn s(v: &Value, p: &str) -> String {
    v.pointer(p)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Gathers version `n` of `transcript_id` from the case's ops (oldest first).
fn gather(ops: &[(i64, String, Value)], transcript_id: &str, n: u64) -> Option<Version> {
    let mut first: Option<(String, i64)> = None;
    let mut found: Option<Version> = None;
    for (seq, kind, p) in ops {
        if s(p, "/body/transcript_id") != transcript_id {
            continue;
        }
        let body = &p["body"];
        match kind.as_str() {
            "transcript_drafted" => {
                let ver = &body["version"];
                if first.is_none() {
                    first = Some((s(ver, "/drafted_at"), *seq));
                }
                if ver["version"].as_u64() == Some(n) {
                    let (first_drafted_at, first_seq) = first.clone()?;
                    found = Some(Version {
                        kind: s(body, "/kind"),
                        content: ver["content"].clone(),
                        content_hash: s(ver, "/content_hash"),
                        first_drafted_at,
                        first_seq,
                        signers: Vec::new(),
                        refusal: None,
                    });
                }
            }
            "signed" if body["version"].as_u64() == Some(n) => {
                if let Some(v) = found.as_mut() {
                    let sig = &body["signature"];
                    v.signers.push(Signer {
                        role: s(sig, "/role"),
                        name: s(sig, "/name"),
                        at: s(sig, "/at"),
                        strokes: sig["strokes_sha256"].as_str().map(str::to_string),
                        image: sig["image_sha256"].as_str().map(str::to_string),
                        pin_confirmed: sig["pin_confirmed_at"].is_string(),
                    });
                }
            }
            "signature_refused" if body["version"].as_u64() == Some(n) => {
                if let Some(v) = found.as_mut() {
                    let r = &body["refusal"];
                    let witness = r
                        .get("witness")
                        .filter(|w| w.is_object())
                        .map(|w| format!("；见证人：{}（{}）", s(w, "/name"), s(w, "/unit")))
                        .unwrap_or_default();
                    v.refusal = Some(format!(
                        "当事人拒绝签名，理由：{}{witness}",
                        s(r, "/reason")
                    ));
                }
            }
            _ => {}
        }
    }
    found
}

/// The record number the device printed (`core::engine::numbering::record_no`):
/// `<area>-<first draft's date>-<last 6 hex of the device id>-<seq of the first draft>`.
fn record_no(area: &str, first_drafted_at: &str, device_id: &str, seq: i64) -> String {
    let date: String = first_drafted_at
        .get(..10)
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let hex: Vec<char> = device_id.chars().filter(char::is_ascii_hexdigit).collect();
    let tail: String = hex[hex.len().saturating_sub(6)..].iter().collect();
    format!("{area}-{date}-{}-{seq}", tail.to_uppercase())
}

fn role_zh(role: &str, kind: &str) -> &'static str {
    match role {
        "officer" => "执法人员",
        "party" if kind == "inquiry" => "被询问人",
        "party" => "被检查人",
        "witness" => "见证人",
        _ => "签名人",
    }
}

async fn read_blob(st: &AppState, sha: &str) -> ApiResult<Option<Vec<u8>>> {
    // Checked against its name: strokes changed in the store since their upload would draw
    // another signature than the one signed, so a damaged blob fails the render (`blob.corrupt`,
    // and an alert) rather than giving a transcript with them, or with a gap.
    let Some(r) = read_checked(st, sha).await? else {
        return Ok(None);
    };
    if r.length > MAX_STROKES {
        return Err(ApiError::internal(format!(
            "strokes blob {sha} is {} bytes",
            r.length
        )));
    }
    let mut bytes = Vec::with_capacity(r.length as usize);
    drain_checked(st, sha, r, |c| bytes.extend_from_slice(&c)).await?;
    Ok(Some(bytes))
}

pub async fn transcript_pdf(
    State(st): State<AppState>,
    UrlPath((case_id, transcript_id, version)): UrlPath<(String, String, u64)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    center(&st, &headers).await?;
    let Some(renderer) = st.pdf.clone() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "render.unavailable",
            "中心未配置笔录模板（启动时未给出 --forms），无法生成 PDF",
            "the center was started without --forms: transcripts cannot be rendered",
        ));
    };
    let (id, tid) = (case_id.clone(), transcript_id.clone());
    let (case, area, ops) = st
        .db
        .read(move |s| {
            let case = cases::get(&s.conn, &id)?.ok_or_else(|| ApiError::not_found("case"))?;
            let area = reference::enterprise(&s.conn, &case.enterprise_id)?
                .and_then(|e| e["area"].as_str().map(str::to_string))
                .unwrap_or_else(|| "000000".into());
            let ops: Vec<(i64, String, Value)> = links::case_ops(&s.conn, &id)?
                .into_iter()
                .filter(|op| op.device_id == case.device_id)
                .filter_map(|op| {
                    let p = serde_json::from_str(op.payload.as_deref()?).ok()?;
                    Some((op.link.seq, op.link.kind, p))
                })
                .collect();
            Ok((case, area, ops))
        })
        .await?;
    let v = gather(&ops, &tid, version).ok_or_else(|| ApiError::not_found("transcript version"))?;
    let template_id = format!("{}_record", v.kind);
    if !renderer.templates.contains_key(&template_id) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "render.no_template",
            format!("中心缺少笔录模板 {template_id}"),
            format!("the center has no template {template_id}"),
        ));
    }
    let mut strokes = Vec::with_capacity(v.signers.len());
    for signer in &v.signers {
        let bytes = match &signer.strokes {
            Some(sha) => read_blob(&st, sha).await?,
            None => None,
        };
        strokes.push(bytes);
    }
    let number = record_no(&area, &v.first_drafted_at, &case.device_id, v.first_seq);
    let signers = v.signers.len();
    let (pdf, matched) = st
        .cpu
        .run(move || {
            let mut images = Vec::new();
            let mut matched = 0usize;
            for (signer, bytes) in v.signers.iter().zip(strokes) {
                let png = bytes
                    .and_then(|b| serde_json::from_slice::<Vec<Vec<[f64; 4]>>>(&b).ok())
                    .and_then(|st| {
                        fieldcase_photo::signature::render_strokes(
                            &st,
                            SIGNATURE_PX.0,
                            SIGNATURE_PX.1,
                        )
                        .ok()
                    });
                // Strokes that have not arrived (or cannot be drawn) leave the box empty: the
                // header's count shows it.
                let Some(png) = png else {
                    continue;
                };
                if signer.image.as_deref() == Some(Sha256::of(&png).to_string().as_str()) {
                    matched += 1;
                }
                images.push(SignatureImage {
                    role_zh: role_zh(&signer.role, &v.kind).into(),
                    name: signer.name.clone(),
                    at: signer.at.clone(),
                    png,
                    pin_confirmed: signer.pin_confirmed,
                });
            }
            let template = &renderer.templates[&template_id];
            let input = RenderInput {
                template,
                content: &v.content,
                record_no: &number,
                transcript_version: version as u32,
                content_sha256: &v.content_hash,
                signatures: &images,
                refusal_note: v.refusal.as_deref(),
            };
            (pdf::render(&renderer.font, &input), matched)
        })
        .await?;
    let pdf = pdf
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "render.pdf", e.zh, e.en))?;
    let signers_note = format!("{matched} of {signers} match the device's");
    let mut resp = (StatusCode::OK, Body::from(pdf)).into_response();
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "inline; filename=\"{case_id}-{transcript_id}-v{version}.pdf\""
    )) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&signers_note) {
        h.insert("fieldcase-signature-images", v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::record_no;

    #[test]
    fn the_record_number_is_made_the_devices_way() {
        assert_eq!(
            record_no(
                "320506",
                "2026-11-23T09:04:22+08:00",
                "01a20ccc-4857-7b4e-95e4-75f48ece99a4",
                85
            ),
            "320506-20261123-CE99A4-85"
        );
    }
}
