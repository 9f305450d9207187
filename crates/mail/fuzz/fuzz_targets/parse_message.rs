//! Fuzzes message parsing: any bytes must parse without panicking and cache.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailcall_mail::{parse_message, Flags, NewMessage, Store, Uid};

fuzz_target!(|data: &[u8]| {
    let p = parse_message(data);
    assert!(!p.meta.message_id.is_empty());
    if let (Ok(mut store), Some(uid)) = (Store::open_in_memory(), Uid::new(1)) {
        if let Ok(inbox) = store.ensure_mailbox("INBOX", None) {
            let m = NewMessage {
                uid,
                flags: Flags::default(),
                modseq: None,
                internal_date: None,
                size: None,
                meta: p.meta,
                body_text: p.body_text,
            };
            let _ = store.upsert_messages(inbox, &[m]);
        }
    }
});
