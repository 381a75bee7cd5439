//! The grid worker's verification visit (网格员核查): the same engine with fewer steps — check-in,
//! photos, a note, close. No credentials, notice or transcript; grid workers cannot run an
//! enforcement inspection.

mod common;

use common::{Fx, at_site};
use serde_json::json;

#[test]
fn grid_worker_verification_runs_its_short_procedure() {
    let mut fx = Fx::new();
    fx.ok(json!({"step": "open_case", "task_id": "T-2026-1123-02", "by": "G-WANG"}));
    let (zh, _) = fx.refused(
        json!({"step": "add_note", "by": "G-WANG", "text": "x"}),
        "step.not_yet",
    );
    assert!(zh.contains("定位签到"), "{zh}");
    fx.ok(json!({"step": "check_in", "by": "G-WANG", "fix": at_site()}));
    let (zh, _) = fx.refused(
        json!({"step": "close_case", "by": "G-WANG"}),
        "step.incomplete",
    );
    assert!(zh.contains("拍照") && zh.contains("核查说明"), "{zh}");
    fx.ok(
        json!({"step": "capture_evidence", "by": "G-WANG", "path": common::PHOTO, "kind": "photo",
        "media_type": "image/png", "method": "拍照", "proves": "雨水排口有泡沫", "fix": at_site()}),
    );
    fx.ok(json!({"step": "add_note", "by": "G-WANG", "text": "雨水排口有白色泡沫，已拍照，建议执法人员检查"}));
    // Enforcement steps are not part of this procedure.
    fx.refused(
        json!({"step": "draft_transcript", "by": "G-WANG", "kind": "onsite"}),
        "step.not_in_procedure",
    );
    fx.ok(json!({"step": "close_case", "by": "G-WANG"}));
    let case = fx.eng.case(&fx.case).unwrap();
    assert_eq!(case.procedure.id, "verification");
    assert!(case.closed_at.is_some());
    // A closed case is sealed.
    fx.refused(
        json!({"step": "add_note", "by": "G-WANG", "text": "补充"}),
        "case.closed",
    );
    assert!(fx.eng.verify().unwrap().ok());
}

#[test]
fn step_bar_reports_done_allowed_and_blocked() {
    let mut fx = Fx::new();
    fx.checked_in();
    let steps = fx.eng.steps(&fx.case).unwrap();
    let by_id = |id: &str| steps.iter().find(|s| s.id == id).unwrap().clone();
    assert!(by_id("checkin").done);
    assert!(!by_id("credentials").done && by_id("credentials").blocked.is_none());
    let notice = by_id("notice");
    assert!(
        notice.blocked.as_ref().unwrap().0.contains("亮证"),
        "{notice:?}"
    );
    assert!(by_id("sampling").required, "the demo task needs sampling");
}
