//! The mail commands: each wraps one method of [`mailcall_api::Api`] and nothing more;
//! events reach the page through a [`Channel`] the page opens with `subscribe`.
//!
//! The app layer loads in the background at startup (reading the keyring may take a
//! moment); commands that arrive before it is ready wait for it.

use mailcall_api::{
    AccountForm, AccountInfo, AccountStatus, Action, ActionResult, Api, ApiError, ApiOptions,
    AppEvent, DraftSaved, FolderInfo, MessagePage, MessageRow, MessageView, ReplyPreview,
    SavedSearch, Selection, Settings, ThreadPage,
};
use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::watch;

type Result<T> = std::result::Result<T, ApiError>;

/// The app layer once loaded, or why it could not load.
pub struct Core {
    ready: watch::Receiver<Option<Result<Api>>>,
}

impl Core {
    /// Starts loading the accounts on Tauri's runtime.
    pub fn load() -> Core {
        let (tx, rx) = watch::channel(None);
        tauri::async_runtime::spawn(async move {
            let loaded = match ApiOptions::from_env() {
                Ok(opts) => Api::load(opts).await,
                Err(e) => Err(e),
            };
            if let Err(e) = &loaded {
                tracing::error!(error = %e, "the mail accounts could not be loaded");
            }
            let _ = tx.send(Some(loaded));
        });
        Core { ready: rx }
    }

    /// The app layer, after waiting for it to load.
    pub async fn api(&self) -> Result<Api> {
        let mut ready = self.ready.clone();
        let loaded = ready
            .wait_for(Option::is_some)
            .await
            .map_err(|_| ApiError::internal("the app layer stopped while loading"))?;
        match loaded.as_ref() {
            Some(r) => r.clone(),
            None => Err(ApiError::internal("the app layer is not loaded")),
        }
    }

    /// Stops every account (at exit).
    pub async fn shutdown(&self) {
        if let Ok(api) = self.api().await {
            api.shutdown().await;
        }
    }
}

/// Sends every event of the app layer to `channel` until the page goes away; the status
/// of each account comes first, so the page starts from the present.
#[tauri::command]
#[specta::specta]
pub async fn subscribe(core: State<'_, Core>, channel: Channel<AppEvent>) -> Result<()> {
    let api = core.api().await?;
    let events = api.subscribe();
    for status in api.statuses().await {
        channel
            .send(AppEvent::Status { status })
            .map_err(|e| ApiError::internal(format!("the page closed the event channel: {e}")))?;
    }
    pipe(events, channel);
    Ok(())
}

/// Sends what `updates` carries to `channel` until the page closes it. A page that lags
/// loses the oldest updates: it reads counts, lists and rosters again on the next change.
pub(crate) fn pipe<T>(mut updates: tokio::sync::broadcast::Receiver<T>, channel: Channel<T>)
where
    T: Clone + Send + serde::Serialize + tauri::ipc::IpcResponse + 'static,
{
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match updates.recv().await {
                Ok(update) => {
                    if channel.send(update).is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    });
}

#[tauri::command]
#[specta::specta]
pub async fn accounts(core: State<'_, Core>) -> Result<Vec<AccountInfo>> {
    core.api().await?.accounts().await
}

#[tauri::command]
#[specta::specta]
pub async fn account_status(core: State<'_, Core>, account: String) -> Result<AccountStatus> {
    core.api().await?.status(&account).await
}

#[tauri::command]
#[specta::specta]
pub async fn test_account(core: State<'_, Core>, form: AccountForm) -> Result<()> {
    core.api().await?.test_account(form).await
}

#[tauri::command]
#[specta::specta]
pub async fn add_account(core: State<'_, Core>, form: AccountForm) -> Result<AccountInfo> {
    core.api().await?.add_account(form).await
}

