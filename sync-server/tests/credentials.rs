//! Credentials anyone can verify (issue 7), on the real `fieldcase-server` over loopback HTTP,
//! on SQLite (`sqlite::…`) and PostgreSQL (`postgres::…`): the tokens the center seals for
//! officers verify offline under the key set it publishes and at its public endpoint; a
//! revocation reaches every device as a signed list; keys rotate and retire without old tokens
//! failing, while a token made with a retired key afterwards is refused; the key survives a
//! restart, and a missing key file stops the start naming the file.

#[macro_use]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use fieldcase_protocol::Id;
use fieldcase_protocol::KeyPair;
use fieldcase_protocol::chain::GENESIS;
use fieldcase_protocol::credential::{
    CredentialClaims, CredentialStatus, RevocationList, SignedKeyring, verify_credential,
};
use fieldcase_protocol::sync::EnrollResponse;
use serde_json::{Value, json};

use support::server::*;

/// Today in China Standard Time, as the center judges validity.
fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
}

fn officer(id: &str, number: &str, area: &str) -> Value {
    json!({"id": id, "name": "张伟", "agency": "苏州市生态环境局",
        "credential": {"number": number, "kind": "中华人民共和国行政执法证",
            "valid_from": "2024-01-01", "valid_to": "2099-12-31", "areas": [area]}})
}

/// Posts roster entries as the admin; answers the tokens by officer id.
fn post_officers(s: &Server, items: Value) -> Value {
    let (st, r) = s.admin("POST", "/v1/officers", Some(items));
    assert_eq!(st, 200, "{r}");
    r["tokens"].clone()
}

/// A call to the public endpoints as a stranger: no token, no protocol header.
fn public(s: &Server, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let req = ureq::request(method, &format!("{}{path}", s.base));
    let r = match body {
        Some(b) => req.set("content-type", "application/json").send_string(b),
        None => req.call(),
    };
    let json = |resp: ureq::Response| serde_json::from_str(&resp.into_string().unwrap()).unwrap();
    match r {
        Ok(resp) => (resp.status(), json(resp)),
        Err(ureq::Error::Status(c, resp)) => (c, json(resp)),
        Err(e) => panic!("{method} {path}: {e}"),
    }
}

fn keyring(s: &Server) -> SignedKeyring {
    let (st, v) = public(s, "GET", "/public/keyring", None);
    assert_eq!(st, 200, "{v}");
    serde_json::from_value(v).expect("a SignedKeyring")
}

fn verify(s: &Server, token: &str) -> Value {
    let (st, v) = public(
        s,
        "POST",
        "/public/verify",
        Some(&json!({"token": token}).to_string()),
    );
    assert_eq!(st, 200, "{v}");
    v
}

/// Enrolls a device for a new user; answers it with the key set the enrollment gave.
fn enroll(
    s: &Server,
    user: &str,
    role: &str,
    team: Option<&str>,
    area: &str,
    n: u8,
) -> (Dev, SignedKeyring) {
    let (st, r) = s.admin("POST", "/v1/admin/users", Some(json!({
        "user_id": user, "name": "李娜", "role": role, "area": area, "team": team, "officer_id": null,
    })));
    assert_eq!(st, 200, "{r}");
    let (_, code) = s.admin(
        "POST",
        "/v1/admin/enrollment-codes",
        Some(json!({"user_id": user})),
    );
    let key = KeyPair::from_seed_unchecked([n; 32]).unwrap();
    let id = Id::from_parts(1_700_000_000_000, [n; 10]).to_string();
    let (st, r) = call(
        "POST",
        &format!("{}/v1/enroll", s.base),
        None,
        Some(enroll_body(
            code["code"].as_str().unwrap(),
            &id,
            &key,
            "平板",
        )),
    );
    assert_eq!(st, 200, "{r}");
    let resp: EnrollResponse = serde_json::from_value(r).expect("an EnrollResponse");
    resp.keyring
        .check_first()
        .expect("the enrollment's key set is self-signed");
    let dev = Dev {
        id,
        key,
        token: resp.token,
        seq: 0,
        prev: GENESIS.into(),
        n,
        base: s.base.clone(),
    };
    (dev, resp.keyring)
}

