//! Turning raw RFC 5322 bytes (a header block, or a whole message) into the fields the
//! cache keeps: [`MessageMeta`] and, for whole messages, the body text for search.
//!
//! Invariants: parsing never panics and never fails. Whatever cannot be read becomes
//! an empty or `None` field; a missing Message-ID is replaced by a stable synthetic one
//! (`<hex>@synthetic.mailcall.invalid`, a digest of the raw header block) so threads and
//! de-duplication keep working. Message-IDs are stored without angle brackets.

mod automated;
mod body;

use mail_parser::{Addr, HeaderValue, MessageParser, MimeHeaders};
use serde::{Deserialize, Serialize};

pub use automated::is_no_reply_address;
pub use body::{full_text, MAX_BODY_BYTES};

use crate::digest::fnv1a64;
use crate::types::Address;

/// Upper bound on References kept per message: a long chain adds nothing to threading
/// past its first and last entries, and mailers in loops produce thousands.
const MAX_REFERENCES: usize = 64;
/// Domain of synthesized Message-IDs; `.invalid` (RFC 2606) can never collide with a real one.
pub const SYNTHETIC_DOMAIN: &str = "synthetic.mailcall.invalid";

/// What the cache keeps of a message's header block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageMeta {
    /// Without angle brackets; synthesized when the header is missing or empty.
    pub message_id: String,
    /// True when `message_id` was synthesized.
    pub message_id_synthetic: bool,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// RFC 2047 decoded; empty when missing.
    pub subject: String,
    /// `None` when there is no readable From.
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// The Date header in Unix seconds; `None` when missing or not a date.
    pub date: Option<i64>,
    /// The List-Id identifier, lower-case, without angle brackets.
    pub list_id: Option<String>,
    /// Bulk, list, auto-submitted or no-reply mail (see [`is_no_reply_address`]).
    pub automated: bool,
    /// A MIME part is marked `Content-Disposition: attachment`. Only known when the
    /// whole message was parsed; header blocks give `false`.
    pub has_attachment: bool,
}

/// A parsed whole message: its meta and the text to index.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedMessage {
    pub meta: MessageMeta,
    /// text/plain preferred, else HTML reduced to text; `None` when the input had no body.
    pub body_text: Option<String>,
}

/// Parses a header block (as from `BODY.PEEK[HEADER.FIELDS (...)]`) or a whole message,
/// keeping only the header fields.
pub fn parse_headers(raw: &[u8]) -> MessageMeta {
    parse_message(raw).meta
}

/// Parses a whole message. Never panics; unreadable parts become empty fields.
pub fn parse_message(raw: &[u8]) -> ParsedMessage {
    let parser = MessageParser::default();
    let Some(msg) = parser.parse(raw) else {
        return ParsedMessage {
            meta: MessageMeta {
                message_id: synthetic_id(raw),
                message_id_synthetic: true,
                ..MessageMeta::default()
            },
            body_text: None,
        };
    };

    let (message_id, message_id_synthetic) = match msg.message_id().and_then(clean_id) {
        Some(id) => (id, false),
        None => (synthetic_id(header_block(raw)), true),
    };
    let in_reply_to = id_list(msg.in_reply_to());
    let mut references = id_list(msg.references());
    if references.len() > MAX_REFERENCES {
        let tail = references.split_off(references.len() - (MAX_REFERENCES - 1));
        references.truncate(1);
        references.extend(tail);
    }
    let from = msg.from().and_then(|a| a.first()).map(address);
    let to = msg
        .to()
        .map(|a| a.iter().map(address).collect())
        .unwrap_or_default();
    let cc = msg
        .cc()
        .map(|a| a.iter().map(address).collect())
        .unwrap_or_default();
    let date = msg
        .date()
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp());
    let list_id = list_id(msg.list_id());
    let precedence = msg.header_raw("Precedence");
    let auto_submitted = msg.header_raw("Auto-Submitted");
    let automated = automated::is_automated(&automated::Signals {
        list_id: list_id.is_some() || !msg.list_id().is_empty(),
        list_unsubscribe: !msg.list_unsubscribe().is_empty()
            || msg.header_raw("List-Unsubscribe").is_some(),
        precedence,
        auto_submitted,
        from: from.as_ref().map(|a| a.addr.as_str()),
    });
    let has_attachment = msg.parts.iter().any(|p| {
        p.content_disposition()
            .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"))
    });
    let body_text = body::text(&msg);

    ParsedMessage {
        meta: MessageMeta {
            message_id,
            message_id_synthetic,
            in_reply_to,
            references,
            subject: msg.subject().map(clean_text).unwrap_or_default(),
            from,
            to,
            cc,
            date,
            list_id,
            automated,
            has_attachment,
        },
        body_text,
    }
}

/// The bytes up to the first empty line (the header block), or everything.
fn header_block(raw: &[u8]) -> &[u8] {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n"));
    end.map_or(raw, |e| &raw[..e])
}

fn synthetic_id(seed: &[u8]) -> String {
    format!("{:016x}@{SYNTHETIC_DOMAIN}", fnv1a64(seed))
}

/// Strips angle brackets and blanks; `None` when nothing is left.
fn clean_id(id: &str) -> Option<String> {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && !id.contains(char::is_whitespace)).then(|| id.to_owned())
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        for part in s.split(|c: char| c.is_whitespace() || c == ',') {
            if let Some(id) = clean_id(part) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
    };
    match value {
        HeaderValue::Text(t) => push(t),
        HeaderValue::TextList(list) => list.iter().for_each(|t| push(t)),
        _ => {}
    }
    out
}

fn address(a: &Addr<'_>) -> Address {
    Address {
        name: a.name().map(clean_text).filter(|n| !n.is_empty()),
        addr: a
            .address()
            .map(|s| s.trim().to_lowercase())
            .unwrap_or_default(),
    }
}

/// The List-Id identifier: the bracketed part, or the whole value when unbracketed.
fn list_id(value: &HeaderValue<'_>) -> Option<String> {
    let raw = match value {
        HeaderValue::Address(a) => a.first().and_then(|a| a.address()).map(str::to_owned),
        HeaderValue::Text(t) => Some(t.to_string()),
        _ => None,
    }?;
    let id = match (raw.find('<'), raw.rfind('>')) {
        (Some(a), Some(b)) if a < b => &raw[a + 1..b],
        _ => raw.as_str(),
    };
    let id = id.trim().to_lowercase();
    (!id.is_empty()).then_some(id)
}

/// Removes control characters (NUL and friends break display and FTS) and trims.
pub(crate) fn clean_text(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned.trim().to_owned()
}
