//! End-to-end: the real `fieldcase-server` binary on a loopback port, driven over HTTP. Every
//! case runs twice: on SQLite (`sqlite::…`) and on PostgreSQL (`postgres::…`, a fresh database
//! in a throwaway cluster, or in `FIELDCASE_TEST_PG`; see `support/pg_cluster.rs`). The blob
//! cases run a third time with blobs in S3 (`s3::…`, a bucket on moto; see `support/moto.rs`).

#[macro_use]
mod support;

use std::io::Write;

use fieldcase_protocol::chain::GENESIS;
use fieldcase_protocol::{KeyPair, Sha256};
use serde_json::{Value, json};

use support::server::*;

fn protocol_header_and_unknown_fields(s: &Server) {
    let r = ureq::get(&format!("{}/v1/cases", s.base)).call();
    let Err(ureq::Error::Status(426, resp)) = r else {
        panic!("expected 426")
    };
    assert!(resp.header("fieldcase-server-time").is_some());
    let body: Value = resp.into_json().unwrap();
    assert_eq!(body["code"], "protocol.outdated");
    // The API description needs no protocol header and describes the sync endpoints.
    let doc: Value = ureq::get(&format!("{}/openapi.json", s.base))
        .call()
        .expect("openapi.json")
        .into_json()
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/v1/sync/push"]["post"].is_object(), "{doc}");
    let (st, body) = s.admin("POST", "/v1/admin/users", Some(json!({
        "user_id": "u", "name": "n", "role": "inspector", "area": "3205", "team": null, "officer_id": null, "extra": 1,
    })));
    assert_eq!(st, 400);
    assert_eq!(body["code"], "request.bad");
    assert!(body["en"].as_str().unwrap().contains("extra"), "{body}");
}

/// User `u1` (an inspector) and a one-time enrollment code for them (`{"code": …}`).
fn user_with_code(s: &Server) -> Value {
    s.admin("POST", "/v1/admin/users", Some(json!({"user_id": "u1", "name": "n", "role": "inspector", "area": "3205", "team": "t", "officer_id": null})));
    s.admin(
        "POST",
        "/v1/admin/enrollment-codes",
        Some(json!({"user_id": "u1"})),
    )
    .1
}

fn enrollment_codes_are_one_time(s: &Server) {
    let code = user_with_code(s);
    let key = KeyPair::from_seed_unchecked([3; 32]).unwrap();
    let req = |code: &str| enroll_body(code, "d1", &key, "x");
    let code = code["code"].as_str().unwrap();
    let url = format!("{}/v1/enroll", s.base);
    let (st, body) = call("POST", &url, None, Some(req("000000000000")));
    assert_eq!((st, body["code"].as_str()), (403, Some("enroll.bad_code")));
    let (st, _) = call("POST", &url, None, Some(req(code)));
    assert_eq!(st, 200);
    let (st, body) = call("POST", &url, None, Some(req(code)));
    assert_eq!((st, body["code"].as_str()), (403, Some("enroll.bad_code")));
}

/// An enrollment proves it holds the key it registers: a proof missing, made by another key, or
/// made for another device id or code is a 400 naming the proof, and the one-time code is not
/// spent by it. So a device's public id and key, with a code of its user, buy no token for it.
fn enrollment_needs_proof_of_the_key(s: &Server) {
    let code = user_with_code(s);
    let code = code["code"].as_str().unwrap();
    let key = KeyPair::from_seed_unchecked([3; 32]).unwrap();
    let thief = KeyPair::from_seed_unchecked([4; 32]).unwrap();
    let url = format!("{}/v1/enroll", s.base);
    let good = enroll_body(code, "d1", &key, "x");

    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("proof");
    let mut by_another_key = good.clone();
    by_another_key["proof"] = enroll_body(code, "d1", &thief, "x")["proof"].clone();
    let mut for_another_device = good.clone();
    for_another_device["proof"] = enroll_body(code, "d2", &key, "x")["proof"].clone();
    let mut for_another_code = good.clone();
    for_another_code["proof"] = enroll_body("000000000000", "d1", &key, "x")["proof"].clone();
    let mut not_hex = good.clone();
    not_hex["proof"] = json!("proof");
    for (what, body) in [
        ("missing", missing),
        ("by another key", by_another_key),
        ("for another device", for_another_device),
        ("for another code", for_another_code),
        ("not hex", not_hex),
    ] {
        let (st, r) = call("POST", &url, None, Some(body));
        assert_eq!(
            (st, r["code"].as_str()),
            (400, Some("request.bad")),
            "{what}: {r}"
        );
        assert!(r["en"].as_str().unwrap().contains("proof"), "{what}: {r}");
    }
    // None of them enrolled d1 or spent the code.
    let (st, r) = s.admin("GET", "/v1/admin/devices/d1", None);
    assert_eq!(st, 404, "{r}");
    let (st, r) = call("POST", &url, None, Some(good));
    assert_eq!(st, 200, "{r}");
    let (st, r) = s.admin("GET", "/v1/admin/devices/d1", None);
    assert_eq!((st, r["user_id"].as_str()), (200, Some("u1")), "{r}");
}

fn push_replay_gap_and_broken_chain(s: &Server) {
    setup_tasks(s);
    let mut d = s.enroll("u1", "team-a", "3205", 1);
    let op1 = d.op(Some("C-1"), "case_opened", &opened("T-A"), 0);
    let (st, r1) = d.push(vec![op1.clone()]);
    assert_eq!(st, 200, "{r1}");
    assert_eq!(r1["results"][0]["outcome"], "applied");
    // Replay: same answer, marked already applied.
    let (st, r2) = d.push(vec![op1]);
    assert_eq!(st, 200);
    assert_eq!(r2["results"][0]["outcome"], "already_applied");
    assert_eq!(r2["last_seq"], 1);
    // Gap.
    let _skipped = d.op(None, "note", "{}", 0);
    let op3 = d.op(None, "note", "{}", 0);
    let (st, r) = d.push(vec![op3]);
    assert_eq!(
        (st, r["code"].as_str(), r["expected_seq"].as_i64()),
        (409, Some("sync.seq_gap"), Some(2))
    );
    // Forged signature, payload mismatch, blob not in payload: 422, nothing stored, alert raised.
    let mut d2 = Dev {
        seq: 1,
        prev: r1["results"][0]["op_id"].to_string(),
        ..s.enroll("u2", "team-a", "3205", 9)
    };
    d2.seq = 0;
    d2.prev = GENESIS.into();
    let mut forged = d2.op(None, "note", "{}", 0);
    forged["link"]["signature"] = json!("00".repeat(64));
    let (st, r) = d2.push(vec![forged]);
    assert_eq!(
        (st, r["code"].as_str()),
        (422, Some("sync.chain_broken")),
        "{r}"
    );
    d2.seq = 0;
    d2.prev = GENESIS.into();
    let mut bad_payload = d2.op(None, "note", "{}", 0);
    bad_payload["payload"] = json!("{\"x\":1}");
    assert_eq!(d2.push(vec![bad_payload]).0, 422);
    d2.seq = 0;
    d2.prev = GENESIS.into();
    let mut bad_blob = d2.op(None, "note", "{}", 0);
    bad_blob["blobs"] = json!(["a".repeat(64)]);
    assert_eq!(d2.push(vec![bad_blob]).0, 422);
    // The chain still starts at 1.
    d2.seq = 0;
    d2.prev = GENESIS.into();
    let good = d2.op(None, "note", "{}", 0);
    let (st, r) = d2.push(vec![good]);
    assert_eq!((st, r["last_seq"].as_i64()), (200, Some(1)), "{r}");
    let (_, alerts) = s.admin("GET", "/v1/admin/alerts", None);
    assert_eq!(alerts.as_array().unwrap().len(), 3);
    // Revoked.
    s.admin("POST", &format!("/v1/admin/devices/{}/revoke", d2.id), None);
    let next = d2.op(None, "note", "{}", 0);
    let (st, r) = d2.push(vec![next]);
    assert_eq!((st, r["code"].as_str()), (403, Some("auth.revoked")));
}

