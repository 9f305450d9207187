//! Folder names that need modified UTF-7 (RFC 3501 §5.1.3) against the Dovecot lab: the
//! fixture files mail under `Entwürfe`, `Personal.Família`, `日本語` and `R&D`, which
//! Dovecot lists (and keeps on disk) as `Entw&APw-rfe`, `Personal.Fam&AO0-lia`,
//! `&ZeVnLIqe-` and `R&-D`. The expected names and counts come from the manifest.

use mailcall_mail::{
    create_folder, delete_folder, rename_folder, replay, Connection, SearchOrder, Security, Store,
};
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::{Fixture, Manifest};
use tokio_util::sync::CancellationToken;

use crate::remote::{account, options, other_client, password, run, sync, Raw, PASSWORD, USER};

/// A lab with the named-folder fixture, a TLS account and its synced cache.
async fn synced_named_lab() -> (
    DovecotLab,
    Manifest,
    tempfile::TempDir,
    mailcall_mail::Account,
    Store,
) {
    let mut lab = DovecotLab::builder()
        .user(USER, PASSWORD)
        .build()
        .expect("lab builds");
    let manifest = Fixture::new(23)
        .messages(300)
        .named_folders(true)
        .write_maildir_with_manifest(
            &lab.maildir(USER),
            &lab.maildir(USER).join("..").join("manifest.json"),
        )
        .expect("fixture written");
    lab.fix_ownership().expect("ownership");
    lab.start().expect("lab starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let acct = account(&lab, dir.path(), Security::Tls);
    let mut store = Store::open(acct.cache_file().expect("path"), None).expect("store");
    sync(&acct, &mut store, &options(100), &mut |_| {})
        .await
        .expect("first sync");
    (lab, manifest, dir, acct, store)
}

/// Names as the server lists them, undecoded (async-imap leaves them alone).
async fn raw_names(raw: &mut Raw) -> Vec<String> {
    use futures::TryStreamExt;
    let names: Vec<_> = raw
        .list(Some(""), Some("*"))
        .await
        .expect("list")
        .try_collect()
        .await
        .expect("list");
    names.iter().map(|n| n.name().to_owned()).collect()
}

/// MESSAGES of the folder the server spells `encoded`.
async fn raw_count(raw: &mut Raw, encoded: &str) -> u32 {
    raw.status(encoded, "(MESSAGES)")
        .await
        .expect("status")
        .exists
}

fn total(store: &Store, name: &str) -> u64 {
    store
        .mailboxes()
        .expect("mailboxes")
        .into_iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("{name} is cached"))
        .total
}

#[tokio::test]
async fn named_folders_are_cached_listed_and_searched_decoded() {
    let (lab, manifest, _dir, _acct, store) = synced_named_lab().await;
    assert_eq!(manifest.named_folders.len(), 4);
    let cached: Vec<String> = store
        .mailboxes()
        .expect("mailboxes")
        .into_iter()
        .map(|m| m.name)
        .collect();
    for f in &manifest.named_folders {
        let expected = manifest.by_folder[&f.name].total;
        assert!(expected > 0, "{} has mail in the fixture", f.name);
        assert_eq!(total(&store, &f.name), expected, "{}", f.name);
        assert!(!cached.contains(&f.encoded), "{} cached encoded", f.encoded);
        // Either spelling finds the folder, in the cache and in the search language.
        assert_eq!(
            store.mailbox_id(&f.encoded).expect("lookup"),
            store.mailbox_id(&f.name).expect("lookup"),
        );
        for spelling in [&f.name, &f.encoded] {
            let query = format!("folder:\"{spelling}\"");
            assert_eq!(store.count(&query).expect("count"), expected, "{query}");
            let page = store
                .search(&query, SearchOrder::NewestFirst, 0, 1000)
                .expect("search");
            assert!(page.items.iter().all(|m| m.mailbox_name == f.name));
        }
    }
    // The server really spells them in modified UTF-7.
    let mut raw = other_client(&lab).await;
    let listed = raw_names(&mut raw).await;
    for f in &manifest.named_folders {
        assert!(listed.contains(&f.encoded), "{} in {listed:?}", f.encoded);
    }
}

