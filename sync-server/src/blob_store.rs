//! Where verified blobs live: a local folder (the default) or an S3-compatible bucket
//! (`--blobs s3://BUCKET/PREFIX`). Uploads in progress never go here: they are staged in a local
//! folder (`blobs.rs`), and only a whole blob whose SHA-256 was checked is handed over.
//!
//! Why stage locally rather than use S3 multipart: the resumable protocol promises a cut upload
//! loses at most 256 KiB, while S3 parts must be ≥ 5 MiB (so progress would be kept in 5 MiB steps
//! or buffered locally anyway), an unfinished multipart upload cannot be read back to hash it, and
//! object_store does not offer create-only completion of a multipart upload. A local staging file
//! keeps the durable offset exactly as it is on the local backend and the hash check before the
//! bucket sees a byte.
//!
//! Writes are create-only on both backends (a hard link / `PutMode::Create`, i.e.
//! `If-None-Match: *`): stored evidence is never replaced. If the name is already taken, the
//! existing bytes are hashed; the same SHA-256 is success (content-addressed), anything else is
//! refused and left alone.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use fieldcase_protocol::Sha256Hasher;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutPayload};
use tokio::io::AsyncReadExt;
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Bytes per chunk read from a staged file or a local blob.
const CHUNK: usize = 1 << 20;
/// Most bytes of staged blobs held in memory at once while being put to S3 (a single create-only
/// PUT needs its whole body in hand; see `S3::put`).
const PUT_BUDGET: u32 = 256 << 20;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("blob store i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("object store: {0}")]
    Object(#[from] object_store::Error),
    /// The name is taken by bytes with another SHA-256: left alone, never overwritten.
    #[error("stored object {0} does not match its SHA-256; not overwritten")]
    Corrupt(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!("{e}");
        ApiError::internal(e)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A stored blob being read back: its length and its bytes.
pub struct Reading {
    pub length: u64,
    pub bytes: BoxStream<'static, StoreResult<Bytes>>,
}

impl std::fmt::Debug for Reading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reading")
            .field("length", &self.length)
            .finish()
    }
}

/// S3 connection settings; anything left `None` comes from the `AWS_*` environment
/// (`AmazonS3Builder::from_env`: `AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ALLOW_HTTP`, …).
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub allow_http: bool,
}

#[derive(Debug, Clone)]
pub enum BlobStore {
    /// `DIR/<first two hex>/<sha>`.
    Local {
        dir: PathBuf,
    },
    S3(S3),
}

#[derive(Debug, Clone)]
pub struct S3 {
    store: Arc<AmazonS3>,
    /// Key prefix inside the bucket, no leading or trailing `/` (may be empty).
    prefix: String,
    budget: Arc<Semaphore>,
}

impl BlobStore {
    pub fn local(dir: PathBuf) -> Self {
        BlobStore::Local { dir }
    }

    /// `bucket` and `prefix` from `s3://BUCKET/PREFIX`.
    pub fn s3(bucket: &str, prefix: &str, settings: &S3Settings) -> Result<Self, String> {
        let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(v) = &settings.endpoint {
            b = b.with_endpoint(v);
        }
        if let Some(v) = &settings.region {
            b = b.with_region(v);
        }
        if let Some(v) = &settings.access_key_id {
            b = b.with_access_key_id(v);
        }
        if let Some(v) = &settings.secret_access_key {
            b = b.with_secret_access_key(v);
        }
        if settings.allow_http {
            b = b.with_allow_http(true);
        }
        let store = b.build().map_err(|e| format!("s3://{bucket}: {e}"))?;
        Ok(BlobStore::S3(S3 {
            store: Arc::new(store),
            prefix: prefix.trim_matches('/').to_string(),
            budget: Arc::new(Semaphore::new(PUT_BUDGET as usize)),
        }))
    }

