//! HTTPS on the real server over loopback: a certificate from `fieldcase-server gen-cert`,
//! trusted by a client given it and refused by one that is not; plain HTTP to the TLS port
//! fails; files that are not a certificate and key stop the start naming the file; and
//! SIGTERM while a batch is half sent over TLS still finishes and commits it.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde_json::{Value, json};
use support::server::*;

/// `gen-cert` into a fresh folder: (folder, cert.pem, key.pem).
fn gen_cert() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fieldcase-server"))
        .args(["gen-cert", "--out"])
        .arg(dir.path())
        .args(["--host", "127.0.0.1", "--host", "localhost"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "key.pem is readable by others");
    }
    (dir, cert, key)
}

fn tls_server(cert: &Path, key: &Path) -> Server {
    start_flags(
        Backend::Sqlite,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    )
}

fn client(ca: Option<&Path>) -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::blocking::Client::builder().timeout(Duration::from_secs(20));
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).unwrap();
        b = b.tls_certs_only(reqwest::Certificate::from_pem_bundle(&pem).unwrap());
    }
    b.build().unwrap()
}

/// The whole error chain (reqwest's own text is only "error sending request").
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut c = e.source();
    while let Some(x) = c {
        s.push_str(": ");
        s.push_str(&x.to_string());
        c = x.source();
    }
    s
}

#[test]
fn https_with_the_certificate_and_refused_without_it() {
    let (_dir, cert, key) = gen_cert();
    let s = tls_server(&cert, &key);
    assert!(s.base.starts_with("https://127.0.0.1:"), "{}", s.base);
    let trusting = client(Some(&cert));

    // A client given the certificate does real work over TLS: a user, a code, an enrollment.
    let admin = |method: reqwest::Method, path: &str, body: Value| {
        let r = trusting
            .request(method, format!("{}{path}", s.base))
            .header("fieldcase-protocol", "1")
            .bearer_auth(ADMIN)
            .json(&body)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().unwrap())
    };
    let (st, r) = admin(
        reqwest::Method::POST,
        "/v1/admin/users",
        json!({"user_id": "u-1",
        "name": "张伟", "role": "inspector", "area": "3205", "team": "team-a", "officer_id": null}),
    );
    assert_eq!(st, 200, "{r}");
    let (st, code) = admin(
        reqwest::Method::POST,
        "/v1/admin/enrollment-codes",
        json!({"user_id": "u-1"}),
    );
    assert_eq!(st, 200, "{code}");
    let key_pair = fieldcase_protocol::KeyPair::from_seed_unchecked([5; 32]).unwrap();
    let r = trusting
        .post(format!("{}/v1/enroll", s.base))
        .header("fieldcase-protocol", "1")
        .json(&enroll_body(
            code["code"].as_str().unwrap(),
            "dev-tls",
            &key_pair,
            "平板",
        ))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = trusting
        .get(format!("{}/v1/sync/pull?cursor=0", s.base))
        .header("fieldcase-protocol", "1")
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);

    // A client that was not given the certificate refuses the connection: nothing is sent.
    let e = client(None)
        .get(format!("{}/openapi.json", s.base))
        .send()
        .expect_err("an unknown certificate was accepted");
    let text = chain(&e);
    assert!(text.to_lowercase().contains("certificate"), "{text}");
    // Nor does another center's certificate stand in for this one.
    let (_other_dir, other_cert, _) = gen_cert();
    let e = client(Some(&other_cert))
        .get(format!("{}/openapi.json", s.base))
        .send()
        .expect_err("another certificate was accepted");
    assert!(
        chain(&e).to_lowercase().contains("certificate"),
        "{}",
        chain(&e)
    );

    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = ureq::get(&format!("http://{}/openapi.json", s.addr))
        .timeout(Duration::from_secs(10))
        .call();
    assert!(
        matches!(plain, Err(ureq::Error::Transport(_))),
        "plain HTTP to the TLS port answered: {plain:?}"
    );
    // The server is still fine afterwards.
    let r = trusting
        .get(format!("{}/openapi.json", s.base))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn bad_certificate_files_stop_the_start_naming_the_file() {
    let (dir, cert, key) = gen_cert();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let (_other_dir, other_cert, _) = gen_cert();
    let missing = dir.path().join("missing.pem");
    for (c, k, names) in [
        (&junk, &key, "junk.pem"),
        (&cert, &junk, "junk.pem"),
        (&missing, &key, "missing.pem"),
        // A certificate with a key that is not its own.
        (&other_cert, &key, "do not make a usable pair"),
    ] {
        let db = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fieldcase-server"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(format!("sqlite:{}", db.path().join("c.db").display()))
            .arg("--blobs")
            .arg(db.path().join("b"))
            .arg("--tls-cert")
            .arg(c)
            .arg("--tls-key")
            .arg(k)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(names), "{names}: {err}");
        assert!(
            !db.path().join("c.db").exists(),
            "a database was made: {err}"
        );
    }
    // A key alone is refused by the flags.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fieldcase-server"))
        .args(["--db", "sqlite:x.db", "--blobs", "b", "--tls-key"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));
    // gen-cert does not overwrite a key devices may already trust.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fieldcase-server"))
        .args(["gen-cert", "--out"])
        .arg(dir.path())
        .args(["--host", "127.0.0.1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists"));
}

