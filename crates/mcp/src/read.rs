//! Read tools: everything here is answered from the cache, except a body or an
//! attachment the cache does not hold, which is fetched with `BODY.PEEK` (the message
//! stays unread on the server).

use mailcall_mail::{MessageId, Period, SearchOrder, SenderKey};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::{json, Value};

use crate::answer::{self, finish, ToolResult};
use crate::args::{
    FindArgs, GetMessageArgs, ListMessagesArgs, MessageArgs, NeverOpenedArgs, NoArgs, Order,
    SearchArgs, SenderBy, SendersArgs, WaitingArgs,
};
use crate::error::{Error, Result};
use crate::Bridge;

#[tool_router(router = read_router, vis = "pub(crate)")]
impl Bridge {
    #[tool(
        description = "Which account this server reads, whether changes are allowed (writes_enabled), cache totals, and how many local changes still wait for the server. Call first to orient.",
        annotations(read_only_hint = true)
    )]
    async fn account_status(&self, Parameters(_): Parameters<NoArgs>) -> ToolResult {
        finish(self.account_status_value().await)
    }

    #[tool(
        description = "All folders in the cache with total and unread message counts and special use (inbox, sent, drafts, trash, junk, archive).",
        annotations(read_only_hint = true)
    )]
    async fn list_folders(&self, Parameters(_): Parameters<NoArgs>) -> ToolResult {
        finish(
            self.cache
                .run(|s| Ok(s.mailboxes()?))
                .await
                .map(|boxes| json!({ "folders": boxes })),
        )
    }

    #[tool(
        description = "One page of a folder's messages, newest first: id, date, sender, subject, unread/flagged. Page on with next_cursor.",
        annotations(read_only_hint = true)
    )]
    async fn list_messages(&self, Parameters(a): Parameters<ListMessagesArgs>) -> ToolResult {
        let run = async {
            let offset = answer::offset(a.cursor.as_deref())?;
            let limit = answer::limit(a.limit)?;
            let folder = a.folder.clone();
            let page = self
                .cache
                .run(move |s| {
                    let id = s
                        .mailbox_id(&folder)?
                        .ok_or_else(|| Error::NoFolder(folder.clone()))?;
                    Ok(s.list_messages(id, offset, limit)?)
                })
                .await?;
            Ok(answer::page(&page))
        };
        finish(run.await)
    }

    #[tool(
        description = "Search the cache with the query language (fields, phrases, OR, -exclusion, dates, is:unread, has:attachment). Use find_messages instead for simple filters.",
        annotations(read_only_hint = true)
    )]
    async fn search(&self, Parameters(a): Parameters<SearchArgs>) -> ToolResult {
        finish(self.search_page(a.query, a.cursor, a.limit, a.order).await)
    }

    #[tool(
        description = "Find messages by simple filters (text, sender, recipient, subject, folder, date range, unread, flagged, attachment); all given filters must match. Newest first, paged.",
        annotations(read_only_hint = true)
    )]
    async fn find_messages(&self, Parameters(a): Parameters<FindArgs>) -> ToolResult {
        let run = async {
            let query = find_query(&a)?;
            self.search_page(query, a.cursor, a.limit, Order::Newest)
                .await
        };
        finish(run.await)
    }

    #[tool(
        description = "One message: headers (from, to, cc, date, subject, folder, flags, message-id, list-id) and its plain-text body, cut at max_body_bytes; call again with body_offset = next_offset for more.",
        annotations(read_only_hint = true)
    )]
    async fn get_message(&self, Parameters(a): Parameters<GetMessageArgs>) -> ToolResult {
        finish(self.message_value(a).await)
    }

    #[tool(
        description = "The whole conversation a message belongs to, oldest first.",
        annotations(read_only_hint = true)
    )]
    async fn get_thread(&self, Parameters(a): Parameters<MessageArgs>) -> ToolResult {
        let id = a.message_id;
        let run = self.cache.run(move |s| {
            let m = s.message(MessageId(id))?.ok_or(Error::NoMessage(id))?;
            Ok(s.thread_members(m.summary.thread)?)
        });
        finish(run.await.map(|members| {
            answer::untrusted(json!({
                "thread_id": members.first().map(|m| m.thread.0),
                "messages": members.iter().map(answer::summary).collect::<Vec<_>>(),
            }))
        }))
    }

    #[tool(
        description = "Conversations waiting for my reply: the last message of each thread where someone else wrote last and I have not answered, newest first.",
        annotations(read_only_hint = true)
    )]
    async fn waiting_for_reply(&self, Parameters(a): Parameters<WaitingArgs>) -> ToolResult {
        let run = async {
            let period = period(a.since.as_deref(), a.until.as_deref())?;
            let limit = a.limit.unwrap_or(50).clamp(1, answer::MAX_PAGE);
            let me = self.me();
            let (rows, classes) = self
                .cache
                .run(move |s| {
                    let me: Vec<&str> = me.iter().map(String::as_str).collect();
                    let rows = s.waiting_for_reply(&me, period, limit)?;
                    let addrs: Vec<&str> = rows.iter().map(|m| m.from.addr.as_str()).collect();
                    let classes = s.sender_classes(&addrs)?;
                    Ok((rows, classes))
                })
                .await?;
            let messages: Vec<Value> = rows
                .iter()
                .map(|m| {
                    let mut v = answer::summary(m);
                    v["sender"] = answer::sender_class(classes.get(&m.from.addr));
                    v
                })
                .collect();
            Ok(answer::untrusted(json!({
                "count": rows.len(),
                "messages": messages,
            })))
        };
        finish(run.await)
    }

    #[tool(
        description = "Who sends me the most mail (by address or domain) in a period, each address with its class (machine or person) and why, plus the share of automated mail versus mail from people (senders judged by headers and by the mailbox's own evidence).",
        annotations(read_only_hint = true)
    )]
    async fn top_senders(&self, Parameters(a): Parameters<SendersArgs>) -> ToolResult {
        let run = async {
            let period = period(a.since.as_deref(), a.until.as_deref())?;
            let limit = a.limit.unwrap_or(20).clamp(1, answer::MAX_PAGE);
            let key = match a.by {
                SenderBy::Address => SenderKey::Address,
                SenderBy::Domain => SenderKey::Domain,
            };
            let me = self.me();
            let (top, classes, share) = self
                .cache
                .run(move |s| {
                    let me: Vec<&str> = me.iter().map(String::as_str).collect();
                    let top = s.top_senders(key, &me, period, limit)?;
                    let keys: Vec<&str> = top.iter().map(|c| c.key.as_str()).collect();
                    let classes = match key {
                        SenderKey::Address => s.sender_classes(&keys)?,
                        SenderKey::Domain => Default::default(),
                    };
                    Ok((top, classes, s.automation_share(period)?))
                })
                .await?;
            let senders = answer::counts_with_class(&top, &classes);
            Ok(answer::untrusted(json!({
                "senders": senders,
                "automated": share.automated,
                "human": share.human,
                "automated_ratio": share.automated_ratio(),
            })))
        };
        finish(run.await)
    }

    #[tool(
        description = "Senders whose mail I never open (none of their messages read), each with its class (machine or person) and why: candidates for auto-archive rules (plan_auto_archive).",
        annotations(read_only_hint = true)
    )]
    async fn never_opened_senders(&self, Parameters(a): Parameters<NeverOpenedArgs>) -> ToolResult {
        let run = async {
            let period = period(a.since.as_deref(), a.until.as_deref())?;
            let min = a.min_messages.unwrap_or(3).max(1);
            let me = self.me();
            let (rows, classes) = self
                .cache
                .run(move |s| {
                    let me: Vec<&str> = me.iter().map(String::as_str).collect();
                    let rows = s.never_opened(&me, period, min)?;
                    let keys: Vec<&str> = rows.iter().map(|c| c.key.as_str()).collect();
                    let classes = s.sender_classes(&keys)?;
                    Ok((rows, classes))
                })
                .await?;
            Ok(answer::untrusted(
                json!({ "senders": answer::counts_with_class(&rows, &classes) }),
            ))
        };
        finish(run.await)
    }

    #[tool(
        description = "Cache statistics: folders, messages, unread, bodies fetched, threads, size on disk.",
        annotations(read_only_hint = true)
    )]
    async fn cache_stats(&self, Parameters(_): Parameters<NoArgs>) -> ToolResult {
        finish(self.cache.run(|s| Ok(s.stats()?)).await)
    }
}

