//! The app's commands: one per entry of `fieldcase_core::for_each_command!`, each taking its
//! argument struct, making the one `App` call of the same name on a blocking thread (PIN
//! hashing and rendering take a moment; the WebView's event loop must not wait), and answering
//! the result or the core's `{code, zh, en}` — while the device store could not be opened, the
//! error that kept it closed. Beside them `startup` (`for_each_shell_command!`), which the UI
//! asks first: whether the store opened, and with `retry` an attempt to open it again. Nothing
//! else happens here.

use std::sync::Arc;

use fieldcase_core::app::{AppError, Startup, StartupArgs};

/// The app as Tauri manages it: the opened store, or why it could not be opened.
pub type Shared = Arc<crate::startup::Opening>;

/// Runs `f` on a blocking thread.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| {
        AppError::new(
            "app.internal",
            format!("程序内部错误，操作未完成：{e}"),
            format!("internal error, nothing was done: {e}"),
        )
    })?
}

/// Whether the device store opened at start; with `retry`, tries again first.
#[tauri::command]
pub async fn startup(
    shared: tauri::State<'_, Shared>,
    args: StartupArgs,
) -> Result<Startup, AppError> {
    if !args.retry {
        return Ok(shared.startup());
    }
    let shared = Arc::clone(&shared);
    blocking(move || Ok(shared.retry())).await
}

macro_rules! commands {
    ($($name:ident: $args:ty => $ret:ty,)*) => {
        $(
            #[tauri::command]
            pub async fn $name(shared: tauri::State<'_, Shared>, args: $args) -> Result<$ret, AppError> {
                let app = shared.app()?;
                blocking(move || app.$name(args)).await
            }
        )*

        /// The invoke handler with every command.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![startup, $($name),*]
        }

        /// The names the handler answers (the shell's test checks them against the table).
        #[cfg(test)]
        pub const NAMES: &[&str] = &["startup", $(stringify!($name)),*];
    };
}

fieldcase_core::for_each_command!(commands);
