//! PostgreSQL's numbered migrations, tracked in `schema_version` (one row per applied step). The
//! same tables as `migrate_sqlite`, in PostgreSQL's types: BIGINT for every integer (the store
//! binds i64), an identity column for alerts, and the change log's version given out by the
//! one-row `change_counter` (see `changes::append` for why not a sequence).

use super::pg::PgSql;
use super::pg_conn::PgConnection;
use super::sql::{DbResult, Sql, Value};

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users(
    user_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, area TEXT NOT NULL,
    team TEXT, officer_id TEXT);
CREATE TABLE enrollment_codes(
    code_sha256 TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(user_id),
    expires_at_ms BIGINT NOT NULL, used_at_ms BIGINT);
CREATE TABLE devices(
    device_id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(user_id),
    public_key TEXT NOT NULL, label TEXT NOT NULL, token_sha256 TEXT NOT NULL UNIQUE,
    enrolled_at_ms BIGINT NOT NULL, revoked_at_ms BIGINT,
    last_seq BIGINT NOT NULL DEFAULT 0, last_hash TEXT NOT NULL);
CREATE TABLE links(
    device_id TEXT NOT NULL REFERENCES devices(device_id), seq BIGINT NOT NULL,
    op_id TEXT NOT NULL UNIQUE, case_id TEXT, kind TEXT NOT NULL, hlc TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    signature TEXT NOT NULL, payload TEXT, seen BIGINT NOT NULL,
    result TEXT NOT NULL, received_at_ms BIGINT NOT NULL,
    PRIMARY KEY(device_id, seq));
CREATE INDEX links_case ON links(case_id, device_id, seq);
CREATE TABLE link_blobs(
    device_id TEXT NOT NULL, seq BIGINT NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY(device_id, seq, sha256));
CREATE INDEX link_blobs_sha ON link_blobs(sha256);
CREATE TABLE alerts(
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, device_id TEXT NOT NULL, seq BIGINT,
    code TEXT NOT NULL, reason TEXT NOT NULL, at_ms BIGINT NOT NULL);
