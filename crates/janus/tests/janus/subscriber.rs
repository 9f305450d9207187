//! Multistream subscriber requests, participant events, room limits and room tokens against
//! the real Janus. Remote publishers stand in for active feeds (no media needed).

use std::time::Duration;

use mailcall_janus::token::{core_token, expiry_in, room_token};
use mailcall_janus::videoroom::*;
use mailcall_janus::{FeedId, Jsep, RoomId, Session, VideoRoomCode};
use mailcall_testkit::janus::JanusLab;

use crate::common::{config, connect, room_id, start, BOTH};

const SECRET: &str = "room-secret";

fn secret() -> Option<String> {
    Some(SECRET.into())
}

async fn setup(lab: &JanusLab, session: &Session, create: CreateRoom) -> (Rooms, RoomId) {
    let (handle, _events) = session.attach(PLUGIN).await.unwrap();
    let rooms = Rooms::new(handle);
    let room = rooms
        .create(CreateRoom {
            room: Some(room_id()),
            admin_key: Some(lab.admin_key().into()),
            secret: secret(),
            ..create
        })
        .await
        .unwrap()
        .room;
    (rooms, room)
}

async fn remote(rooms: &Rooms, room: RoomId, name: &str) -> FeedId {
    let stream = RemoteStream {
        kind: "audio".into(),
        mindex: 0,
        mid: "0".into(),
        codec: Some("opus".into()),
        ..Default::default()
    };
    let added = rooms
        .add_remote_publisher(AddRemotePublisher {
            room,
            id: None,
            display: Some(name.into()),
            iface: None,
            port: None,
            streams: vec![stream],
            secret: secret(),
        })
        .await
        .unwrap();
    // Its thread registers it just after the answer.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !rooms
        .list_participants(room)
        .await
        .unwrap()
        .participants
        .iter()
        .any(|p| p.id == added.id)
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "remote publisher {name} never listed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    added.id
}

/// Waits for a VideoRoom event matching `pred`.
async fn expect(
    events: &mut VideoRoomEvents,
    what: &str,
    mut pred: impl FnMut(&VideoRoomEvent) -> bool,
) -> VideoRoomEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let next = tokio::time::timeout_at(deadline, events.recv()).await;
        match next {
            Err(_) => panic!("no {what} event within 5 s"),
            Ok(None) => panic!("event stream ended before {what}"),
            Ok(Some(RoomEvent::VideoRoom { event, .. })) if pred(&event) => return event,
            Ok(Some(_)) => continue,
        }
    }
}

