//! AI-assistant commands: each wraps one method of [`mailcall_api::Api`] and nothing
//! more; tool calls reach the page as `assistantCall` app events.

use mailcall_api::{ApiError, AssistantCall, AssistantStatus};
use tauri::State;

use crate::mail::Core;

type Result<T> = std::result::Result<T, ApiError>;

#[tauri::command]
#[specta::specta]
pub async fn assistant_status(core: State<'_, Core>) -> Result<AssistantStatus> {
    core.api().await?.assistant_status().await
}

#[tauri::command]
#[specta::specta]
pub async fn set_assistants(
    core: State<'_, Core>,
    enabled: bool,
    port: u16,
    account: Option<String>,
) -> Result<AssistantStatus> {
    core.api()
        .await?
        .set_assistants(enabled, port, account)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_allow_changes(
    core: State<'_, Core>,
    account: String,
    allow: bool,
) -> Result<AssistantStatus> {
    core.api().await?.set_allow_changes(&account, allow).await
}

#[tauri::command]
#[specta::specta]
pub async fn assistant_activity(core: State<'_, Core>) -> Result<Vec<AssistantCall>> {
    Ok(core.api().await?.assistant_activity())
}
