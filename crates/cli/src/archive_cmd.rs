//! `fieldcase export CASE --out FILE` and `fieldcase verify BUNDLE`.

use std::path::Path;

use fieldcase_core::archive::{ExportOptions, PdfRenderer, export_case, verify_bundle};
use fieldcase_core::documents::transcript::Renderer;
use fieldcase_core::engine::numbering::record_no;
use fieldcase_core::env::Env;
use fieldcase_core::model::case::{Case, Transcript, TranscriptVersion};
use fieldcase_protocol::PublicKey;

use crate::store_cmd::{Eng, err};

pub(crate) fn export(
    eng: &Eng,
    forms: &Path,
    case_id: &str,
    out: &Path,
    pdf: bool,
) -> Result<(), String> {
    let renderer = if pdf {
        Some(Renderer::load(forms).map_err(err)?)
    } else {
        None
    };
    let render = |c: &Case, t: &Transcript, v: &TranscriptVersion| match &renderer {
        Some(r) => r.render(eng.store(), c, t, v),
        None => Ok(Vec::new()),
    };
    let pdf: Option<PdfRenderer<'_>> = renderer.as_ref().map(|_| &render as PdfRenderer<'_>);
    let opts = ExportOptions {
        pdf,
        exported_at: eng.env().now().to_rfc3339(),
    };
    let bytes = export_case(eng.store(), case_id, &opts).map_err(err)?;
    write_atomically(out, &bytes)?;
    println!(
        "exported case {case_id} to {} ({} bytes)",
        out.display(),
        bytes.len()
    );
    Ok(())
}

/// Writes to a temp file beside the target and renames, so a bundle is never half-written.
fn write_atomically(out: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = out.with_extension("partial");
    std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, out).map_err(|e| format!("{}: {e}", out.display()))
}

pub(crate) fn verify(path: &Path, device_key: Option<&str>) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let key: Option<PublicKey> = match device_key {
        Some(k) => Some(k.parse().map_err(|e| format!("--device-key: {e}"))?),
        None => None,
    };
    match verify_bundle(&bytes, key.as_ref()) {
        Ok(s) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?
            );
            println!(
                "bundle verified: every file, the chain slice, the case, transcripts and signatures match"
            );
            Ok(())
        }
        Err(p) => Err(format!("bundle does NOT verify — first mismatch: {p}")),
    }
}

pub(crate) fn render(eng: &Eng, forms: &Path, case_id: &str, out: &Path) -> Result<(), String> {
    let renderer = Renderer::load(forms).map_err(err)?;
    let case = eng.case(case_id).map_err(err)?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    for t in &case.transcripts {
        let number = record_no(eng.store(), &case, &t.id).map_err(err)?;
        for v in &t.versions {
            let pdf = renderer.render(eng.store(), &case, t, v).map_err(err)?;
            let path = out.join(format!("{number}-{}-v{}.pdf", t.kind, v.version));
            write_atomically(&path, &pdf)?;
            let state = if v.locked_at.is_some() {
                "locked"
            } else {
                "draft"
            };
            println!("wrote {} ({} bytes, {state})", path.display(), pdf.len());
        }
    }
    Ok(())
}
