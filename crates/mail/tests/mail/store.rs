//! The store API the sync uses, on small hand-written messages.

use mailcall_mail::{
    parse_headers, parse_message, BodyUpdate, FlagUpdate, Flags, MailboxRole, MailboxState, ModSeq,
    NewMessage, SearchOrder, Store, Uid, UidValidity,
};

fn raw(id: &str, from: &str, subject: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{id}>\r\nFrom: {from}\r\nTo: Me <me@corp.example>\r\nSubject: {subject}\r\n\
         Date: Mon, 02 Jun 2025 10:00:00 +0000\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn new(uid: u32, bytes: &[u8], seen: bool) -> NewMessage {
    let p = parse_message(bytes);
    NewMessage {
        uid: Uid::new(uid).unwrap(),
        flags: Flags {
            seen,
            ..Flags::default()
        },
        modseq: ModSeq::new(u64::from(uid)),
        internal_date: Some(1_700_000_000),
        size: Some(bytes.len() as u32),
        meta: p.meta,
        body_text: p.body_text,
    }
}

#[test]
fn japanese_word_inside_japanese_subject_is_found() {
    let mut store = Store::open_in_memory().unwrap();
    let inbox = store
        .ensure_mailbox("INBOX", Some(MailboxRole::Inbox))
        .unwrap();
    let subject = "=?UTF-8?B?5p2l6YCx44Gu5Lya6K2w5a6k44Gu5LqI57SE?="; // 来週の会議室の予約
    let m = raw(
        "jp@x",
        "Tanaka <tanaka@x.example>",
        subject,
        "",
        "本文です。東京都で会いましょう",
    );
    let other = raw("en@x", "Bob <bob@x.example>", "Meeting room", "", "see you");
    store
        .upsert_messages(inbox, &[new(1, &m, false), new(2, &other, false)])
        .unwrap();
    for (q, n) in [
        ("会議", 1),
        ("会議室", 1),
        ("subject:予約", 1),
        ("subject:会", 1),
        ("京都", 1),
        ("body:東京都", 1),
        ("会議 -予約", 0),
        ("meeting", 1),
        ("会議 OR meeting", 2),
        ("議会", 0),
    ] {
        assert_eq!(store.count(q).unwrap(), n, "query {q}");
    }
    let hit = store.search("会議", SearchOrder::Relevance, 0, 5).unwrap();
    assert_eq!(hit.items[0].subject, "来週の会議室の予約");
}

#[test]
fn sync_style_batches_flags_removals_and_bodies() {
    let mut store = Store::open_in_memory().unwrap();
    let inbox = store
        .ensure_mailbox("INBOX", Some(MailboxRole::Inbox))
        .unwrap();
    let a = raw("a@x", "Alice <alice@x.example>", "Quarterly plan", "", "");
    let b = raw(
        "b@x",
        "Bob <bob@x.example>",
        "Re: Quarterly plan",
        "In-Reply-To: <a@x>\r\n",
        "",
    );
    let headers_a = parse_headers(&a);
    let mut first = new(1, &a, false);
    first.meta = headers_a;
    first.body_text = None;
    let report = store
        .upsert_messages(inbox, &[first.clone(), new(2, &b, true)])
        .unwrap();
    assert_eq!((report.inserted, report.updated), (2, 0));
    // Same uid again: flags only.
    first.flags.seen = true;
    let report = store.upsert_messages(inbox, &[first]).unwrap();
    assert_eq!((report.inserted, report.updated), (0, 1));

    let boxes = store.mailboxes().unwrap();
    assert_eq!((boxes[0].total, boxes[0].unread), (2, 0));

    store
        .update_flags(
            inbox,
            &[FlagUpdate {
                uid: Uid::new(2).unwrap(),
                flags: Flags::from_imap(["\\Flagged", "$Work"]),
                modseq: ModSeq::new(9),
            }],
        )
        .unwrap();
    assert_eq!(store.count("is:flagged").unwrap(), 1);
    assert_eq!(store.count("is:unread").unwrap(), 1);

    assert_eq!(store.count("body:budget").unwrap(), 0);
    store
        .set_bodies(
            inbox,
            &[BodyUpdate {
                uid: Uid::new(1).unwrap(),
                text: "the budget is attached".into(),
                has_attachment: Some(true),
            }],
        )
        .unwrap();
    assert_eq!(store.count("body:budget has:attachment").unwrap(), 1);
    let detail = store
        .message_by_uid(inbox, Uid::new(1).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(detail.body_text.as_deref(), Some("the budget is attached"));

    let thread = store.thread_of("a@x").unwrap().unwrap();
    assert_eq!(store.thread_members(thread).unwrap().len(), 2);

    let state = MailboxState {
        uidvalidity: std::num::NonZeroU32::new(77).map(UidValidity),
        uidnext: Uid::new(3),
        highestmodseq: ModSeq::new(9),
    };
    store.set_mailbox_state(inbox, &state).unwrap();
    assert_eq!(store.mailbox_state(inbox).unwrap(), state);
    assert_eq!(store.cached_uids(inbox).unwrap().len(), 2);

    assert_eq!(
        store
            .remove_uids(inbox, &[Uid::new(1).unwrap(), Uid::new(5).unwrap()])
            .unwrap(),
        1
    );
    assert_eq!(store.count("budget").unwrap(), 0);
    assert_eq!(store.count("quarterly").unwrap(), 1);
    let page = store.list_messages(inbox, 0, 10).unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next_offset, None);

    store.clear_mailbox(inbox).unwrap();
    assert_eq!(store.count("quarterly").unwrap(), 0);
    assert_eq!(store.mailbox_state(inbox).unwrap(), MailboxState::default());
}

#[test]
fn threads_merge_when_a_late_message_links_them() {
    let mut store = Store::open_in_memory().unwrap();
    let inbox = store.ensure_mailbox("INBOX", None).unwrap();
    let sent = store
        .ensure_mailbox("Sent", Some(MailboxRole::Sent))
        .unwrap();
    // c refers to both a and b, which arrived first and formed two threads.
    let a = raw("a@x", "a@x.example", "one", "", "");
    let b = raw("b@x", "b@x.example", "two", "", "");
    let c = raw(
        "c@x",
        "me@corp.example",
        "three",
        "References: <a@x> <b@x>\r\n",
        "",
    );
    store
        .upsert_messages(inbox, &[new(1, &a, true), new(2, &b, true)])
        .unwrap();
    assert_ne!(
        store.thread_of("a@x").unwrap(),
        store.thread_of("b@x").unwrap()
    );
    store.upsert_messages(sent, &[new(1, &c, true)]).unwrap();
    let t = store.thread_of("a@x").unwrap().unwrap();
    assert_eq!(store.thread_of("b@x").unwrap(), Some(t));
    assert_eq!(store.thread_members(t).unwrap().len(), 3);
    let stats = store.stats().unwrap();
    assert_eq!((stats.messages, stats.threads), (3, 1));
}
