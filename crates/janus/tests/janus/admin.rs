//! The Admin API over both of its transports against the real Janus, inspecting sessions made
//! over both core transports.

use futures::{SinkExt, StreamExt};
use mailcall_janus::admin::Admin;
use mailcall_janus::{Backoff, JanusCode};
use mailcall_testkit::janus::JanusLab;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::common::{connect, Via, BOTH};

/// An admin client of `lab` over `via`, with `secret`.
fn admin(lab: &JanusLab, via: Via, secret: &str) -> Admin {
    match via {
        Via::Ws => Admin::websocket(&lab.admin_ws_url(), secret),
        Via::Http => Admin::http(&lab.admin_url(), secret),
    }
}

#[tokio::test]
async fn admin_requests_round_trip_over_ws() {
    admin_requests_round_trip(Via::Ws).await;
}

#[tokio::test]
async fn admin_requests_round_trip_over_http() {
    admin_requests_round_trip(Via::Http).await;
}

async fn admin_requests_round_trip(admin_via: Via) {
    let lab = JanusLab::builder().token_auth().start_or_panic();
    let admin = admin(&lab, admin_via, lab.admin_secret());
    let info = admin.info().await.unwrap();
    assert_eq!(info["version_string"], "1.1.2");

    // Stored tokens: add, allow, disallow, list, remove.
    let plugins = admin.add_token("tok-a", &[]).await.unwrap();
    assert!(
        plugins.iter().any(|p| p == "janus.plugin.videoroom"),
        "{plugins:?}"
    );
    assert!(admin
        .disallow_token("tok-a", &["janus.plugin.videoroom"])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        admin
            .allow_token("tok-a", &["janus.plugin.videoroom"])
            .await
            .unwrap(),
        ["janus.plugin.videoroom"]
    );
    let tokens = admin.list_tokens().await.unwrap();
    assert!(tokens.iter().any(|t| t.token == "tok-a"), "{tokens:?}");

    for via in BOTH {
        // Short keepalives: the client notices the admin-destroyed session on the next one.
        let config = crate::common::config(&lab, via)
            .with_token("tok-a")
            .with_keepalive(std::time::Duration::from_secs(1));
        let (session, mut events) = mailcall_janus::Session::connect(config).await.unwrap();
        let id = session.id().await.unwrap().expect("a session");
        let (handle, _he) = session.attach("janus.plugin.videoroom").await.unwrap();
        assert!(admin.list_sessions().await.unwrap().contains(&id));
        assert_eq!(admin.list_handles(id).await.unwrap(), [handle.id()]);
        let info = admin.handle_info(id, handle.id()).await.unwrap();
        assert_eq!(info["plugin"], "janus.plugin.videoroom", "{via:?}");
        assert_eq!(admin.set_session_timeout(Some(id), 120).await.unwrap(), 120);
        let dir = std::env::temp_dir();
        admin
            .start_pcap(
                id,
                handle.id(),
                &dir.to_string_lossy(),
                &format!("mc-{}.pcap", id),
                None,
            )
            .await
            .unwrap();
        admin.stop_pcap(id, handle.id()).await.unwrap();
        let _ = std::fs::remove_file(dir.join(format!("mc-{}.pcap", id)));
        admin.hangup_webrtc(id, handle.id()).await.unwrap();
        admin.detach_handle(id, handle.id()).await.unwrap();
        assert!(admin.list_handles(id).await.unwrap().is_empty());
        admin.destroy_session(id).await.unwrap();
        let gone = admin.list_handles(id).await.unwrap_err();
        assert_eq!(gone.janus_code(), Some(JanusCode::SessionNotFound));
        // The client notices the loss by itself and makes a new session.
        crate::common::wait_for(&mut events, 10, |e| {
            matches!(e, mailcall_janus::SessionEvent::SessionReplaced { .. })
        })
        .await;
        drop(session);
    }

    assert!(!admin.accept_new_sessions(false).await.unwrap());
    assert!(admin.accept_new_sessions(true).await.unwrap());
    assert_eq!(admin.set_session_timeout(None, 60).await.unwrap(), 60);
    admin.remove_token("tok-a").await.unwrap();
    assert!(!admin
        .list_tokens()
        .await
        .unwrap()
        .iter()
        .any(|t| t.token == "tok-a"));
    let wrong = self::admin(&lab, admin_via, "wrong")
        .list_sessions()
        .await
        .unwrap_err();
    assert_eq!(wrong.janus_code(), Some(JanusCode::Unauthorized));
}

#[tokio::test]
async fn admin_ws_without_the_secret_is_unauthorized() {
    let lab = JanusLab::builder().start_or_panic();
    let mut request = lab.admin_ws_url().into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "janus-admin-protocol".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let ask = json!({ "janus": "list_sessions", "transaction": "no-secret" });
    ws.send(Message::text(ask.to_string())).await.unwrap();
    let reply = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
        .await
        .expect("an answer within 5 s")
        .expect("the socket stays open")
        .unwrap();
    let reply: Value = serde_json::from_str(reply.to_text().unwrap()).unwrap();
    assert_eq!(reply["janus"], "error", "{reply}");
    assert_eq!(reply["transaction"], "no-secret", "{reply}");
    assert_eq!(reply["error"]["code"], 403, "{reply}");
}

#[tokio::test]
async fn admin_survives_a_restart_with_one_retry() {
    let mut lab = JanusLab::builder().start_or_panic();
    for via in BOTH {
        let admin = admin(&lab, via, lab.admin_secret());
        admin.list_sessions().await.unwrap();
        lab.restart().unwrap();
        // The open connection died with the old process: a transient error, retried once.
        let sessions = Backoff::default()
            .retry(|| admin.list_sessions())
            .await
            .unwrap();
        assert!(sessions.is_empty(), "{via:?}");
    }
    let _ = connect;
}