impl Bridge {
    async fn search_page(
        &self,
        query: String,
        cursor: Option<String>,
        limit: Option<u32>,
        order: Order,
    ) -> Result<Value> {
        let offset = answer::offset(cursor.as_deref())?;
        let limit = answer::limit(limit)?;
        let order = match order {
            Order::Newest => SearchOrder::NewestFirst,
            Order::Relevance => SearchOrder::Relevance,
        };
        // Parse first so a syntax error is reported with its position, not as SQL.
        mailcall_mail::parse_query(&query).map_err(mailcall_mail::Error::Query)?;
        let page = self
            .cache
            .run(move |s| Ok(s.search(&query, order, offset, limit)?))
            .await?;
        Ok(answer::page(&page))
    }

    async fn message_value(&self, a: GetMessageArgs) -> Result<Value> {
        let id = a.message_id;
        let mut m = self
            .cache
            .run(move |s| s.message(MessageId(id))?.ok_or(Error::NoMessage(id)))
            .await?;
        let mut body_note = None;
        if m.body_text.is_none() && a.fetch_missing_body.unwrap_or(true) {
            match self.fetch_body(&m).await {
                Ok(fetched) => m = fetched,
                Err(e) => body_note = Some(format!("{e}. {}", e.advice())),
            }
        }
        let max = a
            .max_body_bytes
            .unwrap_or(answer::BODY_BYTES)
            .clamp(1, answer::MAX_BODY_BYTES);
        let offset = a.body_offset.unwrap_or(0);
        let mut body = m
            .body_text
            .as_deref()
            .map(|t| answer::slice(t, offset, max));
        // The cache keeps the first MAX_BODY_BYTES of a body; reading past that needs the
        // message itself, fetched with BODY.PEEK so it stays unread.
        let cut_by_cache = m
            .body_text
            .as_deref()
            .is_some_and(|t| t.len() + 4 >= mailcall_mail::message::MAX_BODY_BYTES);
        if cut_by_cache
            && offset.saturating_add(u64::from(max))
                > m.body_text.as_deref().map_or(0, |t| t.len() as u64)
        {
            match self.fetch_raw(&m).await {
                Ok(raw) => {
                    if let Some(full) = mailcall_mail::full_text(&raw) {
                        body = Some(answer::slice(&full, offset, max));
                    }
                }
                Err(e) => {
                    body_note = Some(format!(
                        "the cache holds only the first {} bytes of this body and the rest could not be fetched: {e}. {}",
                        mailcall_mail::message::MAX_BODY_BYTES,
                        e.advice()
                    ))
                }
            }
        }
        let s = &m.summary;
        Ok(answer::untrusted(json!({
            "message_id": s.id.0,
            "folder": s.mailbox_name,
            "uid": s.uid.get(),
            "date": answer::iso_date(s.date),
            "from": s.from,
            "to": m.to,
            "cc": m.cc,
            "subject": s.subject,
            "flags": s.flags,
            "has_attachment": s.has_attachment,
            "automated": s.automated,
            "thread_id": s.thread.0,
            "header_message_id": s.message_id,
            "in_reply_to": m.in_reply_to,
            "references": m.references,
            "list_id": m.list_id,
            "size": m.size,
            "body": body,
            "body_unavailable": body_note,
        })))
    }

