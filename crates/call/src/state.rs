//! The call's state as plain data, and the decisions on it as pure methods: which feeds the
//! video slots should show (through the janus planners), which audio to add or drop, and the
//! events a VideoRoom event turns into. The controller only executes what this returns, so the
//! logic is tested without a server and the event path can be measured alone.
//!
//! Invariants:
//! - Publishers are kept in the order they appeared, so a newcomer never displaces a feed
//!   that holds a slot: only pinning and `talking` move slots. The first pinned feed is
//!   always in slot 0, the main tile.
//! - Every feed that publishes audio is subscribed, except this participant's own.
//! - The layout is what Janus last reported (`attached`/`updated`/`switched`); slots are its
//!   video m-lines by `mindex`.

use std::collections::HashMap;

use mailcall_janus::plan::{
    assign_slots, choose_feeds, layer_for, plan_audio, plan_subscription, ActiveSpeakers, Layer,
    SlotInputs, SlotState, SlotTarget, SubscriptionPlan, Tile,
};
use mailcall_janus::roster::{Roster, RosterDelta};
use mailcall_janus::videoroom::{
    Joined, PublisherInfo, SubscribeStream, SubscriberStream, Subscription, SubscriptionStream,
    UnsubscribeStream, VideoRoomEvent,
};
use mailcall_janus::{FeedId, RoomId};

use crate::call::{StreamSource, View};
use crate::event::CallEvent;

/// A publisher and the mids of its first audio and video streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub id: FeedId,
    pub display: Option<String>,
    pub audio: Option<String>,
    pub video: Option<String>,
}

impl Feed {
    fn from_info(info: &PublisherInfo) -> Self {
        let mid = |kind: &str| {
            info.streams
                .iter()
                .find(|s| s.kind == kind && !s.disabled)
                .map(|s| s.mid.clone())
        };
        Self {
            id: info.id,
            display: info.display.clone(),
            audio: mid("audio"),
            video: mid("video"),
        }
    }
}

/// The requests that bring the subscription to what the state wants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// No subscription exists yet: `join` with these streams.
    pub initial: Vec<SubscribeStream>,
    /// Video slots: `switch`, `configure`, and `update` parts.
    pub video: SubscriptionPlan,
    pub audio_add: Vec<SubscribeStream>,
    pub audio_drop: Vec<UnsubscribeStream>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.initial.is_empty()
            && self.video.is_empty()
            && self.audio_add.is_empty()
            && self.audio_drop.is_empty()
    }

    /// The streams of one `update` request (renegotiates).
    pub fn update(&self) -> (Vec<SubscribeStream>, Vec<UnsubscribeStream>) {
        let mut subscribe = self.video.subscribe.clone();
        subscribe.extend(self.audio_add.iter().cloned());
        let mut unsubscribe = self.video.unsubscribe.clone();
        unsubscribe.extend(self.audio_drop.iter().cloned());
        (subscribe, unsubscribe)
    }
}

/// Everything a call knows about its room.
#[derive(Debug, Clone)]
pub struct CallState {
    pub room: RoomId,
    /// This participant's feed once joined.
    pub me: Option<FeedId>,
    pub slots: usize,
    pub roster: Roster,
    speakers: ActiveSpeakers,
    feeds: Vec<Feed>,
    pinned: Vec<FeedId>,
    /// What the user looks at: tile sizes by slot and the roster page in view.
    view: View,
    /// The subscription as Janus last described it; `None` before the subscriber exists.
    layout: Option<Vec<SubscriptionStream>>,
    layers: HashMap<String, Layer>,
    active_speaker: Option<FeedId>,
}

impl CallState {
    pub fn new(room: RoomId, slots: usize) -> Self {
        Self {
            room,
            me: None,
            slots,
            roster: Roster::new(room),
            speakers: ActiveSpeakers::default(),
            feeds: Vec::new(),
            pinned: Vec::new(),
            view: View::default(),
            layout: None,
            layers: HashMap::new(),
            active_speaker: None,
        }
    }

    /// Forgets the session-bound parts (feeds, subscription) before a rejoin; keeps pins.
    pub fn rejoining(&mut self) {
        self.me = None;
        self.feeds.clear();
        self.layout = None;
        self.layers.clear();
        self.speakers = ActiveSpeakers::default();
        self.active_speaker = None;
    }

