//! The CLI with folders whose names need modified UTF-7: `folders` shows them decoded with
//! the manifest's counts, `list` and `search folder:` take either spelling, and `move`
//! into one reaches the server under the encoded name.

use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::{Fixture, Manifest};
use serde_json::Value;

use crate::{add_account, lab_with, ok_json, set_password};

fn named_lab() -> (DovecotLab, Manifest) {
    lab_with(Fixture::new(31).messages(300).named_folders(true))
}

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().expect("items")
}

#[tokio::test]
async fn folders_list_search_and_move_use_decoded_names() {
    let (lab, manifest) = named_lab();
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("names-{}", std::process::id());
    let (paths, _) = add_account(&lab, dir.path(), &name, &[]);
    let config = paths.config;
    set_password(&config, &name);
    ok_json(&config, &["sync", "--batch", "100"]);

    let folders = ok_json(&config, &["folders"]);
    let folders = folders.as_array().expect("folders");
    for f in &manifest.named_folders {
        let expected = manifest.by_folder[&f.name].total;
        let shown = folders
            .iter()
            .find(|b| b["name"] == f.name.as_str())
            .unwrap_or_else(|| panic!("{} in {folders:?}", f.name));
        assert_eq!(shown["total"].as_u64(), Some(expected), "{}", f.name);
        assert!(!folders.iter().any(|b| b["name"] == f.encoded.as_str()));
        for spelling in [&f.name, &f.encoded] {
            let listed = ok_json(&config, &["list", spelling, "--limit", "500"]);
            assert_eq!(items(&listed).len() as u64, expected, "list {spelling}");
            let query = format!("folder:\"{spelling}\"");
            let found = ok_json(&config, &["search", &query, "--limit", "500"]);
            assert_eq!(items(&found).len() as u64, expected, "{query}");
        }
    }

    // Move one INBOX message into `Personal.Família`, naming it the server's way.
    let familia = manifest
        .named_folders
        .iter()
        .find(|f| f.name == "Personal.Família")
        .expect("Personal.Família in the manifest");
    let inbox = ok_json(&config, &["list", "INBOX", "--limit", "1"]);
    let id = items(&inbox)[0]["id"].as_i64().expect("id").to_string();
    ok_json(&config, &["move", &id, "--to", &familia.encoded]);
    let listed = ok_json(&config, &["list", &familia.name, "--limit", "500"]);
    let expected = manifest.by_folder[&familia.name].total + 1;
    assert_eq!(items(&listed).len() as u64, expected);
    // The server has it under the encoded name: Dovecot keeps that on disk too.
    let cur = lab
        .maildir("alice")
        .join(format!(".{}", familia.encoded))
        .join("cur");
    let on_disk = std::fs::read_dir(&cur).expect("maildir").count() as u64;
    assert_eq!(on_disk, expected, "{}", cur.display());
}
