//! IDLE (RFC 2177): waiting on the selected mailbox for the server to announce changes.
//!
//! Invariants: one IDLE lasts at most the given period, which callers keep under 29
//! minutes because RFC 2177 lets servers drop a client idle for 30; the caller then
//! issues it again. IDLE always ends with `DONE` and its tagged completion, so the
//! session can run ordinary commands afterwards. Cancellation also ends it that way.

use std::time::Duration;

use async_imap::imap_proto::{MailboxDatum, Response, Status};
use tokio_util::sync::CancellationToken;

use super::connection::{imap_err, Connection};
use crate::error::{Error, Result};

/// The longest single IDLE this crate issues: well under the 30 minutes of RFC 2177.
pub const IDLE_PERIOD: Duration = Duration::from_secs(25 * 60);

/// Why an IDLE ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleOutcome {
    /// The server reported new, changed or expunged messages.
    Changed,
    /// The period ran out without news; re-issue IDLE.
    Timeout,
    Cancelled,
}

impl Connection {
    /// Idles on the selected mailbox for up to `period`.
    pub async fn idle(
        &mut self,
        period: Duration,
        cancel: &CancellationToken,
    ) -> Result<IdleOutcome> {
        let action = "wait for changes (IDLE)";
        let id = self
            .session
            .run_command("IDLE")
            .await
            .map_err(imap_err(action))?;
        loop {
            let step = self
                .next_response(action, |r| match r {
                    Response::Continue(_) => Some(Ok(())),
                    Response::Done { tag, status, .. } if *tag == id => {
                        Some(Err(format!("IDLE refused with {status:?}")))
                    }
                    _ => None,
                })
                .await?;
            match step {
                Some(Ok(())) => break,
                Some(Err(detail)) => {
                    return Err(Error::Protocol {
                        action: action.to_owned(),
                        detail,
                    })
                }
                None => {}
            }
        }
        let deadline = tokio::time::Instant::now() + period;
        let outcome = loop {
            let next = tokio::select! {
                biased;
                () = cancel.cancelled() => break IdleOutcome::Cancelled,
                () = tokio::time::sleep_until(deadline) => break IdleOutcome::Timeout,
                r = self.session.read_response() => r,
            };
            let r = match next {
                Ok(Some(r)) => r,
                Ok(None) => return Err(imap_err(action)(async_imap::error::Error::ConnectionLost)),
                Err(e) => return Err(imap_err(action)(e.into())),
            };
            match r.parsed() {
                Response::MailboxData(MailboxDatum::Exists(_))
                | Response::Expunge(_)
                | Response::Vanished { .. }
                | Response::Fetch(..) => break IdleOutcome::Changed,
                // The server ended IDLE by itself (e.g. before shutting down).
                Response::Done { tag, .. } if *tag == id => return Ok(IdleOutcome::Changed),
                Response::Data {
                    status: Status::Bye,
                    ..
                } => return Err(imap_err(action)(async_imap::error::Error::ConnectionLost)),
                // Keep-alives ("* OK Still here") and anything else.
                _ => {}
            }
        };
        self.session
            .run_command_untagged("DONE")
            .await
            .map_err(imap_err(action))?;
        loop {
            let done = self
                .next_response(
                    action,
                    |r| matches!(r, Response::Done { tag, .. } if *tag == id),
                )
                .await?;
            if done {
                return Ok(outcome);
            }
        }
    }
}
