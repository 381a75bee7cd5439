//! Pulling the changes in the user's scope. Each page is applied with its cursor in one
//! transaction, and recorded as a local-only audit link (what changed, by hash), so the chain says
//! when the device's reference data changed. A reference entity leaves the device when it leaves
//! the scope — unless a case on this device still refers to it.

use std::collections::BTreeSet;

use fieldcase_protocol::sync::{Change, ChangeKind, Entity, PullResponse};
use fieldcase_protocol::{Sha256, to_canonical_json};
use rusqlite::{Transaction, params};

use super::SyncFailure;
use super::client::Client;
use super::state::{self, CURSOR};
use crate::error::{CoreError, Result};
use crate::model::enterprise::Enterprise;
use crate::model::officer::Officer;
use crate::model::task::Task;
use crate::store::chain::{self, NewLink};
use crate::store::{Store, queries};

/// Counts of one pull run.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PullCounts {
    pub pages: usize,
    pub changes: usize,
    pub removed: usize,
    pub cursor: i64,
}

/// Page size asked for.
const PAGE: u32 = 500;

fn table(entity: Entity) -> Option<&'static str> {
    match entity {
        Entity::Task => Some("tasks"),
        Entity::Enterprise => Some("enterprises"),
        Entity::Officer => Some("officers"),
        Entity::Case | Entity::Conflict | Entity::Keyring | Entity::Revocations => None,
    }
}

/// Whether a case on this device refers to the entity (then it stays).
fn in_use(tx: &Transaction<'_>, entity: Entity, id: &str) -> Result<bool> {
    let sql = match entity {
        Entity::Task => "SELECT EXISTS (SELECT 1 FROM cases WHERE task_id = ?1)",
        Entity::Enterprise => "SELECT EXISTS (SELECT 1 FROM cases WHERE enterprise_id = ?1)",
        // Officers named in a case's team stay for its documents.
        Entity::Officer => {
            "SELECT EXISTS (SELECT 1 FROM case_states s, json_each(s.state, '$.team') j WHERE j.value = ?1)"
        }
        Entity::Case | Entity::Conflict | Entity::Keyring | Entity::Revocations => {
            return Ok(false);
        }
    };
    Ok(tx.query_row(sql, [id], |r| r.get(0))?)
}

fn bad(c: &Change, e: impl std::fmt::Display) -> CoreError {
    CoreError::Data(format!("pulled {:?} {}: {e}", c.entity, c.id))
}

fn apply_change(tx: &Transaction<'_>, c: &Change) -> Result<bool> {
    match (c.kind, table(c.entity)) {
        (ChangeKind::Put, _) => {
            let v = c
                .value
                .clone()
                .ok_or_else(|| bad(c, "a put without a value"))?;
            match c.entity {
                Entity::Task => {
                    let t: Task = serde_json::from_value(v).map_err(|e| bad(c, e))?;
                    queries::put_task(tx, &t)?;
                }
                Entity::Enterprise => {
                    let e: Enterprise = serde_json::from_value(v).map_err(|e| bad(c, e))?;
                    queries::put_enterprise(tx, &e)?;
                }
                Entity::Officer => {
                    let o: Officer = serde_json::from_value(v).map_err(|e| bad(c, e))?;
                    queries::put_officer(tx, &o)?;
                }
                // The center's keys and revocation list are checked before they are taken.
                Entity::Keyring => crate::trust::apply_keyring(tx, &v)?,
                Entity::Revocations => crate::trust::apply_revocations(tx, &v)?,
                Entity::Case | Entity::Conflict => {
                    tx.execute(
                        "INSERT OR REPLACE INTO center_records (entity, id, version, value) VALUES (?1, ?2, ?3, ?4)",
                        params![entity_name(c.entity), c.id, c.version, v.to_string()],
                    )?;
                }
            }
            Ok(false)
        }
        (ChangeKind::Remove, Some(t)) => {
            if in_use(tx, c.entity, &c.id)? {
                return Ok(false);
            }
            let n = tx.execute(&format!("DELETE FROM {t} WHERE id = ?1"), [&c.id])?;
            Ok(n > 0)
        }
        (ChangeKind::Remove, None) => {
            tx.execute(
                "DELETE FROM center_records WHERE entity = ?1 AND id = ?2",
                params![entity_name(c.entity), c.id],
            )?;
            Ok(true)
        }
    }
}

