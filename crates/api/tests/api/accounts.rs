//! Adding an account: the login is tested first, a refusal stores nothing, and the
//! password lands only in the keyring; then the folders show the manifest's counts.

use mailcall_api::{ApiError, FolderRole};
use mailcall_mail::Error;

use crate::lab::{api, form, keyring, lab_with_fixture, wait_status, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_is_added_only_with_a_login_the_server_accepts() {
    let (lab, manifest) = lab_with_fixture(31, 200);
    let dir = tempfile::tempdir().expect("tempdir");
    let kr = keyring("add");
    let api = api(dir.path(), kr.clone()).await;
    let config = dir.path().join("config.toml");

    let refused = api
        .add_account(form(&lab, dir.path(), "not the password"))
        .await
        .expect_err("a wrong password is refused");
    assert!(matches!(refused, ApiError::Auth { .. }), "{refused:?}");
    assert!(
        !config.exists(),
        "a refused account was written to the configuration"
    );
    assert!(!kr.has_password("lab").await.expect("keyring"));

    // Without the lab's CA the certificate is not trusted.
    let mut untrusted = form(&lab, dir.path(), PASSWORD);
    untrusted.ca_file = None;
    let refused = api
        .add_account(untrusted.clone())
        .await
        .expect_err("not trusted");
    assert_eq!(refused.kind(), "certificate", "{refused:?}");
    assert!(!config.exists());
    assert!(!kr.has_password("lab").await.expect("keyring"));
    // The page shows the certificate the lab made, by its SHA-256, and why it is refused.
    let ApiError::Certificate {
        certificate: Some(facts),
        ..
    } = &refused
    else {
        panic!("no certificate facts: {refused:?}");
    };
    let want = fingerprint(lab.cert_der().as_ref());
    assert_eq!(facts.sha256.as_deref(), Some(want.as_str()));
    assert!(facts.problem.contains("self-signed"), "{}", facts.problem);
    assert!(facts.not_after.is_some() && facts.subject.is_some());

    // Trusting exactly that fingerprint gets through TLS to the login (here refused, so
    // nothing is stored); a pin for another certificate does not.
    let mut pinned = untrusted.clone();
    pinned.trust_fingerprint = facts.sha256.clone();
    pinned.password = "not the password".to_owned();
    let through = api.test_account(pinned).await.expect_err("wrong password");
    assert_eq!(through.kind(), "auth", "{through:?}");
    let mut other = untrusted;
    other.trust_fingerprint = Some(fingerprint(b"another certificate"));
    let refused = api.test_account(other).await.expect_err("another pin");
    assert_eq!(refused.kind(), "certificate", "{refused:?}");
    assert!(!config.exists());

    let info = api
        .add_account(form(&lab, dir.path(), PASSWORD))
        .await
        .expect("the right password is accepted");
    assert_eq!((info.id.as_str(), info.port), ("lab", lab.imaps_port()));
    assert_eq!(kr.password("lab").await.expect("stored").expose(), PASSWORD);
    let text = std::fs::read_to_string(&config).expect("configuration written");
    assert!(
        !text.contains(PASSWORD),
        "the password reached the configuration"
    );
    assert!(matches!(
        kr.password("other").await,
        Err(Error::NoPassword(_))
    ));
    assert_eq!(api.accounts().await.expect("accounts"), [info]);

    wait_status(&api, "the first sync", |s| {
        !s.syncing && s.last_sync.is_some()
    })
    .await;
    let folders = api.folders("lab").await.expect("folders");
    for (name, counts) in &manifest.by_folder {
        let f = folders
            .iter()
            .find(|f| &f.path == name)
            .unwrap_or_else(|| panic!("{name} missing from {folders:?}"));
        assert_eq!(
            (u64::from(f.total), u64::from(f.unread)),
            (counts.total, counts.unseen),
            "{name}"
        );
    }
    // Maildir++ lists `Lists.GitHub` without a selectable `Lists`: the tree makes it up.
    let github = folders
        .iter()
        .find(|f| f.path == "Lists.GitHub")
        .expect("GitHub");
    assert_eq!(
        (github.name.as_str(), github.parent.as_deref(), github.depth),
        ("GitHub", Some("Lists"), 1)
    );
    let lists = folders
        .iter()
        .position(|f| f.path == "Lists")
        .expect("Lists");
    assert!(!folders[lists].selectable);
    assert_eq!(folders[lists + 1].path, "Lists.GitHub");
    assert_eq!(folders[0].role, Some(FolderRole::Inbox));

    // A second app on the same configuration sees the account and starts it.
    api.shutdown().await;
    let again = crate::lab::api(dir.path(), kr.clone()).await;
    assert_eq!(again.accounts().await.expect("accounts").len(), 1);
    let inbox = again
        .list_messages("lab", "INBOX".to_owned(), 0, 5)
        .await
        .expect("cache readable at once");
    assert_eq!(u64::from(inbox.total), manifest.by_folder["INBOX"].total);

    again
        .remove_account("lab".to_owned(), true)
        .await
        .expect("removed");
    assert!(again.accounts().await.expect("accounts").is_empty());
    assert!(!kr.has_password("lab").await.expect("keyring"));
    assert!(!dir.path().join("caches").join("lab.sqlite").exists());
    again.shutdown().await;
}

/// `SHA256:AB:CD:...` of `der`, computed here rather than by the code under test.
fn fingerprint(der: &[u8]) -> String {
    use sha2::Digest;
    let hex: Vec<String> = sha2::Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    format!("SHA256:{}", hex.join(":"))
}
