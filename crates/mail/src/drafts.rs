//! Reply drafts: the headers of a reply to a cached message (RFC 5322 §3.6.4), its quoted
//! text, the message composed with mail-builder, and its place in the `\Drafts` folder
//! (RFC 6154), appended through the journal (RFC 3501 §6.3.11 APPEND with `\Draft`).
//!
//! Invariants:
//! - Nothing is ever sent: there is no SMTP here; a draft only goes to the drafts folder.
//! - The subject carries exactly one `Re: ` (however many `Re:`/`RE:` the parent had).
//! - `In-Reply-To` is the parent's Message-ID; `References` is the parent's References
//!   (or, without them, its In-Reply-To) followed by the parent's Message-ID.
//! - Reply goes to the parent's sender; reply-all adds the parent's To and Cc. My own
//!   addresses never appear as recipients (unless the parent is mine and went only to me).
//! - Header composition is pure ([`reply_headers`]), so it is tested without a server.

use mail_builder::headers::address::Address as BuilderAddress;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId as BuilderMessageId;
use mail_builder::MessageBuilder;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::error::{Context, Error, Result};
use crate::journal::JournalEntry;
use crate::store::{MessageDetail, Store};
use crate::types::{Address, Flags, MessageId};

/// The headers of a reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyHeaders {
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub subject: String,
    /// Without angle brackets.
    pub in_reply_to: String,
    /// Without angle brackets, oldest first.
    pub references: Vec<String>,
}

/// `Re: ` once, in front of the subject without its reply prefixes.
pub fn reply_subject(subject: &str) -> String {
    let mut rest = subject.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        if lower.starts_with("re:") {
            rest = rest[3..].trim_start();
        } else if lower.starts_with("re[") || lower.starts_with("re(") {
            // `Re[2]:` as some clients number replies.
            match rest.find(':') {
                Some(i)
                    if rest[2..i]
                        .chars()
                        .skip(1)
                        .all(|c| c.is_ascii_digit() || c == ']' || c == ')') =>
                {
                    rest = rest[i + 1..].trim_start();
                }
                _ => break,
            }
        } else {
            break;
        }
    }
    format!("Re: {rest}")
}

fn is_me(addr: &str, me: &[String]) -> bool {
    me.iter().any(|m| m.eq_ignore_ascii_case(addr))
}

fn push_unique(list: &mut Vec<Address>, a: &Address, me: &[String], seen: &mut Vec<String>) {
    if a.addr.is_empty() || is_me(&a.addr, me) || seen.contains(&a.addr) {
        return;
    }
    seen.push(a.addr.clone());
    list.push(a.clone());
}

/// The headers of a reply (`all`: reply-all) to `parent`, from someone whose addresses
/// are `me` (compared without case).
pub fn reply_headers(parent: &MessageDetail, me: &[String], all: bool) -> ReplyHeaders {
    let mut seen = Vec::new();
    let mut to = Vec::new();
    let mut cc = Vec::new();
    let from = &parent.summary.from;
    let mine = is_me(&from.addr, me);
    if mine {
        // A reply to my own message continues to its recipients.
        for a in &parent.to {
            push_unique(&mut to, a, me, &mut seen);
        }
    } else {
        push_unique(&mut to, from, me, &mut seen);
    }
    if all {
        for a in &parent.to {
            push_unique(&mut to, a, me, &mut seen);
        }
        for a in &parent.cc {
            push_unique(&mut cc, a, me, &mut seen);
        }
    }
    if to.is_empty() && mine && !from.addr.is_empty() {
        // My message to myself: the reply goes back to me, not nowhere.
        to.push(from.clone());
    }
    let mut references: Vec<String> = if parent.references.is_empty() {
        parent.in_reply_to.clone()
    } else {
        parent.references.clone()
    };
    let id = parent.summary.message_id.clone();
    if !id.is_empty() && !references.contains(&id) {
        references.push(id.clone());
    }
    ReplyHeaders {
        to,
        cc,
        subject: reply_subject(&parent.summary.subject),
        in_reply_to: id,
        references,
    }
}