/// A push's links are stored together (one `unnest` INSERT on PostgreSQL): with a link with no
/// case and no payload (one that stays on the device) between two case links, the replay
/// answers all three from the stored rows (their op ids and hashes compared), and the case
/// shows its two links with their payloads, its chain verified across the stored hash of the
/// link it does not show.
fn links_without_case_or_payload_stored_beside_case_links(s: &Server) {
    setup_tasks(s);
    let mut d = s.enroll("u1", "team-a", "3205", 1);
    let first = d.op(Some("C-1"), "case_opened", &opened("T-A"), 0);
    let mut local = d.op(None, "reference_imported", r#"{"n":1}"#, 0);
    local["payload"] = Value::Null;
    let note = d.op(Some("C-1"), "note_added", r#"{"text":"排口正常"}"#, 0);
    let batch = vec![first, local, note];
    let outcomes = |r: &Value| -> Vec<String> {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| format!("{} {}", x["op_id"], x["outcome"]))
            .collect()
    };
    let (st, r) = d.push(batch.clone());
    assert_eq!(st, 200, "{r}");
    let ids: Vec<&str> = batch
        .iter()
        .map(|o| o["link"]["op_id"].as_str().unwrap())
        .collect();
    let expect = |outcome: &str| -> Vec<String> {
        ids.iter()
            .map(|id| format!("\"{id}\" \"{outcome}\""))
            .collect()
    };
    assert_eq!(outcomes(&r), expect("applied"));
    let (st, r) = d.push(batch.clone());
    assert_eq!(st, 200, "{r}");
    assert_eq!(outcomes(&r), expect("already_applied"));
    let (st, case) = s.admin("GET", "/v1/cases/C-1", None);
    assert_eq!(st, 200, "{case}");
    let shown: Vec<(i64, Value, bool)> = case["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let verified = o["chain_verified"].as_bool().unwrap();
            (o["seq"].as_i64().unwrap(), o["payload"].clone(), verified)
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            (1, serde_json::from_str(&opened("T-A")).unwrap(), true),
            (3, json!({"text": "排口正常"}), true),
        ],
        "{case}"
    );
}

/// An op id names one op forever. A well-signed link that reuses one (its own device's earlier
/// link, or another device's) refuses the whole push with 409 `sync.op_id_reused`, and what the
/// push's earlier ops did rolls back with it: the case it opened does not exist, the chain
/// continues from where it was. Each refusal is an alert for center staff.
fn op_ids_are_never_reused(s: &Server) {
    setup_tasks(s);
    let mut d = s.enroll("u1", "team-a", "3205", 1);
    let first = d.op(Some("C-1"), "case_opened", &opened("T-A"), 0);
    let taken = first["link"]["op_id"].as_str().unwrap().to_string();
    assert_eq!(d.push(vec![first]).0, 200);
    let (seq, prev) = (d.seq, d.prev.clone());
    // A fresh op that opens C-2, then a link reusing the first op's id.
    let opens = d.op(Some("C-2"), "case_opened", &opened("T-A"), 0);
    let reused = d.op_with_id(&taken, Some("C-1"), "note", "{}", 0);
    let reused_at = d.seq;
    let (st, r) = d.push(vec![opens, reused]);
    assert_eq!(
        (st, r["code"].as_str()),
        (409, Some("sync.op_id_reused")),
        "{r}"
    );
    assert_eq!(s.admin("GET", "/v1/cases/C-2", None).0, 404);
    // Another device reusing it is refused the same way.
    let mut other = s.enroll("u2", "team-a", "3205", 2);
    let theirs = other.op_with_id(&taken, None, "note", "{}", 0);
    let (st, r) = other.push(vec![theirs]);
    assert_eq!(
        (st, r["code"].as_str()),
        (409, Some("sync.op_id_reused")),
        "{r}"
    );
    // Both chains go on from where they were.
    (d.seq, d.prev) = (seq, prev);
    let next = d.op(Some("C-1"), "note", "{}", 0);
    let (st, r) = d.push(vec![next]);
    assert_eq!((st, r["last_seq"].as_i64()), (200, Some(2)), "{r}");
    (other.seq, other.prev) = (0, GENESIS.into());
    let fresh = other.op(None, "note", "{}", 0);
    let (st, r) = other.push(vec![fresh]);
    assert_eq!((st, r["last_seq"].as_i64()), (200, Some(1)), "{r}");
    // Two new ops of one batch with one id: the second is the one refused, and neither stays.
    let (seq, prev) = (d.seq, d.prev.clone());
    let once = d.op(Some("C-1"), "note", "{}", 0);
    let id = once["link"]["op_id"].as_str().unwrap().to_string();
    let twice = d.op_with_id(&id, Some("C-1"), "note", "{}", 0);
    let (st, r) = d.push(vec![once, twice]);
    assert_eq!(
        (st, r["code"].as_str()),
        (409, Some("sync.op_id_reused")),
        "{r}"
    );
    let named = format!("seq {}", seq + 2);
    assert!(r["en"].as_str().unwrap().contains(&named), "{r}");
    (d.seq, d.prev) = (seq, prev);
    let next = d.op(Some("C-1"), "note", "{}", 0);
    let (st, r) = d.push(vec![next]);
    assert_eq!((st, r["last_seq"].as_i64()), (200, Some(seq + 1)), "{r}");
    // Each refusal raised an alert for center staff, naming the device and the op; the pushes
    // that were applied raised none.
    let (_, alerts) = s.admin("GET", "/v1/admin/alerts", None);
    let mut raised: Vec<(String, i64)> = alerts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["code"], "sync.op_id_reused", "{a}");
            (
                a["device_id"].as_str().unwrap().into(),
                a["seq"].as_i64().unwrap(),
            )
        })
        .collect();
    raised.sort();
    let mut expected = vec![
        (d.id.clone(), reused_at),
        (other.id.clone(), 1),
        (d.id.clone(), seq + 2),
    ];
    expected.sort();
    assert_eq!(raised, expected);
}

