//! The center refuses exactly the enterprise objects a device could not read.
//!
//! The server checks a JSON import against its own statement of the device's enterprise shape
//! (`sync-server/src/enterprise_json.rs`; it may not depend on core). Here every object of a
//! corpus — the demo enterprise, and that enterprise with each field removed, nulled, given a
//! wrong type, and with nested values broken or an unknown key added — goes to the real server
//! one import at a time, and the answer must match `fieldcase_core`'s deserializer: 200 where the
//! device reads it, 400 where it does not. The server is stricter in two documented ways only
//! (empty id/area, points off the globe), which the corpus tests separately.

mod support;

use fieldcase_core::model::enterprise::Enterprise;
use serde_json::{Value, json};
use support::{ADMIN_TOKEN, Server};

fn demo() -> Value {
    let text = std::fs::read_to_string(support::root().join("demo/electroplating/reference.json"))
        .expect("reference.json");
    let r: Value = serde_json::from_str(&text).expect("json");
    r["enterprises"][0].clone()
}

/// `(what was done, the object)`.
fn corpus() -> Vec<(String, Value)> {
    let base = demo();
    let mut out = vec![("as is".to_string(), base.clone())];
    let keys: Vec<String> = base.as_object().expect("object").keys().cloned().collect();
    let wrong = [
        json!(null),
        json!(7),
        json!(0.5),
        json!("x"),
        json!(true),
        json!([]),
        json!(["x"]),
        json!({}),
        json!({"lat": 31.0, "lon": 120.0}),
    ];
    for k in &keys {
        let mut v = base.clone();
        v.as_object_mut().expect("object").remove(k);
        out.push((format!("without {k}"), v));
        for (i, w) in wrong.iter().enumerate() {
            let mut v = base.clone();
            v[k.as_str()] = w.clone();
            out.push((format!("{k} = wrong[{i}]"), v));
        }
    }
    let nested: &[(&str, Value)] = &[
        ("/location/lat", json!("31.2")),
        ("/location/lon", json!(null)),
        ("/location/alt", json!(12.0)),
        ("/boundary/0/lat", json!([])),
        ("/permit_limits/0/item", json!(3)),
        ("/permit_limits/0/value", json!("0.1")),
        ("/permit_limits/0/value", json!(1)),
        ("/permit_limits/0/param", json!("Ni")),
        ("/permit_limits/0/param", json!(5)),
        ("/permit_limits/0/unit", json!("mg/L")),
        ("/permit_limits/0/source", json!(null)),
        ("/units/outlet", json!("DW001")),
        ("/units/outlet/0", json!(1)),
        ("/units/stack", json!([])),
        ("/industry_codes/0", json!(3360)),
        ("/risk", json!("purple")),
        ("/risk", json!("RED")),
        ("/risk", json!("red")),
        ("/past_inspections/0/date", json!("2026-02-30")),
        ("/past_inspections/0/date", json!("2026/03/14")),
        ("/past_inspections/0/date", json!("2026-03-14T00:00:00")),
        ("/past_inspections/0/findings", json!(null)),
        ("/past_inspections/0/note", json!("x")),
        ("/legal_rep", json!(null)),
        ("/boundary", json!(null)),
        ("/extra", json!("x")),
    ];
    for (at, w) in nested {
        let mut v = base.clone();
        set(&mut v, at, w.clone());
        out.push((format!("{at} = {w}"), v));
    }
    out
}

/// Sets the value at a JSON pointer, adding the last key to an object if absent.
fn set(v: &mut Value, pointer: &str, new: Value) {
    let (parent, last) = pointer.rsplit_once('/').expect("pointer");
    let p = v.pointer_mut(parent).expect("parent exists");
    match p {
        Value::Object(o) => {
            o.insert(last.to_string(), new);
        }
        Value::Array(a) => a[last.parse::<usize>().expect("index")] = new,
        _ => panic!("{pointer}: parent is neither object nor array"),
    }
}

#[test]
fn the_center_refuses_exactly_what_a_device_cannot_read() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    let mut accepted = 0;
    let corpus = corpus();
    for (what, v) in &corpus {
        let device_reads = serde_json::from_value::<Enterprise>(v.clone()).is_ok();
        let (status, body) = server.call(
            "POST",
            "/v1/enterprises",
            ADMIN_TOKEN,
            Some(&Value::Array(vec![v.clone()])),
        );
        let expected = if device_reads { 200 } else { 400 };
        assert_eq!(
            status, expected,
            "{what}: device reads it: {device_reads}; {body}"
        );
        if status == 400 {
            assert!(
                body["en"].as_str().is_some_and(|e| e.contains("item 0")),
                "{what}: the refusal names the item: {body}"
            );
        }
        accepted += usize::from(device_reads);
    }
    // The corpus holds both kinds, plenty of each.
    assert!(
        accepted >= 10 && corpus.len() - accepted >= 60,
        "{accepted} of {}",
        corpus.len()
    );

    // Stricter than the device, on purpose: an empty id or area, a point off the globe.
    let mut empty_id = demo();
    empty_id["id"] = json!("");
    let mut off_globe = demo();
    off_globe["boundary"][1]["lon"] = json!(1206.063);
    for v in [empty_id, off_globe] {
        assert!(serde_json::from_value::<Enterprise>(v.clone()).is_ok());
        let (status, body) = server.call("POST", "/v1/enterprises", ADMIN_TOKEN, Some(&json!([v])));
        assert_eq!(status, 400, "{body}");
    }

    // One bad object among good ones stores none of them: the change log moves by exactly one
    // between the two good imports around the refused one.
    let import = |v: &Value| server.call("POST", "/v1/enterprises", ADMIN_TOKEN, Some(&json!([v])));
    let (_, before) = import(&demo());
    let mut good = demo();
    good["id"] = json!("E-NEW");
    let mut bad = demo();
    bad["risk"] = json!("purple");
    let (status, _) = server.call(
        "POST",
        "/v1/enterprises",
        ADMIN_TOKEN,
        Some(&json!([good, bad])),
    );
    assert_eq!(status, 400);
    let (_, after) = import(&demo());
    assert_eq!(
        after["version"].as_i64(),
        before["version"].as_i64().map(|v| v + 1),
        "{before} {after}"
    );
}
