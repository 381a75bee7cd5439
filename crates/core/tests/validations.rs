//! One test (at least) per validation of domain.md §2.4: the refusal (or the recorded warning) and
//! its message, on a real store with the real forms. A refusal must write nothing.

mod common;

use common::{Fx, at_site};
use serde_json::json;

fn flag_codes(o: &fieldcase_core::Outcome) -> Vec<String> {
    o.flags.iter().map(|f| f.code.clone()).collect()
}

#[test]
fn v01_two_distinct_officers_required() {
    let mut fx = Fx::with(|r| {
        r["officers"].as_array_mut().unwrap().push(
            json!({"id": "A-MON", "name": "监测员", "agency": "监测站", "role": "assistant"}),
        );
        r["tasks"][0]["officers"] = json!(["O-ZHANG", "A-MON"]);
    });
    let (zh, en) = fx.refused(
        json!({"step": "open_case", "task_id": "T-2026-1123-01", "by": "O-ZHANG"}),
        "V-01",
    );
    assert!(
        zh.contains("不得少于2人") && en.contains("at least 2"),
        "{zh} / {en}"
    );
    // Two officers sharing one credential number count once.
    let mut fx = Fx::with(|r| r["officers"][1]["credential"]["number"] = json!("32050019001"));
    fx.refused(
        json!({"step": "open_case", "task_id": "T-2026-1123-01", "by": "O-ZHANG"}),
        "V-01",
    );
}

#[test]
fn v02_credential_valid_and_covering_and_roster_age() {
    let mut fx = Fx::with(|r| r["officers"][1]["credential"]["valid_to"] = json!("2026-10-31"));
    fx.checked_in();
    fx.ok(json!({"step": "show_credential", "officer_id": "O-ZHANG"}));
    let (zh, _) = fx.refused(
        json!({"step": "show_credential", "officer_id": "O-LI"}),
        "V-02",
    );
    assert!(zh.contains("有效期"), "{zh}");
    let mut fx = Fx::with(|r| r["officers"][1]["credential"]["areas"] = json!(["3201"]));
    fx.checked_in();
    let (zh, _) = fx.refused(
        json!({"step": "show_credential", "officer_id": "O-LI"}),
        "V-02",
    );
    assert!(zh.contains("执法区域"), "{zh}");
    // A stale roster is a recorded warning.
    let mut fx = Fx::with(|r| r["roster_as_of"] = json!("2026-10-01T08:00:00+08:00"));
    let o = fx.ok(json!({"step": "open_case", "task_id": "T-2026-1123-01", "by": "O-ZHANG"}));
    assert!(flag_codes(&o).contains(&"V-02".to_string()));
    assert!(o.flags[0].zh.contains("人员名录"), "{}", o.flags[0].zh);
}

#[test]
fn v03_clock_difference_marks_time_uncertain() {
    let mut fx = Fx::new();
    fx.open();
    let mut fix = at_site();
    fix["fix_time"] = json!("2026-11-23T08:50:00+08:00");
    let o = fx.ok(json!({"step": "check_in", "by": "O-ZHANG", "fix": fix}));
    let f = o
        .flags
        .iter()
        .find(|f| f.code == "V-03")
        .expect("V-03 flag");
    assert!(
        f.zh.contains("可信时间") && f.en.contains("trusted"),
        "{}",
        f.zh
    );
    assert!(
        fx.eng
            .case(&fx.case)
            .unwrap()
            .checkin
            .unwrap()
            .time_uncertain
    );
}

#[test]
fn v04_outside_geofence_needs_reason_and_is_flagged() {
    let mut fx = Fx::new();
    fx.open();
    let far = json!({"lat": 31.2700, "lon": 120.6052, "accuracy_m": 10.0});
    let (zh, en) = fx.refused(
        json!({"step": "check_in", "by": "O-ZHANG", "fix": far}),
        "V-04",
    );
    assert!(
        zh.contains("电子围栏外") && en.contains("outside the geofence"),
        "{zh}"
    );
    let o = fx.ok(json!({"step": "check_in", "by": "O-ZHANG", "fix": far, "reason": "厂区北门封闭，从外围道路观察排口"}));
    assert!(flag_codes(&o).contains(&"V-04".to_string()));
    let c = fx.eng.case(&fx.case).unwrap().checkin.unwrap();
    assert!(!c.inside_geofence && c.distance_m > 1000.0);
    // Evidence captured away from the site needs its own reason.
    let mut fx = Fx::new();
    fx.informed();
    fx.refused(
        json!({"step": "capture_evidence", "by": "O-LI", "path": common::PHOTO, "kind": "photo", "media_type": "image/png",
               "method": "拍照", "proves": "下游河道", "fix": {"lat": 31.28, "lon": 120.6, "accuracy_m": 5.0}}),
        "V-04",
    );
}

