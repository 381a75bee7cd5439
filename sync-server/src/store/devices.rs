//! Users, enrollment codes, devices and chain alerts.

use fieldcase_protocol::chain::GENESIS;
use fieldcase_protocol::sync::{Role, UserInfo, codes};

use super::sql::{DbResult, Dialect, Row, Sql, Value, args};

pub fn role_str(r: Role) -> &'static str {
    match r {
        Role::Inspector => "inspector",
        Role::GridWorker => "grid_worker",
        Role::CenterStaff => "center_staff",
        Role::Admin => "admin",
    }
}

fn parse_role(s: &str) -> Role {
    serde_json::from_value(serde_json::Value::String(s.into())).unwrap_or(Role::Inspector)
}

pub fn upsert_user(conn: &dyn Sql, u: &UserInfo) -> DbResult<()> {
    conn.exec(
        "INSERT INTO users(user_id, name, role, area, team, officer_id) VALUES (?1,?2,?3,?4,?5,?6)
         ON CONFLICT(user_id) DO UPDATE SET name=excluded.name, role=excluded.role,
           area=excluded.area, team=excluded.team, officer_id=excluded.officer_id",
        args![
            &u.user_id,
            &u.name,
            role_str(u.role),
            &u.area,
            u.team.as_deref(),
            u.officer_id.as_deref()
        ],
    )?;
    Ok(())
}

pub fn user(conn: &dyn Sql, user_id: &str) -> DbResult<Option<UserInfo>> {
    conn.query_opt(
        "SELECT user_id, name, role, area, team, officer_id FROM users WHERE user_id = ?1",
        args![user_id],
    )?
    .map(|r| user_at(&r, 0))
    .transpose()
}

/// A user read from `r`'s columns `at..at + 6`, in the order `user_id, name, role, area, team,
/// officer_id` (as `user` selects them).
pub(super) fn user_at(r: &Row, at: usize) -> DbResult<UserInfo> {
    Ok(UserInfo {
        user_id: r.str(at)?,
        name: r.str(at + 1)?,
        role: parse_role(&r.str(at + 2)?),
        area: r.str(at + 3)?,
        team: r.opt_str(at + 4)?,
        officer_id: r.opt_str(at + 5)?,
    })
}

pub fn insert_code(
    conn: &dyn Sql,
    code_sha256: &str,
    user_id: &str,
    expires_at_ms: u64,
) -> DbResult<()> {
    conn.exec(
        "INSERT INTO enrollment_codes(code_sha256, user_id, expires_at_ms) VALUES (?1, ?2, ?3)",
        args![code_sha256, user_id, expires_at_ms],
    )?;
    Ok(())
}

/// Marks a code used if it is unused and unexpired; answers its user.
pub fn take_code(conn: &dyn Sql, code_sha256: &str, now_ms: u64) -> DbResult<Option<String>> {
    conn.query_opt(
        "UPDATE enrollment_codes SET used_at_ms = ?2
         WHERE code_sha256 = ?1 AND used_at_ms IS NULL AND expires_at_ms > ?2
         RETURNING user_id",
        args![code_sha256, now_ms],
    )?
    .map(|r| r.str(0))
    .transpose()
}

/// A device as the server holds it.
#[derive(Debug, Clone)]
pub struct Device {
    pub device_id: String,
    pub user_id: String,
    pub public_key: String,
    pub revoked: bool,
    pub last_seq: i64,
    pub last_hash: String,
}

const DEVICE_COLS: &str =
    "device_id, user_id, public_key, revoked_at_ms IS NOT NULL, last_seq, last_hash";

fn device_row(r: &Row) -> DbResult<Device> {
    Ok(Device {
        device_id: r.str(0)?,
        user_id: r.str(1)?,
        public_key: r.str(2)?,
        revoked: r.bool(3)?,
        last_seq: r.i64(4)?,
        last_hash: r.str(5)?,
    })
}

pub fn device(conn: &dyn Sql, device_id: &str) -> DbResult<Option<Device>> {
    conn.query_opt(
        &format!("SELECT {DEVICE_COLS} FROM devices WHERE device_id = ?1"),
        args![device_id],
    )?
    .as_ref()
    .map(device_row)
    .transpose()
}

