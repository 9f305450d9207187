//! What the reader keeps in the cache: the raw source of opened messages (so a message
//! opened once reads again offline) and the senders whose remote content always loads.

use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::error::{Context, Result};
use crate::types::MessageId;

impl Store {
    /// The raw source of message `id` kept when it was opened; `None` when it never was
    /// (or the message is no longer cached).
    pub fn raw_message(&self, id: MessageId) -> Result<Option<Vec<u8>>> {
        self.conn
            .query_row(
                "SELECT raw FROM raw_messages WHERE message_id = ?1",
                [id.0],
                |r| r.get(0),
            )
            .optional()
            .context("read a message's source")
    }

    /// Keeps the raw source of message `id`. Returns false (and stores nothing) when the
    /// cache no longer holds that message, e.g. a sync removed it meanwhile.
    pub fn set_raw_message(&mut self, id: MessageId, raw: &[u8], fetched: i64) -> Result<bool> {
        let tx = self.conn.transaction().context("begin storing a source")?;
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM messages WHERE id = ?1", [id.0], |r| {
                r.get(0)
            })
            .optional()
            .context("look up a message for its source")?;
        if exists.is_none() {
            return Ok(false);
        }
        tx.execute(
            "INSERT OR REPLACE INTO raw_messages (message_id, fetched, raw) VALUES (?1, ?2, ?3)",
            params![id.0, fetched, raw],
        )
        .context("store a message's source")?;
        tx.commit().context("commit a message's source")?;
        Ok(true)
    }

    /// Whether remote content of mail from `addr` always loads (the address is compared
    /// without regard to case).
    pub fn remote_content_allowed(&self, addr: &str) -> Result<bool> {
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT allowed FROM remote_content_senders WHERE addr = ?1",
                [addr.trim().to_lowercase()],
                |r| r.get(0),
            )
            .optional()
            .context("read a sender's remote content choice")?;
        Ok(found.is_some_and(|v| v != 0))
    }

    /// Remembers whether remote content of mail from `addr` always loads; `false` forgets
    /// the choice.
    pub fn set_remote_content_allowed(&mut self, addr: &str, allowed: bool) -> Result<()> {
        let addr = addr.trim().to_lowercase();
        if allowed {
            self.conn
                .execute(
                    "INSERT OR REPLACE INTO remote_content_senders (addr, allowed) VALUES (?1, 1)",
                    [addr],
                )
                .context("store a sender's remote content choice")?;
        } else {
            self.conn
                .execute("DELETE FROM remote_content_senders WHERE addr = ?1", [addr])
                .context("forget a sender's remote content choice")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_content_choice_is_kept_per_sender_without_case() {
        let mut store = Store::open_in_memory().expect("store");
        assert!(!store
            .remote_content_allowed("News@Example.org")
            .expect("read"));
        store
            .set_remote_content_allowed("News@Example.org", true)
            .expect("set");
        assert!(store
            .remote_content_allowed("news@example.org")
            .expect("read"));
        assert!(!store
            .remote_content_allowed("other@example.org")
            .expect("read"));
        store
            .set_remote_content_allowed("NEWS@example.org", false)
            .expect("unset");
        assert!(!store
            .remote_content_allowed("news@example.org")
            .expect("read"));
    }

    #[test]
    fn a_source_needs_its_message() {
        let mut store = Store::open_in_memory().expect("store");
        assert!(!store
            .set_raw_message(MessageId(42), b"Subject: x\r\n\r\nbody", 1)
            .expect("store"));
        assert_eq!(store.raw_message(MessageId(42)).expect("read"), None);
    }
}
