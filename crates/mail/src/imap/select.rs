//! SELECT with the extensions that make resync cheap: `(CONDSTORE)` for HIGHESTMODSEQ and
//! `(QRESYNC (uidvalidity modseq))` for the expunges (`VANISHED (EARLIER)`) and flag
//! changes since the last sync, in the same round trip (RFC 7162 §3.2.5).
//!
//! Invariants: QRESYNC parameters are sent only when the cache knows both a UIDVALIDITY
//! and a HIGHESTMODSEQ for the mailbox; the answer counts as a QRESYNC answer only when
//! the server's UIDVALIDITY equals the cached one (otherwise the server ignores the
//! parameters, RFC 7162 §3.2.5.2). VANISHED ranges are kept as ranges: a server may
//! report UIDs the client never had, and a range can be huge.

use std::ops::RangeInclusive;

use async_imap::imap_proto::{MailboxDatum, Response, ResponseCode};

use super::connection::Connection;
use super::fetch::Fetched;
use crate::error::Result;
use crate::store::{FlagUpdate, MailboxState};
use crate::types::{ModSeq, Uid, UidValidity};

/// What SELECT said about a mailbox.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selected {
    pub name: String,
    pub uidvalidity: Option<UidValidity>,
    pub uidnext: Option<Uid>,
    pub exists: u32,
    /// `None` without CONDSTORE, or for a mailbox that keeps no mod-sequences (NOMODSEQ).
    pub highestmodseq: Option<ModSeq>,
    /// True when the server answered the QRESYNC parameters: `vanished` and `changed`
    /// then hold everything that happened since the cached HIGHESTMODSEQ.
    pub qresync: bool,
    pub vanished: Vec<RangeInclusive<u32>>,
    pub changed: Vec<FlagUpdate>,
}

impl Selected {
    /// The cached UIDs that VANISHED named.
    pub fn vanished_among(&self, cached: impl IntoIterator<Item = Uid>) -> Vec<Uid> {
        cached
            .into_iter()
            .filter(|u| self.vanished.iter().any(|r| r.contains(&u.get())))
            .collect()
    }
}

impl Connection {
    /// Selects `name` (decoded) read-write, asking for what `cached` allows.
    pub async fn select(&mut self, name: &str, cached: &MailboxState) -> Result<Selected> {
        let caps = self.capabilities();
        let qresync_params = match (caps.qresync, cached.uidvalidity, cached.highestmodseq) {
            (true, Some(v), Some(m)) => Some((v, m)),
            _ => None,
        };
        let arg = self.mailbox_arg(name);
        let command = match (qresync_params, caps.condstore) {
            (Some((v, m)), _) => format!("SELECT {} (QRESYNC ({} {}))", arg, v.0.get(), m.0.get()),
            (None, true) => format!("SELECT {arg} (CONDSTORE)"),
            (None, false) => format!("SELECT {arg}"),
        };
        let mut sel = Selected {
            name: name.to_owned(),
            ..Selected::default()
        };
        let action = format!("select mailbox {name}");
        self.exchange(&action, &command, |r| match r {
            Response::MailboxData(MailboxDatum::Exists(n)) => sel.exists = *n,
            Response::Data { outcome, .. } => match &outcome.code {
                Some(ResponseCode::UidValidity(v)) => {
                    sel.uidvalidity = std::num::NonZeroU32::new(*v).map(UidValidity)
                }
                Some(ResponseCode::UidNext(n)) => sel.uidnext = Uid::new(*n),
                Some(ResponseCode::HighestModSeq(m)) => sel.highestmodseq = ModSeq::new(*m),
                _ => {}
            },
            Response::Vanished { uids, .. } => sel.vanished.extend(uids.iter().cloned()),
            Response::Fetch(_, attrs) => {
                let f = Fetched::from_attributes(attrs);
                if let (Some(uid), Some(flags)) = (f.uid, f.flags) {
                    sel.changed.push(FlagUpdate {
                        uid,
                        flags,
                        modseq: f.modseq,
                    });
                }
            }
            _ => {}
        })
        .await?;
        sel.qresync = qresync_params.is_some_and(|(v, _)| sel.uidvalidity == Some(v));
        if !sel.qresync {
            // Without a matching QRESYNC answer these were not a complete account of the
            // changes; the plan decides how to find them instead.
            sel.vanished.clear();
            sel.changed.clear();
        }
        Ok(sel)
    }
}
