//! The real `fieldcase-server` binary on a loopback port and the HTTP calls the tests make of it:
//! starting it on SQLite, PostgreSQL or with blobs in S3, enrolling devices and building their
//! signed audit-chain links.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use fieldcase_protocol::chain::{GENESIS, LinkHeader, header_hash};
use fieldcase_protocol::sync::{DeviceStatusRequest, EnrollRequest};
use fieldcase_protocol::{CONTEXT_AUDIT, Id, KeyPair, Sha256, signing_message};
use serde_json::{Value, json};

pub const ADMIN: &str = "admin-secret";

pub struct Server {
    pub child: Child,
    pub base: String,
    pub addr: String,
    /// The PostgreSQL database's URL, dropped with the server.
    pub pg: Option<String>,
    pub blobs: Blobs,
    /// The folder of the center's private signing keys.
    pub keys: std::path::PathBuf,
    pub _dir: tempfile::TempDir,
}

/// Where a server keeps its blobs.
#[derive(Debug, Clone)]
pub enum Blobs {
    Local(std::path::PathBuf),
    S3(crate::support::moto::Bucket),
}

/// Where the S3 backend puts blobs inside its bucket.
pub const S3_PREFIX: &str = "evidence/v1";

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(url) = &self.pg {
            crate::support::pg_cluster::drop_database(url);
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn start(backend: Backend) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = match backend {
        Backend::Sqlite => format!("sqlite:{}", dir.path().join("center.db").display()),
        Backend::Postgres => crate::support::pg_cluster::fresh_database(),
    };
    let owned = matches!(backend, Backend::Postgres).then(|| db.clone());
    spawn(dir, &db, owned)
}

/// A server on SQLite with its blobs in a fresh S3 bucket; `None` when S3 tests are skipped.
pub fn start_s3(test: &str) -> Option<Server> {
    let bucket = crate::support::moto::fresh_bucket(test)?;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("center.db").display());
    Some(spawn_with(dir, &db, None, Some(bucket)))
}

/// A server process on `db`; `owned` is a PostgreSQL database to drop with it.
pub fn spawn(dir: tempfile::TempDir, db: &str, owned: Option<String>) -> Server {
    spawn_with(dir, db, owned, None)
}

/// … with its blobs in `bucket` (under `S3_PREFIX`) rather than a folder in `dir`.
pub fn spawn_with(
    dir: tempfile::TempDir,
    db: &str,
    owned: Option<String>,
    bucket: Option<crate::support::moto::Bucket>,
) -> Server {
    spawn_flags(dir, db, owned, bucket, &[])
}

/// A server on a fresh database of `backend` with more flags (`--token-ttl-days`, `--limit-*`,
/// `--tls-cert` …). With `--tls-cert` its `base` is `https://`.
pub fn start_flags(backend: Backend, flags: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = match backend {
        Backend::Sqlite => format!("sqlite:{}", dir.path().join("center.db").display()),
        Backend::Postgres => crate::support::pg_cluster::fresh_database(),
    };
    let owned = matches!(backend, Backend::Postgres).then(|| db.clone());
    spawn_flags(dir, &db, owned, None, flags)
}

/// [`spawn_with`] and `flags` after the usual ones.
pub fn spawn_flags(
    dir: tempfile::TempDir,
    db: &str,
    owned: Option<String>,
    bucket: Option<crate::support::moto::Bucket>,
    flags: &[&str],
) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fieldcase-server"));
    cmd.args(["--listen", "127.0.0.1:0"]).arg("--db").arg(db);
    cmd.args(flags);
    let keys = keys_for(db);
    if db.starts_with("postgres") {
        cmd.arg("--keys").arg(&keys);
    }
    // The repository's templates: the case pages' transcript PDFs are rendered with them.
    cmd.arg("--forms")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../forms"));
    let blobs = match bucket {
        None => {
            cmd.arg("--blobs").arg(dir.path().join("blobs"));
            Blobs::Local(dir.path().join("blobs"))
        }
        Some(b) => {
            cmd.arg("--blobs")
                .arg(format!("s3://{}/{S3_PREFIX}", b.name))
                .arg("--staging")
                .arg(dir.path().join("staging"))
                .args(["--s3-endpoint", &b.endpoint, "--s3-region", "us-east-1"])
                .arg("--s3-allow-http")
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test");
            Blobs::S3(b)
        }
    };
    let mut child = cmd
        .env("FIELDCASE_ADMIN_TOKEN", ADMIN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    let scheme = if flags.contains(&"--tls-cert") {
        "https"
    } else {
        "http"
    };
    Server {
        child,
        base: format!("{scheme}://{addr}"),
        addr,
        pg: owned,
        blobs,
        keys,
        _dir: dir,
    }
}

