//! Cases as the center sees them: who owns each, its task and enterprise, whether all its blobs
//! are stored.

use serde::Serialize;
use serde_json::{Value, json};

use super::reference::OfficerNames;
use super::sql::{
    DbResult, Dialect, Row, Sql, Value as SqlValue, args, bind, json_text, like_anywhere, where_all,
};

#[derive(Debug, Clone)]
pub struct CaseRow {
    pub case_id: String,
    pub device_id: String,
    pub user_id: String,
    pub task_id: String,
    pub enterprise_id: String,
    pub status: String,
    pub review: Review,
}

/// Where the center's review of a case stands (审查): received → under_review → accepted or
/// returned (with a note); a returned case goes under review again. It travels to the owning
/// device with the case's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub state: String,
    pub note: Option<String>,
    /// `center:<user id>`.
    pub by: Option<String>,
    pub at_ms: Option<i64>,
    /// The reviewer's name, when `by` is a center user (read, not stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
}

/// A review state in the words the center's records use (an unknown state as it is).
pub fn review_state_zh(state: &str) -> &str {
    match state {
        "received" => "已接收",
        "under_review" => "审查中",
        "accepted" => "已通过",
        "returned" => "已退回",
        other => other,
    }
}

impl Default for Review {
    fn default() -> Self {
        Review {
            state: "received".into(),
            note: None,
            by: None,
            at_ms: None,
            by_name: None,
        }
    }
}

/// The reviewer's name: the center user behind `review_by` (`center:<user id>`).
const REVIEWER: &str = "(SELECT u.name FROM users u WHERE 'center:' || u.user_id = c.review_by)";

/// The columns `case_row` reads.
const CASE_COLS: &str = "c.case_id, c.device_id, c.user_id, c.task_id, c.enterprise_id, c.status,
    c.review_state, c.review_note, c.review_by, c.review_at_ms";

fn case_row(r: &Row) -> DbResult<CaseRow> {
    Ok(CaseRow {
        case_id: r.str(0)?,
        device_id: r.str(1)?,
        user_id: r.str(2)?,
        task_id: r.str(3)?,
        enterprise_id: r.str(4)?,
        status: r.str(5)?,
        review: Review {
            state: r.str(6)?,
            note: r.opt_str(7)?,
            by: r.opt_str(8)?,
            at_ms: r.opt_i64(9)?,
            by_name: r.opt_str(10)?,
        },
    })
}

pub fn get(conn: &dyn Sql, case_id: &str) -> DbResult<Option<CaseRow>> {
    conn.query_opt(
        &format!("SELECT {CASE_COLS}, {REVIEWER} FROM cases c WHERE c.case_id = ?1"),
        args![case_id],
    )?
    .as_ref()
    .map(case_row)
    .transpose()
}

/// The cases among `ids` that the center holds, in one statement (a group commit reads every
/// case its pushes name this way). PostgreSQL only: the ids go as one array parameter.
pub fn get_all(conn: &dyn Sql, ids: &[&str]) -> DbResult<Vec<CaseRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = SqlValue::Texts(ids.iter().map(|id| Some(id.to_string())).collect());
    conn.query(
        &format!("SELECT {CASE_COLS}, {REVIEWER} FROM cases c WHERE c.case_id = ANY(?1::text[])"),
        &[ids],
    )?
    .iter()
    .map(case_row)
    .collect()
}

/// The case, its row locked until the transaction ends (PostgreSQL; SQLite has one writer).
/// A review and a push closing the same case take it before they number their changes at the
/// commit (`changes::seal`).
pub fn lock(conn: &dyn Sql, case_id: &str) -> DbResult<Option<CaseRow>> {
    if conn.dialect() == Dialect::Postgres {
        conn.query_opt(
            "SELECT case_id FROM cases WHERE case_id = ?1 FOR UPDATE",
            args![case_id],
        )?;
    }
    get(conn, case_id)
}

/// A new case; `facts` is the version of the projection its ops will be recorded with
/// (`case_facts::FACTS_VERSION`).
pub fn insert(conn: &dyn Sql, c: &CaseRow, hlc: &str, now_ms: u64, facts: i64) -> DbResult<()> {
    conn.exec_later(
        "INSERT INTO cases(case_id, device_id, user_id, task_id, enterprise_id, status, opened_hlc, updated_at_ms, facts)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
        args![&c.case_id, &c.device_id, &c.user_id, &c.task_id, &c.enterprise_id, &c.status, hlc, now_ms, facts],
    )?;
    Ok(())
}

