//! The call commands: each wraps one call method of [`mailcall_api::Api`] and nothing more.
//! Updates (events and once-a-second statistics) reach the page through a [`Channel`] it
//! opens with `subscribe_call`.

use mailcall_api::{ApiError, CallInfo, CallProfile, CallUpdate, CallView, JoinForm, RosterView};
use std::sync::Arc;

use tauri::ipc::{Channel, InvokeResponseBody, IpcResponse};
use tauri::State;

use crate::mail::Core;

type Result<T> = std::result::Result<T, ApiError>;

/// Sends every call update to `channel` until the page goes away.
#[tauri::command]
#[specta::specta]
pub async fn subscribe_call(core: State<'_, Core>, channel: Channel<CallUpdate>) -> Result<()> {
    crate::mail::pipe(core.api().await?.call_updates(), channel);
    Ok(())
}

/// One packed frame (layout in `mailcall_api`'s call media module). It crosses as a raw
/// body, an `ArrayBuffer` in the page, never as JSON.
#[derive(specta::Type)]
pub struct MediaChunk(#[specta(type = Vec<u8>)] Arc<Vec<u8>>);

impl IpcResponse for MediaChunk {
    fn body(self) -> tauri::Result<InvokeResponseBody> {
        let bytes = Arc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone());
        Ok(InvokeResponseBody::Raw(bytes))
    }
}

/// Sends every received frame of calls to `channel` until the page goes away.
#[tauri::command]
#[specta::specta]
pub async fn subscribe_call_media(
    core: State<'_, Core>,
    channel: Channel<MediaChunk>,
) -> Result<()> {
    let mut frames = core.api().await?.call_media();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        let mut lost = false;
        loop {
            match frames.recv().await {
                Ok(mut frame) => {
                    if std::mem::take(&mut lost) {
                        mark_lost_before(Arc::make_mut(&mut frame).as_mut_slice());
                    }
                    if channel.send(MediaChunk(frame)).is_err() {
                        return;
                    }
                }
                // The page lagged: the next frame says so, and its decoders wait for key
                // frames (and ask for them).
                Err(RecvError::Lagged(_)) => lost = true,
                Err(RecvError::Closed) => return,
            }
        }
    });
    Ok(())
}

/// Sets the packed frame's "messages were lost just before this one" flag (bit 1).
fn mark_lost_before(frame: &mut [u8]) {
    if let Some(flags) = frame.get_mut(1) {
        *flags |= 2;
    }
}

#[tauri::command]
#[specta::specta]
pub async fn request_key_frame(core: State<'_, Core>, mid: String) -> Result<()> {
    core.api().await?.request_key_frame(mid).await
}

#[tauri::command]
#[specta::specta]
pub async fn call_profiles(core: State<'_, Core>) -> Result<Vec<CallProfile>> {
    Ok(core.api().await?.call_profiles().await)
}

#[tauri::command]
#[specta::specta]
pub async fn save_call_profile(
    core: State<'_, Core>,
    profile: CallProfile,
) -> Result<Vec<CallProfile>> {
    core.api().await?.save_call_profile(profile).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_call_profile(core: State<'_, Core>, name: String) -> Result<Vec<CallProfile>> {
    core.api().await?.delete_call_profile(name).await
}

#[tauri::command]
#[specta::specta]
pub async fn join_call(core: State<'_, Core>, form: JoinForm) -> Result<CallInfo> {
    core.api().await?.join_call(form).await
}

#[tauri::command]
#[specta::specta]
pub async fn leave_call(core: State<'_, Core>) -> Result<()> {
    core.api().await?.leave_call().await
}

#[tauri::command]
#[specta::specta]
pub async fn pin_feeds(core: State<'_, Core>, feeds: Vec<String>) -> Result<()> {
    core.api().await?.pin_feeds(feeds).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_call_view(core: State<'_, Core>, view: CallView) -> Result<()> {
    core.api().await?.set_call_view(view).await
}

#[tauri::command]
#[specta::specta]
pub async fn call_roster(core: State<'_, Core>, offset: u32, limit: u32) -> Result<RosterView> {
    core.api().await?.call_roster(offset, limit).await
}

#[tauri::command]
#[specta::specta]
pub async fn search_roster(
    core: State<'_, Core>,
    query: String,
    offset: u32,
    limit: u32,
) -> Result<RosterView> {
    core.api().await?.search_roster(query, offset, limit).await
}