#[tokio::test]
async fn subscriber_requests_round_trip_over_both_transports() {
    let Some(lab) = start(JanusLab::builder()) else {
        return;
    };
    for via in BOTH {
        let (session, _e) = connect(&lab, via).await;
        let (rooms, room) = setup(&lab, &session, CreateRoom::default()).await;
        let (lurker, _le) = Publisher::attach(&session).await.unwrap();
        let idle = lurker
            .join(JoinPublisher {
                room,
                ..Default::default()
            })
            .await
            .unwrap()
            .id;
        let (subscriber, _se) = Subscriber::attach(&session).await.unwrap();
        let stream = |feed| SubscribeStream {
            feed,
            ..Default::default()
        };
        // Error 428 also while a feed is joined but not publishing.
        let inactive = subscriber
            .join(JoinSubscriber {
                room,
                streams: vec![stream(idle)],
                ..Default::default()
            })
            .await;
        assert_eq!(
            inactive.unwrap_err().videoroom_code(),
            Some(VideoRoomCode::NoSuchFeed),
            "{via:?}"
        );

        let (a, b) = (
            remote(&rooms, room, "a").await,
            remote(&rooms, room, "b").await,
        );
        let (layout, offer) = subscriber
            .join(JoinSubscriber {
                room,
                streams: vec![stream(a)],
                ..Default::default()
            })
            .await
            .unwrap();
        let offer = offer.expect("Janus offers the subscription");
        assert_eq!(offer.kind, mailcall_janus::SdpType::Offer);
        let streams = layout.streams.expect("a layout");
        assert_eq!(streams[0].feed_id, Some(a));
        let sub_mid = streams[0].mid.clone();

        let switched = subscriber
            .switch(vec![SwitchStream {
                feed: b,
                mid: "0".into(),
                sub_mid: sub_mid.clone(),
            }])
            .await
            .unwrap();
        let now = switched.streams.expect("layout after switch");
        assert_eq!(now[0].feed_id, Some(b), "{via:?}: {now:?}");

        let configured = subscriber
            .configure(ConfigureSubscriber {
                streams: Some(vec![SubscriberStream {
                    mid: sub_mid.clone(),
                    send: Some(false),
                    ..Default::default()
                }]),
                restart: None,
            })
            .await
            .unwrap();
        assert!(configured.is_none());
        subscriber.pause().await.unwrap();
        subscriber.start(None).await.unwrap();

        let added = subscriber.subscribe(vec![stream(a)]).await.unwrap();
        assert!(
            matches!(
                added,
                SubscriptionChange::Updated { .. } | SubscriptionChange::Updating
            ),
            "{added:?}"
        );
        let unsub = UnsubscribeStream {
            sub_mid: Some(sub_mid.clone()),
            ..Default::default()
        };
        let removed = subscriber.unsubscribe(vec![unsub.clone()]).await.unwrap();
        assert!(
            matches!(
                removed,
                SubscriptionChange::Updated { .. } | SubscriptionChange::Updating
            ),
            "{removed:?}"
        );
        let both = subscriber
            .update(
                vec![stream(b)],
                vec![UnsubscribeStream {
                    feed: Some(a),
                    ..Default::default()
                }],
            )
            .await
            .unwrap();
        assert!(
            matches!(
                both,
                SubscriptionChange::Updated { .. } | SubscriptionChange::Updating
            ),
            "{both:?}"
        );
        let wrong = subscriber
            .start(Some(Jsep::answer("v=0\r\n")))
            .await
            .unwrap_err();
        assert!(
            wrong.janus_code().is_some() || wrong.videoroom_code().is_some(),
            "{wrong}"
        );
        subscriber.leave().await.unwrap();
        session.close().await.unwrap();
    }
}

#[tokio::test]
async fn participant_events_arrive_typed_over_both_transports() {
    let Some(lab) = start(JanusLab::builder()) else {
        return;
    };
    for via in BOTH {
        let (session, _e) = connect(&lab, via).await;
        let (rooms, room) = setup(&lab, &session, CreateRoom::default()).await;
        let (watcher, mut events) = Publisher::attach(&session).await.unwrap();
        watcher
            .join(JoinPublisher {
                room,
                display: Some("watcher".into()),
                ..Default::default()
            })
            .await
            .unwrap();

        let feed = remote(&rooms, room, "speaker").await;
        let event = expect(&mut events, "publishers", |e| {
            matches!(e, VideoRoomEvent::Publishers { .. })
        })
        .await;
        let VideoRoomEvent::Publishers { publishers, .. } = event else {
            unreachable!()
        };
        assert_eq!(publishers[0].id, feed);
        assert_eq!(publishers[0].streams[0].codec.as_deref(), Some("opus"));

        // `leaving` is broadcast even though the room does not notify joins.
        let (lurker, _le) = Publisher::attach(&session).await.unwrap();
        let lurking = lurker
            .join(JoinPublisher {
                room,
                ..Default::default()
            })
            .await
            .unwrap()
            .id;
        lurker.leave().await.unwrap();
        expect(
            &mut events,
            "leaving",
            |e| matches!(e, VideoRoomEvent::Leaving { feed: f, .. } if *f == lurking),
        )
        .await;

        let (kicked, mut kicked_events) = Publisher::attach(&session).await.unwrap();
        let victim = kicked
            .join(JoinPublisher {
                room,
                ..Default::default()
            })
            .await
            .unwrap()
            .id;
        rooms
            .kick(Kick {
                room,
                id: victim,
                secret: secret(),
            })
            .await
            .unwrap();
        expect(&mut kicked_events, "own kick", |e| {
            matches!(e, VideoRoomEvent::LeftSelf { kicked: true })
        })
        .await;
        expect(
            &mut events,
            "kicked",
            |e| matches!(e, VideoRoomEvent::Kicked { feed: f, .. } if *f == victim),
        )
        .await;

        rooms
            .remove_remote_publisher(room, feed, secret())
            .await
            .unwrap();
        // A removed remote publisher leaves the room: Janus 1.1.2 sends `leaving` for it.
        expect(
            &mut events,
            "leaving of the remote publisher",
            |e| matches!(e, VideoRoomEvent::Leaving { feed: f, .. } if *f == feed),
        )
        .await;

        rooms
            .destroy(DestroyRoom {
                room,
                secret: secret(),
                permanent: None,
            })
            .await
            .unwrap();
        expect(
            &mut events,
            "destroyed",
            |e| matches!(e, VideoRoomEvent::Destroyed { room: r } if *r == room),
        )
        .await;
        session.close().await.unwrap();
    }
}

