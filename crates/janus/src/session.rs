//! A Janus session as a handle + actor: [`Session`] is a cheap cloneable handle that sends
//! commands (each with a oneshot for its answer) to one actor task, which owns the transport,
//! the transaction table, the keepalive timer and the reconnect logic (see [`crate::actor`]).
//!
//! Invariants:
//! - Exactly one task talks to the transport. It is spawned by [`Session::connect`] and owned by
//!   the handles: it is cancelled when the last clone is dropped and drained by
//!   [`Session::close`]. Nothing is detached. Dropping without `close` leaves the server-side
//!   session to Janus's `session_timeout`.
//! - Keepalives go out every `keepalive` (25 s by default), well inside Janus's default
//!   60 s `session_timeout` and the 30 s after which proxies cut idle sockets.
//! - When the transport breaks, the actor reconnects with [`Backoff`] and `claim`s the old
//!   session; events Janus produced during the gap are lost, so it then emits
//!   [`SessionEvent::Reconnected`] and callers re-query state. When the session is gone (458,
//!   `timeout`, server restart) it creates a new one, on the next server if the current one
//!   answers 472, and emits [`SessionEvent::SessionReplaced`]: every handle is dead, callers
//!   attach and rejoin.
//! - Follows the Janus docs "The Janus API" (sessions, handles, claim, keepalive, timeouts).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::actor::Actor;
use crate::backoff::Backoff;
use crate::error::{Error, Result};
use crate::handle::{Handle, HandleEvents};
use crate::id::{HandleId, SessionId};
use crate::message::Request;
use crate::server::establish;
use crate::transaction::Reply;
use crate::transport::Endpoint;

/// How to reach Janus and how to behave when it misbehaves.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Servers in fallback order; a server answering 472 (draining) is skipped.
    pub servers: Vec<Endpoint>,
    /// The shared `api_secret`, sent on every request.
    pub api_secret: Option<String>,
    /// A stored or signed token, sent on every request and on long-polls.
    pub token: Option<String>,
    /// Interval between keepalives; keep it well under the server's `session_timeout`.
    pub keepalive: Duration,
    /// How long to wait for the answer to one request.
    pub request_timeout: Duration,
    /// Reconnect pacing.
    pub backoff: Backoff,
    /// Events per HTTP long-poll answer (`maxev`).
    pub maxev: u32,
}

impl SessionConfig {
    /// Defaults for these servers.
    pub fn new(servers: impl IntoIterator<Item = Endpoint>) -> Self {
        Self {
            servers: servers.into_iter().collect(),
            api_secret: None,
            token: None,
            keepalive: Duration::from_secs(25),
            request_timeout: Duration::from_secs(10),
            backoff: Backoff::default(),
            maxev: 10,
        }
    }

    /// One server given by URL (`ws://…` or `http://…`).
    pub fn url(url: &str) -> Result<Self> {
        Ok(Self::new([Endpoint::parse(url)?]))
    }

    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn with_api_secret(mut self, secret: impl Into<String>) -> Self {
        self.api_secret = Some(secret.into());
        self
    }

    pub fn with_keepalive(mut self, interval: Duration) -> Self {
        self.keepalive = interval;
        self
    }
}

/// Why a session was replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LossReason {
    /// Janus sent `timeout` (no keepalive in time).
    TimedOut,
    /// Janus answered 458: the session no longer exists (e.g. the server restarted).
    NotFound,
    /// The old server could not be reached, so a session was made elsewhere.
    ServerUnreachable,
}

/// What happened to the session as a whole.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    /// The transport broke; the actor is reconnecting. Requests fail with a transient error
    /// until [`SessionEvent::Reconnected`] or [`SessionEvent::SessionReplaced`].
    Disconnected { error: String },
    /// A new transport claimed the same session. Events during the gap are lost: re-query
    /// state (participants, publishers).
    Reconnected { session: SessionId, server: String },
    /// The old session is gone and a new one was made: every handle is dead; attach again and
    /// rejoin.
    SessionReplaced {
        old: Option<SessionId>,
        new: SessionId,
        server: String,
        reason: LossReason,
    },
    /// A message from Janus that belongs to no handle and no request; kept whole.
    Unknown(Value),
}

/// The stream of [`SessionEvent`]s.
#[derive(Debug)]
pub struct SessionEvents {
    pub(crate) rx: mpsc::UnboundedReceiver<SessionEvent>,
}

