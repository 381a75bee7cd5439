//! Content-addressed blob folder: photos, PDFs, signature strokes. A blob's name is its SHA-256;
//! it is written to a temp file, fsynced, renamed into place and the folder fsynced, so a kill at
//! any instant leaves either no blob or the whole blob — never a torn one under its final name.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use fieldcase_protocol::Sha256;

use crate::error::{CoreError, Result};

/// The blob folder.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

fn io(path: &Path, source: std::io::Error) -> CoreError {
    CoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl BlobStore {
    /// Opens (creating) a blob folder.
    pub fn open(root: &Path) -> Result<Self> {
        fs::create_dir_all(root.join("tmp")).map_err(|e| io(root, e))?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// Where a blob lives.
    pub fn path_of(&self, hash: &Sha256) -> PathBuf {
        let hex = hash.to_string();
        self.root.join(&hex[..2]).join(hex)
    }

    /// Stores bytes durably; returns their hash. Storing the same bytes twice is a no-op.
    pub fn put(&self, bytes: &[u8]) -> Result<Sha256> {
        let hash = Sha256::of(bytes);
        let dest = self.path_of(&hash);
        if dest.exists() {
            return Ok(hash);
        }
        let dir = dest.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{hash}.{}", std::process::id()));
        let mut f = File::create(&tmp).map_err(|e| io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| io(&tmp, e))?;
        f.sync_all().map_err(|e| io(&tmp, e))?;
        drop(f);
        fs::rename(&tmp, &dest).map_err(|e| io(&dest, e))?;
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io(&dir, e))?;
        Ok(hash)
    }

    /// Reads a blob back and checks it still has its hash.
    pub fn get(&self, hash: &Sha256) -> Result<Vec<u8>> {
        let path = self.path_of(hash);
        let bytes = fs::read(&path).map_err(|e| io(&path, e))?;
        if Sha256::of(&bytes) != *hash {
            return Err(CoreError::Data(format!(
                "blob {hash} does not match its hash"
            )));
        }
        Ok(bytes)
    }

    /// Whether the blob is present.
    pub fn has(&self, hash: &Sha256) -> bool {
        self.path_of(hash).exists()
    }
}