/// The key folder of a server on `db`. SQLite: the server's default, `center-keys` beside the
/// database file (not passed). PostgreSQL: one folder per database, so replicas and restarts
/// on one database share it, in a temp dir removed once this test process has exited.
pub fn keys_for(db: &str) -> std::path::PathBuf {
    if let Some(path) = db.strip_prefix("sqlite:") {
        let path = std::path::Path::new(path.trim_start_matches("//"));
        return path
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("center-keys");
    }
    let name = db
        .rsplit('/')
        .next()
        .and_then(|s| s.split('?').next())
        .unwrap_or("db")
        .to_string();
    keys_root().join(name)
}

// The watchdog is never waited for: it outlives this process on purpose.
#[allow(clippy::zombie_processes)]
fn keys_root() -> &'static std::path::Path {
    static ROOT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("fieldcase-keys-")
            .tempdir()
            .unwrap()
            .keep();
        // Test binaries run no static destructors: a watchdog removes the folder afterwards.
        let script = r#"while kill -0 "$1" 2>/dev/null; do sleep 1; done; rm -rf "$2""#;
        Command::new("sh")
            .args(["-c", script, "sh"])
            .arg(std::process::id().to_string())
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("key folder watchdog");
        dir
    })
}

/// Like [`call`], for a body the server refuses by size: it may answer 413 and close while the
/// client is still sending, which the client sees as a broken connection. Either is a refusal.
pub fn call_oversized(method: &str, url: &str, token: &str, body: Value) -> Option<(u16, Value)> {
    let r = ureq::request(method, url)
        .set("fieldcase-protocol", "1")
        .set("authorization", &format!("Bearer {token}"))
        .set("content-type", "application/json")
        .send_string(&body.to_string());
    match r {
        Ok(resp) => Some((resp.status(), resp.into_json().unwrap_or(Value::Null))),
        Err(ureq::Error::Status(c, resp)) => Some((c, resp.into_json().unwrap_or(Value::Null))),
        Err(ureq::Error::Transport(_)) => None,
    }
}

pub fn call(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let mut req = ureq::request(method, url).set("fieldcase-protocol", "1");
    if let Some(t) = token {
        req = req.set("authorization", &format!("Bearer {t}"));
    }
    let r = match body {
        Some(b) => req
            .set("content-type", "application/json")
            .send_string(&b.to_string()),
        None => req.call(),
    };
    match r {
        Ok(resp) => (resp.status(), resp.into_json().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(c, resp)) => (c, resp.into_json().unwrap_or(Value::Null)),
        Err(e) => panic!("{method} {url}: {e}"),
    }
}