    pub(crate) fn me(&self) -> Vec<String> {
        let a = self.cache.account();
        let mut me: Vec<String> = a.addresses.clone();
        if me.is_empty() && a.user.contains('@') {
            me.push(a.user.clone());
        }
        me
    }
}

fn period(since: Option<&str>, until: Option<&str>) -> Result<Period> {
    Ok(Period {
        start: since.map(|d| answer::day("since", d)).transpose()?,
        end: until.map(|d| answer::day("until", d)).transpose()?,
    })
}

/// Quotes a value for the query language.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('"', " "))
}

/// The query-language text for simple filters.
pub fn find_query(a: &FindArgs) -> Result<String> {
    let mut terms = Vec::new();
    if let Some(t) = &a.text {
        terms.extend(t.split_whitespace().map(quoted));
    }
    for (field, value) in [("from", &a.from), ("to", &a.to), ("subject", &a.subject)] {
        if let Some(v) = value {
            if field == "from" && !v.contains(char::is_whitespace) {
                // An address or domain is compared exactly by `from:`.
                terms.push(format!("from:{}", quoted(v)));
            } else {
                terms.extend(
                    v.split_whitespace()
                        .map(|w| format!("{field}:{}", quoted(w))),
                );
            }
        }
    }
    if let Some(f) = &a.folder {
        terms.push(format!("folder:{}", quoted(f)));
    }
    if let Some(d) = &a.since {
        answer::day("since", d)?;
        terms.push(format!("date:{d}.."));
    }
    if let Some(d) = &a.before {
        answer::day("before", d)?;
        terms.push(format!("before:{d}"));
    }
    for (flag, on) in [("unread", a.unread), ("flagged", a.flagged)] {
        match on {
            Some(true) => terms.push(format!("is:{flag}")),
            Some(false) => terms.push(format!("-is:{flag}")),
            None => {}
        }
    }
    match a.has_attachment {
        Some(true) => terms.push("has:attachment".to_owned()),
        Some(false) => terms.push("-has:attachment".to_owned()),
        None => {}
    }
    if terms.is_empty() {
        return Err(Error::Argument {
            name: "filters",
            reason: "give at least one filter".to_owned(),
        });
    }
    Ok(terms.join(" "))
}
