//! The IMAP commands that change mail on the server: CREATE, RENAME and DELETE of
//! folders (RFC 3501 §6.3.3-6.3.5), UID MOVE (RFC 6851) with the
//! COPY + `\Deleted` + `UID EXPUNGE` fallback (RFC 4315 UIDPLUS), UID STORE, APPEND
//! (RFC 3501 §6.3.11) with APPENDUID, and the searches that reconcile after a crash
//! (which UIDs still exist, which UID a Message-ID has).
//!
//! Invariants:
//! - The fallback expunges only the UIDs it copied (`UID EXPUNGE`, UIDPLUS); without
//!   UIDPLUS a plain EXPUNGE would also remove mail someone else marked `\Deleted`, so
//!   the move is refused instead.
//! - COPYUID arrives untagged for MOVE (RFC 6851 §4.3) and in the tagged OK for COPY;
//!   both are read. A server that sends none leaves the new UIDs unknown (`None`).

use std::time::Duration;

use async_imap::imap_proto::rfc4315::UidSetMember;
use async_imap::imap_proto::{MailboxDatum, Response, ResponseCode, Status};
use tokio::io::AsyncWriteExt;

use super::connection::{imap_err, quote, Connection};
use crate::error::{Error, Result};
use crate::sort::{pair_uids, UidSet};
use crate::types::Uid;

const WRITE_TIMEOUT: Duration = Duration::from_secs(120);

/// Where messages went: `pairs` maps source UIDs to UIDs in the target, which has
/// `uidvalidity`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyUid {
    pub uidvalidity: u32,
    pub pairs: Vec<(Uid, Uid)>,
}

impl CopyUid {
    /// The target UID of `source`, when the server said.
    pub fn target_of(&self, source: Uid) -> Option<Uid> {
        self.pairs.iter().find(|(s, _)| *s == source).map(|p| p.1)
    }
}

fn ranges(members: &[UidSetMember]) -> Vec<(u32, u32)> {
    members
        .iter()
        .map(|m| match m {
            UidSetMember::UidRange(r) => (*r.start(), *r.end()),
            UidSetMember::Uid(u) => (*u, *u),
        })
        .collect()
}

/// A UIDPLUS response code of interest.
enum UidCode {
    Copy(CopyUid),
    Append(u32, Vec<Uid>),
}

fn uid_code(code: &Option<ResponseCode<'_>>) -> Option<UidCode> {
    match code {
        Some(ResponseCode::CopyUid(v, from, to)) => Some(UidCode::Copy(CopyUid {
            uidvalidity: *v,
            pairs: pair_uids(&ranges(from), &ranges(to)),
        })),
        Some(ResponseCode::AppendUid(v, uids)) => Some(UidCode::Append(
            *v,
            UidSet::from_ranges(ranges(uids)).uids().collect(),
        )),
        _ => None,
    }
}

impl Connection {
    /// Like `exchange`, but also returns the COPYUID/APPENDUID of an untagged OK or of
    /// the tagged completion.
    async fn exchange_uid_code(&mut self, action: &str, command: &str) -> Result<Option<UidCode>> {
        let id = match tokio::time::timeout(WRITE_TIMEOUT, self.session.run_command(command)).await
        {
            Err(_) => {
                return Err(Error::Timeout {
                    action: action.to_owned(),
                })
            }
            Ok(r) => r.map_err(imap_err(action))?,
        };
        self.finish_uid_code(action, &id).await
    }

    async fn finish_uid_code(
        &mut self,
        action: &str,
        id: &async_imap::imap_proto::RequestId,
    ) -> Result<Option<UidCode>> {
        let mut found = None;
        loop {
            let step = self
                .next_response(action, |r| match r {
                    Response::Done {
                        tag,
                        status,
                        outcome,
                    } if tag == id => {
                        let info = outcome.information.as_deref().unwrap_or_default();
                        Some(match status {
                            Status::Ok => Ok(uid_code(&outcome.code)),
                            Status::No => Err(async_imap::error::Error::No(info.to_owned())),
                            _ => Err(async_imap::error::Error::Bad(info.to_owned())),
                        })
                    }
                    Response::Data {
                        status: Status::Ok,
                        outcome,
                    } => {
                        if let Some(c) = uid_code(&outcome.code) {
                            found = Some(c);
                        }
                        None
                    }
                    _ => None,
                })
                .await?;
            if let Some(outcome) = step {
                let tagged = outcome.map_err(imap_err(action))?;
                return Ok(tagged.or(found));
            }
        }
    }

