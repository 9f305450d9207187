//! VideoRoom requests against the real Janus, over both transports. Requests that need media
//! are checked for the answer Janus gives without media (a remote publisher stands in for an
//! active feed: it is announced and subscribable without any packet flowing).

use mailcall_janus::videoroom::*;
use mailcall_janus::{RoomId, VideoRoomCode};
use mailcall_testkit::janus::JanusLab;

use crate::common::{audio_stream, create, each_transport, join, remote_publisher, rooms, secret};

fn code(err: mailcall_janus::Error) -> Option<VideoRoomCode> {
    err.videoroom_code()
}

#[tokio::test]
async fn room_requests_round_trip_over_both_transports() {
    each_transport(JanusLab::builder(), async |lab, via, session, _| {
        let rooms = rooms(session).await;
        let missing = rooms.create(CreateRoom::default()).await.unwrap_err();
        assert_eq!(
            code(missing),
            Some(VideoRoomCode::MissingElement),
            "admin_key is required"
        );
        let room = create(
            lab,
            &rooms,
            CreateRoom {
                is_private: Some(true),
                ..Default::default()
            },
        )
        .await;
        assert!(rooms.exists(room).await.unwrap());
        assert!(
            !rooms
                .list(None)
                .await
                .unwrap()
                .iter()
                .any(|r| r.room == room),
            "private"
        );
        let listed = rooms.list(Some(lab.admin_key().into())).await.unwrap();
        assert!(
            listed.iter().any(|r| r.room == room && !r.notify_joining),
            "{via:?}"
        );

        let edit = EditRoom {
            room,
            secret: secret(),
            new_description: Some("all hands".into()),
            new_is_private: Some(false),
            ..Default::default()
        };
        assert_eq!(rooms.edit(edit).await.unwrap().room, room);
        let info = rooms
            .list(None)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.room == room)
            .expect("public now");
        assert_eq!(info.description.as_deref(), Some("all hands"));
        let wrong = EditRoom {
            room,
            secret: Some("wrong".into()),
            ..Default::default()
        };
        assert_eq!(
            code(rooms.edit(wrong).await.unwrap_err()),
            Some(VideoRoomCode::Unauthorized)
        );

        let acl = |action, tokens: Option<Vec<&str>>| Allowed {
            room,
            action,
            allowed: tokens.map(|t| t.into_iter().map(String::from).collect()),
            secret: secret(),
        };
        let added = rooms
            .allowed(acl(AllowedAction::Add, Some(vec!["t1", "t2"])))
            .await
            .unwrap();
        assert_eq!(
            added.allowed.map(|mut a| {
                a.sort();
                a
            }),
            Some(vec!["t1".into(), "t2".into()])
        );
        rooms
            .allowed(acl(AllowedAction::Remove, Some(vec!["t2"])))
            .await
            .unwrap();
        rooms
            .allowed(acl(AllowedAction::Enable, None))
            .await
            .unwrap();
        let (publisher, _pe) = Publisher::attach(session).await.unwrap();
        let refused = publisher
            .join(JoinPublisher {
                room,
                token: Some("t2".into()),
                ..Default::default()
            })
            .await;
        assert_eq!(
            code(refused.unwrap_err()),
            Some(VideoRoomCode::Unauthorized),
            "{via:?}"
        );
        let joined = publisher
            .join(JoinPublisher {
                room,
                token: Some("t1".into()),
                display: Some("Ann".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        rooms
            .allowed(acl(AllowedAction::Disable, None))
            .await
            .unwrap();

        let me = joined.id;
        let participants = rooms.list_participants(room).await.unwrap();
        assert_eq!(participants.participants.len(), 1);
        assert_eq!(participants.participants[0].id, me);
        assert!(
            !participants.participants[0].publisher,
            "joined, not publishing"
        );

        rooms
            .enable_recording(EnableRecording {
                room,
                record: false,
                secret: secret(),
            })
            .await
            .unwrap();
        // Without media there is no stream to moderate or forward: Janus says so, typed.
        let moderate = Moderate {
            room,
            id: me,
            mid: "0".into(),
            mute: true,
            secret: secret(),
        };
        assert_eq!(
            code(rooms.moderate(moderate).await.unwrap_err()),
            Some(VideoRoomCode::NoSuchFeed)
        );
        let forward = RtpForward {
            room,
            publisher_id: me,
            host: Some(lab.peer_ip().to_string()),
            host_family: None,
            streams: vec![],
            admin_key: None,
            secret: secret(),
            extra: Default::default(),
        };
        let forwarded = rooms.rtp_forward(forward).await.unwrap();
        assert_eq!(
            (forwarded.publisher_id, forwarded.forwarders.len()),
            (me, 0)
        );
        let stop = StopRtpForward {
            room,
            publisher_id: me,
            stream_id: 1,
            admin_key: None,
            secret: secret(),
        };
        assert_eq!(
            code(rooms.stop_rtp_forward(stop).await.unwrap_err()),
            Some(VideoRoomCode::NoSuchFeed)
        );
        assert!(rooms
            .list_forwarders(room, secret())
            .await
            .unwrap()
            .publishers
            .is_empty());

        let remote = PublishRemotely {
            room,
            publisher_id: me,
            remote_id: "r1".into(),
            host: lab.peer_ip().to_string(),
            port: 5000,
            host_family: None,
            rtcp_port: None,
            secret: secret(),
        };
        assert_eq!(
            rooms.publish_remotely(remote).await.unwrap().remote_id,
            "r1"
        );
        let remotes = rooms.list_remotes(room, me, secret()).await.unwrap();
        assert_eq!(
            remotes
                .list
                .iter()
                .map(|r| r.remote_id.as_str())
                .collect::<Vec<_>>(),
            ["r1"]
        );
        rooms
            .unpublish_remotely(room, me, "r1".into(), secret())
            .await
            .unwrap();
        assert!(rooms
            .list_remotes(room, me, secret())
            .await
            .unwrap()
            .list
            .is_empty());

        let far = remote_publisher(&rooms, room, "far").await;
        let update = UpdateRemotePublisher {
            room,
            id: far,
            display: Some("farther".into()),
            streams: vec![audio_stream()],
            secret: secret(),
        };
        rooms.update_remote_publisher(update).await.unwrap();
        rooms
            .remove_remote_publisher(room, far, secret())
            .await
            .unwrap();
        let again = rooms
            .remove_remote_publisher(room, far, secret())
            .await
            .unwrap_err();
        assert_eq!(code(again), Some(VideoRoomCode::NoSuchFeed));

        rooms
            .kick(Kick {
                room,
                id: me,
                secret: secret(),
            })
            .await
            .unwrap();
        assert!(rooms
            .list_participants(room)
            .await
            .unwrap()
            .participants
            .is_empty());
        rooms
            .destroy(DestroyRoom {
                room,
                secret: secret(),
                permanent: None,
            })
            .await
            .unwrap();
        assert!(!rooms.exists(room).await.unwrap());
        let gone = rooms.list_participants(room).await.unwrap_err();
        assert_eq!(code(gone), Some(VideoRoomCode::NoSuchRoom));
    })
    .await;
}

#[tokio::test]
async fn publisher_requests_answer_as_janus_does_without_media() {
    each_transport(JanusLab::builder(), async |lab, via, session, _| {
        let rooms = rooms(session).await;
        let room = create(lab, &rooms, CreateRoom::default()).await;
        let (publisher, _pe, joined) = join(session, room, Some("Ann")).await;
        assert_eq!(joined.room, room);
        let twice = publisher
            .join(JoinPublisher {
                room,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(code(twice), Some(VideoRoomCode::AlreadyJoined));
        assert_eq!(
            code(publisher.unpublish().await.unwrap_err()),
            Some(VideoRoomCode::NotPublished)
        );
        let offer = mailcall_janus::Jsep::offer("v=0\r\n");
        let bad = publisher
            .publish(Publish::default(), offer.clone())
            .await
            .unwrap_err();
        assert!(
            bad.videoroom_code().is_some() || bad.janus_code().is_some(),
            "{bad}"
        );
        let configured = publisher
            .configure(
                ConfigurePublisher {
                    display: Some("Ann B".into()),
                    ..Default::default()
                },
                None,
            )
            .await;
        assert!(
            configured.is_ok(),
            "configure without media: {configured:?}"
        );
        let listed = rooms.list_participants(room).await.unwrap();
        assert_eq!(listed.participants[0].display.as_deref(), Some("Ann B"));
        publisher.leave().await.unwrap();
        assert!(rooms
            .list_participants(room)
            .await
            .unwrap()
            .participants
            .is_empty());

        let (other, _oe) = Publisher::attach(session).await.unwrap();
        let jc = JoinAndConfigure {
            join: JoinPublisher {
                room: RoomId(1),
                ..Default::default()
            },
            publish: Publish::default(),
        };
        let nowhere = other.join_and_configure(jc, offer).await.unwrap_err();
        // Janus core checks the SDP before the plugin sees the request.
        assert_eq!(
            nowhere.janus_code(),
            Some(mailcall_janus::JanusCode::JsepInvalidSdp),
            "{via:?}"
        );
    })
    .await;
}
