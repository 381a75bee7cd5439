//! Device tokens expire and can be revoked, on the real server over loopback HTTP, on SQLite
//! (`sqlite::…`) and PostgreSQL (`postgres::…`): an expired token is refused as
//! `token.expired`; the device renews it by signing a timestamped request with its enrolled key
//! and the old token stops working; a replayed, stale, foreign-key or revoked-device renewal
//! is refused and changes nothing; signing out and an admin's token revocation refuse the token
//! as `token.revoked` without revoking the device, which renews and goes on.

mod support;

use std::time::Duration;

use fieldcase_protocol::KeyPair;
use fieldcase_protocol::sync::RenewRequest;
use serde_json::Value;
use support::server::*;

/// A token lifetime of `secs` seconds, as `--token-ttl-days` takes it.
fn ttl_days(secs: f64) -> String {
    format!("{}", secs / 86_400.0)
}

fn renew(s: &Server, d: &Dev, at_ms: u64, key: &KeyPair) -> (u16, Value) {
    let req = RenewRequest::signed(1, &d.id, at_ms, key).unwrap();
    call(
        "POST",
        &format!("{}/v1/token/renew", s.base),
        None,
        Some(serde_json::to_value(&req).unwrap()),
    )
}

fn pull_with(s: &Server, token: &str) -> (u16, Value) {
    call(
        "GET",
        &format!("{}/v1/sync/pull?cursor=0", s.base),
        Some(token),
        None,
    )
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

fn expiry_and_renewal(backend: Backend) {
    let ttl = ttl_days(2.0);
    let s = start_flags(backend, &["--token-ttl-days", &ttl]);
    setup_tasks(&s);
    let mut d = s.enroll("u-a", "team-a", "3205", 1);
    assert_eq!(pull_with(&s, &d.token).0, 200);
    // Past its two seconds the token is refused with its own code, and nothing else is.
    std::thread::sleep(Duration::from_millis(2300));
    let (st, r) = pull_with(&s, &d.token);
    assert_eq!((st, code(&r)), (401, "token.expired"), "{r}");
    assert!(r["zh"].as_str().unwrap().contains("过期"), "{r}");

    // A renewal signed by another key, for a device that does not exist, or outside the clock
    // window is refused; none of them gives a token.
    let other = KeyPair::from_seed_unchecked([99; 32]).unwrap();
    let (st, r) = renew(&s, &d, now_ms(), &other);
    assert_eq!((st, code(&r)), (401, "token.renew_refused"), "{r}");
    let stranger = Dev {
        id: "no-such-device".into(),
        key: KeyPair::from_seed_unchecked([1; 32]).unwrap(),
        token: String::new(),
        seq: 0,
        prev: String::new(),
        n: 1,
        base: s.base.clone(),
    };
    let (st, r) = renew(&s, &stranger, now_ms(), &stranger.key);
    assert_eq!((st, code(&r)), (401, "token.renew_refused"), "{r}");
    let (st, r) = renew(&s, &d, now_ms() - 10 * 60 * 1000, &d.key);
    assert_eq!((st, code(&r)), (401, "token.renew_refused"), "{r}");
    assert!(r["en"].as_str().unwrap().contains("clock"), "{r}");

    // The device's own key renews it: the new token works, the expired one is unknown now.
    let at = now_ms();
    let (st, r) = renew(&s, &d, at, &d.key);
    assert_eq!(st, 200, "{r}");
    let fresh = r["token"].as_str().unwrap().to_string();
    assert!(r["expires_at_ms"].as_u64().unwrap() > now_ms(), "{r}");
    assert_eq!(pull_with(&s, &fresh).0, 200);
    let (st, r) = pull_with(&s, &d.token);
    assert_eq!((st, code(&r)), (401, "auth.missing"), "{r}");

    // The same signed request again (a captured one replayed) gets no second token, and the
    // token it got stays the device's.
    let (st, r) = renew(&s, &d, at, &d.key);
    assert_eq!((st, code(&r)), (401, "token.renew_refused"), "{r}");
    assert!(r["en"].as_str().unwrap().contains("replayed"), "{r}");
    assert_eq!(pull_with(&s, &fresh).0, 200);
    d.token = fresh;

    // A revoked device cannot renew its way back.
    let (st, _) = s.admin("POST", &format!("/v1/admin/devices/{}/revoke", d.id), None);
    assert_eq!(st, 200);
    let (st, r) = renew(&s, &d, now_ms(), &d.key);
    assert_eq!((st, code(&r)), (403, "auth.revoked"), "{r}");

    // Renewals are in the center's audit log as the device's own acts.
    let (_, log) = s.admin("GET", "/v1/admin/audit?action=token.renew", None);
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["actor"], format!("device:{}", d.id));
}