/// Locks every device in `ids` until the transaction ends, in device-id order, and answers their
/// rows as they stand once locked: the first thing a group commit (`push_group`) does, whose
/// pushes then take their chain heads from these rows instead of each reading its own.
/// Without the one ordered lock a group locked its devices push by push, in the order the
/// pushes came; two groups holding pushes of the same two devices in crossed orders (a device
/// that sends a push again while the first is still in flight, a retry after a timeout)
/// deadlocked, and PostgreSQL broke the tie after a second by failing one push with an
/// internal error.
///
/// SQLite's single writer takes no row locks: there this answers nothing, and each push reads
/// its device itself (`lock`), in-process.
pub fn lock_all(conn: &dyn Sql, ids: &[&str]) -> DbResult<Vec<Device>> {
    if conn.dialect() == Dialect::Sqlite || ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = Value::Texts(ids.iter().map(|id| Some(id.to_string())).collect());
    // One table, so the rows answered are the versions locked: under READ COMMITTED a row
    // another transaction held is read again once it is ours.
    conn.query(
        &format!(
            "SELECT {DEVICE_COLS} FROM devices WHERE device_id = ANY(?1::text[])
             ORDER BY device_id FOR UPDATE"
        ),
        &[ids],
    )?
    .iter()
    .map(device_row)
    .collect()
}

/// The device, its row locked until the transaction ends: two pushes of one device (to two
/// replicas, or two requests of one) run one after the other, the second seeing the chain head
/// the first left. SQLite's single writer already does this.
pub fn lock(conn: &dyn Sql, device_id: &str) -> DbResult<Option<Device>> {
    let lock = match conn.dialect() {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE",
    };
    conn.query_opt(
        &format!("SELECT {DEVICE_COLS} FROM devices WHERE device_id = ?1{lock}"),
        args![device_id],
    )?
    .as_ref()
    .map(device_row)
    .transpose()
}

pub fn insert_device(
    conn: &dyn Sql,
    device_id: &str,
    user_id: &str,
    public_key: &str,
    label: &str,
    token_sha256: &str,
    now_ms: u64,
) -> DbResult<()> {
    conn.exec(
        "INSERT INTO devices(device_id, user_id, public_key, label, token_sha256, enrolled_at_ms, last_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![device_id, user_id, public_key, label, token_sha256, now_ms, GENESIS],
    )?;
    Ok(())
}

/// A re-enrollment of the same device and key (a reinstall): a new token, same chain.
pub fn replace_token(
    conn: &dyn Sql,
    device_id: &str,
    user_id: &str,
    token_sha256: &str,
) -> DbResult<()> {
    conn.exec(
        "UPDATE devices SET token_sha256 = ?2, user_id = ?3 WHERE device_id = ?1",
        args![device_id, token_sha256, user_id],
    )?;
    Ok(())
}

pub fn revoke(conn: &dyn Sql, device_id: &str, now_ms: u64) -> DbResult<bool> {
    let n = conn.exec(
        "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, ?2) WHERE device_id = ?1",
        args![device_id, now_ms],
    )?;
    Ok(n == 1)
}

/// Moves the devices' chain heads: (device, last seq, last hash), each device once. On
/// PostgreSQL in one statement, sent with the transaction's next one that is read.
pub fn set_heads(conn: &dyn Sql, heads: &[(&str, i64, &str)]) -> DbResult<()> {
    match (conn.dialect(), heads) {
        (_, []) => {}
        (Dialect::Sqlite, _) => {
            for (id, seq, hash) in heads {
                conn.exec(
                    "UPDATE devices SET last_seq = ?2, last_hash = ?3 WHERE device_id = ?1",
                    args![*id, *seq, *hash],
                )?;
            }
        }
        (Dialect::Postgres, _) => conn.exec_later(
            "UPDATE devices d SET last_seq = h.seq, last_hash = h.hash
             FROM unnest(?1::text[], ?2::bigint[], ?3::text[]) AS h(id, seq, hash)
             WHERE d.device_id = h.id",
            &[
                Value::Texts(heads.iter().map(|h| Some(h.0.to_string())).collect()),
                Value::Ints(heads.iter().map(|h| h.1).collect()),
                Value::Texts(heads.iter().map(|h| Some(h.2.to_string())).collect()),
            ],
        )?,
    }
    Ok(())
}

