//! Documents produced by an inspection. This crate knows the printed conventions of domain.md §2.6,
//! §2.9 and §9 and nothing of the store or the engine: callers hand it plain values.
//!
//! A transcript is laid out once per sheet (layout.rs, with the words of sections.rs) and drawn
//! either as a PDF (pdf.rs) or as bitmaps for thermal printers (raster.rs).

mod deflate;
pub mod font;
pub mod layout;
pub mod linebreak;
pub mod pdf;
pub mod raster;
mod sections;
pub mod template;
pub mod zh_time;

pub use font::{DocError, Font};
pub use layout::{RenderInput, Sheet, SignatureImage};
