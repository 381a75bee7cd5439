//! BLE types shared by the real transport and the build without the `ble` feature.

use std::time::Duration;

/// A device seen during a scan that advertises a known printer service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPrinter {
    pub address: String,
    pub name: Option<String>,
    pub rssi: Option<i16>,
    /// Advertised service UUIDs (lower case).
    pub services: Vec<String>,
    /// The first profile whose `ble.service` is advertised, if any.
    pub profile_id: Option<String>,
}

/// Which device to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BleTarget {
    /// `AA:BB:CC:DD:EE:FF` (case-insensitive).
    Address(String),
    /// Advertised local name (exact, or prefix).
    Name(String),
}

/// Scan and flow-control settings.
#[derive(Debug, Clone)]
pub struct BleOptions {
    pub scan_timeout: Duration,
    /// Pause after this many WithoutResponse chunks...
    pub pause_every: usize,
    /// ...for this long.
    pub pause: Duration,
    /// Every K-th chunk is written WithResponse, so the stack waits for the printer.
    pub with_response_every: usize,
}

impl Default for BleOptions {
    fn default() -> Self {
        BleOptions {
            scan_timeout: Duration::from_secs(5),
            pause_every: 20,
            pause: Duration::from_millis(20),
            with_response_every: 50,
        }
    }
}
