//! What crosses to the page about calls: server profiles, the join form, roster pages,
//! per-feed statistics and [`CallUpdate`], the one typed stream of what a call does.
//!
//! Janus ids (rooms, feeds, sessions) are 64-bit and cross as decimal strings; counters are
//! `u32` (saturating; a call does not receive 4 billion packets), rates and times `f64`.

use mailcall_call::{CallEvent, EndReason, FeedStats, Leg, ReconnectReason, RosterPage};
use mailcall_janus::FeedId;
use mailcall_rtc::MediaKind;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{ApiError, ApiResult};
use crate::types::count;

/// A Janus server (with fallbacks) the app joins calls on; kept in the app's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CallProfile {
    /// What the join form shows; unique.
    pub name: String,
    /// Janus API URLs (`wss://…`, `https://…/janus`), tried in order.
    pub servers: Vec<String>,
    /// Where a join's token comes from when the form gives none.
    pub token: TokenSource,
    /// Video tiles of the call (1 to 16).
    pub slots: u32,
}

/// Where the token of a join comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TokenSource {
    /// The server needs no token, or the join form gives one.
    None,
    /// A service that signs tokens for this user: `GET <url>?room=<room>` answers the token
    /// as text, or as JSON `{"token": "..."}`. Asked again before every join and rejoin is
    /// not needed: the token is sent only while joining.
    Url { url: String },
}

/// The join form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JoinForm {
    /// A profile's name.
    pub profile: String,
    /// The room id (decimal string).
    pub room: String,
    pub display: String,
    /// A token given with the invitation; overrides the profile's source.
    pub token: Option<String>,
}

/// The call just joined.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CallInfo {
    pub room: String,
    /// This participant's id in the room.
    pub feed: String,
    pub session: Option<String>,
}

/// How big a tile is shown; decides which simulcast layer Janus sends.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum TileSize {
    Main,
    Grid,
    /// Scrolled away or minimized: Janus stops sending it.
    Hidden,
}

/// What the user looks at.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    /// Size of each video tile, by slot.
    pub tiles: Vec<TileSize>,
    /// Feeds on the roster page in view: they get free tiles first.
    pub page: Vec<String>,
}

/// One member on a roster page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RosterEntry {
    pub id: String,
    pub display: Option<String>,
    pub publisher: bool,
    pub talking: bool,
}

/// A page of the roster (or of a search in it), sorted by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RosterView {
    /// Members in the room, or matching the search.
    pub total: u32,
    pub offset: u32,
    pub members: Vec<RosterEntry>,
}

/// Audio or video.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    Audio,
    Video,
}

/// Which connection a media event is about.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum CallLeg {
    Publisher,
    Subscriber,
}

/// What one subscribed stream received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StreamStats {
    /// The feed it carries now, if any.
    pub feed: Option<String>,
    pub display: Option<String>,
    pub mid: Option<String>,
    pub kind: MediaType,
    pub packets: u32,
    /// Whole frames a decoder would get (video), or packets (audio).
    pub frames: u32,
    pub key_frames: u32,
    pub broken_frames: u32,
    pub frame_rate: f64,
    /// Payload bits per second.
    pub bitrate: f64,
    pub lost: u32,
    /// Share of expected packets lost since the last report, 0 to 1.
    pub loss: f64,
    pub jitter_ms: f64,
}

/// Why a call rejoins.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ReconnectCause {
    ConnectionLost,
    SessionLost,
    SessionReplaced,
}

/// Why a call ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CallEnd {
    Left,
    Kicked,
    RoomDestroyed,
    SessionClosed,
    RejoinFailed { message: String },
    Failed { message: String },
}

/// What a call reports, in order, on one channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum CallUpdate {
    /// In the room (first time, and after every rejoin).
    Joined {
        room: String,
        feed: String,
        session: Option<String>,
        publishers: u32,
    },
    /// Which feed each video tile shows; `mids[i]` is the subscription mid of slot `i`
    /// (what the page's frames are named by).
    Slots {
        slots: Vec<Option<String>>,
        mids: Vec<String>,
    },
    Talking {
        feed: String,
        talking: bool,
        level: Option<f64>,
    },
    /// The feed in the main tile changed.
    ActiveSpeaker {
        feed: String,
    },
    /// Roster changes, collected over a short batch.
    Roster {
        joined: Vec<String>,
        left: Vec<String>,
        updated: Vec<String>,
        members: u32,
    },
    WebrtcUp {
        leg: CallLeg,
    },
    Media {
        leg: CallLeg,
        mid: Option<String>,
        kind: String,
        receiving: bool,
    },
    SlowLink {
        leg: CallLeg,
        mid: Option<String>,
        uplink: bool,
        lost: Option<u32>,
    },
    Hangup {
        leg: CallLeg,
        reason: Option<String>,
    },
    /// The session was lost; rejoining. Show a banner until `joined` or `ended`.
    Reconnecting {
        reason: ReconnectCause,
    },
    /// The connection came back on the same session; the roster was re-read.
    Resynced,
    /// Something failed that the call survives.
    Warning {
        message: String,
    },
    Ended {
        reason: CallEnd,
    },
    /// Received media per stream, about once a second.
    Stats {
        streams: Vec<StreamStats>,
    },
}

