//! BLE stand-ins when the `ble` feature is off: every call reports Bluetooth as unavailable.

use crate::error::PrintError;
use crate::profile::PrinterProfile;
use std::time::Duration;

const OFF: &str = "built without the `ble` feature";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPrinter {
    pub address: String,
    pub name: Option<String>,
    pub rssi: Option<i16>,
    pub services: Vec<String>,
    pub profile_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BleTarget {
    Address(String),
    Name(String),
}

#[derive(Debug, Clone)]
pub struct BleOptions {
    pub scan_timeout: Duration,
    pub pause_every: usize,
    pub pause: Duration,
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

#[derive(Debug)]
pub struct BleTransport {
    _private: (),
}

impl BleTransport {
    pub fn connect(
        _target: &BleTarget,
        _profile: &PrinterProfile,
        _opts: BleOptions,
    ) -> Result<Self, PrintError> {
        Err(PrintError::BluetoothUnavailable(OFF.into()))
    }
}

impl super::Transport for BleTransport {
    fn name(&self) -> String {
        "ble".into()
    }
    fn send(&mut self, _: &[u8], _: &mut dyn FnMut(usize, usize)) -> Result<(), PrintError> {
        Err(PrintError::BluetoothUnavailable(OFF.into()))
    }
}

pub fn discover(
    _timeout: Duration,
    _profiles: &[PrinterProfile],
) -> Result<Vec<FoundPrinter>, PrintError> {
    Err(PrintError::BluetoothUnavailable(OFF.into()))
}
