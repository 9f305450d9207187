//! The call's task: one loop over commands, session events, the room handle's events, the
//! subscriber's events and a batching tick, executing the plans of [`CallState`].
//!
//! Invariants:
//! - Room events (`publishers`, `leaving`, `talking`...) come through the publisher-type
//!   handle, which an attendee joins without publishing: subscribers hear none of them.
//! - Only one subscription renegotiation is in flight: while an offer is awaited (`updating`),
//!   plans wait; every answered offer triggers a fresh plan.
//! - A lost session (`SessionReplaced`, or `SessionLost` on a live handle) leads to exactly one
//!   rejoin: events about sessions older than the joined one are ignored.
//! - A plan that Janus refused (e.g. 428 while a feed is not active yet) is retried on the
//!   next tick, not in a loop.

use std::sync::Arc;

use mailcall_janus::videoroom::{
    JoinAndConfigure, JoinPublisher, Publish, Publisher, RoomEvent, Rooms, Subscriber,
    VideoRoomEvent, VideoRoomEvents,
};
use mailcall_janus::{
    Backoff, Endpoint, HandleEvent, Jsep, Session, SessionConfig, SessionEvent, SessionEvents,
    SessionId, VideoRoomCode,
};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::call::{CallStatus, Command, RosterMember, RosterPage, StreamSource};
use crate::error::{Error, Result};
use crate::error_chain;
use crate::event::{CallConfig, CallEvent, EndReason, Leg, ReconnectReason, Role};
use crate::media::MediaEngine;
use crate::state::CallState;

#[path = "actor_subscription.rs"]
mod subscription;

pub(crate) struct Actor {
    config: CallConfig,
    engine: Arc<dyn MediaEngine>,
    events: mpsc::UnboundedSender<CallEvent>,
    session: Session,
    session_events: SessionEvents,
    joined_session: Option<SessionId>,
    room: Publisher,
    room_events: VideoRoomEvents,
    subscriber: Option<(Subscriber, VideoRoomEvents)>,
    state: CallState,
    dirty: bool,
    retry: bool,
    awaiting_offer: bool,
    last_slots: Vec<Option<mailcall_janus::FeedId>>,
    status: CallStatus,
    /// What each subscribed m-line carries, readable without asking the task.
    sources: watch::Sender<Vec<StreamSource>>,
}

/// Whether the loop goes on after an event.
enum Flow {
    Continue,
    End(EndReason),
}

async fn next(events: &mut Option<(Subscriber, VideoRoomEvents)>) -> Option<RoomEvent> {
    match events {
        Some((_, e)) => e.recv().await,
        None => std::future::pending().await,
    }
}

impl Actor {
    pub(crate) async fn start(
        config: CallConfig,
        engine: Arc<dyn MediaEngine>,
        events: mpsc::UnboundedSender<CallEvent>,
        sources: watch::Sender<Vec<StreamSource>>,
    ) -> Result<Self> {
        let endpoints = config
            .servers
            .iter()
            .map(|s| Endpoint::parse(s))
            .collect::<mailcall_janus::Result<Vec<_>>>()
            .map_err(Error::janus("reading the server URLs"))?;
        let mut session_config = SessionConfig::new(endpoints);
        session_config.request_timeout = config.request_timeout;
        session_config.token = config.token.clone();
        session_config.api_secret = config.api_secret.clone();
        let (session, session_events) = Session::connect(session_config)
            .await
            .map_err(Error::janus("connecting"))?;
        let (room, room_events) = Publisher::attach(&session)
            .await
            .map_err(Error::janus("attaching the room handle"))?;
        let state = CallState::new(config.room, config.slots);
        let mut actor = Actor {
            config,
            engine,
            events,
            session,
            session_events,
            joined_session: None,
            room,
            room_events,
            subscriber: None,
            state,
            dirty: false,
            retry: false,
            awaiting_offer: false,
            last_slots: Vec::new(),
            status: CallStatus::default(),
            sources,
        };
        actor.join().await?;
        Ok(actor)
    }

    fn emit(&self, event: CallEvent) {
        let _ = self.events.send(event);
    }