/// `On <date>, <name> wrote:` and the parent's text with `> ` in front of each line.
pub fn quote(parent: &MessageDetail) -> String {
    let from = &parent.summary.from;
    let name = from
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(&from.addr);
    let date = Date::new(parent.summary.date).to_rfc822();
    let mut out = format!("On {date}, {name} wrote:\n");
    let text = parent.body_text.as_deref().unwrap_or("");
    for line in text.trim_end().lines() {
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Who writes a draft and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    pub name: Option<String>,
    pub addr: String,
    /// Every address of mine, `addr` included; excluded from recipients.
    pub me: Vec<String>,
}

fn builder_address(a: &Address) -> BuilderAddress<'static> {
    match &a.name {
        Some(n) if !n.is_empty() => BuilderAddress::new_address(Some(n.clone()), a.addr.clone()),
        _ => BuilderAddress::new_address(None::<String>, a.addr.clone()),
    }
}

fn address_list(list: &[Address]) -> BuilderAddress<'static> {
    BuilderAddress::new_list(list.iter().map(builder_address).collect())
}

/// A reply draft to `parent` as raw RFC 5322 bytes: `body`, a blank line, then the quote.
pub fn compose_reply(
    parent: &MessageDetail,
    author: &Author,
    body: &str,
    all: bool,
    now: i64,
) -> Result<Vec<u8>> {
    let h = reply_headers(parent, &author.me, all);
    let domain = author
        .addr
        .rsplit_once('@')
        .map_or("mailcall.invalid", |(_, d)| d);
    let id = format!("{:016x}.{now}@{domain}", rand::random::<u64>());
    // Lines end in CRLF on the wire (RFC 5322 §2.1); the builder keeps them as given.
    let text = format!("{}\n\n{}", body.trim_end(), quote(parent))
        .lines()
        .collect::<Vec<_>>()
        .join("\r\n");
    let from = Address {
        name: author.name.clone(),
        addr: author.addr.clone(),
    };
    let mut b = MessageBuilder::new()
        .from(builder_address(&from))
        .subject(h.subject.clone())
        .message_id(id)
        .date(Date::new(now))
        .text_body(text);
    if !h.to.is_empty() {
        b = b.to(address_list(&h.to));
    }
    if !h.cc.is_empty() {
        b = b.cc(address_list(&h.cc));
    }
    if !h.in_reply_to.is_empty() {
        b = b.in_reply_to(h.in_reply_to.clone());
    }
    if !h.references.is_empty() {
        b = b.references(BuilderMessageId::new_list(h.references.iter().cloned()));
    }
    b.write_to_vec().map_err(Error::Compose)
}

