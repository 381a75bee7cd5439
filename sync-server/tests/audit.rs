//! The center's audit log, on the real server over loopback HTTP, on SQLite (`sqlite::…`) and
//! PostgreSQL (`postgres::…`): every admin and review action leaves one entry naming who did
//! what to which target, in a hash chain the log endpoint verifies; a row altered or deleted
//! directly in the database breaks the chain and the endpoint says where.

#[macro_use]
mod support;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use support::server::*;

fn ok(r: (u16, Value)) -> Value {
    assert_eq!(r.0, 200, "{}", r.1);
    r.1
}

/// The log as `(action, target) -> entry`, newest entry of each.
fn log(s: &Server, query: &str) -> Value {
    ok(s.admin("GET", &format!("/v1/admin/audit{query}"), None))
}

/// Every action of the center's API, done once, by the bootstrap admin or a center user.
fn act(s: &Server) -> BTreeMap<&'static str, String> {
    let mut did = BTreeMap::new();
    setup_tasks(s); // enterprise.import, task.create (and user/code/enroll below)
    did.insert("enterprise.import", "2 enterprises".to_string());
    did.insert("task.create", "2 tasks".to_string());
    let csv = "id,name,uscc,address,area,lat,lon\nE-9,某化工厂,91320506MA1XYZ1239,金枫路9号,320506,31.25,120.60\n";
    let r = call_raw(
        "POST",
        &format!("{}/v1/enterprises", s.base),
        Some(ADMIN),
        Some(("text/csv", csv.as_bytes())),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let mut insp = s.enroll("u-insp", "team-a", "3205", 1); // user.create, enrollment_code.create, device.enroll
    did.insert("user.create", "u-insp".into());
    did.insert("enrollment_code.create", "u-insp".into());
    did.insert("device.enroll", insp.id.clone());
    let clerk = s.enroll_as("u-clerk", "center_staff", None, "3205", 2);
    // The same user posted again is an update.
    ok(s.admin(
        "POST",
        "/v1/admin/users",
        Some(json!({"user_id": "u-insp", "name": "张伟",
        "role": "inspector", "area": "3205", "team": "team-a", "officer_id": null})),
    ));
    did.insert("user.update", "u-insp".into());

    // Review: a case from the inspector, put under review by the clerk (a center user).
    let open = insp.op(Some("C-1"), "case_opened", &opened("T-A"), 0);
    ok(insp.push(vec![open]));
    ok(call(
        "POST",
        &format!("{}/v1/cases/C-1/review", s.base),
        Some(&clerk.token),
        Some(json!({"state": "under_review"})),
    ));
    did.insert("case.review", "C-1".into());

    // Dispatch: assign, set a status (dispatched -> done is kept as a conflict), resolve it.
    ok(s.admin(
        "PATCH",
        "/v1/tasks/T-A",
        Some(json!({"field": "assignment",
        "value": {"team": "team-a", "officers": []}, "seen": 1_000_000})),
    ));
    did.insert("task.assign", "T-A".into());
    let r = ok(s.admin(
        "PATCH",
        "/v1/tasks/T-B",
        Some(json!({"field": "status", "value": "done",
        "seen": 1_000_000})),
    ));
    did.insert("task.status", "T-B".into());
    let conflict = r["conflict"].as_str().expect("a conflict").to_string();
    ok(call(
        "POST",
        &format!("{}/v1/conflicts/{conflict}/resolve", s.base),
        Some(&clerk.token),
        Some(json!({"resolution": "keep", "note": "维持原状态"})),
    ));
    did.insert("conflict.resolve", conflict);
    let r = ok(s.admin(
        "POST",
        "/v1/draws",
        Some(json!({"name": "季度抽查", "year": 2026,
        "area": "3205", "ratio_percent": 50, "supervisor": "法制科", "due": "2026-12-31",
        "seed": "audit-seed-0001", "create_tasks": false, "annual_cap": 1000})),
    ));
    did.insert("draw.record", r["id"].as_str().unwrap().to_string());

    // Credentials and keys.
    ok(s.admin(
        "POST",
        "/v1/officers",
        Some(json!([{"id": "O-1", "name": "孙七",
        "agency": "苏州市生态环境局", "credential": {"number": "N-1",
        "kind": "中华人民共和国行政执法证", "valid_from": "2024-01-01", "valid_to": "2099-12-31",
        "areas": ["3205"]}}])),
    ));
    did.insert("officer.import", "1 officers".into());
    ok(s.admin(
        "POST",
        "/v1/credentials/N-1/revoke",
        Some(json!({"reason": "调离执法岗位"})),
    ));
    did.insert("credential.revoke", "N-1".into());
    let first_kid = ok(s.admin("GET", "/public/keyring", None))["keyring"]["keys"][0]["kid"]
        .as_str()
        .map(str::to_string);
    let kid = ok(s.admin("POST", "/v1/admin/center-keys", None))["kid"]
        .as_str()
        .unwrap()
        .to_string();
    did.insert("center_key.add", kid);
    if let Some(old) = first_kid {
        ok(s.admin("POST", &format!("/v1/admin/center-keys/{old}/retire"), None));
        did.insert("center_key.retire", old);
    }

    // Devices and tokens.
    ok(s.admin(
        "POST",
        &format!("/v1/admin/devices/{}/token/revoke", clerk.id),
        None,
    ));
    did.insert("token.revoke", clerk.id.clone());
    ok(s.admin(
        "POST",
        &format!("/v1/admin/devices/{}/revoke", insp.id),
        None,
    ));
    did.insert("device.revoke", insp.id.clone());
    ok(s.admin(
        "POST",
        &format!("/v1/admin/devices/{}/reinstate", insp.id),
        None,
    ));
    did.insert("device.reinstate", insp.id.clone());
    ok(call(
        "POST",
        &format!("{}/v1/token/revoke", s.base),
        Some(&insp.token),
        None,
    ));
    did.insert("token.sign_out", insp.id.clone());
    did
}

