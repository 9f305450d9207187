//! The room roster for large rooms: built from `listparticipants` on demand, kept current
//! with `publishers`/`unpublished`/`leaving`/`kicked`/`talking` events, and reported as
//! coalesced deltas so a UI showing 700 people redraws once per batch, not once per event.
//!
//! Invariants:
//! - Applying an event twice changes nothing the second time (Janus sends `unpublished`
//!   twice).
//! - A participant who joins and leaves within one batch appears in no delta; one who leaves
//!   and comes back appears as updated.
//! - Rooms are never created with `notify_joining`: lurkers show up through
//!   `listparticipants` (re-query after [`crate::SessionEvent::Reconnected`]), publishers
//!   through `publishers` events.

use std::collections::{BTreeMap, HashMap};

use crate::id::{FeedId, RoomId};
use crate::videoroom::{Participants, VideoRoomEvent};

/// One person in the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: FeedId,
    pub display: Option<String>,
    pub publisher: bool,
    pub talking: bool,
}

/// Changes since the last [`Roster::take_delta`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterDelta {
    pub joined: Vec<FeedId>,
    pub left: Vec<FeedId>,
    pub updated: Vec<FeedId>,
}

impl RosterDelta {
    pub fn is_empty(&self) -> bool {
        self.joined.is_empty() && self.left.is_empty() && self.updated.is_empty()
    }
}

/// The members of one room.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub room: RoomId,
    members: BTreeMap<FeedId, Member>,
    /// Feeds touched in this batch and whether each was present when the batch began.
    touched: HashMap<FeedId, bool>,
}

impl Roster {
    pub fn new(room: RoomId) -> Self {
        Self {
            room,
            ..Default::default()
        }
    }

    /// Replaces the members with a `listparticipants` answer, as a delta against before.
    pub fn reset(&mut self, participants: &Participants) {
        let ids: Vec<FeedId> = self.members.keys().copied().collect();
        for id in ids {
            self.touch(id);
        }
        self.members.clear();
        for p in &participants.participants {
            self.touch(p.id);
            self.members.insert(
                p.id,
                Member {
                    id: p.id,
                    display: p.display.clone(),
                    publisher: p.publisher,
                    talking: p.talking.unwrap_or(false),
                },
            );
        }
    }

    fn touch(&mut self, id: FeedId) {
        let present = self.members.contains_key(&id);
        self.touched.entry(id).or_insert(present);
    }

    fn upsert(&mut self, id: FeedId, update: impl FnOnce(&mut Member)) {
        self.touch(id);
        let member = self.members.entry(id).or_insert(Member {
            id,
            display: None,
            publisher: false,
            talking: false,
        });
        update(member);
    }

    /// Applies one VideoRoom event; events of other rooms are ignored.
    pub fn apply(&mut self, event: &VideoRoomEvent) {
        match event {
            VideoRoomEvent::Joined(joined) if joined.room == self.room => {
                for p in &joined.publishers {
                    let display = p.display.clone();
                    self.upsert(p.id, |m| {
                        m.publisher = true;
                        m.display = display;
                    });
                }
            }
            VideoRoomEvent::Publishers { room, publishers } if *room == self.room => {
                for p in publishers {
                    let display = p.display.clone();
                    self.upsert(p.id, |m| {
                        m.publisher = true;
                        m.display = display.or(m.display.take());
                    });
                }
            }
            VideoRoomEvent::Unpublished { room, feed }
                if *room == self.room
                    && self
                        .members
                        .get(feed)
                        .is_some_and(|m| m.publisher || m.talking) =>
            {
                self.upsert(*feed, |m| {
                    m.publisher = false;
                    m.talking = false;
                });
            }
            VideoRoomEvent::Leaving { room, feed } | VideoRoomEvent::Kicked { room, feed }
                if *room == self.room && self.members.contains_key(feed) =>
            {
                self.touch(*feed);
                self.members.remove(feed);
            }
            VideoRoomEvent::Joining { room, attendee } if *room == self.room => {
                let display = attendee.display.clone();
                self.upsert(attendee.id, |m| m.display = display);
            }
            VideoRoomEvent::Talking { room, feed, .. }
                if *room == self.room && self.members.get(feed).is_none_or(|m| !m.talking) =>
            {
                self.upsert(*feed, |m| m.talking = true);
            }
            VideoRoomEvent::StoppedTalking { room, feed, .. }
                if *room == self.room && self.members.get(feed).is_some_and(|m| m.talking) =>
            {
                self.upsert(*feed, |m| m.talking = false);
            }
            _ => {}
        }
    }

    /// The coalesced changes since the last call.
    pub fn take_delta(&mut self) -> RosterDelta {
        let mut delta = RosterDelta::default();
        let mut touched: Vec<_> = self.touched.drain().collect();
        touched.sort();
        for (id, was) in touched {
            match (was, self.members.contains_key(&id)) {
                (false, true) => delta.joined.push(id),
                (true, false) => delta.left.push(id),
                (true, true) => delta.updated.push(id),
                (false, false) => {}
            }
        }
        delta
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn get(&self, id: FeedId) -> Option<&Member> {
        self.members.get(&id)
    }

    /// One page, sorted by display name (case-insensitive), then id.
    pub fn page(&self, offset: usize, limit: usize) -> Vec<&Member> {
        let mut all: Vec<&Member> = self.members.values().collect();
        all.sort_by_key(|m| (m.display.as_deref().unwrap_or("").to_lowercase(), m.id));
        all.into_iter().skip(offset).take(limit).collect()
    }

    /// Publishers in id order (join order for plugin-chosen ids is not guaranteed).
    pub fn publishers(&self) -> Vec<FeedId> {
        self.members
            .values()
            .filter(|m| m.publisher)
            .map(|m| m.id)
            .collect()
    }
}

#[cfg(test)]
#[path = "roster_tests.rs"]
mod tests;