/// Every change after `cursor`, page by page; answers them and the new cursor.
fn pull_all(d: &Dev, mut cursor: i64) -> (Vec<Value>, i64) {
    let mut out = Vec::new();
    loop {
        let (st, p) = d.pull(cursor);
        assert_eq!(st, 200, "{p}");
        out.extend(p["changes"].as_array().unwrap().iter().cloned());
        cursor = p["cursor"].as_i64().unwrap();
        if p["has_more"] == false {
            return (out, cursor);
        }
    }
}

fn of<'a>(changes: &'a [Value], entity: &str) -> Vec<&'a Value> {
    changes.iter().filter(|c| c["entity"] == entity).collect()
}

/// The token with one character of its signature changed.
fn with_bad_signature(token: &str) -> String {
    let (head, sig) = token.rsplit_once('.').unwrap();
    let mut sig: Vec<char> = sig.chars().collect();
    sig[10] = if sig[10] == 'A' { 'B' } else { 'A' };
    format!("{head}.{}", sig.into_iter().collect::<String>())
}

/// `a`'s prefix, kid and signature around `b`'s payload.
fn with_payload_of(a: &str, b: &str) -> String {
    let pa: Vec<&str> = a.split('.').collect();
    let pb: Vec<&str> = b.split('.').collect();
    format!("{}.{}.{}.{}", pa[0], pa[1], pb[2], pa[3])
}

fn kid_of(token: &str) -> &str {
    token.split('.').nth(1).unwrap()
}

