//! The fixture's folders with names that need modified UTF-7: off by default (the
//! output stays as pinned), and when on, the manifest's names, spellings and counts
//! agree with the Maildir++ tree Dovecot serves.

use std::collections::BTreeMap;

use mailcall_testkit::fixture::{Fixture, Folder};

#[test]
fn named_folders_are_off_by_default() {
    let manifest = Fixture::new(5).messages(300).manifest();
    assert!(manifest.named_folders.is_empty());
    for f in Folder::NAMED {
        assert!(!manifest.by_folder.contains_key(f.name()));
    }
    let json = serde_json::to_string(&manifest).expect("json");
    assert!(!json.contains("named_folders"));
}

#[test]
fn named_folders_hold_archived_mail_under_encoded_directories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = Fixture::new(5).messages(300).named_folders(true);
    let manifest = fixture.write_maildir(dir.path()).expect("write");
    let names: Vec<&str> = manifest
        .named_folders
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["Entwürfe", "Personal.Família", "日本語", "R&D"]);
    let encoded: BTreeMap<&str, &str> = manifest
        .named_folders
        .iter()
        .map(|f| (f.name.as_str(), f.encoded.as_str()))
        .collect();
    // Worked out by hand from RFC 3501 §5.1.3.
    assert_eq!(encoded["Entwürfe"], "Entw&APw-rfe");
    assert_eq!(encoded["Personal.Família"], "Personal.Fam&AO0-lia");
    assert_eq!(encoded["日本語"], "&ZeVnLIqe-");
    assert_eq!(encoded["R&D"], "R&-D");
    for f in &manifest.named_folders {
        let cur = dir.path().join(format!(".{}", f.encoded)).join("cur");
        let files = std::fs::read_dir(&cur).expect("folder on disk").count() as u64;
        let counted = manifest.by_folder[&f.name].total;
        assert_eq!(files, counted, "{}", f.name);
        assert!(counted > 0, "{} has mail", f.name);
    }
    // Everything else is as without the option: same total, same INBOX.
    let plain = Fixture::new(5).messages(300).manifest();
    assert_eq!(manifest.messages, plain.messages);
    assert_eq!(manifest.by_folder["INBOX"], plain.by_folder["INBOX"]);
    let archived: u64 = manifest
        .named_folders
        .iter()
        .map(|f| manifest.by_folder[&f.name].total)
        .sum::<u64>()
        + manifest.by_folder["Archive"].total;
    assert_eq!(archived, plain.by_folder["Archive"].total);
}
