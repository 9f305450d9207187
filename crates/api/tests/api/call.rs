//! Calls through the app layer against a real Janus 1.1.2 in a network namespace: two
//! headless speakers publish the built-in VP8/Opus samples, the app joins as an attendee,
//! and the test checks what the window would see: typed updates, per-stream statistics
//! whose frames grow, the roster and its search, pinning, hidden tiles, and leaving (also in
//! the middle of a rejoin after Janus was killed).

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use mailcall_api::{
    Api, ApiOptions, CallEnd, CallOptions, CallProfile, CallUpdate, CallView, JoinForm,
    LiveOptions, MediaType, StreamStats, TileSize, TokenSource,
};
use mailcall_call::{Call, CallConfig, CallEvent, HeadlessConfig, HeadlessMedia, Leg, Role};
use mailcall_janus::videoroom::{CreateRoom, Rooms};
use mailcall_janus::{RoomId, Session, SessionConfig};
use mailcall_mail::Keyring;
use mailcall_rtc::{AudioLevel, MediaSamples};
use mailcall_testkit::janus::JanusLab;
use tokio::sync::broadcast;

/// Generous: two cores shared with parallel builds.
const DEADLINE: Duration = Duration::from_secs(30);

fn samples() -> Arc<MediaSamples> {
    static SAMPLES: OnceLock<Arc<MediaSamples>> = OnceLock::new();
    Arc::clone(SAMPLES.get_or_init(|| Arc::new(MediaSamples::builtin().expect("samples"))))
}

/// A room whose `talking` is decided every half second.
async fn create_room(lab: &JanusLab) -> RoomId {
    let room = RoomId(rand::random::<u64>() >> 12);
    let (session, _events) = Session::connect(SessionConfig::url(&lab.http_url()).unwrap())
        .await
        .unwrap();
    let (handle, _) = session
        .attach(mailcall_janus::videoroom::PLUGIN)
        .await
        .unwrap();
    let create = CreateRoom {
        room: Some(room),
        admin_key: Some(lab.admin_key().to_owned()),
        publishers: Some(20),
        audiolevel_event: Some(true),
        audio_active_packets: Some(25),
        audio_level_average: Some(25),
        ..Default::default()
    };
    Rooms::new(handle).create(create).await.unwrap();
    let _ = session.close().await;
    room
}

struct Speaker {
    call: Call,
    media: Arc<HeadlessMedia>,
    feed: String,
}

async fn speaker(lab: &JanusLab, room: RoomId, name: &str) -> Speaker {
    let mut config = CallConfig::new(vec![lab.ws_url()], room, Role::Speaker);
    config.display = Some(name.to_owned());
    let mut media = HeadlessConfig::new(lab.peer_ip().into(), samples());
    media.label = name.to_owned();
    let media = HeadlessMedia::new(media);
    let (call, mut events) = Call::start(config, media.clone()).await.unwrap();
    let up = tokio::time::timeout(DEADLINE, async {
        while let Some(e) = events.recv().await {
            if e == (CallEvent::WebrtcUp {
                leg: Leg::Publisher,
            }) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(up, Ok(true), "{name} never published");
    let feed = call.status().await.unwrap().feed.unwrap().0.to_string();
    Speaker { call, media, feed }
}

/// The app layer with its settings in `dir`, media bound to the lab's veth.
async fn api(lab: &JanusLab, dir: &std::path::Path, slots: u32) -> Api {
    let opts = ApiOptions {
        config_path: dir.join("config.toml"),
        keyring: Keyring::new(&format!("mailcall-api-call-{}", std::process::id())),
        live: LiveOptions::default(),
        calls: CallOptions {
            bind_ip: Some(lab.peer_ip().into()),
            ..CallOptions::default()
        },
        cache_dir: Some(dir.join("caches")),
    };
    let api = Api::load(opts).await.expect("api loads");
    let profiles = api
        .save_call_profile(CallProfile {
            name: "lab".to_owned(),
            servers: vec![lab.ws_url()],
            token: TokenSource::None,
            slots,
        })
        .await
        .unwrap();
    assert_eq!(profiles.len(), 1);
    api
}

fn form(room: RoomId) -> JoinForm {
    JoinForm {
        profile: "lab".to_owned(),
        room: room.0.to_string(),
        display: "Attendee".to_owned(),
        token: None,
    }
}

/// The next update matching `pred`, failing after [`DEADLINE`].
async fn wait_for<T>(
    updates: &mut broadcast::Receiver<CallUpdate>,
    what: &str,
    mut pred: impl FnMut(&CallUpdate) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let update = tokio::time::timeout_at(deadline, updates.recv())
            .await
            .unwrap_or_else(|_| panic!("no {what} within {DEADLINE:?}"))
            .expect("updates keep coming");
        if let Some(found) = pred(&update) {
            return found;
        }
    }
}

fn video_of<'a>(streams: &'a [StreamStats], feed: &str) -> Option<&'a StreamStats> {
    streams
        .iter()
        .find(|s| s.kind == MediaType::Video && s.feed.as_deref() == Some(feed))
}

