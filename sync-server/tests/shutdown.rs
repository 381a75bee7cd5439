//! Graceful shutdown: SIGTERM while a full batch is still arriving. The server stops accepting
//! new connections at once, reads the rest of the batch, commits it in one transaction, answers,
//! and only then exits 0; a server started again on the same database holds all of it.
//! On SQLite (`sqlite::…`) and PostgreSQL (`postgres::…`).

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::server::*;

/// The most ops one batch may hold.
const BATCH: usize = 500;

fn sigterm(s: &Server) {
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill -TERM");
}

fn wait_exit(s: &mut Server, within: Duration) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(st) = s.child.try_wait().expect("try_wait") {
            return st;
        }
        assert!(
            t.elapsed() < within,
            "server still running {within:?} after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Splits an HTTP/1.1 response into its status and JSON body (sent with `connection: close`).
fn parse_response(raw: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:.200}"));
    let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

fn in_flight_batch_finishes(backend: Backend) {
    // The database outlives the first server: a second one is started on it afterwards.
    let db_dir = tempfile::tempdir().unwrap();
    let (db, owned) = match backend {
        Backend::Sqlite => (
            format!("sqlite:{}", db_dir.path().join("center.db").display()),
            None,
        ),
        Backend::Postgres => {
            let url = support::pg_cluster::fresh_database();
            (url.clone(), Some(url))
        }
    };
    let mut s = spawn(tempfile::tempdir().unwrap(), &db, None);
    setup_tasks(&s);
    let mut d = s.enroll("u1", "team-a", "3205", 1);
    let mut ops = vec![d.op(Some("C-1"), "case_opened", &opened("T-A"), 0)];
    while ops.len() < BATCH {
        ops.push(d.op(Some("C-1"), "note", r#"{"text":"现场检查记录"}"#, 0));
    }
    let body = json!({"protocol": 1, "device_id": d.id, "ops": ops}).to_string();
    let head = format!(
        "POST /v1/sync/push HTTP/1.1\r\nhost: {}\r\nfieldcase-protocol: 1\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        s.addr,
        d.token,
        body.len()
    );

    // Half the batch is on the wire when the signal comes.
    let mut conn = TcpStream::connect(&s.addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let half = body.len() / 2;
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(&body.as_bytes()[..half]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&s);
    std::thread::sleep(Duration::from_millis(300));

    // No new connections once shutting down …
    assert!(
        TcpStream::connect(&s.addr).is_err(),
        "the server still accepts connections after SIGTERM"
    );
    // … and it is still running: it has a batch to finish.
    assert!(
        s.child.try_wait().unwrap().is_none(),
        "exited with a batch half received"
    );

    conn.write_all(&body.as_bytes()[half..]).unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).expect("read the answer");
    let (status, r) = parse_response(&raw);
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["last_seq"], BATCH, "{r}");
    let results = r["results"].as_array().expect("results");
    assert_eq!(results.len(), BATCH);
    assert!(all_outcomes(&r, "applied"), "every op applied: {r}");
    let exit = wait_exit(&mut s, Duration::from_secs(10));
    assert!(
        exit.success(),
        "exit status after graceful shutdown: {exit}"
    );

    // A new server on the same database holds the whole batch: a replay is answered from the
    // stored results and the device goes on at seq 501.
    let s2 = spawn(tempfile::tempdir().unwrap(), &db, owned);
    let replay = call(
        "POST",
        &format!("{}/v1/sync/push", s2.base),
        Some(&d.token),
        Some(json!({"protocol": 1, "device_id": d.id, "ops": ops[BATCH - 2..]})),
    );
    assert_eq!(replay.0, 200, "{}", replay.1);
    assert!(all_outcomes(&replay.1, "already_applied"), "{}", replay.1);
    d.base = s2.base.clone();
    let next = d.op(Some("C-1"), "note", "{}", 0);
    let (st, r) = d.push(vec![next]);
    assert_eq!((st, r["last_seq"].as_i64()), (200, Some(501)), "{r}");
}

mod sqlite {
    #[test]
    fn in_flight_batch_finishes() {
        super::in_flight_batch_finishes(super::Backend::Sqlite);
    }
}

mod postgres {
    #[test]
    fn in_flight_batch_finishes() {
        super::in_flight_batch_finishes(super::Backend::Postgres);
    }
}
