//! Sort commands: each wraps one method of [`mailcall_api::Api`] and nothing more;
//! progress reaches the page as `sortProgress` app events.

use mailcall_api::{ApiError, PlannedRow, SortPlanInfo, SortPreview, SortRule};
use tauri::State;

use crate::mail::Core;

type Result<T> = std::result::Result<T, ApiError>;

#[tauri::command]
#[specta::specta]
pub async fn sort_rules(core: State<'_, Core>, account: String) -> Result<Vec<SortRule>> {
    core.api().await?.sort_rules(&account).await
}

#[tauri::command]
#[specta::specta]
pub async fn save_sort_rule(
    core: State<'_, Core>,
    account: String,
    rule: SortRule,
    replacing: Option<String>,
) -> Result<Vec<SortRule>> {
    core.api()
        .await?
        .save_sort_rule(&account, rule, replacing)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_sort_rule(
    core: State<'_, Core>,
    account: String,
    name: String,
) -> Result<Vec<SortRule>> {
    core.api().await?.delete_sort_rule(&account, name).await
}

#[tauri::command]
#[specta::specta]
pub async fn preview_sort(
    core: State<'_, Core>,
    account: String,
    rules: Vec<SortRule>,
) -> Result<SortPreview> {
    core.api().await?.preview_sort(&account, rules).await
}

#[tauri::command]
#[specta::specta]
pub async fn preview_rows(
    core: State<'_, Core>,
    account: String,
    offset: u32,
    limit: u32,
) -> Result<Vec<PlannedRow>> {
    core.api()
        .await?
        .preview_rows(&account, offset, limit)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn apply_sort(
    core: State<'_, Core>,
    account: String,
    rules: Vec<SortRule>,
) -> Result<SortPlanInfo> {
    core.api().await?.apply_sort(&account, rules).await
}

#[tauri::command]
#[specta::specta]
pub async fn approve_sort_plan(
    core: State<'_, Core>,
    account: String,
    plan: String,
) -> Result<SortPlanInfo> {
    core.api().await?.approve_sort_plan(&account, plan).await
}

#[tauri::command]
#[specta::specta]
pub async fn discard_sort_plan(core: State<'_, Core>, account: String, plan: String) -> Result<()> {
    core.api().await?.discard_sort_plan(&account, plan).await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_sort(core: State<'_, Core>, account: String) -> Result<()> {
    core.api().await?.cancel_sort(&account).await
}

#[tauri::command]
#[specta::specta]
pub async fn sort_plans(core: State<'_, Core>, account: String) -> Result<Vec<SortPlanInfo>> {
    core.api().await?.sort_plans(&account).await
}
