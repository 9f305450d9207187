//! Loading fixture mail into a store the way the sync will: parse the raw bytes, give each
//! folder increasing UIDs, carry the Maildir flags, use the Date instant as INTERNALDATE.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use mailcall_mail::{parse_message, Flags, MailboxId, MailboxRole, NewMessage, Store, Uid};
use mailcall_testkit::fixture::{Fixture, Folder, Manifest};

pub const ME: &str = "me@corp.example";

pub fn role(folder: Folder) -> Option<MailboxRole> {
    match folder {
        Folder::Inbox => Some(MailboxRole::Inbox),
        Folder::Sent => Some(MailboxRole::Sent),
        Folder::Drafts => Some(MailboxRole::Drafts),
        Folder::Archive => Some(MailboxRole::Archive),
        // The folders of `Fixture::named_folders` have no special use either.
        _ => None,
    }
}

pub fn flags(f: mailcall_testkit::fixture::Flags) -> Flags {
    Flags {
        seen: f.seen,
        answered: f.answered,
        flagged: f.flagged,
        draft: f.draft,
        ..Flags::default()
    }
}

/// Ingests `fixture` into `store` in batches of `batch`; returns the manifest.
pub fn ingest(store: &mut Store, fixture: &Fixture, batch: usize) -> Manifest {
    let mut boxes: BTreeMap<Folder, (MailboxId, u32, Vec<NewMessage>)> = BTreeMap::new();
    for folder in Folder::ALL {
        let id = store
            .ensure_mailbox(folder.name(), role(folder))
            .expect("mailbox");
        boxes.insert(folder, (id, 0, Vec::new()));
    }
    let mut it = fixture.iter();
    for msg in it.by_ref() {
        let parsed = parse_message(&msg.bytes);
        let entry = boxes.get_mut(&msg.folder).expect("known folder");
        entry.1 += 1;
        entry.2.push(NewMessage {
            uid: Uid::new(entry.1).expect("uid"),
            flags: flags(msg.flags),
            modseq: None,
            internal_date: Some(msg.date),
            size: u32::try_from(msg.bytes.len()).ok(),
            meta: parsed.meta,
            body_text: parsed.body_text,
        });
        if entry.2.len() >= batch {
            let id = entry.0;
            let pending = std::mem::take(&mut entry.2);
            store.upsert_messages(id, &pending).expect("upsert");
        }
    }
    for (id, _, pending) in boxes.into_values() {
        store.upsert_messages(id, &pending).expect("upsert");
    }
    it.manifest()
}

pub struct Shared {
    pub store: std::sync::Mutex<Store>,
    pub manifest: Manifest,
    _dir: tempfile::TempDir,
}

/// The fixture of [`shared`]: iterating it again gives the same messages.
pub fn shared_fixture() -> Fixture {
    Fixture::new(42)
        .messages(3_000)
        .me(&format!("Me Myself <{ME}>"))
}

/// One 3,000-message fixture cache shared by the read-only tests of this binary.
pub fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path().join("cache.db"), None).expect("open");
        let manifest = ingest(&mut store, &shared_fixture(), 500);
        Shared {
            store: std::sync::Mutex::new(store),
            manifest,
            _dir: dir,
        }
    })
}

pub fn with_store<T>(f: impl FnOnce(&Store, &Manifest) -> T) -> T {
    let s = shared();
    let store = s.store.lock().unwrap_or_else(|e| e.into_inner());
    f(&store, &s.manifest)
}