/// A revoked device that checks its standing (proving its key) is an alert for center staff,
/// once per revocation however often it asks: a lost tablet came back online. An active
/// device's check, and a stranger's that proves nothing, raise none.
fn a_revoked_device_in_contact_is_one_alert(s: &Server) {
    let d = s.enroll("u1", "team-a", "3205", 1);
    let revoked_alerts = || {
        s.alerts_coded("auth.revoked")
            .iter()
            .map(|a| {
                (
                    a["device_id"].as_str().unwrap().to_string(),
                    a["seq"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let (st, r) = d.status();
    assert_eq!((st, r["status"].as_str()), (200, Some("active")), "{r}");
    assert_eq!(revoked_alerts(), vec![]);
    s.admin("POST", &format!("/v1/admin/devices/{}/revoke", d.id), None);
    for _ in 0..3 {
        let (st, r) = d.status();
        assert_eq!((st, r["status"].as_str()), (200, Some("revoked")), "{r}");
    }
    assert_eq!(revoked_alerts(), vec![(d.id.clone(), Value::Null)]);
    // Reinstated, then revoked again: its next contact is a new episode.
    let (st, r) = s.admin(
        "POST",
        &format!("/v1/admin/devices/{}/reinstate", d.id),
        None,
    );
    assert_eq!(st, 200, "{r}");
    std::thread::sleep(std::time::Duration::from_millis(5));
    s.admin("POST", &format!("/v1/admin/devices/{}/revoke", d.id), None);
    assert_eq!(d.status().0, 200);
    assert_eq!(revoked_alerts().len(), 2);
    // Someone claiming the device without its key learns nothing and raises nothing.
    let stranger = Dev::keyed(
        &d.id,
        KeyPair::from_seed_unchecked([8; 32]).unwrap(),
        &s.base,
    );
    assert_eq!(stranger.status().0, 401);
    assert_eq!(revoked_alerts().len(), 2);
}

/// A public key that is a small-order or non-canonical point would verify forged signatures;
/// enrolment refuses it with a 400 naming why, and the one-time code stays usable.
fn enrollment_refuses_weak_keys(s: &Server) {
    let code = user_with_code(s);
    let url = format!("{}/v1/enroll", s.base);
    let good = KeyPair::from_seed_unchecked([3; 32]).unwrap();
    // A weak key is refused before its proof is looked at.
    let req = |key: String| {
        let mut b = enroll_body(code["code"].as_str().unwrap(), "d1", &good, "x");
        b["public_key"] = json!(key);
        b
    };
    // The identity point (y = 1), and y = p + 1, which encodes it again non-canonically.
    let identity = format!("01{}", "00".repeat(31));
    let non_canonical = format!("ee{}7f", "ff".repeat(30));
    for key in [identity, non_canonical] {
        let (st, body) = call("POST", &url, None, Some(req(key.clone())));
        assert_eq!(
            (st, body["code"].as_str()),
            (400, Some("request.bad")),
            "{key}: {body}"
        );
        assert!(
            body["en"].as_str().unwrap().contains("small-order"),
            "{body}"
        );
    }
    let (st, body) = call("POST", &url, None, Some(req(good.public_key().to_string())));
    assert_eq!(st, 200, "{body}");
}

/// Malformed pushes and center writes: broken JSON, a wrong type, a link without its
/// signature, an op with a field the protocol does not know. Each is a 400 naming what is wrong,
/// and nothing is stored: the device's chain still starts at seq 1, no enterprise appears.
fn malformed_requests_refused_nothing_stored(s: &Server) {
    setup_tasks(s);
    let mut d = s.enroll("u1", "team-a", "3205", 1);
    let push_url = format!("{}/v1/sync/push", s.base);
    let op = d.op(Some("C-1"), "case_opened", &opened("T-A"), 0);
    let body = |ops: Value| json!({"protocol": 1, "device_id": d.id, "ops": ops}).to_string();
    let mut unsigned = op.clone();
    unsigned["link"]
        .as_object_mut()
        .unwrap()
        .remove("signature");
    let mut extra = op.clone();
    extra["priority"] = json!("high");
    let mut wrong_type = op.clone();
    wrong_type["link"]["seq"] = json!("one");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "broken JSON",
            body(json!([op])).as_bytes()[..40].to_vec(),
            "EOF",
        ),
        ("not JSON", b"ops=1".to_vec(), "expected"),
        (
            "no signature",
            body(json!([unsigned])).into_bytes(),
            "signature",
        ),
        (
            "unknown field",
            body(json!([extra])).into_bytes(),
            "priority",
        ),
        // Named with its path, so the sender finds the op and the field.
        (
            "wrong type",
            body(json!([wrong_type])).into_bytes(),
            "JSON at ops[0].link.seq:",
        ),
    ];
    for (what, bytes, names) in cases {
        let r = call_raw(
            "POST",
            &push_url,
            Some(&d.token),
            Some(("application/json", &bytes)),
        );
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (400, Some("request.bad")),
            "{what}: {}",
            r.body
        );
        let en = r.body["en"].as_str().unwrap_or_default();
        assert!(
            en.contains(names),
            "{what}: the error should name `{names}`: {en}"
        );
        assert!(
            !r.body["zh"].as_str().unwrap_or_default().is_empty(),
            "{what}"
        );
    }
    let r = call_raw(
        "POST",
        &format!("{}/v1/enterprises", s.base),
        Some(ADMIN),
        Some(("application/json", br#"[{"id": "E-9", "area": 3205}"#)),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // Nothing stored: the chain starts at 1, E-9 is nowhere.
    let (st, r) = d.push(vec![op]);
    assert_eq!((st, r["last_seq"].as_i64()), (200, Some(1)), "{r}");
    let (_, p) = d.pull(0);
    assert!(!p.to_string().contains("E-9"), "{p}");
}

fn out_of_scope_rejected_chain_continues_and_concurrent_edit_one_conflict(s: &Server) {
    setup_tasks(s);
    let mut d = s.enroll("u1", "team-a", "3205", 1);
    let (_, p) = d.pull(0);
    let seen = p["cursor"].as_i64().unwrap();
    let out = d.op(Some("C-X"), "case_opened", &opened("T-B"), seen);
    let (st, r) = d.push(vec![out]);
    assert_eq!(st, 200);
    assert_eq!(r["results"][0]["outcome"], "rejected");
    assert_eq!(r["results"][0]["reason"]["en"], "out of scope");
    // Center cancels T-A; the device, which had seen the older version, opens a case on it.
    let (st, c) = s.admin(
        "PATCH",
        "/v1/tasks/T-A",
        Some(json!({"field": "status", "value": "cancelled", "seen": seen})),
    );
    assert_eq!(st, 200, "{c}");
    let op = d.op(Some("C-1"), "case_opened", &opened("T-A"), seen);
    let (st, r) = d.push(vec![op]);
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["last_seq"], 2);
    assert_eq!(
        r["results"][0]["conflicts"].as_array().unwrap().len(),
        1,
        "{r}"
    );
    let (_, list) = s.admin("GET", "/v1/conflicts", None);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["reason"], "concurrent");
    let (_, cases) = s.admin("GET", "/v1/cases", None);
    assert_eq!(cases.as_array().unwrap().len(), 1);
    let (_, case) = s.admin("GET", "/v1/cases/C-1", None);
    assert_eq!(case["ops"][0]["chain_verified"], true, "{case}");

    // The inspector, still offline, finishes and closes the case. The case closes (the record is
    // evidence and is never dropped), the task stays cancelled, and the close — a second edit
    // that had not seen the cancellation — is its own record: one conflict per concurrent edit.
    let close = d.op(Some("C-1"), "closed", "{}", seen);
    let (st, r) = d.push(vec![close]);
    assert_eq!(
        (st, r["results"][0]["outcome"].as_str()),
        (200, Some("applied")),
        "{r}"
    );
    assert_eq!(
        r["results"][0]["conflicts"].as_array().map(Vec::len),
        Some(1),
        "{r}"
    );
    let (_, case) = s.admin("GET", "/v1/cases/C-1", None);
    assert_eq!(case["status"], "closed", "{case}");
    let (_, list) = s.admin("GET", "/v1/conflicts", None);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(
        list.iter()
            .all(|c| c["reason"] == "concurrent" && c["kept"]["value"] == "cancelled"),
        "{list:?}"
    );
    // Once the device has pulled the cancellation, a status write from it is no longer
    // concurrent but an illegal transition: a record of that kind, and still not written.
    let (_, p) = d.pull(seen);
    let now_seen = p["cursor"].as_i64().unwrap();
    let reopen = d.op(Some("C-2"), "case_opened", &opened("T-A"), now_seen);
    let (st, r) = d.push(vec![reopen]);
    assert_eq!(st, 200, "{r}");
    let (_, list) = s.admin("GET", "/v1/conflicts", None);
    let reasons: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons
            .iter()
            .filter(|r| **r == "invalid_transition")
            .count(),
        1,
        "{list}"
    );
}

fn pull_is_scoped_and_snapshot_compacts(s: &Server) {
    setup_tasks(s);
    s.admin(
        "PATCH",
        "/v1/tasks/T-A",
        Some(json!({"field": "status", "value": "cancelled", "seen": 100})),
    );
    let d = s.enroll("u1", "team-a", "3205", 1);
    let (st, p) = d.pull(0);
    assert_eq!(st, 200);
    assert_eq!(p["snapshot"], true);
    let ids: Vec<(&str, &str)> = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["entity"].as_str().unwrap(), c["id"].as_str().unwrap()))
        .collect();
    // The center's key set and revocation list (made at its first start) reach every device.
    assert_eq!(
        ids,
        vec![
            ("keyring", "center"),
            ("revocations", "center"),
            ("enterprise", "E-1"),
            ("task", "T-A")
        ],
        "{p}"
    );
    let task = &p["changes"][3]["value"];
    assert_eq!(task["status"], "cancelled");
    assert!(task.get("team").is_none());
    // Reassigning T-B to team-a sends it; to team-b again sends a removal.
    let cursor = p["cursor"].as_i64().unwrap();
    s.admin(
        "PATCH",
        "/v1/tasks/T-B",
        Some(json!({"field": "assignment", "value": "team-a", "seen": 1000})),
    );
    let (_, p2) = d.pull(cursor);
    assert_eq!(p2["snapshot"], false);
    assert_eq!(p2["changes"][0]["id"], "T-B");
    assert_eq!(p2["changes"][0]["kind"], "put");
    s.admin(
        "PATCH",
        "/v1/tasks/T-B",
        Some(json!({"field": "assignment", "value": "team-b", "seen": 1000})),
    );
    let (_, p3) = d.pull(p2["cursor"].as_i64().unwrap());
    assert_eq!(p3["changes"][0]["kind"], "remove", "{p3}");
}

fn patch_blob(
    s: &Server,
    token: &str,
    sha: &str,
    offset: u64,
    len: u64,
    bytes: &[u8],
) -> (u16, Value) {
    let r = ureq::request("PATCH", &format!("{}/v1/blobs/{sha}", s.base))
        .set("fieldcase-protocol", "1")
        .set("authorization", &format!("Bearer {token}"))
        .set("upload-offset", &offset.to_string())
        .set("upload-length", &len.to_string())
        .send_bytes(bytes);
    match r {
        Ok(resp) => (resp.status(), resp.into_json().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(c, resp)) => (c, resp.into_json().unwrap_or(Value::Null)),
        Err(e) => panic!("{e}"),
    }
}

impl Server {
    /// The durable offset the server answers for a blob, as a device asks before resuming (0
    /// while it knows no upload: 404).
    fn blob_offset(&self, token: &str, sha: &str) -> u64 {
        match ureq::head(&format!("{}/v1/blobs/{sha}", self.base))
            .set("fieldcase-protocol", "1")
            .set("authorization", &format!("Bearer {token}"))
            .call()
        {
            Ok(r) => r.header("upload-offset").unwrap().parse().unwrap(),
            Err(ureq::Error::Status(404, _)) => 0,
            Err(e) => panic!("HEAD {}: {e}", self.base),
        }
    }

    /// Uploads `data` from byte `from` on: the rest of the blob.
    fn resume_blob(&self, token: &str, sha: &str, data: &[u8], from: u64) -> (u16, Value) {
        patch_blob(
            self,
            token,
            sha,
            from,
            data.len() as u64,
            &data[from as usize..],
        )
    }

