//! TLS between the center and PostgreSQL. The pushed links, evidence metadata and tokens'
//! hashes travel over this connection, so when it leaves the machine it must be encrypted *and*
//! the database's certificate checked: encryption to whoever answers is no protection.
//!
//! - `sslmode=require` in the `--db` URL, or `--db-ca PATH`: TLS, always verified — the
//!   certificate must chain to `--db-ca` (PEM, one or more CA certificates) when given, else to
//!   the system's trusted roots, and name the host of the URL. That is libpq's `verify-full`;
//!   plain `require` in libpq would accept any certificate, which fieldcase does not offer.
//! - `sslmode=disable`, or no `sslmode` (libpq's default `prefer`) and no `--db-ca`: plain, as
//!   on the loopback or a Unix socket. Over the network this is warned about at start.

use std::path::Path;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls_platform_verifier::BuilderVerifierExt;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How a connection is made.
#[derive(Clone)]
pub enum PgTls {
    Plain,
    Verified(MakeRustlsConnect),
}

impl std::fmt::Debug for PgTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PgTls::Plain => "Plain",
            PgTls::Verified(_) => "Verified",
        })
    }
}

/// The TLS a `--db` URL (parsed into `config`) and `--db-ca` ask for. `--db-ca` turns TLS on
/// (`config` is set to `sslmode=require`); with `sslmode=disable` it is a contradiction and
/// refused. Every failure names the flag or file at fault.
pub fn for_url(config: &mut tokio_postgres::Config, ca: Option<&Path>) -> Result<PgTls, String> {
    let mode = config.get_ssl_mode();
    if ca.is_some() {
        if mode == SslMode::Disable {
            return Err(
                "--db-ca asks for TLS but the --db URL says sslmode=disable: drop one of them"
                    .into(),
            );
        }
        config.ssl_mode(SslMode::Require);
    } else if mode != SslMode::Require {
        return Ok(PgTls::Plain);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("PostgreSQL TLS: {e}"))?;
    let tls = match ca {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in crate::tls::pem_certificates(path, "--db-ca")? {
                roots.add(cert).map_err(|e| {
                    format!("--db-ca {}: unusable certificate: {e}", path.display())
                })?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => builder
            .with_platform_verifier()
            .map_err(|e| format!("PostgreSQL TLS: the system's trusted roots: {e}"))?
            .with_no_client_auth(),
    };
    Ok(PgTls::Verified(MakeRustlsConnect::new(tls)))
}

/// A plain connection to a host other than the loopback or a Unix socket: what the start-up
/// warning names, else `None`.
pub fn unencrypted_remote(config: &tokio_postgres::Config, tls: &PgTls) -> Option<String> {
    if matches!(tls, PgTls::Verified(_)) {
        return None;
    }
    config.get_hosts().iter().find_map(|h| match h {
        Host::Tcp(name) if !is_loopback(name) => Some(name.clone()),
        _ => None,
    })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> tokio_postgres::Config {
        url.parse().expect("url")
    }

    #[test]
    fn without_sslmode_or_a_ca_the_connection_is_plain() {
        let mut c = config("postgres://u@db.example:5432/center");
        let tls = for_url(&mut c, None).unwrap();
        assert!(matches!(tls, PgTls::Plain));
        assert_eq!(
            unencrypted_remote(&c, &tls).as_deref(),
            Some("db.example"),
            "a plain connection over the network is what the start warns about"
        );
        let mut local = config("postgres://u@127.0.0.1:5432/center");
        let tls = for_url(&mut local, None).unwrap();
        assert_eq!(unencrypted_remote(&local, &tls), None);
        // The Unix socket's folder as the host, as the README gives it: local, nothing to warn of.
        let mut socket = config("postgres://fieldcase@%2Fvar%2Frun%2Fpostgresql/fieldcase");
        assert_eq!(
            socket.get_hosts(),
            [Host::Unix("/var/run/postgresql".into())]
        );
        let tls = for_url(&mut socket, None).unwrap();
        assert_eq!(unencrypted_remote(&socket, &tls), None);
    }

    #[test]
    fn sslmode_require_verifies_against_the_system_roots() {
        let mut c = config("postgres://u@db.example/center?sslmode=require");
        let tls = for_url(&mut c, None).unwrap();
        assert!(matches!(tls, PgTls::Verified(_)));
        assert_eq!(unencrypted_remote(&c, &tls), None);
    }

    #[test]
    fn a_ca_turns_tls_on_and_contradicting_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let key = rcgen::generate_simple_self_signed(vec!["db.example".into()]).unwrap();
        std::fs::write(&ca, key.cert.pem()).unwrap();
        let mut c = config("postgres://u@db.example/center");
        assert!(matches!(
            for_url(&mut c, Some(&ca)).unwrap(),
            PgTls::Verified(_)
        ));
        assert_eq!(c.get_ssl_mode(), SslMode::Require);

        let mut off = config("postgres://u@db.example/center?sslmode=disable");
        let e = for_url(&mut off, Some(&ca)).unwrap_err();
        assert!(e.contains("sslmode=disable"), "{e}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = for_url(&mut config("postgres://u@h/c"), Some(&empty)).unwrap_err();
        assert!(e.contains("--db-ca") && e.contains("no CERTIFICATE"), "{e}");
        let e = for_url(
            &mut config("postgres://u@h/c"),
            Some(&dir.path().join("gone.pem")),
        )
        .unwrap_err();
        assert!(e.contains("gone.pem"), "{e}");
    }
}
