//! [`Call`]: the cheap handle of one participant in one room, and [`CallEvents`], the stream
//! of what happens. The call's task owns the Janus session, its two VideoRoom handles and the
//! media engine; the handle sends commands, each with a reply channel.
//!
//! Invariants: [`Call::start`] returns once the room is joined (and, for a speaker, the
//! publish answer applied), so join errors reach the caller; after that, losing the session
//! is handled inside the task, which rejoins and resubscribes by itself and reports
//! [`CallEvent::Reconnecting`] and [`CallEvent::Joined`].

use std::sync::Arc;

use std::time::Duration;

use mailcall_janus::plan::Tile;
use mailcall_janus::{FeedId, SessionId};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

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

/// One m-line of the subscription and the feed it carries now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamSource {
    /// The subscription's mid, as the media engine sees it.
    pub mid: String,
    /// `audio` or `video`.
    pub kind: String,
    /// `None` while the m-line is inactive (its publisher left).
    pub feed: Option<FeedId>,
    pub display: Option<String>,
}

/// What the user looks at, which decides slots and layers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    /// The size of each video slot by index; slots beyond the list are the main tile (slot
    /// 0) and grid tiles. A hidden tile keeps its feed but Janus stops sending it.
    pub tiles: Vec<Tile>,
    /// Feeds on the roster page in view: they get free slots before the other publishers.
    pub page: Vec<FeedId>,
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
    View {
        view: View,
        reply: oneshot::Sender<()>,
    },
    Status(oneshot::Sender<CallStatus>),
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
    leaving: CancellationToken,
    sources: watch::Receiver<Vec<StreamSource>>,
    /// Taken by the first [`Call::leave`].
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
    goodbye: Duration,
}

/// How long [`Call::leave`] waits for the task beyond its goodbye before stopping it.
const LEAVE_GRACE: Duration = Duration::from_millis(300);

impl Call {
    /// Connects, joins (publishing as a speaker) and starts the call's task.
    pub async fn start(
        config: CallConfig,
        engine: Arc<dyn MediaEngine>,
    ) -> Result<(Call, CallEvents)> {
        let (events_tx, rx) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::channel(16);
        let (sources_tx, sources) = watch::channel(Vec::new());
        let goodbye = config.goodbye_timeout;
        let actor = Actor::start(config, engine, events_tx, sources_tx).await?;
        let leaving = CancellationToken::new();
        let task = tokio::spawn(actor.run(commands_rx, leaving.clone()));
        let call = Call {
            commands,
            leaving,
            sources,
            task: std::sync::Mutex::new(Some(task)),
            goodbye,
        };
        Ok((call, CallEvents { rx }))
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

    /// Tile sizes and the roster page in view.
    pub async fn set_view(&self, view: View) -> Result<()> {
        self.ask(|reply| Command::View { view, reply }).await
    }

    pub async fn status(&self) -> Result<CallStatus> {
        self.ask(Command::Status).await
    }

    /// What each subscribed m-line carries, without waiting for the call's task (which may
    /// be busy rejoining).
    pub fn sources(&self) -> Vec<StreamSource> {
        self.sources.borrow().clone()
    }

    /// Leaves the room, closes the media and the session, and waits for the task to end.
    /// Interrupts a rejoin in progress; Janus gets [`CallConfig::goodbye_timeout`] to confirm,
    /// and a task that is still not done a moment later is stopped.
    ///
    /// [`CallConfig::goodbye_timeout`]: crate::CallConfig::goodbye_timeout
    /// Takes `&self` so a leave never waits for a roster read or pin in flight (those
    /// then fail with [`Error::Ended`]); leaving twice is a no-op.
    pub async fn leave(&self) -> Result<()> {
        self.leaving.cancel();
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        let Some(mut task) = task else {
            return Ok(());
        };
        if tokio::time::timeout(self.goodbye + LEAVE_GRACE, &mut task)
            .await
            .is_err()
        {
            tracing::warn!("the call did not end in time after leaving; stopping it");
            task.abort();
        }
        Ok(())
    }
}
