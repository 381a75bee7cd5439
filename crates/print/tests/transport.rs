mod common;

use fieldcase_print::transport::{BleOptions, BleTarget, BleTransport, discover};
use fieldcase_print::virtual_printer::{decode, serve_tcp};
use fieldcase_print::{
    FileTransport, MemoryTransport, PrintError, TcpTransport, Transport, raster_pages,
};
use image::{GrayImage, Luma};
use std::net::TcpListener;
use std::time::Duration;

fn job() -> Vec<u8> {
    let profile = common::profile("generic-58");
    let page = GrayImage::from_fn(384, 120, |x, y| Luma([((x + y) % 255) as u8]));
    raster_pages(&profile, &[page.clone(), page])
}

#[test]
fn tcp_job_to_virtual_printer_writes_pngs() {
    let profile = common::profile("generic-58");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("fieldcase-print-tcp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let server = {
        let dir = dir.clone();
        let profile = profile.clone();
        std::thread::spawn(move || serve_tcp(listener, &profile, &dir, 2))
    };
    let bytes = job();
    for _ in 0..2 {
        let mut t = TcpTransport::new(format!("127.0.0.1:{port}"));
        let mut calls = 0;
        let mut last = (0, 0);
        t.send(&bytes, &mut |s, n| {
            calls += 1;
            last = (s, n);
        })
        .unwrap();
        assert!(calls >= 1);
        assert_eq!(last, (bytes.len(), bytes.len()));
    }
    let files = server.join().unwrap().unwrap();
    assert_eq!(files.len(), 4, "2 jobs × 2 pages: {files:?}");
    for f in &files {
        let img = image::open(f).unwrap().to_luma8();
        assert_eq!(img.width(), 384);
    }
    assert!(
        files[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("job001-p1")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tcp_connect_refused_is_an_error() {
    // Bind then drop to get a free loopback port with nobody listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut t = TcpTransport::new(format!("127.0.0.1:{port}"));
    t.connect_timeout = Duration::from_millis(500);
    let err = t.send(b"\x1b@", &mut |_, _| {}).unwrap_err();
    assert!(
        matches!(err, PrintError::Io { .. } | PrintError::Timeout(_)),
        "{err:?}"
    );
}

#[test]
fn memory_transport_records_and_drop_is_reported() {
    let bytes = job();
    let mut ok = MemoryTransport::new();
    ok.send(&bytes, &mut |_, _| {}).unwrap();
    assert_eq!(ok.received, bytes);
    let profile = common::profile("generic-58");
    assert_eq!(decode(&ok.received, &profile).unwrap().len(), 2);

    let mut t = MemoryTransport::dropping_after(1000);
    let mut progress = Vec::new();
    let err = t
        .send(&bytes, &mut |s, n| progress.push((s, n)))
        .unwrap_err();
    match &err {
        PrintError::LinkLost { sent, total, .. } => {
            assert_eq!(*sent, 1000);
            assert_eq!(*total, bytes.len());
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("连接中断"));
    assert_eq!(t.received.len(), 1000);
    assert!(progress.iter().all(|(s, _)| *s <= 1000));
    // The partial stream is a truncated raster: the virtual printer says so with an offset.
    let derr = decode(&t.received, &profile).unwrap_err();
    assert!(derr.message.contains("truncated"), "{derr}");
}

#[test]
fn file_transport_writes_in_chunks() {
    let path =
        std::env::temp_dir().join(format!("fieldcase-print-file-{}.bin", std::process::id()));
    let bytes = job();
    let mut t = FileTransport::new(&path);
    t.chunk = 100;
    let mut calls = 0;
    t.send(&bytes, &mut |_, _| calls += 1).unwrap();
    assert_eq!(calls, bytes.len().div_ceil(100));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let _ = std::fs::remove_file(&path);
    // A missing device node (no RFCOMM binding) is a clear I/O error.
    let mut t = FileTransport::new("/nonexistent-dir/rfcomm0");
    let err = t.send(b"x", &mut |_, _| {}).unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent-dir/rfcomm0"),
        "{err}"
    );
}

#[test]
fn ble_discover_and_connect_report_unavailable_without_panicking() {
    let profiles = common::profiles();
    let r = std::panic::catch_unwind(|| discover(Duration::from_millis(200), &profiles));
    let res = r.expect("discover must not panic");
    match res {
        Err(e @ PrintError::BluetoothUnavailable(_)) => {
            let msg = e.to_string();
            eprintln!("discover: {msg}");
            assert!(
                msg.contains("未找到蓝牙适配器") && msg.contains("Bluetooth is unavailable"),
                "{msg}"
            );
        }
        Err(other) => panic!("expected BluetoothUnavailable, got {other:?}"),
        Ok(found) => eprintln!("a Bluetooth adapter exists here; found {found:?}"),
    }
    let profile = common::profile("generic-58");
    let opts = BleOptions {
        scan_timeout: Duration::from_millis(200),
        ..BleOptions::default()
    };
    let res = BleTransport::connect(&BleTarget::Name("POS58".into()), &profile, opts);
    let err = res.expect_err("no printer named POS58 here");
    eprintln!("connect: {err}");
}