pub fn set_status(conn: &dyn Sql, case_id: &str, status: &str, now_ms: u64) -> DbResult<()> {
    conn.exec_later(
        "UPDATE cases SET status = ?2, updated_at_ms = ?3 WHERE case_id = ?1",
        args![case_id, status, now_ms],
    )?;
    Ok(())
}

/// Records a review step: the case's current state and the history line.
pub fn set_review(conn: &dyn Sql, case_id: &str, r: &Review) -> DbResult<()> {
    let by = r.by.as_deref().unwrap_or_default();
    conn.exec(
        "UPDATE cases SET review_state = ?2, review_note = ?3, review_by = ?4, review_at_ms = ?5
         WHERE case_id = ?1",
        args![case_id, r.state.as_str(), r.note.as_deref(), by, r.at_ms],
    )?;
    conn.exec(
        "INSERT INTO case_reviews(case_id, state, note, by_user, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![case_id, r.state.as_str(), r.note.as_deref(), by, r.at_ms],
    )?;
    Ok(())
}

/// A case's review history, oldest first.
pub fn reviews(conn: &dyn Sql, case_id: &str) -> DbResult<Vec<Review>> {
    conn.query(
        "SELECT state, note, by_user, at_ms,
           (SELECT u.name FROM users u WHERE 'center:' || u.user_id = case_reviews.by_user)
         FROM case_reviews WHERE case_id = ?1 ORDER BY id",
        args![case_id],
    )?
    .iter()
    .map(|r| {
        Ok(Review {
            state: r.str(0)?,
            note: r.opt_str(1)?,
            by: r.opt_str(2)?,
            at_ms: r.opt_i64(3)?,
            by_name: r.opt_str(4)?,
        })
    })
    .collect()
}

/// Appends the case's change for its owning device: what the center holds of it (status and
/// review). Every change carries the whole value, so the review is always in it.
pub fn emit(conn: &dyn Sql, c: &CaseRow, now: u64) -> DbResult<i64> {
    use fieldcase_protocol::sync::{ChangeKind, Entity};
    let value = json!({
        "id": c.case_id, "task_id": c.task_id, "enterprise_id": c.enterprise_id, "status": c.status,
        "review": c.review,
    });
    let scope = super::changes::Scope {
        device: Some(c.device_id.as_str()),
        ..Default::default()
    };
    super::changes::append(
        conn,
        Entity::Case,
        &c.case_id,
        ChangeKind::Put,
        Some(&value),
        &scope,
        now,
    )
}

/// The blobs a case's ops name, each with whether it is stored complete.
pub fn blobs(conn: &dyn Sql, case_id: &str) -> DbResult<Vec<(String, bool)>> {
    conn.query(
        "SELECT DISTINCT lb.sha256, b.sha256 IS NOT NULL
         FROM links l JOIN link_blobs lb ON lb.device_id = l.device_id AND lb.seq = l.seq
         LEFT JOIN blobs b ON b.sha256 = lb.sha256
         WHERE l.case_id = ?1 ORDER BY lb.sha256",
        args![case_id],
    )?
    .iter()
    .map(|r| Ok((r.str(0)?, r.bool(1)?)))
    .collect()
}

/// A case's current findings: (item id, the finding as the device recorded it), by answer slot.
pub fn findings(conn: &dyn Sql, case_id: &str) -> DbResult<Vec<(String, Value)>> {
    conn.query(
        "SELECT item_id, finding FROM case_findings WHERE case_id = ?1 ORDER BY answer_key",
        args![case_id],
    )?
    .iter()
    .map(|r| {
        Ok((
            r.str(0)?,
            serde_json::from_str(&r.str(1)?).unwrap_or(Value::Null),
        ))
    })
    .collect()
}

/// What the case list is narrowed to; `None` is "any".
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// One case (the review answers its row as the list shows it).
    pub case_id: Option<String>,
    pub status: Option<String>,
    pub review: Option<String>,
    /// An enterprise id, or part of its name.
    pub enterprise: Option<String>,
    /// Exactly this enterprise (its one-file view).
    pub enterprise_id: Option<String>,
    /// An officer id of the team.
    pub officer: Option<String>,
    /// Opened on or after / on or before this local date (YYYY-MM-DD).
    pub from: Option<String>,
    pub to: Option<String>,
    pub has_findings: Option<bool>,
    /// Every blob its ops name is stored (or some are still awaited).
    pub complete: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

