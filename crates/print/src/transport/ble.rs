//! BLE transport over btleplug (BlueZ over the system D-Bus on Linux).

use crate::error::PrintError;
use crate::profile::{KNOWN_BLE_IDS, PrinterProfile};
use btleplug::api::{
    Central, CharPropFlags, Characteristic, Manager as _, Peripheral as _, ScanFilter, WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use std::time::Duration;

pub use super::ble_types::{BleOptions, BleTarget, FoundPrinter};

fn unavailable(e: impl std::fmt::Display) -> PrintError {
    PrintError::BluetoothUnavailable(e.to_string())
}

fn runtime() -> Result<tokio::runtime::Runtime, PrintError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PrintError::Ble(format!("tokio runtime: {e}")))
}

async fn adapter() -> Result<Adapter, PrintError> {
    let manager = Manager::new().await.map_err(unavailable)?;
    let adapters = manager.adapters().await.map_err(unavailable)?;
    adapters
        .into_iter()
        .next()
        .ok_or_else(|| unavailable("no adapter (没有蓝牙适配器)"))
}

fn known_services(profiles: &[PrinterProfile]) -> Vec<(String, Option<String>)> {
    let mut v: Vec<(String, Option<String>)> = profiles
        .iter()
        .filter_map(|p| {
            p.ble
                .as_ref()
                .map(|b| (b.service.to_lowercase(), Some(p.id.clone())))
        })
        .collect();
    for (s, _) in KNOWN_BLE_IDS {
        if !v.iter().any(|(x, _)| x == s) {
            v.push((s.to_string(), None));
        }
    }
    v
}

async fn scan(adapter: &Adapter, timeout: Duration) -> Result<Vec<Peripheral>, PrintError> {
    adapter
        .start_scan(ScanFilter::default())
        .await
        .map_err(unavailable)?;
    tokio::time::sleep(timeout).await;
    let ps = adapter
        .peripherals()
        .await
        .map_err(|e| PrintError::Ble(e.to_string()))?;
    adapter.stop_scan().await.ok();
    Ok(ps)
}

/// Scan for `timeout` and list devices advertising a known printer service.
pub fn discover(
    timeout: Duration,
    profiles: &[PrinterProfile],
) -> Result<Vec<FoundPrinter>, PrintError> {
    let rt = runtime()?;
    rt.block_on(async {
        let adapter = adapter().await?;
        let known = known_services(profiles);
        let mut out = Vec::new();
        for p in scan(&adapter, timeout).await? {
            let Ok(Some(props)) = p.properties().await else {
                continue;
            };
            let services: Vec<String> = props
                .services
                .iter()
                .map(|u| u.to_string().to_lowercase())
                .collect();
            let hit = known.iter().find(|(s, _)| services.contains(s));
            if let Some((_, profile_id)) = hit {
                out.push(FoundPrinter {
                    address: props.address.to_string(),
                    name: props.local_name.clone(),
                    rssi: props.rssi,
                    services,
                    profile_id: profile_id.clone(),
                });
            }
        }
        Ok(out)
    })
}

/// A connected BLE printer.
#[derive(Debug)]
pub struct BleTransport {
    rt: tokio::runtime::Runtime,
    peripheral: Peripheral,
    characteristic: Characteristic,
    label: String,
    mtu: u16,
    opts: BleOptions,
}

impl BleTransport {
    /// Scan, connect to `target`, and find the profile's write characteristic (or any
    /// writable characteristic in a known printer service).
    pub fn connect(
        target: &BleTarget,
        profile: &PrinterProfile,
        opts: BleOptions,
    ) -> Result<Self, PrintError> {
        let rt = runtime()?;
        let (peripheral, characteristic, label) = rt.block_on(async {
            let adapter = adapter().await?;
            let mut found = None;
            for p in scan(&adapter, opts.scan_timeout).await? {
                let Ok(Some(props)) = p.properties().await else {
                    continue;
                };
                let ok = match target {
                    BleTarget::Address(a) => props.address.to_string().eq_ignore_ascii_case(a),
                    BleTarget::Name(n) => props
                        .local_name
                        .as_deref()
                        .is_some_and(|ln| ln.starts_with(n.as_str())),
                };
                if ok {
                    let label = format!(
                        "ble:{} {}",
                        props.address,
                        props.local_name.clone().unwrap_or_default()
                    );
                    found = Some((p, label));
                    break;
                }
            }
            let (p, label) = found.ok_or_else(|| PrintError::NotFound(format!("{target:?}")))?;
            p.connect()
                .await
                .map_err(|e| PrintError::Ble(format!("connect: {e}")))?;
            p.discover_services()
                .await
                .map_err(|e| PrintError::Ble(format!("services: {e}")))?;
            let chars = p.characteristics();
            let writable = |c: &Characteristic| {
                c.properties
                    .intersects(CharPropFlags::WRITE | CharPropFlags::WRITE_WITHOUT_RESPONSE)
            };
            let wanted: Vec<String> = profile
                .ble
                .iter()
                .map(|b| b.write_char.to_lowercase())
                .chain(KNOWN_BLE_IDS.iter().map(|(_, c)| c.to_string()))
                .collect();
            let known_svc: Vec<String> = known_services(std::slice::from_ref(profile))
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            let ch = wanted
                .iter()
                .find_map(|w| {
                    chars
                        .iter()
                        .find(|c| &c.uuid.to_string() == w && writable(c))
                })
                .or_else(|| {
                    chars.iter().find(|c| {
                        known_svc.contains(&c.service_uuid.to_string().to_lowercase())
                            && writable(c)
                    })
                })
                .cloned()
                .ok_or_else(|| PrintError::Ble("no writable printer characteristic".into()))?;
            Ok::<_, PrintError>((p, ch, label))
        })?;
        let mtu = match peripheral.mtu() {
            m if m >= 23 => m,
            _ => profile.mtu_default,
        };
        Ok(BleTransport {
            rt,
            peripheral,
            characteristic,
            label,
            mtu,
            opts,
        })
    }

    /// Payload bytes per write (ATT MTU − 3).
    pub fn chunk_size(&self) -> usize {
        usize::from(self.mtu.saturating_sub(3).max(20))
    }
}

impl super::Transport for BleTransport {
    fn name(&self) -> String {
        self.label.clone()
    }
    fn send(
        &mut self,
        bytes: &[u8],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), PrintError> {
        let chunk = self.chunk_size();
        let total = bytes.len();
        let (p, c, o) = (&self.peripheral, &self.characteristic, &self.opts);
        let can_nr = c.properties.contains(CharPropFlags::WRITE_WITHOUT_RESPONSE);
        self.rt.block_on(async {
            let mut sent = 0;
            for (i, part) in bytes.chunks(chunk).enumerate() {
                let k = i + 1;
                let with_resp =
                    !can_nr || (o.with_response_every > 0 && k % o.with_response_every == 0);
                let wt = if with_resp {
                    WriteType::WithResponse
                } else {
                    WriteType::WithoutResponse
                };
                p.write(c, part, wt)
                    .await
                    .map_err(|e| PrintError::LinkLost {
                        sent,
                        total,
                        reason: format!("ble write: {e}"),
                    })?;
                sent += part.len();
                progress(sent, total);
                if o.pause_every > 0 && k % o.pause_every == 0 {
                    tokio::time::sleep(o.pause).await;
                }
            }
            Ok(())
        })
    }
}

impl Drop for BleTransport {
    fn drop(&mut self) {
        let p = self.peripheral.clone();
        let _ = self.rt.block_on(async move { p.disconnect().await });
    }
}
