//! BLE stand-ins when the `ble` feature is off: every call reports Bluetooth as unavailable.

use crate::error::PrintError;
use crate::profile::PrinterProfile;
use std::time::Duration;

const OFF: &str = "built without the `ble` feature";

pub use super::ble_types::{BleOptions, BleTarget, FoundPrinter};

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
