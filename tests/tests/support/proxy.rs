//! A loopback fault-injection proxy between device sync clients and the center server, and the
//! tiny seeded PRNG the fault schedules draw from.
//!
//! One HTTP/1.1 request per connection: the proxy reads the whole request (headers, then exactly
//! `Content-Length` bytes — the sync client never sends chunked bodies; one that did would be a
//! test failure), rewrites it to carry `Connection: close`, and decides one [`Fault`] for it from
//! its seeded RNG. The server, seeing `Connection: close`, answers with `connection: close` and
//! closes, so the proxy reads the answer to EOF and the client never reuses the connection. That
//! keeps "one connection = one request = one fault" exact without making the device client
//! behave differently from production (its keep-alive pool just finds nothing to reuse).
//!
//! Connections are served one at a time, in accept order, by one thread: the schedules drive
//! their devices sequentially, so the n-th request of a run always gets the n-th fault drawn, and
//! a seed replays the same faults. (A [`Fault::Kill`] makes the server's commit-or-not race real,
//! so that one step is not bit-for-bit reproducible — the invariants must hold either way.)

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// SplitMix64: small, fast, and good enough to pick faults and steps reproducibly from a seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// What the proxy does to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward the request, return the answer.
    Pass,
    /// Sleep this many ms, then pass.
    Delay(u64),
    /// Read the request and close: nothing reaches the server.
    Drop,
    /// Forward only the first part of the request (a fraction in per mille of its bytes), then
    /// close both sides: the server sees a cut body, the client no answer.
    CutRequest(u32),
    /// Forward the request, return only the first part of the answer (per mille), then close.
    CutResponse(u32),
    /// Deliver the request, then replay the same bytes on a second connection; return the first
    /// answer (`false`) or the replay's (`true`).
    Duplicate(bool),
    /// Forward the request, then SIGKILL the server before reading its answer. The server stays
    /// down until the schedule restarts it (see [`Proxy::take_killed`]).
    Kill,
}

/// The fault mix: percentages of each kind (the rest pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mix {
    pub delay: u64,
    pub drop: u64,
    pub cut_request: u64,
    pub cut_response: u64,
    pub duplicate: u64,
    pub kill: u64,
}

impl Mix {
    pub const OFF: Mix = Mix {
        delay: 0,
        drop: 0,
        cut_request: 0,
        cut_response: 0,
        duplicate: 0,
        kill: 0,
    };

    fn draw(&self, rng: &mut Rng) -> Fault {
        let mut r = rng.below(100);
        let mut take = |p: u64| {
            if r < p {
                true
            } else {
                r -= p;
                false
            }
        };
        if take(self.drop) {
            Fault::Drop
        } else if take(self.cut_request) {
            Fault::CutRequest(rng.below(1000) as u32)
        } else if take(self.cut_response) {
            Fault::CutResponse(rng.below(1000) as u32)
        } else if take(self.duplicate) {
            Fault::Duplicate(rng.chance(50))
        } else if take(self.kill) {
            Fault::Kill
        } else if take(self.delay) {
            Fault::Delay(1 + rng.below(20))
        } else {
            Fault::Pass
        }
    }
}

/// How many connections met each fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub connections: u64,
    pub pass: u64,
    pub delay: u64,
    pub drop: u64,
    pub cut_request: u64,
    pub cut_response: u64,
    pub duplicate: u64,
    pub kill: u64,
    /// Connections the server refused or cut on its own (it was down).
    pub server_down: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.connections += o.connections;
        self.pass += o.pass;
        self.delay += o.delay;
        self.drop += o.drop;
        self.cut_request += o.cut_request;
        self.cut_response += o.cut_response;
        self.duplicate += o.duplicate;
        self.kill += o.kill;
        self.server_down += o.server_down;
    }
}

#[derive(Debug)]
struct State {
    target: SocketAddr,
    /// The server process, for [`Fault::Kill`].
    pid: u32,
    rng: Rng,
    mix: Mix,
    counts: Counts,
    killed: bool,
    /// A protocol problem the proxy met (chunked body, unparsable head): the test fails on it.
    error: Option<String>,
}