    /// Joins with the current room handle (publishing as a speaker), creating the room when
    /// it is missing and the configuration says how.
    async fn join(&mut self) -> Result<()> {
        let joined = match self.join_once().await {
            Err(e) if e.videoroom_code() == Some(VideoRoomCode::NoSuchRoom) => {
                let Some(create) = self.config.create_room.clone() else {
                    return Err(e);
                };
                let rooms = Rooms::new(self.room.handle().clone());
                match rooms.create(create).await {
                    Ok(_) => {}
                    Err(e) if e.videoroom_code() == Some(VideoRoomCode::RoomExists) => {}
                    Err(e) => return Err(Error::janus("creating the room")(e)),
                }
                // Janus applied the refused join's offer to the handle before the plugin said
                // no, so a second offer on it fails ("Error setting ICE locally"): new handle.
                let _ = self.room.handle().detach().await;
                let (room, events) = Publisher::attach(&self.session)
                    .await
                    .map_err(Error::janus("attaching the room handle"))?;
                self.room = room;
                self.room_events = events;
                self.join_once().await?
            }
            other => other?,
        };
        self.joined_session = self.session.id().await.ok().flatten();
        self.status.session = self.joined_session;
        self.status.feed = Some(joined.id);
        self.state.joined(&joined);
        self.emit(CallEvent::Joined {
            room: joined.room,
            feed: joined.id,
            session: self.joined_session,
            publishers: joined.publishers.len(),
        });
        self.dirty = true;
        self.replan().await;
        Ok(())
    }

    async fn join_once(&mut self) -> Result<mailcall_janus::videoroom::Joined> {
        let join = JoinPublisher {
            room: self.config.room,
            display: self.config.display.clone(),
            token: self.config.token.clone(),
            ..Default::default()
        };
        match self.config.role {
            Role::Attendee => self
                .room
                .join(join)
                .await
                .map_err(Error::janus("joining the room")),
            Role::Speaker => {
                let offer = self.engine.publish_offer().await?;
                let request = JoinAndConfigure {
                    join,
                    publish: Publish::default(),
                };
                let (joined, answer) = self
                    .room
                    .join_and_configure(request, Jsep::offer(offer))
                    .await
                    .map_err(Error::janus("joining and publishing"))?;
                let answer = answer.ok_or(Error::Missing {
                    what: "SDP answer",
                    doing: "publishing",
                })?;
                self.engine.publish_answer(&answer.sdp).await?;
                Ok(joined)
            }
        }
    }

    /// After the session was lost: new handles, new media, join again; bounded attempts.
    async fn rejoin(&mut self, reason: ReconnectReason) -> Flow {
        match self.try_rejoin(reason).await {
            Ok(()) => Flow::Continue,
            Err(e) => Flow::End(EndReason::RejoinFailed {
                message: error_chain(&e),
            }),
        }
    }

    async fn try_rejoin(&mut self, reason: ReconnectReason) -> Result<()> {
        self.emit(CallEvent::Reconnecting { reason });
        self.engine.reset().await;
        self.subscriber = None;
        self.awaiting_offer = false;
        self.state.rejoining();
        self.report_slots();
        let mut last = None;
        // About a second apart, jittered so a room's clients do not come back in lockstep.
        let pacing = Backoff {
            initial: std::time::Duration::from_secs(1),
            max: std::time::Duration::from_secs(1),
            factor: 1.0,
            max_attempts: None,
        };
        for attempt in 0..self.config.rejoin_attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(pacing.delay(attempt - 1)).await;
            }
            let attached = Publisher::attach(&self.session)
                .await
                .map_err(Error::janus("attaching the room handle again"));
            let (room, events) = match attached {
                Ok(pair) => pair,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            self.room = room;
            self.room_events = events;
            match self.join().await {
                Ok(()) => {
                    self.status.rejoins += 1;
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(Error::Ended))
    }

    /// Runs until the call ends or `leaving` is cancelled. Leaving interrupts whatever the
    /// task is waiting for (a rejoin against a server that is down included), so it takes
    /// at most [`CallConfig::goodbye_timeout`] plus closing the media.
    pub(crate) async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        leaving: CancellationToken,
    ) {
        let mut tick = tokio::time::interval(self.config.roster_batch);
        loop {
            let flow = tokio::select! {
                biased;
                () = leaving.cancelled() => Flow::End(EndReason::Left),
                flow = self.step(&mut commands, &mut tick) => flow,
            };
            match flow {
                Flow::Continue => {}
                Flow::End(EndReason::Left) => {
                    self.leave().await;
                    return;
                }
                Flow::End(reason) => {
                    self.engine.reset().await;
                    self.emit(CallEvent::Ended { reason });
                    return;
                }
            }
        }
    }

