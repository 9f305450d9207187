//! The cache schema and its migrations, applied in order by `PRAGMA user_version`.
//!
//! Invariants: a migration runs in one transaction together with the version bump, so a
//! crash leaves the cache at the old version, never half-migrated. Migrations are only
//! ever appended; a released one is never edited.
//!
//! Tables:
//! - `mailboxes`: one row per IMAP mailbox with its sync state (UIDVALIDITY, UIDNEXT,
//!   HIGHESTMODSEQ) and special-use role.
//! - `messages`: one row per (mailbox, uid), header fields only, so scans stay small.
//!   `date` is the Date header, else INTERNALDATE; `flags` is a bit set (see `types`).
//! - `bodies`: body text, one row per message that has one.
//!   `sort_key` is `date << 10 | tiebreak`, unique: the order of every date-ordered list.
//! - `fts`: contentless FTS5 index (rowid = `messages.sort_key`) over subject, sender,
//!   recipients and body, written explicitly in the same transaction as the rows, or
//!   later in bulk for the rows listed in `fts_pending` (see `store::index`). Its
//!   rowids follow date order, so "newest matches first" walks the index backwards and
//!   stops after one page instead of sorting every match.
//! - `thread_links`: Message-ID hash -> thread id, the incremental union-find.
//! - `sort_plans`, `sort_plan_items`, `sort_chunks`: stored sort plans and the journalled
//!   state of their execution (see `crate::sort`).
//! - `journal`: local changes waiting for the server (see `crate::journal`).
//! - `raw_messages`: the full source of messages opened in the reader (see `crate::reader`).
//! - `remote_content_senders`: lower-case sender addresses whose remote content the user
//!   chose to always load.
//! - `senders`, `sender_progress`: each sender's class (machine or person), why, and a
//!   person's override; `messages.automated` follows it (see `crate::senders`).
//!
//! Mailbox names in every table are decoded UTF-8 (see `crate::mailbox_name`).

use rusqlite::Connection;

use crate::error::{Error, Result};

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE mailboxes (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT,
    delimiter     TEXT,
    uidvalidity   INTEGER,
    uidnext       INTEGER,
    highestmodseq INTEGER
);

CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    mailbox_id     INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid            INTEGER NOT NULL,
    modseq         INTEGER,
    flags          INTEGER NOT NULL DEFAULT 0,
    keywords       TEXT NOT NULL DEFAULT '',
    date           INTEGER NOT NULL,
    internal_date  INTEGER,
    size           INTEGER,
    message_id     TEXT NOT NULL,
    synthetic_id   INTEGER NOT NULL DEFAULT 0,
    in_reply_to    TEXT NOT NULL DEFAULT '',
    refs           TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    from_name      TEXT,
    from_addr      TEXT NOT NULL DEFAULT '',
    from_domain    TEXT NOT NULL DEFAULT '',
    to_json        TEXT NOT NULL DEFAULT '[]',
    cc_json        TEXT NOT NULL DEFAULT '[]',
    list_id        TEXT,
    automated      INTEGER NOT NULL DEFAULT 0,
    has_attachment INTEGER NOT NULL DEFAULT 0,
    has_body       INTEGER NOT NULL DEFAULT 0,
    thread_id      INTEGER NOT NULL,
    sort_key       INTEGER NOT NULL UNIQUE,
    UNIQUE (mailbox_id, uid)
);
CREATE INDEX messages_mailbox_order ON messages(mailbox_id, sort_key);
CREATE INDEX messages_mailbox_flags ON messages(mailbox_id, flags);
CREATE INDEX messages_date ON messages(date, from_addr, from_domain, automated, flags);
CREATE INDEX messages_thread ON messages(thread_id, date);
CREATE INDEX messages_from ON messages(from_addr, sort_key);
CREATE INDEX messages_domain ON messages(from_domain, sort_key);
CREATE INDEX messages_message_id ON messages(message_id);
CREATE INDEX messages_list ON messages(list_id) WHERE list_id IS NOT NULL;

CREATE TABLE bodies (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    text       TEXT NOT NULL
);

