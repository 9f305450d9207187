//! Actions through the journal: made with the server gone, shown at once, replayed
//! when it returns; undo; a reply draft that lands in Drafts in the thread.

use mailcall_api::{Action, Selection};

use crate::lab::{other_client, server_count, synced, wait_status};

fn ids(rows: &[mailcall_api::MessageRow]) -> Vec<String> {
    rows.iter().map(|r| r.id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_made_offline_reach_the_server_when_it_returns() {
    let mut s = synced("offline", 35, 300).await;
    let inbox = s.manifest.by_folder["INBOX"].total;
    let archive = s.manifest.by_folder["Archive"].total;
    let page = s
        .api
        .list_messages("lab", "INBOX".into(), 0, 20)
        .await
        .expect("list");
    let to_archive = page.rows[..3].to_vec();
    let to_flag = page
        .rows
        .iter()
        .skip(3)
        .find(|r| !r.flagged)
        .cloned()
        .expect("an unflagged message");

    s.lab.stop().expect("dovecot stops");
    let archived = s
        .api
        .act(
            "lab",
            Action::Archive,
            Selection::Ids {
                ids: ids(&to_archive),
            },
        )
        .await
        .expect("archive offline");
    assert_eq!(archived.changed, 3);
    let flagged = s
        .api
        .act(
            "lab",
            Action::Flag,
            Selection::Ids {
                ids: vec![to_flag.id.clone()],
            },
        )
        .await
        .expect("flag offline");
    assert_eq!((flagged.changed, flagged.pending), (1, 4));

    // The cache shows it at once.
    let folders = s.api.folders("lab").await.expect("folders");
    let total = |name: &str| u64::from(folders.iter().find(|f| f.path == name).expect(name).total);
    assert_eq!((total("INBOX"), total("Archive")), (inbox - 3, archive + 3));
    let now = s
        .api
        .list_messages("lab", "INBOX".into(), 0, 20)
        .await
        .expect("list");
    assert!(!now
        .rows
        .iter()
        .any(|r| to_archive.iter().any(|a| a.id == r.id)));
    assert!(now.rows.iter().any(|r| r.id == to_flag.id && r.flagged));
    let status = wait_status(&s.api, "offline", |st| !st.online).await;
    assert_eq!(status.pending, 4);

    s.lab.start().expect("dovecot starts");
    wait_status(&s.api, "the journal replayed", |st| {
        st.pending == 0 && st.online
    })
    .await;
    for m in &to_archive {
        let id = s
            .api
            .open_message("lab", m.id.clone(), false)
            .await
            .expect("still cached");
        let query = format!("HEADER Message-ID <{}>", id.message_id);
        assert_eq!(
            server_count(&s.lab, "Archive", &query).await,
            1,
            "{}",
            m.subject
        );
        assert_eq!(
            server_count(&s.lab, "INBOX", &query).await,
            0,
            "{}",
            m.subject
        );
    }
    let flagged_id = s
        .api
        .open_message("lab", to_flag.id.clone(), false)
        .await
        .expect("open")
        .message_id;
    let query = format!("FLAGGED HEADER Message-ID <{flagged_id}>");
    assert_eq!(server_count(&s.lab, "INBOX", &query).await, 1);

    // Undo reverts the last action (the flag) through the journal too.
    let undone = s.api.undo("lab").await.expect("undo");
    assert_eq!(undone.changed, 1);
    wait_status(&s.api, "the undo replayed", |st| st.pending == 0).await;
    assert_eq!(server_count(&s.lab, "INBOX", &query).await, 0);
    assert!(s.api.undo("lab").await.is_err(), "undo twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_draft_lands_in_drafts_in_the_thread() {
    let s = synced("draft", 36, 200).await;
    let needle = s.manifest.needle.clone().expect("needle");
    let found = s
        .api
        .search("lab", needle.token.clone(), 0, 5)
        .await
        .expect("search");
    let parent = found.rows[0].id.clone();
    let preview = s
        .api
        .reply_preview("lab", parent.clone(), false)
        .await
        .expect("preview");
    assert!(preview.subject.starts_with("Re: "), "{}", preview.subject);
    assert!(preview.quote.contains(&needle.token), "{}", preview.quote);

    let drafts_before = s.manifest.by_folder["Drafts"].total;
    let saved = s
        .api
        .save_reply_draft("lab", parent, false, "Thanks, noted.".into())
        .await
        .expect("draft saved");
    assert_eq!(saved.folder, "Drafts");
    let in_cache = s
        .api
        .list_messages("lab", "Drafts".into(), 0, 5)
        .await
        .expect("drafts");
    assert_eq!(u64::from(in_cache.total), drafts_before + 1);
    assert!(in_cache.rows.iter().any(|r| r.id == saved.id && r.draft));

    wait_status(&s.api, "the draft appended", |st| st.pending == 0).await;
    let query = format!("DRAFT HEADER In-Reply-To <{}>", needle.message_id);
    assert_eq!(server_count(&s.lab, "Drafts", &query).await, 1);
    let body = "BODY \"Thanks, noted.\"";
    assert_eq!(server_count(&s.lab, "Drafts", body).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_is_created_renamed_and_deleted_on_the_server() {
    let s = synced("folders", 37, 120).await;
    s.api
        .create_folder("lab", "Ablage".into())
        .await
        .expect("create");
    let inbox = s
        .api
        .list_messages("lab", "INBOX".into(), 0, 2)
        .await
        .expect("inbox");
    let moved = ids(&inbox.rows);
    s.api
        .act(
            "lab",
            Action::Move {
                folder: "Ablage".into(),
            },
            Selection::Ids { ids: moved.clone() },
        )
        .await
        .expect("move");
    wait_status(&s.api, "the moves replayed", |st| st.pending == 0).await;
    assert_eq!(server_count(&s.lab, "Ablage", "ALL").await, 2);

    // Renamed to a name that needs modified UTF-7 on the wire (spelt out here by hand).
    s.api
        .rename_folder("lab", "Ablage".into(), "Ablage für Ämter".into())
        .await
        .expect("rename");
    let folders = s.api.folders("lab").await.expect("folders");
    let renamed = folders
        .iter()
        .find(|f| f.path == "Ablage für Ämter")
        .expect("the renamed folder is listed");
    assert_eq!(renamed.total, 2);
    assert!(!folders.iter().any(|f| f.path == "Ablage"));
    assert_eq!(
        server_count(&s.lab, "Ablage f&APw-r &AMQ-mter", "ALL").await,
        2
    );

    s.api
        .delete_folder("lab", "Ablage für Ämter".into())
        .await
        .expect("delete");
    let folders = s.api.folders("lab").await.expect("folders");
    assert!(!folders.iter().any(|f| f.path.starts_with("Ablage")));
    let mut raw = other_client(&s.lab).await;
    let listed = raw.list(None, Some("*")).await.expect("list");
    let names: Vec<String> = {
        use futures::TryStreamExt;
        listed
            .map_ok(|n| n.name().to_owned())
            .try_collect()
            .await
            .expect("names")
    };
    raw.logout().await.expect("logout");
    assert!(!names.iter().any(|n| n.starts_with("Ablage")), "{names:?}");
    assert!(s.api.delete_folder("lab", "INBOX".into()).await.is_err());
}
