//! fieldcase field app: the Tauri 2 shell. It opens the device store, starts the sync thread,
//! and answers the UI's commands (`commands`) — each a thin call into `fieldcase_core::app`.
//! Platform parts: location comes from the geolocation plugin on Android/iOS and from the
//! WebView or a manual entry on desktop (ui/src/app/platform/location.ts); photos come from the
//! WebView's file input (camera capture on phones, a picker on desktop).

mod commands;
#[cfg(test)]
mod ipc_tests;
mod paths;
mod webview;

use std::sync::Arc;

use fieldcase_core::app::App;
use fieldcase_core::env::SystemEnv;
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
            let store = paths::store_dir(app)?;
            let forms = paths::forms_dir(app)?;
            // The store's key lives in the platform key store (FIELDCASE_KEY_STORE=dir:PATH
            // names a key folder instead, for machines without one: CI, the Xvfb demo).
            let spec = std::env::var(fieldcase_core::store::key_store::ENV).ok();
            fieldcase_core::store::key_store::choose_for_program(spec.as_deref())
                .map_err(|e| format!("{}: {e}", store.display()))?;
            let shared: Shared = Arc::new(
                App::open(&store, &forms, SystemEnv)
                    .map_err(|e| format!("{}: {e}", store.display()))?,
            );
            let worker = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("fieldcase-sync".into())
                .spawn(move || worker.sync_loop())?;
            app.manage(shared);
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
            shared.stop_sync();
        }
    });
}