#[tokio::test]
async fn the_app_joins_sees_both_speakers_media_reads_the_roster_pins_and_leaves() {
    let lab = JanusLab::builder().start_or_panic();
    let room = create_room(&lab).await;
    let ada = speaker(&lab, room, "Ada Lovelace").await;
    let bob = speaker(&lab, room, "Bob Dylan").await;
    let dir = tempfile::tempdir().unwrap();
    let api = api(&lab, dir.path(), 2).await;
    let mut updates = api.call_updates();

    let info = api.join_call(form(room)).await.unwrap();
    assert_eq!(info.room, room.0.to_string());
    wait_for(&mut updates, "joined", |u| {
        matches!(u, CallUpdate::Joined { feed, .. } if *feed == info.feed).then_some(())
    })
    .await;
    let slots = wait_for(&mut updates, "both speakers in the tiles", |u| match u {
        CallUpdate::Slots { slots, .. } if slots.iter().flatten().count() == 2 => {
            Some(slots.clone())
        }
        _ => None,
    })
    .await;
    assert!(slots.contains(&Some(ada.feed.clone())), "{slots:?}");
    assert!(slots.contains(&Some(bob.feed.clone())), "{slots:?}");

    // Statistics about once a second, whose packets and frames grow for both feeds.
    let mut first: Option<(Instant, Vec<StreamStats>)> = None;
    let mut gaps = Vec::new();
    let last = wait_for(&mut updates, "frames from both speakers", |u| {
        let CallUpdate::Stats { streams } = u else {
            return None;
        };
        let now = Instant::now();
        let Some((then, before)) = &first else {
            let both =
                video_of(streams, &ada.feed).is_some() && video_of(streams, &bob.feed).is_some();
            if both {
                first = Some((now, streams.clone()));
            }
            return None;
        };
        gaps.push(now - *then);
        let grew = [&ada.feed, &bob.feed].iter().all(|feed| {
            match (video_of(before, feed), video_of(streams, feed)) {
                (Some(a), Some(b)) => {
                    b.packets > a.packets && b.frames > a.frames && b.frame_rate > 0.0
                }
                _ => false,
            }
        });
        first = Some((now, streams.clone()));
        grew.then(|| streams.clone())
    })
    .await;
    for feed in [&ada.feed, &bob.feed] {
        let s = video_of(&last, feed).unwrap();
        assert!(s.key_frames >= 1 && s.bitrate > 0.0, "{s:?}");
        assert!(s.display.is_some(), "{s:?}");
    }
    assert!(
        gaps.iter().all(|g| *g < Duration::from_millis(1500)),
        "statistics not once a second: {gaps:?}"
    );

    // Talking: Ada gets loud.
    ada.media.set_audio_level(AudioLevel::LOUD).await;
    wait_for(&mut updates, "Ada talking", |u| match u {
        CallUpdate::Talking {
            feed,
            talking: true,
            ..
        }
        | CallUpdate::ActiveSpeaker { feed }
            if *feed == ada.feed =>
        {
            Some(())
        }
        _ => None,
    })
    .await;

    // The roster and its search.
    let page = api.call_roster(0, 10).await.unwrap();
    assert_eq!(page.total, 3, "{page:?}");
    let names: Vec<_> = page
        .members
        .iter()
        .filter_map(|m| m.display.clone())
        .collect();
    assert_eq!(names, ["Ada Lovelace", "Attendee", "Bob Dylan"]);
    let page = api.call_roster(1, 1).await.unwrap();
    assert_eq!((page.total, page.members.len()), (3, 1));
    assert_eq!(page.members[0].display.as_deref(), Some("Attendee"));
    let found = api.search_roster("dyl".to_owned(), 0, 10).await.unwrap();
    assert_eq!(found.total, 1, "{found:?}");
    assert_eq!(found.members[0].id, bob.feed);
    assert!(found.members[0].publisher);

    // Pinning the feed in the second tile moves it to the main tile.
    let other = slots[1].clone().unwrap();
    api.pin_feeds(vec![other.clone()]).await.unwrap();
    wait_for(
        &mut updates,
        "the pinned feed in the main tile",
        |u| match u {
            CallUpdate::Slots { slots, .. } if slots.first() == Some(&Some(other.clone())) => {
                Some(())
            }
            _ => None,
        },
    )
    .await;

    // A hidden tile stops receiving; the main one keeps going.
    api.set_call_view(CallView {
        tiles: vec![TileSize::Main, TileSize::Hidden],
        page: Vec::new(),
    })
    .await
    .unwrap();
    let hidden_feed = if other == ada.feed {
        &bob.feed
    } else {
        &ada.feed
    };
    let mut quiet = 0;
    wait_for(&mut updates, "the hidden tile to stop", |u| {
        let CallUpdate::Stats { streams } = u else {
            return None;
        };
        let hidden = video_of(streams, hidden_feed)?;
        let main = video_of(streams, &other)?;
        quiet = if hidden.frame_rate == 0.0 && main.frame_rate > 0.0 {
            quiet + 1
        } else {
            0
        };
        (quiet >= 2).then_some(())
    })
    .await;

    let started = Instant::now();
    api.leave_call().await.unwrap();
    wait_for(&mut updates, "ended", |u| {
        matches!(
            u,
            CallUpdate::Ended {
                reason: CallEnd::Left
            }
        )
        .then_some(())
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(api.call_roster(0, 10).await.is_err(), "the call is gone");
    ada.call.leave().await.unwrap();
    bob.call.leave().await.unwrap();
}

#[tokio::test]
async fn leaving_while_rejoining_after_janus_was_killed_ends_within_a_second() {
    let mut lab = JanusLab::builder().start_or_panic();
    let room = create_room(&lab).await;
    let dir = tempfile::tempdir().unwrap();
    let api = api(&lab, dir.path(), 1).await;
    let mut updates = api.call_updates();
    api.join_call(form(room)).await.unwrap();
    wait_for(&mut updates, "joined", |u| {
        matches!(u, CallUpdate::Joined { .. }).then_some(())
    })
    .await;

    // The restarted Janus has neither the session nor the room: the call keeps rejoining.
    lab.kill();
    lab.restart().expect("restart");
    wait_for(&mut updates, "reconnecting", |u| {
        matches!(u, CallUpdate::Reconnecting { .. }).then_some(())
    })
    .await;

    let started = Instant::now();
    api.leave_call().await.unwrap();
    let left = started.elapsed();
    let deadline = started + Duration::from_secs(1);
    let ended = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, updates.recv()).await {
            Ok(Ok(CallUpdate::Ended { reason })) => break Some(reason),
            Ok(Ok(_)) => continue,
            _ => break None,
        }
    };
    assert_eq!(ended, Some(CallEnd::Left), "no ended within 1 s of leaving");
    assert!(left < Duration::from_secs(1), "leave took {left:?}");
    // The old call is gone, so a new join is tried at once; the restarted Janus lost the
    // room, which the page sees as `not_found`.
    let again = api.join_call(form(room)).await;
    assert!(
        matches!(&again, Err(e) if e.kind() == "not_found"),
        "the restarted Janus has no such room: {again:?}"
    );
}

