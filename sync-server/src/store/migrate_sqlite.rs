//! SQLite's numbered migrations, tracked with `PRAGMA user_version` (no migration crate: they pin
//! an older rusqlite, DESIGN.md §Traps). PostgreSQL's are in `migrate_pg`; keep the two in step.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users(
    user_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, area TEXT NOT NULL,
    team TEXT, officer_id TEXT);
CREATE TABLE enrollment_codes(
    code_sha256 TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(user_id),
    expires_at_ms INTEGER NOT NULL, used_at_ms INTEGER);
CREATE TABLE devices(
    device_id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(user_id),
    public_key TEXT NOT NULL, label TEXT NOT NULL, token_sha256 TEXT NOT NULL UNIQUE,
    enrolled_at_ms INTEGER NOT NULL, revoked_at_ms INTEGER,
    last_seq INTEGER NOT NULL DEFAULT 0, last_hash TEXT NOT NULL);
CREATE TABLE links(
    device_id TEXT NOT NULL REFERENCES devices(device_id), seq INTEGER NOT NULL,
    op_id TEXT NOT NULL UNIQUE, case_id TEXT, kind TEXT NOT NULL, hlc TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    signature TEXT NOT NULL, payload TEXT, seen INTEGER NOT NULL,
    result TEXT NOT NULL, received_at_ms INTEGER NOT NULL,
    PRIMARY KEY(device_id, seq));
CREATE INDEX links_case ON links(case_id, device_id, seq);
CREATE TABLE link_blobs(
    device_id TEXT NOT NULL, seq INTEGER NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY(device_id, seq, sha256));
