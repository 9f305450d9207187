//! The desktop host: window setup, typed commands and events, and the Linux webview
//! configuration. Everything a user can do lives in the core crates (mail and calls in
//! `mailcall_api`); this crate only wires them to the window.

mod assistants;
mod call;
mod commands;
mod contract;
mod error;
mod insights;
mod mail;
mod manners;
mod outside;
mod sorting;
#[cfg(target_os = "linux")]
mod webkit;

pub use contract::{export_bindings, specta_builder, BINDINGS_PATH};

use tauri::webview::{PermissionKind, PermissionResponse};
use tauri::Manager;

/// Starts the app and blocks until its last window closes.
pub fn run() {
    let specta = specta_builder();
    let result = manners::plugins(tauri::Builder::default())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(outside::links())
        .manage(mail::Core::load())
        .invoke_handler(specta.invoke_handler())
        // Calls need camera and microphone; nothing else the page asks for is granted.
        .on_permission_request(|_, kind| match kind {
            PermissionKind::Camera | PermissionKind::Microphone => PermissionResponse::Allow,
            _ => PermissionResponse::Default,
        })
        .setup(move |app| {
            // The first line of each run in the log: which version wrote what follows.
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "Mailcall started");
            specta.mount_events(app);
            commands::setup(app)?;
            manners::notify_new_mail(app.handle());
            Ok(())
        })
        .build(tauri::generate_context!("tauri.conf.json"))
        .map(|app| {
            app.run(|handle, event| {
                if let tauri::RunEvent::Exit = event {
                    // Every account's connections log out and its tasks end before exit.
                    if let Some(core) = handle.try_state::<mail::Core>() {
                        tauri::async_runtime::block_on(core.shutdown());
                    }
                }
            })
        });
    if let Err(error) = result {
        eprintln!("mailcall: the app could not run: {error}");
        std::process::exit(1);
    }
}
