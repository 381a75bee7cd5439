//! Recording an admin or review action in the center's audit log (`store::audit`), from the
//! handler that does it, inside the same transaction: the action and its entry commit together
//! or not at all.

use serde_json::Value;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::store::{Sql, audit};
use crate::util::now_ms;

/// Appends `action` on `target` by `who`, with `detail` (an object; the acting device is added
/// when a device token acted, so an entry names the tablet or browser as well as the user).
pub fn record(
    tx: &dyn Sql,
    who: &Principal,
    action: &str,
    target: &str,
    mut detail: Value,
) -> ApiResult<()> {
    if let (Principal::Device { device_id, .. }, Some(obj)) = (who, detail.as_object_mut()) {
        obj.insert("via_device".into(), Value::String(device_id.clone()));
    }
    audit::append(tx, now_ms(), &who.origin(), action, target, &detail)?;
    Ok(())
}

/// Like [`record`] for an actor that is not a signed-in principal (a device enrolling or
/// renewing its token): `device:<id>`.
pub fn record_device(tx: &dyn Sql, device_id: &str, action: &str, detail: Value) -> ApiResult<()> {
    audit::append(
        tx,
        now_ms(),
        &format!("device:{device_id}"),
        action,
        device_id,
        &detail,
    )?;
    Ok(())
}