#[test]
fn v05_no_transcript_or_signature_before_two_credentials() {
    let mut fx = Fx::new();
    fx.checked_in();
    fx.ok(json!({"step": "show_credential", "officer_id": "O-ZHANG"}));
    let (zh, en) = fx.refused(
        json!({"step": "draft_transcript", "by": "O-ZHANG", "kind": "onsite"}),
        "V-05",
    );
    assert!(zh.contains("亮证") && en.contains("credentials"), "{zh}");
    fx.refused(json!({"step": "start_interview", "by": "O-ZHANG", "interviewee": Fx::person(), "place": "会议室", "interviewers": ["O-ZHANG"], "recorder": "O-LI"}), "V-05");
}

#[test]
fn v05_covert_capture_is_allowed_before_credentials_and_tagged() {
    let mut fx = Fx::new();
    fx.ok(
        json!({"step": "open_case", "task_id": "T-2026-1123-01", "by": "O-ZHANG", "covert": true}),
    );
    fx.ok(json!({"step": "check_in", "by": "O-ZHANG", "fix": at_site()}));
    fx.photo("暗查：雨水排口有黄色废水排出");
    assert!(fx.eng.case(&fx.case).unwrap().evidence[0].covert);
    // Not covert: refused with V-05.
    let mut fx = Fx::new();
    fx.checked_in();
    fx.refused(
        json!({"step": "capture_evidence", "by": "O-LI", "path": common::PHOTO, "kind": "photo", "media_type": "image/png", "method": "拍照", "proves": "x", "fix": at_site()}),
        "V-05",
    );
}

#[test]
fn v06_notice_before_any_substantive_entry() {
    let mut fx = Fx::new();
    fx.shown();
    let (zh, _) = fx.refused(
        json!({"step": "answer", "by": "O-ZHANG", "item_id": "CM-05", "value": "compliant"}),
        "V-06",
    );
    assert!(zh.contains("回避"), "{zh}");
    fx.refused(
        json!({"step": "draft_transcript", "by": "O-ZHANG", "kind": "onsite"}),
        "V-06",
    );
}

#[test]
fn v07_locked_transcript_never_changes_amend_makes_new_version() {
    let mut fx = Fx::new();
    fx.informed();
    let t = fx.inquiry();
    fx.ok(json!({"step": "sign", "transcript_id": t, "version": 1, "role": "party", "name": "陈建国", "strokes": Fx::strokes()}));
    fx.sign_officers(&t, 1);
    let case = fx.eng.case(&fx.case).unwrap();
    let v1 = case.transcript(&t).unwrap().versions[0].clone();
    assert!(v1.locked_at.is_some());
    let iv = case.transcript(&t).unwrap().interview_id.clone().unwrap();
    let (zh, _) = fx.refused(
        json!({"step": "draft_transcript", "by": "O-ZHANG", "kind": "inquiry", "interview_id": iv}),
        "V-07",
    );
    assert!(zh.contains("补充笔录"), "{zh}");
    fx.refused(json!({"step": "sign", "transcript_id": t, "version": 1, "role": "witness", "name": "路人", "strokes": Fx::strokes()}), "V-07");
    fx.ok(json!({"step": "amend_transcript", "by": "O-ZHANG", "transcript_id": t, "reason": "被询问人补充说明风机维修时间", "narrative": "补充"}));
    let case = fx.eng.case(&fx.case).unwrap();
    let tr = case.transcript(&t).unwrap();
    assert_eq!(tr.versions.len(), 2);
    assert_eq!(tr.versions[0], v1, "the locked version is untouched");
    assert_eq!(tr.versions[1].supersedes, Some(1));
    assert!(
        tr.versions[1].signatures.is_empty() && tr.versions[1].locked_at.is_none(),
        "fresh signatures needed"
    );
    assert!(fx.eng.verify().unwrap().ok());
}

