//! The text of a message body for reading and for the search index: text/plain parts
//! preferred, HTML reduced to text by mail-parser when a message has no plain part.
//!
//! Invariants: the result has no NUL or other control characters except newline and
//! tab, and is at most [`MAX_BODY_BYTES`] long (cut on a character boundary).

use mail_parser::Message;

/// Body text kept per message. Longer bodies are cut: the start of a message is what
/// people search for, and the cap bounds the index size.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// `None` when the input was a header block with no body at all.
pub(crate) fn text(msg: &Message<'_>) -> Option<String> {
    text_up_to(msg, MAX_BODY_BYTES)
}

/// The whole body text of a raw message, without the cache's cap: for reading a long
/// message past what the cache keeps. `None` when there is no body.
pub fn full_text(raw: &[u8]) -> Option<String> {
    let msg = mail_parser::MessageParser::default().parse(raw)?;
    text_up_to(&msg, usize::MAX)
}

fn text_up_to(msg: &Message<'_>, limit: usize) -> Option<String> {
    let raw = msg.raw_message();
    let body_start = msg.root_part().raw_body_offset() as usize;
    if raw
        .get(body_start..)
        .is_none_or(|b| b.iter().all(u8::is_ascii_whitespace))
    {
        return None;
    }
    let mut out = String::new();
    let count = msg.text_body_count().max(msg.html_body_count());
    for i in 0..count {
        let Some(part) = msg.body_text(i) else {
            continue;
        };
        if !out.is_empty() {
            out.push('\n');
        }
        push_clean(&mut out, &part);
        if out.len() >= limit {
            break;
        }
    }
    truncate(&mut out, limit);
    Some(out)
}

fn push_clean(out: &mut String, s: &str) {
    out.extend(s.chars().map(|c| match c {
        '\n' | '\t' => c,
        '\r' => '\n',
        c if c.is_control() => ' ',
        c => c,
    }));
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}