/// The case list for center staff, newest first, narrowed by `f`. The WHERE clause holds only
/// the filters given, so each combination is one plain statement the indexes serve.
pub fn list(conn: &dyn Sql, f: &Filter) -> DbResult<Vec<Value>> {
    let name = json_text(conn.dialect(), "e.value", "name");
    let mut cond: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    if let Some(v) = &f.case_id {
        let p = bind(&mut params, v);
        cond.push(format!("c.case_id = {p}"));
    }
    if let Some(v) = &f.status {
        let p = bind(&mut params, v);
        cond.push(format!("c.status = {p}"));
    }
    if let Some(v) = &f.review {
        let p = bind(&mut params, v);
        cond.push(format!("c.review_state = {p}"));
    }
    if let Some(v) = &f.enterprise {
        let id = bind(&mut params, v);
        let like = bind(&mut params, like_anywhere(v));
        cond.push(format!(
            "(c.enterprise_id = {id} OR {name} LIKE {like} ESCAPE '\\')"
        ));
    }
    if let Some(v) = &f.enterprise_id {
        let p = bind(&mut params, v);
        cond.push(format!("c.enterprise_id = {p}"));
    }
    if let Some(v) = &f.officer {
        // `officers` is the team's ids as a JSON array: match one whole quoted id.
        let p = bind(&mut params, like_anywhere(&format!("\"{v}\"")));
        cond.push(format!("c.officers LIKE {p} ESCAPE '\\'"));
    }
    if let Some(v) = &f.from {
        let p = bind(&mut params, v);
        cond.push(format!("c.opened_on >= {p}"));
    }
    if let Some(v) = &f.to {
        let p = bind(&mut params, v);
        cond.push(format!("c.opened_on <= {p}"));
    }
    let where_inner = where_all(&cond);
    let mut outer: Vec<String> = Vec::new();
    match f.has_findings {
        Some(true) => outer.push("x.findings > 0".into()),
        Some(false) => outer.push("x.findings = 0".into()),
        None => {}
    }
    match f.complete {
        Some(true) => outer.push("x.blob_count = x.blobs_stored".into()),
        Some(false) => outer.push("x.blob_count > x.blobs_stored".into()),
        None => {}
    }
    let where_outer = where_all(&outer);
    let limit = bind(&mut params, f.limit);
    let offset = bind(&mut params, f.offset);
    let sql = format!(
        "SELECT x.* FROM (
           SELECT c.case_id, c.task_id, c.enterprise_id, {name} AS enterprise_name, c.status,
             c.device_id, c.user_id, c.updated_at_ms,
             (SELECT COUNT(*) FROM links l WHERE l.case_id = c.case_id) AS op_count,
             (SELECT COUNT(DISTINCT lb.sha256) FROM links l JOIN link_blobs lb
                ON lb.device_id = l.device_id AND lb.seq = l.seq WHERE l.case_id = c.case_id)
               AS blob_count,
             (SELECT COUNT(DISTINCT lb.sha256) FROM links l JOIN link_blobs lb
                ON lb.device_id = l.device_id AND lb.seq = l.seq
                JOIN blobs b ON b.sha256 = lb.sha256
                WHERE l.case_id = c.case_id) AS blobs_stored,
             (SELECT COUNT(*) FROM case_findings cf WHERE cf.case_id = c.case_id) AS findings,
             c.opened_at, c.closed_at, c.officers,
             c.review_state, c.review_note, c.review_by, c.review_at_ms,
             {REVIEWER} AS review_by_name
           FROM cases c LEFT JOIN enterprises e ON e.id = c.enterprise_id
           {where_inner}
         ) x {where_outer}
         ORDER BY x.updated_at_ms DESC, x.case_id LIMIT {limit} OFFSET {offset}"
    );
    let rows = conn.query(&sql, &params)?;
    let mut names = OfficerNames::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let officers: Vec<String> = serde_json::from_str(&r.str(14)?).unwrap_or_default();
        let team = names.named(conn, officers.iter().map(String::as_str))?;
        let (blobs, stored) = (r.i64(9)?, r.i64(10)?);
        out.push(json!({
            "case_id": r.str(0)?,
            "task_id": r.str(1)?,
            "enterprise_id": r.str(2)?,
            "enterprise_name": r.opt_str(3)?,
            "status": r.str(4)?,
            "device_id": r.str(5)?,
            "user_id": r.str(6)?,
            "updated_at_ms": r.i64(7)?,
            "op_count": r.i64(8)?,
            "blob_count": blobs,
            "blobs_stored": stored,
            "complete": blobs == stored,
            "findings": r.i64(11)?,
            "opened_at": r.opt_str(12)?,
            "closed_at": r.opt_str(13)?,
            "officers": team,
            "review": Review {
                state: r.str(15)?,
                note: r.opt_str(16)?,
                by: r.opt_str(17)?,
                at_ms: r.opt_i64(18)?,
                by_name: r.opt_str(19)?,
            },
        }));
    }
    Ok(out)
}