impl SessionEvents {
    /// The next event; `None` once the session actor stopped.
    pub async fn recv(&mut self) -> Option<SessionEvent> {
        self.rx.recv().await
    }
}

/// Current facts about the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStatus {
    /// `None` while a replacement is being made.
    pub session: Option<SessionId>,
    pub server: String,
    pub connected: bool,
}

pub(crate) enum Command {
    Request {
        request: Request,
        handle: Option<HandleId>,
        reply: oneshot::Sender<Result<Reply>>,
    },
    Attach {
        plugin: String,
        opaque_id: Option<String>,
        reply: oneshot::Sender<Result<(HandleId, HandleEvents)>>,
    },
    Detach {
        handle: HandleId,
        reply: oneshot::Sender<Result<()>>,
    },
    Status(oneshot::Sender<SessionStatus>),
    SetToken(Option<String>),
    PauseKeepalives(bool),
    DropTransport,
    Close(oneshot::Sender<Result<()>>),
}

struct Shared {
    task: Mutex<Option<JoinHandle<()>>>,
    _cancel: DropGuard,
}

/// A connected Janus session; clone it freely.
#[derive(Clone)]
pub struct Session {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session {
    /// Creates a session on the first server that accepts one, then runs the actor.
    pub async fn connect(config: SessionConfig) -> Result<(Session, SessionEvents)> {
        if config.servers.is_empty() {
            return Err(Error::Invalid {
                what: "session config",
                value: "no servers".into(),
            });
        }
        let (connection, session, server, backlog) = establish(&config, 0).await?;
        let (commands, rx) = mpsc::channel(64);
        let (events_tx, events) = mpsc::unbounded_channel();
        let cancel = CancellationToken::new();
        let actor = Actor::new(
            config,
            rx,
            events_tx,
            cancel.clone(),
            connection,
            session,
            server,
            backlog,
        );
        let task = tokio::spawn(actor.run());
        let shared = Arc::new(Shared {
            task: Mutex::new(Some(task)),
            _cancel: cancel.drop_guard(),
        });
        Ok((Session { commands, shared }, SessionEvents { rx: events }))
    }

    async fn call<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(make(tx))
            .await
            .map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)
    }

    /// Sends a core request, on a handle when `handle` is given, and waits for its answer.
    pub async fn request(&self, request: Request, handle: Option<HandleId>) -> Result<Reply> {
        self.call(|reply| Command::Request {
            request,
            handle,
            reply,
        })
        .await?
    }

    /// Attaches a plugin handle; the events are its own stream.
    pub async fn attach(&self, plugin: &str) -> Result<(Handle, HandleEvents)> {
        let (id, events) = self
            .call(|reply| Command::Attach {
                plugin: plugin.to_owned(),
                opaque_id: None,
                reply,
            })
            .await??;
        let handle = Handle {
            session: self.clone(),
            id,
            plugin: plugin.to_owned(),
        };
        Ok((handle, events))
    }

    pub(crate) async fn detach(&self, handle: HandleId) -> Result<()> {
        self.call(|reply| Command::Detach { handle, reply }).await?
    }

    /// The session id, server and link state right now.
    pub async fn status(&self) -> Result<SessionStatus> {
        self.call(Command::Status).await
    }

    /// The current session id (`None` while being replaced).
    pub async fn id(&self) -> Result<Option<SessionId>> {
        Ok(self.status().await?.session)
    }

    /// Replaces the token sent with every request (signed tokens expire: refresh before).
    pub async fn set_token(&self, token: Option<String>) -> Result<()> {
        self.commands
            .send(Command::SetToken(token))
            .await
            .map_err(|_| Error::Closed)
    }

    /// Fault injection for tests and diagnostics: stops (or resumes) sending keepalives, so
    /// the server's `session_timeout` can fire.
    pub async fn pause_keepalives(&self, paused: bool) -> Result<()> {
        self.commands
            .send(Command::PauseKeepalives(paused))
            .await
            .map_err(|_| Error::Closed)
    }

    /// Fault injection for tests and diagnostics: closes the transport from this side, as a
    /// network failure would; the actor then reconnects and claims the session.
    pub async fn drop_transport(&self) -> Result<()> {
        self.commands
            .send(Command::DropTransport)
            .await
            .map_err(|_| Error::Closed)
    }

    /// Destroys the session on the server and stops the actor.
    pub async fn close(self) -> Result<()> {
        let result = self.call(Command::Close).await.and_then(|r| r);
        let task = self.shared.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            let _ = task.await;
        }
        result
    }
}
