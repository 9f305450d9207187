//! Shared test plumbing: starting labs, connecting sessions over either transport, waiting for
//! events with a deadline, and the VideoRoom rooms and participants the flows start from.

use std::time::Duration;

use mailcall_janus::videoroom::{
    AddRemotePublisher, CreateRoom, JoinPublisher, Joined, Publisher, RemoteStream, Rooms,
    VideoRoomEvents, PLUGIN,
};
use mailcall_janus::{FeedId, RoomId, Session, SessionConfig, SessionEvent, SessionEvents};
use mailcall_testkit::janus::{JanusBuilder, JanusLab};

/// The two transports every flow runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Ws,
    Http,
}

pub const BOTH: [Via; 2] = [Via::Ws, Via::Http];

/// Runs `flow` over both transports against one lab started from `builder`, each time on a
/// new session that is closed after it, so a flow that breaks its session fails here.
pub async fn each_transport(
    builder: JanusBuilder,
    mut flow: impl AsyncFnMut(&JanusLab, Via, &Session, &mut SessionEvents),
) {
    let lab = builder.start_or_panic();
    for via in BOTH {
        let (session, mut events) = connect(&lab, via).await;
        flow(&lab, via, &session, &mut events).await;
        session
            .close()
            .await
            .unwrap_or_else(|e| panic!("close over {via:?}: {e}"));
    }
}

pub fn url(lab: &JanusLab, via: Via) -> String {
    match via {
        Via::Ws => lab.ws_url(),
        Via::Http => lab.http_url(),
    }
}

pub fn config(lab: &JanusLab, via: Via) -> SessionConfig {
    let mut config = SessionConfig::url(&url(lab, via)).expect("lab URL");
    config.request_timeout = Duration::from_secs(5);
    config
}

pub async fn connect(lab: &JanusLab, via: Via) -> (Session, SessionEvents) {
    Session::connect(config(lab, via))
        .await
        .unwrap_or_else(|e| panic!("connect over {via:?}: {e}"))
}

/// Waits for the first session event matching `pred`, failing after `secs`.
pub async fn wait_for(
    events: &mut SessionEvents,
    secs: u64,
    mut pred: impl FnMut(&SessionEvent) -> bool,
) -> SessionEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no matching session event within {secs} s"))
            .expect("session events end only when the session stops");
        if pred(&event) {
            return event;
        }
    }
}

/// A room id that stays exact in JSON numbers (and in JavaScript).
pub fn room_id() -> RoomId {
    RoomId(rand::random::<u64>() >> 12)
}

/// The secret of every room the tests make.
pub fn secret() -> Option<String> {
    Some("room-secret".into())
}

/// A room client on a handle of its own.
pub async fn rooms(session: &Session) -> Rooms {
    let (handle, _events) = session.attach(PLUGIN).await.unwrap();
    Rooms::new(handle)
}

/// Creates `room` with the lab's admin key and [`secret`], under a new id unless it has one.
pub async fn create(lab: &JanusLab, rooms: &Rooms, room: CreateRoom) -> RoomId {
    let room = CreateRoom {
        room: Some(room.room.unwrap_or_else(room_id)),
        admin_key: Some(lab.admin_key().into()),
        secret: secret(),
        ..room
    };
    rooms.create(room).await.unwrap().room
}

/// A room client and a room created through it from `settings`.
pub async fn room_with(lab: &JanusLab, session: &Session, settings: CreateRoom) -> (Rooms, RoomId) {
    let rooms = rooms(session).await;
    let room = create(lab, &rooms, settings).await;
    (rooms, room)
}

pub fn audio_stream() -> RemoteStream {
    RemoteStream {
        kind: "audio".into(),
        mindex: 0,
        mid: "0".into(),
        codec: Some("opus".into()),
        ..Default::default()
    }
}

/// Adds a remote publisher of one Opus stream, which stands in for an active feed without any
/// media, and returns once the room lists it as publishing.
pub async fn remote_publisher(rooms: &Rooms, room: RoomId, name: &str) -> FeedId {
    let added = rooms
        .add_remote_publisher(AddRemotePublisher {
            room,
            id: None,
            display: Some(name.into()),
            iface: None,
            port: None,
            streams: vec![audio_stream()],
            secret: secret(),
        })
        .await
        .unwrap();
    assert!(added.port > 0);
    // Its thread registers it just after the answer.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let listed = rooms.list_participants(room).await.unwrap();
        if listed
            .participants
            .iter()
            .any(|p| p.id == added.id && p.publisher)
        {
            return added.id;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "remote publisher {name} never listed: {listed:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A publisher on a new handle of `session`, joined to `room` as `display`.
pub async fn join(
    session: &Session,
    room: RoomId,
    display: Option<&str>,
) -> (Publisher, VideoRoomEvents, Joined) {
    let (publisher, events) = Publisher::attach(session).await.unwrap();
    let joined = publisher
        .join(JoinPublisher {
            room,
            display: display.map(Into::into),
            ..Default::default()
        })
        .await
        .unwrap();
    (publisher, events, joined)
}
