//! Command-line flags (each also readable from the environment).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::rate_limit::Limit;

#[derive(Debug, Parser)]
#[command(
    name = "fieldcase-server",
    about = "fieldcase center server",
    subcommand_negates_reqs = true,
    args_conflicts_with_subcommands = true
)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Address to listen on; port 0 picks a free port (the real one is printed).
    #[arg(long, env = "FIELDCASE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Database: `sqlite:PATH` (embedded) or `postgres://USER@HOST:PORT/DB` (replicas may share it).
    #[arg(long, env = "FIELDCASE_DB", required = true)]
    pub db: Option<String>,
    /// PostgreSQL over TLS, with the database's certificate checked against these CA
    /// certificates (PEM) instead of the system's trusted roots. Turns TLS on by itself;
    /// `sslmode=require` in the URL turns it on against the system's roots.
    #[arg(long, env = "FIELDCASE_DB_CA")]
    pub db_ca: Option<PathBuf>,
    /// Most PostgreSQL connections this process holds (ignored for SQLite).
    #[arg(long, env = "FIELDCASE_DB_POOL", default_value_t = 8)]
    pub db_pool: usize,
    /// Most group commits of pushes running at once (`push_group`). Default: one on SQLite
    /// (it has one writer); on PostgreSQL one per core, at most `--db-pool`. More writers
    /// make smaller groups, each with its own statements and commit: with eight on two cores,
    /// the sync bench's PostgreSQL spent 0.18–0.24 s of CPU, with two 0.13–0.15 s.
    #[arg(long, env = "FIELDCASE_PUSH_WRITERS")]
    pub push_writers: Option<usize>,
    /// Where evidence blobs are stored: a folder, or `s3://BUCKET/PREFIX` (an S3-compatible
    /// object store; the `--s3-*` flags, else the `AWS_*` environment, say how to reach it).
    #[arg(long, env = "FIELDCASE_BLOBS", required = true)]
    pub blobs: Option<String>,
    /// Folder for uploads in progress (default: `BLOBS/partial` for a folder, a temp dir for S3).
    /// Replicas behind a load balancer need sticky routing per blob or a shared folder here.
    #[arg(long, env = "FIELDCASE_STAGING")]
    pub staging: Option<PathBuf>,
    /// The forms folder whose `templates/` render transcripts as PDF for the case pages (the
    /// same templates the devices use). Without it the PDF endpoint says it is not configured.
    #[arg(long, env = "FIELDCASE_FORMS")]
    pub forms: Option<PathBuf>,
    /// The built web pages (`ui/dist`): served at `/ui/`, the center pages at `/center`.
    #[arg(long, env = "FIELDCASE_PAGES")]
    pub pages: Option<PathBuf>,
    /// S3 endpoint URL, e.g. `http://127.0.0.1:9000` for MinIO (default: `AWS_ENDPOINT`, else AWS).
    #[arg(long)]
    pub s3_endpoint: Option<String>,
    /// S3 region (default: `AWS_REGION` / `AWS_DEFAULT_REGION`, else us-east-1).
    #[arg(long)]
    pub s3_region: Option<String>,
    /// S3 access key id (default: `AWS_ACCESS_KEY_ID`).
    #[arg(long)]
    pub s3_access_key_id: Option<String>,
    /// S3 secret access key (default: `AWS_SECRET_ACCESS_KEY`; prefer the environment).
    #[arg(long)]
    pub s3_secret_access_key: Option<String>,
    /// Allow a plain-HTTP S3 endpoint (default: `AWS_ALLOW_HTTP=true`).
    #[arg(long)]
    pub s3_allow_http: bool,
    /// The folder of the center's private signing keys (`<kid>.pk8`, PKCS#8, mode 0600), which
    /// sign officers' credential tokens, the key set and the revocation list. Never in the
    /// database. Default with SQLite: `center-keys` beside the database file; required with
    /// PostgreSQL, where every replica must hold the same folder.
    #[arg(long, env = "FIELDCASE_KEYS")]
    pub keys: Option<PathBuf>,
    /// Bootstrap admin bearer token (creates the first users).
    #[arg(long, env = "FIELDCASE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs `--tls-key`. Without
    /// both the server speaks plain HTTP: for loopback and development only.
    #[arg(long, env = "FIELDCASE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of `--tls-cert`.
    #[arg(long, env = "FIELDCASE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Seconds a request's body may stay silent before the center ends the request (408; an
    /// upload keeps what arrived). A phone that leaves coverage mid-request leaves a connection
    /// the center never hears close: without a limit an upload of one blob held it for good
    /// (the phone's next connection was told to come back later), and any such request held
    /// its memory and kept a graceful shutdown waiting.
    #[arg(long, env = "FIELDCASE_BODY_IDLE_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_idle_secs: u64,
    /// How long a device token lives, in days (decimals allowed); the device then renews it
    /// with its enrolled key (`POST /v1/token/renew`).
    #[arg(long, env = "FIELDCASE_TOKEN_TTL_DAYS", default_value_t = 30.0)]
    pub token_ttl_days: f64,
    /// Failed enrollment attempts per client address: BURST/SECONDS (one-time codes must not be
    /// guessable by trying; a successful enrollment costs nothing, an empty bucket refuses all).
    #[arg(long, env = "FIELDCASE_LIMIT_ENROLL", default_value = "10/600")]
    pub limit_enroll: Limit,
    /// Failed token renewals per client address: BURST/SECONDS.
    #[arg(long, env = "FIELDCASE_LIMIT_RENEW", default_value = "10/600")]
    pub limit_renew: Limit,
    /// Failed device status checks (`POST /v1/device/status`) per client address: BURST/SECONDS.
    #[arg(long, env = "FIELDCASE_LIMIT_STATUS", default_value = "10/600")]
    pub limit_status: Limit,
    /// Public credential checks (`POST /public/verify`) per client address: BURST/SECONDS.
    #[arg(long, env = "FIELDCASE_LIMIT_VERIFY", default_value = "60/60")]
    pub limit_verify: Limit,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Writes a self-signed certificate (`cert.pem`) and its key (`key.pem`, 0600) for a demo or
    /// test center; give `cert.pem` to devices at enrollment (`fieldcase enroll --ca`).
    GenCert {
        /// Folder to write into.
        #[arg(long)]
        out: PathBuf,
        /// A name or address the certificate is for; repeat for several.
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        /// Days the certificate is valid.
        #[arg(long, default_value_t = 825)]
        days: u32,
    },
}

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    /// A libpq-style URL, `postgres://` or `postgresql://`.
    Postgres(String),
}

