//! Change tools: flags, moves, copies, archive, drafts. Each checks that the account
//! allows changes, journals the change with the cache update in one transaction, then
//! tries to replay pending changes on the server; an unreachable server leaves them
//! pending. At most [`DIRECT_LIMIT`] messages per call: more is a sort plan.

use mail_builder::MessageBuilder;
use mailcall_mail::{Author, Flags, JournalEntry, MailboxRole, MessageId};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::answer::{finish, ToolResult};
use crate::args::{DraftArgs, FlagArgs, IdsArgs, MarkReadArgs, MoveArgs, NoArgs, ReplyDraftArgs};
use crate::error::{Error, Result};
use crate::{Bridge, DIRECT_LIMIT};

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[tool_router(router = change_router, vis = "pub(crate)")]
impl Bridge {
    #[tool(
        description = "Mark messages read (read=true, default) or unread. Needs writes_enabled; up to 50 ids."
    )]
    async fn mark_read(&self, Parameters(a): Parameters<MarkReadArgs>) -> ToolResult {
        let read = a.read.unwrap_or(true);
        finish(self.flags(a.message_ids, "seen", read).await)
    }

    #[tool(
        description = "Flag (star) messages (flagged=true, default) or remove the flag. Needs writes_enabled; up to 50 ids."
    )]
    async fn flag_messages(&self, Parameters(a): Parameters<FlagArgs>) -> ToolResult {
        let on = a.flagged.unwrap_or(true);
        finish(self.flags(a.message_ids, "flagged", on).await)
    }

    #[tool(
        description = "Move up to 50 messages to another existing folder. Needs writes_enabled. For more, or for moves by rule, use sort_plan then sort_apply."
    )]
    async fn move_messages(&self, Parameters(a): Parameters<MoveArgs>) -> ToolResult {
        finish(self.move_to(a.message_ids, Some(a.folder)).await)
    }

    #[tool(
        description = "Move up to 50 messages to the archive folder. Needs writes_enabled. To archive by sender in bulk, use plan_auto_archive then sort_apply."
    )]
    async fn archive_messages(&self, Parameters(a): Parameters<IdsArgs>) -> ToolResult {
        finish(self.move_to(a.message_ids, None).await)
    }

    #[tool(
        description = "Copy up to 50 messages into another existing folder (the originals stay). Needs writes_enabled."
    )]
    async fn copy_messages(&self, Parameters(a): Parameters<MoveArgs>) -> ToolResult {
        finish(self.copy_to(a.message_ids, a.folder).await)
    }

    #[tool(
        description = "Save a reply to a message as a draft in the Drafts folder, in the same thread, quoting the original. Never sends. Needs writes_enabled."
    )]
    async fn save_reply_draft(&self, Parameters(a): Parameters<ReplyDraftArgs>) -> ToolResult {
        let run = async {
            self.cache.ensure_writable()?;
            let author = self.author();
            let configured = self.cache.account().folders.drafts.clone();
            let entry = self
                .cache
                .run(move |s| {
                    let drafts = s.drafts_folder(configured.as_deref())?;
                    Ok(s.draft_reply(
                        MessageId(a.message_id),
                        &author,
                        &a.body,
                        a.reply_all,
                        &drafts,
                        now(),
                    )?)
                })
                .await?;
            self.replayed(vec![entry]).await
        };
        finish(run.await)
    }

    #[tool(
        description = "Save a new message as a draft in the Drafts folder. Never sends. Needs writes_enabled."
    )]
    async fn save_draft(&self, Parameters(a): Parameters<DraftArgs>) -> ToolResult {
        let run = async {
            self.cache.ensure_writable()?;
            if a.to.is_empty() {
                return Err(Error::Argument {
                    name: "to",
                    reason: "give at least one recipient".to_owned(),
                });
            }
            let author = self.author();
            let at = now();
            let mut b = MessageBuilder::new()
                .from(author.addr.clone())
                .to(a.to.clone())
                .subject(a.subject.clone())
                .date(at)
                .text_body(a.body.clone());
            if !a.cc.is_empty() {
                b = b.cc(a.cc.clone());
            }
            let raw = b.write_to_vec().map_err(mailcall_mail::Error::Compose)?;
            let configured = self.cache.account().folders.drafts.clone();
            let flags = Flags {
                seen: true,
                draft: true,
                ..Flags::default()
            };
            let entry = self
                .cache
                .run(move |s| {
                    let drafts = s.drafts_folder(configured.as_deref())?;
                    Ok(s.journal_append(&drafts, &raw, &flags, at)?)
                })
                .await?;
            self.replayed(vec![entry]).await
        };
        finish(run.await)
    }

    #[tool(
        description = "Send local changes still waiting (made while the server was unreachable) to the server now. Needs writes_enabled."
    )]
    async fn replay_changes(&self, Parameters(_): Parameters<NoArgs>) -> ToolResult {
        let run = async {
            self.cache.ensure_writable()?;
            self.replayed(Vec::new()).await
        };
        finish(run.await)
    }
}

