//! Command-line flags (each also readable from the environment).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "fieldcase-server", about = "fieldcase center server")]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (the real one is printed).
    #[arg(long, env = "FIELDCASE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Database: `sqlite:PATH` (embedded) or `postgres://USER@HOST:PORT/DB` (replicas may share it).
    #[arg(long, env = "FIELDCASE_DB")]
    pub db: String,
    /// Most PostgreSQL connections this process holds (ignored for SQLite).
    #[arg(long, env = "FIELDCASE_DB_POOL", default_value_t = 8)]
    pub db_pool: usize,
    /// Folder holding evidence blobs.
    #[arg(long, env = "FIELDCASE_BLOBS")]
    pub blobs: PathBuf,
    /// Bootstrap admin bearer token (creates the first users).
    #[arg(long, env = "FIELDCASE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
}

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    /// A libpq-style URL, `postgres://` or `postgresql://`.
    Postgres(String),
}

impl Config {
    pub fn db_url(&self) -> Result<DbUrl, String> {
        let s = self.db.as_str();
        if let Some(rest) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err("--db sqlite: needs a path".into());
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
