//! Commands and events of the app shell: versions and the webview's configuration,
//! shown by the diagnostics view.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{App, Manager, State};
use tauri_specta::Event;

use crate::error::AppError;

/// Versions of the app and of what it runs on.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's own version (Cargo package version).
    pub app_version: String,
    /// The Tauri runtime version.
    pub tauri_version: String,
    /// The system webview's version (WebKitGTK, WebView2 or WKWebView).
    pub webview_version: String,
    /// Operating system and CPU architecture, e.g. `linux x86_64`.
    pub platform: String,
}

/// What the host switched on in the webview at startup.
#[derive(Debug, Clone, Default, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WebviewSetup {
    /// Which webview engine this platform uses.
    pub engine: String,
    /// One entry per setting or feature the host tried to turn on.
    pub settings: Vec<WebviewSetting>,
}

/// One webview setting and whether it is on.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WebviewSetting {
    pub name: String,
    pub enabled: bool,
    /// Why it is off, when it is.
    pub note: Option<String>,
}

/// A message from the core the page should show (e.g. a setup step that failed).
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct CoreNotice {
    pub level: NoticeLevel,
    pub message: String,
}

/// How important a [`CoreNotice`] is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum NoticeLevel {
    Info,
    Warning,
}

/// Versions of the app, Tauri and the webview.
#[tauri::command]
#[specta::specta]
pub fn app_info() -> AppInfo {
    AppInfo {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        tauri_version: tauri::VERSION.to_owned(),
        webview_version: tauri::webview_version().unwrap_or_else(|e| format!("unknown ({e})")),
        platform: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
    }
}

/// What the host configured in the webview at startup.
#[tauri::command]
#[specta::specta]
pub fn webview_setup(
    state: State<'_, Mutex<Option<WebviewSetup>>>,
) -> Result<WebviewSetup, AppError> {
    let guard = state.lock().map_err(|_| AppError::NotReady {
        message: "webview setup state is poisoned".to_owned(),
    })?;
    guard.clone().ok_or_else(|| AppError::NotReady {
        message: "the webview has not been configured yet".to_owned(),
    })
}

/// Configures the main window's webview and records what was switched on.
pub fn setup(app: &mut App) -> tauri::Result<()> {
    app.manage(Mutex::new(None::<WebviewSetup>));
    let Some(window) = app.get_webview_window("main") else {
        return Ok(());
    };
    let handle = app.handle().clone();
    window.with_webview(move |platform| {
        let setup = configure(platform);
        for setting in setup.settings.iter().filter(|s| !s.enabled) {
            let message = format!(
                "{} is off: {}",
                setting.name,
                setting.note.as_deref().unwrap_or("unknown reason")
            );
            let _ = CoreNotice {
                level: NoticeLevel::Warning,
                message,
            }
            .emit(&handle);
        }
        if let Some(state) = handle.try_state::<Mutex<Option<WebviewSetup>>>() {
            if let Ok(mut slot) = state.lock() {
                *slot = Some(setup);
            }
        }
    })
}

#[cfg(target_os = "linux")]
fn configure(platform: tauri::webview::PlatformWebview) -> WebviewSetup {
    crate::webkit::configure(&platform.inner())
}

#[cfg(not(target_os = "linux"))]
fn configure(_platform: tauri::webview::PlatformWebview) -> WebviewSetup {
    // WebView2 and WKWebView ship WebRTC on by default: nothing to switch on.
    WebviewSetup {
        engine: std::env::consts::OS.to_owned(),
        settings: Vec::new(),
    }
}
