//! [`Publisher`] and [`Subscriber`]: typed VideoRoom methods on one plugin handle each.
//!
//! Invariants: every method waits for the event that carries its transaction (Janus may send
//! it before the `ack`) and turns an `error_code` into [`crate::Error::VideoRoom`]. A subscriber
//! `switch` never renegotiates; `subscribe`/`unsubscribe`/`update` may answer `updating` (queued
//! behind a renegotiation in progress) instead of `updated`, and the offer then comes later as
//! a [`super::RoomEvent`] with a JSEP.

use serde_json::Value;

use super::event::{Joined, Subscription, VideoRoomEvent};
use super::participant_request::{
    ConfigurePublisher, ConfigureSubscriber, JoinAndConfigure, JoinPublisher, JoinSubscriber,
    Publish, PublisherRequest, SubscribeStream, SubscriberRequest, SwitchStream, UnsubscribeStream,
};
use super::request::Ptype;
use super::{body, VideoRoomEvents};
use crate::error::{Error, Result};
use crate::handle::Handle;
use crate::message::Jsep;
use crate::session::Session;

async fn send(
    handle: &Handle,
    verb: &str,
    body: Value,
    jsep: Option<Jsep>,
) -> Result<(VideoRoomEvent, Option<Jsep>)> {
    let reply = handle.message(body, jsep).await?;
    let jsep = reply.jsep().cloned();
    let event = VideoRoomEvent::parse(reply.data().clone()).into_result(verb)?;
    Ok((event, jsep))
}

fn unexpected(verb: &str, event: VideoRoomEvent) -> Error {
    Error::Unexpected {
        request: verb.to_owned(),
        answer: Value::String(format!("{event:?}")),
    }
}

/// A publisher handle: a participant of one room that may publish media.
#[derive(Debug, Clone)]
pub struct Publisher {
    handle: Handle,
}