    /// The stored blob's length if the store has it and its bytes hash to `sha` (read whole, in
    /// one request, to check). For a blob the database does not know: bytes someone put under
    /// the name by other means are not the blob, and must not be taken for it. `Err(Corrupt)`
    /// when they are not.
    pub async fn verified_length(&self, sha: &str) -> StoreResult<Option<u64>> {
        let Some(reading) = self.read(sha).await? else {
            return Ok(None);
        };
        let length = reading.length;
        let mut bytes = Check::stream(reading.bytes, sha);
        while let Some(chunk) = bytes.next().await {
            chunk?;
        }
        Ok(Some(length))
    }

    /// Stores `staged` (already verified to hash to `sha`) under `sha`, create-only. The staged
    /// file is left for the caller to delete.
    pub async fn put(&self, sha: &str, staged: &Path) -> StoreResult<()> {
        let created = match self {
            BlobStore::Local { dir } => {
                let (dest, staged) = (local_path(dir, sha), staged.to_path_buf());
                tokio::task::spawn_blocking(move || link_create_only(&staged, &dest))
                    .await
                    .map_err(std::io::Error::other)??
            }
            BlobStore::S3(s) => match s.put(sha, staged).await {
                Ok(()) => true,
                Err(object_store::Error::AlreadyExists { .. }) => false,
                Err(e) => return Err(e.into()),
            },
        };
        if !created {
            self.check_existing(sha).await?;
        }
        Ok(())
    }

