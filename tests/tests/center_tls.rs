//! The device and its center over HTTPS, end to end: the real `fieldcase-server` serving a
//! `gen-cert` certificate on a loopback port, the real `fieldcase` CLI as the device. The device
//! trusts the certificate it was given at enrollment (`enroll --ca`) and keeps trusting it for
//! every later sync; without it, or with another center's, it refuses the connection and says
//! what to do. A token that expires or that an admin revokes is renewed by the device with its
//! key, once, and kept: the next sync does not renew again. So is one the center no longer
//! knows because the answer to an earlier renewal never reached the device.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use support::{ADMIN_TOKEN, bin_dir, fieldcase, ok};

/// `fieldcase-server gen-cert` into `dir`: its cert.pem and key.pem.
fn gen_cert(dir: &Path) -> (PathBuf, PathBuf) {
    let out = Command::new(bin_dir().join("fieldcase-server"))
        .args(["gen-cert", "--out"])
        .arg(dir)
        .args(["--host", "127.0.0.1", "--host", "localhost"])
        .output()
        .expect("gen-cert");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir.join("cert.pem"), dir.join("key.pem"))
}

/// A center serving HTTPS, with `flags` besides.
struct TlsCenter {
    child: Child,
    url: String,
    http: reqwest::blocking::Client,
}

impl Drop for TlsCenter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TlsCenter {
    fn start(dir: &Path, cert: &Path, key: &Path, flags: &[&str]) -> TlsCenter {
        let mut child = Command::new(bin_dir().join("fieldcase-server"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(format!("sqlite:{}", dir.join("center.db").display()))
            .arg("--blobs")
            .arg(dir.join("blobs"))
            .arg("--tls-cert")
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .args(flags)
            .env("FIELDCASE_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start fieldcase-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening line");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let pem = std::fs::read(cert).unwrap();
        let http = reqwest::blocking::Client::builder()
            .tls_certs_only(reqwest::Certificate::from_pem_bundle(&pem).unwrap())
            .build()
            .unwrap();
        TlsCenter {
            child,
            url: format!("https://{addr}"),
            http,
        }
    }

    fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let mut rb = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header("fieldcase-protocol", "1")
            .bearer_auth(ADMIN_TOKEN);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().expect("admin call over TLS");
        let status = r.status();
        let v: Value = r.json().unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path}: {status} {v}");
        v
    }

