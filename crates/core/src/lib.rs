//! fieldcase core: the domain, the guided procedure engine, the forms engine and the local store.
//!
//! Nothing here knows about Tauri or axum: the `fieldcase` CLI and the Tauri shell are both thin
//! layers over [`engine::Engine`]. Time and ids come in through [`env::Env`], so every rule is
//! testable without waiting and without global mocks.

pub mod app;
pub mod archive;
pub mod documents;
pub mod engine;
pub mod env;
pub mod error;
pub mod forms;
pub mod model;
pub mod qr_read;
pub mod store;
pub mod sync;
pub mod trust;

pub use engine::{Command, Engine, Outcome, ReferenceBundle};
pub use error::{CoreError, Refusal, Result};