/// One packed frame as the page reads it: kind, key flag, RTP timestamp, mid, frame.
fn unpack(bytes: &[u8]) -> (u8, bool, u32, String, &[u8]) {
    assert!(bytes.len() >= 12, "a frame header: {bytes:?}");
    let n = usize::from(u16::from_le_bytes([bytes[2], bytes[3]]));
    let timestamp = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    let mid = String::from_utf8(bytes[12..12 + n].to_vec()).expect("a UTF-8 mid");
    (
        bytes[0],
        bytes[1] & 1 == 1,
        timestamp,
        mid,
        &bytes[12 + n..],
    )
}

#[tokio::test]
async fn the_native_engine_hands_the_page_whole_frames_named_by_the_slots_mids() {
    let lab = JanusLab::builder().start_or_panic();
    let room = create_room(&lab).await;
    let ada = speaker(&lab, room, "Ada Lovelace").await;
    let dir = tempfile::tempdir().unwrap();
    let api = api(&lab, dir.path(), 2).await;
    let mut updates = api.call_updates();
    let mut frames = api.call_media();
    api.join_call(form(room)).await.unwrap();
    let mid = wait_for(&mut updates, "Ada's slot and its mid", |u| match u {
        CallUpdate::Slots { slots, mids } => slots
            .iter()
            .position(|s| s.as_deref() == Some(ada.feed.as_str()))
            .and_then(|i| mids.get(i).cloned()),
        _ => None,
    })
    .await;

    let (mut video, mut audio, mut keys) = (Vec::new(), 0, 0);
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while video.len() < 45 || audio < 100 {
        let bytes = tokio::time::timeout_at(deadline, frames.recv())
            .await
            .unwrap_or_else(|_| panic!("{} video and {audio} audio frames", video.len()))
            .expect("frames keep coming");
        let (kind, key, timestamp, frame_mid, data) = unpack(&bytes);
        match kind {
            0 => {
                assert_eq!(frame_mid, mid, "video comes only on Ada's slot");
                // The VP8 frame tag (RFC 6386 §9.1): bit 0 is 0 on key frames, which carry
                // the start code 9d 01 2a after the 3-byte tag.
                assert_eq!(data[0] & 1 == 0, key, "the key flag matches the frame");
                if key {
                    assert_eq!(&data[3..6], &[0x9d, 0x01, 0x2a], "a whole key frame");
                    keys += 1;
                }
                assert!(keys > 0, "a key frame comes first");
                video.push(timestamp);
            }
            1 => audio += 1,
            other => panic!("unknown kind {other}"),
        }
    }
    assert!(keys >= 1, "at least one key frame");
    // Whole frames in order: each timestamp newer than the one before (no frame twice).
    assert!(
        video
            .windows(2)
            .all(|w| w[1].wrapping_sub(w[0]) < u32::MAX / 2 && w[1] != w[0]),
        "{video:?}"
    );

    api.request_key_frame(mid)
        .await
        .expect("a key frame request");
    let missing = api.request_key_frame("no-such-mid".to_owned()).await;
    assert!(
        matches!(missing, Err(mailcall_api::ApiError::NotFound { .. })),
        "{missing:?}"
    );
    api.leave_call().await.unwrap();
    ada.call.leave().await.unwrap();
}
