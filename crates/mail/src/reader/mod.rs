//! The reading pane's core: a raw message turned into what the app shows, without any
//! GUI. HTML is sanitized here and meant for a sandboxed, script-less iframe
//! (`sandbox="allow-same-origin"`, no `allow-scripts`) whose `srcdoc` is
//! [`Reading::document`].
//!
//! Use:
//! - [`render`]`(raw, &RemotePolicy::Block)`: headers, text, sanitized HTML, attachments
//!   and the count of remote references blocked; makes no network request.
//! - [`render_allowing_remote`]: the same with remote images and fonts loaded by the
//!   core ([`RemoteFetcher`]: no cookies, no referrer, capped) and inlined as `data:`
//!   URIs, so the frame's CSP stays `img-src data:` either way.
//! - [`attachment`]: one attachment's bytes for "save as".
//! - Getting `raw`: [`crate::MailService::message_source`] (fetched with `BODY.PEEK[]`,
//!   kept in the cache) or [`crate::Store::raw_message`]; whether a sender's remote
//!   content always loads: [`crate::Store::remote_content_allowed`].
//!
//! Invariants of the output (tested against a hostile corpus in `tests`): no script
//! survives (no `<script>`, event handler, `javascript:`/`vbscript:`/`data:text/html`
//! URL, `<iframe>`/`<object>`/`<embed>`/`<form>`, SVG); no remote URL survives outside
//! links (`src`, `srcset`, `background`, `poster`, `<image>`, `<picture><source>`, CSS
//! `url()` after decoding escapes, `@import`, `@font-face`, `image-set()`, `<link>`,
//! `<meta http-equiv=refresh>`, `<base>`), each counted in
//! [`Reading::blocked_remote`]; links keep their real URL; `cid:` references become the
//! inline parts as `data:` URIs (size-capped).

mod css;
mod html;
mod parts;
mod remote;
mod urls;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use mail_parser::MessageParser;
use serde::{Deserialize, Serialize};

pub use parts::{AttachmentInfo, MAX_INLINE_PART_BYTES, MAX_INLINE_TOTAL_BYTES};
pub use remote::{fetch_remote, RemoteError, RemoteFetcher, RemoteLimits};

use crate::error::{Error, Result};
use crate::types::Address;

/// The Content-Security-Policy of the reading frame: the first element of
/// [`Reading::document`]. Nothing loads from the network; images and fonts only as
/// `data:`; inline styles only.
pub const CSP: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; \
                       font-src data:; form-action 'none'; base-uri 'none'";

/// The attribute a blocked element carries, naming the attributes it lost
/// (`data-remote-blocked="src srcset"`), for a placeholder style.
pub const BLOCKED_ATTRIBUTE: &str = "data-remote-blocked";

/// Whether remote content of one message is loaded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RemotePolicy {
    /// Nothing remote loads; every remote reference is counted.
    #[default]
    Block,
    /// Remote references found in this map (URL as in [`Reading::remote_urls`] ->
    /// `data:` URI, from [`RemoteFetcher::fetch_all`]) are inlined; others stay blocked.
    Inline(HashMap<String, String>),
}

/// A message as the reading pane shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// RFC 2047 decoded; empty when missing.
    pub subject: String,
    pub from: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// The Date header in Unix seconds; `None` when missing or not a date.
    pub date: Option<i64>,
    /// The text: text/plain parts, else the HTML reduced to text.
    pub text: String,
    /// The sanitized HTML body (a fragment), `None` when the message has no HTML part.
    pub html: Option<String>,
    /// The whole `srcdoc` for the reading frame: the CSP meta first, then a small base
    /// style, then the sanitized HTML (or the text, escaped, when there is no HTML).
    pub document: String,
    /// Every part that is not a body, in [`attachment`] index order.
    pub attachments: Vec<AttachmentInfo>,
    /// Remote references left out of `html` (each occurrence counts): show "load remote
    /// content" when it is above zero.
    pub blocked_remote: usize,
    /// The distinct remote images and fonts that loading remote content would fetch
    /// (at most 64), for [`RemoteFetcher::fetch_all`]. Stylesheets (`<link>`,
    /// `@import`), refresh targets and base URLs are never loaded and not listed.
    pub remote_urls: Vec<String>,
}

