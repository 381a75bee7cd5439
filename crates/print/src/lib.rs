//! Printing for fieldcase: printer profiles (data in `forms/printers.yaml`), a small ESC/POS
//! encoder (GB18030 text, banded `GS v 0` raster with Floyd–Steinberg dithering, QR), print jobs
//! (receipts, raster pages, sample labels), transports (file/RFCOMM node, TCP 9100, BLE, memory)
//! and a virtual printer that decodes ESC/POS back into page images.

pub mod error;
pub mod escpos;
pub mod jobs;
pub mod profile;
pub mod render;
pub mod transport;
pub mod virtual_printer;

pub use error::{DecodeError, PrintError};
pub use escpos::{Align, Bitmap, Job};
pub use jobs::{Receipt, SampleLabel, raster_pages, receipt, sample_label};
pub use profile::{BleIds, LabelSize, PrinterKind, PrinterProfile, ProfileError, load_profiles};
pub use transport::{FileTransport, MemoryTransport, TcpTransport, Transport};
