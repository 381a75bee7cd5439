//! An S3 for the tests: moto's server mode (`pip install "moto[server]==5.2.5"`; `./dev` installs
//! it), started once per test binary on a free loopback port; every test gets its own bucket.
//!
//! Without `moto_server` on PATH the S3 tests print why and pass without running — unless
//! `FIELDCASE_REQUIRE_S3` is set (`./dev test` sets it), so CI never skips them silently.
//!
//! moto checks no signatures, so tests inspect and plant objects with plain HTTP carrying a dummy
//! `Authorization` (anonymous requests may create a bucket but not read its objects). A `sh`
//! watchdog stops moto once this test process is gone (test binaries run no static destructors).

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A bucket of its own on the shared moto server.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub endpoint: String,
    pub name: String,
}

/// Any credential: moto names the caller from it without checking the signature.
const AUTH: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, \
                    SignedHeaders=host, Signature=0";

fn req(method: &str, url: &str) -> ureq::Request {
    ureq::request(method, url).set("authorization", AUTH)
}

impl Bucket {
    pub fn object_url(&self, key: &str) -> String {
        format!("{}/{}/{key}", self.endpoint, self.name)
    }

    /// Every key in the bucket.
    pub fn keys(&self) -> Vec<String> {
        let xml = req(
            "GET",
            &format!("{}/{}?list-type=2", self.endpoint, self.name),
        )
        .call()
        .expect("list bucket")
        .into_string()
        .unwrap();
        xml.split("<Key>")
            .skip(1)
            .filter_map(|s| s.split_once("</Key>").map(|(k, _)| k.to_string()))
            .collect()
    }

    /// Puts an object directly (not through the server).
    pub fn plant(&self, key: &str, bytes: &[u8]) {
        req("PUT", &self.object_url(key))
            .send_bytes(bytes)
            .expect("plant object");
    }

    /// Deletes an object directly (not through the server).
    pub fn remove(&self, key: &str) {
        req("DELETE", &self.object_url(key))
            .call()
            .expect("delete object");
    }

    /// `(ETag, Last-Modified)` of an object, `None` if absent.
    pub fn stamp(&self, key: &str) -> Option<(String, String)> {
        match req("HEAD", &self.object_url(key)).call() {
            Ok(r) => Some((
                r.header("etag").unwrap_or_default().to_string(),
                r.header("last-modified").unwrap_or_default().to_string(),
            )),
            Err(ureq::Error::Status(404, _)) => None,
            Err(e) => panic!("HEAD {key}: {e}"),
        }
    }

    pub fn get(&self, key: &str) -> Vec<u8> {
        let mut out = Vec::new();
        req("GET", &self.object_url(key))
            .call()
            .expect("get object")
            .into_reader()
            .read_to_end(&mut out)
            .unwrap();
        out
    }
}

/// A fresh bucket, or `None` (after printing why) when moto is not installed and
/// `FIELDCASE_REQUIRE_S3` is unset.
pub fn fresh_bucket(test: &str) -> Option<Bucket> {
    let endpoint = endpoint(test)?;
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "t-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    req("PUT", &format!("{endpoint}/{name}"))
        .call()
        .unwrap_or_else(|e| panic!("create bucket {name}: {e}"));
    Some(Bucket {
        endpoint: endpoint.to_string(),
        name,
    })
}

fn endpoint(test: &str) -> Option<&'static str> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    let url = URL.get_or_init(start).as_deref();
    if url.is_none() {
        eprintln!(
            "SKIPPED {test}: `moto_server` is not on PATH (pip install \"moto[server]==5.2.5\"; \
             set FIELDCASE_REQUIRE_S3=1 to make this a failure)"
        );
    }
    url
}

fn required() -> bool {
    std::env::var_os("FIELDCASE_REQUIRE_S3").is_some_and(|v| !v.is_empty())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

// The moto process is never waited for: the watchdog shell owns it and outlives this process on
// purpose (then init reaps it).
#[allow(clippy::zombie_processes)]
fn start() -> Option<String> {
    if !on_path("moto_server") {
        assert!(
            !required(),
            "FIELDCASE_REQUIRE_S3 is set but `moto_server` is not on PATH: \
             pip install \"moto[server]==5.2.5\" (./dev does)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = r#"pid=$1; port=$2
moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
m=$!
while kill -0 "$pid" 2>/dev/null && kill -0 "$m" 2>/dev/null; do sleep 1; done
kill "$m" 2>/dev/null"#;
    Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(std::process::id().to_string())
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if ureq::get(&format!("{url}/")).call().is_ok() {
            return Some(url);
        }
        assert!(
            Instant::now() < deadline,
            "moto_server did not answer on {url} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
