//! [`Call`]: the cheap handle of one participant in one room, and [`CallEvents`], the stream
//! of what happens. The call's task owns the Janus session, its two VideoRoom handles and the
//! media engine; the handle sends commands, each with a reply channel.
//!
//! Invariants: [`Call::start`] returns once the room is joined (and, for a speaker, the
//! publish answer applied), so join errors reach the caller; after that, losing the session
//! is handled inside the task, which rejoins and resubscribes by itself and reports
//! [`CallEvent::Reconnecting`] and [`CallEvent::Joined`].

use std::sync::Arc;

use mailcall_janus::{FeedId, SessionId};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::event::{CallConfig, CallEvent};
use crate::media::MediaEngine;

/// One member on a roster page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterMember {
    pub id: FeedId,
    pub display: Option<String>,
    pub publisher: bool,
    pub talking: bool,
}

/// A page of the roster, fresh from `listparticipants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterPage {
    pub total: usize,
    pub offset: usize,
    pub members: Vec<RosterMember>,
}

/// Counters and the current layout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CallStatus {
    pub session: Option<SessionId>,
    pub feed: Option<FeedId>,
    /// What each video slot shows.
    pub slots: Vec<Option<FeedId>>,
    /// Publishers in the order they appeared.
    pub publishers: Vec<FeedId>,
    /// Subscription offers answered (the first one included).
    pub renegotiations: u64,
    /// `switch` requests sent.
    pub switches: u64,
    /// Rejoins after a lost session.
    pub rejoins: u32,
}

pub(crate) enum Command {
    Roster {
        offset: usize,
        limit: usize,
        reply: oneshot::Sender<Result<RosterPage>>,
    },
    Pin {
        feeds: Vec<FeedId>,
        reply: oneshot::Sender<()>,
    },
    Status(oneshot::Sender<CallStatus>),
    Leave(oneshot::Sender<()>),
}

/// What a call reports, in order.
#[derive(Debug)]
pub struct CallEvents {
    rx: mpsc::UnboundedReceiver<CallEvent>,
}

impl CallEvents {
    /// The next event; `None` once the call has ended.
    pub async fn recv(&mut self) -> Option<CallEvent> {
        self.rx.recv().await
    }

    pub fn try_recv(&mut self) -> Option<CallEvent> {
        self.rx.try_recv().ok()
    }
}

/// A participant in a call.
#[derive(Debug)]
pub struct Call {
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl Call {
    /// Connects, joins (publishing as a speaker) and starts the call's task.
    pub async fn start(
        config: CallConfig,
        engine: Arc<dyn MediaEngine>,
    ) -> Result<(Call, CallEvents)> {
        let (events_tx, rx) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::channel(16);
        let actor = Actor::start(config, engine, events_tx).await?;
        let task = tokio::spawn(actor.run(commands_rx));
        Ok((Call { commands, task }, CallEvents { rx }))
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T> {
        let (reply, rx) = oneshot::channel();
        self.commands
            .send(make(reply))
            .await
            .map_err(|_| Error::Ended)?;
        rx.await.map_err(|_| Error::Ended)
    }

    /// Re-reads the participants (`listparticipants`) and returns one page, sorted by name.
    pub async fn roster(&self, offset: usize, limit: usize) -> Result<RosterPage> {
        self.ask(|reply| Command::Roster {
            offset,
            limit,
            reply,
        })
        .await?
    }

    /// Feeds that keep a slot whoever talks (first gets the main slot).
    pub async fn pin(&self, feeds: Vec<FeedId>) -> Result<()> {
        self.ask(|reply| Command::Pin { feeds, reply }).await
    }

    pub async fn status(&self) -> Result<CallStatus> {
        self.ask(Command::Status).await
    }

    /// Leaves the room, closes the media and the session, and waits for the task to end.
    pub async fn leave(self) -> Result<()> {
        let (reply, rx) = oneshot::channel();
        if self.commands.send(Command::Leave(reply)).await.is_ok() {
            let _ = rx.await;
        }
        let _ = self.task.await;
        Ok(())
    }
}
