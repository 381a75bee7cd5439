//! Schema migrations against real SQLite files: a new store comes up at the latest version, a store
//! left at any earlier version is brought forward without losing its rows (and then works for a
//! full engine run), and re-opening an up-to-date store changes nothing.

use std::path::Path;

use fieldcase_core::env::{Env, SteppingEnv};
use fieldcase_core::forms::FormSet;
use fieldcase_core::model::enterprise::Enterprise;
use fieldcase_core::model::officer::Officer;
use fieldcase_core::model::task::Task;
use fieldcase_core::store::{self, Store, migrations};
use fieldcase_core::{Command, Engine, ReferenceBundle};
use rusqlite::{Connection, params};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const DB: &str = "fieldcase.db";

fn forms() -> FormSet {
    FormSet::load(&Path::new(ROOT).join("forms")).expect("forms load")
}

fn reference() -> ReferenceBundle {
    let text = std::fs::read_to_string(Path::new(ROOT).join("demo/electroplating/reference.json"))
        .expect("read reference");
    serde_json::from_str(&text).expect("parse reference")
}

/// The clock of the demo inspection. (Every test asks for it first, so it also sets where the
/// tests' store keys live: a key folder under target/, apart from every store.)
fn env() -> SteppingEnv {
    fieldcase_core::store::KeyStore::set_process_default(fieldcase_core::store::KeyStore::Dir(
        Path::new(ROOT).join("target/test-keys"),
    ))
    .expect("key store");
    SteppingEnv::at("2026-11-23T09:00:00+08:00", 1000).expect("clock")
}

fn user_version(conn: &Connection) -> u32 {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version")
}

/// Every table, index and trigger with its SQL, in a stable order.
fn schema(conn: &Connection) -> Vec<(String, String, Option<String>)> {
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query");
    rows.collect::<rusqlite::Result<_>>().expect("schema")
}

/// Representative reference rows, as a store at schema version ≥ 1 holds them. Ids differ from the
/// demo reference so the later import does not replace them.
fn legacy_rows() -> (Officer, Enterprise, Task) {
    let r = reference();
    let mut o = r.officers[0].clone();
    o.id = "O-LEGACY".into();
    o.name = "旧数据".into();
    let mut e = r.enterprises[0].clone();
    e.id = "E-LEGACY".into();
    e.name = "迁移前企业".into();
    let mut t = r.tasks[0].clone();
    t.id = "T-LEGACY-01".into();
    t.enterprise_id = e.id.clone();
    (o, e, t)
}

/// Writes the legacy rows with plain SQL, using only columns that exist at schema version 1.
fn insert_v1_rows(conn: &Connection) {
    let (o, e, t) = legacy_rows();
    conn.execute(
        "INSERT INTO officers (id, name, data) VALUES (?1, ?2, ?3)",
        params![o.id, o.name, serde_json::to_string(&o).expect("json")],
    )
    .expect("insert officer");
    let risk = serde_json::to_value(e.risk)
        .expect("risk")
        .as_str()
        .expect("risk text")
        .to_string();
    conn.execute(
        "INSERT INTO enterprises (id, name, area, lat, lon, risk, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![e.id, e.name, e.area, e.location.lat, e.location.lon, risk, serde_json::to_string(&e).expect("json")],
    )
    .expect("insert enterprise");
    conn.execute(
        "INSERT INTO tasks (id, enterprise_id, due, data) VALUES (?1, ?2, ?3, ?4)",
        params![
            t.id,
            t.enterprise_id,
            t.due.to_string(),
            serde_json::to_string(&t).expect("json")
        ],
    )
    .expect("insert task");
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('legacy_marker', 'kept')",
        [],
    )
    .expect("insert meta");
}

/// Imports the demo reference, opens the demo case and verifies the store.
fn full_engine_run(dir: &Path) {
    let mut eng = Engine::open(dir, forms(), env()).expect("engine open");
    eng.import(&reference()).expect("import demo reference");
    let out = eng
        .execute(&Command::OpenCase {
            task_id: "T-2026-1123-01".into(),
            by: "O-ZHANG".into(),
            covert: false,
            justification: None,
        })
        .expect("open case");
    assert_eq!(out.kind, "case_opened");
    let case = eng.case(&out.case_id).expect("case");
    assert_eq!(case.task_id, "T-2026-1123-01");
    let report = eng.verify().expect("verify");
    assert!(report.ok(), "verify after migration: {report:#?}");
    assert_eq!(report.chain.links, out.seq);
    assert_eq!(report.cases, 1);
}

#[test]
fn latest_is_the_number_of_migrations() {
    assert!(migrations::latest() >= 1);
    assert_eq!(migrations::latest() as usize, migrations::MIGRATIONS.len());
}

