//! Publishing, subscribing, and moving a video slot with `switch`: by pinning, and by the
//! `talking` events of a headless publisher.

use mailcall_call::{CallEvent, Leg, Role};
use mailcall_rtc::{AudioLevel, MediaKind};

use crate::lab::{self, DEADLINE};

fn video_packets(stats: &mailcall_rtc::SubscriberStats) -> u64 {
    stats.packets(MediaKind::Video)
}

#[tokio::test]
async fn published_media_reaches_the_attendee_and_switch_moves_a_slot_without_renegotiation() {
    let lab = lab::janus();
    let room = lab::create_room(&lab).await;
    let mut a = lab::join(&lab, room, Role::Speaker, "speaker-a", 1).await;
    lab::wait_for(&mut a.events, "webrtcup of A", |e| {
        *e == CallEvent::WebrtcUp {
            leg: Leg::Publisher,
        }
    })
    .await;
    let attendee = lab::join(&lab, room, Role::Attendee, "attendee", 1).await;
    let stats = attendee
        .media
        .wait_for_media(&[MediaKind::Audio, MediaKind::Video], 20, DEADLINE)
        .await
        .unwrap();
    assert!(video_packets(&stats) >= 20, "{stats}");
    let feed_a = a.call.status().await.unwrap().feed.unwrap();
    assert_eq!(
        attendee.call.status().await.unwrap().slots,
        vec![Some(feed_a)]
    );

    let mut b = lab::join(&lab, room, Role::Speaker, "speaker-b", 1).await;
    lab::wait_for(&mut b.events, "webrtcup of B", |e| {
        *e == CallEvent::WebrtcUp {
            leg: Leg::Publisher,
        }
    })
    .await;
    let feed_b = b.call.status().await.unwrap().feed.unwrap();
    // B's audio joins the subscription (one renegotiation); the slot stays on A.
    let mut attendee = attendee;
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let status = attendee.call.status().await.unwrap();
        if status.publishers.contains(&feed_b) && status.renegotiations >= 2 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let before = attendee.call.status().await.unwrap();
    assert_eq!(before.slots, vec![Some(feed_a)]);

    attendee.call.pin(vec![feed_b]).await.unwrap();
    lab::wait_for(&mut attendee.events, "the slot on B", |e| {
        *e == CallEvent::Slots {
            slots: vec![Some(feed_b)],
        }
    })
    .await;
    let after = attendee.call.status().await.unwrap();
    assert_eq!(
        after.renegotiations, before.renegotiations,
        "switch renegotiated"
    );
    assert!(after.switches > before.switches);

    // With A gone, video on the slot keeps flowing only if it really comes from B.
    a.call.leave().await.unwrap();
    let counted = video_packets(&attendee.media.stats().await);
    attendee
        .media
        .wait_for_media(&[MediaKind::Video], counted + 60, DEADLINE)
        .await
        .unwrap();

    attendee.call.leave().await.unwrap();
    b.call.leave().await.unwrap();
}

#[tokio::test]
async fn talking_publisher_takes_the_attendees_slot() {
    let lab = lab::janus();
    let room = lab::create_room(&lab).await;
    let mut a = lab::join(&lab, room, Role::Speaker, "quiet", 1).await;
    lab::wait_for(&mut a.events, "webrtcup of A", |e| {
        *e == CallEvent::WebrtcUp {
            leg: Leg::Publisher,
        }
    })
    .await;
    let mut attendee = lab::join(&lab, room, Role::Attendee, "attendee", 1).await;
    let feed_a = a.call.status().await.unwrap().feed.unwrap();
    lab::wait_for(&mut attendee.events, "the slot on A", |e| {
        *e == CallEvent::Slots {
            slots: vec![Some(feed_a)],
        }
    })
    .await;

    let mut b = lab::join(&lab, room, Role::Speaker, "talker", 1).await;
    lab::wait_for(&mut b.events, "webrtcup of B", |e| {
        *e == CallEvent::WebrtcUp {
            leg: Leg::Publisher,
        }
    })
    .await;
    let feed_b = b.call.status().await.unwrap().feed.unwrap();
    b.media.set_audio_level(AudioLevel::LOUD).await;

    lab::wait_for(
        &mut attendee.events,
        "talking of B",
        |e| matches!(e, CallEvent::Talking { feed, talking: true, .. } if *feed == feed_b),
    )
    .await;
    lab::wait_for(&mut attendee.events, "the slot on B", |e| {
        *e == CallEvent::Slots {
            slots: vec![Some(feed_b)],
        }
    })
    .await;
    let status = attendee.call.status().await.unwrap();
    assert!(status.switches >= 1, "{status:?}");

    for call in [attendee.call, a.call, b.call] {
        call.leave().await.unwrap();
    }
}