/// A posted officer gets a token that verifies offline under the published key set and at the
/// public endpoint; devices receive it in the roster; bad credentials are refused by item and
/// field with nothing stored.
fn tokens_verify_offline_and_at_the_center(s: &Server) {
    let photo = "ab".repeat(32);
    let mut o1 = officer("O-1", "32050019001", "3205");
    o1["credential"]["photo_sha256"] = json!(photo);
    // A token the client sends is not the center's: it is replaced.
    o1["credential"]["token"] = json!("FC1.0000000000000000.e30.AAAA");
    let mut expired = officer("O-OLD", "32050019009", "3205");
    expired["credential"]["valid_from"] = json!("2020-01-01");
    expired["credential"]["valid_to"] = json!("2021-12-31");
    let tokens = post_officers(
        s,
        json!([o1, officer("O-2", "32050019002", "3205"), expired,
               {"id": "G-1", "name": "王芳", "agency": "长桥街道", "role": "grid_worker", "areas": ["320506"]}]),
    );
    let t1 = tokens["O-1"].as_str().expect("a token for O-1").to_string();
    let t2 = tokens["O-2"].as_str().expect("a token for O-2").to_string();
    assert!(tokens.get("G-1").is_none(), "{tokens}");
    assert!(t1.starts_with("FC1."), "{t1}");

    // Offline, with nothing but the public key set.
    let ring = keyring(s);
    ring.check_first().expect("self-signed");
    assert_eq!(ring.keyring.keys.len(), 1);
    let kid = ring.keyring.keys[0].kid.to_string();
    assert_eq!(kid_of(&t1), kid);
    let v = verify_credential(&t1, &ring.keyring, None, today());
    assert_eq!(v.status, CredentialStatus::Valid, "{v:?}");
    let c = v.claims.expect("claims");
    assert_eq!(
        (
            c.officer_id.as_str(),
            c.name.as_str(),
            c.number.as_str(),
            c.agency.as_str()
        ),
        ("O-1", "张伟", "32050019001", "苏州市生态环境局")
    );
    assert_eq!(c.kind, "中华人民共和国行政执法证");
    assert_eq!(c.photo_sha256.as_deref(), Some(photo.as_str()));
    assert_eq!(c.valid_to, NaiveDate::from_ymd_opt(2099, 12, 31).unwrap());
    assert!(c.tid.len() == 36 && c.issued_at_ms > 0, "{c:?}");

    // The device's roster carries the same token, and the enrollment's key set is the public one.
    let (d, enrolled) = enroll(s, "u1", "inspector", Some("team-a"), "3205", 1);
    assert_eq!(enrolled, ring);
    let (changes, _) = pull_all(&d, 0);
    let roster = of(&changes, "officer");
    let pulled = roster
        .iter()
        .find(|c| c["id"] == "O-1")
        .expect("O-1 pulled");
    assert_eq!(pulled["value"]["credential"]["token"], t1.as_str());

    // At the center's public endpoint.
    let v = verify(s, &t1);
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(v["claims"]["number"], "32050019001", "{v}");
    assert_eq!(v["kid"], kid.as_str());
    assert_eq!(v["revocations_seq"], 1, "an empty list from the start: {v}");
    assert_eq!(
        verify(s, &with_bad_signature(&t1))["status"],
        "bad_signature"
    );
    assert_eq!(
        verify(s, &with_payload_of(&t1, &t2))["status"],
        "bad_signature"
    );
    let junk = verify(s, "hello");
    assert_eq!(junk["status"], "malformed", "{junk}");
    assert!(junk["reason"].as_str().is_some(), "{junk}");
    assert_eq!(
        verify(s, tokens["O-OLD"].as_str().unwrap())["status"],
        "expired"
    );
    // Not JSON, the wrong shape, too large: refused clearly.
    let (st, r) = public(s, "POST", "/public/verify", Some("{token: FC1"));
    assert_eq!((st, r["code"].as_str()), (400, Some("request.bad")), "{r}");
    let (st, r) = public(s, "POST", "/public/verify", Some(r#"{"qr": "FC1"}"#));
    assert_eq!(st, 400, "{r}");
    let big = json!({"token": "x".repeat(9000)}).to_string();
    let (st, r) = public(s, "POST", "/public/verify", Some(&big));
    assert_eq!(st, 413, "{r}");

    // The center's list of credentials and their status.
    let (st, list) = s.admin("GET", "/v1/credentials", None);
    assert_eq!(st, 200, "{list}");
    let status: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["officer_id"].as_str().unwrap(),
                c["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        status,
        [("O-1", "valid"), ("O-2", "valid"), ("O-OLD", "expired")]
    );

    // Bad credentials: refused naming the item and the field, nothing stored.
    let refused = |items: Value, wants: &str| {
        let (st, r) = s.admin("POST", "/v1/officers", Some(items));
        assert_eq!((st, r["code"].as_str()), (400, Some("request.bad")), "{r}");
        let en = r["en"].as_str().unwrap();
        assert!(en.contains(wants), "{wants:?} not in {en}");
    };
    let mut no_number = officer("O-3", "x", "3205");
    no_number["credential"]
        .as_object_mut()
        .unwrap()
        .remove("number");
    refused(
        json!([officer("O-4", "32050019004", "3205"), no_number]),
        "item 1 (O-3): credential.number",
    );
    let mut bad_date = officer("O-3", "32050019003", "3205");
    bad_date["credential"]["valid_from"] = json!("2024/01/01");
    refused(json!([bad_date]), "item 0 (O-3): credential.valid_from");
    let mut backwards = officer("O-3", "32050019003", "3205");
    backwards["credential"]["valid_to"] = json!("2023-12-31");
    refused(
        json!([backwards]),
        "credential.valid_to 2023-12-31 is before",
    );
    let mut bad_photo = officer("O-3", "32050019003", "3205");
    bad_photo["credential"]["photo_sha256"] = json!("AB".repeat(32));
    refused(json!([bad_photo]), "credential.photo_sha256");
    let mut no_agency = officer("O-3", "32050019003", "3205");
    no_agency.as_object_mut().unwrap().remove("agency");
    refused(json!([no_agency]), "item 0 (O-3): agency");
    // One number, one person.
    refused(
        json!([officer("O-3", "32050019001", "3205")]),
        "held by officer O-1",
    );
    refused(
        json!([
            officer("O-3", "32050019003", "3205"),
            officer("O-5", "32050019003", "3205")
        ]),
        "item 1 (O-5): credential.number 32050019003 is also item 0's (O-3)",
    );
    let (changes, _) = pull_all(&d, 0);
    let ids: Vec<&str> = of(&changes, "officer")
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["O-1", "O-2", "O-OLD", "G-1"],
        "nothing of a refused request"
    );

    // Re-posting an officer issues a new token for the same number.
    let again = post_officers(s, json!([officer("O-1", "32050019001", "3205")]));
    let t1b = again["O-1"].as_str().unwrap();
    assert_ne!(t1b, t1);
    assert_eq!(verify(s, t1b)["status"], "valid");
    assert_eq!(verify(s, &t1)["status"], "valid", "the earlier token too");
}

/// A revocation: refused to field roles, recorded once, signed into the next list that every
/// device pulls whatever its team and area, and answered `revoked` by the public endpoint.
fn revocation_reaches_every_device(s: &Server) {
    let tokens = post_officers(
        s,
        json!([
            officer("O-1", "32050019001", "3205"),
            officer("O-2", "32050019002", "3201")
        ]),
    );
    let (t1, t2) = (
        tokens["O-1"].as_str().unwrap(),
        tokens["O-2"].as_str().unwrap(),
    );
    // Devices of every kind and place: none of them sees O-2's area, one sees nothing at all.
    let (insp, _) = enroll(s, "u-insp", "inspector", Some("team-a"), "3205", 1);
    let (grid, _) = enroll(s, "u-grid", "grid_worker", Some("team-b"), "320506", 2);
    let (far, _) = enroll(s, "u-far", "inspector", None, "4401", 3);
    let (staff, _) = enroll(s, "u-staff", "center_staff", None, "3205", 4);
    let mut cursors = Vec::new();
    for d in [&insp, &grid, &far, &staff] {
        let (changes, cursor) = pull_all(d, 0);
        assert_eq!(of(&changes, "keyring").len(), 1, "{changes:?}");
        assert_eq!(of(&changes, "revocations").len(), 1, "{changes:?}");
        cursors.push(cursor);
    }

    // Field roles may not revoke; strangers are not known.
    let path = "/v1/credentials/32050019001/revoke";
    let body = json!({"reason": "调离执法岗位"});
    for d in [&insp, &grid] {
        let (st, r) = call(
            "POST",
            &format!("{}{path}", s.base),
            Some(&d.token),
            Some(body.clone()),
        );
        assert_eq!(
            (st, r["code"].as_str()),
            (403, Some("auth.forbidden")),
            "{r}"
        );
    }
    let (st, _) = call(
        "POST",
        &format!("{}{path}", s.base),
        None,
        Some(body.clone()),
    );
    assert_eq!(st, 401);
    // A reason is required; an unknown number is not found.
    let (st, r) = s.admin("POST", path, Some(json!({"reason": "  "})));
    assert_eq!(
        (st, r["code"].as_str()),
        (400, Some("credential.reason_required")),
        "{r}"
    );
    let (st, r) = s.admin(
        "POST",
        "/v1/credentials/99999999/revoke",
        Some(body.clone()),
    );
    assert_eq!(st, 404, "{r}");
    assert_eq!(verify(s, t1)["status"], "valid", "nothing revoked yet");

    // Center staff revokes; a second time is refused and keeps the first record.
    let (st, r) = call(
        "POST",
        &format!("{}{path}", s.base),
        Some(&staff.token),
        Some(body.clone()),
    );
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["revocations_seq"], 2, "{r}");
    assert_eq!(r["reason"], "调离执法岗位");
    let revoked_at = r["revoked_at_ms"].as_i64().unwrap();
    let (st, r) = s.admin("POST", path, Some(json!({"reason": "证件遗失"})));
    assert_eq!(
        (st, r["code"].as_str()),
        (409, Some("credential.already_revoked")),
        "{r}"
    );

    let v = verify(s, t1);
    assert_eq!(v["status"], "revoked", "{v}");
    assert_eq!(v["reason"], "调离执法岗位");
    assert_eq!(v["revoked_at_ms"], revoked_at);
    assert_eq!(v["revocations_seq"], 2);
    assert_eq!(v["claims"]["officer_id"], "O-1", "whose credential it was");
    assert_eq!(verify(s, t2)["status"], "valid");

    // The public list opens under the public key set.
    let ring = keyring(s);
    let (st, r) = public(s, "GET", "/public/revocations", None);
    assert_eq!(st, 200, "{r}");
    let list = RevocationList::open(r["list"].as_str().unwrap(), &ring.keyring).expect("opens");
    assert_eq!((list.seq, r["seq"].as_u64()), (2, Some(2)));
    assert_eq!(r["issued_at_ms"], list.issued_at_ms);
    assert_eq!(list.revoked.len(), 1);
    assert_eq!(list.revoked[0].number, "32050019001");
    assert_eq!(list.revoked[0].reason, "调离执法岗位");
    let offline = verify_credential(t1, &ring.keyring, Some(&list), today());
    assert!(
        matches!(offline.status, CredentialStatus::Revoked { .. }),
        "{offline:?}"
    );

    // Every device's next pull brings the new list.
    for (d, cursor) in [&insp, &grid, &far, &staff].into_iter().zip(cursors) {
        let (changes, _) = pull_all(d, cursor);
        let lists = of(&changes, "revocations");
        assert_eq!(lists.len(), 1, "{changes:?}");
        assert_eq!(lists[0]["id"], "center");
        let pulled = RevocationList::open(lists[0]["value"].as_str().unwrap(), &ring.keyring)
            .expect("the pulled list opens");
        assert_eq!(pulled, list);
    }
    let (st, all) = s.admin("GET", "/v1/credentials", None);
    assert_eq!(st, 200);
    assert_eq!(all[0]["status"], "revoked", "{all}");
    assert_eq!(all[0]["reason"], "调离执法岗位", "{all}");
    assert_eq!(all[1]["status"], "valid", "{all}");
}

