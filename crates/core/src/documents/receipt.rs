//! 现场检查回执 — the short receipt for a portable receipt printer (domain.md §9.3): agency, document
//! type, record number, time, party, officers with credential numbers, key content, a QR that
//! matches the paper to the electronic original, and signature lines.

use fieldcase_docs::zh_time;
use fieldcase_print::Receipt;
use serde_json::json;

use crate::engine::numbering::record_no;
use crate::error::{Refusal, Result};
use crate::model::case::{Case, Transcript, TranscriptVersion};
use crate::store::Store;

/// The latest locked version of the case's on-site record.
pub fn locked_onsite(case: &Case) -> Result<(&Transcript, &TranscriptVersion)> {
    case.transcripts
        .iter()
        .filter(|t| t.kind == "onsite")
        .find_map(|t| t.versions.iter().rev().find(|v| v.locked_at.is_some()).map(|v| (t, v)))
        .ok_or_else(|| {
            Refusal::new(
                "print.not_locked",
                "现场检查笔录尚未签名锁定：只能打印已锁定的版本",
                "the on-site record is not signed and locked yet: only a locked version can be printed",
            )
            .into()
        })
}

/// Builds the receipt of a case from its locked on-site record.
pub fn build(store: &Store, case: &Case) -> Result<Receipt> {
    let (t, v) = locked_onsite(case)?;
    let c = &v.content;
    let s = |p: &str| {
        c.pointer(p)
            .and_then(|x| x.as_str())
            .unwrap_or("")
            .to_string()
    };
    let number = record_no(store, case, &t.id)?;
    let officers: Vec<String> = c
        .get("officers")
        .and_then(|o| o.as_array())
        .map(|a| {
            a.iter()
                .map(|o| {
                    format!(
                        "{}（{}）",
                        o["name"].as_str().unwrap_or(""),
                        o["credential"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let findings = c
        .get("findings")
        .and_then(|f| f.as_array())
        .map_or(0, Vec::len);
    let samples: Vec<String> = case.samples.iter().map(|x| x.sample_id.clone()).collect();
    let mut body = vec![format!("现场检查已完成，发现问题 {findings} 项。")];
    if !samples.is_empty() {
        body.push(format!("已采样：{}。", samples.join("、")));
    }
    for m in &case.measures {
        body.push(format!("{}：{}", m.kind, m.description));
    }
    body.push("本回执据已签名锁定的电子笔录生成，扫码可核对原件。".into());
    let locked = v.locked_at.unwrap_or(v.drafted_at);
    Ok(Receipt {
        agency: s("/agency"),
        title: "现场检查回执".into(),
        number: number.clone(),
        at: zh_time::datetime(&locked),
        lines: vec![
            ("被检查单位".into(), s("/party/name")),
            ("统一社会信用代码".into(), s("/party/uscc")),
            ("执法人员".into(), officers.join("、")),
            ("笔录版本".into(), format!("v{}", v.version)),
            ("SHA-256".into(), v.content_hash[..16].to_string()),
        ],
        body,
        qr_payload: json!({"case_id": case.id, "record_no": number, "version": v.version, "sha256": v.content_hash}).to_string(),
        signature_lines: vec!["当事人签名".into(), "执法人员签名".into()],
    })
}
