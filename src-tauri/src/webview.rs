//! The WebView's own settings on Linux desktops (WebKitGTK), chosen for memory: the cache model
//! "document viewer". The pages come from the app itself, so WebKit's memory cache of resources
//! and decoded images (sized for browsing the web) would only hold on to images — the transcript
//! previews and photos — long after they left the screen.
//!
//! Not done, measured: compositing off (`WEBKIT_DISABLE_COMPOSITING_MODE=1`) spares the web
//! process Mesa/LLVM (llvmpipe without a GPU) and its GL layers — about 70 MB of its own memory
//! on the first screen — but WebKitGTK 2.50's WebDriver screenshots then never return, so the
//! real-app walk could not check the app so drawn; and the hardware-acceleration policy set on
//! the live WebView comes after its web process has loaded GL.
//!
//! Android and iOS use the system WebView, which sizes these itself.

use tauri::{Manager, Runtime};

/// Sets the main window's WebView to the document viewer's cache model.
pub fn tune<R: Runtime>(app: &tauri::App<R>) -> tauri::Result<()> {
    let Some(window) = app.get_webview_window("main") else {
        return Ok(());
    };
    window.with_webview(|webview| {
        #[cfg(target_os = "linux")]
        {
            use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = webview;
    })
}
