//! Large-room planners as pure functions: which publishers fill the N video slots of a
//! multistream subscriber, which simulcast layer each slot gets, and the smallest set of
//! VideoRoom requests that moves the current subscription to the desired one.
//!
//! Invariants:
//! - Priority for a slot: pinned feeds, then active speakers (most recent first), then the
//!   page the user looks at, then everyone else in join order. The user's own feed and feeds
//!   that are not publishing video never get a slot.
//! - A feed that keeps a slot stays in *the same* slot, so a re-plan moves only what changed.
//! - Changing what an active m-line shows is a `switch` (no renegotiation). Only an m-line that
//!   Janus marked inactive, or a slot that does not exist yet, needs `update`
//!   (renegotiation). Slots with nothing to show are muted with `send: false`, never removed.
//! - Main speaker gets the high simulcast substream (2), grid tiles the low one (0), hidden
//!   tiles `send: false`.
//! - Follows the VideoRoom docs on multistream subscriptions (`switch`, `update`, `configure`).

use std::collections::HashSet;

use crate::id::FeedId;
use crate::videoroom::{SubscribeStream, SubscriberStream, SwitchStream, UnsubscribeStream};

/// How big a slot is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tile {
    /// The large tile (main speaker).
    Main,
    /// A grid tile.
    Grid,
    /// Not visible (scrolled away, minimized window).
    Hidden,
}

/// What a slot should receive: `send` and the simulcast substream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layer {
    pub send: bool,
    pub substream: Option<u8>,
}

/// The layer for a tile size.
pub fn layer_for(tile: Tile) -> Layer {
    match tile {
        Tile::Main => Layer {
            send: true,
            substream: Some(2),
        },
        Tile::Grid => Layer {
            send: true,
            substream: Some(0),
        },
        Tile::Hidden => Layer {
            send: false,
            substream: None,
        },
    }
}

/// Who is talking, in the order of `talking` / `stopped-talking` events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActiveSpeakers {
    /// Most recent first; talking or recently talking.
    recent: Vec<FeedId>,
    talking: HashSet<FeedId>,
}

impl ActiveSpeakers {
    pub fn talking(&mut self, feed: FeedId) {
        self.recent.retain(|f| *f != feed);
        self.recent.insert(0, feed);
        self.talking.insert(feed);
    }

    pub fn stopped(&mut self, feed: FeedId) {
        self.talking.remove(&feed);
    }

    pub fn left(&mut self, feed: FeedId) {
        self.talking.remove(&feed);
        self.recent.retain(|f| *f != feed);
    }

    /// Talking now (most recent first), then those who talked before.
    pub fn ranked(&self) -> Vec<FeedId> {
        let (mut now, before): (Vec<_>, Vec<_>) =
            self.recent.iter().partition(|f| self.talking.contains(f));
        now.extend(before);
        now
    }
}

/// What the slot chooser looks at.
#[derive(Debug, Clone, Default)]
pub struct SlotInputs<'a> {
    /// Feeds publishing video, in join order.
    pub publishers: &'a [FeedId],
    /// From [`ActiveSpeakers::ranked`].
    pub speakers: &'a [FeedId],
    pub pinned: &'a [FeedId],
    /// Feeds on the roster page in view.
    pub page: &'a [FeedId],
    /// The user's own feed, never subscribed to.
    pub me: Option<FeedId>,
    pub slots: usize,
}

/// The feeds that deserve a slot, best first.
pub fn choose_feeds(inputs: &SlotInputs<'_>) -> Vec<FeedId> {
    let publishing: HashSet<FeedId> = inputs.publishers.iter().copied().collect();
    let mut chosen = Vec::new();
    let candidates = inputs
        .pinned
        .iter()
        .chain(inputs.speakers)
        .chain(inputs.page)
        .chain(inputs.publishers);
    for feed in candidates {
        if chosen.len() == inputs.slots {
            break;
        }
        if Some(*feed) != inputs.me && publishing.contains(feed) && !chosen.contains(feed) {
            chosen.push(*feed);
        }
    }
    chosen
}

/// Places `chosen` into slots, keeping every feed that stays where it already is.
pub fn assign_slots(
    current: &[Option<FeedId>],
    chosen: &[FeedId],
    slots: usize,
) -> Vec<Option<FeedId>> {
    let keep: HashSet<FeedId> = chosen.iter().copied().collect();
    let mut out: Vec<Option<FeedId>> = (0..slots)
        .map(|i| {
            current
                .get(i)
                .copied()
                .flatten()
                .filter(|f| keep.contains(f))
        })
        .collect();
    let placed: HashSet<FeedId> = out.iter().flatten().copied().collect();
    let mut newcomers = chosen.iter().filter(|f| !placed.contains(f));
    for slot in out.iter_mut().filter(|s| s.is_none()) {
        *slot = newcomers.next().copied();
    }
    out
}

