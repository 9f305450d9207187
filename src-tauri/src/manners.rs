//! A desktop app's manners, from Tauri's official plugins: one instance (a second launch
//! brings the first window forward), the window's size and place kept between runs, a log
//! folder with rotation, and a notification when new mail reaches INBOX while the window is
//! in the background.
//!
//! Logs: the core logs through `tracing`, whose `log` feature hands every event to the log
//! plugin while no `tracing` subscriber is installed (none is). Secrets never reach a log:
//! passwords live in the keyring and are never formatted (`Password` has no `Display`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mailcall_api::AppEvent;
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};
use tauri_plugin_log::{RotationStrategy, Target, TargetKind};
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

use crate::mail::Core;

/// One log file grows to this size before it is rotated.
const LOG_FILE_BYTES: u128 = 2 * 1024 * 1024;
/// Rotated log files kept.
const LOG_FILES_KEPT: usize = 5;

/// How long the window must stay still before its size and place are written.
const SETTLE: Duration = Duration::from_millis(500);

/// Adds the plugins. Single-instance goes first, so a second launch stops before anything
/// else starts.
pub fn plugins<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(
            tauri_plugin_log::Builder::new()
                .clear_targets()
                .target(Target::new(TargetKind::LogDir { file_name: None }))
                .target(Target::new(TargetKind::Stderr))
                // Libraries log at warn only: zbus at info prints the raw bytes of D-Bus
                // replies, the keyring's secrets among them.
                .level(log::LevelFilter::Warn)
                .level_for("mailcall", log::LevelFilter::Info)
                .level_for("mailcall_app", log::LevelFilter::Info)
                .level_for("mailcall_api", log::LevelFilter::Info)
                .level_for("mailcall_mail", log::LevelFilter::Info)
                .max_file_size(LOG_FILE_BYTES)
                .rotation_strategy(RotationStrategy::KeepSome(LOG_FILES_KEPT))
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .on_window_event(keep_window_state)
}

/// Writes the window's size and place once it settles after a move or resize. The plugin
/// writes them at a normal exit only; an app that is killed, crashes or loses power would
/// come back where it was at the last exit.
fn keep_window_state<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    static LATEST: AtomicU64 = AtomicU64::new(0);
    if !matches!(event, WindowEvent::Resized(_) | WindowEvent::Moved(_)) {
        return;
    }
    let mine = LATEST.fetch_add(1, Ordering::SeqCst) + 1;
    let app = window.app_handle().clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SETTLE).await;
        if LATEST.load(Ordering::SeqCst) == mine {
            if let Err(e) = app.save_window_state(StateFlags::all()) {
                tracing::warn!(error = %e, "the window's size and place were not saved");
            }
        }
    });
}

/// Shows a notification for each batch of new INBOX mail while the main window is not
/// focused. Runs until the app layer stops.
pub fn notify_new_mail<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Ok(api) = app.state::<Core>().api().await else {
            return;
        };
        let mut events = api.subscribe();
        loop {
            use tokio::sync::broadcast::error::RecvError;
            let (account, count) = match events.recv().await {
                Ok(AppEvent::NewMail { account, count }) => (account, count),
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            let focused = app
                .get_webview_window("main")
                .and_then(|w| w.is_focused().ok())
                .unwrap_or(false);
            if focused {
                continue;
            }
            let notice = match api.new_mail_notice(&account, count).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "no notification for new mail");
                    continue;
                }
            };
            let shown = app
                .notification()
                .builder()
                .title(notice.title)
                .body(notice.body)
                .show();
            if let Err(e) = shown {
                tracing::info!(error = %e, "the desktop shows no notifications");
            }
        }
    });
}
