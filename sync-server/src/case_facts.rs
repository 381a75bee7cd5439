//! A case's facts as the center pages filter and the ledgers list them, projected from its ops
//! as they arrive: when it was opened (and on which local date), by which team, when it closed,
//! and its current findings (违法问题: an answer judged against a limit or rule, with its legal
//! basis), and where its officers were last seen at work (for nearest-officer dispatch). The ops
//! stay the record; these rows are an index of them, rebuilt from the ops
//! whenever the projection changes (`FACTS_VERSION`, `reproject_all`).

use serde::Deserialize;
use serde_json::Value;

use crate::store::sql::args;
use crate::store::{DbResult, Sql};

/// The projection's version. Raise it when `record` learns something new: cases projected by an
/// older version are projected again from their ops at the next start.
/// 2: officers' last positions (check-ins and evidence fixes).
pub const FACTS_VERSION: i64 = 2;

/// Whether an op of `kind` changes the facts (the push parses only these payloads).
pub fn concerns(kind: &str) -> bool {
    matches!(
        kind,
        "case_opened"
            | "answered"
            | "form_migrated"
            | "closed"
            | "checked_in"
            | "evidence_captured"
    )
}

#[derive(Deserialize)]
struct Opened {
    body: OpenedBody,
}

#[derive(Deserialize)]
struct OpenedBody {
    case: OpenedCase,
}

#[derive(Deserialize)]
struct OpenedCase {
    opened_at: String,
    #[serde(default)]
    team: Vec<String>,
}

#[derive(Deserialize)]
struct Answered {
    body: AnsweredBody,
}

#[derive(Deserialize)]
struct AnsweredBody {
    key: String,
    answer: AnswerFacts,
}

#[derive(Deserialize)]
struct AnswerFacts {
    item_id: String,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    finding: Option<Value>,
}

#[derive(Deserialize)]
struct Migrated {
    body: MigratedBody,
}

#[derive(Deserialize)]
struct MigratedBody {
    #[serde(default)]
    retired: Vec<Retired>,
}

#[derive(Deserialize)]
struct Retired {
    answer: RetiredAnswer,
}

#[derive(Deserialize)]
struct RetiredAnswer {
    item_id: String,
    #[serde(default)]
    instance: Option<String>,
}

#[derive(Deserialize)]
struct Closed {
    body: ClosedBody,
}

#[derive(Deserialize)]
struct ClosedBody {
    at: String,
}

/// The slot an answer fills (`Case::answer_key` on the device): the item, or item#instance.
pub fn answer_key(item_id: &str, instance: Option<&str>) -> String {
    match instance {
        Some(i) => format!("{item_id}#{i}"),
        None => item_id.to_string(),
    }
}