    /// A raw connection that has sent the head of an upload of all of `len` bytes from 0, and
    /// sends its body as the test writes it (to cut it, hold it open or let it go silent).
    fn open_upload(&self, token: &str, sha: &str, len: usize) -> std::net::TcpStream {
        let mut tcp = std::net::TcpStream::connect(&self.addr).unwrap();
        write!(tcp, "PATCH /v1/blobs/{sha} HTTP/1.1\r\nhost: x\r\nfieldcase-protocol: 1\r\nauthorization: Bearer {token}\r\nupload-offset: 0\r\nupload-length: {len}\r\ncontent-length: {len}\r\n\r\n").unwrap();
        tcp
    }

    /// The blob names the blob store holds (not uploads in progress).
    fn stored_blobs(&self) -> Vec<String> {
        match &self.blobs {
            Blobs::Local(dir) => {
                let mut names = Vec::new();
                for sub in std::fs::read_dir(dir).unwrap() {
                    let sub = sub.unwrap().path();
                    if sub.is_dir() && !sub.ends_with("partial") {
                        for f in std::fs::read_dir(sub).unwrap() {
                            names.push(f.unwrap().file_name().to_string_lossy().into_owned());
                        }
                    }
                }
                names
            }
            Blobs::S3(b) => b
                .keys()
                .into_iter()
                .map(|k| {
                    let name = k
                        .strip_prefix(&format!("{S3_PREFIX}/"))
                        .expect("under the prefix");
                    name.split_once('/').expect("XX/sha").1.to_string()
                })
                .collect(),
        }
    }

    fn get_blob(&self, token: &str, sha: &str) -> (u16, Vec<u8>) {
        let r = ureq::get(&format!("{}/v1/blobs/{sha}", self.base))
            .set("fieldcase-protocol", "1")
            .set("authorization", &format!("Bearer {token}"))
            .call();
        match r {
            Ok(resp) => {
                let mut out = Vec::new();
                std::io::Read::read_to_end(&mut resp.into_reader(), &mut out).unwrap();
                (200, out)
            }
            Err(ureq::Error::Status(c, _)) => (c, Vec::new()),
            Err(e) => panic!("{e}"),
        }
    }
}

/// One HTTP/1.1 answer read off a raw connection that stays open (its head, and a body of its
/// content-length).
fn http_answer(tcp: &mut std::net::TcpStream) -> String {
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map_or(0, |n| n.trim().parse::<usize>().unwrap());
            if got.len() >= end + 4 + length {
                return text;
            }
        }
        let n = std::io::Read::read(tcp, &mut buf).unwrap();
        assert!(n > 0, "the connection closed after {text:?}");
        got.extend_from_slice(&buf[..n]);
    }
}

fn test_bytes(n: u32, salt: u32) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 13 + salt) as u8).collect()
}

fn blob_upload_resumes_and_checks_hash(s: &Server) {
    let d = s.enroll("u1", "team-a", "3205", 1);
    let data = test_bytes(5_000_000, 0);
    let sha = Sha256::of(&data).to_string();
    // Send 3 MB of a 5 MB upload, then cut the connection.
    let cut = 3_000_000;
    let mut tcp = s.open_upload(&d.token, &sha, data.len());
    tcp.write_all(&data[..cut]).unwrap();
    tcp.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(tcp);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let offset = s.blob_offset(&d.token, &sha);
    assert!(
        cut as u64 - offset <= 256 * 1024,
        "resent {} bytes",
        cut as u64 - offset
    );
    // Wrong offset is refused with the durable one.
    let (st, r) = patch_blob(s, &d.token, &sha, 0, data.len() as u64, &data[..10]);
    if offset != 0 {
        assert_eq!((st, r["offset"].as_u64()), (409, Some(offset)), "{r}");
    }
    let (st, r) = s.resume_blob(&d.token, &sha, &data, offset);
    assert_eq!((st, r["complete"].as_bool()), (200, Some(true)), "{r}");
    assert_eq!(s.stored_blobs(), vec![sha.clone()]);
    // Read back byte for byte (the bootstrap admin is center staff).
    let (st, back) = s.get_blob(ADMIN, &sha);
    assert_eq!(st, 200);
    assert!(
        back == data,
        "read back {} bytes, not the upload",
        back.len()
    );
    // Already complete: answered at once.
    let (st, r) = patch_blob(s, &d.token, &sha, 0, data.len() as u64, b"");
    assert_eq!((st, r["complete"].as_bool()), (200, Some(true)));
    // Wrong content under a name: refused and discarded, nothing stored.
    let other = "b".repeat(64);
    let (st, r) = patch_blob(s, &d.token, &other, 0, 4, b"abcd");
    assert_eq!((st, r["code"].as_str()), (422, Some("blob.hash_mismatch")));
    assert_eq!(s.stored_blobs(), vec![sha.clone()]);
    assert_eq!(s.get_blob(ADMIN, &other).0, 404);
    let (st, _) = call(
        "HEAD",
        &format!("{}/v1/blobs/{other}", s.base),
        Some(&d.token),
        None,
    );
    assert_eq!(st, 404);
    // Path tricks.
    for bad in ["..%2Fx", "ABCDEF", &"A".repeat(64)] {
        let (st, r) = patch_blob(s, &d.token, bad, 0, 1, b"x");
        assert_eq!(
            (st, r["code"].as_str()),
            (400, Some("blob.bad_name")),
            "{bad}"
        );
    }
}

/// An upload in progress is its device's own. Another enrolled device that learned the blob's
/// name (a teammate's pulled case names it) cannot see it, cannot discard it by sending garbage
/// under the name, and cannot hold it busy; once any device's upload is stored, every device is
/// answered complete and no staged bytes stay behind.
fn another_device_cannot_disturb_an_upload(s: &Server) {
    let d = s.enroll("u1", "team-a", "3205", 1);
    let m = s.enroll("u2", "team-a", "3205", 2);
    let data = test_bytes(1_000_000, 9);
    let sha = Sha256::of(&data).to_string();
    let len = data.len() as u64;
    // d sends 600 KB of the blob, and the request ends there.
    let (st, r) = patch_blob(s, &d.token, &sha, 0, len, &data[..600_000]);
    assert_eq!((st, r["offset"].as_u64()), (200, Some(600_000)), "{r}");
    // Not m's upload: m is told of none, and starts its own from 0.
    assert_eq!(s.blob_offset(&m.token, &sha), 0);
    // (A short body: the center answers before it reads one, and a long one still being
    // written could be reset before the answer is read.)
    let (st, r) = patch_blob(s, &m.token, &sha, 600_000, len, &data[600_000..601_024]);
    assert_eq!((st, r["offset"].as_u64()), (409, Some(0)), "{r}");
    // m's garbage under the name, of the right length or another: refused, m's alone.
    let garbage = test_bytes(1_000_000, 1);
    let (st, r) = patch_blob(s, &m.token, &sha, 0, len, &garbage);
    assert_eq!(
        (st, r["code"].as_str()),
        (422, Some("blob.hash_mismatch")),
        "{r}"
    );
    let (st, r) = patch_blob(s, &m.token, &sha, 0, 5, b"abcde");
    assert_eq!(
        (st, r["code"].as_str()),
        (422, Some("blob.hash_mismatch")),
        "{r}"
    );
    assert_eq!(s.blob_offset(&d.token, &sha), 600_000);
    // m holds an upload of the name open: d's resume is not kept waiting.
    let mut held = s.open_upload(&m.token, &sha, data.len());
    held.write_all(&garbage[..300_000]).unwrap();
    held.flush().unwrap();
    // Under way: m's own progress saved once past 256 KiB (and only m is told of it).
    (0..200)
        .map(|_| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            s.blob_offset(&m.token, &sha)
        })
        .find(|&o| o > 0)
        .expect("m's upload saved its progress");
    let (st, r) = s.resume_blob(&d.token, &sha, &data, 600_000);
    assert_eq!((st, r["complete"].as_bool()), (200, Some(true)), "{r}");
    assert_eq!(s.stored_blobs(), vec![sha.clone()]);
    let (st, back) = s.get_blob(ADMIN, &sha);
    assert_eq!(st, 200);
    assert!(back == data, "read back {} bytes", back.len());
    // Stored: m's upload has nothing left to do, whatever it sends.
    held.write_all(&garbage[300_000..]).unwrap();
    let answer = http_answer(&mut held);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"complete\":true"), "{answer}");
    assert_eq!(s.blob_offset(&m.token, &sha), len);
    let (st, r) = patch_blob(s, &m.token, &sha, 0, len, b"");
    assert_eq!((st, r["complete"].as_bool()), (200, Some(true)), "{r}");
    let (st, back) = s.get_blob(ADMIN, &sha);
    assert!(st == 200 && back == data, "stored bytes changed");
    if let Blobs::Local(dir) = &s.blobs {
        let staged = dir.join("partial").join(&sha);
        assert!(!staged.exists(), "{} left behind", staged.display());
    }
}

