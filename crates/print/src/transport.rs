//! Transports: device file / RFCOMM node, TCP 9100, BLE (btleplug), and in-memory for tests.

use crate::error::PrintError;
use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

#[cfg(feature = "ble")]
mod ble;
mod ble_types;
#[cfg(feature = "ble")]
pub use ble::{BleOptions, BleTarget, BleTransport, FoundPrinter, discover};

#[cfg(not(feature = "ble"))]
mod ble_off;
#[cfg(not(feature = "ble"))]
pub use ble_off::{BleOptions, BleTarget, BleTransport, FoundPrinter, discover};

/// Opens the transport a spec names: `tcp:HOST:PORT`, `file:PATH`, `rfcomm:/dev/rfcommN`,
/// `ble:AA:BB:CC:DD:EE:FF` or `ble-name:NAME` (the CLI's `--to` and the app's chosen printer).
pub fn open(spec: &str, profile: &crate::PrinterProfile) -> Result<Box<dyn Transport>, PrintError> {
    let bad = |why: String| PrintError::NotFound(format!("{spec}: {why}"));
    let (kind, rest) = spec
        .split_once(':')
        .ok_or_else(|| bad("expected KIND:TARGET (tcp, file, rfcomm, ble, ble-name)".into()))?;
    if rest.is_empty() {
        return Err(bad("no target after the kind".into()));
    }
    Ok(match kind {
        "tcp" => Box::new(TcpTransport::new(rest)),
        "file" | "rfcomm" => Box::new(FileTransport::new(rest)),
        "ble" => Box::new(BleTransport::connect(
            &BleTarget::Address(rest.into()),
            profile,
            BleOptions::default(),
        )?),
        "ble-name" => Box::new(BleTransport::connect(
            &BleTarget::Name(rest.into()),
            profile,
            BleOptions::default(),
        )?),
        other => {
            return Err(bad(format!(
                "unknown transport `{other}` (tcp, file, rfcomm, ble, ble-name)"
            )));
        }
    })
}

/// Something that delivers a byte stream to a printer.
pub trait Transport {
    fn name(&self) -> String;
    /// Send all bytes; `progress(sent, total)` is called after each chunk.
    fn send(
        &mut self,
        bytes: &[u8],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), PrintError>;
}

fn send_chunks<W: Write>(
    w: &mut W,
    name: &str,
    bytes: &[u8],
    chunk: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(), PrintError> {
    let total = bytes.len();
    let mut sent = 0;
    for c in bytes.chunks(chunk.max(1)) {
        let r = w.write_all(c).and_then(|_| w.flush());
        if let Err(e) = r {
            return Err(match e.kind() {
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    PrintError::Timeout(format!("{name}: {e} after {sent} of {total} bytes"))
                }
                _ => PrintError::LinkLost {
                    sent,
                    total,
                    reason: format!("{name}: {e}"),
                },
            });
        }
        sent += c.len();
        progress(sent, total);
    }
    Ok(())
}

/// Writes to a file or device node (e.g. `/dev/rfcomm0` bound with `rfcomm bind`, a USB
/// printer `/dev/usb/lp0`, a serial port). Writes in chunks and flushes each one.
#[derive(Debug, Clone)]
pub struct FileTransport {
    pub path: PathBuf,
    pub chunk: usize,
}

impl FileTransport {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTransport {
            path: path.into(),
            chunk: 512,
        }
    }
}

impl Transport for FileTransport {
    fn name(&self) -> String {
        format!("file:{}", self.path.display())
    }
    fn send(
        &mut self,
        bytes: &[u8],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), PrintError> {
        let name = self.name();
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&self.path)
            .map_err(|e| PrintError::io(&name, e))?;
        send_chunks(&mut f, &name, bytes, self.chunk, progress)?;
        f.sync_all()
            .or_else(|e| {
                // Character devices often do not support fsync.
                if e.kind() == std::io::ErrorKind::InvalidInput {
                    Ok(())
                } else {
                    Err(e)
                }
            })
            .map_err(|e| PrintError::io(&name, e))
    }
}

/// Raw TCP (JetDirect, port 9100).
#[derive(Debug, Clone)]
pub struct TcpTransport {
    pub addr: String,
    pub connect_timeout: Duration,
    pub write_timeout: Duration,
    pub chunk: usize,
}

impl TcpTransport {
    /// `addr` is `host:port` or a bare host (port 9100 is added).
    pub fn new(addr: impl Into<String>) -> Self {
        let mut addr = addr.into();
        if !addr.contains(':') {
            addr.push_str(":9100");
        }
        TcpTransport {
            addr,
            connect_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(10),
            chunk: 4096,
        }
    }
}

impl Transport for TcpTransport {
    fn name(&self) -> String {
        format!("tcp:{}", self.addr)
    }
    fn send(
        &mut self,
        bytes: &[u8],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), PrintError> {
        let name = self.name();
        let addrs: Vec<SocketAddr> = self
            .addr
            .to_socket_addrs()
            .map_err(|e| PrintError::io(&name, e))?
            .collect();
        let mut last = None;
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, self.connect_timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let mut s = match (stream, last) {
            (Some(s), _) => s,
            (None, Some(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
                return Err(PrintError::Timeout(format!("{name}: connect: {e}")));
            }
            (None, Some(e)) => return Err(PrintError::io(&name, e)),
            (None, None) => return Err(PrintError::NotFound(name)),
        };
        s.set_write_timeout(Some(self.write_timeout))
            .map_err(|e| PrintError::io(&name, e))?;
        s.set_nodelay(true).ok();
        send_chunks(&mut s, &name, bytes, self.chunk, progress)?;
        s.shutdown(std::net::Shutdown::Write)
            .map_err(|e| PrintError::io(&name, e))?;
        Ok(())
    }
}

/// Records bytes in memory; can simulate a link that drops after N bytes.
#[derive(Debug, Clone, Default)]
pub struct MemoryTransport {
    pub received: Vec<u8>,
    /// Drop the link once this many bytes (in total) have been delivered.
    pub drop_after: Option<usize>,
    pub chunk: usize,
}

impl MemoryTransport {
    pub fn new() -> Self {
        MemoryTransport {
            received: Vec::new(),
            drop_after: None,
            chunk: 20,
        }
    }
    pub fn dropping_after(n: usize) -> Self {
        MemoryTransport {
            drop_after: Some(n),
            ..Self::new()
        }
    }
}

impl Transport for MemoryTransport {
    fn name(&self) -> String {
        "memory".into()
    }
    fn send(
        &mut self,
        bytes: &[u8],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), PrintError> {
        let total = bytes.len();
        let mut sent = 0;
        for c in bytes.chunks(self.chunk.max(1)) {
            if let Some(limit) = self.drop_after {
                let room = limit.saturating_sub(self.received.len());
                if c.len() > room {
                    self.received.extend_from_slice(&c[..room]);
                    sent += room;
                    return Err(PrintError::LinkLost {
                        sent,
                        total,
                        reason: "memory: simulated link drop".into(),
                    });
                }
            }
            self.received.extend_from_slice(c);
            sent += c.len();
            progress(sent, total);
        }
        Ok(())
    }
}