#[test]
fn v08_lock_needs_officers_and_party_or_witnessed_refusal() {
    let mut fx = Fx::new();
    fx.informed();
    let t = fx.inquiry();
    fx.sign_officers(&t, 1);
    let (zh, en) = fx.refused(
        json!({"step": "lock_transcript", "by": "O-ZHANG", "transcript_id": t}),
        "V-08",
    );
    assert!(zh.contains("当事人") && en.contains("party"), "{zh}");
    let (zh, _) = fx.refused(json!({"step": "refuse_signature", "by": "O-ZHANG", "transcript_id": t, "version": 1, "reason": "认为记录不全"}), "V-08");
    assert!(zh.contains("见证人"), "{zh}");
    // A hash written into the input is not a signature.
    fx.refused(
        json!({"step": "refuse_signature", "by": "O-ZHANG", "transcript_id": t, "version": 1, "reason": "x",
            "witness": {"name": "刘强", "unit": "园区管委会", "strokes_sha256": "00".repeat(32)}}),
        "V-08",
    );
    let o = fx.ok(json!({"step": "refuse_signature", "by": "O-ZHANG", "transcript_id": t, "version": 1, "reason": "认为记录不全",
        "witness": {"name": "刘强", "unit": "园区管委会"}, "witness_strokes": Fx::strokes()}));
    assert_eq!(o.kind, "signature_refused");
    assert!(
        fx.eng
            .case(&fx.case)
            .unwrap()
            .transcript(&t)
            .unwrap()
            .versions[0]
            .locked_at
            .is_some()
    );
}

#[test]
fn v09_in_app_evidence_needs_fix_imports_need_provenance() {
    let mut fx = Fx::new();
    fx.informed();
    let base = json!({"step": "capture_evidence", "by": "O-LI", "path": common::PHOTO, "kind": "photo", "media_type": "image/png", "method": "拍照", "proves": "排口"});
    let (zh, _) = fx.refused(base.clone(), "V-09");
    assert!(zh.contains("定位"), "{zh}");
    let mut ext = base.clone();
    ext["in_app"] = json!(false);
    fx.refused(ext.clone(), "V-09");
    ext["provenance"] = json!("当事人微信发送的2026-11-20夜间照片");
    ext["captured_at"] = json!("2026-11-20T22:10:00+08:00");
    let o = fx.ok(ext);
    assert!(flag_codes(&o).contains(&"V-09".to_string()));
    let e = &fx.eng.case(&fx.case).unwrap().evidence[0];
    assert!(!e.in_app && e.captured_at.to_rfc3339().starts_with("2026-11-20T22:10"));
    // The original bytes are kept unchanged under their SHA-256.
    let bytes = std::fs::read(common::root().join(common::PHOTO)).unwrap();
    assert_eq!(e.sha256, fieldcase_protocol::Sha256::of(&bytes).to_string());
}

#[test]
fn v10_violation_needs_finding_text_and_evidence() {
    let mut fx = Fx::new();
    fx.informed();
    let (zh, _) = fx.refused(
        json!({"step": "answer", "by": "O-ZHANG", "item_id": "CM-07", "value": "non_compliant"}),
        "V-10",
    );
    assert!(zh.contains("不合规"), "{zh}");
    fx.ok(json!({"step": "answer", "by": "O-ZHANG", "item_id": "CM-07", "value": "non_compliant", "finding_text": "喷淋塔停运"}));
    let (zh, _) = fx.refused(
        json!({"step": "draft_transcript", "by": "O-ZHANG", "kind": "onsite"}),
        "V-10",
    );
    assert!(zh.contains("CM-07"), "{zh}");
    let steps = fx.eng.steps(&fx.case).unwrap();
    assert!(!steps.iter().find(|s| s.id == "checklist").unwrap().done);
}

