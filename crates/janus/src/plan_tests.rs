use super::*;

fn f(ids: &[u64]) -> Vec<FeedId> {
    ids.iter().map(|&i| FeedId(i)).collect()
}

fn slot(sub_mid: &str, feed: Option<u64>, active: bool, tile: Tile) -> SlotState {
    SlotState {
        sub_mid: sub_mid.into(),
        source: feed.map(|id| (FeedId(id), "v".into())),
        active,
        layer: layer_for(tile),
    }
}

fn target(feed: Option<u64>, tile: Tile) -> SlotTarget {
    SlotTarget {
        source: feed.map(|id| (FeedId(id), "v".into())),
        tile,
    }
}

#[test]
fn pinned_then_speakers_then_page_then_join_order() {
    let publishers = f(&[1, 2, 3, 4, 5, 6]);
    let inputs = SlotInputs {
        publishers: &publishers,
        speakers: &f(&[5, 9]),
        pinned: &f(&[4]),
        page: &f(&[2, 3]),
        me: Some(FeedId(1)),
        slots: 4,
    };
    // 9 is not publishing; 1 is me.
    assert_eq!(choose_feeds(&inputs), f(&[4, 5, 2, 3]));
    let fewer = SlotInputs {
        slots: 2,
        ..inputs.clone()
    };
    assert_eq!(choose_feeds(&fewer), f(&[4, 5]));
    let empty = SlotInputs {
        publishers: &[],
        ..inputs
    };
    assert!(choose_feeds(&empty).is_empty());
}

#[test]
fn speakers_rank_talking_now_before_recent() {
    let mut s = ActiveSpeakers::default();
    s.talking(FeedId(1));
    s.talking(FeedId(2));
    s.stopped(FeedId(2));
    s.talking(FeedId(3));
    assert_eq!(s.ranked(), f(&[3, 1, 2]));
    s.left(FeedId(1));
    assert_eq!(s.ranked(), f(&[3, 2]));
}

#[test]
fn feeds_that_stay_keep_their_slot() {
    let current = [Some(FeedId(1)), Some(FeedId(2)), Some(FeedId(3))];
    let out = assign_slots(&current, &f(&[3, 9, 1]), 3);
    assert_eq!(out, vec![Some(FeedId(1)), Some(FeedId(9)), Some(FeedId(3))]);
    let out = assign_slots(&[], &f(&[7]), 2);
    assert_eq!(out, vec![Some(FeedId(7)), None]);
}

#[test]
fn layers_follow_tile_size() {
    assert_eq!(
        layer_for(Tile::Main),
        Layer {
            send: true,
            substream: Some(2)
        }
    );
    assert_eq!(
        layer_for(Tile::Grid),
        Layer {
            send: true,
            substream: Some(0)
        }
    );
    assert_eq!(
        layer_for(Tile::Hidden),
        Layer {
            send: false,
            substream: None
        }
    );
}

#[test]
fn a_new_speaker_is_a_switch_without_renegotiation() {
    let current = [
        slot("v0", Some(1), true, Tile::Main),
        slot("v1", Some(2), true, Tile::Grid),
    ];
    let desired = [target(Some(3), Tile::Main), target(Some(2), Tile::Grid)];
    let plan = plan_subscription(&current, &desired);
    assert_eq!(
        plan.switch,
        vec![SwitchStream {
            feed: FeedId(3),
            mid: "v".into(),
            sub_mid: "v0".into()
        }]
    );
    assert!(plan.configure.is_empty());
    assert!(!plan.renegotiates());
}

#[test]
fn tile_changes_only_reconfigure_layers() {
    let current = [
        slot("v0", Some(1), true, Tile::Main),
        slot("v1", Some(2), true, Tile::Grid),
    ];
    let desired = [target(Some(1), Tile::Grid), target(Some(2), Tile::Hidden)];
    let plan = plan_subscription(&current, &desired);
    assert!(plan.switch.is_empty());
    assert_eq!(plan.configure.len(), 2);
    assert_eq!(plan.configure[0].substream, Some(0));
    assert_eq!(plan.configure[1].send, Some(false));
}

#[test]
fn unchanged_is_empty() {
    let current = [slot("v0", Some(1), true, Tile::Main)];
    assert!(plan_subscription(&current, &[target(Some(1), Tile::Main)]).is_empty());
}

#[test]
fn inactive_lines_and_new_slots_need_an_update() {
    let current = [slot("v0", None, false, Tile::Grid)];
    let desired = [target(Some(4), Tile::Grid), target(Some(5), Tile::Main)];
    let plan = plan_subscription(&current, &desired);
    assert!(plan.renegotiates());
    assert_eq!(
        plan.unsubscribe,
        vec![UnsubscribeStream {
            sub_mid: Some("v0".into()),
            ..Default::default()
        }]
    );
    assert_eq!(plan.subscribe.len(), 2);
    assert_eq!(plan.subscribe[1].substream, Some(2));
    assert!(plan.switch.is_empty());
}

#[test]
fn empty_and_surplus_slots_are_muted_not_removed() {
    let current = [
        slot("v0", Some(1), true, Tile::Grid),
        slot("v1", Some(2), true, Tile::Grid),
        slot("v2", Some(3), true, Tile::Grid),
    ];
    let desired = [target(Some(1), Tile::Grid), target(None, Tile::Grid)];
    let plan = plan_subscription(&current, &desired);
    assert!(!plan.renegotiates());
    let muted: Vec<_> = plan
        .configure
        .iter()
        .map(|c| (c.mid.as_str(), c.send))
        .collect();
    assert_eq!(muted, vec![("v1", Some(false)), ("v2", Some(false))]);
}

#[test]
fn audio_follows_publishers_except_me() {
    let current = [(FeedId(1), "a0".to_string()), (FeedId(2), "a1".to_string())];
    let publishers = [
        (FeedId(2), "0".to_string()),
        (FeedId(3), "0".to_string()),
        (FeedId(7), "0".to_string()),
    ];
    let (add, drop) = plan_audio(&current, &publishers, Some(FeedId(7)));
    assert_eq!(add.iter().map(|s| s.feed).collect::<Vec<_>>(), f(&[3]));
    assert_eq!(
        drop,
        vec![UnsubscribeStream {
            sub_mid: Some("a0".into()),
            ..Default::default()
        }]
    );
}
