//! Where the app keeps its device store and finds its forms. Overridable with environment
//! variables so the demo and the end-to-end test run the app on a store and forms of their own.

use std::path::PathBuf;

use tauri::{Manager, Runtime};

/// The device store: `FIELDCASE_APP_DATA`, else the platform's app data folder + `device`.
pub fn store_dir<R: Runtime>(app: &tauri::App<R>) -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("FIELDCASE_APP_DATA") {
        return Ok(PathBuf::from(dir));
    }
    app.path()
        .app_data_dir()
        .map(|d| d.join("device"))
        .map_err(|e| format!("no app data folder: {e}"))
}

/// The forms: `FIELDCASE_FORMS`, else the `forms` resource bundled with the app.
pub fn forms_dir<R: Runtime>(app: &tauri::App<R>) -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("FIELDCASE_FORMS") {
        return Ok(PathBuf::from(dir));
    }
    app.path()
        .resource_dir()
        .map(|d| d.join("forms"))
        .map_err(|e| format!("no resource folder: {e}"))
}
