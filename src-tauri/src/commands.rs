//! The app's commands: one per entry of `fieldcase_core::for_each_command!`, each taking its
//! argument struct, making the one `App` call of the same name on a blocking thread (PIN
//! hashing and rendering take a moment; the WebView's event loop must not wait), and answering
//! the result or the core's `{code, zh, en}`. Nothing else happens here.

use std::sync::Arc;

use fieldcase_core::app::{App, AppError};

/// The app as Tauri manages it.
pub type Shared = Arc<App>;

macro_rules! commands {
    ($($name:ident: $args:ty => $ret:ty,)*) => {
        $(
            #[tauri::command]
            pub async fn $name(app: tauri::State<'_, Shared>, args: $args) -> Result<$ret, AppError> {
                let app = Arc::clone(&app);
                tauri::async_runtime::spawn_blocking(move || app.$name(args))
                    .await
                    .map_err(|e| AppError::new(
                        "app.internal",
                        format!("程序内部错误，操作未完成：{e}"),
                        format!("internal error, nothing was done: {e}"),
                    ))?
            }
        )*

        /// The invoke handler with every command.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// The names the handler answers (the shell's test checks them against the table).
        #[cfg(test)]
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

fieldcase_core::for_each_command!(commands);