CREATE VIRTUAL TABLE fts USING fts5(
    subject, sender, recipient_to, recipient_cc, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE thread_links (
    key    INTEGER PRIMARY KEY,
    thread INTEGER NOT NULL
);
CREATE INDEX thread_links_thread ON thread_links(thread);
"#,
    // Sort plans and their execution state, and the offline journal (see `sort` and
    // `journal`): mailboxes are named, not referenced by id, because a plan or a journal
    // row may name a folder that the cache does not hold yet.
    r#"
CREATE TABLE sort_plans (
    id         TEXT PRIMARY KEY,
    created    INTEGER NOT NULL,
    rules_json TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'planned'
);

CREATE TABLE sort_plan_items (
    plan_id    TEXT NOT NULL REFERENCES sort_plans(id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    uid        INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    target     TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    from_addr  TEXT NOT NULL DEFAULT '',
    date       INTEGER NOT NULL DEFAULT 0,
    rule       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (plan_id, source, uid)
);

CREATE TABLE sort_chunks (
    plan_id TEXT NOT NULL REFERENCES sort_plans(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    source  TEXT NOT NULL,
    target  TEXT NOT NULL,
    uids    TEXT NOT NULL,
    state   TEXT NOT NULL DEFAULT 'pending',
    moved   INTEGER NOT NULL DEFAULT 0,
    missing INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (plan_id, seq)
);

CREATE TABLE journal (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created         INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    mailbox         TEXT NOT NULL,
    uid             INTEGER,
    message_id      TEXT NOT NULL DEFAULT '',
    target          TEXT,
    provisional_uid INTEGER,
    add_flags       TEXT NOT NULL DEFAULT '',
    remove_flags    TEXT NOT NULL DEFAULT '',
    raw             BLOB,
    state           TEXT NOT NULL DEFAULT 'pending',
    new_uid         INTEGER,
    note            TEXT
);
CREATE INDEX journal_state ON journal(state, id);
"#,
    // Rows stored by a header sync wait here (by sort_key = FTS rowid) until the bulk
    // index build. A deleted row must leave the list whichever code path deletes it, or
    // a new row given the same sort_key would be indexed twice; deletes are rare, so a
    // trigger costs nothing where it matters.
    r#"
CREATE TABLE fts_pending (
    sort_key INTEGER PRIMARY KEY
);
CREATE TRIGGER messages_unlist_pending AFTER DELETE ON messages
BEGIN
    DELETE FROM fts_pending WHERE sort_key = old.sort_key;
END;
-- FTS5 flushes its in-memory terms to a new segment whenever they pass this size (1 MB
-- by default); a bulk build of 25,000 rows then writes fewer, larger segments and merges
-- less. Memory stays bounded by it.
INSERT INTO fts(fts, rank) VALUES('hashsize', 16777216);
"#,
    // The UIDVALIDITY of a chunk's source folder when the plan was split. A folder reset
    // on the server after that gives the chunk's UIDs to other messages (or none), so
    // applying the chunk is refused. NULL on chunks split before this column existed.
    r#"
ALTER TABLE sort_chunks ADD COLUMN uidvalidity INTEGER;
"#,
    // The reader: the raw source of each opened message, so it opens again offline (gone
    // with its message row), and the senders whose remote content always loads.
    r#"
CREATE TABLE raw_messages (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    fetched    INTEGER NOT NULL,
    raw        BLOB NOT NULL
);

CREATE TABLE remote_content_senders (
    addr    TEXT PRIMARY KEY,
    allowed INTEGER NOT NULL
);
"#,
    // Machines vs people per sender, from the mailbox's own evidence (see `crate::senders`).
    // `messages.automated` becomes the effective class (headers, then the sender's class
    // or a person's override); the header verdict moves to `header_automated` so the
    // sender's class can change without losing it. `sender_progress` holds the highest
    // message id already classified, so each run looks at new rows only.
    r#"
ALTER TABLE messages ADD COLUMN header_automated INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET header_automated = automated;
CREATE TABLE senders (
    addr       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    override   TEXT,
    why_json   TEXT NOT NULL DEFAULT '[]',
    messages   INTEGER NOT NULL DEFAULT 0,
    written_to INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE sender_progress (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    last_message INTEGER NOT NULL
);
"#,
    // Mailbox names were cached as the server spells them (modified UTF-7, RFC 3501
    // §5.1.3); they are kept decoded since. Names that do not decode stay as they are,
    // and a decoded name that some other row already holds is left alone rather than
    // failing the upgrade.
    r#"
UPDATE mailboxes SET name = mailcall_decode_mailbox_name(name)
 WHERE name <> mailcall_decode_mailbox_name(name)
   AND NOT EXISTS (SELECT 1 FROM mailboxes o
                    WHERE o.name = mailcall_decode_mailbox_name(mailboxes.name));
UPDATE sort_plan_items SET source = mailcall_decode_mailbox_name(source),
                           target = mailcall_decode_mailbox_name(target);
UPDATE sort_chunks SET source = mailcall_decode_mailbox_name(source),
                       target = mailcall_decode_mailbox_name(target);
UPDATE journal SET mailbox = mailcall_decode_mailbox_name(mailbox),
                   target = mailcall_decode_mailbox_name(target);
"#,
    // Conversations a person marked as handled in "waiting for my reply", by the
    // Message-ID of the last message they saw: a newer message in the thread brings it
    // back. Local only; the server knows nothing of it.
    r#"
CREATE TABLE handled_messages (
    message_id TEXT PRIMARY KEY,
    at         INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    // Who made a sort plan: the window, an assistant over MCP (its plans wait in the
    // window for a person's approval) or the CLI. Older plans count as the CLI's.
    r#"
ALTER TABLE sort_plans ADD COLUMN origin TEXT NOT NULL DEFAULT 'cli';
"#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|source| Error::Migrate {
            from: 0,
            to: SCHEMA_VERSION,
            source,
        })?;
    if current > SCHEMA_VERSION {
        return Err(Error::TooNew {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    if current < SCHEMA_VERSION {
        register_functions(conn).map_err(|source| Error::Migrate {
            from: current,
            to: SCHEMA_VERSION,
            source,
        })?;
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let to = i as i64 + 1;
        let err = |source| Error::Migrate {
            from: to - 1,
            to,
            source,
        };
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", to).map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}

/// SQL functions that migrations call: `mailcall_decode_mailbox_name(name)` is the
/// decoded modified UTF-7 name, or `name` unchanged when it does not decode (or is NULL).
fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "mailcall_decode_mailbox_name",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let name: Option<String> = ctx.get(0)?;
            Ok(name.map(|n: String| match crate::mailbox_name::decode(&n) {
                Ok(decoded) => decoded,
                Err(_) => n,
            }))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// A cache written before names were decoded: every migration up to (not including)
    /// the one that decodes, and names as the server spelt them.
    fn old_cache(path: &std::path::Path) {
        let decoding = MIGRATIONS
            .iter()
            .position(|m| m.contains("mailcall_decode_mailbox_name"))
            .expect("the decoding migration");
        let conn = Connection::open(path).expect("open");
        for sql in &MIGRATIONS[..decoding] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.pragma_update(None, "user_version", decoding as i64)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO mailboxes(name, role) VALUES ('INBOX', 'inbox'), \
               ('Personal.Fam&AO0-lia', NULL), ('R&-D', NULL), ('&ZeVnLIqe-', NULL), \
               ('broken&name', NULL); \
             INSERT INTO journal(created, kind, mailbox, uid, target) \
               VALUES (1, 'move', 'INBOX', 7, 'Entw&APw-rfe'); \
             INSERT INTO sort_plans(id, created, rules_json) VALUES ('p', 1, '[]'); \
             INSERT INTO sort_chunks(plan_id, seq, source, target, uids) \
               VALUES ('p', 0, 'INBOX', 'R&-D', '1:3');",
        )
        .expect("old rows");
    }

    #[test]
    fn an_old_cache_reads_back_decoded_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.sqlite");
        old_cache(&path);
        let store = Store::open(&path, None).expect("upgrade");
        let mut names: Vec<String> = store
            .mailboxes()
            .expect("mailboxes")
            .into_iter()
            .map(|m| m.name)
            .collect();
        names.sort();
        // A name that is not modified UTF-7 is kept as it was.
        assert_eq!(
            names,
            ["INBOX", "Personal.Família", "R&D", "broken&name", "日本語"]
        );
        let journal = store.journal().expect("journal");
        assert_eq!(journal[0].target.as_deref(), Some("Entwürfe"));
        let target: String = store
            .conn
            .query_row("SELECT target FROM sort_chunks", [], |r| r.get(0))
            .expect("chunk");
        assert_eq!(target, "R&D");
        // Either spelling finds the upgraded folder.
        assert_eq!(
            store.mailbox_id("Personal.Fam&AO0-lia").expect("lookup"),
            store.mailbox_id("Personal.Família").expect("lookup")
        );
        drop(store);
        // Opening again changes nothing.
        let store = Store::open(&path, None).expect("reopen");
        assert_eq!(store.mailboxes().expect("mailboxes").len(), 5);
    }
}