    /// Creates the folders of `names` that LIST does not show; returns those created.
    pub async fn ensure_folders(&mut self, names: &[String]) -> Result<Vec<String>> {
        let listed = self.list_folders().await?;
        let mut created = Vec::new();
        for name in names {
            if listed.iter().any(|f| &f.name == name) || created.contains(name) {
                continue;
            }
            let action = format!("create folder {name}");
            let result = self
                .exchange(
                    &action,
                    &format!("CREATE {}", self.mailbox_arg(name)),
                    |_| {},
                )
                .await;
            if let Err(e) = result {
                // Someone else may have created it meanwhile; only then is this fine.
                let again = self.list_folders().await?;
                if !again.iter().any(|f| &f.name == name) {
                    return Err(e);
                }
            } else {
                created.push(name.clone());
            }
        }
        Ok(created)
    }

    /// Creates folder `name` (decoded); an existing one is an [`Error::Imap`] NO.
    pub async fn create_folder(&mut self, name: &str) -> Result<()> {
        let command = format!("CREATE {}", self.mailbox_arg(name));
        self.exchange(&format!("create folder {name}"), &command, |_| {})
            .await
    }

    /// Renames folder `from` to `to` (decoded); the server renames its subfolders too.
    pub async fn rename_folder(&mut self, from: &str, to: &str) -> Result<()> {
        let command = format!("RENAME {} {}", self.mailbox_arg(from), self.mailbox_arg(to));
        self.exchange(&format!("rename folder {from} to {to}"), &command, |_| {})
            .await
    }

    /// Deletes folder `name` (decoded) with the mail in it.
    pub async fn delete_folder(&mut self, name: &str) -> Result<()> {
        let command = format!("DELETE {}", self.mailbox_arg(name));
        self.exchange(&format!("delete folder {name}"), &command, |_| {})
            .await
    }

    /// Moves the messages of `set` from the selected mailbox to `target`: `UID MOVE`
    /// when offered, else `UID COPY` + `\Deleted` + `UID EXPUNGE`. UIDs that do not
    /// exist are skipped by the server.
    pub async fn move_uids(&mut self, set: &UidSet, target: &str) -> Result<Option<CopyUid>> {
        if set.is_empty() {
            return Ok(None);
        }
        let caps = self.capabilities();
        let action = format!("move messages to {target}");
        if caps.moves {
            let code = self
                .exchange_uid_code(
                    &action,
                    &format!("UID MOVE {set} {}", self.mailbox_arg(target)),
                )
                .await?;
            return Ok(match code {
                Some(UidCode::Copy(c)) => Some(c),
                _ => None,
            });
        }
        if !caps.uidplus {
            return Err(Error::Protocol {
                action,
                detail: "the server offers neither MOVE nor UIDPLUS".to_owned(),
            });
        }
        let code = self
            .exchange_uid_code(
                &action,
                &format!("UID COPY {set} {}", self.mailbox_arg(target)),
            )
            .await?;
        self.delete_uids(set).await?;
        Ok(match code {
            Some(UidCode::Copy(c)) => Some(c),
            _ => None,
        })
    }

    /// Marks `set` `\Deleted` and expunges exactly those UIDs (UIDPLUS).
    pub async fn delete_uids(&mut self, set: &UidSet) -> Result<()> {
        if set.is_empty() {
            return Ok(());
        }
        self.exchange(
            "mark messages deleted",
            &format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"),
            |_| {},
        )
        .await?;
        self.exchange(
            "expunge moved messages",
            &format!("UID EXPUNGE {set}"),
            |_| {},
        )
        .await
    }

