//! Test support for end-to-end runs: the real `fieldcase` and `fieldcase-server` binaries (built
//! here, so `cargo test -p fieldcase-tests` alone works), a server on a random loopback port, and
//! a small HTTP client for the center API.

#![allow(dead_code)]

pub mod nested_cargo;
pub mod proxy;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

pub const ADMIN_TOKEN: &str = "e2e-admin-token-0123456789";

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The folder holding both binaries, built once per test process when they are missing or older
/// than a source file. `cargo test --workspace` has already built them (the cli and server
/// packages' own tests need them); a nested `cargo build` then would rebuild much of the tree
/// with other features (ten minutes on CI), so it runs only when they are stale, e.g. for
/// `cargo test -p fieldcase-tests` after an edit.
pub fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root().join("target"))
            .join("debug");
        let built = ["fieldcase", "fieldcase-server"]
            .iter()
            .map(|b| modified(&target.join(b)))
            .min()
            .flatten();
        let newest_source = ["crates", "sync-server"]
            .iter()
            .filter_map(|d| newest(&root().join(d)))
            .max();
        if built.is_none() || newest_source > built {
            let st = nested_cargo::command()
                .current_dir(root())
                .args([
                    "build",
                    "-q",
                    "-p",
                    "fieldcase-cli",
                    "-p",
                    "fieldcase-server",
                ])
                .status()
                .expect("cargo build");
            assert!(st.success(), "building the binaries failed");
        }
        target
    })
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The newest modification time of a `.rs` or `.toml` file under `dir`.
fn newest(dir: &Path) -> Option<std::time::SystemTime> {
    let mut best = None;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        let t = if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            newest(&p)
        } else if p.extension().is_some_and(|x| x == "rs" || x == "toml") {
            modified(&p)
        } else {
            None
        };
        best = best.max(t);
    }
    best
}

/// Where the tests' store keys live (`FIELDCASE_KEY_STORE` for the CLI and the app): a key
/// folder under target/, apart from every store — this machine has no platform key store.
pub fn key_store() -> String {
    format!("dir:{}", root().join("target/test-keys").display())
}

/// The same for this test process's own engines and apps.
pub fn test_keys() {
    fieldcase_core::store::KeyStore::set_process_default(fieldcase_core::store::KeyStore::Dir(
        root().join("target/test-keys"),
    ))
    .expect("key store");
}

/// The `fieldcase` CLI on `store`, run from the repository root.
pub fn fieldcase(store: &Path, args: &[&str]) -> Output {
    Command::new(bin_dir().join("fieldcase"))
        .current_dir(root())
        .env("FIELDCASE_KEY_STORE", key_store())
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .expect("run fieldcase")
}

/// A copy of the folder `from` (its subfolders too) at `to`: demo inputs into a test's work
/// folder, or a device store as it stood at some moment.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let to = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), to).expect("copy");
        }
    }
}

