//! Reading mail: the folder tree, message lists by row index, conversations, opening a
//! message (body on demand), search, and the small preferences that go with them
//! (saved searches, settings, senders whose remote content is always loaded).
//!
//! Invariant: every cache read goes through the account's read pool (`spawn_blocking`),
//! and bodies come from the service's reader connection, which never waits behind a
//! long sync.

use std::collections::BTreeMap;

use mailcall_mail::journal::is_provisional;
use mailcall_mail::{
    drafts, reply_headers, Connection, MailboxSummary, MessageDetail, MessageId, SearchOrder,
};

use crate::api::Api;
use crate::error::{ApiError, ApiResult};
use crate::live::{now, Live};
use crate::types::{
    count, parse_id, AppEvent, FolderInfo, FolderRole, MailNotice, Mailbox, MessagePage,
    MessageRow, MessageView, ReplyPreview, SavedSearch, Settings,
};

/// Most rows one list or search call returns.
pub const MAX_PAGE: u32 = 1_000;

impl Api {
    /// The folder tree with counts (see [`FolderInfo`] for the order).
    pub async fn folders(&self, account: &str) -> ApiResult<Vec<FolderInfo>> {
        let live = self.live(account).await?;
        let delimiter = self.inner.state.get().delimiters.get(account).cloned();
        let boxes = live.reads.run(|s| s.mailboxes()).await?;
        Ok(folder_tree(&boxes, delimiter.as_deref()))
    }

    /// Rows `offset..offset + limit` of `folder`, newest first, with the folder's total.
    pub async fn list_messages(
        &self,
        account: &str,
        folder: String,
        offset: u32,
        limit: u32,
    ) -> ApiResult<MessagePage> {
        let live = self.live(account).await?;
        let limit = limit.min(MAX_PAGE);
        let mut healed = false;
        loop {
            let (mailbox, total, ids) = live
                .orders
                .messages
                .window(&live, &folder, offset, limit)
                .await?;
            let wanted = ids.len();
            let rows = live.reads.run(move |s| s.summaries(&ids)).await?;
            // A row gone or moved by another process: the kept order is stale.
            let stale = rows.len() != wanted || rows.iter().any(|m| m.mailbox != mailbox);
            if stale && !healed {
                healed = true;
                live.orders.forget();
                continue;
            }
            return Ok(MessagePage {
                total: count(total),
                offset,
                rows: rows.iter().map(MessageRow::from).collect(),
            });
        }
    }