#[test]
fn v10_numeric_limit_permit_overrides_default() {
    let mut fx = Fx::new();
    fx.informed();
    // EP-07 总镍: the enterprise's permit says 0.1 mg/L, which wins over the form's defaults.
    fx.refused(json!({"step": "answer", "by": "O-ZHANG", "item_id": "EP-07", "instance": "DW001", "value": 0.32}), "V-10");
    fx.ok(json!({"step": "answer", "by": "O-ZHANG", "item_id": "EP-07", "instance": "DW001", "value": 0.32, "finding_text": "总镍超标"}));
    let case = fx.eng.case(&fx.case).unwrap();
    let f = case
        .answers
        .values()
        .find(|a| a.item_id == "EP-07")
        .unwrap()
        .finding
        .clone()
        .unwrap();
    assert_eq!(f.limits[0].source, "permit");
    assert!(
        f.limits[0]
            .reference
            .as_deref()
            .unwrap()
            .contains("排污许可证")
    );
    assert!(
        !f.basis.is_empty() && f.basis[0].version.is_some(),
        "legal basis resolved to a version in force"
    );
    // Under the limit: no finding.
    fx.ok(json!({"step": "answer", "by": "O-ZHANG", "item_id": "EP-07", "instance": "DW002", "value": 0.05}));
}

fn sample(id: &str) -> serde_json::Value {
    json!({"step": "take_sample", "by": "O-LI", "sample_id": id, "point": "DW001", "point_type": "workshop_outlet",
        "parameters": ["总镍"], "container": "P 500mL", "preservative": "HNO3", "seal_no": "FT-1", "label_printed": true,
        "collected_by": ["O-LI"], "party_witness": "陈建国"})
}

#[test]
fn v11_sample_complete_and_unique() {
    let mut fx = Fx::new();
    fx.informed();
    let mut s = sample("S-1");
    s["seal_no"] = json!("");
    let (zh, _) = fx.refused(s, "V-11");
    assert!(zh.contains("封条编号"), "{zh}");
    fx.ok(sample("S-1"));
    let (zh, _) = fx.refused(sample("S-1"), "V-11");
    assert!(zh.contains("唯一"), "{zh}");
}

#[test]
fn v12_class_one_pollutant_at_main_outlet_warns() {
    let mut fx = Fx::new();
    fx.informed();
    let mut s = sample("S-2");
    s["point_type"] = json!("main_outlet");
    let o = fx.ok(s);
    let f = o.flags.iter().find(|f| f.code == "V-12").expect("V-12");
    assert!(f.zh.contains("车间或生产设施废水排放口"), "{}", f.zh);
}

#[test]
fn v13_party_presence_or_absence_proof() {
    let mut fx = Fx::new();
    fx.informed();
    let mut s = sample("S-3");
    s.as_object_mut().unwrap().remove("party_witness");
    fx.refused(s.clone(), "V-13");
    s["absence_reason"] = json!("当事人拒绝到场");
    s["absence_proof"] = json!("见证人 刘强（园区管委会）");
    fx.ok(s);
}

#[test]
fn v14_document_copy_without_confirmation_warns() {
    let mut fx = Fx::new();
    fx.informed();
    let o = fx.ok(json!({"step": "capture_evidence", "by": "O-LI", "path": common::PHOTO, "kind": "doc_copy", "media_type": "image/png",
        "method": "拍照", "proves": "危废管理台账复印件", "fix": at_site()}));
    let f = o.flags.iter().find(|f| f.code == "V-14").expect("V-14");
    assert!(f.zh.contains("与原件核对一致"), "{}", f.zh);
}

#[test]
fn v15_inquiry_record_one_interviewee_ended_with_closing() {
    let mut fx = Fx::new();
    fx.informed();
    let (zh, _) = fx.refused(
        json!({"step": "draft_transcript", "by": "O-ZHANG", "kind": "inquiry"}),
        "V-15",
    );
    assert!(zh.contains("被询问人"), "{zh}");
    let iv = fx
        .ok(json!({"step": "start_interview", "by": "O-ZHANG", "interviewee": Fx::person(), "place": "会议室", "interviewers": ["O-ZHANG"], "recorder": "O-LI"}))
        .created
        .unwrap();
    fx.refused(
        json!({"step": "draft_transcript", "by": "O-ZHANG", "kind": "inquiry", "interview_id": iv}),
        "V-15",
    );
    fx.refused(json!({"step": "end_interview", "interview_id": iv, "closing_statement": "以上笔录我已看过"}), "V-15");
}