/// Rotation: a new key signs new tokens while old ones still verify; the new key set is endorsed
/// by the key a device already trusts; a retired key's earlier tokens stay valid, a token it
/// signs afterwards is refused; the last key cannot be retired; only the admin rotates.
fn keys_rotate_and_retire(s: &Server) {
    let (d, enrolled) = enroll(s, "u1", "inspector", Some("team-a"), "3205", 1);
    let (_, cursor) = pull_all(&d, 0);
    let old = enrolled.keyring.keys[0].clone();
    let t1 = post_officers(s, json!([officer("O-1", "32050019001", "3205")]))["O-1"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(kid_of(&t1), old.kid.as_str());

    // Only the admin adds or retires keys.
    let (insp, _) = enroll(s, "u-insp", "inspector", Some("team-a"), "3205", 2);
    let (grid, _) = enroll(s, "u-grid", "grid_worker", Some("team-a"), "3205", 3);
    let (staff, _) = enroll(s, "u-staff", "center_staff", None, "3205", 4);
    let retire_old = format!("/v1/admin/center-keys/{}/retire", old.kid);
    for path in ["/v1/admin/center-keys", retire_old.as_str()] {
        for d in [&insp, &grid, &staff] {
            let (st, r) = call("POST", &format!("{}{path}", s.base), Some(&d.token), None);
            assert_eq!(st, 403, "{path}: {r}");
        }
        let (st, _) = call("POST", &format!("{}{path}", s.base), None, None);
        assert_eq!(st, 401, "{path}");
    }
    assert_eq!(keyring(s), enrolled, "nothing changed");

    // A new key: active at once.
    let (st, r) = s.admin("POST", "/v1/admin/center-keys", None);
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["keyring_seq"], 2, "{r}");
    let new_kid = r["kid"].as_str().unwrap().to_string();
    assert!(s.keys.join(format!("{new_kid}.pk8")).is_file());
    let rotated = keyring(s);
    assert_eq!(rotated.keyring.seq, 2);
    assert_eq!(rotated.keyring.keys.len(), 2);
    assert_eq!(rotated.keyring.active().unwrap().kid.as_str(), new_kid);
    let signers: Vec<&str> = rotated.signatures.iter().map(|x| x.kid.as_str()).collect();
    assert_eq!(signers.len(), 2, "signed by both keys: {signers:?}");
    assert_eq!(rotated.check_update(&enrolled.keyring), Ok(true));
    let t2 = post_officers(s, json!([officer("O-2", "32050019002", "3205")]))["O-2"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(kid_of(&t2), new_kid);
    assert_eq!(verify(s, &t1)["status"], "valid", "the old key's token");
    assert_eq!(verify(s, &t2)["status"], "valid");

    // Retiring the old key: what it signed before stays valid.
    let (st, r) = s.admin("POST", &retire_old, None);
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["keyring_seq"], 3, "{r}");
    let retired_at = r["retired_at_ms"].as_i64().unwrap();
    let after = keyring(s);
    assert_eq!(after.check_update(&rotated.keyring), Ok(true));
    // Also signed by the key it retires: a device that missed the rotation still takes it.
    assert_eq!(after.check_update(&enrolled.keyring), Ok(true));
    assert_eq!(
        after.keyring.key(&old.kid).unwrap().retired_at_ms,
        Some(retired_at)
    );
    assert_eq!(
        verify(s, &t1)["status"],
        "valid",
        "issued before retirement"
    );

    // A token the retired key signs afterwards (its file stolen, say) is refused.
    std::thread::sleep(Duration::from_millis(5));
    let stolen = KeyPair::from_pkcs8(
        &std::fs::read(s.keys.join(format!("{}.pk8", old.kid))).expect("the retired key's file"),
    )
    .unwrap();
    let forged = CredentialClaims {
        tid: Id::from_parts(now_ms(), [7; 10]).to_string(),
        officer_id: "O-X".into(),
        name: "冒名".into(),
        number: "32050019999".into(),
        kind: "中华人民共和国行政执法证".into(),
        agency: "苏州市生态环境局".into(),
        photo_sha256: None,
        valid_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        valid_to: NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
        issued_at_ms: now_ms() as i64,
    }
    .seal(&stolen)
    .unwrap();
    assert_eq!(verify(s, &forged)["status"], "retired_key");
    assert_eq!(
        verify_credential(&forged, &after.keyring, None, today()).status,
        CredentialStatus::RetiredKey
    );

    // New tokens and lists are the new key's.
    let t3 = post_officers(s, json!([officer("O-3", "32050019003", "3205")]))["O-3"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(kid_of(&t3), new_kid);
    let (st, r) = s.admin(
        "POST",
        "/v1/credentials/32050019001/revoke",
        Some(json!({"reason": "证件遗失"})),
    );
    assert_eq!(st, 200, "{r}");
    let (_, r) = public(s, "GET", "/public/revocations", None);
    let sealed = r["list"].as_str().unwrap();
    assert_eq!(kid_of(sealed), new_kid);
    assert!(RevocationList::open(sealed, &after.keyring).is_ok());

    // Refusals: already retired, the last key, an unknown key.
    let (st, r) = s.admin("POST", &retire_old, None);
    assert_eq!(
        (st, r["code"].as_str()),
        (409, Some("center_key.retired")),
        "{r}"
    );
    let (st, r) = s.admin(
        "POST",
        &format!("/v1/admin/center-keys/{new_kid}/retire"),
        None,
    );
    assert_eq!(
        (st, r["code"].as_str()),
        (409, Some("center_key.last")),
        "{r}"
    );
    for kid in ["0123456789abcdef", "not-a-kid"] {
        let (st, r) = s.admin("POST", &format!("/v1/admin/center-keys/{kid}/retire"), None);
        assert_eq!(st, 404, "{r}");
    }
    assert_eq!(keyring(s), after, "refusals change nothing");

    // The device pulls each key set in turn, and a reload gets the latest only.
    let (changes, _) = pull_all(&d, cursor);
    let sets: Vec<SignedKeyring> = of(&changes, "keyring")
        .iter()
        .map(|c| serde_json::from_value(c["value"].clone()).unwrap())
        .collect();
    assert_eq!(sets, [rotated.clone(), after.clone()]);
    let mut trusted = enrolled.keyring.clone();
    for set in &sets {
        assert_eq!(set.check_update(&trusted), Ok(true));
        trusted = set.keyring.clone();
    }
    let (snapshot, _) = pull_all(&d, 0);
    let latest = of(&snapshot, "keyring");
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0]["value"], serde_json::to_value(&after).unwrap());
    let lists = of(&snapshot, "revocations");
    assert_eq!(lists.len(), 1);
    let list = RevocationList::open(lists[0]["value"].as_str().unwrap(), &after.keyring).unwrap();
    assert_eq!(list.seq, 2);
}

