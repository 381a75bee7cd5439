//! fieldcase field app: the Tauri 2 shell. It opens the device store, starts the sync thread,
//! and answers the UI's commands (`commands`) — each a thin call into `fieldcase_core::app`.
//! When the store cannot be opened the window opens anyway and the UI shows why (`startup`).
//! Platform parts: location comes from the geolocation plugin on Android/iOS and from the
//! WebView or a manual entry on desktop (ui/src/app/platform/location.ts); photos come from the
//! WebView's file input (camera capture on phones, a picker on desktop).

mod commands;
#[cfg(test)]
mod ipc_tests;
mod paths;
mod startup;
mod webview;

use std::sync::Arc;

use fieldcase_core::app::{App, AppError};
use tauri::Manager;

pub use commands::Shared;

/// Registers the commands and the platform plugins on a builder (the real one or a test's).
pub fn builder<R: tauri::Runtime>(b: tauri::Builder<R>) -> tauri::Builder<R> {
    b.invoke_handler(commands::handler())
}

/// Runs the app.
pub fn run() {
    let b = builder(tauri::Builder::default());
    #[cfg(mobile)]
    let b = b.plugin(tauri_plugin_geolocation::init());
    let result = b
        .setup(|app| {
            let store = paths::store_dir(app);
            let forms = paths::forms_dir(app);
            let spec = std::env::var(fieldcase_core::store::key_store::ENV).ok();
            let shown = store.as_ref().ok().map(|s| s.display().to_string());
            let open = move || {
                let store = store.as_ref().map_err(|e| startup::start_error(e))?;
                let forms = forms.as_ref().map_err(|e| startup::start_error(e))?;
                startup::open_store(store, forms, spec.as_deref())
            };
            let opening = startup::Opening::open(shown, Box::new(open), Box::new(start_sync));
            if let Err(e) = opening.app() {
                // The window still opens and shows this; the line is for whoever started it.
                eprintln!("fieldcase-app: the device store did not open: {e}");
            }
            app.manage::<Shared>(Arc::new(opening));
            webview::tune(app)?;
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("fieldcase-app: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event
            && let Some(shared) = handle.try_state::<Shared>()
        {
            shared.stop();
        }
    });
}

/// Starts the sync thread of an opened store.
fn start_sync(app: &Arc<App>) -> Result<(), AppError> {
    let worker = Arc::clone(app);
    std::thread::Builder::new()
        .name("fieldcase-sync".into())
        .spawn(move || worker.sync_loop())
        .map(|_| ())
        .map_err(|e| startup::start_error(&format!("no sync thread: {e}")))
}
