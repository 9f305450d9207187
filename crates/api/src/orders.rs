//! Folder orders kept per account: one walk of a folder's index, newest first, which pages
//! of its list then slice, so a page costs its own length whatever its offset, and the
//! list's length comes with the walk instead of a count per page. Used for the message
//! list (ids) and the conversation list (thread heads, see `conversations`).
//!
//! Invariants:
//! - Whatever can change which messages a folder holds or how they thread (a sync that
//!   stored or removed mail, a move, an undo, a draft, a replay, a folder renamed or
//!   deleted) calls [`Orders::forget`], which drops every kept walk of the account; the
//!   next page walks again.
//! - A walk that was under way while a `forget` ran is answered but not kept.
//! - A page that finds its rows gone or moved (another process changed the cache: the
//!   CLI, the MCP server) forgets and walks again once, so a stale walk heals itself.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mailcall_mail::{MailboxId, MessageId, Store, ThreadHead};

use crate::error::{ApiError, ApiResult};
use crate::live::Live;

/// One walk of a folder.
pub(crate) struct Walk<T> {
    pub mailbox: MailboxId,
    pub items: Vec<T>,
}

/// What a walk reads: the folder's items, newest first.
type Reader<T> = fn(&Store, MailboxId) -> mailcall_mail::Result<Vec<T>>;

/// The kept walks of one kind, by folder.
pub(crate) struct Walks<T> {
    walks: Mutex<HashMap<String, Arc<Walk<T>>>>,
    /// Bumped by every `forget`.
    epoch: AtomicU64,
    /// One walk at a time: the page asks for several windows at once, and each would
    /// otherwise walk the same folder.
    walking: tokio::sync::Mutex<()>,
    read: Reader<T>,
}

impl<T: Send + Sync + 'static> Walks<T> {
    fn new(read: Reader<T>) -> Self {
        Walks {
            walks: Mutex::default(),
            epoch: AtomicU64::new(0),
            walking: tokio::sync::Mutex::new(()),
            read,
        }
    }

    fn forget(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut walks) = self.walks.lock() {
            walks.clear();
        }
    }

    fn kept(&self, folder: &str) -> Option<Arc<Walk<T>>> {
        self.walks.lock().ok()?.get(folder).cloned()
    }

    /// The folder's walk, kept or made now; `None` when the cache has no such folder.
    async fn walk(&self, live: &Live, folder: &str) -> ApiResult<Option<Arc<Walk<T>>>> {
        if let Some(walk) = self.kept(folder) {
            return Ok(Some(walk));
        }
        let _one = self.walking.lock().await;
        if let Some(walk) = self.kept(folder) {
            return Ok(Some(walk));
        }
        let epoch = self.epoch.load(Ordering::SeqCst);
        let name = folder.to_owned();
        let read = self.read;
        let walk = live
            .reads
            .run(move |s| {
                let Some(mailbox) = s.mailbox_id(&name)? else {
                    return Ok(None);
                };
                let items = read(s, mailbox)?;
                Ok(Some(Arc::new(Walk { mailbox, items })))
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

impl<T: Clone + Send + Sync + 'static> Walks<T> {
    /// Items `offset..offset + limit` of `folder`'s walk (cut to its end), with the walk's
    /// mailbox and length; `not_found` when the cache has no such folder.
    pub async fn window(
        &self,
        live: &Live,
        folder: &str,
        offset: u32,
        limit: u32,
    ) -> ApiResult<(MailboxId, usize, Vec<T>)> {
        let walk = self
            .walk(live, folder)
            .await?
            .ok_or_else(|| ApiError::not_found("This folder is not in the cache (yet)."))?;
        let total = walk.items.len();
        let start = (offset as usize).min(total);
        let end = start.saturating_add(limit as usize).min(total);
        Ok((walk.mailbox, total, walk.items[start..end].to_vec()))
    }
}

/// The kept orders of one account's folders.
pub(crate) struct Orders {
    pub messages: Walks<MessageId>,
    pub threads: Walks<ThreadHead>,
}

impl Default for Orders {
    fn default() -> Self {
        Orders {
            messages: Walks::new(Store::message_order),
            threads: Walks::new(Store::thread_heads),
        }
    }
}

impl Orders {
    /// Drops every kept walk: the folders' mail or threads changed.
    pub fn forget(&self) {
        self.messages.forget();
        self.threads.forget();
    }
}
