//! What leaves the window: an attachment saved where the user picks in the system's save
//! dialog, and a link opened in the system browser. The app layer finds the bytes and
//! vets the address; this module only owns the dialog and the hand-over.

use mailcall_api::{link_to_open, ApiError};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime, State, Url};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event;

use crate::mail::Core;

type Result<T> = std::result::Result<T, ApiError>;

/// A link in a message was clicked: the page shows `url` and asks before it opens.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct LinkClicked {
    pub url: String,
}

/// Keeps every webview on the app's own pages. A click on a link in a message's frame
/// (which runs no script, so the page cannot listen inside it) arrives here as that
/// frame's navigation: it is stopped and handed to the page as [`LinkClicked`], so the
/// real address is shown before anything leaves the app. Nothing else navigates.
pub fn links<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("mailcall-links")
        .on_navigation(|webview, url| {
            if own_page(url) {
                return true;
            }
            let _ = LinkClicked {
                url: url.to_string(),
            }
            .emit(webview.app_handle());
            false
        })
        .build()
}

/// The app's own pages and the message frame's document; in development also the UI's
/// dev server.
fn own_page(url: &Url) -> bool {
    match url.scheme() {
        // Not `data:` or `blob:`: a document of those in the message frame would be
        // outside the frame's Content-Security-Policy.
        "tauri" | "about" => true,
        "http" | "https" => {
            matches!(url.host_str(), Some("tauri.localhost"))
                || (cfg!(debug_assertions)
                    && url.host_str() == Some("localhost")
                    && url.port() == Some(5173))
        }
        _ => false,
    }
}

/// Asks where to save attachment `index` of message `id` and saves it there. `None` when
/// the user closed the dialog; otherwise the path written.
#[tauri::command]
#[specta::specta]
pub async fn save_attachment(
    app: AppHandle,
    core: State<'_, Core>,
    account: String,
    id: String,
    index: u32,
) -> Result<Option<String>> {
    let api = core.api().await?;
    let name = api.attachment_name(&account, id.clone(), index).await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Save attachment")
        .set_file_name(&name)
        .save_file(move |picked| {
            let _ = tx.send(picked);
        });
    let Some(picked) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = picked
        .into_path()
        .map_err(|e| ApiError::invalid(format!("That place cannot be saved to: {e}")))?;
    api.save_attachment(&account, id, index, path)
        .await
        .map(Some)
}

/// Opens `url` (a link the user clicked in a message and confirmed after seeing it) in
/// the system browser or mail handler.
#[tauri::command]
#[specta::specta]
pub async fn open_link(app: AppHandle, url: String) -> Result<()> {
    let url = link_to_open(&url)?;
    app.opener()
        .open_url(&url, None::<&str>)
        .map_err(|e| ApiError::internal(format!("The browser could not be started: {e}")))
}