/// The local date an RFC 3339 time names (`2026-11-23T09:00:02+08:00` → `2026-11-23`): the date
/// the record itself prints, whatever the server's zone.
fn local_date(at: &str) -> Option<&str> {
    at.get(..10)
        .filter(|d| d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-')
}

/// Applies one op of the case's owner to the facts. A payload this projection cannot read is
/// skipped: the op is stored and verified regardless, and the case page shows it from the ops.
pub fn record(conn: &dyn Sql, case_id: &str, kind: &str, payload: &str) -> DbResult<()> {
    match kind {
        "case_opened" => {
            let Ok(o) = serde_json::from_str::<Opened>(payload) else {
                return Ok(());
            };
            let c = o.body.case;
            let officers = serde_json::to_string(&c.team).unwrap_or_else(|_| "[]".into());
            conn.exec_later(
                "UPDATE cases SET opened_at = ?2, opened_on = ?3, officers = ?4 WHERE case_id = ?1",
                args![
                    case_id,
                    c.opened_at.as_str(),
                    local_date(&c.opened_at),
                    officers
                ],
            )?;
        }
        "answered" => {
            let Ok(a) = serde_json::from_str::<Answered>(payload) else {
                return Ok(());
            };
            let (key, answer) = (a.body.key, a.body.answer);
            match answer.finding.filter(|f| !f.is_null()) {
                Some(f) => {
                    conn.exec_later(
                        "INSERT INTO case_findings(case_id, answer_key, item_id, finding, at)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (case_id, answer_key) DO UPDATE SET
                           item_id = excluded.item_id, finding = excluded.finding, at = excluded.at",
                        args![case_id, key, answer.item_id, f.to_string(), answer.at],
                    )?;
                }
                // A later answer without a finding clears the earlier one (a corrected answer).
                None => {
                    conn.exec_later(
                        "DELETE FROM case_findings WHERE case_id = ?1 AND answer_key = ?2",
                        args![case_id, key],
                    )?;
                }
            }
        }
        "form_migrated" => {
            let Ok(m) = serde_json::from_str::<Migrated>(payload) else {
                return Ok(());
            };
            for r in m.body.retired {
                let key = answer_key(&r.answer.item_id, r.answer.instance.as_deref());
                conn.exec_later(
                    "DELETE FROM case_findings WHERE case_id = ?1 AND answer_key = ?2",
                    args![case_id, key],
                )?;
            }
        }
        "closed" => {
            let Ok(c) = serde_json::from_str::<Closed>(payload) else {
                return Ok(());
            };
            conn.exec_later(
                "UPDATE cases SET closed_at = ?2 WHERE case_id = ?1",
                args![case_id, c.body.at],
            )?;
        }
        "checked_in" => {
            // The whole team stood at the check-in point.
            let Ok(c) = serde_json::from_str::<CheckedIn>(payload) else {
                return Ok(());
            };
            let team: Vec<String> = conn
                .query_opt(
                    "SELECT officers FROM cases WHERE case_id = ?1",
                    args![case_id],
                )?
                .map(|r| r.str(0))
                .transpose()?
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
            let fix = c.body.checkin.fix;
            for officer in team {
                seen_at(conn, &officer, &fix, &c.body.checkin.at, case_id)?;
            }
        }
        "evidence_captured" => {
            let Ok(e) = serde_json::from_str::<Captured>(payload) else {
                return Ok(());
            };
            let ev = e.body.evidence;
            if let (Some(fix), Some(by)) = (ev.fix, ev.captured_by) {
                seen_at(conn, &by, &fix, &ev.captured_at, case_id)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[derive(Deserialize)]
struct CheckedIn {
    body: CheckedInBody,
}

#[derive(Deserialize)]
struct CheckedInBody {
    checkin: CheckIn,
}

#[derive(Deserialize)]
struct CheckIn {
    at: String,
    fix: Fix,
}

#[derive(Deserialize)]
struct Fix {
    point: Point,
    #[serde(default)]
    accuracy_m: Option<f64>,
}

#[derive(Deserialize)]
struct Point {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct Captured {
    body: CapturedBody,
}

#[derive(Deserialize)]
struct CapturedBody {
    evidence: CapturedEvidence,
}

#[derive(Deserialize)]
struct CapturedEvidence {
    captured_at: String,
    #[serde(default)]
    captured_by: Option<String>,
    #[serde(default)]
    fix: Option<Fix>,
}

/// Records where `officer` was at `at`, unless a later position is already known (ops of
/// several devices arrive in any order).
fn seen_at(conn: &dyn Sql, officer: &str, fix: &Fix, at: &str, case_id: &str) -> DbResult<()> {
    let Ok(when) = chrono::DateTime::parse_from_rfc3339(at) else {
        return Ok(());
    };
    if !(fix.point.lat.is_finite() && fix.point.lon.is_finite()) {
        return Ok(());
    }
    let known = conn
        .query_opt(
            "SELECT at FROM officer_positions WHERE officer_id = ?1",
            args![officer],
        )?
        .map(|r| r.str(0))
        .transpose()?;
    if known
        .and_then(|k| chrono::DateTime::parse_from_rfc3339(&k).ok())
        .is_some_and(|k| k >= when)
    {
        return Ok(());
    }
    let position = serde_json::json!({
        "lat": fix.point.lat, "lon": fix.point.lon, "accuracy_m": fix.accuracy_m, "at": at,
    });
    conn.exec_later(
        "INSERT INTO officer_positions(officer_id, position, at, case_id) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (officer_id) DO UPDATE SET
           position = excluded.position, at = excluded.at, case_id = excluded.case_id",
        args![officer, position.to_string(), at, case_id],
    )?;
    Ok(())
}

/// Projects every case whose facts are older than `FACTS_VERSION` again from its stored ops,
/// one transaction per case. Answers how many were projected.
pub fn reproject_all(db: &mut crate::store::Store<'_>) -> DbResult<usize> {
    let stale: Vec<String> = db
        .conn
        .query(
            "SELECT case_id FROM cases WHERE facts < ?1",
            args![FACTS_VERSION],
        )?
        .iter()
        .map(|r| r.str(0))
        .collect::<DbResult<_>>()?;
    for case_id in &stale {
        let tx = db.conn.transaction()?;
        tx.exec(
            "DELETE FROM case_findings WHERE case_id = ?1",
            args![case_id.as_str()],
        )?;
        let ops = tx.query(
            "SELECT l.kind, l.payload FROM links l JOIN cases c
               ON c.case_id = l.case_id AND c.device_id = l.device_id
             WHERE l.case_id = ?1 AND l.payload IS NOT NULL ORDER BY l.seq",
            args![case_id.as_str()],
        )?;
        for r in &ops {
            let kind = r.str(0)?;
            if concerns(&kind) {
                record(&tx, case_id, &kind, &r.str(1)?)?;
            }
        }
        tx.exec(
            "UPDATE cases SET facts = ?2 WHERE case_id = ?1",
            args![case_id.as_str(), FACTS_VERSION],
        )?;
        tx.commit()?;
    }
    Ok(stale.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_date_is_the_records_own() {
        assert_eq!(local_date("2026-11-23T00:30:00+08:00"), Some("2026-11-23"));
        assert_eq!(local_date("yesterday"), None);
        assert_eq!(local_date("2026/11/23T00"), None);
    }

    #[test]
    fn answer_keys_match_the_devices() {
        assert_eq!(answer_key("EP-07", None), "EP-07");
        assert_eq!(answer_key("EP-07", Some("DW001")), "EP-07#DW001");
    }
}
