//! Re-entering the offline PIN to sign a transcript (issue 7): an officer's on-screen signature
//! is taken only with a PIN entered for it, checked with the sign-in's hash and the same lockout
//! counter, and the signature records who entered it and when.
//!
//! Whose PIN: the signer's own when the signer is the officer signed in on this device. A PIN
//! lives on the device it was set on, and only the enrolled officer sets one (at first run), so
//! the partner inspector of the team has none here. A real team signs both officers' signatures
//! on the one tablet at the end of the visit: refusing the partner would leave every transcript
//! unsignable, and letting the partner pick a PIN on the spot would prove nothing. So the
//! signed-in officer — on the same team, present — vouches for the partner's signature with
//! their own PIN, and the record says so: `pin_confirmed_by` names the officer whose PIN it was,
//! not the signer, so no one reading it later takes it for the partner's own PIN.

use super::error::{AppError, refused};
use super::{AppResult, Session, pin};
use crate::engine::{Command, Engine, PinConfirmation};
use crate::env::Env;
use crate::forms::types::SignerRole;

/// The confirmation a step needs: `None` for every step but an officer's signature; for that,
/// the PIN checked (a failure counts toward the lockout and is committed even though the
/// signature is refused) or the refusal.
pub(crate) fn confirm<E: Env>(
    engine: &mut Engine<E>,
    session: &Session,
    cmd: &Command,
    entered: Option<&str>,
) -> AppResult<Option<PinConfirmation>> {
    let Command::Sign {
        case_id,
        role: SignerRole::Officer,
        signer_id,
        ..
    } = cmd
    else {
        return Ok(None);
    };
    let me = session.officer_id.as_deref().ok_or_else(|| {
        AppError::new(
            "auth.no_officer",
            format!("{} 没有执法人员身份，不能确认执法人员签名", session.name),
            format!(
                "{} is not on the roster as an officer and cannot confirm an officer's signature",
                session.name
            ),
        )
    })?;
    if signer_id.as_deref() != Some(me) {
        // Vouching for a team member: only as a member of the same team.
        let case = engine.case(case_id)?;
        if !case.team.iter().any(|o| o == me) {
            return refused(
                "auth.not_on_team",
                format!("{} 不在本案件的检查组中，不能确认他人的签名", session.name),
                format!(
                    "{} is not on this case's team and cannot confirm another officer's signature",
                    session.name
                ),
            );
        }
    }
    let Some(entered) = entered.filter(|p| !p.is_empty()) else {
        return refused(
            "auth.pin_required",
            format!(
                "执法人员签名须重新输入离线密码（{} 的密码），签名未保存",
                session.name
            ),
            format!(
                "an officer's signature needs the offline PIN entered again ({}'s PIN); the signature was not saved",
                session.name
            ),
        );
    };
    let now = engine.env().now();
    let now_ms = engine.env().now_ms() as i64;
    let (store, ..) = engine.sync_parts();
    // The failure count must be committed even though the signature is refused.
    // Immediate: the sync thread may be writing; a deferred read that then writes would fail
    // at once with "database is locked" instead of waiting its turn.
    let tx = store
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let verdict = pin::verify(&tx, &session.user_id, entered, now_ms);
    tx.commit()?;
    verdict.map_err(|e| {
        AppError::new(
            &e.code,
            format!("{}；签名未保存", e.zh),
            format!("{}; the signature was not saved", e.en),
        )
    })?;
    Ok(Some(PinConfirmation {
        by: me.to_string(),
        at: now,
    }))
}
