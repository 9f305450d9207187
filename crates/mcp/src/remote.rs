//! Tools and reads that need the server: a body or attachments the cache does not hold
//! (fetched with `BODY.PEEK`, so nothing becomes read), and filling the cache by a sync.

use base64::Engine;
use mail_parser::{MessageParser, MimeHeaders};
use mailcall_mail::{sync_account, MessageDetail, MessageId, SyncEvent, SyncOptions};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::answer::{self, finish, ToolResult};
use crate::args::{AttachmentArgs, NoArgs, SyncArgs};
use crate::error::{Error, Result};
use crate::Bridge;

/// Largest attachment content ever returned.
const MAX_ATTACHMENT_BYTES: u32 = 1_000_000;

#[tool_router(router = remote_router, vis = "pub(crate)")]
impl Bridge {
    #[tool(
        description = "Attachments of a message: file name, MIME type and size; with include_content, the base64 content of the small ones. Fetched from the server without marking the message read (the cache keeps text only).",
        annotations(read_only_hint = true)
    )]
    async fn list_attachments(&self, Parameters(a): Parameters<AttachmentArgs>) -> ToolResult {
        finish(self.attachments(a).await)
    }

    #[tool(
        description = "Sync the cache with the server now: new messages, flag changes, deletions (bodies too with bodies=true). Reads work without it; use when the user asks for the latest mail."
    )]
    async fn sync_cache(&self, Parameters(a): Parameters<SyncArgs>) -> ToolResult {
        let run = async {
            let password = mailcall_mail::Keyring::default()
                .password(&self.cache.account().name)
                .await?;
            let opts = SyncOptions {
                bodies: a.bodies,
                ..SyncOptions::default()
            };
            let cancel = CancellationToken::new();
            let mut store = self.cache.lock().await;
            let mut quiet = |_: SyncEvent| {};
            let report = sync_account(
                self.cache.account(),
                &password,
                &mut store,
                &opts,
                &mut quiet,
                &cancel,
            )
            .await?;
            Ok(json!({ "report": report, "stats": store.stats()? }))
        };
        finish(run.await)
    }

    #[tool(
        description = "Sync status: per folder, messages and unread in the cache and the server state last seen (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ), plus local changes still waiting to reach the server.",
        annotations(read_only_hint = true)
    )]
    async fn sync_status(&self, Parameters(_): Parameters<NoArgs>) -> ToolResult {
        let run = self.cache.run(|s| {
            let mut folders = Vec::new();
            for b in s.mailboxes()? {
                let st = s.mailbox_state(b.id)?;
                folders.push(json!({
                    "folder": b.name,
                    "messages": b.total,
                    "unread": b.unread,
                    "uidvalidity": st.uidvalidity.map(|v| v.0.get()),
                    "uidnext": st.uidnext.map(|u| u.get()),
                    "highestmodseq": st.highestmodseq.map(|m| m.0.get()),
                    "synced": st.uidvalidity.is_some(),
                }));
            }
            let pending = s.pending_changes()?;
            Ok(json!({ "folders": folders, "pending_changes": pending }))
        });
        finish(run.await)
    }
}

impl Bridge {
    /// The whole raw message from the server (`BODY.PEEK[]`).
    pub(crate) async fn fetch_raw(&self, m: &MessageDetail) -> Result<Vec<u8>> {
        let mut conn = self.cache.connect().await?;
        let name = m.summary.mailbox_name.clone();
        let id = m.summary.mailbox;
        let state = self.cache.run(move |s| Ok(s.mailbox_state(id)?)).await?;
        conn.select(&name, &state).await?;
        let fetched = conn.fetch_bodies(&[m.summary.uid]).await?;
        conn.logout().await;
        fetched
            .into_iter()
            .find_map(|f| f.body)
            .ok_or(Error::BodyUnavailable(m.summary.id.0))
    }

    /// Fetches a missing body into the cache and returns the message again.
    pub(crate) async fn fetch_body(&self, m: &MessageDetail) -> Result<MessageDetail> {
        let mut conn = self.cache.connect().await?;
        {
            let mut store = self.cache.lock().await;
            mailcall_mail::sync::fetch_bodies_of(
                &mut conn,
                &mut store,
                &m.summary.mailbox_name,
                &[m.summary.uid],
            )
            .await?;
        }
        conn.logout().await;
        let id = m.summary.id.0;
        self.cache
            .run(move |s| s.message(MessageId(id))?.ok_or(Error::NoMessage(id)))
            .await
    }

    async fn attachments(&self, a: AttachmentArgs) -> Result<Value> {
        let id = a.message_id;
        let m = self
            .cache
            .run(move |s| s.message(MessageId(id))?.ok_or(Error::NoMessage(id)))
            .await?;
        let cap = a
            .max_content_bytes
            .unwrap_or(200_000)
            .min(MAX_ATTACHMENT_BYTES) as usize;
        let raw = self.fetch_raw(&m).await?;
        let parsed = MessageParser::default()
            .parse(&raw)
            .ok_or(Error::BodyUnavailable(id))?;
        let mut list = Vec::new();
        for (index, part) in parsed.attachments().enumerate() {
            let bytes = part.contents();
            let content_type = part.content_type().map(|c| match c.subtype() {
                Some(sub) => format!("{}/{sub}", c.ctype()),
                None => c.ctype().to_owned(),
            });
            let content = (a.include_content && bytes.len() <= cap)
                .then(|| base64::engine::general_purpose::STANDARD.encode(bytes));
            list.push(json!({
                "index": index,
                "file_name": part.attachment_name(),
                "content_type": content_type,
                "size": bytes.len(),
                "content_base64": content,
                "content_omitted": a.include_content && bytes.len() > cap,
            }));
        }
        Ok(answer::untrusted(json!({
            "message_id": id,
            "attachments": list,
        })))
    }
}
