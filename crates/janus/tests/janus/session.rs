//! Session actor against the real Janus: create, keepalive, attach, reconnect and claim,
//! replacement after a restart or a timeout, fallback to the next server.

use std::time::Duration;

use mailcall_janus::message::{Known, Request};
use mailcall_janus::transaction::Reply;
use mailcall_janus::{Candidate, Handle, PluginReply};
use mailcall_janus::{JanusCode, LossReason, Session, SessionConfig, SessionEvent};
use mailcall_testkit::janus::JanusLab;
use serde_json::json;

use crate::common::{config, connect, each_transport, wait_for, Via, BOTH};

/// A VideoRoom `list`: any request the plugin answers at once, to show a handle is alive.
async fn list(handle: &Handle) -> mailcall_janus::Result<PluginReply> {
    handle.message(json!({"request": "list"}), None).await
}

#[tokio::test]
async fn session_creates_attaches_and_closes_over_both_transports() {
    let lab = JanusLab::builder().start_or_panic();
    for via in BOTH {
        let (session, _events) = connect(&lab, via).await;
        let id = session.id().await.unwrap().expect("a session id");
        let listed = lab.admin(json!({"janus": "list_sessions"})).unwrap();
        assert!(
            listed["sessions"]
                .as_array()
                .unwrap()
                .contains(&json!(id.0)),
            "{via:?}"
        );
        let reply = session.request(Request::Keepalive, None).await.unwrap();
        assert_eq!(reply, Reply::Ack, "{via:?}");
        let info = session.request(Request::Info, None).await.unwrap();
        assert!(
            matches!(info, Reply::Other(Known::ServerInfo { .. })),
            "{via:?}: {info:?}"
        );
        let pong = session.request(Request::Ping, None).await.unwrap();
        assert!(
            matches!(pong, Reply::Other(Known::Pong { .. })),
            "{via:?}: {pong:?}"
        );
        let (handle, _) = session.attach("janus.plugin.videoroom").await.unwrap();
        let listed = list(&handle).await.unwrap();
        assert_eq!(listed.data()["videoroom"], "success", "{via:?}");
        // Trickle gets only an ack; hangup without a PeerConnection is still a success.
        handle
            .trickle(Candidate::Completed { completed: true })
            .await
            .unwrap();
        handle.hangup().await.unwrap();
        handle.detach().await.unwrap();
        let detached = list(&handle).await.unwrap_err();
        assert!(
            matches!(detached, mailcall_janus::Error::SessionGone { .. }),
            "{detached}"
        );
        session.close().await.unwrap();
        let listed = lab.admin(json!({"janus": "list_sessions"})).unwrap();
        assert!(
            !listed["sessions"]
                .as_array()
                .unwrap()
                .contains(&json!(id.0)),
            "{via:?}"
        );
    }
}

#[tokio::test]
async fn killed_and_restarted_janus_gives_a_new_session_by_itself() {
    let mut lab = JanusLab::builder().start_or_panic();
    for via in BOTH {
        let (session, mut events) = connect(&lab, via).await;
        let old = session.id().await.unwrap().expect("a session");
        let (handle, mut handle_events) = session.attach("janus.plugin.videoroom").await.unwrap();
        lab.kill();
        lab.restart().expect("restart");
        let event = wait_for(&mut events, 20, |e| {
            matches!(e, SessionEvent::SessionReplaced { .. })
        })
        .await;
        let SessionEvent::SessionReplaced { old: was, new, .. } = event else {
            unreachable!()
        };
        assert_eq!(was, Some(old), "{via:?}");
        assert_ne!(new, old, "{via:?}");
        assert_eq!(session.id().await.unwrap(), Some(new));
        // The old handle is dead and says so; a new one works.
        assert!(matches!(
            handle_events.recv().await,
            Some(mailcall_janus::HandleEvent::SessionLost { .. })
        ));
        let stale = list(&handle).await;
        assert!(
            matches!(stale, Err(mailcall_janus::Error::SessionGone { .. })),
            "{stale:?}"
        );
        let (fresh, _) = session.attach("janus.plugin.videoroom").await.unwrap();
        list(&fresh).await.unwrap();
        session.close().await.unwrap();
    }
}