CREATE INDEX link_blobs_sha ON link_blobs(sha256);
CREATE TABLE alerts(
    id INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL, seq INTEGER,
    code TEXT NOT NULL, reason TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE TABLE enterprises(id TEXT PRIMARY KEY, area TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE officers(id TEXT PRIMARY KEY, areas TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE tasks(id TEXT PRIMARY KEY, team TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE fields(
    entity TEXT NOT NULL, id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    version INTEGER NOT NULL, hlc TEXT NOT NULL, origin TEXT NOT NULL,
    PRIMARY KEY(entity, id, field));
CREATE TABLE cases(
    case_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, user_id TEXT NOT NULL,
    task_id TEXT NOT NULL, enterprise_id TEXT NOT NULL, status TEXT NOT NULL,
    opened_hlc TEXT NOT NULL, updated_at_ms INTEGER NOT NULL);
CREATE TABLE conflicts(
    id TEXT PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL,
    reason TEXT NOT NULL, device_id TEXT, op_id TEXT,
    kept_value TEXT NOT NULL, kept_hlc TEXT NOT NULL, kept_origin TEXT NOT NULL,
    other_value TEXT NOT NULL, other_hlc TEXT NOT NULL, other_origin TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    resolution TEXT, note TEXT, resolved_by TEXT, resolved_at_ms INTEGER);
CREATE TABLE changes(
    version INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, id TEXT NOT NULL,
    kind TEXT NOT NULL, value TEXT, team TEXT, areas TEXT, device_id TEXT,
    at_ms INTEGER NOT NULL);
CREATE INDEX changes_entity ON changes(entity, id, version);
CREATE TABLE blobs(
    sha256 TEXT PRIMARY KEY, length INTEGER NOT NULL, durable INTEGER NOT NULL,
    complete INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL);
"#,
    // 2: the conflicts page reads newest first by (created_at_ms, id); without this index every
    // page sorted the whole table.
    r#"
CREATE INDEX conflicts_recent ON conflicts(created_at_ms, id);
"#,
    // 3: what the center pages filter and review by. The case's facts (opening time and date,
    // team, closing time, current findings) are projected from its ops at push (`case_facts`);
    // `facts` is the projection's version, so rows from before it are projected again at start.
    // The review state (received → under review → accepted / returned) and its history.
    r#"
ALTER TABLE cases ADD COLUMN opened_at TEXT;
ALTER TABLE cases ADD COLUMN opened_on TEXT;
ALTER TABLE cases ADD COLUMN closed_at TEXT;
ALTER TABLE cases ADD COLUMN officers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN facts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN review_state TEXT NOT NULL DEFAULT 'received';
ALTER TABLE cases ADD COLUMN review_note TEXT;
ALTER TABLE cases ADD COLUMN review_by TEXT;
ALTER TABLE cases ADD COLUMN review_at_ms INTEGER;
CREATE INDEX cases_opened_on ON cases(opened_on);
CREATE INDEX cases_updated ON cases(updated_at_ms);
CREATE TABLE case_findings(
    case_id TEXT NOT NULL, answer_key TEXT NOT NULL, item_id TEXT NOT NULL,
    finding TEXT NOT NULL, at TEXT, PRIMARY KEY(case_id, answer_key));
CREATE TABLE case_reviews(
    id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL,
    state TEXT NOT NULL, note TEXT, by_user TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE INDEX case_reviews_case ON case_reviews(case_id, id);
"#,
    // 4: dispatch. Where each officer was last seen at work (from synced check-ins and evidence
    // fixes, for nearest-officer dispatch); double-random draws as recorded; when and by which
    // draw each task was made (the task list reads newest first).
    r#"
CREATE TABLE officer_positions(
    officer_id TEXT PRIMARY KEY, position TEXT NOT NULL, at TEXT NOT NULL,
    case_id TEXT, device_id TEXT);
CREATE TABLE draws(
    id TEXT PRIMARY KEY, name TEXT NOT NULL, year INTEGER NOT NULL, record TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL, tasks_created INTEGER NOT NULL);
ALTER TABLE tasks ADD COLUMN created_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN draw_id TEXT;
CREATE INDEX tasks_created ON tasks(created_at_ms);
"#,
    // 5: every start looks for cases whose facts an older projection made
    // (`case_facts::reproject_all`): an index finds the few instead of scanning all cases.
    r#"
CREATE INDEX cases_facts ON cases(facts);
"#,
    // 6: credentials anyone can verify (issue 7). The center's signing keys: public halves and
    // their state here, private halves as files (`--keys`); the key set and the revocation list
    // as last signed, with their sequence numbers; withdrawn credential numbers; each officer's
    // credential number, which revocations name.
    r#"
CREATE TABLE center_keys(
    kid TEXT PRIMARY KEY, public_key TEXT NOT NULL, created_at_ms INTEGER NOT NULL,
    retired_at_ms INTEGER);
CREATE TABLE center_trust(
    id INTEGER PRIMARY KEY CHECK (id = 1),
    keyring_seq INTEGER NOT NULL, keyring TEXT,
    revocations_seq INTEGER NOT NULL, revocations TEXT);
INSERT INTO center_trust VALUES (1, 0, NULL, 0, NULL);
CREATE TABLE revocations(
    number TEXT PRIMARY KEY, revoked_at_ms INTEGER NOT NULL, reason TEXT NOT NULL,
    by_user TEXT NOT NULL);
ALTER TABLE officers ADD COLUMN credential_number TEXT;
UPDATE officers SET credential_number = json_extract(value, '$.credential.number');
CREATE INDEX officers_credential ON officers(credential_number);
"#,
    // 7: tokens that expire and can be revoked, and the center's own audit log (issue 7).
    // A device's current token gets an expiry (set for tokens issued before this at the next
    // start, see `tokens::backfill_expiry`) and may be revoked without revoking the device;
    // `renewed_at_ms` is the time of the last renewal accepted, so a renewal request cannot be
    // replayed. `center_audit` is a hash chain of every admin and review action; its head row
    // (seq and hash of the last entry) is what an append locks and what shows a cut tail.
    r#"
ALTER TABLE devices ADD COLUMN token_expires_at_ms INTEGER;
ALTER TABLE devices ADD COLUMN token_revoked_at_ms INTEGER;
ALTER TABLE devices ADD COLUMN renewed_at_ms INTEGER NOT NULL DEFAULT 0;
CREATE TABLE center_audit(
    seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX center_audit_actor ON center_audit(actor, seq);
CREATE INDEX center_audit_action ON center_audit(action, seq);
CREATE INDEX center_audit_at ON center_audit(at_ms);
CREATE TABLE center_audit_head(
    id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
INSERT INTO center_audit_head VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
"#,
    // 8: an upload in progress belongs to the device sending it (`store::blobs`): one shared
    // upload per blob let any device discard another's progress by sending garbage under its
    // name. `blobs` now holds only stored blobs. Uploads in progress at the upgrade are
    // forgotten, and their devices start them again from 0 (the staged files moved too,
    // `blobs::sweep_old_staging`).
    r#"
CREATE TABLE blob_uploads(
    sha256 TEXT NOT NULL, device_id TEXT NOT NULL, length INTEGER NOT NULL,
    durable INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (sha256, device_id));
DELETE FROM blobs WHERE complete = 0;
ALTER TABLE blobs DROP COLUMN durable;
ALTER TABLE blobs DROP COLUMN complete;
ALTER TABLE blobs RENAME COLUMN updated_at_ms TO stored_at_ms;
"#,
    // 9: a damaged blob is one alert however many reads find it at once
    // (`devices::insert_damaged_blob_alert`).
    r#"
CREATE UNIQUE INDEX alerts_blob_once ON alerts(device_id, seq, reason) WHERE code = 'blob.corrupt';
"#,
];

pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrates_from_empty_and_is_idempotent() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrate(&mut conn).unwrap();
        super::migrate(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, super::MIGRATIONS.len());
    }

    /// A device enrolled before tokens expired keeps its token; the next start gives it the
    /// configured lifetime (`tokens::backfill_expiry`), and only to tokens without one. The
    /// audit log starts empty with its head at the genesis hash, and verifies.
    #[test]
    fn tokens_of_version_6_get_an_expiry_and_the_audit_log_starts_whole() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        for sql in &super::MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        conn.execute_batch(
            "INSERT INTO users VALUES ('u-1', '张伟', 'inspector', '3205', 't', NULL);
             INSERT INTO devices(device_id, user_id, public_key, label, token_sha256,
                                 enrolled_at_ms, last_hash)
             VALUES ('d-1', 'u-1', 'aa', '平板', 'hash-of-old-token', 1, 'x');",
        )
        .unwrap();
        super::migrate(&mut conn).unwrap();
        let held = crate::store::tokens::held(&conn, "hash-of-old-token")
            .unwrap()
            .expect("the old token is still the device's");
        assert_eq!(held.expires_at_ms, None);
        assert_eq!(
            crate::store::tokens::backfill_expiry(&conn, 5_000).unwrap(),
            1
        );
        assert_eq!(
            crate::store::tokens::backfill_expiry(&conn, 9_000).unwrap(),
            0
        );
        let held = crate::store::tokens::held(&conn, "hash-of-old-token")
            .unwrap()
            .unwrap();
        assert_eq!(held.expires_at_ms, Some(5_000));
        let v = crate::store::audit::verify(&conn).unwrap();
        assert_eq!(
            v,
            crate::store::audit::Verdict {
                entries: 0,
                broken: None
            }
        );
    }

    /// Blobs stored before uploads were per device stay stored; an upload then in progress,
    /// whose device nobody recorded, is forgotten (its device starts it again from 0).
    #[test]
    fn blobs_of_version_7_keep_what_is_stored_and_forget_uploads() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        for sql in &super::MIGRATIONS[..7] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 7).unwrap();
        let (done, half) = ("a".repeat(64), "b".repeat(64));
        conn.execute_batch(&format!(
            "INSERT INTO blobs VALUES ('{done}', 700, 700, 1, 5);
             INSERT INTO blobs VALUES ('{half}', 900, 512, 0, 6);"
        ))
        .unwrap();
        super::migrate(&mut conn).unwrap();
        use crate::store::blobs;
        assert_eq!(blobs::stored(&conn, &done).unwrap(), Some(700));
        assert_eq!(blobs::stored(&conn, &half).unwrap(), None);
        assert_eq!(blobs::upload(&conn, &half, "d-1").unwrap(), None);
        // Uploads are now kept per device, and end with the blob stored.
        let up = blobs::Upload {
            length: 900,
            durable: 256,
        };
        assert!(blobs::set_upload(&conn, &half, "d-1", up, 7).unwrap());
        assert_eq!(blobs::upload(&conn, &half, "d-1").unwrap(), Some(up));
        assert_eq!(blobs::upload(&conn, &half, "d-2").unwrap(), None);
        blobs::set_stored(&conn, &half, 900, 8).unwrap();
        assert_eq!(blobs::upload(&conn, &half, "d-1").unwrap(), None);
        assert!(!blobs::set_upload(&conn, &half, "d-2", up, 9).unwrap());
        assert_eq!(blobs::upload(&conn, &half, "d-2").unwrap(), None);
    }

    /// A roster stored before credentials were verifiable keeps its credential numbers, which
    /// revocations look up.
    #[test]
    fn officers_of_version_5_get_their_credential_numbers() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        for sql in &super::MIGRATIONS[..5] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
        conn.execute_batch(
            r#"INSERT INTO officers VALUES ('O-1', '["3205"]', '{"id":"O-1","credential":{"number":"32050019001"}}');
               INSERT INTO officers VALUES ('G-1', '["320506"]', '{"id":"G-1","areas":["320506"]}');"#,
        )
        .unwrap();
        super::migrate(&mut conn).unwrap();
        let numbers: Vec<(String, Option<String>)> = conn
            .prepare("SELECT id, credential_number FROM officers ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            numbers,
            [
                ("G-1".to_string(), None),
                ("O-1".to_string(), Some("32050019001".to_string()))
            ]
        );
    }
}