/// Reading a blob back: center staff and the device whose ops name it; not another inspector.
fn blob_read_back_is_scoped(s: &Server) {
    setup_tasks(s);
    let mut d = s.enroll("u1", "team-a", "3205", 1);
    let d2 = s.enroll("u2", "team-a", "3205", 2);
    let data = test_bytes(700_000, 3);
    let sha = Sha256::of(&data).to_string();
    let (st, r) = patch_blob(s, &d.token, &sha, 0, data.len() as u64, &data);
    assert_eq!((st, r["complete"].as_bool()), (200, Some(true)), "{r}");
    // Not yet named by any op of d: only the center reads it.
    assert_eq!(s.get_blob(&d.token, &sha).0, 403);
    let open = d.op(Some("C-1"), "case_opened", &opened("T-A"), 0);
    let mut note = d.op(Some("C-1"), "note", &json!({"photo": sha}).to_string(), 0);
    note["blobs"] = json!([sha]);
    let (st, r) = d.push(vec![open, note]);
    assert_eq!(st, 200, "{r}");
    assert_eq!(s.get_blob(&d.token, &sha), (200, data.clone()));
    assert_eq!(s.get_blob(&d2.token, &sha).0, 403);
    assert_eq!(s.get_blob(ADMIN, &sha), (200, data));
    assert_eq!(s.get_blob(ADMIN, &"c".repeat(64)).0, 404);
    assert_eq!(s.get_blob("wrong", &sha).0, 401);
}

impl Server {
    /// Puts `bytes` in the blob store under `sha` behind the center's back (a disk fault, or
    /// someone with access to the folder or the bucket); `None` removes the blob.
    fn damage_stored(&self, sha: &str, bytes: Option<&[u8]>) {
        match &self.blobs {
            Blobs::Local(dir) => {
                let path = dir.join(&sha[..2]).join(sha);
                match bytes {
                    Some(b) => std::fs::write(&path, b).unwrap(),
                    None => std::fs::remove_file(&path).unwrap(),
                }
            }
            Blobs::S3(bucket) => {
                let key = format!("{S3_PREFIX}/{}/{sha}", &sha[..2]);
                match bytes {
                    Some(b) => bucket.plant(&key, b),
                    None => bucket.remove(&key),
                }
            }
        }
    }

    /// A blob read on a raw connection: the status, the body's declared length and the bytes
    /// that came before the center closed the connection (a body cut short is not an error
    /// here, it is what is being looked at).
    fn get_blob_raw(&self, sha: &str) -> (u16, Option<usize>, Vec<u8>) {
        let mut tcp = std::net::TcpStream::connect(&self.addr).unwrap();
        write!(tcp, "GET /v1/blobs/{sha} HTTP/1.1\r\nhost: x\r\nfieldcase-protocol: 1\r\nauthorization: Bearer {ADMIN}\r\nconnection: close\r\n\r\n").unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            match std::io::Read::read(&mut tcp, &mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                // A reset after the center dropped the body mid-way ends it as well.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => panic!("reading the blob: {e}"),
            }
        }
        let end = got
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a head")
            + 4;
        let head = String::from_utf8_lossy(&got[..end]).to_lowercase();
        let status = head[9..12].parse().unwrap();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .map(|n| n.trim().parse().unwrap());
        (status, length, got[end..].to_vec())
    }

    /// The alerts recorded with `code`, as the admin lists them.
    fn alerts_coded(&self, code: &str) -> Vec<Value> {
        let (status, alerts) = self.admin("GET", "/v1/admin/alerts", None);
        assert_eq!(status, 200, "{alerts}");
        let all = alerts.as_array().unwrap().iter();
        all.filter(|a| a["code"] == code).cloned().collect()
    }

    /// The `blob.corrupt` alerts: (device, seq, reason).
    fn corrupt_blob_alerts(&self) -> Vec<(String, i64, String)> {
        let mut out: Vec<_> = self
            .alerts_coded("blob.corrupt")
            .iter()
            .map(|a| {
                (
                    a["device_id"].as_str().unwrap().to_string(),
                    a["seq"].as_i64().unwrap(),
                    a["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        out.sort();
        out
    }
}

/// Stored evidence changed behind the center's back is never handed out as the blob: bytes that
/// no longer hash to the name stop short of the body's end (the last chunk is held until the
/// hash is known), a wrong length or a missing file is refused before a byte (500,
/// `blob.corrupt`), and each damaged blob is one alert on the device whose op named it, however
/// often it is read. Sound blobs beside them are served whole.
fn a_damaged_blob_is_never_served(s: &Server) {
    setup_tasks(s);
    let mut d = s.enroll("u1", "team-a", "3205", 1);
    // Larger than a read chunk (1 MiB), so the bytes are checked over several chunks.
    let blobs: Vec<Vec<u8>> = (0..4).map(|i| test_bytes(2_500_000, 10 + i)).collect();
    let shas: Vec<String> = blobs.iter().map(|b| Sha256::of(b).to_string()).collect();
    for (data, sha) in blobs.iter().zip(&shas) {
        let (st, r) = patch_blob(s, &d.token, sha, 0, data.len() as u64, data);
        assert_eq!((st, r["complete"].as_bool()), (200, Some(true)), "{r}");
    }
    let mut ops = vec![d.op(Some("C-1"), "case_opened", &opened("T-A"), 0)];
    for sha in &shas {
        let mut note = d.op(Some("C-1"), "note", &json!({"photo": sha}).to_string(), 0);
        note["blobs"] = json!([sha]);
        ops.push(note);
    }
    let (st, r) = d.push(ops);
    assert_eq!(st, 200, "{r}");
    let (sound, flipped, short, gone) = (&shas[0], &shas[1], &shas[2], &shas[3]);

    // One byte changed near the end: the same length, other bytes.
    let mut changed = blobs[1].clone();
    let at = changed.len() - 10;
    changed[at] ^= 1;
    s.damage_stored(flipped, Some(&changed));
    s.damage_stored(short, Some(&blobs[2][..1000]));
    s.damage_stored(gone, None);

    let (status, length, body) = s.get_blob_raw(sound);
    assert_eq!((status, length), (200, Some(blobs[0].len())));
    assert!(body == blobs[0], "the sound blob is served whole");
    for _ in 0..2 {
        let (status, length, body) = s.get_blob_raw(flipped);
        assert_eq!((status, length), (200, Some(changed.len())));
        assert!(
            body.len() < changed.len() && changed.starts_with(&body),
            "the changed bytes stop short: {} of {} bytes came",
            body.len(),
            changed.len()
        );
    }
    // Reads at the same instant all find the damage; it is still one alert (checked below).
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| assert_eq!(s.get_blob_raw(flipped).0, 200));
        }
    });
    for sha in [short, gone] {
        let (status, r) = call(
            "GET",
            &format!("{}/v1/blobs/{sha}", s.base),
            Some(ADMIN),
            None,
        );
        assert_eq!(
            (status, r["code"].as_str()),
            (500, Some("blob.corrupt")),
            "{r}"
        );
    }
    // The device's own read is refused the same way.
    assert_eq!(s.get_blob(&d.token, short).0, 500);

    // One alert per damaged blob, on the op that named it (seqs 2..=5 carry the four blobs).
    // The alert for bytes found changed at the end of a read is recorded beside the read.
    let want = |sha: &str, seq: i64, why: &str| (d.id.clone(), seq, format!("blob {sha}: {why}"));
    let mut expected = vec![
        want(flipped, 3, "its stored bytes no longer hash to its name"),
        want(
            short,
            4,
            "its stored bytes are not the length recorded at upload",
        ),
        want(gone, 5, "its stored bytes are missing from the blob store"),
    ];
    expected.sort();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.corrupt_blob_alerts() != expected && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(s.corrupt_blob_alerts(), expected);

    // The scrub, two blobs a page: every stored blob read back; the three damaged ones named,
    // and their alerts not recorded twice.
    let (mut checked, mut found, mut after) = (0, Vec::new(), String::new());
    loop {
        let (status, page) = s.admin(
            "POST",
            &format!("/v1/admin/blobs/check?limit=2&after={after}"),
            None,
        );
        assert_eq!(status, 200, "{page}");
        checked += page["checked"].as_u64().unwrap();
        for d in page["damaged"].as_array().unwrap() {
            found.push(d["sha256"].as_str().unwrap().to_string());
        }
        match page["next"].as_str() {
            Some(next) => after = next.to_string(),
            None => break,
        }
    }
    found.sort();
    let mut want = vec![flipped.clone(), short.clone(), gone.clone()];
    want.sort();
    assert_eq!((checked, found), (4, want));
    assert_eq!(s.corrupt_blob_alerts(), expected);
    let (status, r) = s.admin("POST", "/v1/admin/blobs/check?after=x", None);
    assert_eq!(
        (status, r["code"].as_str()),
        (400, Some("request.bad")),
        "{r}"
    );
    assert_eq!(
        call(
            "POST",
            &format!("{}/v1/admin/blobs/check", s.base),
            Some(&d.token),
            None
        )
        .0,
        403
    );
}