    /// The text of a notification about `count` new INBOX messages: the newest one's
    /// sender and subject, and how many others came with it.
    pub async fn new_mail_notice(&self, account: &str, count: u32) -> ApiResult<MailNotice> {
        let live = self.live(account).await?;
        let newest = live
            .reads
            .run(|s| {
                let Some(id) = s.mailbox_id("INBOX")? else {
                    return Ok(None);
                };
                Ok(s.list_messages(id, 0, 1)?.items.into_iter().next())
            })
            .await?;
        let Some(m) = newest else {
            return Err(ApiError::not_found("INBOX is not in the cache (yet)."));
        };
        let from = m
            .from
            .name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&m.from.addr)
            .to_owned();
        let subject = if m.subject.trim().is_empty() {
            "(no subject)".to_owned()
        } else {
            m.subject.clone()
        };
        let title = match count {
            0 | 1 => format!("New mail from {from}"),
            n => format!("{n} new messages, the newest from {from}"),
        };
        Ok(MailNotice {
            title,
            body: subject,
        })
    }

    /// The conversation of a message, oldest first, across folders.
    pub async fn thread(&self, account: &str, id: String) -> ApiResult<Vec<MessageRow>> {
        let live = self.live(account).await?;
        let id = parse_id(&id)?;
        let members = live
            .reads
            .run(move |s| match s.message(id)? {
                Some(m) => s.thread_members(m.summary.thread).map(Some),
                None => Ok(None),
            })
            .await?
            .ok_or_else(|| no_message(id))?;
        Ok(members.iter().map(MessageRow::from).collect())
    }

    /// A message with its body, fetched now when not cached; marks it read through the
    /// journal unless the settings say otherwise. HTML comes sanitized with remote content
    /// blocked, unless `load_remote` or the sender is always allowed.
    pub async fn open_message(
        &self,
        account: &str,
        id: String,
        load_remote: bool,
    ) -> ApiResult<MessageView> {
        let live = self.live(account).await?;
        let id = parse_id(&id)?;
        let (mut detail, body_error) = with_body(&live, id).await?;
        let state = self.inner.state.get();
        if state.settings.mark_read_on_open && !detail.summary.flags.seen {
            live.writer
                .run(move |s| s.journal_flags(id, &["\\Seen".to_owned()], &[], now()))
                .await?;
            detail.summary.flags.seen = true;
            live.emit(AppEvent::LocalChange {
                account: account.to_owned(),
                ids: vec![id.0.to_string()],
            });
            live.emit(AppEvent::FoldersChanged {
                account: account.to_owned(),
            });
            live.changed_locally().await;
        }
        let remote_allowed = state.remote_senders.contains(&detail.summary.from.addr);
        let rendered = crate::reading::render(&live, &detail, load_remote || remote_allowed)
            .await?
            .unwrap_or(crate::reading::Rendered {
                html: None,
                remote_blocked: 0,
                attachments: Vec::new(),
            });
        Ok(MessageView {
            row: MessageRow::from(&detail.summary),
            to: detail.to.iter().map(Mailbox::from).collect(),
            cc: detail.cc.iter().map(Mailbox::from).collect(),
            message_id: detail.summary.message_id.clone(),
            list_id: detail.list_id.clone(),
            // Mail text keeps the wire's CRLF; a page given CR and LF breaks the line twice.
            text: detail.body_text.take().map(|t| t.replace("\r\n", "\n")),
            html: rendered.html,
            remote_blocked: rendered.remote_blocked,
            remote_allowed,
            attachments: rendered.attachments,
            body_error,
        })
    }

    /// Matches of `query` in the search language, newest first, with their count. A
    /// malformed query is `bad_query` with the character position of the problem.
    pub async fn search(
        &self,
        account: &str,
        query: String,
        offset: u32,
        limit: u32,
    ) -> ApiResult<MessagePage> {
        let live = self.live(account).await?;
        let limit = limit.min(MAX_PAGE);
        let (page, total) = live
            .reads
            .run(move |s| {
                let page = s.search(&query, SearchOrder::NewestFirst, u64::from(offset), limit)?;
                // The first page counts every match; later pages of the same query
                // already know it, and counting again would cost each scroll.
                let total = if offset == 0 {
                    s.count(&query)?
                } else {
                    u64::from(offset)
                        + page.items.len() as u64
                        + u64::from(page.next_offset.is_some())
                };
                Ok((page, total))
            })
            .await?;
        Ok(MessagePage {
            total: count(total),
            offset,
            rows: page.items.iter().map(MessageRow::from).collect(),
        })
    }

    /// Who a reply (or reply-all) goes to, its subject and the quoted original.
    pub async fn reply_preview(
        &self,
        account: &str,
        id: String,
        all: bool,
    ) -> ApiResult<ReplyPreview> {
        let live = self.live(account).await?;
        let (detail, _) = with_body(&live, parse_id(&id)?).await?;
        let h = reply_headers(&detail, &live.account.addresses, all);
        Ok(ReplyPreview {
            to: h.to.iter().map(Mailbox::from).collect(),
            cc: h.cc.iter().map(Mailbox::from).collect(),
            subject: h.subject,
            quote: drafts::quote(&detail),
        })
    }

    /// Starts a full sync now (in the background; progress comes as events).
    pub async fn sync_now(&self, account: &str) -> ApiResult<()> {
        let service = self.live(account).await?.service()?;
        tokio::spawn(async move {
            if let Err(e) = service.sync().await {
                tracing::warn!(error = %e, "sync asked by the user failed");
            }
        });
        Ok(())
    }

    /// Creates a folder on the server and shows it at once.
    pub async fn create_folder(&self, account: &str, path: String) -> ApiResult<()> {
        let path = path.trim().to_owned();
        if path.is_empty() || path.eq_ignore_ascii_case("INBOX") {
            return Err(ApiError::invalid("Give the new folder a name."));
        }
        let live = self.live(account).await?;
        let password = self.inner.opts.keyring.password(account).await?;
        let mut conn = Connection::open(&live.account, &password).await?;
        let created = conn.ensure_folders(std::slice::from_ref(&path)).await;
        conn.logout().await;
        if created?.is_empty() {
            return Err(ApiError::invalid(format!(
                "The folder {path} already exists."
            )));
        }
        live.writer
            .run(move |s| s.ensure_mailbox(&path, None).map(|_| ()))
            .await?;
        live.emit(AppEvent::FoldersChanged {
            account: account.to_owned(),
        });
        Ok(())
    }

    /// Renames a folder on the server and in the cache; its subfolders follow.
    pub async fn rename_folder(&self, account: &str, from: String, to: String) -> ApiResult<()> {
        let to = to.trim().to_owned();
        if to.is_empty() {
            return Err(ApiError::invalid("Give the folder a new name."));
        }
        self.change_folder(account, FolderChange::Rename { from, to })
            .await
    }

    /// Deletes a folder and its mail on the server and in the cache.
    pub async fn delete_folder(&self, account: &str, path: String) -> ApiResult<()> {
        self.change_folder(account, FolderChange::Delete { path })
            .await
    }

    /// Runs the engine's folder change on a connection of its own and a cache writer: the
    /// engine keeps server and cache in step, so it gets both at once (blocking the
    /// writer's thread for the server's answer, as a sort chunk does).
    async fn change_folder(&self, account: &str, change: FolderChange) -> ApiResult<()> {
        let live = self.live(account).await?;
        let password = self.inner.opts.keyring.password(account).await?;
        let mut conn = Connection::open(&live.account, &password).await?;
        let runtime = tokio::runtime::Handle::current();
        live.writer
            .run(move |store| {
                runtime.block_on(async move {
                    let done = match &change {
                        FolderChange::Rename { from, to } => {
                            mailcall_mail::rename_folder(&mut conn, store, from, to).await
                        }
                        FolderChange::Delete { path } => {
                            mailcall_mail::delete_folder(&mut conn, store, path).await
                        }
                    };
                    conn.logout().await;
                    done
                })
            })
            .await?;
        live.orders.forget();
        live.emit(AppEvent::FoldersChanged {
            account: account.to_owned(),
        });
        Ok(())
    }

    pub async fn settings(&self) -> Settings {
        self.inner.state.get().settings
    }

    pub async fn set_settings(&self, settings: Settings) -> ApiResult<()> {
        self.inner
            .state
            .update(move |s| s.settings = settings)
            .await
    }

    pub async fn saved_searches(&self) -> Vec<SavedSearch> {
        self.inner.state.get().saved_searches
    }

    /// Saves a search under its name (replacing one of the same name); the query must parse.
    pub async fn save_search(&self, search: SavedSearch) -> ApiResult<Vec<SavedSearch>> {
        if search.name.trim().is_empty() {
            return Err(ApiError::invalid("Give the saved search a name."));
        }
        mailcall_mail::parse_query(&search.query).map_err(mailcall_mail::Error::from)?;
        self.inner
            .state
            .update(move |s| {
                match s.saved_searches.iter_mut().find(|x| x.name == search.name) {
                    Some(slot) => *slot = search,
                    None => s.saved_searches.push(search),
                }
                s.saved_searches.clone()
            })
            .await
    }

    pub async fn delete_search(&self, name: String) -> ApiResult<Vec<SavedSearch>> {
        self.inner
            .state
            .update(move |s| {
                s.saved_searches.retain(|x| x.name != name);
                s.saved_searches.clone()
            })
            .await
    }

    /// Remembers (or forgets) to load remote content from `sender` always.
    pub async fn set_remote_content(&self, sender: String, always: bool) -> ApiResult<()> {
        let sender = sender.trim().to_lowercase();
        if !sender.contains('@') {
            return Err(ApiError::invalid(format!(
                "{sender:?} is not a mail address."
            )));
        }
        self.inner
            .state
            .update(move |s| {
                if always {
                    s.remote_senders.insert(sender);
                } else {
                    s.remote_senders.remove(&sender);
                }
            })
            .await
    }
}