CREATE TABLE enterprises(id TEXT PRIMARY KEY, area TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE officers(id TEXT PRIMARY KEY, areas TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE tasks(id TEXT PRIMARY KEY, team TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE fields(
    entity TEXT NOT NULL, id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    version BIGINT NOT NULL, hlc TEXT NOT NULL, origin TEXT NOT NULL,
    PRIMARY KEY(entity, id, field));
CREATE TABLE cases(
    case_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, user_id TEXT NOT NULL,
    task_id TEXT NOT NULL, enterprise_id TEXT NOT NULL, status TEXT NOT NULL,
    opened_hlc TEXT NOT NULL, updated_at_ms BIGINT NOT NULL);
CREATE TABLE conflicts(
    id TEXT PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL,
    reason TEXT NOT NULL, device_id TEXT, op_id TEXT,
    kept_value TEXT NOT NULL, kept_hlc TEXT NOT NULL, kept_origin TEXT NOT NULL,
    other_value TEXT NOT NULL, other_hlc TEXT NOT NULL, other_origin TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    resolution TEXT, note TEXT, resolved_by TEXT, resolved_at_ms BIGINT);
CREATE TABLE changes(
    version BIGINT PRIMARY KEY, entity TEXT NOT NULL, id TEXT NOT NULL,
    kind TEXT NOT NULL, value TEXT, team TEXT, areas TEXT, device_id TEXT,
    at_ms BIGINT NOT NULL);
CREATE INDEX changes_entity ON changes(entity, id, version);
CREATE TABLE change_counter(id INT PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL);
INSERT INTO change_counter VALUES (1, 0);
CREATE TABLE blobs(
    sha256 TEXT PRIMARY KEY, length BIGINT NOT NULL, durable BIGINT NOT NULL,
    complete BIGINT NOT NULL, updated_at_ms BIGINT NOT NULL);
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
ALTER TABLE cases ADD COLUMN facts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN review_state TEXT NOT NULL DEFAULT 'received';
ALTER TABLE cases ADD COLUMN review_note TEXT;
ALTER TABLE cases ADD COLUMN review_by TEXT;
ALTER TABLE cases ADD COLUMN review_at_ms BIGINT;
CREATE INDEX cases_opened_on ON cases(opened_on);
CREATE INDEX cases_updated ON cases(updated_at_ms);
CREATE TABLE case_findings(
    case_id TEXT NOT NULL, answer_key TEXT NOT NULL, item_id TEXT NOT NULL,
    finding TEXT NOT NULL, at TEXT, PRIMARY KEY(case_id, answer_key));
CREATE TABLE case_reviews(
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, case_id TEXT NOT NULL,
    state TEXT NOT NULL, note TEXT, by_user TEXT NOT NULL, at_ms BIGINT NOT NULL);
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
    id TEXT PRIMARY KEY, name TEXT NOT NULL, year BIGINT NOT NULL, record TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL, tasks_created BIGINT NOT NULL);
ALTER TABLE tasks ADD COLUMN created_at_ms BIGINT NOT NULL DEFAULT 0;
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
    kid TEXT PRIMARY KEY, public_key TEXT NOT NULL, created_at_ms BIGINT NOT NULL,
    retired_at_ms BIGINT);
CREATE TABLE center_trust(
    id INT PRIMARY KEY CHECK (id = 1),
    keyring_seq BIGINT NOT NULL, keyring TEXT,
    revocations_seq BIGINT NOT NULL, revocations TEXT);
INSERT INTO center_trust VALUES (1, 0, NULL, 0, NULL);
CREATE TABLE revocations(
    number TEXT PRIMARY KEY, revoked_at_ms BIGINT NOT NULL, reason TEXT NOT NULL,
    by_user TEXT NOT NULL);
ALTER TABLE officers ADD COLUMN credential_number TEXT;
UPDATE officers SET credential_number = (value::jsonb -> 'credential' ->> 'number');
CREATE INDEX officers_credential ON officers(credential_number);
"#,
    // 7: tokens that expire and can be revoked, and the center's own audit log (issue 7).
    // A device's current token gets an expiry (set for tokens issued before this at the next
    // start, see `tokens::backfill_expiry`) and may be revoked without revoking the device;
    // `renewed_at_ms` is the time of the last renewal accepted, so a renewal request cannot be
    // replayed. `center_audit` is a hash chain of every admin and review action; its head row
    // (seq and hash of the last entry) is what an append locks and what shows a cut tail.
    r#"
ALTER TABLE devices ADD COLUMN token_expires_at_ms BIGINT;
ALTER TABLE devices ADD COLUMN token_revoked_at_ms BIGINT;
ALTER TABLE devices ADD COLUMN renewed_at_ms BIGINT NOT NULL DEFAULT 0;
CREATE TABLE center_audit(
    seq BIGINT PRIMARY KEY, at_ms BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX center_audit_actor ON center_audit(actor, seq);
CREATE INDEX center_audit_action ON center_audit(action, seq);
CREATE INDEX center_audit_at ON center_audit(at_ms);
CREATE TABLE center_audit_head(
    id INT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
INSERT INTO center_audit_head VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
"#,
    // 8: a link's device is no longer checked by a foreign key. Every push inserts its links
    // while holding the device's row (`devices::lock`, which also answers a missing device),
    // and no device row is ever deleted (revoking keeps it), so the key checked nothing the push
    // had not; but it ran a lookup of the device per inserted link: on the sync bench, 10,000
    // lookups and about a tenth of PostgreSQL's time.
    r#"
ALTER TABLE links DROP CONSTRAINT links_device_id_fkey;
"#,
    // 9: changes are numbered at their transaction's commit (`changes::seal`), and the fields
    // they wrote hold the placeholder until then: this finds those few rows without a scan.
    r#"
CREATE INDEX fields_unsealed ON fields(version) WHERE version < 0;
"#,
    // 10: an upload in progress belongs to the device sending it (`store::blobs`): one shared
    // upload per blob let any device discard another's progress by sending garbage under its
    // name. `blobs` now holds only stored blobs. Uploads in progress at the upgrade are
    // forgotten, and their devices start them again from 0 (the staged files moved too,
    // `blobs::sweep_old_staging`).
    r#"
CREATE TABLE blob_uploads(
    sha256 TEXT NOT NULL, device_id TEXT NOT NULL, length BIGINT NOT NULL,
    durable BIGINT NOT NULL, updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (sha256, device_id));
DELETE FROM blobs WHERE complete = 0;
ALTER TABLE blobs DROP COLUMN durable;
ALTER TABLE blobs DROP COLUMN complete;
ALTER TABLE blobs RENAME COLUMN updated_at_ms TO stored_at_ms;
"#,
    // 11: a damaged blob is one alert however many reads find it at once: a check before the
    // insert let two reads at the same instant both record it
    // (`devices::insert_damaged_blob_alert`; test `pg_alerts_tests`).
    r#"
CREATE UNIQUE INDEX alerts_blob_once ON alerts(device_id, seq, reason) WHERE code = 'blob.corrupt';
"#,
];

/// Any advisory-lock key, the same in every replica: replicas starting together migrate one at
/// a time, and the later ones find the work done.
const MIGRATE_LOCK: i64 = 0x6669_656c_6463_6173; // "fieldcas"

pub fn migrate(conn: &mut PgConnection) -> DbResult<()> {
    let tx = PgSql::begin(conn, "BEGIN");
    tx.query(
        "SELECT pg_advisory_xact_lock(?1)::text",
        &[Value::Int(MIGRATE_LOCK)],
    )?;
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_version(version BIGINT PRIMARY KEY)",
        &[],
    )?;
    let current = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])?
        .i64(0)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.batch(sql)?;
        tx.exec(
            "INSERT INTO schema_version(version) VALUES (?1)",
            &[Value::Int((i + 1) as i64)],
        )?;
    }
    tx.commit()
}
