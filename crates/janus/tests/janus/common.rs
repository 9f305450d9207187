//! Shared test plumbing: starting labs, connecting sessions over either transport, waiting for
//! events with a deadline.

use std::time::Duration;

use mailcall_janus::{Session, SessionConfig, SessionEvent, SessionEvents};
use mailcall_testkit::janus::{JanusBuilder, JanusLab};
use mailcall_testkit::process::in_ci;

/// The two transports every flow runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Ws,
    Http,
}

pub const BOTH: [Via; 2] = [Via::Ws, Via::Http];

pub fn start(builder: JanusBuilder) -> Option<JanusLab> {
    if let Err(why) = JanusLab::available() {
        assert!(!in_ci(), "the Janus lab cannot run under CI: {why:#}");
        eprintln!("skipping: the Janus lab cannot run here: {why:#}");
        return None;
    }
    Some(
        builder
            .start()
            .unwrap_or_else(|e| panic!("Janus lab did not start: {e:#}")),
    )
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
pub fn room_id() -> mailcall_janus::RoomId {
    mailcall_janus::RoomId(rand::random::<u64>() >> 12)
}