#[test]
fn empty_folder_opens_at_latest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("device");
    let id = env().new_id().to_string();
    let store = Store::open(&dir, &id, "2026-11-23T09:00:00+08:00").expect("open");
    assert_eq!(user_version(store.conn()), migrations::latest());
    assert_eq!(store.device.id, id);
    let device_rows: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM device", [], |r| r.get(0))
        .expect("device");
    assert_eq!(device_rows, 1);
    drop(store);

    // The same from a raw connection, for a file that exists but is empty.
    let mut conn = Connection::open(dir.join("other.db")).expect("open raw");
    assert_eq!(user_version(&conn), 0);
    assert_eq!(
        migrations::migrate_to(&mut conn, migrations::latest()).expect("migrate"),
        migrations::latest()
    );
    assert_eq!(user_version(&conn), migrations::latest());

    full_engine_run(&dir);
}

#[test]
fn every_earlier_version_upgrades_with_its_rows() {
    for v in 0..migrations::latest() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("device");
        std::fs::create_dir_all(&dir).expect("mkdir");
        {
            let mut conn = Connection::open(dir.join(DB)).expect("open raw");
            assert_eq!(
                migrations::migrate_to(&mut conn, v).expect("migrate to v"),
                v
            );
            assert_eq!(user_version(&conn), v, "stopped at version {v}");
            if v >= 1 {
                insert_v1_rows(&conn);
            }
        }

        let id = env().new_id().to_string();
        let store = Store::open(&dir, &id, "2026-11-23T09:00:00+08:00")
            .unwrap_or_else(|e| panic!("open store at v{v}: {e}"));
        assert_eq!(
            user_version(store.conn()),
            migrations::latest(),
            "from v{v}"
        );
        // The plain file of a store from before encryption was replaced by an encrypted one.
        let head = std::fs::read(dir.join(DB)).expect("db bytes");
        assert!(
            !head.starts_with(b"SQLite format 3"),
            "v{v} store left plain"
        );
        if v >= 1 {
            let (o, e, t) = legacy_rows();
            assert_eq!(
                store.officer(&o.id).expect("officer"),
                Some(o),
                "officer row from v{v}"
            );
            assert_eq!(
                store.enterprise(&e.id).expect("enterprise"),
                Some(e),
                "enterprise row from v{v}"
            );
            assert_eq!(
                store.task(&t.id).expect("task"),
                Some(t),
                "task row from v{v}"
            );
            assert_eq!(
                store.meta("legacy_marker").expect("meta").as_deref(),
                Some("kept"),
                "meta row from v{v}"
            );
        }
        drop(store);

        // The upgraded schema is exactly the one a new store gets.
        let fresh = tempfile::tempdir().expect("tempdir");
        let fresh_store =
            Store::open(fresh.path(), &id, "2026-11-23T09:00:00+08:00").expect("fresh store");
        let upgraded = store::raw_connection(&dir).expect("reopen raw");
        assert_eq!(
            schema(&upgraded),
            schema(fresh_store.conn()),
            "schema upgraded from v{v} differs from a new store's"
        );
        drop(upgraded);

        full_engine_run(&dir);
        if v >= 1 {
            // The legacy task is still in the inbox beside the demo's.
            let eng = Engine::open(&dir, forms(), env()).expect("engine reopen");
            let inbox = eng.inbox(50).expect("inbox");
            assert!(
                inbox.iter().any(|r| r.task_id == "T-LEGACY-01"),
                "legacy task missing from the inbox after upgrade from v{v}"
            );
        }
    }
}

#[test]
fn reopening_an_up_to_date_store_changes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("device");
    full_engine_run(&dir);

    let snapshot = |conn: &Connection| {
        let ops: Vec<(i64, String, String)> = {
            let mut stmt = conn
                .prepare("SELECT seq, hash, signature FROM ops ORDER BY seq")
                .expect("prepare");
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("query");
            rows.collect::<rusqlite::Result<_>>().expect("ops")
        };
        let device: (String, String) = conn
            .query_row("SELECT id, public_key FROM device", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("device");
        (user_version(conn), schema(conn), ops, device)
    };

    let before = {
        let conn = store::raw_connection(&dir).expect("open raw");
        snapshot(&conn)
    };
    for round in 0..3 {
        // A different would-be device id: an existing store must keep its own identity.
        let store = Store::open(
            &dir,
            &env().new_id().to_string(),
            "2030-01-01T00:00:00+08:00",
        )
        .expect("reopen");
        assert_eq!(
            store.conn().total_changes(),
            0,
            "re-open {round} wrote rows"
        );
        assert_eq!(
            store.device.id, before.3.0,
            "re-open {round} changed the device id"
        );
        assert_eq!(
            store.public_key().to_string(),
            before.3.1,
            "re-open {round} changed the device key"
        );
        drop(store);

        let mut conn = store::raw_connection(&dir).expect("open raw");
        assert_eq!(
            migrations::migrate_to(&mut conn, migrations::latest()).expect("migrate"),
            migrations::latest()
        );
        assert_eq!(
            conn.total_changes(),
            0,
            "migrate_to on an up-to-date store wrote rows"
        );
        assert_eq!(snapshot(&conn), before, "re-open {round} changed the store");
    }

    let eng = Engine::open(&dir, forms(), env()).expect("engine reopen");
    assert!(eng.verify().expect("verify").ok());
}
