//! Files a command carries: evidence originals, photo derivatives, signature strokes and images.
//!
//! They are written to the content-addressed blob store before the step's transaction: a blob
//! without a committed row is harmless (reused on retry), a row without its blob would not be.
//! The original is stored byte for byte; for photos the watermarked display copy and the thumbnail
//! are derived from it and stored beside it. If a copy cannot be made (no font on the device), the
//! original is still kept and the step says so: evidence is never lost for want of a thumbnail.

use fieldcase_photo::{PhotoPipeline, Watermark};
use fieldcase_protocol::{Sha256, to_canonical_json};

use super::Engine;
use super::command::{self, Command};
use crate::env::Env;
use crate::error::{CoreError, Refusal, Result};
use crate::model::Time;

/// A file written to the blob store before the step's transaction.
#[derive(Debug)]
pub(super) struct StoredBlob {
    pub hash: Sha256,
    pub size: usize,
    pub media_type: Option<String>,
    pub exif: Option<serde_json::Value>,
    pub copy: Option<Sha256>,
    pub thumb: Option<Sha256>,
    /// The signature strokes rendered as PNG.
    pub image: Option<Sha256>,
    /// Why no display copy was made, when one should have been (zh, en).
    pub derive_error: Option<(String, String)>,
}

impl StoredBlob {
    fn plain(hash: Sha256, size: usize, media_type: Option<String>) -> Self {
        Self {
            hash,
            size,
            media_type,
            exif: None,
            copy: None,
            thumb: None,
            image: None,
            derive_error: None,
        }
    }
}

/// Signature images are drawn at this size (about a signature box on an A4 page at 150 dpi).
const SIGNATURE_PX: (u32, u32) = (600, 240);

impl<E: Env> Engine<E> {
    fn photos(&self) -> std::result::Result<&PhotoPipeline, &fieldcase_photo::PhotoError> {
        self.photos
            .get_or_init(PhotoPipeline::from_system_font)
            .as_ref()
    }

    /// Writes the files a command carries into the blob store.
    pub(super) fn store_blobs(&self, cmd: &Command, now: &Time) -> Result<Option<StoredBlob>> {
        let strokes = |s: &command::Strokes, render: bool| -> Result<StoredBlob> {
            let bytes = to_canonical_json(s)?;
            let hash = self.store.blobs.put(&bytes)?;
            let mut b = StoredBlob::plain(hash, bytes.len(), None);
            if render {
                // Invalid strokes are refused here, before anything is signed.
                let png =
                    fieldcase_photo::signature::render_strokes(s, SIGNATURE_PX.0, SIGNATURE_PX.1)
                        .map_err(|e| Refusal::new("input.bad_signature", e.zh, e.en))?;
                b.image = Some(self.store.blobs.put(&png)?);
            }
            Ok(b)
        };
        Ok(match cmd {
            Command::CaptureEvidence {
                path,
                media_type,
                kind,
                case_id,
                by,
                fix,
                ..
            } => {
                let bytes = std::fs::read(path).map_err(|e| {
                    CoreError::Refused(Refusal::new(
                        "input.file",
                        format!("无法读取文件 {path}：{e}"),
                        format!("cannot read file {path}: {e}"),
                    ))
                })?;
                if bytes.is_empty() {
                    return Err(Refusal::new(
                        "input.file",
                        format!("文件为空：{path}"),
                        format!("file is empty: {path}"),
                    )
                    .into());
                }
                if kind != "photo" {
                    // Audio, video, document copies and electronic data are kept exactly as they are.
                    let h = self.store.blobs.put(&bytes)?;
                    return Ok(Some(StoredBlob::plain(
                        h,
                        bytes.len(),
                        Some(media_type.clone()),
                    )));
                }
                let mk = fieldcase_photo::sniff(&bytes)
                    .map_err(|e| Refusal::new("input.format", e.zh, e.en))?;
                let h = self.store.blobs.put(&bytes)?;
                let mut b = StoredBlob::plain(h, bytes.len(), Some(mk.mime().to_string()));
                let exif = fieldcase_photo::read_exif(&bytes);
                b.exif = serde_json::to_value(&exif).ok();
                let lines = self.watermark(case_id, by, fix.as_ref(), now);
                match self.photos() {
                    Ok(p) => match p.derive(&bytes, &Watermark { lines }) {
                        Ok(d) => {
                            b.copy = Some(self.store.blobs.put(&d.copy_jpeg)?);
                            b.thumb = Some(self.store.blobs.put(&d.thumb_jpeg)?);
                        }
                        // The bytes sniffed as a photo but do not decode: refuse, nothing is recorded.
                        Err(e) => return Err(Refusal::new("input.format", e.zh, e.en).into()),
                    },
                    Err(e) => b.derive_error = Some((e.zh.clone(), e.en.clone())),
                }
                Some(b)
            }
            Command::Sign { strokes: s, .. } => Some(strokes(s, true)?),
            Command::RefuseSignature {
                witness_strokes: Some(s),
                ..
            } => Some(strokes(s, true)?),
            Command::RecordService {
                recipient_strokes: Some(s),
                ..
            }
            | Command::RecordService {
                witness_strokes: Some(s),
                ..
            } => Some(strokes(s, true)?),
            _ => None,
        })
    }

    /// Time, place, case and officer, as burned into a photo's display copy.
    fn watermark(
        &self,
        case_id: &str,
        by: &str,
        fix: Option<&command::FixInput>,
        now: &Time,
    ) -> Vec<String> {
        let mut lines = vec![now.format("%Y-%m-%d %H:%M:%S %:z").to_string()];
        let case = self.store.case(case_id).ok().flatten();
        let ent = case
            .as_ref()
            .and_then(|c| self.store.enterprise(&c.enterprise_id).ok().flatten());
        let place = match (ent, fix) {
            (Some(e), Some(f)) => format!("{} {:.5},{:.5}", e.name, f.lat, f.lon),
            (Some(e), None) => e.name,
            (None, Some(f)) => format!("{:.5},{:.5}", f.lat, f.lon),
            (None, None) => String::new(),
        };
        if !place.is_empty() {
            lines.push(place);
        }
        lines.push(format!("案件 {case_id}"));
        if let Ok(Some(o)) = self.store.officer(by) {
            let cert = o
                .credential
                .map(|c| format!("（{}）", c.number))
                .unwrap_or_default();
            lines.push(format!("执法人员 {}{cert}", o.name));
        }
        lines
    }
}
