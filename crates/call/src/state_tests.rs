use mailcall_janus::videoroom::{PublishedStream, PublisherInfo, Subscription, SubscriptionStream};
use serde_json::json;

use super::*;

const ROOM: RoomId = RoomId(1);

fn publisher(id: u64) -> PublisherInfo {
    let stream = |kind: &str, mid: &str, mindex| PublishedStream {
        kind: kind.into(),
        mindex,
        mid: mid.into(),
        disabled: false,
        codec: None,
        description: None,
        simulcast: false,
        svc: false,
        talking: None,
        extra: Default::default(),
    };
    PublisherInfo {
        id: FeedId(id),
        display: Some(format!("p{id}")),
        dummy: false,
        streams: vec![stream("audio", "0", 0), stream("video", "1", 1)],
        talking: None,
    }
}

fn line(mindex: u32, kind: &str, feed: Option<u64>, active: bool) -> SubscriptionStream {
    let mut extra = serde_json::Map::new();
    extra.insert("active".into(), json!(active));
    SubscriptionStream {
        mindex,
        mid: mindex.to_string(),
        kind: kind.into(),
        feed_id: feed.map(FeedId),
        feed_mid: feed.map(|_| if kind == "audio" { "0" } else { "1" }.into()),
        feed_display: None,
        send: true,
        ready: true,
        extra,
    }
}

fn state_with(publishers: &[u64], slots: usize) -> CallState {
    let mut state = CallState::new(ROOM, slots);
    state.on_room_event(&VideoRoomEvent::Publishers {
        room: ROOM,
        publishers: publishers.iter().map(|id| publisher(*id)).collect(),
    });
    state
}

#[test]
fn first_plan_joins_with_slots_and_all_audio() {
    let state = state_with(&[9, 3, 5], 2);
    let plan = state.plan();
    let feeds: Vec<(u64, Option<String>)> = plan
        .initial
        .iter()
        .map(|s| (s.feed.0, s.mid.clone()))
        .collect();
    // Join order, not id order: 9 and 3 get the two slots; audio from all three.
    assert_eq!(
        feeds,
        vec![
            (9, Some("1".into())),
            (3, Some("1".into())),
            (9, Some("0".into())),
            (3, Some("0".into())),
            (5, Some("0".into())),
        ]
    );
}

#[test]
fn talking_moves_the_slot_with_a_switch_only() {
    let mut state = state_with(&[1, 2], 1);
    state.set_layout(&Subscription {
        room: ROOM,
        streams: Some(vec![
            line(0, "video", Some(1), true),
            line(1, "audio", Some(1), true),
            line(2, "audio", Some(2), true),
        ]),
        changes: None,
    });
    state.configured(&[SubscriberStream {
        mid: "0".into(),
        send: Some(true),
        substream: Some(2),
        ..Default::default()
    }]);
    assert!(state.plan().is_empty(), "{:?}", state.plan());
    let events = state.on_room_event(&VideoRoomEvent::Talking {
        room: ROOM,
        feed: FeedId(2),
        mid: None,
        level: Some(10.0),
    });
    assert!(events.contains(&CallEvent::ActiveSpeaker { feed: FeedId(2) }));
    let plan = state.plan();
    assert_eq!(plan.video.switch.len(), 1);
    assert_eq!(plan.video.switch[0].feed, FeedId(2));
    assert!(!plan.video.renegotiates() && plan.audio_add.is_empty());
}

#[test]
fn a_leaving_publisher_drops_its_audio_and_frees_its_slot() {
    let mut state = state_with(&[1, 2, 3], 2);
    state.set_layout(&Subscription {
        room: ROOM,
        streams: Some(vec![
            line(0, "video", Some(1), true),
            line(1, "video", Some(2), true),
            line(2, "audio", Some(1), true),
            line(3, "audio", Some(2), true),
            line(4, "audio", Some(3), true),
        ]),
        changes: None,
    });
    state.on_room_event(&VideoRoomEvent::Leaving {
        room: ROOM,
        feed: FeedId(2),
    });
    let plan = state.plan();
    assert_eq!(plan.audio_drop.len(), 1);
    assert_eq!(plan.video.switch.len(), 1, "{plan:?}");
    assert_eq!(plan.video.switch[0].feed, FeedId(3));
}

#[test]
fn own_feed_is_never_subscribed() {
    let mut state = state_with(&[1], 2);
    state.me = Some(FeedId(1));
    assert!(state.plan().initial.is_empty());
}

fn two_slots_on(a: u64, b: u64) -> CallState {
    let mut state = state_with(&[a, b], 2);
    state.set_layout(&Subscription {
        room: ROOM,
        streams: Some(vec![
            line(0, "video", Some(a), true),
            line(1, "video", Some(b), true),
            line(2, "audio", Some(a), true),
            line(3, "audio", Some(b), true),
        ]),
        changes: None,
    });
    state
}

#[test]
fn the_first_pinned_feed_takes_the_main_tile_with_switches_only() {
    let mut state = two_slots_on(1, 2);
    state.set_pinned(vec![FeedId(2)]);
    let plan = state.plan();
    let switched: Vec<(String, u64)> = plan
        .video
        .switch
        .iter()
        .map(|s| (s.sub_mid.clone(), s.feed.0))
        .collect();
    assert_eq!(switched, vec![("0".into(), 2), ("1".into(), 1)]);
    assert!(!plan.video.renegotiates(), "{plan:?}");
}

#[test]
fn a_hidden_tile_keeps_its_feed_and_stops_sending() {
    let mut state = two_slots_on(1, 2);
    state.set_view(View {
        tiles: vec![Tile::Main, Tile::Hidden],
        page: Vec::new(),
    });
    let plan = state.plan();
    assert!(plan.video.switch.is_empty(), "{plan:?}");
    let hidden = plan
        .video
        .configure
        .iter()
        .find(|c| c.mid == "1")
        .expect("slot 1 configured");
    assert_eq!(hidden.send, Some(false));
}

#[test]
fn sources_name_each_line_by_its_feed() {
    let state = two_slots_on(1, 2);
    let sources = state.sources();
    assert_eq!(sources.len(), 4);
    assert_eq!(sources[1].feed, Some(FeedId(2)));
    assert_eq!(sources[1].kind, "video");
    assert_eq!(sources[1].display.as_deref(), Some("p2"));
}
