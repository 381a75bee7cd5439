//! 亮证 with credentials anyone can verify offline, end to end: the real center signs the
//! officers' credentials; the app, enrolled and synced, shows a QR code of the token; that QR
//! code photographed (rendered to PNG here) verifies in the app and with the CLI on a machine
//! that holds nothing but the center's published key set; a forged token does not; and once the
//! center revokes a credential, the next sync makes the device refuse to show it or record its
//! showing, and verification says "revoked" with the list it used.

mod support;

use std::sync::Arc;

use base64::Engine as _;
use fieldcase_core::app::{
    App, CredentialArgs, EnrollArgs, InboxArgs, NoArgs, OpenTaskArgs, SignInArgs, StepArgs,
    VerifyCredentialArgs,
};
use fieldcase_core::env::SystemEnv;
use fieldcase_protocol::credential::CredentialStatus;
use serde_json::json;
use support::Server;

/// The QR modules as the app's UI draws them, as a PNG: 8 px a module, a 4-module quiet zone.
fn qr_png(rows: &[String]) -> Vec<u8> {
    let n = rows.len() as u32;
    let (scale, quiet) = (8, 4);
    let side = (n + 2 * quiet) * scale;
    let img = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx < n + quiet
            && my < n + quiet
            && rows[(my - quiet) as usize].as_bytes()[(mx - quiet) as usize] == b'1';
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

fn cli(store: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = support::fieldcase(store, args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_credential_shown_in_the_app_verifies_offline_until_the_center_revokes_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    server.load_demo_center();
    let device = tmp.path().join("device");
    support::test_keys();
    let app =
        Arc::new(App::open(&device, &support::root().join("forms"), SystemEnv).expect("open"));
    let code = server.user("U-ZHANG", "张伟", "T1", Some("O-ZHANG"));
    app.enroll(EnrollArgs {
        server: server.url.clone(),
        code,
        label: "执法平板 01".into(),
        pin: "240917".into(),
        ca_pem: None,
    })
    .expect("enroll");
    app.sign_in(SignInArgs {
        pin: "240917".into(),
    })
    .expect("sign in");
    let worker = Arc::clone(&app);
    std::thread::spawn(move || worker.sync_loop());
    support::wait_for("the tasks to arrive", || {
        app.inbox(InboxArgs::default())
            .expect("inbox")
            .iter()
            .any(|t| t.task_id == "T-2026-1123-01")
    });
    let case_id = app
        .open_task(OpenTaskArgs {
            task_id: "T-2026-1123-01".into(),
            covert: false,
            justification: None,
        })
        .expect("open")
        .case
        .id;
    let card = |officer: &str| {
        app.credential_card(CredentialArgs {
            case_id: case_id.clone(),
            officer_id: officer.into(),
        })
    };

    // The card carries the center's token, checked on the device.
    let zhang = card("O-ZHANG").expect("card");
    let token = zhang.qr_payload.clone().expect("a center-signed token");
    assert!(token.starts_with("FC1."), "{token}");
    let verdict = zhang.verdict.clone().expect("checked on the device");
    assert_eq!(verdict.status, CredentialStatus::Valid);
    assert_eq!(
        verdict.claims.as_ref().map(|c| c.name.as_str()),
        Some("张伟")
    );

    // Its QR code, as a photo would show it, verifies in the app's scanner...
    let png = qr_png(&zhang.qr_rows);
    let scanned = app
        .verify_credential(VerifyCredentialArgs {
            text: None,
            image_base64: Some(base64::engine::general_purpose::STANDARD.encode(&png)),
        })
        .expect("scan");
    assert_eq!(scanned.token, token);
    assert_eq!(scanned.verdict.status, CredentialStatus::Valid);

    // ... and on any machine with only the center's published keys (no store, no network).
    let keys = server.get_bytes("/public/keyring", "").2;
    let keys_file = tmp.path().join("keys.json");
    std::fs::write(&keys_file, &keys).expect("keys");
    let photo = tmp.path().join("qr.png");
    std::fs::write(&photo, &png).expect("png");
    let nowhere = tmp.path().join("no-store");
    let (ok, out, err) = cli(
        &nowhere,
        &[
            "credential",
            "verify",
            "--image",
            photo.to_str().unwrap(),
            "--keyring",
            keys_file.to_str().unwrap(),
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("有效") && out.contains("张伟") && out.contains("32050019001"),
        "{out}"
    );
    assert!(
        out.contains("none known"),
        "no list given: it says revocation was not checked: {out}"
    );
    assert!(!nowhere.exists(), "verifying creates no store");

    // A token with another name put in is caught.
    let mut parts: Vec<String> = token.split('.').map(String::from).collect();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = String::from_utf8(b64.decode(&parts[2]).unwrap()).unwrap();
    parts[2] = b64.encode(payload.replace("张伟", "张三"));
    let forged = parts.join(".");
    let (ok, out, err) = cli(
        &nowhere,
        &[
            "credential",
            "verify",
            &forged,
            "--keyring",
            keys_file.to_str().unwrap(),
        ],
    );
    assert!(!ok, "{out}");
    assert!(err.contains("forged or altered"), "{err}");

    // The center revokes 李娜's credential; the next sync brings the list.
    let li_token = card("O-LI").expect("card").qr_payload.expect("token");
    server.admin(
        "POST",
        "/v1/credentials/32050019002/revoke",
        &json!({"reason": "调离执法岗位"}),
    );
    app.sync_now(NoArgs {}).expect("sync now");
    support::wait_for("the revocation list to arrive", || {
        card("O-LI").is_err_and(|e| e.code == "V-02")
    });
    let refused = card("O-LI").unwrap_err();
    assert!(
        refused.zh.contains("吊销") && refused.zh.contains("调离执法岗位"),
        "{}",
        refused.zh
    );
    // Recording her showing is refused too, and nothing is written.
    let step = app.step(StepArgs {
        command: serde_json::from_value(json!({
            "step": "show_credential", "case_id": case_id, "officer_id": "O-LI"
        }))
        .expect("command"),
        pin: None,
    });
    assert_eq!(step.unwrap_err().code, "V-02");
    // Verification says revoked, with the list it used; 张伟's card is unaffected.
    let v = app
        .verify_credential(VerifyCredentialArgs {
            text: Some(li_token.clone()),
            image_base64: None,
        })
        .expect("verify");
    assert!(
        matches!(v.verdict.status, CredentialStatus::Revoked { .. }),
        "{v:?}"
    );
    assert!(v.verdict.revocations_seq.is_some() && v.revocations_age_ms.is_some());
    assert_eq!(
        card("O-ZHANG").expect("card").verdict.unwrap().status,
        CredentialStatus::Valid
    );
    // The CLI over the device store (its keys and list) says the same.
    let (ok, out, err) = cli(&device, &["credential", "verify", &li_token]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("已吊销") && err.contains("revoked"),
        "{out}{err}"
    );
}