/// S3 only: the bucket is written create-only. A blob the bucket already holds is answered
/// complete at once; an object that appears under the name while an upload is in progress is
/// never overwritten (same bytes: success; other bytes: refused, left alone).
fn s3_create_only(s: &Server) {
    let Blobs::S3(bucket) = &s.blobs else {
        unreachable!()
    };
    let d = s.enroll("u1", "team-a", "3205", 1);
    let key = |sha: &str| format!("{S3_PREFIX}/{}/{sha}", &sha[..2]);

    // Already in the bucket (the database has no row): complete at once, no body needed.
    let have = test_bytes(300_000, 1);
    let have_sha = Sha256::of(&have).to_string();
    bucket.plant(&key(&have_sha), &have);
    let stamp = bucket.stamp(&key(&have_sha));
    let (st, r) = call(
        "HEAD",
        &format!("{}/v1/blobs/{have_sha}", s.base),
        Some(&d.token),
        None,
    );
    assert_eq!(st, 200, "{r}");
    let (st, r) = patch_blob(s, &d.token, &have_sha, 0, have.len() as u64, b"");
    assert_eq!((st, r["complete"].as_bool()), (200, Some(true)), "{r}");
    assert_eq!(r["offset"].as_u64(), Some(have.len() as u64));
    assert_eq!(bucket.stamp(&key(&have_sha)), stamp);

    // The same bytes appear mid-upload: the finished upload is accepted, the object untouched.
    let data = test_bytes(1_000_000, 2);
    let sha = Sha256::of(&data).to_string();
    let half = 600_000;
    let (st, r) = patch_blob(s, &d.token, &sha, 0, data.len() as u64, &data[..half]);
    assert_eq!((st, r["offset"].as_u64()), (200, Some(half as u64)), "{r}");
    bucket.plant(&key(&sha), &data);
    let before = bucket.stamp(&key(&sha)).expect("planted");
    std::thread::sleep(std::time::Duration::from_millis(1100)); // a rewrite would change Last-Modified
    let (st, r) = patch_blob(
        s,
        &d.token,
        &sha,
        half as u64,
        data.len() as u64,
        &data[half..],
    );
    assert_eq!((st, r["complete"].as_bool()), (200, Some(true)), "{r}");
    assert_eq!(bucket.stamp(&key(&sha)), Some(before));

    // Other bytes appear under the name mid-upload: the upload is refused, they are left alone.
    let data = test_bytes(400_000, 4);
    let sha = Sha256::of(&data).to_string();
    let (st, _) = patch_blob(s, &d.token, &sha, 0, data.len() as u64, &data[..100_000]);
    assert_eq!(st, 200);
    bucket.plant(&key(&sha), b"tampered");
    let before = bucket.stamp(&key(&sha)).expect("planted");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (st, r) = patch_blob(
        s,
        &d.token,
        &sha,
        100_000,
        data.len() as u64,
        &data[100_000..],
    );
    assert_eq!(st, 500, "{r}");
    assert_eq!(bucket.stamp(&key(&sha)), Some(before));
    assert_eq!(bucket.get(&key(&sha)), b"tampered");

    // Other bytes under a name the center knows nothing of: not taken for the blob (not
    // answered complete, so the device uploads it), and not replaced by the upload either.
    let data = test_bytes(300_000, 6);
    let sha = Sha256::of(&data).to_string();
    bucket.plant(&key(&sha), b"planted");
    let (st, r) = call(
        "HEAD",
        &format!("{}/v1/blobs/{sha}", s.base),
        Some(&d.token),
        None,
    );
    assert_eq!(st, 404, "{r}");
    let (st, r) = patch_blob(s, &d.token, &sha, 0, data.len() as u64, &data);
    assert_eq!(st, 500, "{r}");
    assert_eq!(bucket.get(&key(&sha)), b"planted");
    assert_eq!(s.get_blob(ADMIN, &sha).0, 404);
}

/// The blob cases with blobs in S3 (SQLite database): `s3::NAME`.
macro_rules! on_s3 {
    ($($name:ident),* $(,)?) => {
        mod s3 {
            $(#[test]
            fn $name() {
                if let Some(s) = super::start_s3(concat!("s3::", stringify!($name))) {
                    super::$name(&s);
                }
            })*
        }
    };
}

on_s3!(
    blob_upload_resumes_and_checks_hash,
    blob_read_back_is_scoped,
    a_damaged_blob_is_never_served,
    s3_create_only,
);

/// A phone that walks out of coverage mid-upload leaves a connection the center never hears
/// close. While it is silent, the same blob's upload from the device's new connection is told
/// to come back later (503, `blob.busy`: transient, so the device backs off rather than asking
/// for attention); after `--body-idle-secs` of silence the center ends the stalled upload
/// (keeping what arrived) and the device resumes from its durable offset and completes. A push
/// whose body goes silent is ended the same way, with nothing stored.
#[test]
fn a_stalled_upload_lets_go_of_its_blob() {
    let s = start_flags(Backend::Sqlite, &["--body-idle-secs", "2"]);
    let d = s.enroll("u1", "team-a", "3205", 1);
    let data = test_bytes(1_000_000, 5);
    let sha = Sha256::of(&data).to_string();
    // The old connection: 300 KB, then a byte now and then (still alive, as far as the center
    // can tell), then nothing.
    let mut old = s.open_upload(&d.token, &sha, data.len());
    old.write_all(&data[..300_000]).unwrap();
    let mut sent = 300_000;
    let mut busy = None;
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        old.write_all(&data[sent..sent + 1]).unwrap();
        sent += 1;
        let at = s.blob_offset(&d.token, &sha);
        if at > 0 {
            // The device's resume from there. Only its first bytes: the center answers 503
            // before it reads the body and closes, and a longer body still being written then
            // can end in a reset before the answer is read (a transport error for the device,
            // retried as such; here it would hide the answer).
            let head = &data[at as usize..at as usize + 1024];
            busy = Some(patch_blob(&s, &d.token, &sha, at, data.len() as u64, head));
            break;
        }
    }
    let (st, r) = busy.expect("the old upload saved its progress");
    assert_eq!((st, r["code"].as_str()), (503, Some("blob.busy")), "{r}");

    // Silence: the center ends the old upload and answers it 408.
    old.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut answer = [0u8; 64];
    let n = std::io::Read::read(&mut old, &mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // The device resumes from what the center kept, and completes.
    let at = s.blob_offset(&d.token, &sha);
    assert!(
        (256 * 1024..=sent as u64).contains(&at),
        "kept {at} of the {sent} bytes sent"
    );
    let (st, r) = s.resume_blob(&d.token, &sha, &data, at);
    assert_eq!((st, r["complete"].as_bool()), (200, Some(true)), "{r}");
    let (st, back) = s.get_blob(ADMIN, &sha);
    assert_eq!(st, 200);
    assert!(back == data, "read back {} bytes", back.len());

    // A push cut off mid-body, the connection left open.
    setup_tasks(&s);
    let mut p = s.enroll("u2", "team-a", "3205", 2);
    let op = p.op(Some("C-9"), "case_opened", &opened("T-A"), 0);
    let body = json!({"protocol": 1, "device_id": p.id, "ops": [op]}).to_string();
    let mut push = std::net::TcpStream::connect(&s.addr).unwrap();
    write!(push, "POST /v1/sync/push HTTP/1.1\r\nhost: x\r\nfieldcase-protocol: 1\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}", p.token, body.len(), &body[..body.len() / 2]).unwrap();
    push.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut push, &mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request.stalled"), "{answer}");
    // Nothing of it was stored: the same op is applied when pushed whole.
    let (st, r) = p.push(vec![op]);
    assert_eq!(st, 200, "{r}");
    assert!(all_outcomes(&r, "applied"), "{r}");
}

