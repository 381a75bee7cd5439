//! Internal record numbers (domain.md §9.1): area, date, device, a device-unique sequence.

mod common;

use common::Fx;
use fieldcase_core::engine::numbering::record_no;
use serde_json::json;

#[test]
fn record_numbers_follow_the_pattern_and_never_repeat() {
    let mut fx = Fx::new();
    fx.informed();
    let a = fx.inquiry();
    let iv2 = fx.interview();
    let b = fx.ok(json!({"step": "draft_transcript", "by": "O-ZHANG", "kind": "inquiry", "interview_id": iv2})).created.unwrap();
    let case = fx.eng.case(&fx.case).unwrap();
    let na = record_no(fx.eng.store(), &case, &a).unwrap();
    let nb = record_no(fx.eng.store(), &case, &b).unwrap();
    let re = regex::Regex::new(r"^320506-20261123-[0-9A-F]{6}-\d+$").unwrap();
    assert!(re.is_match(&na) && re.is_match(&nb), "{na} {nb}");
    assert_ne!(na, nb);
    // A new version keeps the record's number.
    fx.ok(json!({"step": "draft_transcript", "by": "O-ZHANG", "kind": "inquiry", "interview_id": iv2}));
    let case = fx.eng.case(&fx.case).unwrap();
    assert_eq!(record_no(fx.eng.store(), &case, &b).unwrap(), nb);
}