#[tokio::test]
async fn dropped_transport_within_reclaim_timeout_claims_the_same_session() {
    let builder = JanusLab::builder().reclaim_session_timeout(10);
    each_transport(builder, async |_, via, session, events| {
        let id = session.id().await.unwrap().expect("a session");
        let (handle, _handle_events) = session.attach("janus.plugin.videoroom").await.unwrap();
        session.drop_transport().await.unwrap();
        let event = wait_for(events, 10, |e| {
            matches!(
                e,
                SessionEvent::Reconnected { .. } | SessionEvent::SessionReplaced { .. }
            )
        })
        .await;
        assert!(
            matches!(event, SessionEvent::Reconnected { session, .. } if session == id),
            "{via:?}: {event:?}"
        );
        // Same session, same handle: it still works.
        list(&handle).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn missed_keepalives_time_out_and_the_session_is_replaced() {
    let lab = JanusLab::builder().session_timeout(3).start_or_panic();
    // Over HTTP the long-poll itself keeps the session alive, so only the WebSocket can miss
    // keepalives.
    let (session, mut events) =
        Session::connect(config(&lab, Via::Ws).with_keepalive(Duration::from_secs(1)))
            .await
            .unwrap();
    let old = session.id().await.unwrap().expect("a session");
    // Keepalives on time keep it alive past the timeout.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(session.id().await.unwrap(), Some(old));
    session.pause_keepalives(true).await.unwrap();
    let event = wait_for(&mut events, 20, |e| {
        matches!(e, SessionEvent::SessionReplaced { .. })
    })
    .await;
    let SessionEvent::SessionReplaced {
        old: was, reason, ..
    } = event
    else {
        unreachable!()
    };
    assert_eq!(was, Some(old));
    assert_eq!(reason, LossReason::TimedOut);
    session.pause_keepalives(false).await.unwrap();
    session.request(Request::Keepalive, None).await.unwrap();
    session.close().await.unwrap();
}

#[tokio::test]
async fn draining_server_sends_the_client_to_the_next_one() {
    let draining = JanusLab::builder().start_or_panic();
    let spare = JanusLab::builder().start_or_panic();
    draining
        .admin(json!({"janus": "accept_new_sessions", "accept": false}))
        .unwrap();
    for via in BOTH {
        let first = config(&draining, via).servers.remove(0);
        let second = config(&spare, via).servers.remove(0);
        let (session, _events) =
            Session::connect(SessionConfig::new([first.clone(), second.clone()]))
                .await
                .unwrap();
        let status = session.status().await.unwrap();
        assert_eq!(status.server, second.url(), "{via:?}");
        // Alone, the draining server's refusal is a typed 472.
        let alone = Session::connect(SessionConfig::new([first]))
            .await
            .unwrap_err();
        assert_eq!(
            alone.janus_code(),
            Some(JanusCode::NotAcceptingSessions),
            "{alone}"
        );
        session.close().await.unwrap();
    }
}

#[tokio::test]
async fn wrong_or_expired_tokens_are_a_typed_403() {
    let lab = JanusLab::builder()
        .token_auth_secret("hmac-secret")
        .start_or_panic();
    use mailcall_janus::token::{core_token, expiry_in};
    for via in BOTH {
        let good = core_token(
            "hmac-secret",
            expiry_in(Duration::from_secs(600)),
            &["janus.plugin.videoroom"],
        );
        let (session, _e) = Session::connect(config(&lab, via).with_token(good))
            .await
            .unwrap();
        session.attach("janus.plugin.videoroom").await.unwrap();
        session.close().await.unwrap();

        let wrong = core_token(
            "other-secret",
            expiry_in(Duration::from_secs(600)),
            &["janus.plugin.videoroom"],
        );
        let expired = core_token("hmac-secret", 1_000_000, &["janus.plugin.videoroom"]);
        for token in [wrong, expired] {
            let err = Session::connect(config(&lab, via).with_token(token))
                .await
                .unwrap_err();
            assert_eq!(
                err.janus_code(),
                Some(JanusCode::Unauthorized),
                "{via:?}: {err}"
            );
        }
    }
}

#[tokio::test]
async fn stored_tokens_ride_on_every_request_and_long_poll() {
    let lab = JanusLab::builder().token_auth().start_or_panic();
    lab.add_token("stored-1").unwrap();
    for via in BOTH {
        let (session, _e) = Session::connect(config(&lab, via).with_token("stored-1"))
            .await
            .unwrap();
        let (handle, _) = session.attach("janus.plugin.videoroom").await.unwrap();
        // Over HTTP this answer comes through the long-poll, which needs `?token=`.
        let joined = handle
            .message(
                json!({"request": "join", "ptype": "publisher", "room": 4242}),
                None,
            )
            .await
            .unwrap();
        assert_eq!(joined.data()["error_code"], 426, "{via:?}: {joined:?}");
        session.close().await.unwrap();
        let err = Session::connect(config(&lab, via).with_token("not-stored"))
            .await
            .unwrap_err();
        assert_eq!(err.janus_code(), Some(JanusCode::Unauthorized), "{via:?}");
    }
}

#[tokio::test]
async fn a_refreshed_signed_token_outlives_the_expired_one() {
    use mailcall_janus::token::{core_token, expiry_in};
    let lab = JanusLab::builder()
        .token_auth_secret("refresh")
        .start_or_panic();
    for via in BOTH {
        let plugins = ["janus.plugin.videoroom"];
        let short = core_token("refresh", expiry_in(Duration::from_secs(2)), &plugins);
        let long = core_token("refresh", expiry_in(Duration::from_secs(600)), &plugins);
        let (session, _e) = Session::connect(config(&lab, via).with_token(short))
            .await
            .unwrap();
        session.set_token(Some(long)).await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let (handle, _) = session.attach("janus.plugin.videoroom").await.unwrap();
        list(&handle).await.unwrap();
        session.close().await.unwrap();
    }
}

// Regression: Janus ends a long-poll with an empty body when its stored token is removed (and
// when the session is destroyed); that was taken for a broken link and failed requests.
#[tokio::test]
async fn empty_long_poll_answer_is_not_a_broken_link() {
    let lab = JanusLab::builder().token_auth().start_or_panic();
    for via in BOTH {
        let (old, new) = (format!("old-{via:?}"), format!("new-{via:?}"));
        lab.add_token(&old).unwrap();
        lab.add_token(&new).unwrap();
        let (session, _e) = Session::connect(config(&lab, via).with_token(old.clone()))
            .await
            .unwrap();
        session.set_token(Some(new)).await.unwrap();
        lab.admin(json!({"janus": "remove_token", "token": old}))
            .unwrap();
        let (handle, _) = session.attach("janus.plugin.videoroom").await.unwrap();
        list(&handle).await.unwrap();
        session.close().await.unwrap();
    }
}