fn no_message(id: MessageId) -> ApiError {
    ApiError::not_found(format!("Message {} is not in the cache any more.", id.0))
}

/// The message, with its body fetched first when the cache has none; the body's absence
/// is explained, not an error, so the headers still show offline.
pub(crate) async fn with_body(
    live: &Live,
    id: MessageId,
) -> ApiResult<(MessageDetail, Option<ApiError>)> {
    let detail = live
        .reads
        .run(move |s| s.message(id))
        .await?
        .ok_or_else(|| no_message(id))?;
    if detail.body_text.is_some() {
        return Ok((detail, None));
    }
    if is_provisional(detail.summary.uid) {
        let why = ApiError::Offline {
            message: "This message is not on the server yet; its text shows once it is.".into(),
        };
        return Ok((detail, Some(why)));
    }
    let fetched = match live.service() {
        Ok(service) => service
            .fetch_bodies(&detail.summary.mailbox_name, &[detail.summary.uid])
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match fetched {
        Ok(_) => {
            let fresh = live.reads.run(move |s| s.message(id)).await?;
            Ok((fresh.unwrap_or(detail), None))
        }
        Err(e) => Ok((detail, Some(e))),
    }
}

/// Messages in `folder` (by its exact name).
/// Display order of special folders at one level.
fn rank(role: Option<FolderRole>) -> u8 {
    match role {
        Some(FolderRole::Inbox) => 0,
        Some(FolderRole::Drafts) => 1,
        Some(FolderRole::Sent) => 2,
        Some(FolderRole::Archive) => 3,
        Some(FolderRole::Flagged) => 4,
        Some(FolderRole::All) => 5,
        Some(FolderRole::Junk) => 6,
        Some(FolderRole::Trash) => 7,
        None => 8,
    }
}

/// The cached mailboxes as a tree: parents (made up when the server lists only their
/// children) directly before their children, special folders first at each level.
pub(crate) fn folder_tree(boxes: &[MailboxSummary], delimiter: Option<&str>) -> Vec<FolderInfo> {
    let split = |path: &str| -> Vec<String> {
        match delimiter.filter(|d| !d.is_empty()) {
            Some(d) => path.split(d).map(str::to_owned).collect(),
            None => vec![path.to_owned()],
        }
    };
    let mut nodes: BTreeMap<String, FolderInfo> = BTreeMap::new();
    for b in boxes {
        let parts = split(&b.name);
        for level in 1..=parts.len() {
            let path = parts[..level].join(delimiter.unwrap_or(""));
            let parent = (level > 1).then(|| parts[..level - 1].join(delimiter.unwrap_or("")));
            let own = level == parts.len();
            let node = nodes.entry(path.clone()).or_insert_with(|| FolderInfo {
                path: path.clone(),
                name: parts[level - 1].clone(),
                parent,
                depth: count(level - 1),
                role: None,
                total: 0,
                unread: 0,
                selectable: false,
            });
            if own {
                node.role = b.role.map(FolderRole::from);
                node.total = count(b.total);
                node.unread = count(b.unread);
                node.selectable = true;
            }
        }
    }
    let key = |f: &FolderInfo| -> Vec<(u8, String)> {
        let mut chain = Vec::new();
        let mut cur = Some(f);
        while let Some(node) = cur {
            chain.push((rank(node.role), node.name.to_lowercase()));
            cur = node.parent.as_ref().and_then(|p| nodes.get(p));
        }
        chain.reverse();
        chain
    };
    let mut out: Vec<(Vec<(u8, String)>, FolderInfo)> =
        nodes.values().map(|f| (key(f), f.clone())).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, f)| f).collect()
}