    /// The stored blob, streamed; `None` if the store does not have it.
    pub async fn read(&self, sha: &str) -> StoreResult<Option<Reading>> {
        match self {
            BlobStore::Local { dir } => {
                let file = match tokio::fs::File::open(local_path(dir, sha)).await {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(e.into()),
                };
                let length = file.metadata().await?.len();
                let bytes = futures::stream::try_unfold(file, |mut f| async move {
                    let mut buf = vec![0u8; CHUNK];
                    let n = f.read(&mut buf).await?;
                    if n == 0 {
                        return Ok(None);
                    }
                    buf.truncate(n);
                    Ok(Some((Bytes::from(buf), f)))
                })
                .boxed();
                Ok(Some(Reading { length, bytes }))
            }
            BlobStore::S3(s) => match s.store.get(&s.key(sha)).await {
                Ok(got) => Ok(Some(Reading {
                    length: got.meta.size,
                    bytes: got.into_stream().map(|c| c.map_err(Into::into)).boxed(),
                })),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// The stored blob, streamed and checked on the way: each chunk is hashed as it passes, and
    /// the last one is held back until the whole blob's SHA-256 is known. Bytes that no longer
    /// hash to `sha` (changed on the disk or in the bucket since they were verified at upload)
    /// end the stream with `Err(Corrupt)` instead of their last chunk, so a reader never
    /// receives them whole: an HTTP body stops short of its `Content-Length`, and a transcript
    /// is not drawn with altered signature strokes. `length` is what the database recorded at
    /// upload; a store answering another length is corrupt before a byte is sent.
    pub async fn read_verified(&self, sha: &str, length: u64) -> StoreResult<Option<Reading>> {
        let Some(reading) = self.read(sha).await? else {
            return Ok(None);
        };
        if reading.length != length {
            return Err(StoreError::Corrupt(sha.to_string()));
        }
        let bytes = Check::stream(reading.bytes, sha);
        Ok(Some(Reading { length, bytes }))
    }

    /// The name `sha` is taken: success only if the bytes there hash to it.
    async fn check_existing(&self, sha: &str) -> StoreResult<()> {
        match self.verified_length(sha).await? {
            Some(_) => Ok(()),
            // Gone again between the refused create and now: nothing was overwritten either way.
            None => Err(StoreError::Corrupt(sha.to_string())),
        }
    }
}

impl S3 {
    fn key(&self, sha: &str) -> ObjectPath {
        let name = format!("{}/{sha}", &sha[..2]);
        if self.prefix.is_empty() {
            ObjectPath::from(name)
        } else {
            ObjectPath::from(format!("{}/{name}", self.prefix))
        }
    }

    /// One create-only PUT (`If-None-Match: *`). Its body must be in memory (object_store's
    /// `PutPayload`), so at most `PUT_BUDGET` bytes of blobs are being put at once; a blob larger
    /// than the budget waits for the whole budget.
    async fn put(&self, sha: &str, staged: &Path) -> Result<(), object_store::Error> {
        let generic = |e: std::io::Error| object_store::Error::Generic {
            store: "staging",
            source: Box::new(e),
        };
        let length = tokio::fs::metadata(staged).await.map_err(generic)?.len();
        let permits = u32::try_from(length)
            .unwrap_or(u32::MAX)
            .clamp(1, PUT_BUDGET);
        let _permit = self
            .budget
            .acquire_many(permits)
            .await
            .expect("budget semaphore never closed");
        let mut file = tokio::fs::File::open(staged).await.map_err(generic)?;
        let mut chunks = Vec::new();
        loop {
            let mut buf = vec![0u8; CHUNK.min(length as usize).max(1)];
            let n = file.read(&mut buf).await.map_err(generic)?;
            if n == 0 {
                break;
            }
            buf.truncate(n);
            chunks.push(Bytes::from(buf));
        }
        let payload: PutPayload = chunks.into_iter().collect();
        self.store
            .put_opts(&self.key(sha), payload, PutMode::Create.into())
            .await?;
        Ok(())
    }
}

/// The state of a checked read's stream (`read_verified`, `verified_length`): the bytes still to read, their hash so
/// far, and the chunk held back until the next one (or the end) arrives.
struct Check {
    inner: BoxStream<'static, StoreResult<Bytes>>,
    /// `None` once the end was reached and checked.
    hasher: Option<Sha256Hasher>,
    held: Option<Bytes>,
    sha: String,
}

impl Check {
    /// `inner`, each chunk passed on once the next is read, the last only once the whole
    /// matched `sha` (else `Err(Corrupt)` in its place).
    fn stream(
        inner: BoxStream<'static, StoreResult<Bytes>>,
        sha: &str,
    ) -> BoxStream<'static, StoreResult<Bytes>> {
        let check = Check {
            inner,
            hasher: Some(Sha256Hasher::new()),
            held: None,
            sha: sha.to_string(),
        };
        futures::stream::try_unfold(check, Check::next).boxed()
    }

    /// The next chunk to pass on: the held one, once a later chunk is read or the whole blob
    /// has been hashed and matched.
    async fn next(mut self) -> StoreResult<Option<(Bytes, Check)>> {
        loop {
            let Some(hasher) = self.hasher.as_mut() else {
                return Ok(None);
            };
            match self.inner.next().await.transpose()? {
                Some(chunk) if chunk.is_empty() => continue,
                Some(chunk) => {
                    hasher.update(&chunk);
                    if let Some(out) = self.held.replace(chunk) {
                        return Ok(Some((out, self)));
                    }
                }
                None => {
                    let hasher = self.hasher.take().unwrap_or_default();
                    if hasher.finish().to_string() != self.sha {
                        return Err(StoreError::Corrupt(self.sha));
                    }
                    return Ok(self.held.take().map(|out| (out, self)));
                }
            }
        }
    }
}

fn local_path(dir: &Path, sha: &str) -> PathBuf {
    dir.join(&sha[..2]).join(sha)
}

/// Links `staged` at `dest` without ever replacing `dest`: a hard link fails if the name exists,
/// unlike rename. Staging on another file system is copied beside `dest` first. `Ok(false)` if
/// `dest` already existed.
fn link_create_only(staged: &Path, dest: &Path) -> std::io::Result<bool> {
    let dir = dest.parent().expect("has parent");
    std::fs::create_dir_all(dir)?;
    let created = match std::fs::hard_link(staged, dest) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            let name = dest.file_name().expect("a file name").to_string_lossy();
            let tmp = dir.join(format!(".incoming-{}-{name}", std::process::id()));
            std::fs::copy(staged, &tmp)?;
            std::fs::File::open(&tmp)?.sync_all()?;
            let r = std::fs::hard_link(&tmp, dest);
            std::fs::remove_file(&tmp)?;
            match r {
                Ok(()) => true,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                Err(e) => return Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    std::fs::File::open(dir)?.sync_all()?;
    Ok(created)
}
