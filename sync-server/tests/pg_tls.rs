//! The center on PostgreSQL over TLS (`sslmode=require`, `--db-ca`), against a real cluster that
//! takes TCP connections over TLS only, its certificate made by `fieldcase-server gen-cert`:
//! the center's connections are encrypted, and a certificate it cannot verify stops it at start
//! with the reason rather than letting it talk to whoever answers.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::json;
use support::pg_cluster::{Cluster, start_tls_cluster, with_database};
use support::server::spawn_flags;

const SERVER: &str = env!("CARGO_BIN_EXE_fieldcase-server");

/// A certificate and key for `hosts` in `dir` (`cert.pem`, `key.pem`), by the real binary.
fn gen_cert(dir: &Path, hosts: &[&str]) -> (PathBuf, PathBuf) {
    let mut c = Command::new(SERVER);
    c.arg("gen-cert").arg("--out").arg(dir);
    for h in hosts {
        c.args(["--host", h]);
    }
    let out = c.output().expect("gen-cert");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir.join("cert.pem"), dir.join("key.pem"))
}

/// One TLS cluster for this file's tests, and the certificate it presents.
fn cluster() -> &'static (Cluster, PathBuf) {
    static C: OnceLock<(Cluster, PathBuf)> = OnceLock::new();
    C.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        // For `localhost` only: the center reaches the cluster (on 127.0.0.1) by that name, and
        // by its address the name check fails.
        let (cert, key) = gen_cert(&dir, &["localhost"]);
        (start_tls_cluster(&cert, &key), cert)
    })
}

/// A fresh database on the TLS cluster (made over its plain Unix socket); answers its name.
fn fresh_database(c: &Cluster, name: &str) -> String {
    let mut admin = postgres::Client::connect(&c.socket, postgres::NoTls).expect("socket");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    name.to_string()
}

/// `postgres://…@127.0.0.1:PORT/postgres` → `postgres://…@localhost:PORT/NAME?QUERY`, the name
/// the cluster's certificate is for.
fn url_for(c: &Cluster, name: &str, query: &str) -> String {
    format!("{}{query}", with_database(&c.url, name)).replace("@127.0.0.1:", "@localhost:")
}

/// Runs the server on `db` with `flags` expecting it to stop at start; answers its stderr.
fn refused_at_start(db: &str, flags: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(SERVER)
        .args(["--listen", "127.0.0.1:0", "--db", db])
        .arg("--blobs")
        .arg(dir.path().join("blobs"))
        .arg("--keys")
        .arg(dir.path().join("keys"))
        .args(flags)
        .env("FIELDCASE_ADMIN_TOKEN", "admin-secret")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not stop at start on {db} {flags:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("listening on"),
        "it must not have served: {stdout}"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_center_given_the_databases_ca_works_and_every_connection_it_holds_is_encrypted() {
    let (c, ca) = cluster();
    let name = fresh_database(c, "tls_ok");
    let s = spawn_flags(
        tempfile::tempdir().unwrap(),
        &url_for(c, &name, ""),
        None,
        None,
        &["--db-ca", ca.to_str().unwrap()],
    );
    // The center works on it: a user written and read back.
    let (st, r) = s.admin(
        "POST",
        "/v1/admin/users",
        Some(
            json!({"user_id": "u-1", "name": "张伟", "role": "inspector",
            "area": "3205", "team": "team-a", "officer_id": null}),
        ),
    );
    assert_eq!(st, 200, "{r}");
    let dev = s.enroll("u-2", "team-a", "3205", 1);
    let (st, r) = dev.pull(0);
    assert_eq!(st, 200, "{r}");

    let mut admin = postgres::Client::connect(&c.socket, postgres::NoTls).unwrap();
    let row = admin
        .query_one(
            "SELECT count(*), bool_and(s.ssl) FROM pg_stat_ssl s
             JOIN pg_stat_activity a USING (pid) WHERE a.datname = $1",
            &[&name],
        )
        .unwrap();
    let (n, all_tls): (i64, Option<bool>) = (row.get(0), row.get(1));
    assert!(n >= 1, "the center holds a connection to {name}");
    assert_eq!(
        all_tls,
        Some(true),
        "every one of its {n} connections is over TLS"
    );
}

#[test]
fn a_database_certificate_the_center_cannot_verify_stops_it_at_start() {
    let (c, _) = cluster();
    let name = fresh_database(c, "tls_refused");
    // sslmode=require without --db-ca: the system's roots do not hold the cluster's own
    // certificate.
    let err = refused_at_start(&url_for(c, &name, "?sslmode=require"), &[]);
    assert!(
        err.contains("database") && err.contains("certificate"),
        "the reason names the certificate: {err}"
    );
    // Another CA than the one that made it.
    let other = tempfile::tempdir().unwrap();
    let (other_ca, _) = gen_cert(other.path(), &["127.0.0.1"]);
    let err = refused_at_start(
        &url_for(c, &name, ""),
        &["--db-ca", other_ca.to_str().unwrap()],
    );
    assert!(err.contains("certificate"), "{err}");
    // The right CA, but the certificate is for `localhost`, not the address the URL names.
    let (_, ca) = cluster();
    let by_address = url_for(c, &name, "").replace("@localhost:", "@127.0.0.1:");
    let err = refused_at_start(&by_address, &["--db-ca", ca.to_str().unwrap()]);
    assert!(err.contains("certificate not valid for name"), "{err}");
    // Nothing was written: the database is as made.
    let mut admin = postgres::Client::connect(
        &c.socket
            .replace("dbname=postgres", &format!("dbname={name}")),
        postgres::NoTls,
    )
    .unwrap();
    let tables: i64 = admin
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "no migration ran over an unverified connection");
}

#[test]
fn bad_tls_flags_are_refused_with_what_is_wrong() {
    let (c, _) = cluster();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing-ca.pem");
    let err = refused_at_start(
        &url_for(c, "postgres", ""),
        &["--db-ca", missing.to_str().unwrap()],
    );
    assert!(
        err.contains("--db-ca") && err.contains("missing-ca.pem"),
        "{err}"
    );
    let (_, ca) = cluster();
    let err = refused_at_start(
        &url_for(c, "postgres", "?sslmode=disable"),
        &["--db-ca", ca.to_str().unwrap()],
    );
    assert!(err.contains("sslmode=disable"), "{err}");
    let err = refused_at_start(
        &format!("sqlite:{}", dir.path().join("c.db").display()),
        &["--db-ca", ca.to_str().unwrap()],
    );
    assert!(err.contains("--db-ca"), "{err}");
    // A plain connection to a database that takes TLS only: the database's refusal, shown.
    let err = refused_at_start(&url_for(c, "postgres", "?sslmode=disable"), &[]);
    assert!(
        err.contains("pg_hba.conf") || err.contains("encryption"),
        "{err}"
    );
}
