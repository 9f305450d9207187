//! The transaction table: matches what Janus sends back to the request that caused it.
//!
//! Invariants (Janus 1.1.2 behaviour, measured):
//! - An asynchronous plugin request gets an `ack` and later an `event` with the same
//!   transaction, but the event can arrive *before* the ack. So the event completes the
//!   request whether or not the ack was seen, and an ack for a finished transaction is ignored.
//! - `keepalive` and `trickle` get only an `ack`: for them the ack is the answer.
//! - A message with a transaction that is not pending (a duplicate, or one that arrived after
//!   the request timed out) is not dropped: it is handed back so the session routes it by
//!   `sender` like any event without a transaction.
//! - Every pending entry has a deadline; [`Table::expire`] fails the overdue ones, so a lost
//!   answer never leaves a caller waiting forever.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::id::HandleId;
use crate::message::{Incoming, Jsep, Known, PluginData};

/// The final answer to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `ack` (final only for keepalive and trickle).
    Ack,
    /// `success`, with `data` (create, attach) or `plugindata` (synchronous plugin requests).
    Success {
        data: Option<serde_json::Value>,
        plugindata: Option<PluginData>,
    },
    /// The `event` that finishes an asynchronous plugin request.
    Event {
        plugindata: PluginData,
        jsep: Option<Jsep>,
    },
    /// Any other known answer (`pong`, `server_info`).
    Other(Known),
}

/// Who waits for an answer.
#[derive(Debug)]
pub(crate) enum Waiter<T> {
    /// A caller, through its oneshot.
    Caller(oneshot::Sender<Result<Reply>>),
    /// The session itself; `T` says what the request was for.
    Internal(T),
}

struct Pending<T> {
    verb: &'static str,
    ack_is_final: bool,
    acked: bool,
    handle: Option<HandleId>,
    deadline: Instant,
    timeout: Duration,
    waiter: Waiter<T>,
}

/// What to do with an incoming message after the table saw it.
#[derive(Debug)]
pub(crate) enum Routed<T> {
    /// It answered a request; the caller was told. Internal requests come back for the
    /// session to act on.
    Done(Option<(T, Result<Reply>)>),
    /// It was only an intermediate `ack`, or a stray ack.
    Absorbed,
    /// Not an answer to any pending request: route by sender.
    Event(Incoming),
}

pub(crate) struct Table<T> {
    pending: HashMap<String, Pending<T>>,
    next: u64,
    prefix: String,
}

impl<T> Table<T> {
    pub fn new() -> Self {
        Self {
            pending: HashMap::new(),
            next: 0,
            // Transactions unique across reconnects and processes, so a late answer to an old
            // transport's request can never be taken for a new one.
            prefix: format!("mc{:08x}", rand::random::<u32>()),
        }
    }

    /// Registers a request and returns its transaction id.
    pub fn insert(
        &mut self,
        verb: &'static str,
        ack_is_final: bool,
        handle: Option<HandleId>,
        timeout: Duration,
        waiter: Waiter<T>,
    ) -> String {
        self.next += 1;
        let transaction = format!("{}-{}", self.prefix, self.next);
        self.pending.insert(
            transaction.clone(),
            Pending {
                verb,
                ack_is_final,
                acked: false,
                handle,
                deadline: Instant::now() + timeout,
                timeout,
                waiter,
            },
        );
        transaction
    }

    /// The earliest deadline, for the session's timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.deadline).min()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Completes one request with an error (e.g. its HTTP POST failed).
    pub fn fail(&mut self, transaction: &str, error: Error) -> Option<(T, Result<Reply>)> {
        let pending = self.pending.remove(transaction)?;
        finish(pending, Err(error))
    }

    /// Fails every pending request, e.g. when the transport is lost; `error` builds the error
    /// for a request from its verb and handle.
    pub fn fail_all(
        &mut self,
        mut error: impl FnMut(&'static str, Option<HandleId>) -> Error,
    ) -> Vec<(T, Result<Reply>)> {
        let drained: Vec<_> = self.pending.drain().collect();
        drained
            .into_iter()
            .filter_map(|(_, p)| {
                let e = error(p.verb, p.handle);
                finish(p, Err(e))
            })
            .collect()
    }

    /// Fails the requests whose deadline has passed.
    pub fn expire(&mut self, now: Instant) -> Vec<(T, Result<Reply>)> {
        let overdue: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(t, _)| t.clone())
            .collect();
        overdue
            .into_iter()
            .filter_map(|t| {
                let p = self.pending.remove(&t)?;
                let e = Error::Timeout {
                    request: p.verb.to_owned(),
                    timeout: p.timeout,
                };
                finish(p, Err(e))
            })
            .collect()
    }

