//! The session actor: one `select!` loop owning the transport, the transaction table, the
//! keepalive timer and the reconnect state. The public face is [`crate::session`].
//!
//! Invariants:
//! - The loop turns each wake-up (cancel, command, message, keepalive tick, request deadline,
//!   retry tick) into a local [`Wake`] and handles it in one `match`, so no branch ever holds a
//!   borrow while another runs.
//! - `link` is `Some` exactly when a transport is up and a session is bound to it; `retry` is
//!   `Some` exactly when it is not.
//! - A `claim` is only tried on the server that owns the session; a new session goes to the
//!   first server (from the current one on) that accepts it.

use std::collections::{HashMap, VecDeque};

use mailcall_errors::chain;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep_until, Duration, Instant};
use tokio_util::sync::CancellationToken;

use crate::error::{Error, JanusCode, Result};
use crate::handle::{HandleEvent, HandleEvents};
use crate::id::{HandleId, SessionId};
use crate::message::{Incoming, Known, Request};
use crate::server::{auth, envelope, establish, open_and_call};
use crate::session::{Command, LossReason, SessionConfig, SessionEvent, SessionStatus};
use crate::transaction::{Reply, Routed, Table, Waiter};
use crate::transport::{Connection, Received};

/// Requests the actor makes for itself.
#[derive(Debug)]
pub(crate) enum Internal {
    Keepalive,
    Attach(oneshot::Sender<Result<(HandleId, HandleEvents)>>),
    Detach(HandleId, oneshot::Sender<Result<()>>),
    Destroy(oneshot::Sender<Result<()>>),
}

enum Wake {
    Cancelled,
    Command(Option<Command>),
    Received(Option<Result<Received>>),
    Keepalive,
    Deadline,
    Retry,
}

pub(crate) struct Actor {
    config: SessionConfig,
    commands: mpsc::Receiver<Command>,
    events: mpsc::UnboundedSender<SessionEvent>,
    cancel: CancellationToken,
    link: Option<Connection>,
    server: usize,
    session: Option<SessionId>,
    /// The session that was lost, until its replacement is announced.
    lost: Option<(Option<SessionId>, LossReason)>,
    table: Table<Internal>,
    handles: HashMap<HandleId, mpsc::UnboundedSender<HandleEvent>>,
    keepalive_at: Instant,
    keepalive_paused: bool,
    retry: Option<(Instant, u32)>,
    backlog: VecDeque<Incoming>,
    /// A `destroy` is in flight: the session going away is expected, not to be replaced.
    closing: bool,
    stop: bool,
}

