//! The engine's side of signing with the PIN re-entered (issue 7): a confirmation the app hands
//! in is recorded on an officer's signature — inside the signed operation, so the audit chain
//! covers it — and never on the party's; without one, nothing is claimed. (The PIN check itself,
//! its lockout and refusals, runs in the app against a real enrolment: tests/tests/field_app.rs.)

mod common;

use common::Fx;
use fieldcase_core::engine::{Command, PinConfirmation};
use serde_json::{Value, json};

fn sign(
    fx: &mut Fx,
    t: &str,
    role: &str,
    signer: Option<&str>,
    name: &str,
    pin: Option<&PinConfirmation>,
) {
    let mut cmd = json!({"step": "sign", "case_id": fx.case, "transcript_id": t, "version": 1,
        "role": role, "name": name, "strokes": Fx::strokes()});
    if let Some(s) = signer {
        cmd["signer_id"] = json!(s);
    }
    let cmd: Command = serde_json::from_value(cmd).expect("command");
    fx.eng.execute_confirmed(&cmd, pin).expect("signed");
}

#[test]
fn a_pin_confirmation_is_recorded_on_officers_signatures_only_and_the_chain_covers_it() {
    let mut fx = Fx::new();
    fx.informed();
    let t = fx.inquiry();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:41:00+08:00").expect("time");
    let by_zhang = PinConfirmation {
        by: "O-ZHANG".into(),
        at,
    };
    sign(&mut fx, &t, "party", None, "陈建国", Some(&by_zhang));
    sign(
        &mut fx,
        &t,
        "officer",
        Some("O-ZHANG"),
        "张伟",
        Some(&by_zhang),
    );
    sign(&mut fx, &t, "officer", Some("O-LI"), "李娜", None);

    let case = fx.eng.case(&fx.case).expect("case");
    let v = &case.transcripts[0].versions[0];
    let of = |id: &str| {
        v.signatures
            .iter()
            .find(|s| s.signer_id == id)
            .expect("signature")
    };
    let party = of("陈建国");
    assert_eq!(
        (party.pin_confirmed_at, party.pin_confirmed_by.as_deref()),
        (None, None)
    );
    let zhang = of("O-ZHANG");
    assert_eq!(zhang.pin_confirmed_at, Some(at));
    assert_eq!(zhang.pin_confirmed_by.as_deref(), Some("O-ZHANG"));
    let li = of("O-LI");
    assert_eq!(
        (li.pin_confirmed_at, li.pin_confirmed_by.as_deref()),
        (None, None)
    );

    // In the signed op, as the chain carries it; absent fields are not spelled at all.
    let payloads: Vec<Value> = fx
        .eng
        .store()
        .conn()
        .prepare("SELECT payload FROM ops WHERE kind = 'signed' ORDER BY seq")
        .expect("ops")
        .query_map([], |r| r.get::<_, String>(0))
        .expect("ops")
        .map(|p| serde_json::from_str(&p.expect("payload")).expect("json"))
        .collect();
    assert_eq!(payloads.len(), 3);
    let sig = |i: usize| {
        payloads[i]
            .pointer("/body/signature")
            .expect("signature")
            .clone()
    };
    assert!(sig(0).get("pin_confirmed_at").is_none());
    assert_eq!(sig(1)["pin_confirmed_by"], json!("O-ZHANG"));
    assert!(sig(1)["pin_confirmed_at"].is_string());
    assert!(sig(2).get("pin_confirmed_by").is_none());
    let report = fx.eng.store().verify_chain().expect("verify");
    assert!(report.first_break.is_none(), "{report:?}");

    // Editing the confirmation in the stored op breaks the chain.
    fx.eng
        .store()
        .conn()
        .execute(
            "UPDATE ops SET payload = replace(payload, '\"pin_confirmed_by\":\"O-ZHANG\"', '\"pin_confirmed_by\":\"O-LI\"') WHERE kind = 'signed'",
            [],
        )
        .expect("tamper");
    let edited: i64 = fx
        .eng
        .store()
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM ops WHERE payload LIKE '%\"pin_confirmed_by\":\"O-LI\"%'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(edited, 1, "only the confirmation was edited");
    let report = fx.eng.store().verify_chain().expect("verify");
    assert!(
        report.first_break.is_some(),
        "an altered confirmation must break the chain"
    );
}