impl Store {
    /// The folder drafts go to: the configured one, else the one with the `\Drafts` role.
    pub fn drafts_folder(&self, configured: Option<&str>) -> Result<String> {
        if let Some(name) = configured {
            return self.mailbox_name(name);
        }
        self.conn
            .query_row(
                "SELECT name FROM mailboxes WHERE role = 'drafts' ORDER BY id LIMIT 1",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .context("find the drafts folder")?
            .ok_or(Error::NoDraftsFolder)
    }

    /// Composes a reply draft to cached message `parent` and journals its APPEND to
    /// `drafts` with `\Draft` (and `\Seen`, since I wrote it); the cache shows it at once.
    pub fn draft_reply(
        &mut self,
        parent: MessageId,
        author: &Author,
        body: &str,
        all: bool,
        drafts: &str,
        now: i64,
    ) -> Result<JournalEntry> {
        let detail = self.message(parent)?.ok_or(Error::NoMessage(parent.0))?;
        let raw = compose_reply(&detail, author, body, all, now)?;
        let flags = Flags {
            seen: true,
            draft: true,
            ..Flags::default()
        };
        self.journal_append(drafts, &raw, &flags, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MessageSummary;
    use crate::types::{MailboxId, ThreadId, Uid};

    fn addr(name: Option<&str>, a: &str) -> Address {
        Address {
            name: name.map(str::to_owned),
            addr: a.to_owned(),
        }
    }

    fn parent(from: Address, to: Vec<Address>, cc: Vec<Address>) -> MessageDetail {
        MessageDetail {
            summary: MessageSummary {
                id: MessageId(1),
                mailbox: MailboxId(1),
                mailbox_name: "INBOX".to_owned(),
                uid: Uid::new(9).expect("uid"),
                date: 1_751_364_000,
                from,
                subject: "RE: Re:  Budget".to_owned(),
                flags: Flags::default(),
                has_attachment: false,
                automated: false,
                thread: ThreadId(1),
                message_id: "p@x.example".to_owned(),
            },
            to,
            cc,
            in_reply_to: vec!["g@x.example".to_owned()],
            references: vec!["r1@x.example".to_owned(), "g@x.example".to_owned()],
            list_id: None,
            size: None,
            internal_date: None,
            modseq: None,
            body_text: Some("Numbers attached.\n\nAnn".to_owned()),
        }
    }

    fn me() -> Vec<String> {
        vec!["me@corp.example".to_owned(), "me@home.example".to_owned()]
    }

    #[test]
    fn subject_gets_exactly_one_re() {
        assert_eq!(reply_subject("Budget"), "Re: Budget");
        assert_eq!(reply_subject("Re: Budget"), "Re: Budget");
        assert_eq!(reply_subject("RE: re:Budget"), "Re: Budget");
        assert_eq!(reply_subject("Re[2]: Budget"), "Re: Budget");
        assert_eq!(reply_subject("Regarding budget"), "Re: Regarding budget");
        assert_eq!(reply_subject(""), "Re: ");
    }

    #[test]
    fn reply_goes_to_sender_and_threads() {
        let p = parent(
            addr(Some("Ann"), "ann@x.example"),
            vec![addr(None, "ME@corp.example"), addr(None, "bob@x.example")],
            vec![addr(None, "cid@x.example")],
        );
        let h = reply_headers(&p, &me(), false);
        assert_eq!(h.to, [addr(Some("Ann"), "ann@x.example")]);
        assert!(h.cc.is_empty());
        assert_eq!(h.subject, "Re: Budget");
        assert_eq!(h.in_reply_to, "p@x.example");
        assert_eq!(h.references, ["r1@x.example", "g@x.example", "p@x.example"]);
    }

    #[test]
    fn reply_all_excludes_me_and_duplicates() {
        let p = parent(
            addr(Some("Ann"), "ann@x.example"),
            vec![
                addr(None, "ME@corp.example"),
                addr(None, "bob@x.example"),
                addr(None, "ann@x.example"),
            ],
            vec![addr(None, "me@home.example"), addr(None, "cid@x.example")],
        );
        let h = reply_headers(&p, &me(), true);
        let to: Vec<&str> = h.to.iter().map(|a| a.addr.as_str()).collect();
        let cc: Vec<&str> = h.cc.iter().map(|a| a.addr.as_str()).collect();
        assert_eq!(to, ["ann@x.example", "bob@x.example"]);
        assert_eq!(cc, ["cid@x.example"]);
    }

    #[test]
    fn reply_to_my_own_message_goes_to_its_recipients() {
        let p = parent(
            addr(None, "me@corp.example"),
            vec![addr(None, "bob@x.example")],
            vec![],
        );
        let h = reply_headers(&p, &me(), false);
        assert_eq!(h.to, [addr(None, "bob@x.example")]);
        let mut p = parent(addr(None, "me@corp.example"), vec![], vec![]);
        p.references.clear();
        let h = reply_headers(&p, &me(), false);
        assert_eq!(h.to, [addr(None, "me@corp.example")]);
        assert_eq!(h.references, ["g@x.example", "p@x.example"]);
    }

    #[test]
    fn composed_reply_has_headers_and_quote() {
        let p = parent(addr(Some("Ann"), "ann@x.example"), vec![], vec![]);
        let author = Author {
            name: Some("Me".to_owned()),
            addr: "me@corp.example".to_owned(),
            me: me(),
        };
        let raw = compose_reply(&p, &author, "Thanks!", false, 1_751_400_000).expect("compose");
        let parsed = crate::message::parse_message(&raw);
        assert_eq!(parsed.meta.subject, "Re: Budget");
        assert_eq!(parsed.meta.in_reply_to, ["p@x.example"]);
        assert_eq!(
            parsed.meta.references,
            ["r1@x.example", "g@x.example", "p@x.example"]
        );
        assert_eq!(parsed.meta.to[0].addr, "ann@x.example");
        // The raw text, not the parser's body text: that one reflows blank lines.
        let text = String::from_utf8_lossy(&raw);
        let body = &text[text.find("\r\n\r\n").expect("a body") + 4..];
        assert!(body.starts_with("Thanks!\r\n\r\n"), "{body}");
        assert!(
            body.contains("On Tue, 1 Jul 2025 10:00:00 +0000, Ann wrote:\r\n"),
            "{body}"
        );
        assert!(body.contains("> Numbers attached.\r\n>\r\n> Ann"), "{body}");
    }
}
