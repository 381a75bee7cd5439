//! 亮证 on screen: the officer's credential with a QR code the party can scan. Until the center
//! signs credentials (issue 7: an Ed25519 token verifiable offline), the code carries the
//! credential's fields as JSON, so a scan at least shows what the card says.

use fieldcase_print::escpos::{QrEc, qr_bitmap};
use serde_json::json;

use super::error::AppError;
use super::{AppResult, CredentialCard};
use crate::model::officer::Officer;

pub(crate) fn card(officer: Officer, valid: bool) -> AppResult<CredentialCard> {
    let Some(c) = &officer.credential else {
        return Err(AppError::new(
            "V-01",
            format!("{} 没有行政执法证，不能亮证", officer.name),
            format!("{} holds no enforcement credential to show", officer.name),
        ));
    };
    let payload = json!({
        "type": "fieldcase-credential-1",
        "name": officer.name,
        "number": c.number,
        "kind": c.kind,
        "agency": officer.agency,
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
    })
    .to_string();
    let bm = qr_bitmap(&payload, QrEc::M, 1).map_err(|e| {
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
        qr_payload: payload,
        qr_rows,
    })
}
