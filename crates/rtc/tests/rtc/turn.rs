//! ICE through a real TURN server (coturn in the Janus lab's namespace).

use mailcall_rtc::{IcePolicy, IceServer, Publisher, PublisherConfig};
use mailcall_testkit::turn::TurnLab;
use serde_json::json;

use crate::lab::{self, DEADLINE};
use crate::videoroom::{self, Handle};

/// The `typ` of each `a=candidate` line of `sdp`.
fn candidate_types(sdp: &str) -> Vec<String> {
    sdp.lines()
        .filter(|l| l.starts_with("a=candidate:"))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            words.find(|w| *w == "typ")?;
            words.next().map(str::to_owned)
        })
        .collect()
}

/// With the `relay` policy a publisher offers only relay candidates on the TURN server and
/// still reaches `webrtcup` with Janus, so all its media goes through the relay.
#[tokio::test]
async fn relay_only_publisher_connects_to_janus_through_turn() -> anyhow::Result<()> {
    let lab = lab::janus();
    let turn = TurnLab::start_in(lab.netns())
        .unwrap_or_else(|e| panic!("the TURN lab did not start: {e:#}"));

    let mut handle = Handle::attach(&lab.http_url()).await?;
    let room = videoroom::create_room(&handle, lab.admin_key(), json!({})).await?;
    videoroom::join_publisher(&mut handle, room, "relayed").await?;

    let mut config = lab::participant(lab.peer_ip(), "relayed");
    config.ice_servers = vec![IceServer::turn(
        &turn.turn_url(),
        turn.username(),
        turn.credential(),
    )];
    config.ice_policy = IcePolicy::Relay;
    let publisher = Publisher::new(PublisherConfig::new(config, lab::samples())).await?;
    let offer = publisher.offer().await?;
    let types = candidate_types(&offer);
    assert!(!types.is_empty(), "no candidates in the offer:\n{offer}");
    assert!(types.iter().all(|t| t == "relay"), "{types:?}\n{offer}");
    let addresses = lab::candidate_addresses(&offer);
    assert!(
        addresses.iter().all(|a| *a == turn.addr().ip().to_string()),
        "relay candidates not on the TURN server: {addresses:?}"
    );

    let answer = videoroom::publish(&mut handle, &offer).await?;
    publisher.apply_answer(&answer).await?;
    let up = handle
        .wait(DEADLINE, "webrtcup", |e| e["janus"] == "webrtcup")
        .await;
    let connected = publisher.wait_connected(DEADLINE).await;
    if up.is_err() || connected.is_err() {
        panic!(
            "not connected through TURN: webrtcup {up:?}, publisher {connected:?}\n\
             coturn log:\n{}\nJanus log:\n{}",
            turn.log_tail(),
            lab.log_tail()
        );
    }
    publisher.close().await;
    Ok(())
}
