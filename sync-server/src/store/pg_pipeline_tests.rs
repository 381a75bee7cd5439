//! What the pipelined transaction (`pg::PgSql` over `pg_conn`) must guarantee, on a real
//! PostgreSQL: a write queued for later that fails makes the commit fail and leaves nothing; a
//! write that cannot even be sent keeps the `COMMIT` behind it from being sent; a transaction
//! dropped with queued writes stores none of them; a flush answers a queued write's failure
//! while its savepoint can still undo it; and the connection is clean afterwards (no
//! transaction left open for the next user of the pooled connection).

// The tests' throwaway cluster, loaded once for every store test module that needs it.
#[allow(dead_code)]
#[path = "../../tests/support/pg_cluster.rs"]
pub(super) mod pg_cluster;

use super::pg::PgSql;
use super::pg_conn::PgConnection;
use super::pg_tls::PgTls;
use super::sql::{Sql, Value, args};

fn connect() -> PgConnection {
    let url = pg_cluster::fresh_database();
    let mut c = PgConnection::connect(&url.parse().expect("url"), &PgTls::Plain).expect("connect");
    PgSql::new(&mut c)
        .exec(
            "CREATE TABLE t(id BIGINT PRIMARY KEY, small INT, note TEXT)",
            &[],
        )
        .expect("schema");
    c
}

fn count(c: &mut PgConnection) -> i64 {
    PgSql::new(c)
        .query_one("SELECT COUNT(*)::bigint FROM t", &[])
        .expect("count")
        .i64(0)
        .expect("int")
}

/// Whether the session is inside a transaction block (a `BEGIN` left open): two statements
/// outside one run as two transactions, inside one they share its id.
fn in_transaction(c: &mut PgConnection) -> bool {
    let sql = PgSql::new(c);
    let xid = || {
        sql.query_one("SELECT txid_current()", &[])
            .expect("probe")
            .i64(0)
            .expect("int")
    };
    xid() == xid()
}

#[test]
fn queued_writes_go_with_the_commit_and_are_stored() {
    let mut c = connect();
    let tx = PgSql::begin(&mut c, "BEGIN");
    tx.exec_later("INSERT INTO t(id, note) VALUES (?1, ?2)", args![1i64, "a"])
        .unwrap();
    // A read flushes what is queued before it, in order.
    let seen = tx
        .query_one("SELECT COUNT(*)::bigint FROM t", &[])
        .unwrap()
        .i64(0)
        .unwrap();
    assert_eq!(seen, 1, "the queued insert ran before the read");
    tx.exec_later("INSERT INTO t(id, note) VALUES (?1, ?2)", args![2i64, "b"])
        .unwrap();
    let counts = [
        tx.exec("INSERT INTO t(id) VALUES (?1)", &[Value::Int(3)])
            .unwrap(),
        tx.exec(
            "INSERT INTO t(id) VALUES (?1) ON CONFLICT DO NOTHING",
            &[Value::Int(3)],
        )
        .unwrap(),
    ];
    assert_eq!(counts, [1, 0], "each statement's own count");
    tx.commit().unwrap();
    assert_eq!(count(&mut c), 3);
    assert!(!in_transaction(&mut c));
}

#[test]
fn a_failing_queued_write_fails_the_commit_and_nothing_stays() {
    let mut c = connect();
    let tx = PgSql::begin(&mut c, "BEGIN");
    tx.exec_later("INSERT INTO t(id) VALUES (?1)", args![1i64])
        .unwrap();
    // The same key again: fails at the server, after the first insert ran.
    tx.exec_later("INSERT INTO t(id) VALUES (?1)", args![1i64])
        .unwrap();
    let err = tx.commit().expect_err("the duplicate must fail the commit");
    assert!(err.to_string().contains("duplicate key"), "{err}");
    assert_eq!(count(&mut c), 0, "the first insert rolled back with it");
    assert!(!in_transaction(&mut c));
}

#[test]
fn a_write_that_cannot_be_sent_keeps_the_commit_from_being_sent() {
    let mut c = connect();
    let tx = PgSql::begin(&mut c, "BEGIN");
    // Sent at once with the BEGIN, so the transaction is open at the server.
    assert_eq!(
        tx.exec("INSERT INTO t(id) VALUES (?1)", args![1i64])
            .unwrap(),
        1
    );
    tx.exec_later("INSERT INTO t(id) VALUES (?1)", args![2i64])
        .unwrap();
    // Too large for INT: refused while encoding, before anything of it reaches the server.
    tx.exec_later(
        "INSERT INTO t(id, small) VALUES (?1, ?2)",
        args![3i64, i64::MAX],
    )
    .unwrap();
    let err = tx
        .commit()
        .expect_err("the unsendable write must fail the commit");
    assert!(!err.to_string().is_empty());
    assert_eq!(
        count(&mut c),
        0,
        "neither the sent nor the queued rows stay"
    );
    assert!(
        !in_transaction(&mut c),
        "the drop rolled the transaction back"
    );
}

#[test]
fn a_dropped_transaction_stores_none_of_its_queued_writes() {
    let mut c = connect();
    {
        let tx = PgSql::begin(&mut c, "BEGIN");
        tx.exec_later("INSERT INTO t(id) VALUES (?1)", args![1i64])
            .unwrap();
    }
    {
        let tx = PgSql::begin(&mut c, "BEGIN");
        tx.exec("INSERT INTO t(id) VALUES (?1)", args![2i64])
            .unwrap();
        tx.exec_later("INSERT INTO t(id) VALUES (?1)", args![3i64])
            .unwrap();
    }
    assert_eq!(count(&mut c), 0);
    assert!(!in_transaction(&mut c));
}

#[test]
fn a_flush_answers_a_queued_write_failing_there_so_its_savepoint_alone_rolls_back() {
    // As a group commit applies one push: its writes queued inside its savepoint, sent by the
    // flush that ends it, so a write that fails is answered while that savepoint can still undo
    // it, and the group's earlier work stays.
    let mut c = connect();
    let tx = PgSql::begin(&mut c, "BEGIN");
    tx.exec("INSERT INTO t(id) VALUES (?1)", args![1i64])
        .unwrap();
    tx.exec_later("SAVEPOINT push", &[]).unwrap();
    tx.exec_later("INSERT INTO t(id) VALUES (?1)", args![2i64])
        .unwrap();
    tx.exec_later("INSERT INTO t(id) VALUES (?1)", args![1i64])
        .unwrap();
    let err = tx
        .flush()
        .expect_err("the duplicate must fail at the flush");
    assert!(err.to_string().contains("duplicate key"), "{err}");
    tx.exec("ROLLBACK TO SAVEPOINT push", &[]).unwrap();
    tx.exec_later("RELEASE SAVEPOINT push", &[]).unwrap();
    tx.flush().unwrap();
    // Nothing queued now: a flush has nothing to send and answers at once.
    tx.flush().unwrap();
    tx.commit().unwrap();
    let ids: Vec<i64> = PgSql::new(&mut c)
        .query("SELECT id FROM t ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.i64(0).unwrap())
        .collect();
    assert_eq!(
        ids,
        [1],
        "the row before the savepoint stays, none after it"
    );
    assert!(!in_transaction(&mut c));
}