impl Actor {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        config: SessionConfig,
        commands: mpsc::Receiver<Command>,
        events: mpsc::UnboundedSender<SessionEvent>,
        cancel: CancellationToken,
        link: Connection,
        session: SessionId,
        server: usize,
        backlog: VecDeque<Incoming>,
    ) -> Self {
        let keepalive_at = Instant::now() + config.keepalive;
        Self {
            config,
            commands,
            events,
            cancel,
            link: Some(link),
            server,
            session: Some(session),
            lost: None,
            table: Table::new(),
            handles: HashMap::new(),
            keepalive_at,
            keepalive_paused: false,
            retry: None,
            backlog,
            closing: false,
            stop: false,
        }
    }

    pub(crate) async fn run(mut self) {
        let far = || Instant::now() + Duration::from_secs(86_400);
        while !self.stop {
            while let Some(message) = self.backlog.pop_front() {
                self.dispatch(message);
            }
            let deadline = self.table.next_deadline();
            let retry_at = self.retry.map(|(at, _)| at);
            let keepalive = self.link.is_some() && !self.keepalive_paused;
            let wake = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => Wake::Cancelled,
                c = self.commands.recv() => Wake::Command(c),
                r = next(&mut self.link) => Wake::Received(r),
                _ = sleep_until(self.keepalive_at), if keepalive => Wake::Keepalive,
                _ = sleep_until(deadline.unwrap_or_else(far)), if deadline.is_some() => Wake::Deadline,
                _ = sleep_until(retry_at.unwrap_or_else(far)), if retry_at.is_some() => Wake::Retry,
            };
            match wake {
                Wake::Cancelled | Wake::Command(None) => break,
                Wake::Command(Some(c)) => self.command(c).await,
                Wake::Received(r) => self.received(r),
                Wake::Keepalive => {
                    self.keepalive_at = Instant::now() + self.config.keepalive;
                    self.send(
                        Request::Keepalive,
                        None,
                        Waiter::Internal(Internal::Keepalive),
                    )
                    .await;
                }
                Wake::Deadline => {
                    for (internal, result) in self.table.expire(Instant::now()) {
                        self.internal_done(internal, result);
                    }
                }
                Wake::Retry => self.reconnect().await,
            }
        }
        if let Some(mut link) = self.link.take() {
            link.close().await;
        }
        // Waiters still pending learn that the session is closed.
        self.table.fail_all(|_, _| Error::Closed);
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Request {
                request,
                handle,
                reply,
            } => {
                if let Some(h) = handle {
                    if !self.handles.contains_key(&h) {
                        let session = self.session.unwrap_or(SessionId(0));
                        let _ = reply.send(Err(Error::SessionGone {
                            session,
                            handle: Some(h),
                        }));
                        return;
                    }
                }
                self.send(request, handle, Waiter::Caller(reply)).await;
            }
            Command::Attach {
                plugin,
                opaque_id,
                reply,
            } => {
                let request = Request::Attach { plugin, opaque_id };
                self.send(request, None, Waiter::Internal(Internal::Attach(reply)))
                    .await;
            }
            Command::Detach { handle, reply } => {
                self.send(
                    Request::Detach,
                    Some(handle),
                    Waiter::Internal(Internal::Detach(handle, reply)),
                )
                .await;
            }
            Command::Status(reply) => {
                let _ = reply.send(SessionStatus {
                    session: self.session,
                    server: self.config.servers[self.server].url().to_owned(),
                    connected: self.link.is_some(),
                });
            }
            Command::SetToken(token) => {
                // Used from the next request on; a reconnect's long-poll carries it too.
                self.config.token = token;
                if let Some(link) = self.link.as_mut() {
                    link.set_auth(auth(&self.config));
                }
            }
            Command::PauseKeepalives(paused) => {
                self.keepalive_paused = paused;
                self.keepalive_at = Instant::now() + self.config.keepalive;
            }
            Command::DropTransport => {
                if let Some(mut link) = self.link.take() {
                    link.close().await;
                    self.link_lost(Error::TransportLost {
                        url: link.url().to_owned(),
                        doing: "closing the transport on request".into(),
                        source: None,
                    });
                }
            }
            Command::Close(reply) => {
                if self.link.is_some() && self.session.is_some() {
                    self.closing = true;
                    self.send(
                        Request::Destroy,
                        None,
                        Waiter::Internal(Internal::Destroy(reply)),
                    )
                    .await;
                } else {
                    let _ = reply.send(Ok(()));
                    self.stop = true;
                }
            }
        }
    }

    /// Registers and sends one request; failures are reported to its waiter.
    async fn send(&mut self, request: Request, handle: Option<HandleId>, waiter: Waiter<Internal>) {
        let verb = request.verb();
        let Some(session) = self.session.filter(|_| self.link.is_some()) else {
            let error = Error::NotConnected {
                request: verb.into(),
            };
            match waiter {
                Waiter::Caller(tx) => {
                    let _ = tx.send(Err(error));
                }
                Waiter::Internal(internal) => self.internal_done(internal, Err(error)),
            }
            return;
        };
        let ack_is_final = request.ack_is_final();
        let timeout = self.config.request_timeout;
        let transaction = self
            .table
            .insert(verb, ack_is_final, handle, timeout, waiter);
        let session = request.needs_session().then_some(session);
        let env = envelope(&self.config, request, transaction.clone(), session, handle);
        let Some(link) = self.link.as_mut() else {
            return;
        };
        if let Err(e) = link.send(&env).await {
            let url = link.url().to_owned();
            if let Some((internal, result)) = self.table.fail(&transaction, e) {
                self.internal_done(internal, result);
            }
            self.link = None;
            self.link_lost(Error::TransportLost {
                url,
                doing: format!("sending {verb}"),
                source: None,
            });
        }
    }

    fn received(&mut self, received: Option<Result<Received>>) {
        let url = self
            .link
            .as_ref()
            .map(|l| l.url().to_owned())
            .unwrap_or_default();
        match received {
            None => {
                self.link = None;
                self.link_lost(Error::TransportLost {
                    url,
                    doing: "waiting for events (closed by the server)".into(),
                    source: None,
                });
            }
            Some(Err(e)) => {
                self.link = None;
                self.link_lost(e);
            }
            Some(Ok(Received::Failed { transaction, error })) => {
                if let Some((internal, result)) = self.table.fail(&transaction, error) {
                    self.internal_done(internal, result);
                }
            }
            Some(Ok(Received::Message(message))) => self.dispatch(message),
        }
    }

    fn dispatch(&mut self, message: Incoming) {
        match self.table.route(message) {
            Routed::Done(Some((internal, result))) => self.internal_done(internal, result),
            Routed::Done(None) | Routed::Absorbed => {}
            Routed::Event(message) => self.event(message),
        }
    }

    fn event(&mut self, message: Incoming) {
        match &message {
            Incoming::Known(Known::Timeout { session_id }) if Some(*session_id) == self.session => {
                tracing::warn!(session = %session_id, "Janus timed the session out");
                self.session_gone(LossReason::TimedOut);
                return;
            }
            Incoming::Known(Known::Error {
                error,
                transaction: None,
                ..
            }) if error.code == JanusCode::SessionNotFound.number() => {
                self.session_gone(LossReason::NotFound);
                return;
            }
            Incoming::Known(Known::Keepalive {}) => return,
            _ => {}
        }
        let Some(sender) = message.sender() else {
            let value = serde_json::to_value(&message).unwrap_or(Value::Null);
            tracing::warn!(%value, "message for no handle and no request");
            let _ = self.events.send(SessionEvent::Unknown(value));
            return;
        };
        let detached = matches!(message, Incoming::Known(Known::Detached { .. }));
        match self.handles.get(&sender) {
            Some(route) => {
                let _ = route.send(HandleEvent::from_incoming(message));
            }
            None => {
                let value = serde_json::to_value(&message).unwrap_or(Value::Null);
                tracing::warn!(%value, %sender, "message for an unknown handle");
                let _ = self.events.send(SessionEvent::Unknown(value));
            }
        }
        if detached {
            self.handles.remove(&sender);
        }
    }

    fn internal_done(&mut self, internal: Internal, result: Result<Reply>) {
        match internal {
            Internal::Keepalive => match result {
                Ok(_) => {}
                Err(e) if e.janus_code() == Some(JanusCode::SessionNotFound) => {
                    self.session_gone(LossReason::NotFound);
                }
                Err(e) if e.is_transient() => {
                    tracing::warn!(error = %e, "keepalive failed; reconnecting");
                    if let Some(link) = self.link.take() {
                        let url = link.url().to_owned();
                        self.link_lost(Error::TransportLost {
                            url,
                            doing: "keeping the session alive".into(),
                            source: Some(Box::new(e)),
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "keepalive refused"),
            },
            Internal::Attach(reply) => {
                let answer = result.and_then(|reply| {
                    let id = match &reply {
                        Reply::Success { data: Some(d), .. } => d.get("id").and_then(Value::as_u64),
                        _ => None,
                    };
                    id.map(HandleId).ok_or(Error::Unexpected {
                        request: "attach".into(),
                        answer: Value::String(format!("{reply:?}")),
                    })
                });
                let answer = answer.map(|id| {
                    let (tx, rx) = mpsc::unbounded_channel();
                    self.handles.insert(id, tx);
                    (id, HandleEvents { rx })
                });
                let _ = reply.send(answer);
            }
            Internal::Detach(handle, reply) => {
                if result.is_ok() {
                    self.handles.remove(&handle);
                }
                let _ = reply.send(result.map(drop));
            }
            Internal::Destroy(reply) => {
                let _ = reply.send(result.map(drop));
                self.session = None;
                self.stop = true;
            }
        }
    }

    /// The transport broke: fail what was in flight and schedule a reconnect that claims the
    /// session.
    fn link_lost(&mut self, error: Error) {
        tracing::warn!(error = %chain(&error), "Janus transport lost");
        self.link = None;
        let url = self.config.servers[self.server].url().to_owned();
        for (internal, result) in self.table.fail_all(|verb, _| Error::TransportLost {
            url: url.clone(),
            doing: format!("waiting for the answer to {verb}"),
            source: None,
        }) {
            self.internal_done(internal, result);
        }
        let _ = self.events.send(SessionEvent::Disconnected {
            error: chain(&error),
        });
        if self.retry.is_none() {
            self.retry = Some((Instant::now() + self.config.backoff.delay(0), 0));
        }
    }

    /// The session no longer exists on the server: every handle is dead; make a new session.
    fn session_gone(&mut self, reason: LossReason) {
        if self.closing {
            return;
        }
        let old = self.session.take();
        let session = old.unwrap_or(SessionId(0));
        for (internal, result) in self
            .table
            .fail_all(|_, handle| Error::SessionGone { session, handle })
        {
            self.internal_done(internal, result);
        }
        for (_, route) in self.handles.drain() {
            let _ = route.send(HandleEvent::SessionLost { replaced_by: None });
        }
        if self.lost.is_none() {
            self.lost = Some((old, reason));
        }
        // A fresh transport too: simpler than reusing one whose session just died, and the
        // HTTP long-poll has to restart anyway.
        self.link = None;
        if self.retry.is_none() {
            self.retry = Some((Instant::now(), 0));
        }
    }

    async fn reconnect(&mut self) {
        let Some((_, attempt)) = self.retry.take() else {
            return;
        };
        if let Some(session) = self.session {
            let mut backlog = VecDeque::new();
            let claimed = open_and_call(
                &self.config,
                self.server,
                Request::Claim,
                Some(session),
                &mut backlog,
            )
            .await;
            match claimed {
                Ok((mut conn, _)) => {
                    conn.set_session(Some(session));
                    self.up(conn, backlog);
                    let server = self.config.servers[self.server].url().to_owned();
                    tracing::info!(%session, %server, "Janus session claimed on a new transport");
                    let _ = self
                        .events
                        .send(SessionEvent::Reconnected { session, server });
                    return;
                }
                Err(e) if e.janus_code() == Some(JanusCode::SessionNotFound) => {
                    self.session_gone(LossReason::NotFound);
                    self.retry = None;
                }
                Err(e) if e.is_transient() && attempt < 3 => {
                    self.schedule(attempt + 1, &e);
                    return;
                }
                Err(e) => {
                    // The server is unreachable for a while (or refuses the claim): the session
                    // is as good as gone; make one wherever possible.
                    tracing::warn!(error = %e, "cannot claim the session; making a new one");
                    self.session_gone(LossReason::ServerUnreachable);
                    self.retry = None;
                }
            }
        }
        match establish(&self.config, self.server).await {
            Ok((conn, session, server, backlog)) => {
                self.server = server;
                self.session = Some(session);
                self.up(conn, backlog);
                let (old, reason) = self.lost.take().unwrap_or((None, LossReason::NotFound));
                let server = self.config.servers[server].url().to_owned();
                let _ = self.events.send(SessionEvent::SessionReplaced {
                    old,
                    new: session,
                    server,
                    reason,
                });
            }
            Err(e) => {
                // Start the next round at the next server.
                self.server = (self.server + 1) % self.config.servers.len();
                self.schedule(attempt + 1, &e);
            }
        }
    }

    fn schedule(&mut self, attempt: u32, error: &Error) {
        let delay = self.config.backoff.delay(attempt);
        tracing::debug!(%error, ?delay, attempt, "reconnect failed; retrying");
        self.retry = Some((Instant::now() + delay, attempt));
    }

    fn up(&mut self, conn: Connection, backlog: VecDeque<Incoming>) {
        self.link = Some(conn);
        self.retry = None;
        self.keepalive_at = Instant::now() + self.config.keepalive;
        self.backlog.extend(backlog);
    }
}

async fn next(link: &mut Option<Connection>) -> Option<Result<Received>> {
    match link {
        Some(conn) => conn.next().await,
        None => std::future::pending().await,
    }
}