pub(crate) fn id_text(id: FeedId) -> String {
    id.0.to_string()
}

/// A Janus id from the page.
pub(crate) fn parse_janus_id(what: &str, text: &str) -> ApiResult<u64> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| ApiError::invalid(format!("{text:?} is not a {what} id")))
}

fn leg(l: Leg) -> CallLeg {
    match l {
        Leg::Publisher => CallLeg::Publisher,
        Leg::Subscriber => CallLeg::Subscriber,
    }
}

fn ids(feeds: &[FeedId]) -> Vec<String> {
    feeds.iter().copied().map(id_text).collect()
}

impl From<&EndReason> for CallEnd {
    fn from(r: &EndReason) -> CallEnd {
        match r {
            EndReason::Left => CallEnd::Left,
            EndReason::Kicked => CallEnd::Kicked,
            EndReason::RoomDestroyed => CallEnd::RoomDestroyed,
            EndReason::SessionClosed => CallEnd::SessionClosed,
            EndReason::RejoinFailed { message } => CallEnd::RejoinFailed {
                message: message.clone(),
            },
            EndReason::Failed { message } => CallEnd::Failed {
                message: message.clone(),
            },
        }
    }
}

impl From<&CallEvent> for CallUpdate {
    fn from(e: &CallEvent) -> CallUpdate {
        match e {
            CallEvent::Joined {
                room,
                feed,
                session,
                publishers,
            } => CallUpdate::Joined {
                room: room.0.to_string(),
                feed: id_text(*feed),
                session: session.map(|s| s.0.to_string()),
                publishers: count(*publishers),
            },
            CallEvent::Roster {
                joined,
                left,
                updated,
                members,
            } => CallUpdate::Roster {
                joined: ids(joined),
                left: ids(left),
                updated: ids(updated),
                members: count(*members),
            },
            CallEvent::Talking {
                feed,
                talking,
                level,
            } => CallUpdate::Talking {
                feed: id_text(*feed),
                talking: *talking,
                level: *level,
            },
            CallEvent::ActiveSpeaker { feed } => CallUpdate::ActiveSpeaker {
                feed: id_text(*feed),
            },
            CallEvent::Slots { slots } => CallUpdate::Slots {
                slots: slots.iter().map(|s| s.map(id_text)).collect(),
                mids: Vec::new(),
            },
            CallEvent::WebrtcUp { leg: l } => CallUpdate::WebrtcUp { leg: leg(*l) },
            CallEvent::Media {
                leg: l,
                mid,
                kind,
                receiving,
            } => CallUpdate::Media {
                leg: leg(*l),
                mid: mid.clone(),
                kind: kind.clone(),
                receiving: *receiving,
            },
            CallEvent::SlowLink {
                leg: l,
                mid,
                uplink,
                lost,
            } => CallUpdate::SlowLink {
                leg: leg(*l),
                mid: mid.clone(),
                uplink: *uplink,
                lost: lost.map(count),
            },
            CallEvent::Hangup { leg: l, reason } => CallUpdate::Hangup {
                leg: leg(*l),
                reason: reason.clone(),
            },
            CallEvent::Reconnecting { reason } => CallUpdate::Reconnecting {
                reason: match reason {
                    ReconnectReason::ConnectionLost => ReconnectCause::ConnectionLost,
                    ReconnectReason::SessionLost => ReconnectCause::SessionLost,
                    ReconnectReason::SessionReplaced => ReconnectCause::SessionReplaced,
                },
            },
            CallEvent::Resynced => CallUpdate::Resynced,
            CallEvent::Warning { message } => CallUpdate::Warning {
                message: message.clone(),
            },
            CallEvent::Ended { reason } => CallUpdate::Ended {
                reason: reason.into(),
            },
        }
    }
}

impl From<&FeedStats> for StreamStats {
    fn from(s: &FeedStats) -> StreamStats {
        StreamStats {
            feed: s.feed.map(id_text),
            display: s.display.clone(),
            mid: s.mid.clone(),
            kind: match s.kind {
                MediaKind::Audio => MediaType::Audio,
                MediaKind::Video => MediaType::Video,
            },
            packets: count(s.packets),
            frames: count(s.frames),
            key_frames: count(s.key_frames),
            broken_frames: count(s.broken_frames),
            frame_rate: s.frame_rate,
            bitrate: s.bitrate,
            lost: count(s.lost),
            loss: s.loss,
            jitter_ms: s.jitter_ms,
        }
    }
}

impl RosterView {
    pub(crate) fn from_page(page: &RosterPage) -> RosterView {
        RosterView {
            total: count(page.total),
            offset: count(page.offset),
            members: page
                .members
                .iter()
                .map(|m| RosterEntry {
                    id: id_text(m.id),
                    display: m.display.clone(),
                    publisher: m.publisher,
                    talking: m.talking,
                })
                .collect(),
        }
    }
}