impl Server {
    pub fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        call(method, &format!("{}{path}", self.base), Some(ADMIN), body)
    }

    /// A user in `team`/`area` and an enrolled device for them.
    pub fn enroll(&self, user: &str, team: &str, area: &str, n: u8) -> Dev {
        self.enroll_as(user, "inspector", Some(team), area, n)
    }

    /// Like [`Server::enroll`], for a user with `role` (`inspector`, `grid_worker`,
    /// `center_staff`, `admin`) and maybe no team. `n` makes the device's id and key.
    pub fn enroll_as(&self, user: &str, role: &str, team: Option<&str>, area: &str, n: u8) -> Dev {
        let (s, r) = self.admin("POST", "/v1/admin/users", Some(json!({
            "user_id": user, "name": "张伟", "role": role, "area": area, "team": team, "officer_id": null,
        })));
        assert_eq!(s, 200, "{r}");
        let (_, code) = self.admin(
            "POST",
            "/v1/admin/enrollment-codes",
            Some(json!({"user_id": user})),
        );
        let key = KeyPair::from_seed_unchecked([n; 32]).unwrap();
        let id = Id::from_parts(1_700_000_000_000, [n; 10]).to_string();
        let (s, r) = call(
            "POST",
            &format!("{}/v1/enroll", self.base),
            None,
            Some(enroll_body(
                code["code"].as_str().unwrap(),
                &id,
                &key,
                "平板",
            )),
        );
        assert_eq!(s, 200, "{r}");
        Dev {
            id,
            key,
            token: r["token"].as_str().unwrap().into(),
            seq: 0,
            prev: GENESIS.into(),
            n,
            base: self.base.clone(),
        }
    }
}

pub struct Dev {
    pub id: String,
    pub key: KeyPair,
    pub token: String,
    pub seq: i64,
    pub prev: String,
    pub n: u8,
    pub base: String,
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

impl Dev {
    /// A device identity holding `key` and no token, enrolled or not (a stranger, or someone
    /// claiming a device's id without its key).
    pub fn keyed(id: &str, key: KeyPair, base: &str) -> Dev {
        Dev {
            id: id.into(),
            key,
            token: String::new(),
            seq: 0,
            prev: String::new(),
            n: 8,
            base: base.into(),
        }
    }

    /// `POST /v1/device/status`, signed with this device's key (it needs no token).
    pub fn status(&self) -> (u16, Value) {
        let req = DeviceStatusRequest::signed(&self.id, now_ms(), &self.key).unwrap();
        call(
            "POST",
            &format!("{}/v1/device/status", self.base),
            None,
            Some(serde_json::to_value(&req).unwrap()),
        )
    }

    /// The next link (advances the local chain).
    pub fn op(&mut self, case_id: Option<&str>, kind: &str, payload: &str, seen: i64) -> Value {
        let op_id = Id::from_parts(
            now_ms(),
            [self.n, (self.seq + 1) as u8, 0, 0, 0, 0, 0, 0, 0, 1],
        )
        .to_string();
        self.op_with_id(&op_id, case_id, kind, payload, seen)
    }

    /// [`Dev::op`] with a chosen op id (a well-signed link that reuses one).
    pub fn op_with_id(
        &mut self,
        op_id: &str,
        case_id: Option<&str>,
        kind: &str,
        payload: &str,
        seen: i64,
    ) -> Value {
        self.seq += 1;
        let hlc = format!("{:015}-{:010}-{}", now_ms(), self.seq, self.id);
        let payload_sha256 = Sha256::of(payload.as_bytes()).to_string();
        let prev = self.prev.clone();
        let h = LinkHeader {
            seq: self.seq,
            op_id,
            case_id,
            kind,
            hlc: &hlc,
            payload_sha256: &payload_sha256,
            prev_hash: &prev,
        };
        let hash = header_hash(&h, &self.id).unwrap();
        let sig = self
            .key
            .sign(&signing_message(CONTEXT_AUDIT, hash.as_bytes()));
        self.prev = hash.to_string();
        json!({
            "link": {"seq": self.seq, "op_id": op_id, "case_id": case_id, "kind": kind, "hlc": hlc,
                     "payload_sha256": payload_sha256, "prev_hash": prev, "hash": hash.to_string(),
                     "signature": sig.to_string()},
            "payload": payload, "seen": seen,
        })
    }

    pub fn push(&self, ops: Vec<Value>) -> (u16, Value) {
        call(
            "POST",
            &format!("{}/v1/sync/push", self.base),
            Some(&self.token),
            Some(json!({"protocol": 1, "device_id": self.id, "ops": ops})),
        )
    }

