//! Changing mail: archive, delete, move, read/unread, flag/unflag on a selection, the
//! undo of the last action, and reply drafts. Everything goes through the offline
//! journal: the cache changes at once (the page can redraw before the server answers),
//! and the account's replay task sends the change when the server is reachable.
//!
//! Invariants:
//! - A message already in the wanted state (in the target folder, already read, ...)
//!   is skipped, so the change count and the undo cover real changes only.
//! - The undo of an action is recorded from the changes that were committed, also when
//!   the action stopped half-way, and reverting it is itself journalled.

use mailcall_mail::{Author, MailboxRole, MessageId, SearchOrder, Store};

use crate::api::Api;
use crate::error::{ApiError, ApiResult};
use crate::live::{now, Live, UndoStep};
use crate::mail::with_body;
use crate::types::{count, parse_id, Action, ActionResult, AppEvent, DraftSaved, Selection};

/// Rows read per step when collecting "all matching".
const COLLECT_PAGE: u32 = 10_000;

/// An action with its target folder resolved.
#[derive(Clone, Debug)]
enum Change {
    Move(String),
    Flag { name: &'static str, on: bool },
}

impl Api {
    /// Applies `action` to the messages of `selection`.
    pub async fn act(
        &self,
        account: &str,
        action: Action,
        selection: Selection,
    ) -> ApiResult<ActionResult> {
        let live = self.live(account).await?;
        let change = match action {
            Action::Archive => Change::Move(role_folder(&live, MailboxRole::Archive).await?),
            Action::Delete => Change::Move(role_folder(&live, MailboxRole::Trash).await?),
            Action::Move { folder } => Change::Move(folder),
            Action::MarkRead => Change::Flag {
                name: "\\Seen",
                on: true,
            },
            Action::MarkUnread => Change::Flag {
                name: "\\Seen",
                on: false,
            },
            Action::Flag => Change::Flag {
                name: "\\Flagged",
                on: true,
            },
            Action::Unflag => Change::Flag {
                name: "\\Flagged",
                on: false,
            },
        };
        let ids = collect(&live, selection).await?;
        let moves = matches!(change, Change::Move(_));
        let (steps, failure) = live
            .writer
            .run(move |s| Ok(apply(s, &change, &ids)))
            .await?;
        if moves && !steps.is_empty() {
            live.orders.forget();
        }
        let result = self.finish(&live, steps, true).await;
        match failure {
            Some(e) => Err(e.into()),
            None => result,
        }
    }

    /// Reverts the last action of this account (once).
    pub async fn undo(&self, account: &str) -> ApiResult<ActionResult> {
        let live = self.live(account).await?;
        let steps = live
            .undo
            .lock()
            .ok()
            .and_then(|mut u| u.take())
            .ok_or_else(|| ApiError::invalid("There is nothing to undo."))?;
        let (done, failure) = live
            .writer
            .run(move |s| {
                let mut done = Vec::new();
                for step in steps.iter().rev() {
                    let r = match step {
                        UndoStep::Move { id, back_to } => {
                            move_one(s, *id, back_to).map(|moved| moved.map(|_| *id))
                        }
                        UndoStep::Flags { id, add, remove } => {
                            s.journal_flags(*id, add, remove, now()).map(|_| Some(*id))
                        }
                    };
                    match r {
                        Ok(Some(id)) => done.push(UndoStep::Flags {
                            id,
                            add: Vec::new(),
                            remove: Vec::new(),
                        }),
                        Ok(None) | Err(mailcall_mail::Error::NoMessage(_)) => {}
                        Err(e) => return Ok((done, Some(e))),
                    }
                }
                Ok((done, None))
            })
            .await?;
        // The undo may move mail back; which it did is not kept.
        live.orders.forget();
        let result = self.finish(&live, done, false).await;
        match failure {
            Some(e) => Err(e.into()),
            None => result,
        }
    }

    /// Saves a reply (or reply-all) to message `id` with `body` above the quoted
    /// original in the drafts folder; the server gets it through the journal. Nothing is
    /// ever sent.
    pub async fn save_reply_draft(
        &self,
        account: &str,
        id: String,
        all: bool,
        body: String,
    ) -> ApiResult<DraftSaved> {
        let live = self.live(account).await?;
        let id = parse_id(&id)?;
        // The quote needs the original's text.
        with_body(&live, id).await?;
        let acct = live.account.clone();
        let author = Author {
            name: None,
            addr: acct.addresses.first().cloned().unwrap_or(acct.user.clone()),
            me: acct.addresses.clone(),
        };
        let configured = acct.folders.drafts.clone();
        let (draft, folder) = live
            .writer
            .run(move |s| {
                let folder = s.drafts_folder(configured.as_deref())?;
                let entry = s.draft_reply(id, &author, &body, all, &folder, now())?;
                let mailbox = s.mailbox_id(&folder)?;
                let row = match (mailbox, entry.provisional_uid) {
                    (Some(m), Some(uid)) => s.message_by_uid(m, uid)?,
                    _ => None,
                };
                Ok((row.map(|r| r.summary.id), folder))
            })
            .await?;
        live.orders.forget();
        let draft =
            draft.ok_or_else(|| ApiError::internal("The saved draft is not in the cache."))?;
        live.emit(AppEvent::FoldersChanged {
            account: account.to_owned(),
        });
        live.changed_locally().await;
        Ok(DraftSaved {
            id: draft.0.to_string(),
            folder,
            pending: live.status().pending,
        })
    }

