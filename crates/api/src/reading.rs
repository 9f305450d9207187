//! The reading pane's body: the message's full source (cached once opened, fetched with
//! `BODY.PEEK[]` otherwise) rendered by the engine's reader into sanitized HTML for a
//! script-less frame, with remote content blocked unless the user allowed it for this
//! message or always for its sender (then fetched by the core, without cookies or
//! referrer, and inlined, so the frame's policy can stay "no network").

use std::sync::Arc;

use mailcall_mail::journal::is_provisional;
use mailcall_mail::reader::{self, Reading, RemoteFetcher, RemoteLimits, RemotePolicy};
use mailcall_mail::{MessageDetail, MessageId};

use crate::error::{ApiError, ApiResult};
use crate::live::Live;
use crate::types::AttachmentInfo;

/// What the reader adds to a [`crate::types::MessageView`].
pub(crate) struct Rendered {
    pub html: Option<String>,
    pub remote_blocked: u32,
    pub attachments: Vec<AttachmentInfo>,
}

/// Renders the opened message. `Ok(None)` when its source cannot be had now (offline and
/// never opened, or not on the server yet): the plain text still shows.
pub(crate) async fn render(
    live: &Live,
    detail: &MessageDetail,
    load_remote: bool,
) -> ApiResult<Option<Rendered>> {
    let Some(raw) = source(live, detail).await? else {
        return Ok(None);
    };
    let raw: Arc<[u8]> = raw.into();
    let reading = if load_remote {
        let fetcher =
            RemoteFetcher::new(RemoteLimits::default()).map_err(|e| ApiError::Internal {
                message: format!("Remote content cannot be loaded: {e}"),
            })?;
        reader::render_allowing_remote(raw, &fetcher).await
    } else {
        tokio::task::spawn_blocking(move || reader::render(&raw, &RemotePolicy::Block))
            .await
            .map_err(|e| ApiError::Internal {
                message: format!("The message could not be rendered: {e}"),
            })?
    };
    Ok(Some(rendered(reading)))
}

/// Attachment `index` of the message, from its cached or freshly fetched source.
pub(crate) async fn attachment(
    live: &Live,
    detail: &MessageDetail,
    index: u32,
) -> ApiResult<reader::SavedAttachment> {
    let raw = source(live, detail)
        .await?
        .ok_or_else(|| ApiError::Offline {
            message:
                "The attachment is not in the local copy yet, and the server cannot be reached now."
                    .into(),
        })?;
    let index = usize::try_from(index).unwrap_or(usize::MAX);
    tokio::task::spawn_blocking(move || reader::attachment(&raw, index))
        .await
        .map_err(|e| ApiError::internal(format!("The attachment could not be read: {e}")))?
        .map_err(|e| ApiError::not_found(format!("{e}")))
}

async fn source(live: &Live, detail: &MessageDetail) -> ApiResult<Option<Vec<u8>>> {
    let id: MessageId = detail.summary.id;
    if let Some(raw) = live.reads.run(move |s| s.raw_message(id)).await? {
        return Ok(Some(raw));
    }
    if is_provisional(detail.summary.uid) {
        return Ok(None);
    }
    let Ok(service) = live.service() else {
        return Ok(None);
    };
    // Offline or gone from the server: the text from the cache is what there is.
    Ok(service.message_source(id).await.ok())
}

fn rendered(reading: Reading) -> Rendered {
    Rendered {
        html: reading.html,
        remote_blocked: u32::try_from(reading.blocked_remote).unwrap_or(u32::MAX),
        attachments: reading
            .attachments
            .iter()
            .filter(|a| !a.inline)
            .map(|a| AttachmentInfo {
                index: u32::try_from(a.index).unwrap_or(u32::MAX),
                name: a
                    .filename
                    .clone()
                    .unwrap_or_else(|| format!("attachment-{}", a.index + 1)),
                mime_type: a.mime.clone(),
                size: u32::try_from(a.size).unwrap_or(u32::MAX),
            })
            .collect(),
    }
}