/// Runs the CLI and insists it succeeds; returns stdout.
pub fn ok(store: &Path, args: &[&str]) -> String {
    let o = fieldcase(store, args);
    assert!(
        o.status.success(),
        "fieldcase {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A running center server; killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
    pub dir: PathBuf,
    /// `--db`: `sqlite:` a file in `dir`, or a PostgreSQL URL (`Server::start_on`).
    db: String,
    http: OnceLock<reqwest::blocking::Client>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// The listening address (`127.0.0.1:PORT`).
    pub fn addr(&self) -> std::net::SocketAddr {
        self.url
            .trim_start_matches("http://")
            .parse()
            .expect("server address")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server (SIGKILL: no graceful shutdown) and starts it again on the same database
    /// and blobs folder, on a new port.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let next = Server::start_on(&self.dir.clone(), &self.db.clone());
        let old = std::mem::replace(self, next);
        drop(old);
    }

    pub fn start(dir: &Path) -> Server {
        Server::start_on(dir, &format!("sqlite:{}", dir.join("center.db").display()))
    }

    /// The server on the database `db` (`sqlite:PATH` or a `postgres://` URL), its blobs and
    /// signing keys in `dir`.
    pub fn start_on(dir: &Path, db: &str) -> Server {
        std::fs::create_dir_all(dir).expect("server dir");
        let mut child = Command::new(bin_dir().join("fieldcase-server"))
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--db")
            .arg(db)
            // The center's signing keys (required with PostgreSQL; kept across restarts).
            .arg("--keys")
            .arg(dir.join("center-keys"))
            .arg("--blobs")
            .arg(dir.join("blobs"))
            .arg("--forms")
            .arg(root().join("forms"))
            .arg("--pages")
            .arg(root().join("ui/dist"))
            .env("FIELDCASE_ADMIN_TOKEN", ADMIN_TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start fieldcase-server");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let url = loop {
            let line = lines.next().expect("server output").expect("line");
            if let Some(addr) = line.strip_prefix("listening on ") {
                break format!("http://{}", addr.trim());
            }
        };
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Server {
            child,
            url,
            dir: dir.to_path_buf(),
            db: db.to_string(),
            http: OnceLock::new(),
        }
    }

    /// A request to `path` with the protocol header and `token`.
    fn request(&self, method: &str, path: &str, token: &str) -> reqwest::blocking::RequestBuilder {
        let http = self.http.get_or_init(|| {
            // reqwest is built on rustls without a default provider (ring is ours).
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::blocking::Client::new()
        });
        let url = format!("{}{path}", self.url);
        match method {
            "GET" => http.get(url),
            "POST" => http.post(url),
            "PATCH" => http.patch(url),
            m => panic!("method {m}"),
        }
        .header(
            fieldcase_protocol::sync::PROTOCOL_HEADER,
            fieldcase_protocol::sync::PROTOCOL_VERSION.to_string(),
        )
        .bearer_auth(token)
    }

    /// A GET answered as bytes: the status, one header's value, the body (a PDF, a blob).
    pub fn get_bytes(&self, path: &str, header: &str) -> (u16, Option<String>, Vec<u8>) {
        let resp = self
            .request("GET", path, ADMIN_TOKEN)
            .send()
            .expect("request");
        let status = resp.status().as_u16();
        let h = resp
            .headers()
            .get(header)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (status, h, resp.bytes().expect("body").to_vec())
    }

    /// Sends and answers the status and body (JSON, or the text as a string).
    fn answer(rb: reqwest::blocking::RequestBuilder) -> (u16, Value) {
        let r = rb.send().expect("request");
        let status = r.status().as_u16();
        let text = r.text().expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A call answering its status and body (JSON, or the text as a string).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let rb = self.request(method, path, token);
        Self::answer(match body {
            Some(b) => rb.json(b),
            None => rb,
        })
    }

    /// An admin upload of a CSV file (`text/csv`) that must succeed.
    pub fn admin_csv(&self, path: &str, csv: &str) -> Value {
        let rb = self
            .request("POST", path, ADMIN_TOKEN)
            .header("content-type", "text/csv")
            .body(csv.to_string());
        let (status, v) = Self::answer(rb);
        assert_eq!(status, 200, "POST {path} (CSV): {v}");
        v
    }

    /// An admin call that must succeed.
    pub fn admin(&self, method: &str, path: &str, body: &Value) -> Value {
        let (s, v) = self.call(method, path, ADMIN_TOKEN, Some(body));
        assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
        v
    }

    pub fn get(&self, path: &str) -> Value {
        let (s, v) = self.call("GET", path, ADMIN_TOKEN, None);
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }

    /// The demo electroplating plant's officers, enterprises and tasks, every task for team T1.
    pub fn load_demo_center(&self) {
        let text = std::fs::read_to_string(root().join("demo/electroplating/reference.json"))
            .expect("reference.json");
        let r: Value = serde_json::from_str(&text).expect("json");
        self.admin("POST", "/v1/officers", &r["officers"]);
        self.admin("POST", "/v1/enterprises", &r["enterprises"]);
        let mut tasks: Vec<Value> = r["tasks"].as_array().expect("tasks").clone();
        for t in &mut tasks {
            t["team"] = serde_json::json!("T1");
        }
        self.admin("POST", "/v1/tasks", &Value::Array(tasks));
    }

    /// Creates a user and returns a fresh one-time enrollment code for them.
    pub fn user(&self, id: &str, name: &str, team: &str, officer: Option<&str>) -> String {
        self.admin(
            "POST",
            "/v1/admin/users",
            &serde_json::json!({"user_id": id, "name": name, "role": "inspector", "area": "3205",
                "team": team, "officer_id": officer}),
        );
        self.admin(
            "POST",
            "/v1/admin/enrollment-codes",
            &serde_json::json!({"user_id": id}),
        )["code"]
            .as_str()
            .expect("code")
            .to_string()
    }
}

/// `<target dir>/screenshots/<name>`, emptied first: where a browser or app walk saves its
/// screenshots for review.
/// A `POST /v1/enroll` body for `device_id` trading `code`, with `key`'s proof of possession.
pub fn enroll_body(
    code: &str,
    device_id: &str,
    key: &fieldcase_protocol::KeyPair,
    label: &str,
) -> Value {
    let req = fieldcase_protocol::sync::EnrollRequest::signed(1, code, device_id, key, label);
    serde_json::to_value(req.expect("sign the enrollment")).expect("json")
}

pub fn screenshots_dir(name: &str) -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"));
    let dir = target.join("screenshots").join(name);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("clearing {}: {e}", dir.display()),
    }
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    dir.canonicalize().expect("screenshots dir")
}

/// Runs `cmd` to the end, or kills it after `limit`; answers (success, stdout, stderr).
pub fn run_with_limit(mut cmd: Command, limit: std::time::Duration) -> (bool, String, String) {
    use std::io::Read;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break Some(st);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let (out, mut err) = (out.join().expect("stdout"), err.join().expect("stderr"));
    if status.is_none() {
        err.push_str(&format!("\nkilled after {limit:?}"));
    }
    (status.is_some_and(|s| s.success()), out, err)
}

/// Polls `f` every 100 ms until it holds; fails the test naming `what` after 60 s.
pub fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