    /// Announces changed messages, records the undo and asks for a replay.
    async fn finish(
        &self,
        live: &Live,
        steps: Vec<UndoStep>,
        undoable: bool,
    ) -> ApiResult<ActionResult> {
        let ids: Vec<String> = steps
            .iter()
            .map(|s| match s {
                UndoStep::Move { id, .. } | UndoStep::Flags { id, .. } => id.0.to_string(),
            })
            .collect();
        let changed = count(ids.len());
        let undoable = undoable && !steps.is_empty();
        if undoable {
            if let Ok(mut slot) = live.undo.lock() {
                *slot = Some(steps);
            }
        }
        if !ids.is_empty() {
            let account = live.account.name.clone();
            live.emit(AppEvent::LocalChange {
                account: account.clone(),
                ids,
            });
            live.emit(AppEvent::FoldersChanged { account });
        }
        live.changed_locally().await;
        Ok(ActionResult {
            changed,
            pending: live.status().pending,
            undoable,
        })
    }
}

/// The folder with `role`: the account's configured one, else the one the server marked.
async fn role_folder(live: &Live, role: MailboxRole) -> ApiResult<String> {
    let configured = match role {
        MailboxRole::Archive => live.account.folders.archive.clone(),
        MailboxRole::Trash => live.account.folders.trash.clone(),
        _ => None,
    };
    if let Some(name) = configured {
        return Ok(name);
    }
    let boxes = live.reads.run(|s| s.mailboxes()).await?;
    boxes
        .into_iter()
        .find(|b| b.role == Some(role))
        .map(|b| b.name)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "This account has no {} folder; choose one in the account settings.",
                match role {
                    MailboxRole::Trash => "Trash",
                    _ => "Archive",
                }
            ))
        })
}

/// The message ids a selection names.
async fn collect(live: &Live, selection: Selection) -> ApiResult<Vec<MessageId>> {
    match selection {
        Selection::Ids { ids } => ids.iter().map(|i| parse_id(i)).collect(),
        Selection::Folder { folder } => {
            live.reads
                .run(move |s| {
                    let Some(mailbox) = s.mailbox_id(&folder)? else {
                        return Ok(Vec::new());
                    };
                    let mut out = Vec::new();
                    loop {
                        let page = s.list_messages(mailbox, out.len() as u64, COLLECT_PAGE)?;
                        out.extend(page.items.iter().map(|m| m.id));
                        if page.next_offset.is_none() {
                            return Ok(out);
                        }
                    }
                })
                .await
        }
        Selection::Conversations { folder, ids } => {
            let heads = ids
                .iter()
                .map(|i| parse_id(i))
                .collect::<ApiResult<Vec<_>>>()?;
            live.reads
                .run(move |s| {
                    let mut out = Vec::new();
                    let mut done = std::collections::HashSet::new();
                    for head in heads {
                        let Some(m) = s.message(head)? else { continue };
                        if !done.insert(m.summary.thread) {
                            continue;
                        }
                        out.extend(
                            s.thread_members(m.summary.thread)?
                                .into_iter()
                                .filter(|x| x.mailbox_name == folder)
                                .map(|x| x.id),
                        );
                    }
                    Ok(out)
                })
                .await
        }
        Selection::Query { query } => {
            live.reads
                .run(move |s| {
                    let mut out = Vec::new();
                    loop {
                        let page = s.search(
                            &query,
                            SearchOrder::NewestFirst,
                            out.len() as u64,
                            COLLECT_PAGE,
                        )?;
                        out.extend(page.items.iter().map(|m| m.id));
                        if page.next_offset.is_none() {
                            return Ok(out);
                        }
                    }
                })
                .await
        }
    }
}

/// Moves one message unless it is already in `target`; the folder it left, if moved.
fn move_one(s: &mut Store, id: MessageId, target: &str) -> mailcall_mail::Result<Option<String>> {
    let Some(m) = s.message(id)? else {
        return Ok(None);
    };
    if m.summary.mailbox_name == target {
        return Ok(None);
    }
    s.journal_move(id, target, now())?;
    Ok(Some(m.summary.mailbox_name))
}

/// Applies a change to each message; the undo steps of what was committed, and the
/// error that stopped it early, if one did.
fn apply(
    s: &mut Store,
    change: &Change,
    ids: &[MessageId],
) -> (Vec<UndoStep>, Option<mailcall_mail::Error>) {
    let mut steps = Vec::new();
    for &id in ids {
        let step = match change {
            Change::Move(target) => move_one(s, id, target)
                .map(|from| from.map(|back_to| UndoStep::Move { id, back_to })),
            Change::Flag { name, on } => flag_one(s, id, name, *on),
        };
        match step {
            Ok(Some(step)) => steps.push(step),
            // Gone since the page listed it: nothing to change.
            Ok(None) | Err(mailcall_mail::Error::NoMessage(_)) => {}
            Err(e) => return (steps, Some(e)),
        }
    }
    (steps, None)
}

fn flag_one(
    s: &mut Store,
    id: MessageId,
    name: &str,
    on: bool,
) -> mailcall_mail::Result<Option<UndoStep>> {
    let Some(m) = s.message(id)? else {
        return Ok(None);
    };
    let is_on = match name {
        "\\Seen" => m.summary.flags.seen,
        _ => m.summary.flags.flagged,
    };
    if is_on == on {
        return Ok(None);
    }
    let flag = vec![name.to_owned()];
    let (add, remove) = if on {
        (flag, Vec::new())
    } else {
        (Vec::new(), flag)
    };
    s.journal_flags(id, &add, &remove, now())?;
    Ok(Some(UndoStep::Flags {
        id,
        add: remove,
        remove: add,
    }))
}
