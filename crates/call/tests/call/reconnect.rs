//! Janus killed and restarted mid-call: the controllers make a new session, rejoin (the room
//! is recreated from the configuration, as the restart loses it) and resubscribe by
//! themselves, and RTP flows again.

use mailcall_call::{CallEvent, Leg, Role};
use mailcall_rtc::MediaKind;

use crate::lab::{self, DEADLINE};

#[tokio::test]
async fn attendee_rejoins_and_resubscribes_after_janus_restarts() {
    let mut lab = lab::janus();
    let room = lab::create_room(&lab).await;
    let mut speaker = lab::join(&lab, room, Role::Speaker, "speaker", 1).await;
    lab::wait_for(&mut speaker.events, "webrtcup", |e| {
        *e == CallEvent::WebrtcUp {
            leg: Leg::Publisher,
        }
    })
    .await;
    let mut attendee = lab::join(&lab, room, Role::Attendee, "attendee", 1).await;
    let kinds = [MediaKind::Audio, MediaKind::Video];
    attendee
        .media
        .wait_for_media(&kinds, 20, DEADLINE)
        .await
        .unwrap();
    let before = attendee.call.status().await.unwrap();

    lab.kill();
    lab.restart().expect("restart");

    lab::wait_for(&mut attendee.events, "reconnecting", |e| {
        matches!(e, CallEvent::Reconnecting { .. })
    })
    .await;
    lab::wait_for(&mut attendee.events, "joined again", |e| {
        matches!(e, CallEvent::Joined { .. })
    })
    .await;
    lab::wait_for(&mut speaker.events, "speaker joined again", |e| {
        matches!(e, CallEvent::Joined { .. })
    })
    .await;
    // A new subscription (the old one died with the server) with media from the new feed.
    let stats = attendee
        .media
        .wait_for_media(&kinds, 20, DEADLINE)
        .await
        .unwrap();
    assert!(stats.packets(MediaKind::Video) >= 20, "{stats}");
    let after = attendee.call.status().await.unwrap();
    assert_eq!(after.rejoins, 1, "{after:?}");
    assert_ne!(after.session, before.session);
    let speaker_feed = speaker.call.status().await.unwrap().feed;
    assert_eq!(after.slots, vec![speaker_feed]);

    attendee.call.leave().await.unwrap();
    speaker.call.leave().await.unwrap();
}
