//! Writing a case's bundle.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use fieldcase_protocol::{Sha256, signing_message, to_canonical_json};
use rusqlite::OptionalExtension;
use zip::write::SimpleFileOptions;

use super::{ChainSlice, FORMAT, FileEntry, Manifest, extension};
use crate::error::{CoreError, Result};
use crate::model::case::{Case, Transcript, TranscriptVersion};
use crate::store::{Store, chain};

/// Renders a transcript version to PDF; given by the caller so the archive does not decide fonts.
pub type PdfRenderer<'a> = &'a dyn Fn(&Case, &Transcript, &TranscriptVersion) -> Result<Vec<u8>>;

/// What to include beyond the data.
#[derive(Default)]
pub struct ExportOptions<'a> {
    /// Renders each transcript version to PDF for the bundle.
    pub pdf: Option<PdfRenderer<'a>>,
    /// `exported_at` as written in the manifest (RFC 3339).
    pub exported_at: String,
}

impl std::fmt::Debug for ExportOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportOptions")
            .field("pdf", &self.pdf.is_some())
            .field("exported_at", &self.exported_at)
            .finish()
    }
}

fn zip_err(e: zip::result::ZipError) -> CoreError {
    CoreError::Data(format!("zip: {e}"))
}

/// Builds the bundle of one case: returns the zip bytes.
pub fn export_case(store: &Store, case_id: &str, opts: &ExportOptions<'_>) -> Result<Vec<u8>> {
    let case = store
        .case(case_id)?
        .ok_or_else(|| CoreError::Data(format!("no case {case_id}")))?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    files.insert("case.json".into(), to_canonical_json(&case)?);
    files.insert("samples.json".into(), to_canonical_json(&case.samples)?);

    let links = chain::links_of_case(store.conn(), case_id)?;
    let mut jsonl = Vec::new();
    for l in &links {
        jsonl.extend(serde_json::to_vec(l)?);
        jsonl.push(b'\n');
    }
    files.insert("chain.jsonl".into(), jsonl);

    for t in &case.transcripts {
        for v in &t.versions {
            files.insert(
                format!("transcripts/{}/v{}.json", t.id, v.version),
                to_canonical_json(&v.content)?,
            );
            if let Some(render) = opts.pdf {
                files.insert(
                    format!("transcripts/{}/v{}.pdf", t.id, v.version),
                    render(&case, t, v)?,
                );
            }
            for s in &v.signatures {
                put_blob(store, &mut files, "signatures", &s.strokes_sha256, "json")?;
            }
            if let Some(w) = v
                .refusal
                .as_ref()
                .and_then(|r| r.witness.as_ref())
                .and_then(|w| w.strokes_sha256.as_ref())
            {
                put_blob(store, &mut files, "signatures", w, "json")?;
            }
        }
    }
    for e in &case.evidence {
        let media: Option<String> = store
            .conn()
            .query_row(
                "SELECT media_type FROM blobs WHERE sha256 = ?1",
                [&e.sha256],
                |r| r.get(0),
            )
            .optional()?;
        put_blob(
            store,
            &mut files,
            "evidence",
            &e.sha256,
            extension(media.as_deref().unwrap_or("")),
        )?;
    }

    let manifest = Manifest {
        format: FORMAT.into(),
        case_id: case.id.clone(),
        device_id: store.device.id.clone(),
        public_key: store.public_key().to_string(),
        exported_at: opts.exported_at.clone(),
        files: files
            .iter()
            .map(|(path, bytes)| FileEntry {
                path: path.clone(),
                sha256: Sha256::of(bytes).to_string(),
                size: bytes.len() as u64,
            })
            .collect(),
        chain: ChainSlice {
            links: links.len(),
            first_seq: links.first().map_or(0, |l| l.seq),
            last_seq: links.last().map_or(0, |l| l.seq),
            last_hash: links.last().map(|l| l.hash.clone()).unwrap_or_default(),
        },
    };
    let manifest_bytes = to_canonical_json(&manifest)?;
    let sig = store
        .device
        .key
        .sign(&signing_message("archive", &manifest_bytes));

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let mut write = |name: &str, bytes: &[u8]| -> Result<()> {
        zip.start_file(name, options).map_err(zip_err)?;
        zip.write_all(bytes)
            .map_err(|e| CoreError::Data(format!("zip: {e}")))
    };
    write("manifest.json", &manifest_bytes)?;
    write("manifest.sig", sig.to_string().as_bytes())?;
    for (path, bytes) in &files {
        write(path, bytes)?;
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

fn put_blob(
    store: &Store,
    files: &mut BTreeMap<String, Vec<u8>>,
    dir: &str,
    hash: &str,
    ext: &str,
) -> Result<()> {
    let h: Sha256 = hash
        .parse()
        .map_err(|e| CoreError::Data(format!("hash {hash}: {e}")))?;
    files.insert(format!("{dir}/{hash}.{ext}"), store.blobs.get(&h)?);
    Ok(())
}