#[tauri::command]
#[specta::specta]
pub async fn update_account(
    core: State<'_, Core>,
    account: String,
    form: AccountForm,
) -> Result<AccountInfo> {
    core.api().await?.update_account(account, form).await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_account(
    core: State<'_, Core>,
    account: String,
    delete_cache: bool,
) -> Result<()> {
    core.api()
        .await?
        .remove_account(account, delete_cache)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn folders(core: State<'_, Core>, account: String) -> Result<Vec<FolderInfo>> {
    core.api().await?.folders(&account).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_messages(
    core: State<'_, Core>,
    account: String,
    folder: String,
    offset: u32,
    limit: u32,
) -> Result<MessagePage> {
    core.api()
        .await?
        .list_messages(&account, folder, offset, limit)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn list_threads(
    core: State<'_, Core>,
    account: String,
    folder: String,
    offset: u32,
    limit: u32,
) -> Result<ThreadPage> {
    core.api()
        .await?
        .list_threads(&account, folder, offset, limit)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn thread(core: State<'_, Core>, account: String, id: String) -> Result<Vec<MessageRow>> {
    core.api().await?.thread(&account, id).await
}

#[tauri::command]
#[specta::specta]
pub async fn open_message(
    core: State<'_, Core>,
    account: String,
    id: String,
    load_remote: bool,
) -> Result<MessageView> {
    core.api()
        .await?
        .open_message(&account, id, load_remote)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn search(
    core: State<'_, Core>,
    account: String,
    query: String,
    offset: u32,
    limit: u32,
) -> Result<MessagePage> {
    core.api()
        .await?
        .search(&account, query, offset, limit)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn act(
    core: State<'_, Core>,
    account: String,
    action: Action,
    selection: Selection,
) -> Result<ActionResult> {
    core.api().await?.act(&account, action, selection).await
}

#[tauri::command]
#[specta::specta]
pub async fn undo(core: State<'_, Core>, account: String) -> Result<ActionResult> {
    core.api().await?.undo(&account).await
}

#[tauri::command]
#[specta::specta]
pub async fn reply_preview(
    core: State<'_, Core>,
    account: String,
    id: String,
    all: bool,
) -> Result<ReplyPreview> {
    core.api().await?.reply_preview(&account, id, all).await
}

#[tauri::command]
#[specta::specta]
pub async fn save_reply_draft(
    core: State<'_, Core>,
    account: String,
    id: String,
    all: bool,
    body: String,
) -> Result<DraftSaved> {
    core.api()
        .await?
        .save_reply_draft(&account, id, all, body)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn create_folder(core: State<'_, Core>, account: String, path: String) -> Result<()> {
    core.api().await?.create_folder(&account, path).await
}

#[tauri::command]
#[specta::specta]
pub async fn rename_folder(
    core: State<'_, Core>,
    account: String,
    from: String,
    to: String,
) -> Result<()> {
    core.api().await?.rename_folder(&account, from, to).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_folder(core: State<'_, Core>, account: String, path: String) -> Result<()> {
    core.api().await?.delete_folder(&account, path).await
}

#[tauri::command]
#[specta::specta]
pub async fn sync_now(core: State<'_, Core>, account: String) -> Result<()> {
    core.api().await?.sync_now(&account).await
}

#[tauri::command]
#[specta::specta]
pub async fn settings(core: State<'_, Core>) -> Result<Settings> {
    Ok(core.api().await?.settings().await)
}

#[tauri::command]
#[specta::specta]
pub async fn set_settings(core: State<'_, Core>, settings: Settings) -> Result<()> {
    core.api().await?.set_settings(settings).await
}

#[tauri::command]
#[specta::specta]
pub async fn saved_searches(core: State<'_, Core>) -> Result<Vec<SavedSearch>> {
    Ok(core.api().await?.saved_searches().await)
}

#[tauri::command]
#[specta::specta]
pub async fn save_search(core: State<'_, Core>, search: SavedSearch) -> Result<Vec<SavedSearch>> {
    core.api().await?.save_search(search).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_search(core: State<'_, Core>, name: String) -> Result<Vec<SavedSearch>> {
    core.api().await?.delete_search(name).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_remote_content(core: State<'_, Core>, sender: String, always: bool) -> Result<()> {
    core.api().await?.set_remote_content(sender, always).await
}
