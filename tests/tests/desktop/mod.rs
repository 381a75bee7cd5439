//! Running the field app on a desktop for tests and benchmarks: Xvfb on a free display, then
//! tauri-driver (which starts WebKitWebDriver, which starts the app) on free loopback ports, the
//! app's device store and forms passed in its environment; everything it started is ended when
//! [`Processes`] is dropped, also on a panic. Used by `tests/tests/field_app_e2e.rs` and
//! `tests/benches/field_app.rs`.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The target folder.
pub fn target_dir() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"))
}

/// The app binary of a cargo profile (`debug` or `release`).
pub fn app_binary(profile: &str) -> PathBuf {
    target_dir().join(profile).join("fieldcase-app")
}

/// tauri-driver on PATH, else where `cargo install` puts it.
pub fn tauri_driver() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("tauri-driver"))
            .find(|c| c.is_file())
    });
    on_path.or_else(|| {
        let home = PathBuf::from(std::env::var_os("HOME")?);
        Some(home.join(".cargo/bin/tauri-driver")).filter(|p| p.is_file())
    })
}

pub fn found(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// What the walk needs that this test does not build; a clear failure when one is missing.
pub fn prerequisites(app: &Path) -> PathBuf {
    let ui = root().join("ui");
    let app = app.to_path_buf();
    for (path, what, fix) in [
        (
            app.clone(),
            "the field app binary",
            "run `cargo build -p fieldcase-app` (after `cd ui && npm run build`), or `./dev test`",
        ),
        (
            ui.join("dist/app.html"),
            "the built field app pages (ui/dist)",
            "run `cd ui && npm ci && npm run build`, then `cargo build -p fieldcase-app`, or `./dev test`",
        ),
        (
            ui.join("node_modules/webdriverio/package.json"),
            "webdriverio (ui/node_modules)",
            "run `cd ui && npm ci`, or `./dev test`",
        ),
        (
            PathBuf::from(WEBKIT_DRIVER),
            "WebKitWebDriver",
            "install the Debian package webkit2gtk-driver, or run `./dev test`",
        ),
    ] {
        assert!(
            path.exists(),
            "{what} missing: {} does not exist. To fix: {fix}.",
            path.display()
        );
    }
    // The app embeds ui/dist when it is compiled: pages built after it are not in it.
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    assert!(
        modified(&app) >= modified(&ui.join("dist/app.html")),
        "the field app binary is older than ui/dist, which it embeds: run `cargo build -p \
         fieldcase-app` (or `./dev test`) so the app holds the pages built last"
    );
    assert!(
        found("Xvfb"),
        "Xvfb not found on PATH: install the Debian package xvfb, or run `./dev test`"
    );
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "node (20.19+) not found on PATH: install Node.js, then run `./dev test`: {node:?}"
    );
    tauri_driver().expect(
        "tauri-driver not found (on PATH or in ~/.cargo/bin): `cargo install tauri-driver \
         --version '^2' --locked`, or run `./dev test`",
    )
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

pub fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The processes of the walk, ended when it is over — also when the test panics.
#[derive(Debug)]
pub struct Processes {
    /// Each in its own process group (tauri-driver's holds WebKitWebDriver and the app).
    pub groups: Vec<Child>,
    /// The app's data folder: any process still holding it in its environment is ours.
    pub app_data: Option<PathBuf>,
}

impl Processes {
    pub fn spawn(&mut self, cmd: &mut Command) -> std::io::Result<&mut Child> {
        let child = cmd.process_group(0).spawn()?;
        self.groups.push(child);
        Ok(self.groups.last_mut().expect("just pushed"))
    }
}

pub fn signal(target: &str, sig: &str) {
    let _ = Command::new("kill")
        .args([sig, "--", target])
        .stderr(Stdio::null())
        .status();
}

/// Processes (other than this one) whose environment holds `FIELDCASE_APP_DATA=<dir>`.
pub fn holding(dir: &Path) -> Vec<u32> {
    let needle = format!("FIELDCASE_APP_DATA={}", dir.display());
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|v| v == needle.as_bytes()))
        })
        .collect()
}

impl Drop for Processes {
    fn drop(&mut self) {
        // Last started first: tauri-driver (and the app) before the X server they draw on.
        for child in self.groups.iter_mut().rev() {
            let group = format!("-{}", child.id());
            signal(&group, "-TERM");
            let start = Instant::now();
            while child.try_wait().ok().flatten().is_none()
                && start.elapsed() < Duration::from_secs(3)
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            signal(&group, "-KILL");
            let _ = child.wait();
        }
        // A WebView process that left the group still carries the app's environment.
        if let Some(dir) = &self.app_data {
            for pid in holding(dir) {
                signal(&pid.to_string(), "-KILL");
            }
        }
    }
}

/// A free X display from :90 to :120 with Xvfb on it (1280×800, a landscape tablet).
pub fn start_xvfb(procs: &mut Processes) -> u32 {
    for n in 90..=120u32 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists()
            || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        {
            continue;
        }
        let child = procs
            .spawn(
                Command::new("Xvfb")
                    .arg(format!(":{n}"))
                    .args(["-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            )
            .expect("start Xvfb");
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("Xvfb") {
                // Another server took the display meanwhile: try the next one.
                eprintln!("Xvfb :{n} exited ({status}); trying the next display");
                procs.groups.pop();
                break;
            }
            if socket.exists() {
                return n;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "Xvfb :{n} did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("no free X display from :90 to :120 (see /tmp/.X*-lock)");
}

/// Xvfb and tauri-driver, with the app's store in `app_data`: answers the processes (ended on
/// drop) and tauri-driver's port.
pub fn start(driver: &Path, app_data: &Path) -> (Processes, u16) {
    // No Secret Service under Xvfb: the app keeps its store key in a key folder.
    let keys = format!("dir:{}", root().join("target/test-keys").display());
    start_with_key_store(driver, app_data, &keys)
}

/// [`start`] with the app's `FIELDCASE_KEY_STORE` set to `key_store`.
pub fn start_with_key_store(driver: &Path, app_data: &Path, key_store: &str) -> (Processes, u16) {
    let mut procs = Processes {
        groups: Vec::new(),
        app_data: Some(app_data.to_path_buf()),
    };
    let display = start_xvfb(&mut procs);
    let (port, native_port) = (free_port(), free_port());
    procs
        .spawn(
            Command::new(driver)
                .args(["--port", &port.to_string()])
                .args(["--native-port", &native_port.to_string()])
                .arg("--native-driver")
                .arg(WEBKIT_DRIVER)
                .env("DISPLAY", format!(":{display}"))
                .env("FIELDCASE_APP_DATA", app_data)
                .env("FIELDCASE_FORMS", root().join("forms"))
                .env("FIELDCASE_KEY_STORE", key_store)
                .stdout(Stdio::null())
                .stderr(Stdio::inherit()),
        )
        .expect("start tauri-driver");
    wait_until("tauri-driver to listen", Duration::from_secs(20), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    (procs, port)
}
