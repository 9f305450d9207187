//! "Waiting for my reply": conversations whose last message is from someone else and
//! that I have not answered.
//!
//! Definition: a thread qualifies when none of its messages is automated and its last
//! message by date, leaving out drafts (`\Draft` or a Drafts mailbox) and Trash/Junk,
//! is not from one of my addresses, lies in the requested period and does not carry
//! `\Answered`. Being the last, no message from me is later. A thread whose last
//! message a person marked as handled ([`Store::set_handled`]) leaves the list until a
//! newer message arrives in it.
//!
//! Cost: the candidates are the messages dated in the period (index on date); for each,
//! "is there a later message in its thread" is one probe of the (thread, date) index.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Context, Result};
use crate::store::{summary_from_row, MessageSummary, Store, SUMMARY_COLUMNS};

/// A half-open period `[start, end)` in Unix seconds; `None` leaves a side open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl Period {
    pub fn between(start: i64, end: i64) -> Period {
        Period {
            start: Some(start),
            end: Some(end),
        }
    }

    pub(crate) fn bounds(&self) -> (i64, i64) {
        (self.start.unwrap_or(i64::MIN), self.end.unwrap_or(i64::MAX))
    }
}

/// Messages that are not part of the conversation: drafts and discarded mail.
pub(crate) const EXCLUDED: &str = "(m.flags & 16 = 0 AND m.mailbox_id NOT IN \
     (SELECT id FROM mailboxes WHERE role IN ('drafts', 'trash', 'junk')))";

impl Store {
    /// The last message of each thread waiting for my reply, newest first. `me` holds my
    /// addresses (any case).
    pub fn waiting_for_reply(
        &self,
        me: &[&str],
        period: Period,
        limit: u32,
    ) -> Result<Vec<MessageSummary>> {
        let (start, end) = period.bounds();
        let me: Vec<String> = me.iter().map(|a| a.trim().to_lowercase()).collect();
        let me_list = vec!["?"; me.len().max(1)].join(", ");
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM messages m \
             WHERE m.date >= ? AND m.date < ? AND {EXCLUDED} \
             AND m.from_addr NOT IN ({me_list}) AND m.flags & 2 = 0 AND m.automated = 0 \
             AND NOT EXISTS (SELECT 1 FROM messages n WHERE n.thread_id = m.thread_id \
                 AND (n.date > m.date OR (n.date = m.date AND n.id > m.id)) \
                 AND n.flags & 16 = 0 AND n.mailbox_id NOT IN \
                 (SELECT id FROM mailboxes WHERE role IN ('drafts', 'trash', 'junk'))) \
             AND NOT EXISTS (SELECT 1 FROM messages a WHERE a.thread_id = m.thread_id AND a.automated = 1) \
             AND m.message_id NOT IN (SELECT message_id FROM handled_messages) \
             ORDER BY m.date DESC, m.id DESC LIMIT ?"
        );
        let mut params = vec![Value::Integer(start), Value::Integer(end)];
        if me.is_empty() {
            // NOT IN (NULL) is never true; a NUL character is never an address.
            params.push(Value::Text("\0".to_owned()));
        }
        params.extend(me.into_iter().map(Value::Text));
        params.push(Value::Integer(i64::from(limit)));
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .context("prepare the unanswered query")?;
        let rows = stmt
            .query_map(params_from_iter(params), summary_from_row)
            .context("find threads waiting for a reply")?;
        rows.collect::<Result<_, _>>()
            .context("find threads waiting for a reply")
    }
}

impl Store {
    /// Marks the message with Message-ID `message_id` as handled (it and its thread leave
    /// "waiting for my reply" until a newer message arrives), or takes the mark back.
    pub fn set_handled(&self, message_id: &str, handled: bool, now: i64) -> Result<()> {
        if handled {
            self.conn
                .execute(
                    "INSERT INTO handled_messages(message_id, at) VALUES (?1, ?2) \
                     ON CONFLICT(message_id) DO UPDATE SET at = excluded.at",
                    rusqlite::params![message_id, now],
                )
                .context("mark a conversation handled")?;
        } else {
            self.conn
                .execute(
                    "DELETE FROM handled_messages WHERE message_id = ?1",
                    [message_id],
                )
                .context("unmark a conversation")?;
        }
        Ok(())
    }
}

/// Most characters of a first line.
const FIRST_LINE: usize = 200;

impl Store {
    /// The first line of text of each message in `ids` whose body is cached: blank
    /// lines, quoted lines (`>`), "On ... wrote:" lines and a salutation (a short line
    /// ending in a comma: "Hi Ann,") skipped, at most 200 characters. Messages without
    /// a cached body are absent.
    pub fn first_lines(
        &self,
        ids: &[crate::types::MessageId],
    ) -> Result<std::collections::HashMap<crate::types::MessageId, String>> {
        let mut out = std::collections::HashMap::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT substr(text, 1, 4000) FROM bodies WHERE message_id = ?1")
            .context("read first lines")?;
        for id in ids {
            let text: Option<String> = stmt
                .query_row([id.0], |r| r.get(0))
                .optional()
                .context("read first lines")?;
            if let Some(line) = text.as_deref().and_then(first_line) {
                out.insert(*id, line);
            }
        }
        Ok(out)
    }
}

fn first_line(text: &str) -> Option<String> {
    let attribution = |l: &str| l.starts_with("On ") && l.ends_with("wrote:");
    let salutation = |l: &str| l.ends_with(',') && l.chars().count() <= 40;
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !(l.is_empty() || l.starts_with('>') || attribution(l)));
    let first = lines.next()?;
    // A message that is only a salutation still has that to show.
    let line = if salutation(first) {
        lines.next().unwrap_or(first)
    } else {
        first
    };
    Some(line.chars().take(FIRST_LINE).collect())
}

#[cfg(test)]
mod tests {
    use super::first_line;

    #[test]
    fn the_first_line_skips_blanks_and_quotes() {
        assert_eq!(
            first_line("\n  \n> old\nOn Mon, Ann wrote:\n  Hello there  \nmore").as_deref(),
            Some("Hello there")
        );
        assert_eq!(first_line("> only quoted\n\n"), None);
        assert_eq!(
            first_line("Hi Me,\n\nCan we move the review?\n").as_deref(),
            Some("Can we move the review?")
        );
        assert_eq!(first_line("Thanks,\n").as_deref(), Some("Thanks,"));
        assert_eq!(first_line(&"x".repeat(300)).map(|l| l.len()), Some(200));
    }
}
