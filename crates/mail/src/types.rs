//! Identities and small values shared by the cache, the search and (later) the sync:
//! IMAP identities as newtypes, system flags as a bit set, addresses.
//!
//! Invariants: a [`Uid`] is never zero (RFC 9051 §2.3.1.1); a [`ModSeq`] fits in 63 bits
//! (RFC 7162 §3.1.1 caps it at 2^63-1), so it is stored as a SQLite integer unchanged.

use std::num::{NonZeroU32, NonZeroU64};

use serde::{Deserialize, Serialize};

/// Row id of a mailbox in the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MailboxId(pub i64);

/// Row id of a cached message; stable while the message stays in its mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MessageId(pub i64);

/// Identity of a conversation in the cache. Two threads can merge when a message that
/// links them arrives; the smaller id survives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ThreadId(pub i64);

/// An IMAP UID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Uid(pub NonZeroU32);

impl Uid {
    /// `None` for zero, which is never a UID.
    pub fn new(n: u32) -> Option<Uid> {
        NonZeroU32::new(n).map(Uid)
    }

    pub fn get(self) -> u32 {
        self.0.get()
    }
}

/// An IMAP UIDVALIDITY.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UidValidity(pub NonZeroU32);

/// A CONDSTORE modification sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ModSeq(pub NonZeroU64);

impl ModSeq {
    /// Values at or above 2^63 are not valid mod-sequences and become `None`.
    pub fn new(n: u64) -> Option<ModSeq> {
        if n > i64::MAX as u64 {
            return None;
        }
        NonZeroU64::new(n).map(ModSeq)
    }
}

/// IMAP system flags (`\Recent` is session state and not kept) plus keywords.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    pub seen: bool,
    pub answered: bool,
    pub flagged: bool,
    pub deleted: bool,
    pub draft: bool,
    /// Keywords such as `$Forwarded` or `$Junk`, as the server spells them.
    pub keywords: Vec<String>,
}

pub(crate) const SEEN: i64 = 1;
pub(crate) const ANSWERED: i64 = 2;
pub(crate) const FLAGGED: i64 = 4;
pub(crate) const DELETED: i64 = 8;
pub(crate) const DRAFT: i64 = 16;

impl Flags {
    /// The system flags as the bit set stored in `messages.flags`.
    pub(crate) fn bits(&self) -> i64 {
        [
            (self.seen, SEEN),
            (self.answered, ANSWERED),
            (self.flagged, FLAGGED),
            (self.deleted, DELETED),
            (self.draft, DRAFT),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit)
    }

    pub(crate) fn from_parts(bits: i64, keywords: &str) -> Flags {
        Flags {
            seen: bits & SEEN != 0,
            answered: bits & ANSWERED != 0,
            flagged: bits & FLAGGED != 0,
            deleted: bits & DELETED != 0,
            draft: bits & DRAFT != 0,
            keywords: keywords.split_whitespace().map(str::to_owned).collect(),
        }
    }

    pub(crate) fn keywords_text(&self) -> String {
        self.keywords.join(" ")
    }

    /// Parses IMAP flag atoms (`\Seen`, `$Forwarded`, ...); `\Recent` is dropped.
    pub fn from_imap<'a>(atoms: impl IntoIterator<Item = &'a str>) -> Flags {
        let mut f = Flags::default();
        for atom in atoms {
            match atom.to_ascii_lowercase().as_str() {
                "\\seen" => f.seen = true,
                "\\answered" => f.answered = true,
                "\\flagged" => f.flagged = true,
                "\\deleted" => f.deleted = true,
                "\\draft" => f.draft = true,
                "\\recent" => {}
                _ => f.keywords.push(atom.to_owned()),
            }
        }
        f
    }
}

/// One address of a header: display name (decoded) and lower-case address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: Option<String>,
    /// Lower-case; empty when the header held no readable address.
    pub addr: String,
}

impl Address {
    /// The part after the last `@`, or empty.
    pub fn domain(&self) -> &str {
        self.addr.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

/// The special use of a mailbox (RFC 6154), as far as the cache cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailboxRole {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
    All,
    Flagged,
}

impl MailboxRole {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MailboxRole::Inbox => "inbox",
            MailboxRole::Sent => "sent",
            MailboxRole::Drafts => "drafts",
            MailboxRole::Trash => "trash",
            MailboxRole::Junk => "junk",
            MailboxRole::Archive => "archive",
            MailboxRole::All => "all",
            MailboxRole::Flagged => "flagged",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<MailboxRole> {
        Some(match s {
            "inbox" => MailboxRole::Inbox,
            "sent" => MailboxRole::Sent,
            "drafts" => MailboxRole::Drafts,
            "trash" => MailboxRole::Trash,
            "junk" => MailboxRole::Junk,
            "archive" => MailboxRole::Archive,
            "all" => MailboxRole::All,
            "flagged" => MailboxRole::Flagged,
            _ => return None,
        })
    }
}