/// The proxy; stops on drop.
#[derive(Debug)]
pub struct Proxy {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

const IO_TIMEOUT: Duration = Duration::from_secs(20);

impl Proxy {
    /// Listens on a free loopback port and forwards to `target` (the server process `pid`).
    pub fn start(target: SocketAddr, pid: u32) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy bind");
        let addr = listener.local_addr().expect("proxy addr");
        let state = Arc::new(Mutex::new(State {
            target,
            pid,
            rng: Rng::new(0),
            mix: Mix::OFF,
            counts: Counts::default(),
            killed: false,
            error: None,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                serve(&st, conn);
            }
        });
        Proxy {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Points the proxy at a (restarted) server.
    pub fn retarget(&self, target: SocketAddr, pid: u32) {
        let mut s = self.lock();
        s.target = target;
        s.pid = pid;
        s.killed = false;
    }

    /// Starts a schedule: reseeds the fault RNG and zeroes the counts.
    pub fn reseed(&self, seed: u64) {
        let mut s = self.lock();
        s.rng = Rng::new(seed);
        s.counts = Counts::default();
    }

    pub fn set_mix(&self, mix: Mix) {
        self.lock().mix = mix;
    }

    pub fn counts(&self) -> Counts {
        self.lock().counts
    }

    /// Whether a [`Fault::Kill`] took the server down since the last call.
    pub fn take_killed(&self) -> bool {
        std::mem::take(&mut self.lock().killed)
    }

    /// A protocol problem the proxy met, if any (taken).
    pub fn take_error(&self) -> Option<String> {
        self.lock().error.take()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads one request; answers it rewritten with `Connection: close`.
fn read_request(conn: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        let n = conn
            .read(&mut chunk)
            .map_err(|e| format!("read head: {e}"))?;
        if n == 0 {
            return Err(format!("client closed mid-head after {} bytes", buf.len()));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|e| format!("head utf-8: {e}"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_string();
    let mut kept = Vec::new();
    let mut length = 0usize;
    for line in lines {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let name_lc = name.trim().to_ascii_lowercase();
        match name_lc.as_str() {
            "content-length" => {
                length = value
                    .trim()
                    .parse()
                    .map_err(|e| format!("content-length {value:?}: {e}"))?;
            }
            "transfer-encoding" => {
                return Err(format!("{request_line}: a chunked body (unsupported)"));
            }
            "connection" | "keep-alive" => continue,
            _ => {}
        }
        kept.push(line);
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = conn
            .read(&mut chunk)
            .map_err(|e| format!("read body: {e}"))?;
        if n == 0 {
            return Err(format!(
                "{request_line}: client closed after {} of {length} body bytes",
                body.len()
            ));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    if body.len() > length {
        return Err(format!(
            "{request_line}: {} bytes after the body (pipelining?)",
            body.len() - length
        ));
    }
    let mut out = Vec::with_capacity(head_end + body.len() + 64);
    out.extend_from_slice(request_line.as_bytes());
    out.extend_from_slice(b"\r\n");
    for l in kept {
        out.extend_from_slice(l.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out.extend_from_slice(&body);
    Ok(out)
}

fn connect(target: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&target, Duration::from_secs(2))?;
    s.set_read_timeout(Some(IO_TIMEOUT))?;
    s.set_write_timeout(Some(IO_TIMEOUT))?;
    s.set_nodelay(true)?;
    Ok(s)
}

/// Sends the request and reads the answer to EOF (the server closes after it).
fn exchange(target: SocketAddr, req: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut s = connect(target)?;
    s.write_all(req)?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp)?;
    if resp.is_empty() {
        return Err(std::io::Error::other("server closed without answering"));
    }
    Ok(resp)
}

fn kill(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

fn serve(state: &Mutex<State>, mut client: TcpStream) {
    let _ = client.set_read_timeout(Some(IO_TIMEOUT));
    let _ = client.set_write_timeout(Some(IO_TIMEOUT));
    let _ = client.set_nodelay(true);
    let req = match read_request(&mut client) {
        Ok(r) => r,
        Err(e) => {
            // A client giving up mid-request is not ours to judge; anything else is.
            let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
            if !e.contains("client closed") {
                s.error.get_or_insert(e);
            }
            return;
        }
    };
    let (fault, target, pid) = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        let mix = s.mix;
        let f = mix.draw(&mut s.rng);
        s.counts.connections += 1;
        match f {
            Fault::Pass => s.counts.pass += 1,
            Fault::Delay(_) => s.counts.delay += 1,
            Fault::Drop => s.counts.drop += 1,
            Fault::CutRequest(_) => s.counts.cut_request += 1,
            Fault::CutResponse(_) => s.counts.cut_response += 1,
            Fault::Duplicate(_) => s.counts.duplicate += 1,
            Fault::Kill => s.counts.kill += 1,
        }
        (f, s.target, s.pid)
    };
    let down = |state: &Mutex<State>| {
        state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .counts
            .server_down += 1;
    };
    let part = |len: usize, permille: u32| len * permille as usize / 1000;
    match fault {
        Fault::Drop => {}
        Fault::CutRequest(pm) => {
            if let Ok(mut s) = connect(target) {
                let _ = s.write_all(&req[..part(req.len(), pm)]);
                let _ = s.shutdown(Shutdown::Both);
            } else {
                down(state);
            }
        }
        Fault::Kill => {
            if let Ok(mut s) = connect(target) {
                let _ = s.write_all(&req);
                kill(pid);
            } else {
                down(state);
            }
            state.lock().unwrap_or_else(|p| p.into_inner()).killed = true;
        }
        Fault::Pass | Fault::Delay(_) | Fault::CutResponse(_) | Fault::Duplicate(_) => {
            if let Fault::Delay(ms) = fault {
                std::thread::sleep(Duration::from_millis(ms));
            }
            let Ok(first) = exchange(target, &req) else {
                down(state);
                return;
            };
            let answer = match fault {
                Fault::Duplicate(take_second) => match exchange(target, &req) {
                    Ok(second) if take_second => second,
                    Ok(_) => first,
                    Err(_) => {
                        down(state);
                        first
                    }
                },
                _ => first,
            };
            let n = match fault {
                Fault::CutResponse(pm) => part(answer.len(), pm),
                _ => answer.len(),
            };
            let _ = client.write_all(&answer[..n]);
        }
    }
    let _ = client.shutdown(Shutdown::Both);
}