    /// Matches one message against the pending requests.
    pub fn route(&mut self, message: Incoming) -> Routed<T> {
        let Some(transaction) = message.transaction().map(str::to_owned) else {
            return Routed::Event(message);
        };
        let is_ack = matches!(message, Incoming::Known(Known::Ack { .. }));
        let Some(pending) = self.pending.get_mut(&transaction) else {
            if is_ack {
                // The ack of a request already finished by its event (event-before-ack).
                tracing::trace!(%transaction, "ack for a finished transaction");
                return Routed::Absorbed;
            }
            return Routed::Event(message);
        };
        if is_ack && !pending.ack_is_final {
            pending.acked = true;
            return Routed::Absorbed;
        }
        let Some(pending) = self.pending.remove(&transaction) else {
            return Routed::Absorbed;
        };
        let verb = pending.verb;
        let reply = match message {
            Incoming::Known(Known::Ack { .. }) => Ok(Reply::Ack),
            Incoming::Known(Known::Success {
                data, plugindata, ..
            }) => Ok(Reply::Success { data, plugindata }),
            Incoming::Known(Known::Error { error, .. }) => {
                Err(Error::janus(verb, error.code, error.reason))
            }
            Incoming::Known(Known::Event {
                plugindata, jsep, ..
            }) => Ok(Reply::Event { plugindata, jsep }),
            Incoming::Known(other) => Ok(Reply::Other(other)),
            Incoming::Unknown(answer) => {
                tracing::warn!(%answer, verb, "unknown answer to a request");
                Err(Error::Unexpected {
                    request: verb.to_owned(),
                    answer,
                })
            }
        };
        Routed::Done(finish(pending, reply))
    }
}

fn finish<T>(pending: Pending<T>, reply: Result<Reply>) -> Option<(T, Result<Reply>)> {
    match pending.waiter {
        Waiter::Caller(tx) => {
            // A caller that went away is normal (it timed out or was cancelled).
            let _ = tx.send(reply);
            None
        }
        Waiter::Internal(t) => Some((t, reply)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn msg(value: serde_json::Value) -> Incoming {
        Incoming::parse(value)
    }

    fn caller(
        table: &mut Table<()>,
        verb: &'static str,
        ack_final: bool,
    ) -> (String, oneshot::Receiver<Result<Reply>>) {
        let (tx, rx) = oneshot::channel();
        let t = table.insert(
            verb,
            ack_final,
            Some(HandleId(2)),
            Duration::from_secs(5),
            Waiter::Caller(tx),
        );
        (t, rx)
    }

    fn event(t: &str) -> serde_json::Value {
        json!({"janus": "event", "session_id": 1, "sender": 2, "transaction": t,
               "plugindata": {"plugin": "janus.plugin.videoroom", "data": {"videoroom": "joined"}}})
    }

    #[test]
    fn event_before_ack_completes_and_late_ack_is_absorbed() {
        let mut table = Table::new();
        let (t, mut rx) = caller(&mut table, "message", false);
        assert!(matches!(table.route(msg(event(&t))), Routed::Done(None)));
        assert!(matches!(rx.try_recv(), Ok(Ok(Reply::Event { .. }))));
        let ack = json!({"janus": "ack", "session_id": 1, "transaction": t});
        assert!(matches!(table.route(msg(ack)), Routed::Absorbed));
        assert_eq!(table.len(), 0);
    }

    #[test]
    fn ack_then_event_and_duplicate_event_is_routed() {
        let mut table = Table::new();
        let (t, mut rx) = caller(&mut table, "message", false);
        let ack = json!({"janus": "ack", "session_id": 1, "transaction": t});
        assert!(matches!(table.route(msg(ack)), Routed::Absorbed));
        assert!(rx.try_recv().is_err(), "an ack does not finish a message");
        assert!(matches!(table.route(msg(event(&t))), Routed::Done(None)));
        assert!(matches!(rx.try_recv(), Ok(Ok(Reply::Event { .. }))));
        // The same event again is not lost: it goes to the handle's stream.
        assert!(matches!(table.route(msg(event(&t))), Routed::Event(_)));
    }

    #[test]
    fn keepalive_is_finished_by_its_ack_and_errors_are_typed() {
        let mut table = Table::new();
        let (t, mut rx) = caller(&mut table, "keepalive", true);
        table.route(msg(json!({"janus": "ack", "transaction": t})));
        assert!(matches!(rx.try_recv(), Ok(Ok(Reply::Ack))));
        let (t, mut rx) = caller(&mut table, "keepalive", true);
        table.route(msg(json!({"janus": "error", "transaction": t, "error": {"code": 458, "reason": "No such session"}})));
        let err = rx.try_recv().expect("answered").expect_err("an error");
        assert_eq!(
            err.janus_code(),
            Some(crate::error::JanusCode::SessionNotFound)
        );
    }

    #[test]
    fn events_without_transaction_are_routed() {
        let mut table: Table<()> = Table::new();
        let e = json!({"janus": "webrtcup", "session_id": 1, "sender": 2});
        assert!(matches!(table.route(msg(e)), Routed::Event(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn overdue_requests_time_out() {
        let mut table: Table<u8> = Table::new();
        table.insert(
            "attach",
            false,
            None,
            Duration::from_secs(3),
            Waiter::Internal(7),
        );
        assert!(table.expire(Instant::now()).is_empty());
        tokio::time::advance(Duration::from_secs(4)).await;
        let expired = table.expire(Instant::now());
        assert_eq!(expired.len(), 1);
        assert!(matches!(expired[0], (7, Err(Error::Timeout { .. }))));
    }
}
