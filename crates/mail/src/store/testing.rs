//! Messages for the store's unit tests.

use crate::message::parse_headers;
use crate::store::NewMessage;
use crate::types::Uid;

/// Header-only messages with these UIDs, all from ann@`domain` on the same second, with
/// `word` and the UID as subject.
pub(crate) fn headers(
    domain: &str,
    word: &str,
    uids: std::ops::RangeInclusive<u32>,
) -> Vec<NewMessage> {
    uids.map(|u| NewMessage {
        uid: Uid::new(u).expect("uid"),
        flags: Default::default(),
        modseq: None,
        internal_date: None,
        size: None,
        meta: parse_headers(
            format!(
                "Message-ID: <m{u}@{domain}>\r\nSubject: {word} {u}\r\n\
                 From: Ann <ann@{domain}>\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n\r\n"
            )
            .as_bytes(),
        ),
        body_text: None,
    })
    .collect()
}
