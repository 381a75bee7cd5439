//! The field app's core: one method per thing the app's UI asks for, each taking one argument
//! struct and answering one result or an [`AppError`]. The Tauri shell (src-tauri) is a table of
//! thin commands over these methods ([`api::for_each_command`] lists them once, for the shell and
//! for the generated TypeScript), so no SQL and no rule lives in the shell.
//!
//! Threading: the engine sits behind a mutex that each call holds only for its own work. Sync
//! runs on a thread of its own with a store connection of its own ([`App::sync_loop`]): it
//! borrows the engine only to stamp a pulled page and to learn the center's clock, so a step is
//! never held up by the network.

pub mod api;
mod auth;
mod capture;
pub mod case_screen;
pub mod checklist_view;
mod credential;
pub mod enterprise_file;
pub mod error;
pub mod inbox;
pub mod live_sync;
pub mod pin;
mod preview;
pub mod printing;
mod procedure;
pub mod sealed;
pub mod session;
mod signing_pin;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use fieldcase_protocol::sync::UserInfo;
use serde::Serialize;

use crate::documents::transcript::Renderer;
use crate::engine::Engine;
use crate::engine::geofence;
use crate::env::{Env, SystemEnv};
use crate::forms::FormSet;
use crate::forms::types::StepKind;

pub use api::*;
pub use case_screen::{CaseScreen, ProcedureView, TeamMember};
pub use checklist_view::{ChecklistView, ItemRow, SectionView};
pub use enterprise_file::EnterpriseFile;
pub use error::AppError;
pub use inbox::{Here, InboxItem};
pub use live_sync::{LiveSync, SyncPhase, SyncProgress};
pub use printing::{
    ChosenPrinter, DiscoverArgs, FoundPrinter, JobState, PrintArgs, PrintJob, PrintWhat,
    PrinterModel, PrinterSetup,
};
pub use session::Session;

/// What a call answers.
pub type AppResult<T> = Result<T, AppError>;

/// Where the app stands: what the first screen to show is decided from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppState {
    pub device_id: String,
    /// The device's public key (hex), as the center enrolled it.
    pub public_key: String,
    pub enrolled: bool,
    pub server: Option<String>,
    pub user: Option<UserInfo>,
    /// The enrolled user has an offline PIN on this device.
    pub pin_set: bool,
    pub session: Option<Session>,
    /// The procedures and checklists this app carries (id → version).
    pub forms: Vec<(String, String)>,
    /// The center revoked this device: the store is locked (the UI shows the lock screen).
    pub locked: Option<crate::sync::DeviceLock>,
}

/// The app over one device store.
#[derive(Debug)]
pub struct App<E: Env = SystemEnv> {
    engine: Mutex<Engine<E>>,
    dir: PathBuf,
    forms_dir: PathBuf,
    session: Mutex<Option<Session>>,
    renderer: OnceLock<Result<Renderer, AppError>>,
    live: live_sync::Live,
    jobs: printing::Jobs,
}

impl<E: Env> App<E> {
    /// Opens (or creates) the device store in `dir` with the forms in `forms_dir`.
    pub fn open(dir: &Path, forms_dir: &Path, env: E) -> AppResult<Self> {
        let forms = FormSet::load(forms_dir).map_err(crate::error::CoreError::from)?;
        let engine = Engine::open(dir, forms, env)?;
        Ok(App {
            engine: Mutex::new(engine),
            dir: dir.to_path_buf(),
            forms_dir: forms_dir.to_path_buf(),
            session: Mutex::new(None),
            renderer: OnceLock::new(),
            live: live_sync::Live::default(),
            jobs: printing::Jobs::default(),
        })
    }

    fn engine(&self) -> MutexGuard<'_, Engine<E>> {
        // A panic while holding the engine cannot leave the store half-written (every write is
        // one transaction), so a poisoned lock is safe to take over.
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn session_guard(&self) -> MutexGuard<'_, Option<Session>> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The signed-in user, or the refusal every step gets without one.
    fn signed_in(&self) -> AppResult<Session> {
        self.session_guard().clone().ok_or_else(|| {
            AppError::new(
                "auth.signed_out",
                "请先用离线密码登录",
                "sign in with your offline PIN first",
            )
        })
    }

    fn renderer(&self) -> AppResult<&Renderer> {
        self.renderer
            .get_or_init(|| Renderer::load(&self.forms_dir).map_err(AppError::from))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Checks a fix against the case's site before it is recorded (the check-in screen shows it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GeofenceView {
    pub distance_m: f64,
    pub inside: bool,
    pub radius_m: f64,
    pub accuracy_m: f64,
    /// The site's boundary is a drawn polygon (else a circle of `radius_m`).
    pub has_boundary: bool,
}

pub(crate) fn geofence_view<E: Env>(
    engine: &Engine<E>,
    case_id: &str,
    fix: &crate::engine::command::FixInput,
) -> AppResult<GeofenceView> {
    let case = engine.case(case_id)?;
    let ent = engine
        .store()
        .enterprise(&case.enterprise_id)?
        .ok_or_else(|| AppError::new("input.unknown_enterprise", "找不到企业", "no enterprise"))?;
    let radius_m = engine
        .forms()
        .procedure(&case.procedure.id)
        .map(|p| p.rules.geofence_radius_m)
        .unwrap_or(0.0);
    let g = geofence::check(
        fix.point(),
        fix.accuracy_m,
        ent.location,
        ent.boundary.as_deref(),
        radius_m,
    );
    Ok(GeofenceView {
        distance_m: g.distance_m,
        inside: g.inside,
        radius_m,
        accuracy_m: fix.accuracy_m,
        has_boundary: ent.boundary.as_ref().is_some_and(|b| b.len() >= 3),
    })
}

/// Whether the procedure of a case has a step of this kind.
pub(crate) fn has_step(forms: &FormSet, procedure: &str, kind: StepKind) -> bool {
    forms
        .procedure(procedure)
        .is_some_and(|p| p.steps.iter().any(|s| s.kind == kind))
}
