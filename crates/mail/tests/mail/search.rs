//! Search results against the fixture manifest's answers.

use mailcall_mail::{Error, SearchOrder};

use super::ingest::with_store;

#[test]
fn manifest_search_answers_match() {
    with_store(|store, manifest| {
        assert!(!manifest.search.is_empty());
        for answer in &manifest.search {
            let got = store.count(&answer.query).expect("count");
            assert_eq!(got, answer.count, "query {:?}", answer.query);
        }
    });
}

#[test]
fn needle_is_found_by_token_and_by_non_ascii_word() {
    with_store(|store, manifest| {
        let needle = manifest.needle.as_ref().expect("needle");
        for q in [
            needle.token.clone(),
            format!("subject:{}", needle.word),
            needle.word.clone(),
            format!("body:{}", needle.token),
            format!("\"{}\" folder:{}", needle.token, needle.folder.name()),
            // Diacritics are folded on both sides.
            needle.word.to_uppercase().replace('Ö', "O"),
        ] {
            let page = store
                .search(&q, SearchOrder::Relevance, 0, 10)
                .expect("search");
            let ids: Vec<_> = page.items.iter().map(|m| m.message_id.as_str()).collect();
            assert_eq!(ids, [needle.message_id.as_str()], "query {q:?}");
        }
        assert_eq!(
            store
                .count(&format!("-{} {}", needle.token, needle.token))
                .expect("count"),
            0
        );
    });
}

#[test]
fn encoded_subjects_decode_and_are_searchable() {
    with_store(|store, manifest| {
        for e in manifest.encoded_subjects.items.iter().take(20) {
            let page = store
                .search(
                    &format!("\"{}\"", e.text.replace('"', " ")),
                    SearchOrder::Relevance,
                    0,
                    200,
                )
                .expect("search");
            assert!(
                page.items
                    .iter()
                    .any(|m| m.message_id == e.key && m.subject == e.text),
                "subject {:?} ({})",
                e.text,
                e.charset
            );
        }
    });
}

#[test]
fn paging_and_orders_are_consistent() {
    with_store(|store, _| {
        let all = store
            .search("is:unread", SearchOrder::NewestFirst, 0, 10_000)
            .expect("all");
        let first = store
            .search("is:unread", SearchOrder::NewestFirst, 0, 7)
            .expect("first");
        let second = store
            .search("is:unread", SearchOrder::NewestFirst, 7, 7)
            .expect("second");
        assert_eq!(first.next_offset, Some(7));
        assert_eq!(first.items, all.items[..7]);
        assert_eq!(second.items, all.items[7..14]);
        assert!(all.items.windows(2).all(|w| w[0].date >= w[1].date));
        let old = store
            .search("is:unread", SearchOrder::OldestFirst, 0, 3)
            .expect("oldest");
        assert_eq!(old.items.first(), all.items.last());
    });
}

#[test]
fn query_errors_carry_positions() {
    with_store(|store, _| {
        match store.search("from:alice date:2025-13", SearchOrder::Relevance, 0, 10) {
            Err(Error::Query(e)) => assert_eq!(e.position, 16, "{e}"),
            other => panic!("expected a query error, got {other:?}"),
        }
    });
}