/// Oversized bodies and batches are refused with 413 before anything is stored; the device
/// then pushes normally from the same seq.
fn oversized_bodies_and_batches_refused(s: &Server) {
    setup_tasks(s);
    let mut d = s.enroll("u1", "team-a", "3205", 1);
    // 501 ops: one more than a batch may hold.
    let mut probe = s.enroll("u2", "team-a", "3205", 2);
    let ops: Vec<Value> = (0..501).map(|_| probe.op(None, "note", "{}", 0)).collect();
    let (st, body) = probe.push(ops);
    assert_eq!(
        (st, body["code"].as_str()),
        (413, Some("request.too_large")),
        "{body}"
    );
    // A push body over 8 MiB, and an admin body over 1 MiB.
    let big = "x".repeat(9 << 20);
    let op = d.op(None, "note", &json!({"text": big}).to_string(), 0);
    let push = json!({"protocol": 1, "device_id": d.id, "ops": [op]});
    let refused = |r: Option<(u16, Value)>| {
        r.is_none_or(|(st, body)| st == 413 && body["code"] == "request.too_large")
    };
    assert!(refused(call_oversized(
        "POST",
        &format!("{}/v1/sync/push", s.base),
        &d.token,
        push
    )));
    let huge = json!([{"id": "E-X", "area": "3205", "name": "y".repeat(2 << 20)}]);
    assert!(refused(call_oversized(
        "POST",
        &format!("{}/v1/enterprises", s.base),
        ADMIN,
        huge
    )));
    // Nothing was stored: both devices still start at seq 1.
    let mut fresh = s.enroll("u3", "team-a", "3205", 3);
    let op = fresh.op(Some("C-3"), "case_opened", &opened("T-A"), 0);
    let (st, r) = fresh.push(vec![op]);
    assert_eq!(st, 200, "{r}");
    d.seq = 0;
    d.prev = GENESIS.into();
    let op = d.op(Some("C-1"), "case_opened", &opened("T-A"), 0);
    let (st, r) = d.push(vec![op]);
    assert_eq!((st, r["last_seq"].as_i64()), (200, Some(1)), "{r}");
    probe.seq = 0;
    probe.prev = GENESIS.into();
    let op = probe.op(None, "note", "{}", 0);
    let (st, r) = probe.push(vec![op]);
    assert_eq!((st, r["last_seq"].as_i64()), (200, Some(1)), "{r}");
}

/// Pushes arriving together share one transaction (group commit): a batch refused inside the
/// group (a sequence gap, a chain that does not continue the one held, an op id used twice —
/// found only once its links are written) rolls back alone, and the batches beside it are
/// stored and answered as if each had come on its own. (On PostgreSQL the op id's failure rolls
/// back the group's first run, with no savepoints, and the group runs again push by push.)
fn pushes_together_are_refused_or_applied_each_alone(s: &Server) {
    setup_tasks(s);
    let mut devs: Vec<Dev> = (0..12)
        .map(|i| s.enroll(&format!("g{i}"), "team-a", "3205", 40 + i as u8))
        .collect();
    let batches: Vec<Vec<Value>> = devs
        .iter_mut()
        .enumerate()
        .map(|(i, d)| {
            if i == 0 {
                // Starts at seq 2: a gap.
                let _skipped = d.op(None, "note", "{}", 0);
            }
            if i == 1 {
                // Well signed, but continuing a chain the center does not hold.
                d.prev = "ab".repeat(32);
            }
            let mut ops: Vec<Value> = (0..10).map(|_| d.op(None, "note", "{}", 0)).collect();
            if i == 2 {
                // The last link reuses the first one's op id: the other nine are written first.
                let first = ops[0]["link"]["op_id"].as_str().unwrap().to_string();
                d.seq -= 1;
                d.prev = ops[8]["link"]["hash"].as_str().unwrap().to_string();
                ops[9] = d.op_with_id(&first, None, "note", "{}", 0);
            }
            ops
        })
        .collect();
    let answers = at_once(devs.len(), |i| devs[i].push(batches[i].clone()));
    assert_eq!(
        (answers[0].0, answers[0].1["code"].as_str()),
        (409, Some("sync.seq_gap")),
        "{}",
        answers[0].1
    );
    assert_eq!(
        (answers[1].0, answers[1].1["code"].as_str()),
        (422, Some("sync.chain_broken")),
        "{}",
        answers[1].1
    );
    assert_eq!(
        (answers[2].0, answers[2].1["code"].as_str()),
        (409, Some("sync.op_id_reused")),
        "{}",
        answers[2].1
    );
    for (st, r) in &answers[3..] {
        assert_eq!((*st, r["last_seq"].as_i64()), (200, Some(10)), "{r}");
        assert!(all_outcomes(r, "applied"), "{r}");
    }
    // Nothing of the refused batches was stored: their chains still start at 1.
    for d in &mut devs[..3] {
        d.seq = 0;
        d.prev = GENESIS.into();
        let op = d.op(None, "note", "{}", 0);
        let (st, r) = d.push(vec![op]);
        assert_eq!((st, r["last_seq"].as_i64()), (200, Some(1)), "{r}");
    }
    // The applied batches are held: replayed, they answer already applied.
    let (st, r) = devs[5].push(batches[5].clone());
    assert_eq!(st, 200, "{r}");
    assert!(all_outcomes(&r, "already_applied"), "{r}");
}

/// A device that sends a push again while the first is still in flight (a retry after a
/// timeout): the two land in different groups, and when two devices do it at once the groups can
/// hold their pushes in crossed orders. Every push must still be answered, each op applied once.
/// (On PostgreSQL the groups locked their devices push by push, and crossed orders deadlocked:
/// about one round in twelve failed a push with an internal error after a second's wait. Groups
/// now lock all their devices first, in one order: `devices::lock_all`.)
fn a_push_sent_again_while_in_flight_is_answered(s: &Server) {
    let mut devs: Vec<Dev> = (0..8)
        .map(|i| s.enroll(&format!("r{i}"), "team-a", "3205", 60 + i as u8))
        .collect();
    let batches: Vec<Vec<Value>> = devs
        .iter_mut()
        .map(|d| vec![d.op(None, "note", "{}", 0)])
        .collect();
    for round in 0..100 {
        // Each device's push twice, the copies in the opposite order of the originals.
        let order: Vec<usize> = (0..8).chain((0..8).rev()).collect();
        let answers = at_once(order.len(), |k| {
            devs[order[k]].push(batches[order[k]].clone())
        });
        let mut applied = [0; 8];
        for (&i, (st, r)) in order.iter().zip(&answers) {
            assert_eq!(*st, 200, "round {round}, device {i}: {r}");
            if all_outcomes(r, "applied") {
                applied[i] += 1;
            } else {
                assert!(all_outcomes(r, "already_applied"), "{r}");
            }
        }
        let once = if round == 0 { [1; 8] } else { [0; 8] };
        assert_eq!(applied, once, "round {round}: each op applied exactly once");
    }
}

/// The center cancels tasks while devices that had seen them dispatched open cases on them, at
/// the same instant. Whichever commits first, the other then finds a value it had not seen: a
/// concurrent edit, so exactly one conflict record per task. (On PostgreSQL a push and a center
/// write used to read the field at once, each find the value it had seen, and both write: the
/// later overwrote the earlier, a cancelled task went back to in progress, and no record was
/// kept. Shared-field writers now lock the task's row before reading: `merge::write`.)
fn a_center_edit_racing_a_push_leaves_one_conflict(s: &Server) {
    setup_tasks(s);
    const N: usize = 16;
    let tasks: Vec<Value> = (0..N)
        .map(|i| task(&format!("T-R{i}"), "team-a", "E-1"))
        .collect();
    let (st, r) = s.admin("POST", "/v1/tasks", Some(Value::Array(tasks)));
    assert_eq!(st, 200, "{r}");
    let mut devs: Vec<Dev> = (0..N)
        .map(|i| s.enroll(&format!("c{i}"), "team-a", "3205", 80 + i as u8))
        .collect();
    let seen = devs[0].pull(0).1["cursor"].as_i64().unwrap();
    let ops: Vec<Value> = devs
        .iter_mut()
        .enumerate()
        .map(|(i, d)| {
            d.op(
                Some(&format!("C-R{i}")),
                "case_opened",
                &opened(&format!("T-R{i}")),
                seen,
            )
        })
        .collect();
    // Even calls push task i's case opening, odd ones cancel task i.
    let answers = at_once(2 * N, |k| {
        let i = k / 2;
        if k % 2 == 0 {
            devs[i].push(vec![ops[i].clone()])
        } else {
            s.admin(
                "PATCH",
                &format!("/v1/tasks/T-R{i}"),
                Some(json!({"field": "status", "value": "cancelled", "seen": seen})),
            )
        }
    });
    for (k, (st, r)) in answers.iter().enumerate() {
        let what = if k % 2 == 0 { "push" } else { "cancel" };
        assert_eq!(*st, 200, "{what} {}: {r}", k / 2);
    }
    let (st, list) = s.admin("GET", "/v1/conflicts?limit=500", None);
    assert_eq!(st, 200, "{list}");
    for i in 0..N {
        let task = format!("T-R{i}");
        let records = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["entity_id"] == task.as_str())
            .count();
        assert_eq!(
            records, 1,
            "{task}: one conflict record per concurrent edit: {list}"
        );
    }
}