#[tokio::test]
async fn moves_appends_and_folder_changes_reach_the_server_encoded() {
    let (lab, manifest, _dir, acct, mut store) = synced_named_lab().await;
    let mut raw = other_client(&lab).await;
    let nihongo = manifest
        .named_folders
        .iter()
        .find(|f| f.name == "日本語")
        .expect("日本語 in the manifest");
    let r_and_d = manifest
        .named_folders
        .iter()
        .find(|f| f.name == "R&D")
        .expect("R&D in the manifest");
    let before = (
        manifest.by_folder[&nihongo.name].total,
        manifest.by_folder[&r_and_d.name].total,
    );
    assert_eq!(
        u64::from(raw_count(&mut raw, &nihongo.encoded).await),
        before.0
    );

    // Two INBOX messages move: one by the decoded name, one by the server's spelling.
    let inbox = store
        .search("folder:INBOX", SearchOrder::NewestFirst, 0, 2)
        .expect("inbox");
    let (first, second) = (inbox.items[0].id, inbox.items[1].id);
    store.journal_move(first, &nihongo.name, 1).expect("move");
    store
        .journal_move(second, &r_and_d.encoded, 1)
        .expect("move");
    assert_eq!(total(&store, &nihongo.name), before.0 + 1);
    assert_eq!(total(&store, &r_and_d.name), before.1 + 1);

    let mut conn = Connection::open(&acct, &password()).await.expect("connect");
    assert!(!conn.utf8_names(), "Dovecot 2.3 does not offer UTF8=ACCEPT");
    let report = replay(&mut conn, &mut store, &CancellationToken::new())
        .await
        .expect("replay");
    assert_eq!((report.applied, report.dropped), (2, 0), "{report:?}");
    assert_eq!(
        u64::from(raw_count(&mut raw, &nihongo.encoded).await),
        before.0 + 1
    );
    assert_eq!(
        u64::from(raw_count(&mut raw, &r_and_d.encoded).await),
        before.1 + 1
    );

    // APPEND into a folder whose name needs encoding.
    let entwurfe = "Entwürfe";
    let drafts_before = raw_count(&mut raw, "Entw&APw-rfe").await;
    conn.append_message(entwurfe, &["\\Draft".to_owned()], crate::remote::EXTRA)
        .await
        .expect("append");
    assert_eq!(raw_count(&mut raw, "Entw&APw-rfe").await, drafts_before + 1);

    // Create, rename and delete; the spellings are worked out by hand (Ü = U+00DC,
    // Ö = U+00D6).
    create_folder(&mut conn, &mut store, "Überblick")
        .await
        .expect("create");
    assert!(raw_names(&mut raw)
        .await
        .contains(&"&ANw-berblick".to_owned()));
    assert!(lab.maildir(USER).join(".&ANw-berblick").is_dir());
    assert!(store.mailbox_id("Überblick").expect("lookup").is_some());
    rename_folder(&mut conn, &mut store, "&ANw-berblick", "Ölfass")
        .await
        .expect("rename");
    let listed = raw_names(&mut raw).await;
    assert!(listed.contains(&"&ANY-lfass".to_owned()), "{listed:?}");
    assert!(!listed.contains(&"&ANw-berblick".to_owned()), "{listed:?}");
    assert!(store.mailbox_id("Ölfass").expect("lookup").is_some());
    assert!(store.mailbox_id("Überblick").expect("lookup").is_none());
    delete_folder(&mut conn, &mut store, "Ölfass")
        .await
        .expect("delete");
    assert!(!raw_names(&mut raw).await.contains(&"&ANY-lfass".to_owned()));
    assert!(store.mailbox_id("Ölfass").expect("lookup").is_none());
    // INBOX stays.
    assert!(delete_folder(&mut conn, &mut store, "INBOX").await.is_err());

    // A fresh sync agrees with the server.
    run(&mut raw, "NOOP").await;
    sync(&acct, &mut store, &options(100), &mut |_| {})
        .await
        .expect("sync again");
    assert_eq!(total(&store, &nihongo.name), before.0 + 1);
    assert_eq!(total(&store, &r_and_d.name), before.1 + 1);
}
