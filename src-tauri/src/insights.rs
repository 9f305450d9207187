//! Waiting-for-reply and senders commands: each wraps one method of
//! [`mailcall_api::Api`] and nothing more.

use mailcall_api::{
    ApiError, FirstLine, PeriodArg, SenderMark, SenderStat, SendersReport, WaitingCount,
    WaitingPage,
};
use tauri::State;

use crate::mail::Core;

type Result<T> = std::result::Result<T, ApiError>;

#[tauri::command]
#[specta::specta]
pub async fn waiting(
    core: State<'_, Core>,
    account: String,
    period: PeriodArg,
    limit: u32,
) -> Result<WaitingPage> {
    core.api().await?.waiting(&account, period, limit).await
}

#[tauri::command]
#[specta::specta]
pub async fn waiting_counts(
    core: State<'_, Core>,
    account: String,
    days: Vec<u32>,
) -> Result<Vec<WaitingCount>> {
    core.api().await?.waiting_counts(&account, days).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_handled(
    core: State<'_, Core>,
    account: String,
    id: String,
    handled: bool,
) -> Result<()> {
    core.api().await?.set_handled(&account, id, handled).await
}

#[tauri::command]
#[specta::specta]
pub async fn senders_report(
    core: State<'_, Core>,
    account: String,
    period: PeriodArg,
    limit: u32,
) -> Result<SendersReport> {
    core.api()
        .await?
        .senders_report(&account, period, limit)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn mark_sender(
    core: State<'_, Core>,
    account: String,
    address: String,
    mark: SenderMark,
) -> Result<SenderStat> {
    core.api().await?.mark_sender(&account, address, mark).await
}

#[tauri::command]
#[specta::specta]
pub async fn first_lines(
    core: State<'_, Core>,
    account: String,
    ids: Vec<String>,
) -> Result<Vec<FirstLine>> {
    core.api().await?.first_lines(&account, ids).await
}