pub fn insert_alert(
    conn: &dyn Sql,
    device_id: &str,
    seq: Option<i64>,
    code: &str,
    reason: &str,
    now_ms: u64,
) -> DbResult<()> {
    conn.exec(
        "INSERT INTO alerts(device_id, seq, code, reason, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![device_id, seq, code, reason, now_ms],
    )?;
    Ok(())
}

/// Records that the blob a link named is damaged (`reason` names the blob and the cause),
/// unless that alert is already recorded: the center finds the damage at every read of the
/// blob, and center staff need it once. A unique index (`alerts_blob_once`) decides, so two
/// reads at the same instant cannot both record it.
pub fn insert_damaged_blob_alert(
    conn: &dyn Sql,
    device_id: &str,
    seq: i64,
    reason: &str,
    now_ms: u64,
) -> DbResult<()> {
    conn.exec(
        "INSERT INTO alerts(device_id, seq, code, reason, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO NOTHING",
        args![device_id, seq, codes::BLOB_CORRUPT, reason, now_ms],
    )?;
    Ok(())
}

/// Records an alert unless the device already has one with `code` from `since_ms` on: one
/// alert per episode (a revoked device checks its standing at every contact, and center staff
/// need to know that it came back, not each time).
pub fn insert_alert_once_since(
    conn: &dyn Sql,
    device_id: &str,
    code: &str,
    reason: &str,
    since_ms: u64,
    now_ms: u64,
) -> DbResult<()> {
    conn.exec(
        "INSERT INTO alerts(device_id, seq, code, reason, at_ms)
         SELECT CAST(?1 AS TEXT), CAST(NULL AS BIGINT), CAST(?2 AS TEXT), CAST(?3 AS TEXT),
                CAST(?5 AS BIGINT)
         WHERE NOT EXISTS (
             SELECT 1 FROM alerts WHERE device_id = ?1 AND code = ?2 AND at_ms >= ?4)",
        args![device_id, code, reason, since_ms, now_ms],
    )?;
    Ok(())
}

pub fn alerts(conn: &dyn Sql) -> DbResult<Vec<serde_json::Value>> {
    conn.query(
        "SELECT id, device_id, seq, code, reason, at_ms FROM alerts ORDER BY id DESC LIMIT 1000",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(serde_json::json!({
            "id": r.i64(0)?,
            "device_id": r.str(1)?,
            "seq": r.opt_i64(2)?,
            "code": r.str(3)?,
            "reason": r.str(4)?,
            "at_ms": r.i64(5)?,
        }))
    })
    .collect()
}

/// A device's enrolled key and when it was revoked (`None` inside: active); `None`: no such
/// device. For the device's own signed status check, which carries no token.
pub fn standing(conn: &dyn Sql, device_id: &str) -> DbResult<Option<(String, Option<i64>)>> {
    conn.query_opt(
        "SELECT public_key, revoked_at_ms FROM devices WHERE device_id = ?1",
        args![device_id],
    )?
    .map(|r| Ok((r.str(0)?, r.opt_i64(1)?)))
    .transpose()
}

/// Lifts a device's revocation. Answers when it had been revoked: `None` when it was not (or
/// there is no such device), and then nothing changed.
pub fn reinstate(conn: &dyn Sql, device_id: &str) -> DbResult<Option<i64>> {
    let was = conn
        .query_opt(
            "SELECT revoked_at_ms FROM devices WHERE device_id = ?1",
            args![device_id],
        )?
        .map(|r| r.opt_i64(0))
        .transpose()?
        .flatten();
    if was.is_some() {
        conn.exec(
            "UPDATE devices SET revoked_at_ms = NULL WHERE device_id = ?1",
            args![device_id],
        )?;
    }
    Ok(was)
}