/// Where blobs are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobsUrl {
    Local(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl Config {
    /// The token lifetime in ms, checked.
    pub fn token_ttl_ms(&self) -> Result<u64, String> {
        let d = self.token_ttl_days;
        if !(d.is_finite() && d > 0.0 && d <= 3650.0) {
            return Err(format!(
                "--token-ttl-days {d}: must be above 0 and at most 3650"
            ));
        }
        Ok((d * 86_400_000.0).round().max(1.0) as u64)
    }

    pub fn blobs_url(&self) -> Result<BlobsUrl, String> {
        let s = self.blobs.as_deref().unwrap_or_default();
        if let Some(rest) = s.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(format!("--blobs {s:?}: expected s3://BUCKET/PREFIX"));
            }
            return Ok(BlobsUrl::S3 {
                bucket: bucket.into(),
                prefix: prefix.trim_matches('/').into(),
            });
        }
        if s.is_empty() {
            return Err("--blobs needs a folder or s3://BUCKET/PREFIX".into());
        }
        Ok(BlobsUrl::Local(PathBuf::from(s)))
    }

    /// Where the center's private keys live (see `keys`).
    pub fn keys_dir(&self) -> Result<PathBuf, String> {
        if let Some(dir) = &self.keys {
            if dir.as_os_str().is_empty() {
                return Err("--keys needs a folder".into());
            }
            return Ok(dir.clone());
        }
        match self.db_url()? {
            DbUrl::Sqlite(path) => Ok(path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."))
                .join("center-keys")),
            DbUrl::Postgres(_) => Err(
                "--keys DIR (FIELDCASE_KEYS) is required with PostgreSQL: the center's signing keys \
                 are files, and every replica must hold the same key folder"
                    .into(),
            ),
        }
    }

    pub fn db_url(&self) -> Result<DbUrl, String> {
        let s = self.db.as_deref().unwrap_or_default();
        if let Some(rest) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err("--db sqlite: needs a path".into());
            }
            if self.db_ca.is_some() {
                return Err("--db-ca is for a PostgreSQL --db; SQLite is a local file".into());
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(rest)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(s.to_string()));
        }
        Err(format!(
            "--db {s:?}: expected sqlite:PATH or postgres://USER@HOST:PORT/DB"
        ))
    }
}