fn second_site(r: &mut serde_json::Value) {
    let mut e2 = r["enterprises"][0].clone();
    e2["id"] = json!("E-DY02");
    e2["name"] = json!("吴江示范印染有限公司");
    e2["location"] = json!({"lat": 31.10, "lon": 120.64});
    e2.as_object_mut().unwrap().remove("boundary");
    r["enterprises"].as_array_mut().unwrap().push(e2);
    let mut t2 = r["tasks"][0].clone();
    t2["id"] = json!("T-2");
    t2["enterprise_id"] = json!("E-DY02");
    r["tasks"].as_array_mut().unwrap().push(t2);
}

#[test]
fn v16_no_officer_or_interviewee_in_two_places_at_once() {
    let mut fx = Fx::with(second_site);
    fx.informed();
    let first = fx.case.clone();
    fx.ok(json!({"step": "start_interview", "by": "O-ZHANG", "interviewee": Fx::person(), "place": "会议室", "interviewers": ["O-ZHANG"], "recorder": "O-LI"}));
    fx.ok(json!({"step": "open_case", "task_id": "T-2", "by": "O-ZHANG"}));
    let there = json!({"lat": 31.10, "lon": 120.64, "accuracy_m": 5.0});
    let (zh, _) = fx.refused(
        json!({"step": "check_in", "by": "O-ZHANG", "fix": there}),
        "V-16",
    );
    assert!(zh.contains("离场"), "{zh}");
    fx.ok(json!({"step": "depart", "case_id": first, "by": "O-ZHANG"}));
    fx.ok(json!({"step": "check_in", "by": "O-ZHANG", "fix": there}));
    fx.ok(json!({"step": "show_credential", "officer_id": "O-ZHANG"}));
    fx.ok(json!({"step": "show_credential", "officer_id": "O-LI"}));
    fx.ok(json!({"step": "give_notice", "by": "O-ZHANG", "credentials_seen": true, "recusal_requested": false}));
    let (zh, _) = fx.refused(
        json!({"step": "start_interview", "by": "O-ZHANG", "interviewee": Fx::person(), "place": "办公室", "interviewers": ["O-ZHANG"], "recorder": "O-LI"}),
        "V-16",
    );
    assert!(zh.contains("陈建国"), "{zh}");
}

#[test]
fn v17_annual_cap_needs_justification() {
    let mut fx = Fx::with(|r| {
        r["enterprises"][0]["past_inspections"]
            .as_array_mut()
            .unwrap()
            .push(json!({"date": "2026-06-02", "source": "special"}))
    });
    let (zh, _) = fx.refused(
        json!({"step": "open_case", "task_id": "T-2026-1123-01", "by": "O-ZHANG"}),
        "V-17",
    );
    assert!(zh.contains("频次上限"), "{zh}");
    let o = fx.ok(json!({"step": "open_case", "task_id": "T-2026-1123-01", "by": "O-ZHANG", "justification": "群众投诉夜间偷排，须核实"}));
    assert!(flag_codes(&o).contains(&"V-17".to_string()));
    // Tasks deployed by a higher level are exempt.
    let mut fx = Fx::with(|r| {
        r["enterprises"][0]["past_inspections"]
            .as_array_mut()
            .unwrap()
            .push(json!({"date": "2026-06-02", "source": "special"}));
        r["tasks"][0]["source"] = json!("upper_special");
    });
    fx.open();
}

#[test]
fn v18_conflict_of_interest_blocks() {
    let mut fx = Fx::with(|r| {
        r["officers"][1]["conflicts"] =
            json!([{"enterprise_id": "E-EP01", "relation": "配偶任该公司财务"}])
    });
    let (zh, en) = fx.refused(
        json!({"step": "open_case", "task_id": "T-2026-1123-01", "by": "O-ZHANG"}),
        "V-18",
    );
    assert!(zh.contains("回避") && en.contains("conflict"), "{zh}");
}