/// Devices of one team open cases on the same two tasks at once, in crossed orders, round after
/// round: every push is answered and applied. (Each push locks the task whose status it writes;
/// groups that took their tasks push by push, in crossed orders, deadlocked on PostgreSQL. A
/// group now locks all its tasks first, in one order: `push::tasks_written`.)
fn pushes_on_shared_tasks_in_crossed_orders_are_answered(s: &Server) {
    let tasks = json!([task("T-Q1", "team-q", "E-1"), task("T-Q2", "team-q", "E-1")]);
    setup_tasks(s);
    let (st, r) = s.admin("POST", "/v1/tasks", Some(tasks));
    assert_eq!(st, 200, "{r}");
    let mut devs: Vec<Dev> = (0..8)
        .map(|i| s.enroll(&format!("q{i}"), "team-q", "3205", 100 + i as u8))
        .collect();
    let seen = devs[0].pull(0).1["cursor"].as_i64().unwrap();
    for round in 0..40 {
        // Devices 0, 3, 4, 7 on T-Q1 and 1, 2, 5, 6 on T-Q2: Q1 Q2 Q2 Q1 Q1 Q2 Q2 Q1.
        let ops: Vec<Value> = devs
            .iter_mut()
            .enumerate()
            .map(|(i, d)| {
                let task = if matches!(i % 4, 0 | 3) {
                    "T-Q1"
                } else {
                    "T-Q2"
                };
                d.op(
                    Some(&format!("C-Q{i}-{round}")),
                    "case_opened",
                    &opened(task),
                    seen,
                )
            })
            .collect();
        let answers = at_once(devs.len(), |i| devs[i].push(vec![ops[i].clone()]));
        for (i, (st, r)) in answers.iter().enumerate() {
            assert_eq!(*st, 200, "round {round}, device {i}: {r}");
            assert!(all_outcomes(r, "applied"), "round {round}, device {i}: {r}");
        }
    }
}

on_both_backends!(
    malformed_requests_refused_nothing_stored,
    pushes_on_shared_tasks_in_crossed_orders_are_answered,
    a_center_edit_racing_a_push_leaves_one_conflict,
    a_push_sent_again_while_in_flight_is_answered,
    oversized_bodies_and_batches_refused,
    protocol_header_and_unknown_fields,
    enrollment_codes_are_one_time,
    enrollment_needs_proof_of_the_key,
    enrollment_refuses_weak_keys,
    push_replay_gap_and_broken_chain,
    links_without_case_or_payload_stored_beside_case_links,
    pushes_together_are_refused_or_applied_each_alone,
    op_ids_are_never_reused,
    a_revoked_device_in_contact_is_one_alert,
    out_of_scope_rejected_chain_continues_and_concurrent_edit_one_conflict,
    pull_is_scoped_and_snapshot_compacts,
    blob_upload_resumes_and_checks_hash,
    blob_read_back_is_scoped,
    a_damaged_blob_is_never_served,
    another_device_cannot_disturb_an_upload,
);

/// Two replicas on one PostgreSQL database.
mod replicas {
    use super::*;

    /// One device pushes the same batch to both at once from several threads (the device row
    /// lock makes every op applied exactly once, the rest `already_applied`, and no request
    /// fails), while center writes land on both replicas and a device pulls page by page from
    /// either: no change is skipped (versions become visible in order).
    #[test]
    fn postgres_replicas_serialize_pushes_and_never_skip_changes() {
        let a = start(Backend::Postgres);
        let b = spawn(tempfile::tempdir().unwrap(), a.pg.as_deref().unwrap(), None);
        setup_tasks(&a);
        let mut d = a.enroll("u1", "team-a", "3205", 1);
        let mut ops = vec![d.op(Some("C-1"), "case_opened", &opened("T-A"), 0)];
        for _ in 0..20 {
            ops.push(d.op(Some("C-1"), "note", "{}", 0));
        }
        let body = json!({"protocol": 1, "device_id": d.id, "ops": ops});
        let answers: Vec<(u16, Value)> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..6)
                .map(|i| {
                    let (url, body, token) = (
                        format!("{}/v1/sync/push", [&a, &b][i % 2].base),
                        body.clone(),
                        d.token.clone(),
                    );
                    sc.spawn(move || call("POST", &url, Some(&token), Some(body)))
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut applied = vec![0; 21];
        for (st, r) in &answers {
            assert_eq!(*st, 200, "{r}");
            assert_eq!(r["last_seq"], 21);
            for (i, res) in r["results"].as_array().unwrap().iter().enumerate() {
                match res["outcome"].as_str() {
                    Some("applied") => applied[i] += 1,
                    Some("already_applied") => {}
                    other => panic!("seq {}: {other:?}", i + 1),
                }
            }
        }
        assert_eq!(applied, vec![1; 21], "each op applied exactly once");

        // Center writes on both replicas while the device pulls from either.
        let writing = std::sync::atomic::AtomicUsize::new(2);
        let seen = std::thread::scope(|sc| {
            for (k, s) in [&a, &b].into_iter().enumerate() {
                let writing = &writing;
                sc.spawn(move || {
                    for i in 0..25 {
                        let e = json!([enterprise(&format!("E-{k}-{i}"), "320506", "x")]);
                        let (st, r) = s.admin("POST", "/v1/enterprises", Some(e));
                        assert_eq!(st, 200, "{r}");
                    }
                    writing.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                });
            }
            let puller = sc.spawn(|| {
                let mut seen = std::collections::BTreeSet::new();
                let mut cursor = 0;
                for round in 0.. {
                    // Read before the pull: once the writers are done, a pull that says no more
                    // has seen all they wrote.
                    let done = writing.load(std::sync::atomic::Ordering::SeqCst) == 0;
                    let url = format!(
                        "{}/v1/sync/pull?cursor={cursor}&limit=3",
                        [&a, &b][round % 2].base
                    );
                    let (st, p) = call("GET", &url, Some(&d.token), None);
                    assert_eq!(st, 200, "{p}");
                    for c in p["changes"].as_array().unwrap() {
                        seen.insert(c["id"].as_str().unwrap().to_string());
                    }
                    cursor = p["cursor"].as_i64().unwrap();
                    if done && p["has_more"] == false {
                        break;
                    }
                }
                seen
            });
            puller.join().unwrap()
        });
        for k in 0..2 {
            for i in 0..25 {
                assert!(seen.contains(&format!("E-{k}-{i}")), "E-{k}-{i} skipped");
            }
        }
    }
    /// Two replicas sharing the blob folder (and so the staging folder under it), as the
    /// `--staging` help says replicas without sticky routing must: a blob is completed through
    /// replica a while a stale upload of the same blob (a request the load balancer duplicated,
    /// or the device's first try it gave up on) is still streaming into replica b. The stale
    /// upload's progress saves, and the cut that ends it, must not mark the blob incomplete
    /// again: the device was told complete and never sends it again, and the case it belongs
    /// to would stay incomplete at the center for good.
    #[test]
    fn a_completed_blob_stays_complete_while_a_stale_upload_ends() {
        let a = start(Backend::Postgres);
        let Blobs::Local(folder) = a.blobs.clone() else {
            panic!("a local blob folder")
        };
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(&folder, dir.path().join("blobs")).unwrap();
        let b = spawn(dir, a.pg.as_deref().unwrap(), None);
        let d = a.enroll("u1", "team-a", "3205", 1);
        let data = test_bytes(1_500_000, 3);
        let sha = Sha256::of(&data).to_string();
        // The stale upload: 300 KB into replica b, the connection held open.
        let mut stale = b.open_upload(&d.token, &sha, data.len());
        stale.write_all(&data[..300_000]).unwrap();
        stale.flush().unwrap();
        let saved = (0..100)
            .map(|_| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                a.blob_offset(&d.token, &sha)
            })
            .find(|&o| o > 0)
            .expect("replica b saved its progress");
        // Saved once past 256 KiB, at the end of the read that crossed it.
        assert!((256 * 1024..=300_000).contains(&saved), "{saved}");

        // The device resumes through replica a and completes the blob there.
        let (st, r) = a.resume_blob(&d.token, &sha, &data, saved);
        assert_eq!((st, r["complete"].as_bool()), (200, Some(true)), "{r}");

        // The stale upload goes on past its next progress save, then is cut. That save finds
        // the blob stored: the upload has nothing left to do, and is answered complete.
        stale.write_all(&data[300_000..700_000]).unwrap();
        stale.flush().unwrap();
        stale.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stale, &mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("\"complete\":true"), "{answer}");

        // Both replicas answer complete at once, as for any stored blob.
        for s in [&a, &b] {
            let (st, r) = patch_blob(s, &d.token, &sha, 0, data.len() as u64, b"");
            assert_eq!(
                (st, r["complete"].as_bool()),
                (200, Some(true)),
                "{}: {r}",
                s.base
            );
        }
        let (st, back) = b.get_blob(ADMIN, &sha);
        assert_eq!(st, 200);
        assert!(back == data, "read back {} bytes", back.len());
    }
}
