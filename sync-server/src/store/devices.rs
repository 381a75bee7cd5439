//! Users, enrollment codes, devices and chain alerts.

use fieldcase_protocol::chain::GENESIS;
use fieldcase_protocol::sync::{Role, UserInfo};
use rusqlite::{Connection, OptionalExtension, params};

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

pub fn upsert_user(conn: &Connection, u: &UserInfo) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO users(user_id, name, role, area, team, officer_id) VALUES (?1,?2,?3,?4,?5,?6)
         ON CONFLICT(user_id) DO UPDATE SET name=excluded.name, role=excluded.role,
           area=excluded.area, team=excluded.team, officer_id=excluded.officer_id",
        params![
            u.user_id,
            u.name,
            role_str(u.role),
            u.area,
            u.team,
            u.officer_id
        ],
    )?;
    Ok(())
}

pub fn user(conn: &Connection, user_id: &str) -> rusqlite::Result<Option<UserInfo>> {
    conn.query_row(
        "SELECT user_id, name, role, area, team, officer_id FROM users WHERE user_id = ?1",
        [user_id],
        |r| {
            Ok(UserInfo {
                user_id: r.get(0)?,
                name: r.get(1)?,
                role: parse_role(&r.get::<_, String>(2)?),
                area: r.get(3)?,
                team: r.get(4)?,
                officer_id: r.get(5)?,
            })
        },
    )
    .optional()
}

pub fn insert_code(
    conn: &Connection,
    code_sha256: &str,
    user_id: &str,
    expires_at_ms: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO enrollment_codes(code_sha256, user_id, expires_at_ms) VALUES (?1, ?2, ?3)",
        params![code_sha256, user_id, expires_at_ms as i64],
    )?;
    Ok(())
}

/// Marks a code used if it is unused and unexpired; answers its user.
pub fn take_code(
    conn: &Connection,
    code_sha256: &str,
    now_ms: u64,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "UPDATE enrollment_codes SET used_at_ms = ?2
         WHERE code_sha256 = ?1 AND used_at_ms IS NULL AND expires_at_ms > ?2
         RETURNING user_id",
        params![code_sha256, now_ms as i64],
        |r| r.get(0),
    )
    .optional()
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

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        device_id: r.get(0)?,
        user_id: r.get(1)?,
        public_key: r.get(2)?,
        revoked: r.get(3)?,
        last_seq: r.get(4)?,
        last_hash: r.get(5)?,
    })
}

pub fn device(conn: &Connection, device_id: &str) -> rusqlite::Result<Option<Device>> {
    conn.query_row(
        &format!("SELECT {DEVICE_COLS} FROM devices WHERE device_id = ?1"),
        [device_id],
        device_row,
    )
    .optional()
}

pub fn device_by_token(conn: &Connection, token_sha256: &str) -> rusqlite::Result<Option<Device>> {
    conn.query_row(
        &format!("SELECT {DEVICE_COLS} FROM devices WHERE token_sha256 = ?1"),
        [token_sha256],
        device_row,
    )
    .optional()
}

pub fn insert_device(
    conn: &Connection,
    device_id: &str,
    user_id: &str,
    public_key: &str,
    label: &str,
    token_sha256: &str,
    now_ms: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO devices(device_id, user_id, public_key, label, token_sha256, enrolled_at_ms, last_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![device_id, user_id, public_key, label, token_sha256, now_ms as i64, GENESIS],
    )?;
    Ok(())
}

/// A re-enrollment of the same device and key (a reinstall): a new token, same chain.
pub fn replace_token(
    conn: &Connection,
    device_id: &str,
    user_id: &str,
    token_sha256: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE devices SET token_sha256 = ?2, user_id = ?3 WHERE device_id = ?1",
        params![device_id, token_sha256, user_id],
    )?;
    Ok(())
}

pub fn revoke(conn: &Connection, device_id: &str, now_ms: u64) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, ?2) WHERE device_id = ?1",
        params![device_id, now_ms as i64],
    )?;
    Ok(n == 1)
}

pub fn set_head(conn: &Connection, device_id: &str, seq: i64, hash: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE devices SET last_seq = ?2, last_hash = ?3 WHERE device_id = ?1",
        params![device_id, seq, hash],
    )?;
    Ok(())
}

pub fn insert_alert(
    conn: &Connection,
    device_id: &str,
    seq: Option<i64>,
    code: &str,
    reason: &str,
    now_ms: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO alerts(device_id, seq, code, reason, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![device_id, seq, code, reason, now_ms as i64],
    )?;
    Ok(())
}

pub fn alerts(conn: &Connection) -> rusqlite::Result<Vec<serde_json::Value>> {
    let mut st = conn.prepare(
        "SELECT id, device_id, seq, code, reason, at_ms FROM alerts ORDER BY id DESC LIMIT 1000",
    )?;
    let rows = st.query_map([], |r| {
        Ok(serde_json::json!({
            "id": r.get::<_, i64>(0)?,
            "device_id": r.get::<_, String>(1)?,
            "seq": r.get::<_, Option<i64>>(2)?,
            "code": r.get::<_, String>(3)?,
            "reason": r.get::<_, String>(4)?,
            "at_ms": r.get::<_, i64>(5)?,
        }))
    })?;
    rows.collect()
}
