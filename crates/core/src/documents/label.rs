//! 样品标签 — a sample's label (domain.md §3.4), its QR carrying the SHA-256 of the sampling-record
//! entry so the lab can match the container to the electronic record.

use fieldcase_print::SampleLabel;
use fieldcase_protocol::canonical_hash;

use crate::error::{Refusal, Result};
use crate::model::case::Case;

/// The label of one sample of a case.
pub fn build(case: &Case, sample_id: &str, names: &dyn Fn(&str) -> String) -> Result<SampleLabel> {
    let s = case
        .samples
        .iter()
        .find(|s| s.sample_id == sample_id)
        .ok_or_else(|| {
            Refusal::new(
                "input.unknown_sample",
                format!("找不到样品 {sample_id}"),
                format!("no sample {sample_id}"),
            )
        })?;
    Ok(SampleLabel {
        sample_id: s.sample_id.clone(),
        task_id: case.task_id.clone(),
        sample_type: sample_type(&s.point_type).into(),
        point: s.point.clone(),
        collected_at: s.collected_at.to_rfc3339(),
        parameters: s.parameters.clone(),
        preservative: s.preservative.clone(),
        sampler: s
            .collected_by
            .iter()
            .map(|id| names(id))
            .collect::<Vec<_>>()
            .join("、"),
        seal_no: s.seal_no.clone(),
        sha256: canonical_hash(s)?.to_string(),
    })
}

/// 样品类型 from the sampling point's type.
fn sample_type(point_type: &str) -> &'static str {
    match point_type {
        "workshop_outlet" | "main_outlet" | "rain_outlet" => "废水",
        "stack" => "废气（有组织）",
        "fugitive" => "废气（无组织）",
        "boundary" => "厂界",
        _ => "其他",
    }
}