    /// A user and a fresh one-time code for them.
    fn code(&self, user: &str) -> String {
        self.admin(
            "POST",
            "/v1/admin/users",
            Some(
                json!({"user_id": user, "name": "张伟", "role": "inspector", "area": "3205",
                "team": "T1", "officer_id": null}),
            ),
        );
        self.admin(
            "POST",
            "/v1/admin/enrollment-codes",
            Some(json!({"user_id": user})),
        )["code"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn renewals(&self) -> usize {
        self.admin("GET", "/v1/admin/audit?action=token.renew", None)["entries"]
            .as_array()
            .unwrap()
            .len()
    }
}

fn device_id(store: &Path) -> String {
    let out = ok(store, &["init"]);
    out.split_whitespace()
        .nth(1)
        .expect("device id")
        .to_string()
}

#[test]
fn the_device_trusts_the_certificate_given_at_enrollment() {
    support::test_keys();
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = gen_cert(&tmp.path().join("cert"));
    let (other, _) = gen_cert(&tmp.path().join("other"));
    let center = TlsCenter::start(&tmp.path().join("center"), &cert, &key, &[]);
    let code = center.code("U-ZHANG");
    let store = tmp.path().join("device");
    let (cert, other) = (cert.to_str().unwrap(), other.to_str().unwrap());

    // Without the certificate the device refuses the connection, and says what to do; the code
    // never reached the center, so it is still good.
    let o = fieldcase(
        &store,
        &["enroll", "--server", &center.url, "--code", &code],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("certificate") && err.contains("--ca"), "{err}");
    // Another center's certificate does not stand in for this one.
    let o = fieldcase(
        &store,
        &[
            "enroll",
            "--server",
            &center.url,
            "--code",
            &code,
            "--ca",
            other,
        ],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("certificate"));
    // A certificate for a plain-HTTP address is a mistake, said so.
    let plain = center.url.replace("https://", "http://");
    let o = fieldcase(
        &store,
        &["enroll", "--server", &plain, "--code", &code, "--ca", cert],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("https://"));

    // With it, enrollment and every later sync work over TLS.
    let out = ok(
        &store,
        &[
            "enroll",
            "--server",
            &center.url,
            "--code",
            &code,
            "--ca",
            cert,
        ],
    );
    assert!(out.contains("张伟"), "{out}");
    let report = ok(&store, &["sync"]);
    assert!(report.contains("\"pull\""), "{report}");
    let id = device_id(&store);
    let chain = center.admin("GET", &format!("/v1/admin/devices/{id}"), None);
    assert_eq!(chain["revoked"], false, "{chain}");
}

/// The field app's first run against a center with its own certificate: the file the officer
/// chose goes with the enrollment (`EnrollArgs::ca_pem`). A wrong file or a plain-HTTP address is
/// refused before the code is spent; the right one enrolls, and later syncs trust it.
#[test]
fn the_app_enrolls_with_the_certificate_chosen_at_first_run() {
    use fieldcase_core::app::{App, EnrollArgs};
    support::test_keys();
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = gen_cert(&tmp.path().join("cert"));
    let center = TlsCenter::start(&tmp.path().join("center"), &cert, &key, &[]);
    let code = center.code("U-ZHANG");
    let store = tmp.path().join("tablet");
    let forms = support::root().join("forms");
    let pem = std::fs::read_to_string(&cert).unwrap();
    let app = App::open(&store, &forms, fieldcase_core::env::SystemEnv).expect("open");
    let enroll = |server: &str, ca_pem: Option<&str>| {
        app.enroll(EnrollArgs {
            server: server.to_string(),
            code: code.clone(),
            label: "执法平板 05".into(),
            pin: "240917".into(),
            ca_pem: ca_pem.map(str::to_string),
        })
    };

    let not_pem = enroll(&center.url, Some("这不是证书")).unwrap_err();
    assert_eq!(not_pem.code, "input.ca", "{not_pem:?}");
    assert!(not_pem.en.contains("BEGIN CERTIFICATE"), "{not_pem:?}");
    let plain = center.url.replace("https://", "http://");
    let e = enroll(&plain, Some(&pem)).unwrap_err();
    assert_eq!(e.code, "input.ca_not_https", "{e:?}");
    assert!(e.zh.contains(&plain), "{e:?}");
    // Without it the center's certificate is not trusted, and the error says how to fix it on
    // this very screen.
    let e = enroll(&center.url, None).unwrap_err();
    assert_eq!(e.code, "sync.untrusted_certificate", "{e:?}");
    assert!(
        e.zh.contains("中心证书") && e.zh.contains("注册码未被使用"),
        "{e:?}"
    );
    // Nothing above reached the center: the same code enrolls with the right file.
    let state = enroll(&center.url, Some(&pem)).expect("enroll with the chosen certificate");
    assert!(state.enrolled && state.pin_set);
    assert_eq!(state.user.as_ref().map(|u| u.name.as_str()), Some("张伟"));
    let device = state.device_id.clone();
    drop(app);

    // The store keeps trusting it: the next sync (the CLI on the same store) goes over TLS.
    let report = ok(&store, &["sync"]);
    assert!(report.contains("\"pull\""), "{report}");
    let chain = center.admin("GET", &format!("/v1/admin/devices/{device}"), None);
    assert_eq!(chain["revoked"], false, "{chain}");
}

#[test]
fn an_expired_revoked_or_replaced_token_is_renewed_once_and_kept() {
    support::test_keys();
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = gen_cert(&tmp.path().join("cert"));
    // Tokens live three seconds.
    let ttl = format!("{}", 3.0 / 86_400.0);
    let center = TlsCenter::start(
        &tmp.path().join("center"),
        &cert,
        &key,
        &["--token-ttl-days", &ttl],
    );
    let code = center.code("U-LI");
    let store = tmp.path().join("device");
    let cert = cert.to_str().unwrap();
    ok(
        &store,
        &[
            "enroll",
            "--server",
            &center.url,
            "--code",
            &code,
            "--ca",
            cert,
        ],
    );
    ok(&store, &["sync"]);
    assert_eq!(center.renewals(), 0);

    // Past its expiry the sync still succeeds: the device renewed its token with its key …
    std::thread::sleep(Duration::from_millis(3300));
    ok(&store, &["sync"]);
    assert_eq!(center.renewals(), 1);
    // … and kept it: the next sync uses it as it is.
    ok(&store, &["sync"]);
    assert_eq!(center.renewals(), 1);

    // An admin revokes the device's token (it leaked): the device renews and goes on.
    let id = device_id(&store);
    let revoke_token = || {
        center.admin(
            "POST",
            &format!("/v1/admin/devices/{id}/token/revoke"),
            None,
        )
    };
    revoke_token();
    ok(&store, &["sync"]);
    assert_eq!(center.renewals(), 2);

    // A renewal whose answer the device never kept (the connection dropped once the center had
    // taken it, or the tablet died first): the store as it stood before that sync holds a token
    // the center has replaced and no longer knows. The device's key still gets it a new one.
    let before = tmp.path().join("device-before");
    support::copy_dir(&store, &before);
    revoke_token();
    ok(&store, &["sync"]);
    assert_eq!(center.renewals(), 3);
    std::fs::remove_dir_all(&store).unwrap();
    support::copy_dir(&before, &store);
    let report = ok(&store, &["sync"]);
    assert!(report.contains("\"pull\""), "{report}");
    assert_eq!(center.renewals(), 4);
    let log = center.admin("GET", "/v1/admin/audit?action=token.renew", None);
    assert!(
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == format!("device:{id}")),
        "{log}"
    );
}