/// Renders a raw RFC 5322 message for reading. Pure and synchronous (run it off the UI
/// thread and off the async runtime: `spawn_blocking`); never fails, never panics, and
/// makes no network request: unreadable parts become empty fields.
pub fn render(raw: &[u8], policy: &RemotePolicy) -> Reading {
    let parsed = MessageParser::default().parse(raw);
    let Some(msg) = parsed else {
        let text = String::from_utf8_lossy(raw).into_owned();
        return Reading {
            subject: String::new(),
            from: Vec::new(),
            to: Vec::new(),
            cc: Vec::new(),
            date: None,
            document: document(&text_as_html(&text)),
            text,
            html: None,
            attachments: Vec::new(),
            blocked_remote: 0,
            remote_urls: Vec::new(),
        };
    };
    let refs = urls::Rewriter {
        cids: parts::cid_images(&msg),
        remote: match policy {
            RemotePolicy::Block => HashMap::new(),
            RemotePolicy::Inline(map) => map.clone(),
        },
        tally: urls::Tally::default(),
    };
    let text = parts::text_body(&msg);
    let (html, refs) = match parts::html_body(&msg) {
        Some(body) => {
            let (clean, refs) = html::sanitize(&body, refs);
            (Some(clean), refs)
        }
        None => (None, refs),
    };
    let body = html.clone().unwrap_or_else(|| text_as_html(&text));
    Reading {
        subject: msg.subject().unwrap_or_default().to_owned(),
        from: parts::addresses(msg.from()),
        to: parts::addresses(msg.to()),
        cc: parts::addresses(msg.cc()),
        date: msg
            .date()
            .filter(|d| d.is_valid())
            .map(|d| d.to_timestamp()),
        document: document(&body),
        text,
        html,
        attachments: parts::attachments(&msg),
        blocked_remote: refs.tally.blocked,
        remote_urls: refs.tally.loadable,
    }
}

/// Renders with remote content loaded: a blocked render finds the remote images and
/// fonts, `fetcher` loads them, and a second render inlines those that loaded (the
/// others stay blocked and counted). Rendering runs on the blocking pool.
pub async fn render_allowing_remote(raw: Arc<[u8]>, fetcher: &RemoteFetcher) -> Reading {
    let first = {
        let raw = Arc::clone(&raw);
        tokio::task::spawn_blocking(move || render(&raw, &RemotePolicy::Block)).await
    };
    let first = match first {
        Ok(r) => r,
        Err(_) => return render(&raw, &RemotePolicy::Block),
    };
    if first.remote_urls.is_empty() {
        return first;
    }
    let loaded = fetcher.fetch_all(&first.remote_urls).await;
    let policy = RemotePolicy::Inline(loaded);
    let again = {
        let raw = Arc::clone(&raw);
        tokio::task::spawn_blocking(move || render(&raw, &policy)).await
    };
    again.unwrap_or(first)
}

/// An attachment to save: a file name safe to suggest (no directories), its MIME type
/// and its decoded bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedAttachment {
    pub filename: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// Attachment `index` (as in [`Reading::attachments`]) of a raw message.
pub fn attachment(raw: &[u8], index: usize) -> Result<SavedAttachment> {
    let msg = MessageParser::default().parse(raw);
    let count = msg.as_ref().map_or(0, |m| m.attachment_count());
    let part = msg
        .as_ref()
        .and_then(|m| m.attachments().nth(index))
        .ok_or(Error::NoAttachment { index, count })?;
    let mime = parts::mime_of(part);
    Ok(SavedAttachment {
        filename: parts::safe_filename(
            mail_parser::MimeHeaders::attachment_name(part),
            index,
            &mime,
        ),
        bytes: part.contents().to_vec(),
        mime,
    })
}

/// The reading frame's `srcdoc` around a sanitized body.
fn document(body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
         content=\"{CSP}\"><meta charset=\"utf-8\"><meta name=\"referrer\" \
         content=\"no-referrer\"><style>body{{margin:8px;overflow-wrap:anywhere}}\
         img{{max-width:100%;height:auto}}[{BLOCKED_ATTRIBUTE}]{{outline:1px dashed #999}}\
         pre.mailcall-text{{white-space:pre-wrap;font:inherit}}</style></head>\
         <body>{body}</body></html>"
    )
}

/// Plain text as HTML: escaped, whitespace kept.
fn text_as_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    out.push_str("<pre class=\"mailcall-text\">");
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out.push_str("</pre>");
    out
}
