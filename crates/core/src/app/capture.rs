//! Evidence from the app's camera or file picker: the WebView hands the file's bytes over, they
//! are written to a private incoming folder and captured from there exactly as the CLI captures
//! a file (hashed, kept unchanged, watermarked copy and thumbnail derived). The incoming file is
//! removed whatever the outcome. Gallery pictures are read back as data URLs.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::error::{AppError, refused};
use super::procedure::screen;
use super::{App, AppResult, CaptureArgs, EvidenceImageArgs, ImageData, StepDone};
use crate::engine::Command;
use crate::env::Env;

/// Larger files are refused before anything is written (a 4K video minute is ~350 MB: such
/// recordings are imported from the recorder, not through the WebView).
pub const MAX_CAPTURE_BYTES: usize = 200 * 1024 * 1024;

impl<E: Env> App<E> {
    /// 证据采集 from bytes the UI captured.
    pub fn capture(&self, a: CaptureArgs) -> AppResult<StepDone> {
        self.unsealed()?;
        let session = self.signed_in()?;
        let by = session.officer_id.clone().ok_or_else(|| {
            AppError::new(
                "auth.no_officer",
                "当前用户不能记录现场步骤",
                "the signed-in user cannot record steps",
            )
        })?;
        // base64 is 4/3 of the bytes: refuse before decoding a huge string.
        if a.data_base64.len() / 4 * 3 > MAX_CAPTURE_BYTES {
            return refused(
                "input.too_large",
                format!("文件超过{} MB，不能在此采集", MAX_CAPTURE_BYTES >> 20),
                format!(
                    "the file is over {} MB and cannot be captured here",
                    MAX_CAPTURE_BYTES >> 20
                ),
            );
        }
        let bytes = STANDARD.decode(a.data_base64.as_bytes()).map_err(|e| {
            AppError::new(
                "input.bad_file",
                format!("文件数据无法读取：{e}"),
                format!("the file's data cannot be read: {e}"),
            )
        })?;
        if bytes.is_empty() {
            return refused("input.bad_file", "文件是空的", "the file is empty");
        }
        let incoming = self.dir.join("incoming");
        std::fs::create_dir_all(&incoming).map_err(|e| io(&incoming, e))?;
        let id = self.engine().env().new_id().to_string();
        let path = incoming.join(format!("{id}.{}", extension(&a.media_type)));
        std::fs::write(&path, &bytes).map_err(|e| io(&path, e))?;
        let provenance = (!a.in_app).then(|| format!("导入文件 {}", a.file_name));
        let cmd = Command::CaptureEvidence {
            case_id: a.case_id,
            by,
            path: path.display().to_string(),
            kind: a.kind,
            media_type: a.media_type,
            method: a.method,
            proves: a.proves,
            in_app: a.in_app,
            provenance,
            fix: a.fix,
            item_id: a.item_id,
            location_reason: a.location_reason,
            copy_confirmed: a.copy_confirmed,
            captured_at: None,
        };
        let result = {
            let mut engine = self.engine();
            engine.execute(&cmd).and_then(|outcome| {
                let screen = screen(&engine, &outcome.case_id, Some(&session))
                    .map_err(|e| crate::error::Refusal::new(&e.code, e.zh, e.en))?;
                Ok(StepDone { outcome, screen })
            })
        };
        // The evidence is in the blob store now (or was refused): the incoming copy goes.
        let _ = std::fs::remove_file(&path);
        let done = result?;
        self.live.step_committed();
        Ok(done)
    }

    /// An evidence picture for the gallery: the thumbnail or the watermarked display copy.
    pub fn evidence_image(&self, a: EvidenceImageArgs) -> AppResult<ImageData> {
        self.unsealed()?;
        let engine = self.engine();
        let case = engine.case(&a.case_id)?;
        let Some(ev) = case.evidence.iter().find(|e| e.id == a.evidence_id) else {
            return refused(
                "input.unknown_evidence",
                format!("找不到证据 {}", a.evidence_id),
                format!("no evidence {}", a.evidence_id),
            );
        };
        let derived = if a.thumb {
            ev.thumb_sha256.as_deref()
        } else {
            ev.copy_sha256.as_deref()
        };
        let Some(sha) = derived else {
            return refused(
                "evidence.no_picture",
                "该证据不是照片，没有缩略图",
                "this evidence is not a photo and has no picture",
            );
        };
        let hash = sha.parse().map_err(|e| {
            AppError::new(
                "store.data",
                format!("哈希无效：{e}"),
                format!("bad hash: {e}"),
            )
        })?;
        let bytes = engine.store().blobs.get(&hash)?;
        Ok(ImageData {
            data_url: format!("data:image/jpeg;base64,{}", STANDARD.encode(bytes)),
            sha256: sha.to_string(),
        })
    }
}

fn io(path: &std::path::Path, e: std::io::Error) -> AppError {
    crate::error::CoreError::Io {
        path: path.display().to_string(),
        source: e,
    }
    .into()
}

/// A file extension for the incoming copy (the engine reads the media type from the command).
fn extension(media_type: &str) -> &'static str {
    match media_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "video/mp4" => "mp4",
        "audio/mp4" | "audio/m4a" => "m4a",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}