    /// This handle joined: its own feed and the publishers already there.
    pub fn joined(&mut self, joined: &Joined) {
        self.me = Some(joined.id);
        for p in &joined.publishers {
            self.upsert_feed(p);
        }
        self.roster.apply(&VideoRoomEvent::Joined(joined.clone()));
    }

    fn upsert_feed(&mut self, info: &PublisherInfo) {
        let feed = Feed::from_info(info);
        match self.feeds.iter_mut().find(|f| f.id == info.id) {
            Some(existing) => *existing = feed,
            None => self.feeds.push(feed),
        }
    }

    fn remove_feed(&mut self, id: FeedId) {
        self.feeds.retain(|f| f.id != id);
        self.speakers.left(id);
    }

    /// Applies a room event; returns what to report at once (talking, active speaker).
    pub fn on_room_event(&mut self, event: &VideoRoomEvent) -> Vec<CallEvent> {
        self.roster.apply(event);
        let mut out = Vec::new();
        match event {
            VideoRoomEvent::Publishers { room, publishers } if *room == self.room => {
                for p in publishers {
                    self.upsert_feed(p);
                }
            }
            VideoRoomEvent::Unpublished { room, feed }
            | VideoRoomEvent::Leaving { room, feed }
            | VideoRoomEvent::Kicked { room, feed }
                if *room == self.room =>
            {
                self.remove_feed(*feed);
            }
            VideoRoomEvent::Talking {
                room, feed, level, ..
            } if *room == self.room => {
                self.speakers.talking(*feed);
                out.push(CallEvent::Talking {
                    feed: *feed,
                    talking: true,
                    level: *level,
                });
            }
            VideoRoomEvent::StoppedTalking {
                room, feed, level, ..
            } if *room == self.room => {
                self.speakers.stopped(*feed);
                out.push(CallEvent::Talking {
                    feed: *feed,
                    talking: false,
                    level: *level,
                });
            }
            _ => {}
        }
        let top = self.speakers.ranked().first().copied();
        if top.is_some() && top != self.active_speaker {
            self.active_speaker = top;
            if let Some(feed) = top {
                out.push(CallEvent::ActiveSpeaker { feed });
            }
        }
        out
    }

    pub fn set_pinned(&mut self, pinned: Vec<FeedId>) {
        self.pinned = pinned;
    }

    pub fn set_view(&mut self, view: View) {
        self.view = view;
    }

    /// The size of slot `i`: as the view says, else the main tile first and grid tiles after.
    fn tile(&self, i: usize) -> Tile {
        match self.view.tiles.get(i) {
            Some(tile) => *tile,
            None if i == 0 => Tile::Main,
            None => Tile::Grid,
        }
    }

    /// Every m-line of the subscription with the feed it carries now.
    pub fn sources(&self) -> Vec<StreamSource> {
        let mut lines: Vec<&SubscriptionStream> = self.layout.iter().flatten().collect();
        lines.sort_by_key(|s| s.mindex);
        lines
            .into_iter()
            .map(|s| {
                let feed = if Self::active(s) { s.feed_id } else { None };
                StreamSource {
                    mid: s.mid.clone(),
                    kind: s.kind.clone(),
                    feed,
                    display: feed.and(s.feed_display.clone()).or_else(|| {
                        let id = feed?;
                        self.feeds.iter().find(|f| f.id == id)?.display.clone()
                    }),
                }
            })
            .collect()
    }

    /// Publishers in the order they appeared.
    pub fn feeds(&self) -> &[Feed] {
        &self.feeds
    }

    pub fn has_subscription(&self) -> bool {
        self.layout.is_some()
    }

    pub fn set_layout(&mut self, subscription: &Subscription) {
        if let Some(streams) = &subscription.streams {
            self.layout = Some(streams.clone());
        }
    }

    /// Records layers Janus accepted through `configure`.
    pub fn configured(&mut self, streams: &[SubscriberStream]) {
        for s in streams {
            let layer = Layer {
                send: s.send.unwrap_or(true),
                substream: s.substream,
            };
            self.layers.insert(s.mid.clone(), layer);
        }
    }