/// One video m-line of the subscription as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotState {
    pub sub_mid: String,
    /// The feed and its mid currently piped into this m-line.
    pub source: Option<(FeedId, String)>,
    /// False when Janus marked the m-line inactive (its publisher left): a `switch` alone would
    /// not revive it.
    pub active: bool,
    pub layer: Layer,
}

/// What one slot should show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotTarget {
    /// The feed and its video mid.
    pub source: Option<(FeedId, String)>,
    pub tile: Tile,
}

/// The requests that realise a plan; empty parts are skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubscriptionPlan {
    /// `switch`: no renegotiation.
    pub switch: Vec<SwitchStream>,
    /// `configure` per mid: `send` and `substream`.
    pub configure: Vec<SubscriberStream>,
    /// `update`: renegotiation needed.
    pub subscribe: Vec<SubscribeStream>,
    pub unsubscribe: Vec<UnsubscribeStream>,
}

impl SubscriptionPlan {
    pub fn is_empty(&self) -> bool {
        self.switch.is_empty()
            && self.configure.is_empty()
            && self.subscribe.is_empty()
            && self.unsubscribe.is_empty()
    }

    /// True when executing the plan renegotiates the PeerConnection.
    pub fn renegotiates(&self) -> bool {
        !self.subscribe.is_empty() || !self.unsubscribe.is_empty()
    }
}

/// The requests that move `current` to `desired`, slot by slot.
pub fn plan_subscription(current: &[SlotState], desired: &[SlotTarget]) -> SubscriptionPlan {
    let mut plan = SubscriptionPlan::default();
    for (i, target) in desired.iter().enumerate() {
        let layer = if target.source.is_some() {
            layer_for(target.tile)
        } else {
            layer_for(Tile::Hidden)
        };
        let Some(slot) = current.get(i) else {
            if let Some((feed, mid)) = &target.source {
                plan.subscribe.push(SubscribeStream {
                    feed: *feed,
                    mid: Some(mid.clone()),
                    send: Some(layer.send),
                    substream: layer.substream,
                    ..Default::default()
                });
            }
            continue;
        };
        if let Some((feed, mid)) = &target.source {
            if slot.source.as_ref() != Some(&(*feed, mid.clone())) || !slot.active {
                if slot.active {
                    plan.switch.push(SwitchStream {
                        feed: *feed,
                        mid: mid.clone(),
                        sub_mid: slot.sub_mid.clone(),
                    });
                } else {
                    plan.unsubscribe.push(UnsubscribeStream {
                        sub_mid: Some(slot.sub_mid.clone()),
                        ..Default::default()
                    });
                    plan.subscribe.push(SubscribeStream {
                        feed: *feed,
                        mid: Some(mid.clone()),
                        send: Some(layer.send),
                        substream: layer.substream,
                        ..Default::default()
                    });
                    continue;
                }
            }
        }
        if slot.active && slot.layer != layer {
            plan.configure.push(configure_for(&slot.sub_mid, layer));
        }
    }
    // Slots beyond the desired count are muted, not removed: removing renegotiates.
    for slot in current.iter().skip(desired.len()) {
        let hidden = layer_for(Tile::Hidden);
        if slot.active && slot.layer != hidden {
            plan.configure.push(configure_for(&slot.sub_mid, hidden));
        }
    }
    plan
}

fn configure_for(sub_mid: &str, layer: Layer) -> SubscriberStream {
    SubscriberStream {
        mid: sub_mid.to_owned(),
        send: Some(layer.send),
        substream: layer.substream,
        ..Default::default()
    }
}

/// Audio for everyone who publishes it: the feeds to add and the sub mids to drop.
pub fn plan_audio(
    current: &[(FeedId, String)],
    publishers: &[(FeedId, String)],
    me: Option<FeedId>,
) -> (Vec<SubscribeStream>, Vec<UnsubscribeStream>) {
    let wanted: HashSet<FeedId> = publishers
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| Some(*f) != me)
        .collect();
    let have: HashSet<FeedId> = current.iter().map(|(f, _)| *f).collect();
    let add = publishers
        .iter()
        .filter(|(f, _)| wanted.contains(f) && !have.contains(f))
        .map(|(feed, mid)| SubscribeStream {
            feed: *feed,
            mid: Some(mid.clone()),
            ..Default::default()
        })
        .collect();
    let drop = current
        .iter()
        .filter(|(f, _)| !wanted.contains(f))
        .map(|(_, sub_mid)| UnsubscribeStream {
            sub_mid: Some(sub_mid.clone()),
            ..Default::default()
        })
        .collect();
    (add, drop)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