/// A TLS connection that writes when told to (the shutdown test sends half a batch first).
fn tls_stream(addr: &str, cert: &Path) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(cert).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    rustls::StreamOwned::new(conn, sock)
}

#[test]
fn sigterm_finishes_a_batch_in_flight_over_tls() {
    let (_dir, cert, key) = gen_cert();
    let mut s = tls_server(&cert, &key);
    // Set up over TLS with the plain helpers' requests, sent through reqwest.
    let http = client(Some(&cert));
    let send = |method: &str, path: &str, token: &str, body: Value| {
        let r = http
            .request(method.parse().unwrap(), format!("{}{path}", s.base))
            .header("fieldcase-protocol", "1")
            .bearer_auth(token)
            .json(&body)
            .send()
            .unwrap();
        (
            r.status().as_u16(),
            r.json::<Value>().unwrap_or(Value::Null),
        )
    };
    assert_eq!(
        send(
            "POST",
            "/v1/enterprises",
            ADMIN,
            json!([enterprise("E-1", "320506", "示范电镀")])
        )
        .0,
        200
    );
    assert_eq!(
        send(
            "POST",
            "/v1/tasks",
            ADMIN,
            json!([{"id": "T-A", "team": "team-a",
        "enterprise_id": "E-1", "procedure": "inspection", "officers": [], "due": "2026-11-25",
        "source": "complaint"}])
        )
        .0,
        200
    );
    assert_eq!(
        send(
            "POST",
            "/v1/admin/users",
            ADMIN,
            json!({"user_id": "u1", "name": "张伟",
        "role": "inspector", "area": "3205", "team": "team-a", "officer_id": null})
        )
        .0,
        200
    );
    let (_, code) = send(
        "POST",
        "/v1/admin/enrollment-codes",
        ADMIN,
        json!({"user_id": "u1"}),
    );
    let mut d = Dev {
        id: fieldcase_protocol::Id::from_parts(1_700_000_000_000, [1; 10]).to_string(),
        key: fieldcase_protocol::KeyPair::from_seed_unchecked([1; 32]).unwrap(),
        token: String::new(),
        seq: 0,
        prev: fieldcase_protocol::chain::GENESIS.into(),
        n: 1,
        base: s.base.clone(),
    };
    let (st, r) = send(
        "POST",
        "/v1/enroll",
        "",
        enroll_body(code["code"].as_str().unwrap(), &d.id, &d.key, "平板"),
    );
    assert_eq!(st, 200, "{r}");
    d.token = r["token"].as_str().unwrap().to_string();

    let mut ops = vec![d.op(Some("C-1"), "case_opened", &opened("T-A"), 0)];
    while ops.len() < 300 {
        ops.push(d.op(Some("C-1"), "note", r#"{"text":"现场检查记录"}"#, 0));
    }
    let body = json!({"protocol": 1, "device_id": d.id, "ops": ops}).to_string();
    let head = format!(
        "POST /v1/sync/push HTTP/1.1\r\nhost: {}\r\nfieldcase-protocol: 1\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        s.addr,
        d.token,
        body.len()
    );
    let mut conn = tls_stream(&s.addr, &cert);
    let half = body.len() / 2;
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(&body.as_bytes()[..half]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        TcpStream::connect(&s.addr).is_err(),
        "the server still accepts connections after SIGTERM"
    );
    assert!(
        s.child.try_wait().unwrap().is_none(),
        "exited with a batch half received"
    );
    conn.write_all(&body.as_bytes()[half..]).unwrap();
    conn.flush().unwrap();
    let mut raw = Vec::new();
    // The server closes after answering (`connection: close`); a TLS close without
    // close_notify is tolerated as the end.
    let _ = conn.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200"), "{text:.300}");
    assert!(text.contains("\"last_seq\":300"), "{text:.300}");
    let t = Instant::now();
    let exit = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit}");
}
