//! The device store as the app opened it at start: the [`App`], or why it could not be opened.
//!
//! The app opens its window either way. When the store did not open (no key store, the store's
//! key missing or wrong, a damaged store, no forms), the UI's first question, `startup`, answers
//! the error and the UI shows the startup-error screen instead of first run or the PIN pad;
//! every other command answers the same error. `startup` with `retry` tries to open the store
//! again (after the system keyring service was started, say). Nothing here deletes or resets
//! anything. The sync thread runs only for an opened store.

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use fieldcase_core::app::{App, AppError, Startup};
use fieldcase_core::env::SystemEnv;

/// Opens the device store (the key store first); called at start and on each retry.
pub type Opener = Box<dyn Fn() -> Result<App, AppError> + Send + Sync>;
/// What to do with a store once it is open (the app starts its sync thread).
pub type OnOpen = Box<dyn Fn(&Arc<App>) -> Result<(), AppError> + Send + Sync>;

/// The app as Tauri manages it: the opened store or the failure, and how to try again.
pub struct Opening {
    open: Opener,
    on_open: OnOpen,
    /// The store's folder, shown for support.
    store: Option<String>,
    state: RwLock<Result<Arc<App>, AppError>>,
    /// One retry at a time.
    retrying: Mutex<()>,
}

impl Opening {
    /// Tries to open the store once.
    pub fn open(store: Option<String>, open: Opener, on_open: OnOpen) -> Self {
        let state = attempt(&open, &on_open);
        Opening {
            open,
            on_open,
            store,
            state: RwLock::new(state),
            retrying: Mutex::new(()),
        }
    }

    /// The opened app, or the error that kept it from opening (what every command answers then).
    pub fn app(&self) -> Result<Arc<App>, AppError> {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether the store is open, and if not why.
    pub fn startup(&self) -> Startup {
        Startup {
            error: self.app().err(),
            store: self.store.clone(),
        }
    }

    /// Tries to open the store again if it is not open; answers where it stands after.
    pub fn retry(&self) -> Startup {
        let _one = self.retrying.lock().unwrap_or_else(|e| e.into_inner());
        if self.app().is_err() {
            let state = attempt(&self.open, &self.on_open);
            *self.state.write().unwrap_or_else(|e| e.into_inner()) = state;
        }
        self.startup()
    }

    /// Stops the sync thread of an opened store (at exit).
    pub fn stop(&self) {
        if let Ok(app) = self.app() {
            app.stop_sync();
        }
    }
}

impl std::fmt::Debug for Opening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opening")
            .field("store", &self.store)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

fn attempt(open: &Opener, on_open: &OnOpen) -> Result<Arc<App>, AppError> {
    let app = Arc::new(open()?);
    on_open(&app)?;
    Ok(app)
}

/// The app's way to open its store: the key store named by `key_store` (`FIELDCASE_KEY_STORE`:
/// `dir:PATH` names a key folder, for machines without a platform key store — CI, the Xvfb
/// demo), else the platform's; then the store with its forms.
pub fn open_store(store: &Path, forms: &Path, key_store: Option<&str>) -> Result<App, AppError> {
    fieldcase_core::store::key_store::choose_for_program(key_store)?;
    App::open(store, forms, SystemEnv)
}

/// A failure of the app's own start (no app data folder, say), in the core's error shape.
pub fn start_error(what: &str) -> AppError {
    AppError::new(
        "app.start",
        format!("应用无法启动：{what}"),
        format!("the app cannot start: {what}"),
    )
}
