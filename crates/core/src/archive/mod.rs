//! 电子归档 — the electronic archive: a case as one zip bundle that anyone can verify offline.
//!
//! The bundle holds the case data, each transcript version (canonical JSON, and PDF when rendered),
//! signature strokes, evidence originals, samples and custody, the case's slice of the audit chain,
//! and a manifest of every file's SHA-256 signed by the device. `verify_bundle` checks all of it
//! with nothing but the bundle (and, when given, the device's known public key) and names the
//! first thing that does not match.
//!
//! Layout (every entry stored uncompressed with a fixed timestamp, so the same case exports to the
//! same bytes):
//! ```text
//! manifest.json                 {"format", "case_id", "device_id", "public_key", "exported_at",
//!                                "files": [{"path", "sha256", "size"}], "chain": {...}}
//! manifest.sig                  hex Ed25519 over signing_message("archive", manifest.json)
//! case.json                     the case (canonical JSON)
//! samples.json                  samples with their chain of custody
//! chain.jsonl                   the case's audit-chain links (store::chain::Link), one per line
//! transcripts/<id>/v<N>.json    each version's canonical content (what signatures bind)
//! transcripts/<id>/v<N>.pdf     rendered version, when a renderer was given
//! signatures/<sha256>.json      signature strokes
//! evidence/<sha256>.<ext>       evidence originals, byte for byte
//! ```

mod export;
mod verify;

pub use export::{ExportOptions, PdfRenderer, export_case};
pub use verify::{BundleProblem, BundleSummary, verify_bundle};

/// The bundle format this build writes and reads.
pub const FORMAT: &str = "fieldcase-archive/1";

/// One file listed in the manifest.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// The case's slice of the audit chain.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ChainSlice {
    pub links: usize,
    pub first_seq: i64,
    pub last_seq: i64,
    pub last_hash: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub case_id: String,
    pub device_id: String,
    pub public_key: String,
    pub exported_at: String,
    pub files: Vec<FileEntry>,
    pub chain: ChainSlice,
}

/// File extension for an evidence media type.
pub(crate) fn extension(media_type: &str) -> &'static str {
    match media_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "video/mp4" => "mp4",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" => "m4a",
        "audio/mpeg" => "mp3",
        "audio/wav" | "audio/x-wav" => "wav",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}
