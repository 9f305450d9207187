//! Reply drafts on the real Dovecot lab: the appended draft carries `\Draft`, the reply
//! headers and the quote; written offline, it reaches the server at replay.

use mailcall_mail::{
    parse_headers, replay, reply_subject, sync_account, Author, Connection, SyncOptions,
};
use tokio_util::sync::CancellationToken;

use crate::remote::{fresh_cache, lab_with_fixture, password};

#[tokio::test]
async fn reply_draft_lands_in_drafts_with_headers_and_quote() {
    let (mut lab, _) = lab_with_fixture(61, 40);
    let (_dir, acct, mut store) = fresh_cache(&lab);
    let cancel = CancellationToken::new();
    let opts = SyncOptions {
        bodies: true,
        ..SyncOptions::default()
    };
    sync_account(&acct, &password(), &mut store, &opts, &mut |_| {}, &cancel)
        .await
        .expect("sync");
    let inbox = store.mailbox_id("INBOX").expect("read").expect("INBOX");
    let parent = store
        .list_messages(inbox, 0, 100)
        .expect("list")
        .items
        .into_iter()
        .filter_map(|m| store.message(m.id).ok().flatten())
        .find(|m| {
            m.summary.from.addr.contains('@')
                && m.summary.from.addr != "me@corp.example"
                && !m.summary.message_id.ends_with(".invalid")
                && m.body_text.as_deref().is_some_and(|b| b.trim().len() > 5)
        })
        .expect("a message to reply to");
    let drafts = store.drafts_folder(None).expect("drafts folder");
    assert_eq!(drafts, "Drafts");
    let author = Author {
        name: Some("Me Myself".to_owned()),
        addr: "me@corp.example".to_owned(),
        me: vec!["me@corp.example".to_owned()],
    };

    // Written offline: the cache shows it at once.
    lab.stop().expect("stop");
    let entry = store
        .draft_reply(
            parent.summary.id,
            &author,
            "Sounds good.",
            false,
            &drafts,
            1_800_000_000,
        )
        .expect("draft");
    let drafts_id = store.mailbox_id(&drafts).expect("read").expect("Drafts");
    let cached = store.list_messages(drafts_id, 0, 10).expect("list").items;
    assert!(cached
        .iter()
        .any(|m| m.message_id == entry.message_id && m.flags.draft));

    lab.restart().expect("restart");
    let mut conn = Connection::open(&acct, &password()).await.expect("connect");
    let report = replay(&mut conn, &mut store, &cancel)
        .await
        .expect("replay");
    assert_eq!(report.applied, 1, "{report:?}");
    let uid = store
        .journal_entry(entry.id)
        .expect("row")
        .new_uid
        .expect("APPENDUID");

    let mut check = Connection::open(&acct, &password()).await.expect("session");
    check
        .select(&drafts, &Default::default())
        .await
        .expect("select");
    let flags = check
        .fetch_flags(&uid.get().to_string(), None)
        .await
        .expect("flags");
    assert!(flags[0].flags.as_ref().expect("flags").draft);
    let raw = check
        .fetch_bodies(&[uid])
        .await
        .expect("body")
        .pop()
        .and_then(|f| f.body)
        .expect("the draft");
    let meta = parse_headers(&raw);
    assert_eq!(meta.subject, reply_subject(&parent.summary.subject));
    assert_eq!(
        meta.in_reply_to,
        std::slice::from_ref(&parent.summary.message_id)
    );
    assert_eq!(meta.references.last(), Some(&parent.summary.message_id));
    assert_eq!(meta.to.len(), 1);
    assert_eq!(meta.to[0].addr, parent.summary.from.addr);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Sounds good."));
    assert!(text.contains(" wrote:\r\n> "), "{text}");
    let first_line = parent
        .body_text
        .as_deref()
        .and_then(|b| b.lines().find(|l| !l.trim().is_empty()))
        .expect("a parent line");
    assert!(
        text.contains(&format!("> {}", first_line.trim_end())),
        "quote of {first_line:?} missing in {text}"
    );
    // The cached draft now has the server's UID.
    let cached = store.list_messages(drafts_id, 0, 10).expect("list").items;
    assert!(cached.iter().any(|m| m.uid == uid));
}
