//! A PostgreSQL for the tests: `FIELDCASE_TEST_PG` (a `postgres://` URL whose user may create
//! databases) if set, else one throwaway cluster per test binary, made with Debian's initdb and
//! pg_ctl in a temp dir, on a free loopback port. Every test gets its own fresh database.
//!
//! initdb refuses to run as root, so as root (CI, the dev container) the cluster is made and run
//! as `nobody` through `runuser`, in a temp dir chowned to it. Trust auth, on 127.0.0.1 and the
//! Unix socket inside the temp dir only; `fsync=off` (test data need not survive a crash).
//!
//! Shutdown: test binaries never run static destructors, so a small `sh` watchdog started with
//! the cluster polls this process and, once it is gone, stops the cluster (`-m immediate`) and
//! deletes its temp dir. A cluster thus lives exactly as long as the test binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// Whether this process's cluster keeps PostgreSQL's durability settings.
static DURABLE: AtomicBool = AtomicBool::new(false);

/// Makes the cluster this process starts keep PostgreSQL's default durability (fsync,
/// synchronous commit, full-page writes) instead of the tests' fast settings: benchmarks must not
/// measure a database that skips the flushes a real center does. Call before the first
/// [`fresh_database`].
pub fn durable() {
    DURABLE.store(true, Ordering::SeqCst);
}

/// The URL of a database every test may create databases from.
fn admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("FIELDCASE_TEST_PG") {
        Ok(url) if !url.is_empty() => url,
        _ => start_cluster(),
    })
}

/// A new, empty database; answers its URL.
pub fn fresh_database() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "t_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = postgres::Client::connect(admin_url(), postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect {}: {e}", admin_url()));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    with_database(admin_url(), &name)
}

/// Drops a database `fresh_database` made on an outside server (`FIELDCASE_TEST_PG`), so it
/// keeps no litter; a throwaway cluster goes whole.
pub fn drop_database(url: &str) {
    if std::env::var("FIELDCASE_TEST_PG").map_or(true, |u| u.is_empty()) {
        return;
    }
    let Some(name) = url
        .rsplit('/')
        .next()
        .and_then(|s| s.split('?').next())
        .filter(|n| n.starts_with("t_"))
    else {
        return;
    };
    if let Ok(mut admin) = postgres::Client::connect(admin_url(), postgres::NoTls) {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// `postgres://u@h:p/any?x` → `postgres://u@h:p/NAME?x`.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let query = tail
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{scheme}://{authority}/{name}{query}")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// uid and gid of `nobody`.
fn nobody() -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let o = Command::new("id").args([flag, "nobody"]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
    };
    (id("-u"), id("-g"))
}

/// A command run as the cluster's owner (`nobody` when we are root).
fn as_owner(root: bool, program: &str) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--", program]);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(mut c: Command, what: &str, log: Option<&Path>) {
    let status = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    if !status.success() {
        let log = log
            .and_then(|l| std::fs::read_to_string(l).ok())
            .unwrap_or_default();
        panic!("{what} failed ({status}); is apt `postgresql` (15) installed?\n{log}");
    }
}

fn start_cluster() -> String {
    launch(None).url
}

/// A started cluster.
pub struct Cluster {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`, without an sslmode.
    pub url: String,
    /// `host=SOCKET port=PORT user=postgres dbname=postgres`: plain, over the socket.
    pub socket: String,
}

/// A cluster of its own that takes TCP connections over TLS only (`hostssl`), with this
/// certificate and key; its Unix socket takes plain ones, for the test's own checks. Lives as
/// long as the test process, like the shared one.
pub fn start_tls_cluster(cert: &Path, key: &Path) -> Cluster {
    launch(Some((cert, key)))
}

fn launch(tls: Option<(&Path, &Path)>) -> Cluster {
    let bin = |b: &str| format!("{PG_BIN}/{b}");
    let root = is_root();
    let dir: PathBuf = tempfile::Builder::new()
        .prefix("fieldcase-pg-")
        .tempdir()
        .unwrap()
        .keep();
    let (data, sock, log) = (dir.join("data"), dir.join("sock"), dir.join("server.log"));
    std::fs::create_dir(&sock).unwrap();
    if root {
        let (uid, gid) = nobody();
        for p in [&dir, &sock] {
            std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
        }
    }
    let mut initdb = as_owner(root, &bin("initdb"));
    initdb.current_dir(&dir).arg("-D").arg(&data).args([
        "-U",
        "postgres",
        "--auth=trust",
        "--no-locale",
        "-E",
        "UTF8",
        "--no-sync",
    ]);
    run(initdb, "initdb", None);
    // Only the socket in our temp dir and loopback IPv4 (over TLS only, for a TLS cluster).
    let tcp = if tls.is_some() { "hostssl" } else { "host" };
    std::fs::write(
        data.join("pg_hba.conf"),
        format!("local all all trust\n{tcp} all all 127.0.0.1/32 trust\n"),
    )
    .unwrap();
    if let Some((cert, key)) = tls {
        // PostgreSQL refuses a key others may read; it must belong to the cluster's owner.
        let (crt, k) = (data.join("server.crt"), data.join("server.key"));
        std::fs::copy(cert, &crt).unwrap();
        std::fs::copy(key, &k).unwrap();
        std::fs::set_permissions(&k, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        if root {
            let (uid, gid) = nobody();
            for p in [&crt, &k] {
                std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
            }
        }
    }
    let port = free_port();
    let fast = if DURABLE.load(Ordering::SeqCst) {
        ""
    } else {
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    };
    let ssl = if tls.is_some() { "-c ssl=on" } else { "" };
    let opts = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} {fast} {ssl} -c max_connections=200",
        sock.display()
    );
    let mut ctl = as_owner(root, &bin("pg_ctl"));
    ctl.current_dir(&dir)
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(&log)
        .args(["-w", "-t", "60", "-o", &opts, "start"]);
    // The log file must be writable by the owner: pg_ctl creates it as that user in its dir.
    run(ctl, "pg_ctl start", Some(&log));
    watchdog(root, &dir);
    Cluster {
        url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        socket: format!(
            "host={} port={port} user=postgres dbname=postgres",
            sock.display()
        ),
    }
}

/// Stops the cluster and removes its dir once this test process has exited.
// Never waited for: it outlives this process on purpose (then init reaps it).
#[allow(clippy::zombie_processes)]
fn watchdog(root: bool, dir: &Path) {
    let script = r#"pid=$1; dir=$2; shift 2
while kill -0 "$pid" 2>/dev/null; do sleep 1; done
"$@" -D "$dir/data" -m immediate stop >/dev/null 2>&1
rm -rf "$dir""#;
    let mut c = Command::new("sh");
    c.args(["-c", script, "sh"])
        .arg(std::process::id().to_string())
        .arg(dir);
    if root {
        c.args(["runuser", "-u", "nobody", "--"]);
    }
    c.arg(format!("{PG_BIN}/pg_ctl"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cluster watchdog");
}