fn revocation_without_revoking_the_device(backend: Backend) {
    let s = start_flags(backend, &[]);
    setup_tasks(&s);
    let d = s.enroll("u-a", "team-a", "3205", 1);
    let other = s.enroll("u-b", "team-a", "3205", 2);

    // Signing out: the caller's own token is refused from then on, as revoked.
    let (st, r) = call(
        "POST",
        &format!("{}/v1/token/revoke", s.base),
        Some(&d.token),
        None,
    );
    assert_eq!(st, 200, "{r}");
    let (st, r) = pull_with(&s, &d.token);
    assert_eq!((st, code(&r)), (401, "token.revoked"), "{r}");
    // Only its own: the other device goes on.
    assert_eq!(pull_with(&s, &other.token).0, 200);
    // The device is not revoked: its key renews it.
    let (st, r) = renew(&s, &d, now_ms(), &d.key);
    assert_eq!(st, 200, "{r}");
    let fresh = r["token"].as_str().unwrap().to_string();
    assert_eq!(pull_with(&s, &fresh).0, 200);
    let (_, chain) = s.admin("GET", &format!("/v1/admin/devices/{}", d.id), None);
    assert_eq!(chain["revoked"], false, "{chain}");

    // An admin revokes the other device's current token (it leaked): refused as revoked.
    let (st, r) = s.admin(
        "POST",
        &format!("/v1/admin/devices/{}/token/revoke", other.id),
        None,
    );
    assert_eq!((st, r["was_live"].as_bool()), (200, Some(true)), "{r}");
    let (st, r) = pull_with(&s, &other.token);
    assert_eq!((st, code(&r)), (401, "token.revoked"), "{r}");
    // An unknown device is named as such and nothing is logged for it.
    let (st, r) = s.admin("POST", "/v1/admin/devices/nope/token/revoke", None);
    assert_eq!((st, code(&r)), (404, "not_found"), "{r}");
    // The bootstrap token lives in the server's environment: it cannot sign out.
    let (st, r) = s.admin("POST", "/v1/token/revoke", None);
    assert_eq!((st, code(&r)), (403, "auth.forbidden"), "{r}");

    let (_, log) = s.admin("GET", "/v1/admin/audit", None);
    let actions: Vec<(&str, &str)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("token."))
        .map(|e| (e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("token.revoke", other.id.as_str()),
            ("token.renew", d.id.as_str()),
            ("token.sign_out", d.id.as_str()),
        ],
        "{log}"
    );
}

