//! Broken negotiations and broken paths end in clear errors within bounded time.

use std::time::{Duration, Instant};

use mailcall_rtc::{Error, Publisher, PublisherConfig, Subscriber};

use crate::lab;

#[tokio::test]
async fn a_garbage_answer_is_an_invalid_answer_error() -> anyhow::Result<()> {
    let ns = lab::netns();
    let config = lab::participant(ns.peer_ip(), "garbage");
    let publisher = Publisher::new(PublisherConfig::new(config, lab::samples())).await?;
    publisher.offer().await?;
    for garbage in ["", "this is not SDP", "v=0\r\nm=audio nonsense\r\n"] {
        let err = publisher
            .apply_answer(garbage)
            .await
            .expect_err("garbage accepted");
        assert!(
            matches!(err, Error::InvalidAnswer { .. }),
            "{garbage:?}: {err:?}"
        );
        assert!(err.to_string().contains("answer"), "{err}");
    }
    publisher.close().await;
    Ok(())
}

/// An answer whose candidates nobody answers any more (its peer closed) must end in
/// `failed` after the configured ICE timeouts, not hang in `checking`.
#[tokio::test]
async fn unreachable_answer_candidates_fail_in_bounded_time() -> anyhow::Result<()> {
    let ns = lab::netns();
    let mut config = lab::participant(ns.peer_ip(), "lonely");
    config.ice_disconnected_timeout = Duration::from_secs(1);
    config.ice_failed_timeout = Duration::from_secs(2);
    let publisher = Publisher::new(PublisherConfig::new(config, lab::samples())).await?;
    let offer = publisher.offer().await?;
    let (gone, answer) =
        Subscriber::from_offer(lab::participant(ns.peer_ip(), "gone"), &offer).await?;
    gone.close().await;

    let started = Instant::now();
    publisher.apply_answer(&answer).await?;
    let err = publisher
        .wait_connected(Duration::from_secs(20))
        .await
        .expect_err("connected to a closed peer");
    assert!(matches!(err, Error::ConnectionFailed { .. }), "{err:?}");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(15), "failure took {took:?}");
    let status = publisher.status();
    assert_eq!(status.state, mailcall_rtc::ConnectionState::Failed);
    assert!(status.timings.failed.is_some() && status.timings.dtls_connected.is_none());
    println!("failed after {took:?}: {}", status.timings);

    publisher.close().await;
    Ok(())
}