    fn lines(&self, kind: &str) -> Vec<&SubscriptionStream> {
        let mut lines: Vec<&SubscriptionStream> = self
            .layout
            .iter()
            .flatten()
            .filter(|s| s.kind == kind)
            .collect();
        lines.sort_by_key(|s| s.mindex);
        lines
    }

    fn active(stream: &SubscriptionStream) -> bool {
        stream.extra.get("active").and_then(|v| v.as_bool()) != Some(false)
            && stream.feed_id.is_some()
    }

    /// Which feed each video slot shows now.
    pub fn slot_feeds(&self) -> Vec<Option<FeedId>> {
        self.lines("video")
            .into_iter()
            .take(self.slots)
            .map(|s| if Self::active(s) { s.feed_id } else { None })
            .collect()
    }

    /// The requests that bring the subscription to the wanted slots and audio.
    pub fn plan(&self) -> Plan {
        let video_feeds: Vec<FeedId> = self
            .feeds
            .iter()
            .filter(|f| f.video.is_some())
            .map(|f| f.id)
            .collect();
        let speakers = self.speakers.ranked();
        let chosen = choose_feeds(&SlotInputs {
            publishers: &video_feeds,
            speakers: &speakers,
            pinned: &self.pinned,
            page: &self.view.page,
            me: self.me,
            slots: self.slots,
        });
        let current = self.slot_feeds();
        let mut assigned = assign_slots(&current, &chosen, self.slots);
        // The one exception to "a feed keeps its slot": the first pinned feed takes the main
        // tile (two `switch`es, no renegotiation).
        if let Some(first) = self.pinned.first() {
            if let Some(j) = assigned.iter().position(|s| *s == Some(*first)) {
                assigned.swap(0, j);
            }
        }
        let video_mid = |feed: FeedId| {
            self.feeds
                .iter()
                .find(|f| f.id == feed)
                .and_then(|f| f.video.clone())
        };
        let audio_sources: Vec<(FeedId, String)> = self
            .feeds
            .iter()
            .filter_map(|f| f.audio.clone().map(|mid| (f.id, mid)))
            .collect();
        let mut plan = Plan::default();
        if self.layout.is_none() {
            for feed in assigned.iter().flatten() {
                if let Some(mid) = video_mid(*feed) {
                    plan.initial.push(SubscribeStream {
                        feed: *feed,
                        mid: Some(mid),
                        ..Default::default()
                    });
                }
            }
            let (audio, _) = plan_audio(&[], &audio_sources, self.me);
            plan.initial.extend(audio);
            return plan;
        }
        let lines = self.lines("video");
        let slots: Vec<SlotState> = lines
            .iter()
            .take(self.slots)
            .map(|s| SlotState {
                sub_mid: s.mid.clone(),
                source: match (s.feed_id, &s.feed_mid) {
                    (Some(f), Some(m)) if Self::active(s) => Some((f, m.clone())),
                    _ => None,
                },
                active: Self::active(s),
                layer: self.layers.get(&s.mid).copied().unwrap_or(Layer {
                    send: s.send,
                    substream: None,
                }),
            })
            .collect();
        let last = assigned
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |i| i + 1);
        let wanted = last.max(slots.len()).min(self.slots);
        let desired: Vec<SlotTarget> = (0..wanted)
            .map(|i| SlotTarget {
                source: assigned
                    .get(i)
                    .copied()
                    .flatten()
                    .and_then(|f| video_mid(f).map(|m| (f, m))),
                tile: self.tile(i),
            })
            .collect();
        plan.video = plan_subscription(&slots, &desired);
        let audio_now: Vec<(FeedId, String)> = self
            .lines("audio")
            .into_iter()
            .filter(|s| Self::active(s))
            .filter_map(|s| s.feed_id.map(|f| (f, s.mid.clone())))
            .collect();
        let (add, drop) = plan_audio(&audio_now, &audio_sources, self.me);
        plan.audio_add = add;
        plan.audio_drop = drop;
        plan
    }

    pub fn take_roster_delta(&mut self) -> RosterDelta {
        self.roster.take_delta()
    }

    /// The layer Janus uses for a tile, for callers that configure slots themselves.
    pub fn layer(tile: Tile) -> Layer {
        layer_for(tile)
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