fn every_action_leaves_its_entry(s: &Server) {
    let t0 = now_ms();
    let did = act(s);
    let l = log(s, "?limit=1000");
    assert_eq!(l["chain_ok"], true, "{l}");
    let entries = l["entries"].as_array().unwrap();
    assert_eq!(l["chain_entries"].as_u64(), Some(entries.len() as u64));
    // Newest first, seqs gap-free, each linked to the one before.
    for w in entries.windows(2) {
        assert_eq!(
            w[0]["seq"].as_i64().unwrap(),
            w[1]["seq"].as_i64().unwrap() + 1
        );
        assert_eq!(w[0]["prev_hash"], w[1]["hash"]);
    }
    for (action, target) in &did {
        let hit = entries
            .iter()
            .find(|e| e["action"] == *action && e["target"] == target.as_str());
        let e = hit.unwrap_or_else(|| panic!("no {action} entry on {target}: {l}"));
        assert!(e["at_ms"].as_u64().unwrap() >= t0, "{e}");
        let actor = e["actor"].as_str().unwrap();
        match *action {
            "device.enroll" => assert_eq!(actor, format!("device:{target}")),
            "case.review" | "conflict.resolve" => {
                assert_eq!(actor, "center:u-clerk");
                assert!(e["detail"]["via_device"].is_string(), "{e}");
            }
            "token.sign_out" => assert_eq!(actor, "center:u-insp"),
            _ => assert_eq!(actor, "center:admin", "{e}"),
        }
    }
    // What an entry holds: the review's from and to, the conflict's note, not the code itself.
    let review = entries
        .iter()
        .find(|e| e["action"] == "case.review")
        .unwrap();
    assert_eq!(review["detail"]["from"], "received", "{review}");
    assert_eq!(review["detail"]["to"], "under_review", "{review}");
    let code = entries
        .iter()
        .find(|e| e["action"] == "enrollment_code.create")
        .unwrap();
    assert_eq!(
        code["detail"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["expires_at_ms"]
    );

    // Filters: by action, by actor, by time; the verdict is on the whole chain either way.
    let only = log(s, "?action=device.revoke");
    assert_eq!(only["entries"].as_array().unwrap().len(), 1, "{only}");
    assert_eq!(only["chain_ok"], true);
    let clerk = log(s, "?actor=center:u-clerk");
    let acts: Vec<&str> = clerk["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(acts, ["conflict.resolve", "case.review"], "{clerk}");
    let later = log(s, &format!("?from_ms={}", now_ms() + 60_000));
    assert_eq!(later["entries"].as_array().unwrap().len(), 0, "{later}");
    let page = log(s, "?limit=2");
    let last = page["entries"][1]["seq"].as_i64().unwrap();
    let next = log(s, &format!("?limit=2&before={last}"));
    assert_eq!(
        next["entries"][0]["seq"].as_i64().unwrap(),
        last - 1,
        "{next}"
    );
    // Bad filters are named and change nothing.
    let (st, r) = s.admin("GET", "/v1/admin/audit?from_ms=abc", None);
    assert_eq!(st, 400, "{r}");
    let (st, r) = s.admin("GET", "/v1/admin/audit?limit=0", None);
    assert_eq!(
        (st, r["en"].as_str().map(|e| e.contains("limit"))),
        (400, Some(true)),
        "{r}"
    );
    let (st, r) = s.admin("GET", "/v1/admin/audit?from_ms=5&to_ms=4", None);
    assert_eq!(st, 400, "{r}");
    // A refused action leaves no entry.
    let before = log(s, "")["chain_entries"].clone();
    let (st, _) = s.admin(
        "POST",
        "/v1/credentials/N-1/revoke",
        Some(json!({"reason": "再次"})),
    );
    assert_eq!(st, 409);
    let (st, _) = s.admin("POST", "/v1/admin/devices/nope/revoke", None);
    assert_eq!(st, 404);
    assert_eq!(log(s, "")["chain_entries"], before);
}

/// Runs `sql` on the server's database directly, as an insider with database access would.
fn tamper(s: &Server, sql: &str) {
    match &s.pg {
        Some(url) => {
            let mut c = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
            c.batch_execute(sql).unwrap();
        }
        None => {
            let db = match &s.blobs {
                Blobs::Local(b) => b.parent().unwrap().join("center.db"),
                Blobs::S3(_) => unreachable!(),
            };
            let c = rusqlite::Connection::open(db).unwrap();
            c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            c.execute_batch(sql).unwrap();
        }
    }
}

fn tampering_breaks_the_chain_where_it_happened(s: &Server) {
    act(s);
    let n = log(s, "")["chain_entries"].as_i64().unwrap();
    assert!(n > 10, "{n}");
    // An insider softens what a review said.
    let original_review = log(s, "?action=case.review")["entries"][0]["detail"].to_string();
    tamper(
        s,
        "UPDATE center_audit SET detail = '{\"to\":\"accepted\"}' WHERE action = 'case.review'",
    );
    let review_seq = log(s, "?action=case.review")["entries"][0]["seq"]
        .as_i64()
        .unwrap();
    let l = log(s, "");
    assert_eq!(l["chain_ok"], false, "{l}");
    assert_eq!(l["broken_at"].as_i64(), Some(review_seq), "{l}");
    assert!(
        l["broken_reason"].as_str().unwrap().contains("altered"),
        "{l}"
    );
    // Put back as it was, the chain holds again: the check is of content, not a flag.
    tamper(
        s,
        &format!(
            "UPDATE center_audit SET detail = '{}' WHERE seq = {review_seq}",
            original_review.replace('\'', "''")
        ),
    );
    assert_eq!(log(s, "")["chain_ok"], true);

    // An insider deletes the revocation of a device from the middle of the log.
    let revoke_seq = log(s, "?action=device.revoke")["entries"][0]["seq"]
        .as_i64()
        .unwrap();
    tamper(
        s,
        &format!("DELETE FROM center_audit WHERE seq = {revoke_seq}"),
    );
    let l = log(s, "");
    assert_eq!(l["chain_ok"], false, "{l}");
    assert!(l["broken_at"].as_i64().unwrap() <= revoke_seq, "{l}");
    assert!(
        l["broken_reason"].as_str().unwrap().contains("missing"),
        "{l}"
    );
}

/// Deleting the newest entries is seen too: the head names an entry that is gone.
fn a_cut_tail_is_seen(s: &Server) {
    act(s);
    let n = log(s, "")["chain_entries"].as_i64().unwrap();
    tamper(
        s,
        &format!("DELETE FROM center_audit WHERE seq >= {}", n - 1),
    );
    let l = log(s, "");
    assert_eq!(l["chain_ok"], false, "{l}");
    assert_eq!(l["broken_at"].as_i64(), Some(n - 1), "{l}");
    assert!(
        l["broken_reason"].as_str().unwrap().contains("removed"),
        "{l}"
    );
}

on_both_backends!(
    every_action_leaves_its_entry,
    tampering_breaks_the_chain_where_it_happened,
    a_cut_tail_is_seen
);
