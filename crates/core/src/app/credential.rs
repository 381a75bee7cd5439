//! 亮证 on screen: the officer's credential with a QR code of its center-signed token, which the
//! party can verify on any device holding the center's public key, with no network. A credential
//! the center has revoked is not shown at all (the same refusal as the showing step's).

use fieldcase_print::escpos::{QrEc, qr_bitmap};

use base64::Engine as _;

use super::error::AppError;
use super::{App, AppResult, CredentialCard, CredentialCheck, VerifyCredentialArgs};
use crate::env::Env;
use crate::model::officer::Officer;
use crate::store::Store;

/// The most bytes of a picture to look for a code in (a phone photo is 3–8 MB).
const MAX_PICTURE: usize = 25 << 20;

impl<E: Env> App<E> {
    /// Verifies a credential (扫码验证), offline, with the center's keys this device holds: from
    /// the token's text or from a picture of its QR code.
    pub fn verify_credential(&self, a: VerifyCredentialArgs) -> AppResult<CredentialCheck> {
        self.unsealed()?;
        let token = match (a.text, a.image_base64) {
            (Some(t), None) if !t.trim().is_empty() => t.trim().to_string(),
            (None, Some(b64)) => {
                if b64.len() > MAX_PICTURE / 3 * 4 + 4 {
                    return Err(AppError::new(
                        "credential.picture",
                        format!("图片过大（超过 {} MB）", MAX_PICTURE >> 20),
                        format!("the picture is larger than {} MB", MAX_PICTURE >> 20),
                    ));
                }
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| {
                        AppError::new(
                            "credential.picture",
                            format!("图片数据有误：{e}"),
                            format!("the picture's data is not base64: {e}"),
                        )
                    })?;
                crate::qr_read::read_credential_token(&bytes)?
            }
            _ => {
                return Err(AppError::new(
                    "input.credential",
                    "请输入执法证二维码内容，或选择一张二维码照片（二选一）",
                    "give the credential code's text or a picture of it (one of the two)",
                ));
            }
        };
        let engine = self.engine();
        let conn = engine.store().conn();
        let now = engine.env().now();
        let verdict = crate::trust::verify(conn, &token, now.date_naive())?.ok_or_else(|| {
            AppError::new(
                "credential.no_keys",
                "本机还没有执法中心的公钥，无法验证：请先与中心同步",
                "this device holds no center keys to verify with: sync with the center first",
            )
        })?;
        let keyring_seq = crate::trust::keyring(conn)?.map_or(0, |k| k.keyring.seq);
        let revocations_age_ms = verdict
            .revocations_issued_at_ms
            .map(|t| now.timestamp_millis() - t);
        Ok(CredentialCheck {
            token,
            verdict,
            keyring_seq,
            revocations_age_ms,
        })
    }
}

pub(crate) fn card(
    store: &Store,
    officer: Officer,
    valid: bool,
    today: chrono::NaiveDate,
) -> AppResult<CredentialCard> {
    let Some(c) = &officer.credential else {
        return Err(AppError::new(
            "V-01",
            format!("{} 没有行政执法证，不能亮证", officer.name),
            format!("{} holds no enforcement credential to show", officer.name),
        ));
    };
    // The revocation list decides even when the token is missing or unreadable: the number is
    // what the center withdrew.
    if let Some(r) = crate::trust::revoked(store.conn(), &c.number)? {
        let (zh, en) = crate::trust::revoked_message(&officer.name, &c.number, &r);
        return Err(AppError::new("V-02", zh, en));
    }
    let Some(token) = c.token.clone() else {
        return Ok(CredentialCard {
            officer,
            valid,
            verdict: None,
            qr_payload: None,
            qr_rows: Vec::new(),
        });
    };
    let verdict = crate::trust::verify(store.conn(), &token, today)?;
    let bm = qr_bitmap(&token, QrEc::M, 1).map_err(|e| {
        AppError::new(
            "credential.qr",
            format!("无法生成二维码：{e}"),
            format!("the QR code could not be made: {e}"),
        )
    })?;
    let qr_rows = (0..bm.height)
        .map(|y| {
            (0..bm.width)
                .map(|x| if bm.get(x, y) { '1' } else { '0' })
                .collect()
        })
        .collect();
    Ok(CredentialCard {
        officer,
        valid,
        verdict,
        qr_payload: Some(token),
        qr_rows,
    })
}