/// A minimal offer that passes Janus's SDP checks (no media ever flows).
fn synthetic_offer() -> Jsep {
    let fingerprint = (0..32)
        .map(|i| format!("{i:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    Jsep::offer(format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n\
         m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n\
         a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 {fingerprint}\r\n\
         a=setup:actpass\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
    ))
}

#[tokio::test]
async fn a_full_room_refuses_the_second_publisher_with_432() {
    let Some(lab) = start(JanusLab::builder()) else {
        return;
    };
    for via in BOTH {
        let (session, _e) = connect(&lab, via).await;
        let (rooms, room) = setup(
            &lab,
            &session,
            CreateRoom {
                publishers: Some(1),
                ..Default::default()
            },
        )
        .await;
        // The first publisher: a remote one counts as publishing at once.
        remote(&rooms, room, "first").await;
        let (second, _se) = Publisher::attach(&session).await.unwrap();
        second
            .join(JoinPublisher {
                room,
                display: Some("second".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let full = second
            .publish(Publish::default(), synthetic_offer())
            .await
            .unwrap_err();
        assert_eq!(
            full.videoroom_code(),
            Some(VideoRoomCode::PublishersFull),
            "{via:?}: {full}"
        );
        assert!(full.to_string().contains("room full"), "{full}");
        session.close().await.unwrap();
    }
}

#[tokio::test]
async fn rooms_with_signed_tokens_need_a_room_token() {
    let hmac = "signing-secret";
    let Some(lab) = start(JanusLab::builder().token_auth_secret(hmac)) else {
        return;
    };
    let expiry = expiry_in(Duration::from_secs(600));
    for via in BOTH {
        let token = core_token(hmac, expiry, &[PLUGIN]);
        let (session, _e) = Session::connect(config(&lab, via).with_token(token))
            .await
            .unwrap();
        let (_rooms, room) = setup(
            &lab,
            &session,
            CreateRoom {
                signed_tokens: Some(true),
                ..Default::default()
            },
        )
        .await;
        let (publisher, _pe) = Publisher::attach(&session).await.unwrap();
        let join = |token: Option<String>| JoinPublisher {
            room,
            token,
            ..Default::default()
        };
        let none = publisher.join(join(None)).await.unwrap_err();
        assert_eq!(
            none.videoroom_code(),
            Some(VideoRoomCode::Unauthorized),
            "{via:?}"
        );
        let other_room = room_token(hmac, expiry, RoomId(room.0 + 1));
        let wrong = publisher.join(join(Some(other_room))).await.unwrap_err();
        assert_eq!(
            wrong.videoroom_code(),
            Some(VideoRoomCode::Unauthorized),
            "{via:?}"
        );
        let expired = publisher
            .join(join(Some(room_token(hmac, 1_000_000, room))))
            .await
            .unwrap_err();
        assert_eq!(
            expired.videoroom_code(),
            Some(VideoRoomCode::Unauthorized),
            "{via:?}"
        );
        let joined = publisher
            .join(join(Some(room_token(hmac, expiry, room))))
            .await
            .unwrap();
        assert_eq!(joined.room, room);
        session.close().await.unwrap();
    }
}