fn entity_name(e: Entity) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// After the last page of a snapshot: reference rows the snapshot did not list leave the device
/// (unless a case uses them).
fn drop_unlisted(tx: &Transaction<'_>, listed: &BTreeSet<(Entity, String)>) -> Result<usize> {
    let mut removed = 0;
    for entity in [Entity::Task, Entity::Enterprise, Entity::Officer] {
        let Some(t) = table(entity) else { continue };
        let ids: Vec<String> = {
            let mut stmt = tx.prepare(&format!("SELECT id FROM {t}"))?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for id in ids {
            if !listed.contains(&(entity, id.clone())) && !in_use(tx, entity, &id)? {
                removed += tx.execute(&format!("DELETE FROM {t} WHERE id = ?1"), [&id])?;
            }
        }
    }
    Ok(removed)
}

/// Applies one page and its cursor, with a local-only audit link recording it.
fn apply_page(
    store: &mut Store,
    from: i64,
    page: &PullResponse,
    hlc: &str,
    op_id: &str,
    reload: Option<&mut BTreeSet<(Entity, String)>>,
) -> Result<usize> {
    let digest = Sha256::of(&to_canonical_json(&page.changes)?).to_string();
    let summary = serde_json::json!({
        "from": from, "to": page.cursor, "changes": page.changes.len(),
        "changes_sha256": digest, "snapshot": page.snapshot,
    });
    let payload = String::from_utf8(to_canonical_json(&summary)?)
        .map_err(|e| CoreError::Data(e.to_string()))?;
    store.transaction(|tx, device| {
        let mut removed = 0;
        let mut reload = reload;
        for c in &page.changes {
            if let Some(listed) = reload.as_deref_mut() {
                listed.insert((c.entity, c.id.clone()));
            }
            if apply_change(tx, c)? {
                removed += 1;
            }
        }
        // A reload's pages together list the whole scope; after the last, drop the rest.
        if let Some(listed) = reload
            && !page.has_more
        {
            removed += drop_unlisted(tx, listed)?;
        }
        state::set(tx, CURSOR, &page.cursor.to_string())?;
        if !page.changes.is_empty() {
            state::set(tx, "hlc_last", hlc)?;
            chain::append(
                tx,
                &device.key,
                &device.id,
                &NewLink {
                    op_id,
                    case_id: None,
                    kind: "center_changes_applied",
                    hlc,
                    payload: &payload,
                    outbox: false,
                },
            )?;
        }
        Ok(removed)
    })
}

/// Pulls until the center has nothing newer. `stamp()` gives a fresh (op id, HLC) per page.
pub(crate) fn pull_all(
    store: &mut Store,
    client: &Client,
    stamp: &mut dyn FnMut() -> (String, String),
) -> std::result::Result<PullCounts, SyncFailure> {
    let mut counts = PullCounts::default();
    let mut listed = BTreeSet::new();
    let mut cursor = state::get_i64(store.conn(), CURSOR)?;
    let mut reloaded = false;
    let mut reloading = false;
    loop {
        let page = match client.pull(cursor, PAGE) {
            Ok(p) => p,
            // The change log no longer reaches back to our cursor: reload the whole scope,
            // keeping every unsent op (they are links, untouched by a reload).
            Err(e)
                if e.code() == Some(fieldcase_protocol::sync::codes::CURSOR_EXPIRED)
                    && !reloaded =>
            {
                reloaded = true;
                cursor = 0;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        // Only the first page of a reload (cursor 0) says `snapshot`; the later pages of the
        // same run continue it.
        if page.snapshot {
            reloading = true;
        }
        let (op_id, hlc) = stamp();
        let listing = if reloading { Some(&mut listed) } else { None };
        counts.removed += apply_page(store, cursor, &page, &hlc, &op_id, listing)?;
        counts.pages += 1;
        counts.changes += page.changes.len();
        cursor = page.cursor;
        counts.cursor = cursor;
        if !page.has_more {
            return Ok(counts);
        }
    }
}
