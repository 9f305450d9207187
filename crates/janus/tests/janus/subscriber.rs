//! Multistream subscriber requests, participant events, room limits and room tokens against
//! the real Janus. Remote publishers stand in for active feeds (no media needed).

use std::time::Duration;

use mailcall_janus::token::{core_token, expiry_in, room_token};
use mailcall_janus::videoroom::*;
use mailcall_janus::{Jsep, RoomId, Session, VideoRoomCode};
use mailcall_testkit::janus::JanusLab;

use crate::common::{config, each_transport, join, remote_publisher, room_with, secret, BOTH};

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
    each_transport(JanusLab::builder(), async |lab, via, session, _| {
        let (rooms, room) = room_with(lab, session, CreateRoom::default()).await;
        let (_lurker, _le, idle) = join(session, room, None).await;
        let (subscriber, _se) = Subscriber::attach(session).await.unwrap();
        let stream = |feed| SubscribeStream {
            feed,
            ..Default::default()
        };
        // Error 428 also while a feed is joined but not publishing.
        let inactive = subscriber
            .join(JoinSubscriber {
                room,
                streams: vec![stream(idle.id)],
                ..Default::default()
            })
            .await;
        assert_eq!(
            inactive.unwrap_err().videoroom_code(),
            Some(VideoRoomCode::NoSuchFeed),
            "{via:?}"
        );

        let (a, b) = (
            remote_publisher(&rooms, room, "a").await,
            remote_publisher(&rooms, room, "b").await,
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
    })
    .await;
}

#[tokio::test]
async fn participant_events_arrive_typed_over_both_transports() {
    each_transport(JanusLab::builder(), async |lab, _, session, _| {
        let (rooms, room) = room_with(lab, session, CreateRoom::default()).await;
        let (_watcher, mut events, _) = join(session, room, Some("watcher")).await;

        let feed = remote_publisher(&rooms, room, "speaker").await;
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
        let (lurker, _le, lurking) = join(session, room, None).await;
        lurker.leave().await.unwrap();
        expect(
            &mut events,
            "leaving",
            |e| matches!(e, VideoRoomEvent::Leaving { feed: f, .. } if *f == lurking.id),
        )
        .await;

        let (_kicked, mut kicked_events, joined) = join(session, room, None).await;
        let victim = joined.id;
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
    })
    .await;
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
    each_transport(JanusLab::builder(), async |lab, via, session, _| {
        let settings = CreateRoom {
            publishers: Some(1),
            ..Default::default()
        };
        let (rooms, room) = room_with(lab, session, settings).await;
        // The first publisher: a remote one counts as publishing at once.
        remote_publisher(&rooms, room, "first").await;
        let (second, _se, _) = join(session, room, Some("second")).await;
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
    })
    .await;
}

#[tokio::test]
async fn rooms_with_signed_tokens_need_a_room_token() {
    let hmac = "signing-secret";
    let lab = JanusLab::builder().token_auth_secret(hmac).start_or_panic();
    let expiry = expiry_in(Duration::from_secs(600));
    for via in BOTH {
        let token = core_token(hmac, expiry, &[PLUGIN]);
        let (session, _e) = Session::connect(config(&lab, via).with_token(token))
            .await
            .unwrap();
        let (_rooms, room) = room_with(
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
