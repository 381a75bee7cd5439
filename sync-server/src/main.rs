//! `fieldcase-server`: the center server (DESIGN.md §Center server).

mod admin;
mod app;
mod audit;
mod audit_api;
mod auth;
mod blob_check;
mod blob_store;
mod blobs;
mod case_facts;
mod case_view;
mod center;
mod center_cases;
mod clock;
mod config;
mod cpu_slots;
mod credentials;
mod credentials_api;
mod device_status;
mod draw;
mod draws_api;
mod ed25519;
mod enterprise_csv;
mod enterprise_json;
mod enterprises_api;
mod error;
mod gen_cert;
mod ledger;
mod merge;
mod pages;
mod pull;
mod push;
mod push_group;
mod push_state;
mod query_params;
mod rate_limit;
mod signatures;
mod store;
mod task_json;
mod tasks_api;
mod tls;
mod tokens_api;
mod transcript_pdf;
mod util;

use std::io::Write;

use clap::Parser;

use crate::blob_store::{BlobStore, S3Settings};
use crate::config::{BlobsUrl, Config, DbUrl};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Logs go to stderr: stdout carries the one `listening on ADDR` line scripts read.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    // TLS to an S3 endpoint: rustls on ring (the workspace builds no aws-lc).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cfg = Config::parse();
    let result = match &cfg.command {
        Some(config::Command::GenCert { out, hosts, days }) => gen_cert::write(out, hosts, *days)
            .map(|()| println!("wrote {0}/cert.pem and {0}/key.pem", out.display())),
        None => run(cfg).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fieldcase-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cfg: Config) -> Result<(), String> {
    let pool = cfg.db_pool;
    let postgres = matches!(cfg.db_url()?, DbUrl::Postgres(_));
    let push_writers =
        cfg.push_writers
            .unwrap_or(if postgres { util::cores().min(pool) } else { 1 });
    let db_ca = cfg.db_ca.clone();
    let token_ttl_ms = cfg.token_ttl_ms()?;
    // Read the certificate before anything else: a wrong file should stop the start at once.
    let tls = match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        _ => None,
    };
    let center_keys = std::sync::Arc::new(credentials::KeyFolder::open(&cfg.keys_dir()?)?);
    let db = match cfg.db_url()? {
        DbUrl::Sqlite(path) => {
            let open = move || {
                store::open_sqlite(&path).map_err(|e| format!("database {}: {e}", path.display()))
            };
            tokio::task::spawn_blocking(open)
                .await
                .map_err(|e| e.to_string())??
        }
        DbUrl::Postgres(url) => {
            // The synchronous client must not run on an async worker thread.
            let open = move || {
                store::open_postgres(&url, db_ca.as_deref(), pool)
                    .map_err(|e| format!("database: {e}"))
            };
            tokio::task::spawn_blocking(open)
                .await
                .map_err(|e| e.to_string())??
        }
    };
    // The center's signing keys: made on the first start, checked on every other.
    credentials::start(&db, center_keys.clone()).await?;
    // Cases whose facts an older server projected are projected again from their ops.
    let projected = db
        .run(|s| Ok(case_facts::reproject_all(s)?))
        .await
        .map_err(|e| format!("projecting case facts: {}", e.body.en))?;
    if projected > 0 {
        tracing::info!(cases = projected, "case facts projected again");
    }
    // Tokens issued before tokens expired live the configured time from this start on.
    let expires = util::now_ms() + token_ttl_ms;
    let given = db
        .run(move |s| Ok(store::tokens::backfill_expiry(&s.conn, expires)?))
        .await
        .map_err(|e| format!("token expiry: {}", e.body.en))?;
    if given > 0 {
        tracing::info!(
            devices = given,
            "tokens issued before expiry existed now expire"
        );
    }
    let (blobs, default_staging) = match cfg.blobs_url()? {
        BlobsUrl::Local(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("blobs folder {}: {e}", dir.display()))?;
            (BlobStore::local(dir.clone()), dir.join("partial"))
        }
        BlobsUrl::S3 { bucket, prefix } => {
            let settings = S3Settings {
                endpoint: cfg.s3_endpoint.clone(),
                region: cfg.s3_region.clone(),
                access_key_id: cfg.s3_access_key_id.clone(),
                secret_access_key: cfg.s3_secret_access_key.clone(),
                allow_http: cfg.s3_allow_http,
            };
            let store = BlobStore::s3(&bucket, &prefix, &settings)?;
            (store, std::env::temp_dir().join("fieldcase-staging"))
        }
    };
    let staging = cfg.staging.clone().unwrap_or(default_staging);
    std::fs::create_dir_all(&staging)
        .map_err(|e| format!("staging folder {}: {e}", staging.display()))?;
    let swept = blobs::sweep_old_staging(&staging)
        .map_err(|e| format!("staging folder {}: {e}", staging.display()))?;
    if swept > 0 {
        tracing::info!(
            files = swept,
            "uploads staged by an older center (one per blob) removed; their devices start again"
        );
    }
    let pdf = match &cfg.forms {
        Some(forms) => Some(transcript_pdf::Renderer::load(forms)?),
        None => None,
    };
    // The last handle on the database is dropped on a blocking thread after the server stops:
    // a PostgreSQL client closes its connection by blocking, which panics on an async worker.
    let last_db = db.clone();
    let state = app::AppState {
        db,
        blobs,
        staging,
        admin_token_hash: cfg.admin_token.as_deref().map(util::secret_hash),
        uploading: Default::default(),
        pushes: push_group::Queue::new(push_writers),
        keys: Default::default(),
        cpu: Default::default(),
        pdf,
        pages: cfg.pages.clone(),
        center_keys,
        token_ttl_ms,
        body_idle: std::time::Duration::from_secs(cfg.body_idle_secs),
        limits: std::sync::Arc::new(app::Limits {
            enroll: rate_limit::Limiter::new(("注册", "enrollment"), cfg.limit_enroll),
            renew: rate_limit::Limiter::new(("令牌续期", "token renewal"), cfg.limit_renew),
            verify: rate_limit::Limiter::new(("执法证核验", "credential check"), cfg.limit_verify),
            status: rate_limit::Limiter::new(("设备状态查询", "device status"), cfg.limit_status),
        }),
    };
    let listener = listen(cfg.listen).map_err(|e| format!("listen {}: {e}", cfg.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("listening on {addr}");
    let _ = std::io::stdout().flush();
    tracing::info!("serving {scheme}://{addr}");
    let service = app::router(state).into_make_service_with_connect_info::<tls::ClientAddr>();
    match tls {
        // The same graceful shutdown either way: axum stops accepting and lets in-flight
        // requests (a push being committed) finish.
        Some(config) => {
            let listener = tls::TlsListener::new(listener, config).map_err(|e| e.to_string())?;
            axum::serve(listener, service)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
        None => {
            axum::serve(listener, service)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
    }
    .map_err(|e| e.to_string())?;
    let _ = tokio::task::spawn_blocking(move || drop(last_db)).await;
    tracing::info!("stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, let in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Binds the listening socket with room for a burst of connections. `TcpListener::bind` asks for
/// a backlog of 128: when the morning's devices reconnect together, connections past it are
/// dropped and their clients wait a second for the SYN to be retried (seen in the sync_load
/// bench: 200 devices at once lost 16–71 SYNs per run). The kernel caps this at somaxconn.
fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}
