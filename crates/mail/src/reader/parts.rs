//! The MIME side of reading: the HTML and text bodies, the attachment list, one
//! attachment's bytes, and the `cid:` parts as `data:` URIs.
//!
//! Attachment indexes are positions in mail-parser's attachment list (every part that is
//! not a body: files, inline images, attached messages), the same for
//! [`super::Reading::attachments`] and [`super::attachment`].

use std::collections::HashMap;

use base64::Engine;
use mail_parser::{Message, MessagePart, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};

use crate::types::Address;

/// One inline part at most this large becomes a `data:` URI; larger ones are left out.
pub const MAX_INLINE_PART_BYTES: usize = 5 * 1024 * 1024;
/// All inline parts of one message together at most this large.
pub const MAX_INLINE_TOTAL_BYTES: usize = 20 * 1024 * 1024;

/// An attachment as the reading pane lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    /// Position for [`super::attachment`].
    pub index: usize,
    /// From `Content-Disposition` / `Content-Type` name, as sent (not yet safe as a path).
    pub filename: Option<String>,
    /// `type/subtype`, lower-case.
    pub mime: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// Without angle brackets.
    pub content_id: Option<String>,
    /// Shown in the body (`Content-Disposition: inline`, or a Content-ID without a
    /// disposition) rather than offered as a file.
    pub inline: bool,
}

pub(crate) fn mime_of(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None if matches!(part.body, PartType::Message(_)) => "message/rfc822".to_owned(),
        None => "application/octet-stream".to_owned(),
    }
}

fn content_id(part: &MessagePart<'_>) -> Option<String> {
    let id = part
        .content_id()?
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    (!id.is_empty()).then(|| id.to_owned())
}

pub(crate) fn attachments(msg: &Message<'_>) -> Vec<AttachmentInfo> {
    msg.attachments()
        .enumerate()
        .map(|(index, part)| {
            let disposition = part.content_disposition();
            let content_id = content_id(part);
            let inline = match disposition {
                Some(d) => d.ctype().eq_ignore_ascii_case("inline"),
                None => content_id.is_some(),
            };
            AttachmentInfo {
                index,
                filename: part.attachment_name().map(str::to_owned),
                mime: mime_of(part),
                size: part.len() as u64,
                content_id,
                inline,
            }
        })
        .collect()
}

/// Every image part with a Content-ID, as `data:` URIs keyed by lower-case Content-ID,
/// within the size caps.
pub(crate) fn cid_images(msg: &Message<'_>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut total = 0usize;
    for part in &msg.parts {
        let Some(id) = content_id(part) else { continue };
        let mime = mime_of(part);
        if !mime.starts_with("image/") || matches!(part.body, PartType::Multipart(_)) {
            continue;
        }
        let bytes = part.contents();
        if bytes.len() > MAX_INLINE_PART_BYTES || total + bytes.len() > MAX_INLINE_TOTAL_BYTES {
            continue;
        }
        total += bytes.len();
        out.insert(id.to_ascii_lowercase(), data_uri(&mime, bytes));
    }
    out
}

/// A `data:` URI of `bytes` (base64). The media type is kept only when it is a plain
/// `type/subtype` token, so nothing can be smuggled into the URI.
pub(crate) fn data_uri(mime: &str, bytes: &[u8]) -> String {
    let safe = mime.split('/').count() == 2
        && mime
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/+-.".contains(&b));
    let mime = if safe {
        mime
    } else {
        "application/octet-stream"
    };
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The HTML of the message's HTML body parts, joined; `None` when it has none.
pub(crate) fn html_body(msg: &Message<'_>) -> Option<String> {
    let mut out = String::new();
    for &id in &msg.html_body {
        if let Some(PartType::Html(html)) = msg.part(id).map(|p| &p.body) {
            out.push_str(html);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The plain text to show: text/plain parts, else the HTML reduced to text.
pub(crate) fn text_body(msg: &Message<'_>) -> String {
    let mut out = String::new();
    for i in 0..msg.text_body_count().max(msg.html_body_count()) {
        if let Some(text) = msg.body_text(i) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&text);
        }
    }
    out
}

pub(crate) fn addresses(list: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    list.map(|a| {
        a.iter()
            .map(|a| Address {
                name: a.name().map(str::to_owned),
                addr: a.address().unwrap_or_default().to_lowercase(),
            })
            .collect()
    })
    .unwrap_or_default()
}

/// A name safe to suggest in a save dialog: no directories, no control characters,
/// not hidden, never empty.
pub(crate) fn safe_filename(name: Option<&str>, index: usize, mime: &str) -> String {
    let base = name
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_control() || ":*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect::<String>();
    let base = base.trim().trim_start_matches('.').trim().to_owned();
    if !base.is_empty() {
        return base;
    }
    let ext = match mime {
        "message/rfc822" => ".eml",
        "application/pdf" => ".pdf",
        "image/png" => ".png",
        "image/jpeg" => ".jpg",
        "image/gif" => ".gif",
        "text/plain" => ".txt",
        "text/html" => ".html",
        _ => "",
    };
    format!("attachment-{}{ext}", index + 1)
}
