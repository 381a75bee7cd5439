//! Internal record numbers for transcripts (domain.md §9.1): `{行政区划码}-{yyyyMMdd}-{device}-{seq}`.
//!
//! 现场检查笔录 and 调查询问笔录 carry no official 发文字号; they get an internal number printed in
//! the header. The sequence is the audit-chain seq of the transcript's first draft: monotonic and
//! unique on the device, so no two records of one device ever share a number, offline or not.

use rusqlite::OptionalExtension;

use crate::error::{CoreError, Result};
use crate::model::case::Case;
use crate::store::Store;

/// The record number of a transcript of a case.
pub fn record_no(store: &Store, case: &Case, transcript_id: &str) -> Result<String> {
    let t = case
        .transcript(transcript_id)
        .ok_or_else(|| CoreError::Data(format!("no transcript {transcript_id}")))?;
    let first = t
        .versions
        .first()
        .ok_or_else(|| CoreError::Data("transcript without versions".into()))?;
    let seq: Option<i64> = store
        .conn()
        .query_row(
            "SELECT seq FROM ops WHERE case_id = ?1 AND kind = 'transcript_drafted'
               AND json_extract(payload, '$.body.transcript_id') = ?2 ORDER BY seq LIMIT 1",
            rusqlite::params![case.id, transcript_id],
            |r| r.get(0),
        )
        .optional()?;
    let seq = seq.ok_or_else(|| {
        CoreError::Data(format!(
            "transcript {transcript_id} has no draft in the log"
        ))
    })?;
    let area = store
        .enterprise(&case.enterprise_id)?
        .map(|e| e.area)
        .unwrap_or_else(|| "000000".into());
    let device: String = store
        .device
        .id
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Ok(format!(
        "{area}-{}-{}-{seq}",
        first.drafted_at.format("%Y%m%d"),
        device.to_uppercase()
    ))
}
