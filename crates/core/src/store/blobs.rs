//! Content-addressed blob folder: photos, PDFs, signature strokes. A blob's name is the SHA-256
//! of its plaintext; the file holds it sealed (blob_seal.rs) under the store's key. It is written
//! to a temp file, fsynced, renamed into place and the folder fsynced, so a kill at any instant
//! leaves either no blob or the whole blob — never a torn one under its final name.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use fieldcase_protocol::Sha256;

use super::blob_seal::{self, SealedReader};
use crate::error::{CoreError, Result};

/// The blob folder.
#[derive(Clone)]
pub struct BlobStore {
    root: PathBuf,
    /// The blob master key (derived from the store key; each file derives its own from it).
    master: [u8; 32],
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

fn io(path: &Path, source: std::io::Error) -> CoreError {
    CoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl BlobStore {
    /// Opens (creating) a blob folder whose blobs are sealed under `master`.
    pub fn open(root: &Path, master: [u8; 32]) -> Result<Self> {
        fs::create_dir_all(root.join("tmp")).map_err(|e| io(root, e))?;
        Ok(Self {
            root: root.to_path_buf(),
            master,
        })
    }

    /// Where a blob lives.
    fn path_of(&self, hash: &Sha256) -> PathBuf {
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
        self.write_sealed(bytes, &tmp, &dest)?;
        Ok(hash)
    }

    fn write_sealed(&self, plain: &[u8], tmp: &Path, dest: &Path) -> Result<()> {
        let dir = dest.parent().unwrap_or(&self.root);
        let mut f = std::io::BufWriter::new(File::create(tmp).map_err(|e| io(tmp, e))?);
        blob_seal::seal(&self.master, plain, &mut f).map_err(|e| io(tmp, e))?;
        let f = f.into_inner().map_err(|e| io(tmp, e.into_error()))?;
        f.sync_all().map_err(|e| io(tmp, e))?;
        drop(f);
        fs::rename(tmp, dest).map_err(|e| io(dest, e))?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io(dir, e))
    }

    /// Reads a blob's plaintext from `offset` on, without holding the whole blob (resumed uploads).
    pub fn reader_at(&self, hash: &Sha256, offset: u64) -> Result<SealedReader> {
        let path = self.path_of(hash);
        SealedReader::open_at(&path, &self.master, offset).map_err(|e| io(&path, e))
    }

    /// Reads a blob back and checks it still has its hash.
    pub fn get(&self, hash: &Sha256) -> Result<Vec<u8>> {
        let path = self.path_of(hash);
        let mut bytes = Vec::new();
        self.reader_at(hash, 0)?
            .read_to_end(&mut bytes)
            .map_err(|e| io(&path, e))?;
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

    /// Seals the plain blobs a store from before encryption left (each checked against its name
    /// first; one that does not match is left as it is and reported by `get`). Returns how many.
    pub fn seal_plain_leftovers(&self) -> Result<usize> {
        let mut sealed = 0;
        let Ok(dirs) = fs::read_dir(&self.root) else {
            return Ok(0);
        };
        for d in dirs.flatten() {
            let sub = d.path();
            if !sub.is_dir() || d.file_name() == "tmp" {
                continue;
            }
            for f in fs::read_dir(&sub).map_err(|e| io(&sub, e))?.flatten() {
                let path = f.path();
                if blob_seal::is_sealed(&path).map_err(|e| io(&path, e))? {
                    continue;
                }
                let Ok(hash) = f.file_name().to_string_lossy().parse::<Sha256>() else {
                    continue;
                };
                let plain = fs::read(&path).map_err(|e| io(&path, e))?;
                if Sha256::of(&plain) != hash {
                    continue;
                }
                let tmp = self
                    .root
                    .join("tmp")
                    .join(format!("{hash}.{}", std::process::id()));
                self.write_sealed(&plain, &tmp, &path)?;
                sealed += 1;
            }
        }
        Ok(sealed)
    }
}
