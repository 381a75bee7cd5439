//! Numbered schema migrations, tracked with `PRAGMA user_version`.
//!
//! Plain SQL, not rusqlite_migration or refinery: both pin an older rusqlite and a second
//! libsqlite3-sys cannot link (DESIGN.md, Traps). Each migration runs in one transaction with the
//! version bump, so a kill mid-migration leaves the previous version intact.

use rusqlite::Connection;

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`. Never edit a released one: add the next.
pub const MIGRATIONS: &[&str] = &[
    // 1: device identity, reference data, cases, the operation log (audit chain) and the outbox.
    r#"
    CREATE TABLE device (
        id TEXT PRIMARY KEY,
        public_key TEXT NOT NULL,
        pkcs8 BLOB NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE officers (id TEXT PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL);
    CREATE TABLE enterprises (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, area TEXT NOT NULL,
        lat REAL NOT NULL, lon REAL NOT NULL, risk TEXT NOT NULL, data TEXT NOT NULL
    );
    CREATE TABLE tasks (
        id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, due TEXT NOT NULL, data TEXT NOT NULL
    );
    CREATE TABLE cases (
        id TEXT PRIMARY KEY, task_id TEXT NOT NULL, enterprise_id TEXT NOT NULL,
        status TEXT NOT NULL, opened_at TEXT NOT NULL, last_seq INTEGER NOT NULL, state TEXT NOT NULL
    );
    CREATE TABLE case_officers (
        case_id TEXT NOT NULL, officer_id TEXT NOT NULL, PRIMARY KEY (case_id, officer_id)
    );
    CREATE TABLE ops (
        seq INTEGER PRIMARY KEY,
        op_id TEXT NOT NULL UNIQUE,
        case_id TEXT,
        kind TEXT NOT NULL,
        hlc TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        signature TEXT NOT NULL
    );
    CREATE INDEX ops_case ON ops (case_id, seq);
    CREATE TABLE outbox (
        device_seq INTEGER PRIMARY KEY,
        op_seq INTEGER NOT NULL UNIQUE REFERENCES ops (seq),
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, media_type TEXT NOT NULL, created_at TEXT NOT NULL
    );
    "#,
    // 2: number blocks for pre-numbered documents (V-20), open interviews (V-16), inbox indexes.
    r#"
    CREATE TABLE number_blocks (
        doc_type TEXT NOT NULL, prefix TEXT NOT NULL, next INTEGER NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (doc_type, prefix)
    );
    CREATE TABLE numbers_used (
        number TEXT PRIMARY KEY, doc_type TEXT NOT NULL, case_id TEXT NOT NULL, used_at TEXT NOT NULL
    );
    CREATE TABLE open_interviews (
        id_number TEXT NOT NULL, case_id TEXT NOT NULL, interview_id TEXT NOT NULL,
        PRIMARY KEY (id_number, interview_id)
    );
    CREATE INDEX tasks_due ON tasks (due, id);
    CREATE INDEX cases_task ON cases (task_id);
    CREATE INDEX cases_status ON cases (status, opened_at);
    "#,
    // 3: the inbox must stay fast at 10,000 cases (≤ 20 ms): case snapshots move out of the narrow
    // `cases` row into `case_states`, tasks get their source as a column, and covering indexes let
    // the inbox read no JSON at all.
    r#"
    CREATE TABLE case_states (case_id TEXT PRIMARY KEY REFERENCES cases (id), state TEXT NOT NULL);
    INSERT INTO case_states (case_id, state) SELECT id, state FROM cases;
    ALTER TABLE cases DROP COLUMN state;
    ALTER TABLE tasks ADD COLUMN source TEXT NOT NULL DEFAULT '';
    UPDATE tasks SET source = coalesce(json_extract(data, '$.source'), '');
    DROP INDEX tasks_due;
    CREATE INDEX tasks_due ON tasks (due, id, enterprise_id, source);
    CREATE INDEX cases_task_status ON cases (task_id, status, id);
    CREATE INDEX cases_enterprise ON cases (enterprise_id, opened_at);
    CREATE INDEX enterprises_inbox ON enterprises (id, name, risk, lat, lon);
    CREATE TABLE sample_ids (sample_id TEXT PRIMARY KEY, case_id TEXT NOT NULL);
    INSERT OR IGNORE INTO sample_ids (sample_id, case_id)
        SELECT json_extract(j.value, '$.sample_id'), s.case_id FROM case_states s, json_each(s.state, '$.samples') j;
    "#,
    // 4: sync with the center. `outbox.seen` is the pull cursor the user had when the op was made
    // (the center judges concurrent edits by it); `sync_results` keeps each op's answer from the
    // center (rejections are shown); blobs remember when the center confirmed them; center
    // records (review notes, conflicts about this device's work) are kept for the UI.
    r#"
    ALTER TABLE outbox ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE sync_results (
        seq INTEGER PRIMARY KEY REFERENCES ops (seq), op_id TEXT NOT NULL, outcome TEXT NOT NULL,
        reason TEXT, conflicts TEXT NOT NULL DEFAULT '[]', answered_at TEXT NOT NULL
    );
    ALTER TABLE blobs ADD COLUMN uploaded_at TEXT;
    CREATE TABLE center_records (
        entity TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (entity, id)
    );
    "#,
    // 5: the field app's offline PINs (salted PBKDF2; failures and the lockout survive a restart).
    r#"
    CREATE TABLE pins (
        user_id TEXT PRIMARY KEY, salt BLOB NOT NULL, hash BLOB NOT NULL, iterations INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0, locked_until_ms INTEGER NOT NULL DEFAULT 0, set_at TEXT NOT NULL
    );
    "#,
];

/// The schema version this build writes.
pub fn latest() -> u32 {
    MIGRATIONS.len() as u32
}

/// Brings a database to `target` (≤ latest), one transaction per migration.
pub fn migrate_to(conn: &mut Connection, target: u32) -> rusqlite::Result<u32> {
    let mut current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    while current < target {
        let tx = conn.transaction()?;
        tx.execute_batch(MIGRATIONS[current as usize])?;
        current += 1;
        tx.pragma_update(None, "user_version", current)?;
        tx.commit()?;
    }
    Ok(current)
}
