//! Device bearer tokens: one current token per device (its SHA-256 in `devices.token_sha256`),
//! with an expiry and a revocation of its own, apart from the device's.

use fieldcase_protocol::sync::UserInfo;

use super::sql::{DbResult, Sql, args};

/// What a presented token is.
#[derive(Debug, Clone)]
pub struct Held {
    pub device_id: String,
    /// The device's user.
    pub user: UserInfo,
    /// The device was revoked (it may do nothing, renewal included).
    pub device_revoked: bool,
    /// `None` only between migration 7 and the next start's backfill.
    pub expires_at_ms: Option<u64>,
    /// The token was revoked (signed out, or by an admin), the device not.
    pub token_revoked: bool,
}

/// The token's device and its user, in one statement: every authenticated request asks this.
pub fn held(conn: &dyn Sql, token_sha256: &str) -> DbResult<Option<Held>> {
    conn.query_opt(
        "SELECT d.device_id, d.revoked_at_ms IS NOT NULL, d.token_expires_at_ms,
                d.token_revoked_at_ms IS NOT NULL,
                u.user_id, u.name, u.role, u.area, u.team, u.officer_id
         FROM devices d JOIN users u ON u.user_id = d.user_id WHERE d.token_sha256 = ?1",
        args![token_sha256],
    )?
    .map(|r| {
        Ok(Held {
            device_id: r.str(0)?,
            device_revoked: r.bool(1)?,
            expires_at_ms: r.opt_i64(2)?.map(|v| v as u64),
            token_revoked: r.bool(3)?,
            user: super::devices::user_at(&r, 4)?,
        })
    })
    .transpose()
}

/// Makes `token_sha256` the device's current token until `expires_at_ms` (enrollment).
pub fn issue(
    conn: &dyn Sql,
    device_id: &str,
    token_sha256: &str,
    expires_at_ms: u64,
) -> DbResult<()> {
    conn.exec(
        "UPDATE devices SET token_sha256 = ?2, token_expires_at_ms = ?3, token_revoked_at_ms = NULL
         WHERE device_id = ?1",
        args![device_id, token_sha256, expires_at_ms],
    )?;
    Ok(())
}

/// Replaces the device's token after a renewal signed at `at_ms`, only if that is later than
/// the last renewal accepted and the device is not revoked: a replayed or stale request changes
/// nothing (answers false). The old token stops working here.
pub fn renew(
    conn: &dyn Sql,
    device_id: &str,
    at_ms: u64,
    token_sha256: &str,
    expires_at_ms: u64,
) -> DbResult<bool> {
    let n = conn.exec(
        "UPDATE devices SET token_sha256 = ?3, token_expires_at_ms = ?4,
                token_revoked_at_ms = NULL, renewed_at_ms = ?2
         WHERE device_id = ?1 AND renewed_at_ms < ?2 AND revoked_at_ms IS NULL",
        args![device_id, at_ms, token_sha256, expires_at_ms],
    )?;
    Ok(n == 1)
}

/// Revokes the device's current token (not the device). Answers whether the device exists and
/// whether its token was live until now.
pub fn revoke_current(conn: &dyn Sql, device_id: &str, now_ms: u64) -> DbResult<Option<bool>> {
    let Some(r) = conn.query_opt(
        "SELECT token_revoked_at_ms IS NULL FROM devices WHERE device_id = ?1",
        args![device_id],
    )?
    else {
        return Ok(None);
    };
    let live = r.bool(0)?;
    conn.exec(
        "UPDATE devices SET token_revoked_at_ms = COALESCE(token_revoked_at_ms, ?2)
         WHERE device_id = ?1",
        args![device_id, now_ms],
    )?;
    Ok(Some(live))
}

/// Tokens issued before tokens expired get the configured lifetime from now on (answers how
/// many): a server upgraded in place does not lock every device out at once.
pub fn backfill_expiry(conn: &dyn Sql, expires_at_ms: u64) -> DbResult<u64> {
    conn.exec(
        "UPDATE devices SET token_expires_at_ms = ?1 WHERE token_expires_at_ms IS NULL",
        args![expires_at_ms],
    )
}