    /// The UIDs of `set` that exist in the selected mailbox.
    pub async fn existing_uids(&mut self, set: &UidSet) -> Result<UidSet> {
        if set.is_empty() {
            return Ok(UidSet::default());
        }
        let mut out = Vec::new();
        self.exchange(
            "check which messages exist",
            &format!("UID SEARCH UID {set}"),
            |r| {
                if let Response::MailboxData(MailboxDatum::Search(ids)) = r {
                    out.extend(ids.iter().filter_map(|&u| Uid::new(u)));
                }
            },
        )
        .await?;
        // A server may answer `UID n:m` with the highest UID even when it is outside.
        Ok(UidSet::from_uids(
            out.into_iter().filter(|u| set.contains(*u)),
        ))
    }

    /// UIDs in the selected mailbox whose Message-ID header is `message_id` (without
    /// angle brackets).
    pub async fn uids_with_message_id(&mut self, message_id: &str) -> Result<Vec<Uid>> {
        let mut out = Vec::new();
        let command = format!(
            "UID SEARCH HEADER Message-ID {}",
            quote(&format!("<{message_id}>"))
        );
        self.exchange("search by Message-ID", &command, |r| {
            if let Response::MailboxData(MailboxDatum::Search(ids)) = r {
                out.extend(ids.iter().filter_map(|&u| Uid::new(u)));
            }
        })
        .await?;
        out.sort_unstable();
        Ok(out)
    }

    /// Adds and removes flags of `set` in the selected mailbox.
    pub async fn store_flags(
        &mut self,
        set: &UidSet,
        add: &[String],
        remove: &[String],
    ) -> Result<()> {
        if set.is_empty() {
            return Ok(());
        }
        if !add.is_empty() {
            self.exchange(
                "add flags",
                &format!("UID STORE {set} +FLAGS.SILENT ({})", add.join(" ")),
                |_| {},
            )
            .await?;
        }
        if !remove.is_empty() {
            self.exchange(
                "remove flags",
                &format!("UID STORE {set} -FLAGS.SILENT ({})", remove.join(" ")),
                |_| {},
            )
            .await?;
        }
        Ok(())
    }

    /// Appends `raw` to `mailbox` with `flags`; returns (UIDVALIDITY, UID) from
    /// APPENDUID when the server gives it.
    pub async fn append_message(
        &mut self,
        mailbox: &str,
        flags: &[String],
        raw: &[u8],
    ) -> Result<Option<(u32, Uid)>> {
        let action = format!("append a message to {mailbox}");
        let command = format!(
            "APPEND {} ({}) {{{}}}",
            self.mailbox_arg(mailbox),
            flags.join(" "),
            raw.len()
        );
        let id = match tokio::time::timeout(WRITE_TIMEOUT, self.session.run_command(&command)).await
        {
            Err(_) => return Err(Error::Timeout { action }),
            Ok(r) => r.map_err(imap_err(&action))?,
        };
        // The server says `+` before the literal, or refuses the command at once.
        loop {
            let step = self
                .next_response(&action, |r| match r {
                    Response::Continue { .. } => Some(Ok(())),
                    Response::Done {
                        tag,
                        status,
                        outcome,
                    } if *tag == id => {
                        let info = outcome.information.as_deref().unwrap_or_default();
                        Some(Err(match status {
                            Status::No => async_imap::error::Error::No(info.to_owned()),
                            _ => async_imap::error::Error::Bad(info.to_owned()),
                        }))
                    }
                    _ => None,
                })
                .await?;
            match step {
                Some(Ok(())) => break,
                Some(Err(e)) => return Err(imap_err(&action)(e)),
                None => {}
            }
        }
        let stream = self.session.get_mut();
        let write = async {
            stream.write_all(raw).await?;
            stream.write_all(b"\r\n").await?;
            stream.flush().await
        };
        match tokio::time::timeout(WRITE_TIMEOUT, write).await {
            Err(_) => return Err(Error::Timeout { action }),
            Ok(r) => r.map_err(|e| imap_err(&action)(async_imap::error::Error::Io(e)))?,
        }
        Ok(match self.finish_uid_code(&action, &id).await? {
            Some(UidCode::Append(v, uids)) => uids.first().map(|u| (v, *u)),
            _ => None,
        })
    }
}
