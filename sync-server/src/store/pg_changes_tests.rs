//! The change log's order on a real PostgreSQL, where changes are numbered at their
//! transaction's commit (`changes::seal`): writers committing concurrently never let a reader
//! see a version before an earlier one is visible, each transaction's changes get consecutive
//! versions in the order it appended them, a field written with a change holds that change's
//! real version, and a change outside a transaction is refused with nothing stored.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use fieldcase_protocol::sync::{ChangeKind, Entity};

use super::changes::{self, Scope};
use super::fields::{self, FieldState};
use super::pg::PgSql;
use super::pg_conn::PgConnection;
use super::pg_pipeline_tests::pg_cluster;
use super::pg_tls::PgTls;
use super::sql::Sql;

pub(super) fn connect(url: &str) -> PgConnection {
    PgConnection::connect(&url.parse().expect("url"), &PgTls::Plain).expect("connect")
}

/// A fresh database with the center's schema.
pub(super) fn database() -> String {
    let url = pg_cluster::fresh_database();
    super::migrate_pg::migrate(&mut connect(&url)).expect("migrate");
    url
}

fn append(sql: &dyn Sql, id: &str) -> i64 {
    changes::append(
        sql,
        Entity::Enterprise,
        id,
        ChangeKind::Put,
        None,
        &Scope::default(),
        0,
    )
    .expect("append")
}

/// Every (version, id) in the log after `cursor`, in version order.
fn after(sql: &dyn Sql, cursor: i64) -> Vec<(i64, String)> {
    sql.query(
        "SELECT version, id FROM changes WHERE version > ?1 ORDER BY version",
        &[super::sql::Value::Int(cursor)],
    )
    .expect("read")
    .iter()
    .map(|r| (r.i64(0).unwrap(), r.str(1).unwrap()))
    .collect()
}

#[test]
fn concurrent_writers_commit_versions_in_order_and_a_reader_never_skips_one() {
    const WRITERS: usize = 4;
    const TXNS: usize = 25;
    const PER_TXN: usize = 3;
    let url = database();
    let writing = AtomicUsize::new(WRITERS);
    let seen = std::thread::scope(|sc| {
        for w in 0..WRITERS {
            let (url, writing) = (&url, &writing);
            sc.spawn(move || {
                let mut c = connect(url);
                for t in 0..TXNS {
                    let tx = PgSql::begin(&mut c, "BEGIN");
                    for j in 0..PER_TXN {
                        let v = append(&tx, &format!("w{w}-t{t}-c{j}"));
                        assert!(v < 0, "a placeholder until the commit, got {v}");
                        // Interleave the writers' transactions: later starters often commit
                        // first.
                        std::thread::sleep(std::time::Duration::from_micros(
                            ((w * 7 + t * 3 + j) % 5) as u64 * 300,
                        ));
                    }
                    tx.commit().expect("commit");
                }
                writing.fetch_sub(1, Ordering::SeqCst);
            });
        }
        let reader = sc.spawn(|| {
            let mut c = connect(&url);
            let sql = PgSql::new(&mut c);
            let (mut cursor, mut seen) = (0, Vec::new());
            loop {
                let done = writing.load(Ordering::SeqCst) == 0;
                let page = after(&sql, cursor);
                for (v, id) in &page {
                    // Visible versions are always a prefix: the next one is the one after.
                    assert_eq!(*v, cursor + 1, "version {v} visible before {}", cursor + 1);
                    cursor = *v;
                    seen.push(id.clone());
                }
                if done && page.is_empty() {
                    break seen;
                }
            }
        });
        reader.join().expect("reader")
    });
    assert_eq!(
        seen.len(),
        WRITERS * TXNS * PER_TXN,
        "every change read once"
    );
    // Each transaction's changes are consecutive, in the order it appended them.
    let mut at: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, id) in seen.iter().enumerate() {
        at.insert(id, i);
    }
    for w in 0..WRITERS {
        for t in 0..TXNS {
            let first = at[format!("w{w}-t{t}-c0").as_str()];
            for j in 1..PER_TXN {
                assert_eq!(at[format!("w{w}-t{t}-c{j}").as_str()], first + j);
            }
        }
    }
}

#[test]
fn a_field_written_with_a_change_holds_its_real_version_and_seal_answers_the_head() {
    let url = database();
    let mut c = connect(&url);
    let before = append_committed(&mut c, "E-0");
    let tx = PgSql::begin(&mut c, "BEGIN");
    append(&tx, "E-1");
    let v = append(&tx, "E-2");
    let state = |version| FieldState {
        value: serde_json::json!("dispatched"),
        version,
        hlc: "h".into(),
        origin: "center:test".into(),
    };
    fields::set(&tx, "task", "T-1", "status", &state(v)).expect("field");
    // Sealing now answers the log head: E-2's real version.
    assert_eq!(changes::seal(&tx).expect("seal"), before + 2);
    let v3 = append(&tx, "E-3");
    fields::set(&tx, "task", "T-2", "status", &state(v3)).expect("field");
    tx.commit().expect("commit");

    let sql = PgSql::new(&mut c);
    let ids: Vec<(i64, String)> = after(&sql, 0);
    let want: Vec<(i64, String)> = ["E-0", "E-1", "E-2", "E-3"]
        .iter()
        .enumerate()
        .map(|(i, id)| (i as i64 + 1, id.to_string()))
        .collect();
    assert_eq!(ids, want);
    let version = |id| {
        fields::get(&sql, "task", id, "status")
            .unwrap()
            .unwrap()
            .version
    };
    assert_eq!(version("T-1"), before + 2);
    assert_eq!(version("T-2"), before + 3);
    let counter = sql
        .query_one("SELECT value FROM change_counter", &[])
        .unwrap()
        .i64(0)
        .unwrap();
    assert_eq!(counter, 4, "the counter advanced once per change");
}

fn append_committed(c: &mut PgConnection, id: &str) -> i64 {
    let tx = PgSql::begin(c, "BEGIN");
    append(&tx, id);
    let head = changes::seal(&tx).expect("seal");
    tx.commit().expect("commit");
    head
}

#[test]
fn a_change_outside_a_transaction_is_refused_and_nothing_is_stored() {
    let url = database();
    let mut c = connect(&url);
    let sql = PgSql::new(&mut c);
    let e = changes::append(
        &sql,
        Entity::Enterprise,
        "E-1",
        ChangeKind::Put,
        None,
        &Scope::default(),
        0,
    )
    .expect_err("refused");
    assert!(e.to_string().contains("no transaction is open"), "{e}");
    let n = sql
        .query_one("SELECT count(*) FROM changes", &[])
        .unwrap()
        .i64(0)
        .unwrap();
    assert_eq!(n, 0);
}