/// Enrollment codes cannot be guessed by trying: past the burst every attempt from the address
/// is answered 429 with `Retry-After` — the right code too — until the bucket refills.
fn enrollment_guessing_is_rate_limited(backend: Backend) {
    let s = start_flags(
        backend,
        &[
            "--limit-enroll",
            "3/3",
            "--limit-renew",
            "2/60",
            "--limit-verify",
            "2/60",
            "--limit-status",
            "2/60",
        ],
    );
    let (st, _) = s.admin(
        "POST",
        "/v1/admin/users",
        Some(
            serde_json::json!({"user_id": "u-a", "name": "张伟", "role": "inspector",
            "area": "3205", "team": "team-a", "officer_id": null}),
        ),
    );
    assert_eq!(st, 200);
    let (_, c) = s.admin(
        "POST",
        "/v1/admin/enrollment-codes",
        Some(serde_json::json!({"user_id": "u-a"})),
    );
    let right = c["code"].as_str().unwrap().to_string();
    let key = KeyPair::from_seed_unchecked([7; 32]).unwrap();
    // The answer, refusals included (ureq makes a 4xx an error).
    let attempt = |code: &str| -> ureq::Response {
        let r = ureq::post(&format!("{}/v1/enroll", s.base))
            .set("fieldcase-protocol", "1")
            .send_json(enroll_body(code, "dev-g", &key, "平板"));
        match r {
            Ok(resp) | Err(ureq::Error::Status(_, resp)) => resp,
            Err(e) => panic!("{e}"),
        }
    };
    for guess in ["000000000001", "000000000002", "000000000003"] {
        assert_eq!(
            attempt(guess).status(),
            403,
            "a wrong code is refused as such"
        );
    }
    let limited = attempt("000000000004");
    assert_eq!(
        limited.status(),
        429,
        "the fourth try within the window is not limited"
    );
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3).contains(&wait), "Retry-After {wait}");
    let body: Value = limited.into_json().unwrap();
    assert_eq!(code(&body), "rate.limited");
    assert!(body["zh"].as_str().unwrap().contains("频繁"), "{body}");
    // The right code now is refused the same way, and is not spent by it.
    assert_eq!(attempt(&right).status(), 429);
    std::thread::sleep(Duration::from_secs(wait) + Duration::from_millis(100));
    assert_eq!(
        attempt(&right).status(),
        200,
        "the right code after the wait"
    );

    // Renewal and the public credential check have buckets of their own.
    for _ in 0..2 {
        let (st, _) = call(
            "POST",
            &format!("{}/public/verify", s.base),
            None,
            Some(serde_json::json!({"token": "FC1.x"})),
        );
        assert_eq!(st, 200);
    }
    let (st, r) = call(
        "POST",
        &format!("{}/public/verify", s.base),
        None,
        Some(serde_json::json!({"token": "FC1.x"})),
    );
    assert_eq!((st, code(&r)), (429, "rate.limited"), "{r}");
    let stranger = Dev::keyed(
        "nobody",
        KeyPair::from_seed_unchecked([8; 32]).unwrap(),
        &s.base,
    );
    for _ in 0..2 {
        assert_eq!(renew(&s, &stranger, now_ms(), &stranger.key).0, 401);
    }
    let (st, r) = renew(&s, &stranger, now_ms(), &stranger.key);
    assert_eq!((st, code(&r)), (429, "rate.limited"), "{r}");
    // So has the device status check, which is open like renewal.
    for _ in 0..2 {
        assert_eq!(stranger.status().0, 401);
    }
    let (st, r) = stranger.status();
    assert_eq!((st, code(&r)), (429, "rate.limited"), "{r}");
}

/// Each case once per backend, each starting its own server (they need flags).
macro_rules! per_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(super::Backend::Sqlite);
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                super::$name(super::Backend::Postgres);
            })*
        }
    };
}

per_backend!(
    expiry_and_renewal,
    revocation_without_revoking_the_device,
    enrollment_guessing_is_rate_limited
);

/// Flags that make no sense stop the start and say which.
#[test]
fn bad_token_and_limit_flags_are_named() {
    for (flag, value) in [
        ("--token-ttl-days", "0"),
        ("--token-ttl-days", "-3"),
        ("--limit-enroll", "ten/60"),
        ("--limit-verify", "0/60"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fieldcase-server"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(format!("sqlite:{}", dir.path().join("c.db").display()))
            .arg("--blobs")
            .arg(dir.path().join("b"))
            .args([flag, value])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{flag} {value} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(flag) || err.contains(value),
            "{flag} {value}: {err}"
        );
        assert!(
            !dir.path().join("c.db").exists(),
            "{flag} {value}: a database was made"
        );
    }
}
