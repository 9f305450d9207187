//! Starting the lab, making rooms and calls, and waiting for call events.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mailcall_call::{Call, CallConfig, CallEvent, CallEvents, HeadlessConfig, HeadlessMedia, Role};
use mailcall_janus::videoroom::{CreateRoom, Rooms};
use mailcall_janus::{RoomId, Session, SessionConfig};
use mailcall_rtc::{AudioLevel, MediaSamples};
use mailcall_testkit::janus::JanusLab;

/// Generous: two cores shared with parallel builds.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Starts the Janus lab; a machine that cannot run it fails the test with the reason.
pub fn janus() -> JanusLab {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_test_writer()
            .try_init();
    });
    JanusLab::builder().start_or_panic()
}

pub fn samples() -> Arc<MediaSamples> {
    static SAMPLES: OnceLock<Arc<MediaSamples>> = OnceLock::new();
    Arc::clone(SAMPLES.get_or_init(|| Arc::new(MediaSamples::builtin().expect("builtin samples"))))
}

/// Room settings: `talking` decided every half second (25 packets of 20 ms).
pub fn room_settings(lab: &JanusLab, room: RoomId) -> CreateRoom {
    CreateRoom {
        room: Some(room),
        admin_key: Some(lab.admin_key().to_owned()),
        publishers: Some(20),
        audiolevel_event: Some(true),
        audio_active_packets: Some(25),
        audio_level_average: Some(25),
        ..Default::default()
    }
}

/// A new room with [`room_settings`].
pub async fn create_room(lab: &JanusLab) -> RoomId {
    let room = RoomId(rand::random::<u64>() >> 12);
    create(lab, room_settings(lab, room)).await;
    room
}

/// Creates `room` over a session of its own, so no call under test owns the room.
pub async fn create(lab: &JanusLab, room: CreateRoom) {
    let (session, _events) = Session::connect(SessionConfig::url(&lab.http_url()).unwrap())
        .await
        .unwrap();
    let (handle, _) = session
        .attach(mailcall_janus::videoroom::PLUGIN)
        .await
        .unwrap();
    Rooms::new(handle).create(room).await.unwrap();
    let _ = session.close().await;
}

pub struct Joined {
    pub call: Call,
    pub events: CallEvents,
    pub media: Arc<HeadlessMedia>,
}

pub async fn join(lab: &JanusLab, room: RoomId, role: Role, name: &str, slots: usize) -> Joined {
    let mut config = CallConfig::new(vec![lab.ws_url()], room, role);
    config.display = Some(name.to_owned());
    config.slots = slots;
    config.create_room = Some(room_settings(lab, room));
    let mut media_config = HeadlessConfig::new(lab.peer_ip().into(), samples());
    media_config.label = name.to_owned();
    media_config.audio_level = AudioLevel::SILENT;
    let media = HeadlessMedia::new(media_config);
    let (call, events) = Call::start(config, media.clone())
        .await
        .unwrap_or_else(|e| panic!("{name} cannot join: {}", mailcall_call::error_chain(&e)));
    Joined {
        call,
        events,
        media,
    }
}

/// The first event matching `pred`, failing after [`DEADLINE`].
pub async fn wait_for(
    events: &mut CallEvents,
    what: &str,
    mut pred: impl FnMut(&CallEvent) -> bool,
) -> CallEvent {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no {what} within {DEADLINE:?}"))
            .unwrap_or_else(|| panic!("the call ended while waiting for {what}"));
        if pred(&event) {
            return event;
        }
    }
}
