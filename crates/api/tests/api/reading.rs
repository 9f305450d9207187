//! Reading: a big folder by row range, opening a message (body fetched on demand and
//! marked read through the journal), search with the manifest's needle, a bad query.

use mailcall_api::ApiError;

use crate::lab::{server_count, synced, wait_status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_folder_is_listed_by_row_range_newest_first() {
    let s = synced("range", 32, 3_000).await;
    let want = s.manifest.by_folder["INBOX"].total;
    assert!(want > 1_000, "INBOX holds {want}");

    let first = s
        .api
        .list_messages("lab", "INBOX".into(), 0, 100)
        .await
        .expect("first");
    assert_eq!((u64::from(first.total), first.rows.len()), (want, 100));
    let tail_at = u32::try_from(want).expect("fits") - 7;
    let tail = s
        .api
        .list_messages("lab", "INBOX".into(), tail_at, 100)
        .await
        .expect("tail");
    assert_eq!((tail.offset, tail.rows.len()), (tail_at, 7));
    let middle = s
        .api
        .list_messages("lab", "INBOX".into(), 500, 50)
        .await
        .expect("middle");
    let dates: Vec<f64> = first
        .rows
        .iter()
        .chain(&middle.rows)
        .chain(&tail.rows)
        .map(|r| r.date)
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "not newest first");
    let mut ids: Vec<&str> = first
        .rows
        .iter()
        .chain(&middle.rows)
        .chain(&tail.rows)
        .map(|r| r.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 157, "pages overlap");

    let missing = s
        .api
        .list_messages("lab", "Nowhere".into(), 0, 10)
        .await
        .expect_err("no folder");
    assert_eq!(missing.kind(), "not_found");
}

/// The account keeps a folder's order between pages; a message removed by another process
/// (the CLI, the MCP server) makes the next page see that and read the order again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_heals_when_another_process_removes_a_message() {
    let s = synced("heal", 33, 400).await;
    let want = s.manifest.by_folder["INBOX"].total;
    let first = s
        .api
        .list_messages("lab", "INBOX".into(), 0, 10)
        .await
        .expect("first");
    assert_eq!(u64::from(first.total), want);

    let cache = std::fs::read_dir(s._dir.path().join("caches"))
        .expect("caches")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "sqlite"))
        .expect("a cache file");
    let mut other = mailcall_mail::Store::open(&cache, None).expect("second connection");
    let inbox = other.mailbox_id("INBOX").expect("lookup").expect("INBOX");
    let gone = &first.rows[3];
    let uid = mailcall_mail::Uid::new(gone.uid).expect("uid");
    assert_eq!(other.remove_uids(inbox, &[uid]).expect("remove"), 1);

    let again = s
        .api
        .list_messages("lab", "INBOX".into(), 0, 10)
        .await
        .expect("again");
    assert_eq!(u64::from(again.total), want - 1);
    assert_eq!(again.rows.len(), 10);
    assert!(again.rows.iter().all(|r| r.id != gone.id));
    assert_eq!(again.rows[3].id, first.rows[4].id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_needle_is_found_opened_and_marked_read() {
    let s = synced("needle", 33, 400).await;
    let needle = s.manifest.needle.clone().expect("the fixture has a needle");
    let found = s
        .api
        .search("lab", needle.token.clone(), 0, 20)
        .await
        .expect("search");
    assert_eq!(found.total, 1);
    let row = &found.rows[0];
    assert_eq!(row.subject, needle.subject);
    let by_word = s
        .api
        .search("lab", format!("subject:{}", needle.word), 0, 20)
        .await
        .expect("word");
    let word_ids: Vec<&str> = by_word.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(word_ids, [row.id.as_str()]);

    // Headers only were synced: the body comes from the server now.
    let opened = s
        .api
        .open_message("lab", row.id.clone(), false)
        .await
        .expect("open");
    assert!(opened.body_error.is_none(), "{:?}", opened.body_error);
    assert!(opened
        .text
        .as_deref()
        .is_some_and(|t| t.contains(&needle.token)));
    assert_eq!(opened.message_id, needle.message_id);
    assert!(opened.row.seen);
    assert!(opened.html.is_none());

    // Marked read through the journal, which reaches the server.
    let query = format!("SEEN HEADER Message-ID <{}>", needle.message_id);
    wait_status(&s.api, "the read mark on the server", |st| st.pending == 0).await;
    assert_eq!(server_count(&s.lab, needle.folder.name(), &query).await, 1);
    let again = s
        .api
        .search("lab", needle.token.clone(), 0, 20)
        .await
        .expect("search");
    assert!(again.rows[0].seen);

    let thread = s.api.thread("lab", row.id.clone()).await.expect("thread");
    assert!(thread.iter().any(|r| r.id == row.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_query_says_where_it_went_wrong() {
    let s = synced("badquery", 34, 50).await;
    // The quote opens at character 15 and is never closed.
    let e = s
        .api
        .search("lab", "subject:budget \"unclosed".into(), 0, 20)
        .await
        .expect_err("bad");
    match e {
        ApiError::BadQuery { position, message } => {
            assert_eq!(position, 15, "{message}");
        }
        other => panic!("not a bad_query: {other:?}"),
    }
    // Characters, not bytes: the same mistake after a word with an umlaut.
    let e = s
        .api
        .search("lab", "über \"x".into(), 0, 20)
        .await
        .expect_err("bad");
    assert!(matches!(e, ApiError::BadQuery { position: 5, .. }), "{e:?}");
}
