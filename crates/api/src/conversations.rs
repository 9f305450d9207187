//! A folder as a list of conversations, by row index: one row per thread with mail in
//! the folder, standing for it by its newest message there, newest first.
//!
//! The order comes from one walk over the folder ([`mailcall_mail::Store::thread_heads`]), kept by the
//! account (see `orders`, which also says when walks are dropped); a page slices it and
//! reads its rows and the threads' tallies fresh, so read and flag changes show without
//! a new walk.

use std::collections::HashMap;

use mailcall_mail::{MailboxId, MessageId, ThreadHead, ThreadId};

use crate::api::Api;
use crate::error::ApiResult;
use crate::mail::MAX_PAGE;
use crate::types::{count, MessageRow, ThreadPage, ThreadRow};

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
            let (mailbox, total, slice) = live
                .orders
                .threads
                .window(&live, &folder, offset, limit)
                .await?;
            let (rows, stale) = live.reads.run(move |s| page(s, mailbox, &slice)).await?;
            if stale && !healed {
                healed = true;
                live.orders.forget();
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