    async fn step(
        &mut self,
        commands: &mut mpsc::Receiver<Command>,
        tick: &mut tokio::time::Interval,
    ) -> Flow {
        let flow = tokio::select! {
            biased;
            command = commands.recv() => match command {
                Some(command) => { self.command(command).await; Flow::Continue }
                // Every handle is gone: nobody can leave any more, so leave now.
                None => Flow::End(EndReason::Left),
            },
            event = self.session_events.recv() => match event {
                Some(event) => self.on_session(event).await,
                None => Flow::End(EndReason::SessionClosed),
            },
            event = self.room_events.recv() => match event {
                Some(event) => self.on_room(event).await,
                None => Flow::Continue,
            },
            event = next(&mut self.subscriber) => match event {
                Some(event) => self.on_subscriber(event).await,
                None => { self.subscriber = None; Flow::Continue }
            },
            _ = tick.tick() => {
                self.flush_roster();
                if self.retry { self.retry = false; self.dirty = true; }
                Flow::Continue
            },
        };
        if matches!(flow, Flow::Continue) && self.dirty && !self.awaiting_offer {
            self.replan().await;
        }
        flow
    }

    fn flush_roster(&mut self) {
        let delta = self.state.take_roster_delta();
        if !delta.is_empty() {
            self.emit(CallEvent::Roster {
                joined: delta.joined,
                left: delta.left,
                updated: delta.updated,
                members: self.state.roster.len(),
            });
        }
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Roster {
                offset,
                limit,
                reply,
            } => {
                let _ = reply.send(self.roster(offset, limit).await);
            }
            Command::Pin { feeds, reply } => {
                self.state.set_pinned(feeds);
                self.dirty = true;
                let _ = reply.send(());
            }
            Command::View { view, reply } => {
                self.state.set_view(view);
                self.dirty = true;
                let _ = reply.send(());
            }
            Command::Status(reply) => {
                let mut status = self.status.clone();
                status.slots = self.state.slot_feeds();
                status.publishers = self.state.feeds().iter().map(|f| f.id).collect();
                let _ = reply.send(status);
            }
        }
    }

    async fn roster(&mut self, offset: usize, limit: usize) -> Result<RosterPage> {
        let rooms = Rooms::new(self.room.handle().clone());
        let participants = rooms
            .list_participants(self.config.room)
            .await
            .map_err(Error::janus("listing the participants"))?;
        self.state.roster.reset(&participants);
        let members = self
            .state
            .roster
            .page(offset, limit)
            .into_iter()
            .map(|m| RosterMember {
                id: m.id,
                display: m.display.clone(),
                publisher: m.publisher,
                talking: m.talking,
            })
            .collect();
        Ok(RosterPage {
            total: self.state.roster.len(),
            offset,
            members,
        })
    }

    async fn on_session(&mut self, event: SessionEvent) -> Flow {
        match event {
            SessionEvent::SessionReplaced { new, reason, .. } => {
                if Some(new) != self.joined_session {
                    tracing::info!(?reason, "Janus session replaced; rejoining");
                    return self.rejoin(ReconnectReason::SessionReplaced).await;
                }
            }
            SessionEvent::Reconnected { .. } => {
                // Events sent while the transport was gone are lost: re-read the room.
                match self.roster(0, 0).await {
                    Ok(_) => self.emit(CallEvent::Resynced),
                    Err(e) => self.warn(&e),
                }
                self.dirty = true;
            }
            SessionEvent::Disconnected { error } => {
                tracing::info!(%error, "Janus transport lost; the session reconnects");
                // Said at once: a server that is down keeps the picture frozen until it is
                // back, and the person should know why.
                self.emit(CallEvent::Reconnecting {
                    reason: ReconnectReason::ConnectionLost,
                });
            }
            SessionEvent::Unknown(value) => tracing::debug!(%value, "unknown session event"),
        }
        Flow::Continue
    }

    async fn on_core(&mut self, leg: Leg, event: HandleEvent) -> Flow {
        match event {
            HandleEvent::WebrtcUp => self.emit(CallEvent::WebrtcUp { leg }),
            HandleEvent::Media {
                mid,
                kind,
                receiving,
            } => self.emit(CallEvent::Media {
                leg,
                mid,
                kind,
                receiving,
            }),
            HandleEvent::SlowLink {
                mid, uplink, lost, ..
            } => self.emit(CallEvent::SlowLink {
                leg,
                mid,
                uplink,
                lost,
            }),
            HandleEvent::Hangup { reason } => self.emit(CallEvent::Hangup { leg, reason }),
            HandleEvent::SessionLost { replaced_by } => {
                let stale = replaced_by.is_some() && replaced_by == self.joined_session;
                if !stale {
                    return self.rejoin(ReconnectReason::SessionLost).await;
                }
            }
            HandleEvent::Detached | HandleEvent::Trickle { .. } => {}
            other => tracing::debug!(?other, "handle event not reported"),
        }
        Flow::Continue
    }

    async fn on_room(&mut self, event: RoomEvent) -> Flow {
        match event {
            RoomEvent::VideoRoom { event, .. } => {
                match &event {
                    VideoRoomEvent::Destroyed { .. } => return Flow::End(EndReason::RoomDestroyed),
                    VideoRoomEvent::LeftSelf { kicked: true } => {
                        return Flow::End(EndReason::Kicked)
                    }
                    VideoRoomEvent::Publishers { .. }
                    | VideoRoomEvent::Unpublished { .. }
                    | VideoRoomEvent::Leaving { .. }
                    | VideoRoomEvent::Kicked { .. }
                    | VideoRoomEvent::Talking { .. }
                    | VideoRoomEvent::StoppedTalking { .. } => self.dirty = true,
                    _ => {}
                }
                for out in self.state.on_room_event(&event) {
                    self.emit(out);
                }
                Flow::Continue
            }
            RoomEvent::Core(core) => self.on_core(Leg::Publisher, core).await,
        }
    }

    async fn on_subscriber(&mut self, event: RoomEvent) -> Flow {
        match event {
            RoomEvent::VideoRoom { event, jsep } => {
                match &event {
                    VideoRoomEvent::Updated(s)
                    | VideoRoomEvent::Attached(s)
                    | VideoRoomEvent::Switched(s) => self.state.set_layout(s),
                    _ => {}
                }
                if let Some(offer) = jsep {
                    if let Err(e) = self.answer(offer).await {
                        self.warn(&e);
                        self.retry = true;
                    }
                    self.awaiting_offer = false;
                    self.dirty = true;
                }
                self.report_slots();
                Flow::Continue
            }
            RoomEvent::Core(core) => self.on_core(Leg::Subscriber, core).await,
        }
    }

    async fn answer(&mut self, offer: Jsep) -> Result<()> {
        let answer = self.engine.subscription_offer(&offer.sdp).await?;
        self.status.renegotiations += 1;
        let Some((subscriber, _)) = &self.subscriber else {
            return Ok(());
        };
        subscriber
            .start(Some(Jsep::answer(answer)))
            .await
            .map_err(Error::janus("answering the subscription offer"))
    }

    fn warn(&self, e: &Error) {
        tracing::warn!(error = %error_chain(e), "call keeps going");
        self.emit(CallEvent::Warning {
            message: error_chain(e),
        });
    }

    /// Says goodbye to Janus within the goodbye timeout (a server that is down never
    /// answers; dropping the session then stops its reconnecting), closes the media and
    /// reports the end.
    async fn leave(&mut self) {
        let subscriber = self.subscriber.take();
        let (room, session) = (self.room.clone(), self.session.clone());
        let goodbye = async move {
            if let Some((subscriber, _)) = subscriber {
                let _ = subscriber.leave().await;
            }
            let _ = room.leave().await;
            let _ = session.close().await;
        };
        if tokio::time::timeout(self.config.goodbye_timeout, goodbye)
            .await
            .is_err()
        {
            tracing::info!("Janus did not confirm leaving in time; closing anyway");
        }
        self.engine.reset().await;
        self.emit(CallEvent::Ended {
            reason: EndReason::Left,
        });
    }
}
