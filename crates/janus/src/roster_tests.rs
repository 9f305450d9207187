use super::*;
use crate::videoroom::{Participant, PublisherInfo};

const ROOM: RoomId = RoomId(1);

fn participants(ids: &[(u64, &str, bool)]) -> Participants {
    Participants {
        room: ROOM,
        participants: ids
            .iter()
            .map(|&(id, name, publisher)| Participant {
                id: FeedId(id),
                display: Some(name.into()),
                publisher,
                talking: None,
            })
            .collect(),
    }
}

#[test]
fn reset_then_events_coalesce_into_one_delta() {
    let mut roster = Roster::new(ROOM);
    roster.reset(&participants(&[(1, "bob", false), (2, "Ann", true)]));
    assert_eq!(roster.take_delta().joined, vec![FeedId(1), FeedId(2)]);

    let publisher = PublisherInfo {
        id: FeedId(3),
        display: Some("Cy".into()),
        dummy: false,
        streams: vec![],
        talking: None,
    };
    roster.apply(&VideoRoomEvent::Publishers {
        room: ROOM,
        publishers: vec![publisher],
    });
    roster.apply(&VideoRoomEvent::Leaving {
        room: ROOM,
        feed: FeedId(3),
    });
    roster.apply(&VideoRoomEvent::Unpublished {
        room: ROOM,
        feed: FeedId(2),
    });
    roster.apply(&VideoRoomEvent::Unpublished {
        room: ROOM,
        feed: FeedId(2),
    });
    roster.apply(&VideoRoomEvent::Leaving {
        room: ROOM,
        feed: FeedId(1),
    });
    let delta = roster.take_delta();
    // 3 came and went within the batch: nobody needs to hear about it.
    assert_eq!(
        delta,
        RosterDelta {
            joined: vec![],
            left: vec![FeedId(1)],
            updated: vec![FeedId(2)]
        }
    );
    assert!(!roster.get(FeedId(2)).expect("Ann").publisher);
    assert!(roster.take_delta().is_empty());
}

#[test]
fn duplicate_events_change_nothing_the_second_time() {
    let mut roster = Roster::new(ROOM);
    roster.reset(&participants(&[(2, "Ann", true)]));
    roster.take_delta();
    roster.apply(&VideoRoomEvent::Unpublished {
        room: ROOM,
        feed: FeedId(2),
    });
    roster.take_delta();
    roster.apply(&VideoRoomEvent::Unpublished {
        room: ROOM,
        feed: FeedId(2),
    });
    roster.apply(&VideoRoomEvent::Leaving {
        room: ROOM,
        feed: FeedId(9),
    });
    roster.apply(&VideoRoomEvent::Leaving {
        room: RoomId(2),
        feed: FeedId(2),
    });
    assert!(roster.take_delta().is_empty());
    assert_eq!(roster.len(), 1);
}

#[test]
fn talking_is_tracked_and_pages_sort_by_name() {
    let mut roster = Roster::new(ROOM);
    roster.reset(&participants(&[
        (1, "bob", true),
        (2, "Ann", true),
        (3, "carl", false),
    ]));
    roster.take_delta();
    roster.apply(&VideoRoomEvent::Talking {
        room: ROOM,
        feed: FeedId(1),
        mid: None,
        level: None,
    });
    roster.apply(&VideoRoomEvent::Talking {
        room: ROOM,
        feed: FeedId(1),
        mid: None,
        level: None,
    });
    assert_eq!(roster.take_delta().updated, vec![FeedId(1)]);
    assert!(roster.get(FeedId(1)).expect("bob").talking);
    let names: Vec<_> = roster
        .page(0, 2)
        .iter()
        .map(|m| m.display.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["Ann", "bob"]);
    assert_eq!(roster.page(2, 10).len(), 1);
    assert_eq!(roster.publishers(), vec![FeedId(1), FeedId(2)]);
}