impl Bridge {
    fn author(&self) -> Author {
        let account = self.cache.account();
        let mut me: Vec<String> = account.addresses.iter().map(|a| a.to_lowercase()).collect();
        if account.user.contains('@') {
            me.push(account.user.to_lowercase());
        }
        let addr = me.first().cloned().unwrap_or_else(|| account.user.clone());
        Author {
            name: None,
            addr,
            me,
        }
    }

    fn direct(&self, ids: &[i64]) -> Result<()> {
        self.cache.ensure_writable()?;
        if ids.is_empty() {
            return Err(Error::Argument {
                name: "message_ids",
                reason: "give at least one message id".to_owned(),
            });
        }
        if ids.len() > DIRECT_LIMIT {
            return Err(Error::Bulk {
                count: ids.len(),
                max: DIRECT_LIMIT,
            });
        }
        Ok(())
    }

    async fn flags(&self, ids: Vec<i64>, flag: &'static str, on: bool) -> Result<Value> {
        self.direct(&ids)?;
        let entries = self
            .cache
            .run(move |s| {
                for &id in &ids {
                    s.message(MessageId(id))?.ok_or(Error::NoMessage(id))?;
                }
                let names = [flag.to_owned()];
                let (set, unset): (&[String], &[String]) =
                    if on { (&names, &[]) } else { (&[], &names) };
                let at = now();
                let mut out = Vec::new();
                for &id in &ids {
                    out.push(s.journal_flags(MessageId(id), set, unset, at)?);
                }
                Ok(out)
            })
            .await?;
        self.replayed(entries).await
    }

    async fn move_to(&self, ids: Vec<i64>, folder: Option<String>) -> Result<Value> {
        self.direct(&ids)?;
        let configured = self.cache.account().folders.archive.clone();
        let entries = self
            .cache
            .run(move |s| {
                let target = match (&folder, &configured) {
                    (Some(f), _) | (None, Some(f)) => f.clone(),
                    (None, None) => s
                        .mailboxes()?
                        .into_iter()
                        .find(|b| b.role == Some(MailboxRole::Archive))
                        .map(|b| b.name)
                        .ok_or_else(|| Error::Argument {
                            name: "archive folder",
                            reason: "the account has no archive folder; use move_messages with a folder name".to_owned(),
                        })?,
                };
                if s.mailbox_id(&target)?.is_none() {
                    return Err(Error::NoFolder(target));
                }
                for &id in &ids {
                    s.message(MessageId(id))?.ok_or(Error::NoMessage(id))?;
                }
                let at = now();
                let mut out = Vec::new();
                for &id in &ids {
                    out.push(s.journal_move(MessageId(id), &target, at)?);
                }
                Ok(out)
            })
            .await?;
        self.replayed(entries).await
    }

    async fn copy_to(&self, ids: Vec<i64>, folder: String) -> Result<Value> {
        self.direct(&ids)?;
        let target = folder.clone();
        let messages = self
            .cache
            .run(move |s| {
                if s.mailbox_id(&target)?.is_none() {
                    return Err(Error::NoFolder(target.clone()));
                }
                ids.iter()
                    .map(|&id| s.message(MessageId(id))?.ok_or(Error::NoMessage(id)))
                    .collect::<Result<Vec<_>>>()
            })
            .await?;
        let mut entries = Vec::new();
        for m in messages {
            // A copy is an append of the original bytes: the journal then replays it
            // like any other append, and the cache shows it at once.
            let raw = self.fetch_raw(&m).await?;
            let flags = m.summary.flags.clone();
            let target = folder.clone();
            let entry = self
                .cache
                .run(move |s| Ok(s.journal_append(&target, &raw, &flags, now())?))
                .await?;
            entries.push(entry);
        }
        self.replayed(entries).await
    }

    /// Replays every pending change, then reports what was journalled and what is left.
    pub(crate) async fn replayed(&self, journalled: Vec<JournalEntry>) -> Result<Value> {
        let cancel = CancellationToken::new();
        let outcome = async {
            let mut conn = self.cache.connect().await?;
            let mut store = self.cache.lock().await;
            let report = mailcall_mail::replay(&mut conn, &mut store, &cancel).await;
            drop(store);
            conn.logout().await;
            Ok::<_, Error>(report?)
        }
        .await;
        let (report, replay_error) = match outcome {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(format!("{e}. {}", e.advice()))),
        };
        let pending = self.cache.run(|s| Ok(s.pending_changes()?.len())).await?;
        Ok(json!({
            "journalled": journalled,
            "replay": report,
            "replay_error": replay_error,
            "pending_changes": pending,
        }))
    }
}