/// A change to the folder tree that needs the server and the cache together.
enum FolderChange {
    Rename { from: String, to: String },
    Delete { path: String },
}

#[cfg(test)]
mod tests {
    use mailcall_mail::{MailboxId, MailboxRole};

    use super::*;

    fn mb(name: &str, role: Option<MailboxRole>, total: u64) -> MailboxSummary {
        MailboxSummary {
            id: MailboxId(1),
            name: name.to_owned(),
            role,
            total,
            unread: 1,
        }
    }

    #[test]
    fn the_tree_puts_parents_first_and_makes_up_missing_ones() {
        let boxes = [
            mb("Lists.GitHub", None, 4),
            mb("Trash", Some(MailboxRole::Trash), 0),
            mb("Archive", Some(MailboxRole::Archive), 2),
            mb("INBOX", Some(MailboxRole::Inbox), 9),
            mb("Projects", None, 1),
            mb("Projects.Old", None, 1),
        ];
        let tree = folder_tree(&boxes, Some("."));
        let paths: Vec<_> = tree.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "INBOX",
                "Archive",
                "Trash",
                "Lists",
                "Lists.GitHub",
                "Projects",
                "Projects.Old"
            ]
        );
        let lists = &tree[3];
        assert!(!lists.selectable && lists.depth == 0 && lists.total == 0);
        let github = &tree[4];
        assert_eq!(
            (github.name.as_str(), github.parent.as_deref(), github.depth),
            ("GitHub", Some("Lists"), 1)
        );
    }
}