impl Publisher {
    /// Attaches a new VideoRoom handle for publishing.
    pub async fn attach(session: &Session) -> Result<(Self, VideoRoomEvents)> {
        let (handle, events) = session.attach(super::PLUGIN).await?;
        Ok((Self { handle }, VideoRoomEvents::new(events)))
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Joins as a (not yet publishing) participant.
    pub async fn join(&self, mut join: JoinPublisher) -> Result<Joined> {
        join.ptype = Ptype::Publisher;
        let request = body(&PublisherRequest::Join(join));
        match send(&self.handle, "join", request, None).await? {
            (VideoRoomEvent::Joined(joined), _) => Ok(joined),
            (other, _) => Err(unexpected("join", other)),
        }
    }

    /// Publishes with an SDP offer; returns Janus's answer.
    pub async fn publish(&self, publish: Publish, offer: Jsep) -> Result<Option<Jsep>> {
        let request = body(&PublisherRequest::Publish(publish));
        match send(&self.handle, "publish", request, Some(offer)).await? {
            (VideoRoomEvent::Configured, jsep) => Ok(jsep),
            (other, _) => Err(unexpected("publish", other)),
        }
    }

    /// Changes publishing settings, optionally renegotiating with an offer.
    pub async fn configure(
        &self,
        configure: ConfigurePublisher,
        offer: Option<Jsep>,
    ) -> Result<Option<Jsep>> {
        let request = body(&PublisherRequest::Configure(configure));
        match send(&self.handle, "configure", request, offer).await? {
            (VideoRoomEvent::Configured, jsep) => Ok(jsep),
            (other, _) => Err(unexpected("configure", other)),
        }
    }

    /// Joins and publishes in one request.
    pub async fn join_and_configure(
        &self,
        mut request: JoinAndConfigure,
        offer: Jsep,
    ) -> Result<(Joined, Option<Jsep>)> {
        request.join.ptype = Ptype::Publisher;
        let request = body(&PublisherRequest::JoinAndConfigure(request));
        match send(&self.handle, "joinandconfigure", request, Some(offer)).await? {
            (VideoRoomEvent::Joined(joined), jsep) => Ok((joined, jsep)),
            (other, _) => Err(unexpected("joinandconfigure", other)),
        }
    }

    /// Stops publishing, staying in the room.
    pub async fn unpublish(&self) -> Result<()> {
        let request = body(&PublisherRequest::Unpublish);
        match send(&self.handle, "unpublish", request, None).await? {
            (VideoRoomEvent::UnpublishedSelf, _) => Ok(()),
            (other, _) => Err(unexpected("unpublish", other)),
        }
    }

    /// Leaves the room (unpublishing first if needed).
    pub async fn leave(&self) -> Result<()> {
        let request = body(&PublisherRequest::Leave);
        match send(&self.handle, "leave", request, None).await? {
            (VideoRoomEvent::LeftSelf { .. } | VideoRoomEvent::Left, _) => Ok(()),
            (other, _) => Err(unexpected("leave", other)),
        }
    }
}

/// A multistream subscriber handle: one PeerConnection receiving many feeds.
#[derive(Debug, Clone)]
pub struct Subscriber {
    handle: Handle,
}

/// The answer to a subscription change.
#[derive(Debug, Clone, PartialEq)]
pub enum SubscriptionChange {
    /// Applied; renegotiate with the offer when there is one (answer with [`Subscriber::start`]).
    Updated {
        subscription: Subscription,
        offer: Option<Jsep>,
    },
    /// Queued behind a renegotiation in progress; the offer will come as an event.
    Updating,
}

impl Subscriber {
    /// Attaches a new VideoRoom handle for subscribing.
    pub async fn attach(session: &Session) -> Result<(Self, VideoRoomEvents)> {
        let (handle, events) = session.attach(super::PLUGIN).await?;
        Ok((Self { handle }, VideoRoomEvents::new(events)))
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Subscribes; returns the layout and Janus's offer.
    pub async fn join(&self, mut join: JoinSubscriber) -> Result<(Subscription, Option<Jsep>)> {
        join.ptype = Ptype::Subscriber;
        let request = body(&SubscriberRequest::Join(join));
        match send(&self.handle, "join", request, None).await? {
            (VideoRoomEvent::Attached(subscription), jsep) => Ok((subscription, jsep)),
            (other, _) => Err(unexpected("join", other)),
        }
    }

    /// Sends the SDP answer (after `join`/`updated`), or resumes after `pause` without one.
    pub async fn start(&self, answer: Option<Jsep>) -> Result<()> {
        let request = body(&SubscriberRequest::Start);
        match send(&self.handle, "start", request, answer).await? {
            (VideoRoomEvent::Started, _) => Ok(()),
            (other, _) => Err(unexpected("start", other)),
        }
    }

    async fn change(&self, verb: &str, request: SubscriberRequest) -> Result<SubscriptionChange> {
        match send(&self.handle, verb, body(&request), None).await? {
            (VideoRoomEvent::Updated(subscription), offer) => Ok(SubscriptionChange::Updated {
                subscription,
                offer,
            }),
            (VideoRoomEvent::Updating, _) => Ok(SubscriptionChange::Updating),
            (other, _) => Err(unexpected(verb, other)),
        }
    }

    pub async fn subscribe(&self, streams: Vec<SubscribeStream>) -> Result<SubscriptionChange> {
        self.change("subscribe", SubscriberRequest::Subscribe { streams })
            .await
    }

    pub async fn unsubscribe(&self, streams: Vec<UnsubscribeStream>) -> Result<SubscriptionChange> {
        self.change("unsubscribe", SubscriberRequest::Unsubscribe { streams })
            .await
    }

    pub async fn update(
        &self,
        subscribe: Vec<SubscribeStream>,
        unsubscribe: Vec<UnsubscribeStream>,
    ) -> Result<SubscriptionChange> {
        let request = SubscriberRequest::Update {
            subscribe: (!subscribe.is_empty()).then_some(subscribe),
            unsubscribe: (!unsubscribe.is_empty()).then_some(unsubscribe),
        };
        self.change("update", request).await
    }

    /// Re-points m-lines at other sources; no renegotiation.
    pub async fn switch(&self, streams: Vec<SwitchStream>) -> Result<Subscription> {
        let request = body(&SubscriberRequest::Switch { streams });
        match send(&self.handle, "switch", request, None).await? {
            (VideoRoomEvent::Switched(subscription), _) => Ok(subscription),
            (other, _) => Err(unexpected("switch", other)),
        }
    }

    pub async fn pause(&self) -> Result<()> {
        let request = body(&SubscriberRequest::Pause);
        match send(&self.handle, "pause", request, None).await? {
            (VideoRoomEvent::Paused, _) => Ok(()),
            (other, _) => Err(unexpected("pause", other)),
        }
    }

    /// Per-mid settings (`send`, simulcast `substream`...); returns an offer for an ICE restart.
    pub async fn configure(&self, configure: ConfigureSubscriber) -> Result<Option<Jsep>> {
        let request = body(&SubscriberRequest::Configure(configure));
        match send(&self.handle, "configure", request, None).await? {
            (VideoRoomEvent::Configured, jsep) => Ok(jsep),
            (other, _) => Err(unexpected("configure", other)),
        }
    }

    pub async fn leave(&self) -> Result<()> {
        let request = body(&SubscriberRequest::Leave);
        match send(&self.handle, "leave", request, None).await? {
            (VideoRoomEvent::Left | VideoRoomEvent::LeftSelf { .. }, _) => Ok(()),
            (other, _) => Err(unexpected("leave", other)),
        }
    }
}
