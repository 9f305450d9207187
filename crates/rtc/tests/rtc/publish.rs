//! Publishing to Janus and subscribing to the published feed.

use mailcall_rtc::{Gathering, MediaKind, Publisher, PublisherConfig, Subscriber};
use serde_json::json;

use crate::lab::{self, DEADLINE};
use crate::videoroom::{self, Handle};

/// The whole path: publisher offer (trickled candidates) -> Janus answer -> `webrtcup` ->
/// a multistream subscriber (complete gathering) receives RTP on both audio and video.
#[tokio::test]
async fn published_feed_reaches_a_subscriber_on_audio_and_video() -> anyhow::Result<()> {
    let lab = lab::janus();
    let mut pub_handle = Handle::attach(&lab.http_url()).await?;
    let room = videoroom::create_room(&pub_handle, lab.admin_key(), json!({})).await?;
    let feed = videoroom::join_publisher(&mut pub_handle, room, "alice").await?;

    let mut config = lab::participant(lab.peer_ip(), "alice");
    config.gathering = Gathering::Trickle;
    let publisher = Publisher::new(PublisherConfig::new(config, lab::samples())).await?;
    let trickle = publisher.trickle().expect("first trickle call");
    let offer = publisher.offer().await?;
    let answer = videoroom::publish(&mut pub_handle, &offer).await?;
    publisher.apply_answer(&answer).await?;
    let sent = pub_handle.trickle_all(trickle).await?;
    assert!(sent >= 1, "no local candidate was trickled");
    pub_handle
        .wait(DEADLINE, "webrtcup", |e| e["janus"] == "webrtcup")
        .await?;
    let timings = publisher.wait_connected(DEADLINE).await?;
    assert!(timings.ice_connected.is_some() && timings.dtls_connected.is_some());

    let mut sub_handle = Handle::attach(&lab.http_url()).await?;
    let offer = videoroom::subscribe(&mut sub_handle, room, feed).await?;
    let config = lab::participant(lab.peer_ip(), "bob");
    let (subscriber, answer) = Subscriber::from_offer(config, &offer).await?;
    let addresses = lab::candidate_addresses(&answer);
    assert!(
        !addresses.is_empty(),
        "no candidates in the answer:\n{answer}"
    );
    assert!(
        addresses.iter().all(|a| *a == lab.peer_ip().to_string()),
        "{addresses:?}"
    );
    videoroom::start(&mut sub_handle, &answer).await?;
    subscriber.wait_connected(DEADLINE).await?;
    let received = subscriber
        .wait_for_media(&[MediaKind::Audio, MediaKind::Video], 10, DEADLINE)
        .await?;
    println!("subscriber:\n{received}");
    assert!(received.packets(MediaKind::Audio) >= 10);
    assert!(received.packets(MediaKind::Video) >= 10);
    for stream in &received.streams {
        assert!(stream.mid.is_some(), "stream without a mid: {stream:?}");
        assert!(stream.first_rtp.is_some() && stream.payload_bytes > 0);
    }

    let sent = publisher.stats().await?;
    println!("publisher:\n{sent}");
    assert!(
        sent.audio_level_negotiated,
        "Janus did not accept ssrc-audio-level"
    );
    assert!(sent.audio_packets > 0 && sent.video_frames > 0);

    subscriber.close().await;
    publisher.close().await;
    Ok(())
}

/// Every address a participant offers is the one it was told to bind: no other interface
/// of the machine leaks into the SDP.
#[tokio::test]
async fn offers_carry_only_the_bound_address() -> anyhow::Result<()> {
    let ns = lab::netns();
    let config = lab::participant(ns.peer_ip(), "alone");
    let publisher = Publisher::new(PublisherConfig::new(config, lab::samples())).await?;
    let offer = publisher.offer().await?;
    let addresses = lab::candidate_addresses(&offer);
    assert!(!addresses.is_empty(), "no candidates in:\n{offer}");
    assert!(
        addresses.iter().all(|a| *a == ns.peer_ip().to_string()),
        "{addresses:?}"
    );
    assert!(offer.contains("urn:ietf:params:rtp-hdrext:ssrc-audio-level"));
    publisher.close().await;
    Ok(())
}

/// The load-test shape: one published feed, twenty subscribers in this process, each on its
/// own Janus handle, all receiving audio and video.
#[tokio::test]
async fn one_feed_reaches_twenty_subscribers() -> anyhow::Result<()> {
    const SUBSCRIBERS: usize = 20;
    let lab = lab::janus();
    let mut pub_handle = Handle::attach(&lab.http_url()).await?;
    let room = videoroom::create_room(&pub_handle, lab.admin_key(), json!({})).await?;
    let feed = videoroom::join_publisher(&mut pub_handle, room, "speaker").await?;
    let config = lab::participant(lab.peer_ip(), "speaker");
    let publisher = Publisher::new(PublisherConfig::new(config, lab::samples())).await?;
    let answer = videoroom::publish(&mut pub_handle, &publisher.offer().await?).await?;
    publisher.apply_answer(&answer).await?;
    publisher.wait_connected(DEADLINE).await?;

    let (url, ip) = (lab.http_url(), lab.peer_ip());
    let subscribers = (0..SUBSCRIBERS).map(|i| {
        let url = url.clone();
        async move {
            let mut handle = Handle::attach(&url).await?;
            let offer = videoroom::subscribe(&mut handle, room, feed).await?;
            let config = lab::participant(ip, &format!("attendee-{i}"));
            let (subscriber, answer) = Subscriber::from_offer(config, &offer).await?;
            videoroom::start(&mut handle, &answer).await?;
            let stats = subscriber
                .wait_for_media(&[MediaKind::Audio, MediaKind::Video], 5, DEADLINE)
                .await?;
            subscriber.close().await;
            anyhow::Ok(stats)
        }
    });
    let mut connected = Vec::new();
    for stats in lab::concurrently(subscribers).await {
        let stats = stats?;
        connected.push(stats.timings.dtls_connected.unwrap_or_default());
    }
    connected.sort();
    println!(
        "{SUBSCRIBERS} subscribers: DTLS connected median {:?}, max {:?}",
        connected[SUBSCRIBERS / 2],
        connected[SUBSCRIBERS - 1]
    );
    publisher.close().await;
    Ok(())
}
