//! A folder as a list of conversations, by row index: one row per thread with mail in
//! the folder, standing for it by its newest message there, newest first.
//!
//! The order comes from one walk over the folder ([`Store::thread_heads`]), which costs
//! the folder's size; each account keeps the walk per folder and pages by slicing it,
//! so a page costs its own length whatever its offset. Each page reads its rows and the
//! threads' tallies fresh, so read and flag changes show without a new walk.
//!
//! Invariants:
//! - Whatever can change which messages a folder holds or how they thread (a sync that
//!   stored or removed mail, a move, an undo, a draft, a replay, a folder renamed or
//!   deleted) calls [`Conversations::forget`], which drops every kept walk of the
//!   account; the next page walks again.
//! - A walk that was under way while a `forget` ran is answered but not kept.
//! - A page that finds its rows gone, moved or rethreaded (another process changed the
//!   cache: the CLI, the MCP server) forgets and walks again once, so a stale walk heals
//!   itself on the next page.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mailcall_mail::{MailboxId, MessageId, ThreadHead, ThreadId};

use crate::api::Api;
use crate::error::{ApiError, ApiResult};
use crate::live::Live;
use crate::mail::MAX_PAGE;
use crate::types::{count, MessageRow, ThreadPage, ThreadRow};

/// One walk of a folder.
struct Walk {
    mailbox: MailboxId,
    heads: Vec<ThreadHead>,
}

/// The kept walks of one account's folders.
#[derive(Default)]
pub(crate) struct Conversations {
    walks: Mutex<HashMap<String, Arc<Walk>>>,
    /// Bumped by every `forget`.
    epoch: AtomicU64,
    /// One walk at a time: the page asks for several windows at once, and each would
    /// otherwise walk the same folder.
    walking: tokio::sync::Mutex<()>,
}

impl Conversations {
    /// Drops every kept walk: the folders' mail or threads changed.
    pub fn forget(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut walks) = self.walks.lock() {
            walks.clear();
        }
    }

    fn kept(&self, folder: &str) -> Option<Arc<Walk>> {
        self.walks.lock().ok()?.get(folder).cloned()
    }

    /// The folder's walk, kept or made now; `None` when the cache has no such folder.
    async fn walk(&self, live: &Live, folder: &str) -> ApiResult<Option<Arc<Walk>>> {
        if let Some(walk) = self.kept(folder) {
            return Ok(Some(walk));
        }
        let _one = self.walking.lock().await;
        if let Some(walk) = self.kept(folder) {
            return Ok(Some(walk));
        }
        let epoch = self.epoch.load(Ordering::SeqCst);
        let name = folder.to_owned();
        let walk = live
            .reads
            .run(move |s| {
                let Some(mailbox) = s.mailbox_id(&name)? else {
                    return Ok(None);
                };
                let heads = s.thread_heads(mailbox)?;
                Ok(Some(Arc::new(Walk { mailbox, heads })))
            })
            .await?;
        if let (Some(walk), Ok(mut walks)) = (&walk, self.walks.lock()) {
            if self.epoch.load(Ordering::SeqCst) == epoch {
                walks.insert(folder.to_owned(), walk.clone());
            }
        }
        Ok(walk)
    }
}

impl Api {
    /// Rows `offset..offset + limit` of `folder` as conversations, newest first, with the
    /// number of conversations. Each row is the conversation's newest message in the
    /// folder, with how many of its messages the folder holds and how many of those are
    /// unread or flagged.
    pub async fn list_threads(
        &self,
        account: &str,
        folder: String,
        offset: u32,
        limit: u32,
    ) -> ApiResult<ThreadPage> {
        let live = self.live(account).await?;
        let limit = limit.min(MAX_PAGE);
        let mut healed = false;
        loop {
            let walk = live
                .conversations
                .walk(&live, &folder)
                .await?
                .ok_or_else(|| ApiError::not_found("This folder is not in the cache (yet)."))?;
            let total = walk.heads.len();
            let start = (offset as usize).min(total);
            let end = start.saturating_add(limit as usize).min(total);
            let slice: Vec<ThreadHead> = walk.heads[start..end].to_vec();
            let mailbox = walk.mailbox;
            let (rows, stale) = live.reads.run(move |s| page(s, mailbox, &slice)).await?;
            if stale && !healed {
                healed = true;
                live.conversations.forget();
                continue;
            }
            return Ok(ThreadPage {
                total: count(total),
                offset,
                rows,
            });
        }
    }
}

/// The rows of `heads`, and whether the walk they come from is stale: a head no longer
/// cached, in another folder or in another thread, or a thread with no message left in
/// the folder.
fn page(
    s: &mailcall_mail::Store,
    mailbox: MailboxId,
    heads: &[ThreadHead],
) -> mailcall_mail::Result<(Vec<ThreadRow>, bool)> {
    let ids: Vec<MessageId> = heads.iter().map(|h| h.head).collect();
    let threads: Vec<ThreadId> = heads.iter().map(|h| h.thread).collect();
    let summaries = s.summaries(&ids)?;
    let tallies = s.thread_tallies(mailbox, &threads)?;
    let by_id: HashMap<MessageId, &mailcall_mail::MessageSummary> =
        summaries.iter().map(|m| (m.id, m)).collect();
    let mut stale = false;
    let mut rows = Vec::with_capacity(heads.len());
    for h in heads {
        let found = by_id
            .get(&h.head)
            .filter(|m| m.mailbox == mailbox && m.thread == h.thread)
            .zip(tallies.get(&h.thread));
        match found {
            Some((m, tally)) => rows.push(ThreadRow {
                head: MessageRow::from(*m),
                messages: tally.messages,
                unread: tally.unread,
                flagged: tally.flagged,
            }),
            None => stale = true,
        }
    }
    Ok((rows, stale))
}