#[test]
fn v19_seizure_needs_approval_or_emergency_deadline() {
    let mut fx = Fx::new();
    fx.informed();
    let m = json!({"step": "order_measure", "by": "O-ZHANG", "kind": "查封", "description": "查封镀镍生产线及配套设施"});
    let (zh, _) = fx.refused(m.clone(), "V-19");
    assert!(zh.contains("批准"), "{zh}");
    let mut e = m.clone();
    e["emergency"] = json!(true);
    e["approval_due"] = json!("2026-11-25T09:00:00+08:00");
    fx.refused(e.clone(), "V-19");
    e["approval_due"] = json!("2026-11-23T21:00:00+08:00");
    let o = fx.ok(e);
    assert!(flag_codes(&o).contains(&"V-19".to_string()));
    let mut a = m;
    a["approved_by"] = json!("周局长");
    fx.ok(a);
}

#[test]
fn v20_on_the_spot_penalty_limits_and_prenumbered_forms() {
    let mut fx = Fx::with(|r| r["number_blocks"][0]["last"] = json!(101));
    fx.informed();
    let (zh, _) = fx.refused(json!({"step": "issue_penalty", "by": "O-ZHANG", "party_kind": "unit", "amount_yuan": 5000, "facts": "x"}), "V-20");
    assert!(zh.contains("3000"), "{zh}");
    fx.refused(json!({"step": "issue_penalty", "by": "O-ZHANG", "party_kind": "individual", "amount_yuan": 201, "facts": "x"}), "V-20");
    fx.ok(json!({"step": "issue_penalty", "by": "O-ZHANG", "party_kind": "unit", "amount_yuan": 3000, "facts": "危废标识不规范"}));
    let p = &fx.eng.case(&fx.case).unwrap().penalties[0];
    assert_eq!(p.number, "苏环罚〔2026〕101号");
    let (zh, _) = fx.refused(json!({"step": "issue_penalty", "by": "O-ZHANG", "party_kind": "unit", "warning": true, "facts": "x"}), "V-20");
    assert!(zh.contains("预编号"), "{zh}");
}

#[test]
fn v21_service_needs_signature_or_left_with_proof() {
    let mut fx = Fx::new();
    fx.informed();
    let s = json!({"step": "record_service", "by": "O-ZHANG", "document": "责令改正违法行为决定书 苏环责改〔2026〕3号", "method": "direct", "recipient": "陈建国"});
    let (zh, _) = fx.refused(s.clone(), "V-21");
    assert!(zh.contains("签收"), "{zh}");
    let mut left = s.clone();
    left["method"] = json!("left");
    fx.refused(left.clone(), "V-21");
    let mut witnessed = left.clone();
    witnessed["witness"] = json!({"name": "刘强", "unit": "园区管委会"});
    witnessed["witness_strokes"] = Fx::strokes();
    fx.ok(witnessed);
    let photo = fx.photo("留置送达：文书放置于当事人办公桌");
    left["media_evidence_id"] = json!(photo);
    fx.ok(left);
    let mut direct = s;
    direct["recipient_strokes"] = Fx::strokes();
    fx.ok(direct);
}

#[test]
fn v22_public_output_masks_personal_data() {
    let mut fx = Fx::new();
    fx.informed();
    fx.ok(json!({"step": "record_party", "by": "O-ZHANG", "person": Fx::person()}));
    let photo = fx.photo("喷淋塔");
    fx.ok(json!({"step": "answer", "by": "O-ZHANG", "item_id": "CM-07", "value": "non_compliant",
        "finding_text": "现场负责人陈建国（身份证320506197503121234，电话13812345678）称喷淋塔故障", "evidence": [photo]}));
    let case = fx.eng.case(&fx.case).unwrap();
    let e =
        fieldcase_core::engine::public::export(&case, true).expect_err("unmasked export refused");
    assert_eq!(e.refusal().unwrap().code, "V-22");
    let text = fieldcase_core::engine::public::export(&case, false)
        .unwrap()
        .to_string();
    for secret in ["320506197503121234", "13812345678", "长桥街道某小区"] {
        assert!(!text.contains(secret), "public view leaks {secret}");
    }
    assert!(text.contains("陈建国"), "names stay");
}
