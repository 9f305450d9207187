//! A publisher and a subscriber connected to each other without Janus, over the veth pair.

use mailcall_rtc::{MediaKind, Publisher, PublisherConfig, Subscriber};

use crate::lab::{self, DEADLINE};

#[tokio::test]
async fn publisher_to_subscriber_without_janus() -> anyhow::Result<()> {
    let ns = lab::netns();
    let config = lab::participant(ns.peer_ip(), "sender");
    let publisher = Publisher::new(PublisherConfig::new(config, lab::samples())).await?;
    let offer = publisher.offer().await?;
    let (subscriber, answer) =
        Subscriber::from_offer(lab::participant(ns.peer_ip(), "receiver"), &offer).await?;
    publisher.apply_answer(&answer).await?;
    publisher.wait_connected(DEADLINE).await?;
    let received = subscriber
        .wait_for_media(&[MediaKind::Audio, MediaKind::Video], 10, DEADLINE)
        .await?;
    println!("{received}");
    let audio = received
        .streams
        .iter()
        .find(|s| s.kind == MediaKind::Audio)
        .expect("audio stream");
    assert_eq!(audio.mid.as_deref(), Some("0"), "{received:?}");

    subscriber.close().await;
    publisher.close().await;
    Ok(())
}

/// Many participants share one parsed sample set; a handful connect concurrently.
#[tokio::test]
async fn several_pairs_run_in_one_process() -> anyhow::Result<()> {
    let ns = lab::netns();
    let pairs = (0..4).map(|i| {
        let ip = ns.peer_ip();
        async move {
            let config = lab::participant(ip, &format!("p{i}"));
            let publisher = Publisher::new(PublisherConfig::new(config, lab::samples())).await?;
            let offer = publisher.offer().await?;
            let (subscriber, answer) =
                Subscriber::from_offer(lab::participant(ip, &format!("s{i}")), &offer).await?;
            publisher.apply_answer(&answer).await?;
            let stats = subscriber
                .wait_for_media(&[MediaKind::Audio, MediaKind::Video], 5, DEADLINE)
                .await?;
            subscriber.close().await;
            publisher.close().await;
            anyhow::Ok(stats)
        }
    });
    for stats in lab::concurrently(pairs).await {
        let stats = stats?;
        assert!(stats.timings.dtls_connected.is_some(), "{stats}");
    }
    Ok(())
}