on_both_backends!(
    tokens_verify_offline_and_at_the_center,
    revocation_reaches_every_device,
    keys_rotate_and_retire,
);

/// Runs the server expecting it to refuse to start; answers what it printed.
fn start_fails(db: &str, keys: Option<&std::path::Path>) -> String {
    let blobs = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fieldcase-server"));
    cmd.args(["--listen", "127.0.0.1:0", "--db", db])
        .arg("--blobs")
        .arg(blobs.path());
    if let Some(k) = keys {
        cmd.arg("--keys").arg(k);
    }
    let mut child = cmd
        .env("FIELDCASE_ADMIN_TOKEN", ADMIN)
        .env_remove("FIELDCASE_KEYS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server started");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!status.success(), "{text}");
    assert!(!text.contains("listening on"), "{text}");
    text
}

/// The key survives a restart (same kid, same key set, no new change); a missing key file
/// stops the start naming the file; with PostgreSQL `--keys` is required.
fn restart_keeps_the_key(backend: Backend) {
    let db_dir = tempfile::tempdir().unwrap();
    let (db, owned) = match backend {
        Backend::Sqlite => (
            format!("sqlite:{}", db_dir.path().join("center.db").display()),
            None,
        ),
        Backend::Postgres => {
            let url = support::pg_cluster::fresh_database();
            (url.clone(), Some(url))
        }
    };
    let first = spawn(tempfile::tempdir().unwrap(), &db, None);
    let ring = keyring(&first);
    let token = post_officers(&first, json!([officer("O-1", "32050019001", "3205")]))["O-1"]
        .as_str()
        .unwrap()
        .to_string();
    let (d, _) = enroll(&first, "u1", "inspector", Some("team-a"), "3205", 1);
    let (_, cursor) = pull_all(&d, 0);
    let keys = first.keys.clone();
    drop(first);

    let second = spawn(tempfile::tempdir().unwrap(), &db, None);
    assert_eq!(keyring(&second), ring, "the same key and key set");
    assert_eq!(verify(&second, &token)["status"], "valid");
    let mut d = d;
    d.base = second.base.clone();
    let (changes, _) = pull_all(&d, cursor);
    assert!(
        changes.is_empty(),
        "a restart publishes nothing: {changes:?}"
    );
    drop(second);

    // The key file goes missing: the server does not start, and says which file.
    let file = keys.join(format!("{}.pk8", ring.keyring.keys[0].kid));
    let aside = keys.join("moved-aside");
    std::fs::rename(&file, &aside).unwrap();
    let keys_arg = matches!(backend, Backend::Postgres).then_some(keys.as_path());
    let said = start_fails(&db, keys_arg);
    assert!(said.contains(&file.display().to_string()), "{said}");
    if matches!(backend, Backend::Postgres) {
        let said = start_fails(&db, None);
        assert!(said.contains("--keys"), "{said}");
    }
    std::fs::rename(&aside, &file).unwrap();
    let third = spawn(tempfile::tempdir().unwrap(), &db, owned);
    assert_eq!(keyring(&third), ring);
}

mod restart_keeps_the_key {
    #[test]
    fn sqlite() {
        super::restart_keeps_the_key(super::Backend::Sqlite);
    }

    #[test]
    fn postgres() {
        super::restart_keeps_the_key(super::Backend::Postgres);
    }
}