    pub fn pull(&self, cursor: i64) -> (u16, Value) {
        call(
            "GET",
            &format!("{}/v1/sync/pull?cursor={cursor}", self.base),
            Some(&self.token),
            None,
        )
    }
}

/// A `POST /v1/enroll` body for `device_id` trading `code`, with `key`'s proof of possession.
pub fn enroll_body(code: &str, device_id: &str, key: &KeyPair, label: &str) -> Value {
    serde_json::to_value(EnrollRequest::signed(1, code, device_id, key, label).unwrap()).unwrap()
}

/// The ids of the changes of `entity` (`case`, `officer`, …) in the pull answer `p`, in order.
pub fn pulled_ids(p: &Value, entity: &str) -> Vec<String> {
    p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["entity"] == entity)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

/// Whether every op result in the push answer `r` has `outcome` (`applied`, `already_applied`, …).
pub fn all_outcomes(r: &Value, outcome: &str) -> bool {
    r["results"]
        .as_array()
        .is_some_and(|results| results.iter().all(|x| x["outcome"] == outcome))
}

pub fn opened(task: &str) -> String {
    json!({"body": {"case": {"task_id": task, "enterprise_id": "E-1"}}}).to_string()
}

/// An enterprise object a device can read (the center refuses any other), with the fields the
/// tests care about.
pub fn enterprise(id: &str, area: &str, name: &str) -> Value {
    json!({"id": id, "uscc": "91320506MA1XYZ1234", "name": name, "address": "金枫路88号",
        "area": area, "location": {"lat": 31.2556, "lon": 120.6052}})
}

/// A task to post to `/v1/tasks`: an inspection of `enterprise` for `team`, no officers yet.
pub fn task(id: &str, team: &str, enterprise: &str) -> Value {
    json!({"id": id, "team": team, "enterprise_id": enterprise, "procedure": "inspection",
        "officers": [], "due": "2026-11-25", "source": "complaint"})
}

/// `n` calls `f(0)`, …, `f(n - 1)` started at the same instant, each on its own thread (a
/// barrier holds them until all are ready); answers their results in that order.
pub fn at_once<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|sc| {
        let hs: Vec<_> = (0..n)
            .map(|i| {
                let (barrier, f) = (&barrier, &f);
                sc.spawn(move || {
                    barrier.wait();
                    f(i)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

pub fn setup_tasks(s: &Server) {
    let (st, _) = s.admin(
        "POST",
        "/v1/enterprises",
        Some(json!([
            enterprise("E-1", "320506", "示范电镀"),
            enterprise("E-2", "320100", "南京某厂"),
        ])),
    );
    assert_eq!(st, 200);
    let (st, r) = s.admin(
        "POST",
        "/v1/tasks",
        Some(json!([
            task("T-A", "team-a", "E-1"),
            task("T-B", "team-b", "E-2")
        ])),
    );
    assert_eq!(st, 200, "{r}");
}

/// An answer with the headers a test looks at besides the body.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    /// The `Link` header (a paged list's next page).
    pub link: Option<String>,
}

/// Like [`call`], for a body that is not JSON (a CSV file, bytes in a legacy encoding): sent as
/// is with `content_type`; the answer keeps its `Link` header.
pub fn call_raw(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> Reply {
    let mut req = ureq::request(method, url).set("fieldcase-protocol", "1");
    if let Some(t) = token {
        req = req.set("authorization", &format!("Bearer {t}"));
    }
    let r = match body {
        Some((content_type, bytes)) => req.set("content-type", content_type).send_bytes(bytes),
        None => req.call(),
    };
    let reply = |status: u16, resp: ureq::Response| Reply {
        status,
        link: resp.header("link").map(str::to_string),
        body: resp.into_json().unwrap_or(Value::Null),
    };
    match r {
        Ok(resp) => reply(resp.status(), resp),
        Err(ureq::Error::Status(c, resp)) => reply(c, resp),
        Err(e) => panic!("{method} {url}: {e}"),
    }
}
