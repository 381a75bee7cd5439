//! A damaged blob's alert on a real PostgreSQL: reads that find the damage at the same instant,
//! each on its own connection, record it once (`devices::insert_damaged_blob_alert`; the
//! unique index `alerts_blob_once` decides, where a check before the insert let both in).

use std::sync::Barrier;

use super::devices;
use super::pg::PgSql;
use super::pg_changes_tests::{connect, database};
use super::sql::{Sql, args};

#[test]
fn reads_at_once_record_a_damaged_blob_once() {
    const READERS: usize = 8;
    const ROUNDS: usize = 30;
    let url = database();
    let barrier = Barrier::new(READERS);
    std::thread::scope(|scope| {
        for _ in 0..READERS {
            scope.spawn(|| {
                let mut c = connect(&url);
                for round in 0..ROUNDS {
                    barrier.wait();
                    let reason = format!("blob {round:064}: its stored bytes no longer hash");
                    devices::insert_damaged_blob_alert(&PgSql::new(&mut c), "D-1", 3, &reason, 1)
                        .expect("insert");
                }
            });
        }
    });
    let mut c = connect(&url);
    let sql = PgSql::new(&mut c);
    let rows = sql
        .query(
            "SELECT COUNT(*)::bigint, COUNT(DISTINCT reason)::bigint FROM alerts
             WHERE device_id = ?1 AND code = 'blob.corrupt'",
            args!["D-1"],
        )
        .expect("count");
    let (all, distinct) = (rows[0].i64(0).unwrap(), rows[0].i64(1).unwrap());
    assert_eq!((all, distinct), (ROUNDS as i64, ROUNDS as i64));
    // Other alerts of the same device, seq and reason are not held to one.
    for _ in 0..2 {
        devices::insert_alert(&sql, "D-1", Some(3), "sync.chain_broken", "same", 1).unwrap();
    }
    let n = sql
        .query_one(
            "SELECT COUNT(*)::bigint FROM alerts WHERE code = 'sync.chain_broken'",
            &[],
        )
        .unwrap()
        .i64(0)
        .unwrap();
    assert_eq!(n, 2);
}
