//! Call figures against the Janus lab: publish→`webrtcup` and subscribe→first RTP through the
//! controller next to a raw JSON-over-HTTP client (same run); how many headless subscribers
//! join with p95 under 1 s; the event path under a 700-participant `leaving` storm.
//!
//! Run: `cargo bench -p mailcall-call --bench call` (needs the Janus lab; bounded).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use mailcall_call::loadtest::{self, LoadConfig, Spread};
use mailcall_call::{
    Call, CallConfig, CallEvent, CallState, HeadlessConfig, HeadlessMedia, Leg, Role,
};
use mailcall_janus::videoroom::{CreateRoom, PublishedStream, PublisherInfo, VideoRoomEvent};
use mailcall_janus::{FeedId, RoomId};
use mailcall_rtc::{
    MediaKind, MediaSamples, ParticipantConfig, Publisher, PublisherConfig, Subscriber,
};
use mailcall_testkit::janus::JanusLab;
use serde_json::{json, Value};

// The integration tests' lab helpers; the bench uses only some of them.
#[allow(dead_code)]
#[path = "../tests/call/lab.rs"]
mod lab;

const RUNS: usize = 50;
const DEADLINE: Duration = Duration::from_secs(20);

fn ms(s: &Spread) -> String {
    format!("p50 {:7.1} ms  p95 {:7.1} ms", s.p50_ms, s.p95_ms)
}

async fn room(lab: &JanusLab) -> RoomId {
    let room = RoomId(rand::random::<u64>() >> 12);
    let settings = CreateRoom {
        room: Some(room),
        admin_key: Some(lab.admin_key().into()),
        publishers: Some(100),
        ..Default::default()
    };
    lab::create(lab, settings).await;
    room
}

/// Controller: speaker start→`webrtcup`; attendee start→first RTP.
async fn controller(
    lab: &JanusLab,
    room: RoomId,
    samples: &Arc<MediaSamples>,
) -> (Duration, Duration) {
    let media = |label: &str| {
        let mut c = HeadlessConfig::new(lab.peer_ip().into(), Arc::clone(samples));
        c.label = label.into();
        HeadlessMedia::new(c)
    };
    let config = |role| CallConfig::new(vec![lab.http_url()], room, role);
    let t = Instant::now();
    let (speaker, mut events) = Call::start(config(Role::Speaker), media("s"))
        .await
        .unwrap();
    while let Some(e) = events.recv().await {
        if e == (CallEvent::WebrtcUp {
            leg: Leg::Publisher,
        }) {
            break;
        }
    }
    let publish = t.elapsed();
    let attendee_media = media("a");
    let t = Instant::now();
    let (attendee, _) = Call::start(config(Role::Attendee), attendee_media.clone())
        .await
        .unwrap();
    attendee_media
        .wait_for_media(&[MediaKind::Audio, MediaKind::Video], 1, DEADLINE)
        .await
        .unwrap();
    let subscribe = t.elapsed();
    attendee.leave().await.unwrap();
    speaker.leave().await.unwrap();
    (publish, subscribe)
}

/// A minimal client: plain JSON over HTTP, one long-poll loop, no actor.
struct Raw {
    http: reqwest::Client,
    url: String,
}

impl Raw {
    async fn post(&self, path: &str, mut body: Value) -> Value {
        body["transaction"] = json!(format!("{:x}", rand::random::<u64>()));
        let url = format!("{}{path}", self.url);
        self.http
            .post(url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
    async fn handle(&self) -> (u64, u64) {
        let s = self.post("", json!({"janus": "create"})).await["data"]["id"]
            .as_u64()
            .unwrap();
        let h = self
            .post(
                &format!("/{s}"),
                json!({"janus": "attach", "plugin": "janus.plugin.videoroom"}),
            )
            .await["data"]["id"]
            .as_u64()
            .unwrap();
        (s, h)
    }
    async fn wait(&self, session: u64, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + DEADLINE;
        while Instant::now() < deadline {
            let url = format!("{}/{session}?maxev=10", self.url);
            let got: Value = self
                .http
                .get(url)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for e in got.as_array().cloned().unwrap_or_else(|| vec![got.clone()]) {
                if pred(&e) {
                    return e;
                }
            }
        }
        panic!("raw client: no matching event");
    }
    async fn message(&self, s: u64, h: u64, body: Value, jsep: Option<Value>) -> Value {
        let mut msg = json!({"janus": "message", "body": body});
        if let Some(jsep) = jsep {
            msg["jsep"] = jsep;
        }
        self.post(&format!("/{s}/{h}"), msg).await;
        self.wait(s, |e| e["janus"] == "event" && e["sender"] == h)
            .await
    }
}

async fn raw(lab: &JanusLab, room: RoomId, samples: &Arc<MediaSamples>) -> (Duration, Duration) {
    let raw = Raw {
        http: mailcall_janus::http::client().expect("an HTTP client"),
        url: lab.http_url(),
    };
    let t = Instant::now();
    let (s, h) = raw.handle().await;
    let publisher = Publisher::new(PublisherConfig::new(
        ParticipantConfig::new(lab.peer_ip().into()),
        Arc::clone(samples),
    ))
    .await
    .unwrap();
    let offer = publisher.offer().await.unwrap();
    let body = json!({"request": "joinandconfigure", "ptype": "publisher", "room": room.0});
    let answer = raw
        .message(s, h, body, Some(json!({"type": "offer", "sdp": offer})))
        .await;
    publisher
        .apply_answer(answer["jsep"]["sdp"].as_str().unwrap())
        .await
        .unwrap();
    let feed = answer["plugindata"]["data"]["id"].as_u64().unwrap();
    raw.wait(s, |e| e["janus"] == "webrtcup" && e["sender"] == h)
        .await;
    let publish = t.elapsed();
    let t = Instant::now();
    let (s2, h2) = raw.handle().await;
    let body = json!({"request": "join", "ptype": "subscriber", "room": room.0, "streams": [{"feed": feed}]});
    let offer = raw.message(s2, h2, body, None).await;
    let (subscriber, answer) = Subscriber::from_offer(
        ParticipantConfig::new(lab.peer_ip().into()),
        offer["jsep"]["sdp"].as_str().unwrap(),
    )
    .await
    .unwrap();
    raw.message(
        s2,
        h2,
        json!({"request": "start"}),
        Some(json!({"type": "answer", "sdp": answer})),
    )
    .await;
    subscriber
        .wait_for_media(&[MediaKind::Audio, MediaKind::Video], 1, DEADLINE)
        .await
        .unwrap();
    let subscribe = t.elapsed();
    subscriber.close().await;
    publisher.close().await;
    for session in [s, s2] {
        raw.post(&format!("/{session}"), json!({"janus": "destroy"}))
            .await;
    }
    (publish, subscribe)
}

fn storm() {
    let room = RoomId(1);
    let mut state = CallState::new(room, 4);
    let stream = |kind: &str, mid: &str| PublishedStream {
        kind: kind.into(),
        mindex: 0,
        mid: mid.into(),
        disabled: false,
        codec: None,
        description: None,
        simulcast: false,
        svc: false,
        talking: None,
        extra: Default::default(),
    };
    let info = |id| PublisherInfo {
        id: FeedId(id),
        display: Some(format!("p{id}")),
        dummy: false,
        streams: vec![stream("audio", "0"), stream("video", "1")],
        talking: None,
    };
    let mut events: Vec<VideoRoomEvent> = (1..=700)
        .map(|id| VideoRoomEvent::Publishers {
            room,
            publishers: vec![info(id)],
        })
        .collect();
    events.extend((1..=700).map(|id| VideoRoomEvent::Leaving {
        room,
        feed: FeedId(id),
    }));
    let start = Instant::now();
    let mut longest = Duration::ZERO;
    for event in &events {
        let t = Instant::now();
        state.on_room_event(event);
        let _plan = state.plan();
        longest = longest.max(t.elapsed());
    }
    let delta = state.take_roster_delta();
    let total = start.elapsed();
    println!(
        "storm: 700 joins + 700 leavings through CallState (event + plan each): {:.0} events/s, longest handler {:.3} ms, total {:.1} ms, roster delta empty: {}",
        events.len() as f64 / total.as_secs_f64(),
        longest.as_secs_f64() * 1000.0,
        total.as_secs_f64() * 1000.0,
        delta.is_empty()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    storm();
    let lab = JanusLab::builder().start().expect("Janus lab");
    let samples = lab::samples();
    let runs = std::env::var("CALL_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(RUNS);
    let (mut cp, mut cs, mut rp, mut rs) = (vec![], vec![], vec![], vec![]);
    for _ in 0..runs {
        let r = room(&lab).await;
        let (p, s) = controller(&lab, r, &samples).await;
        cp.push(p);
        cs.push(s);
        let r = room(&lab).await;
        let (p, s) = raw(&lab, r, &samples).await;
        rp.push(p);
        rs.push(s);
    }
    for (name, c, r) in [
        ("publish→webrtcup", &cp, &rp),
        ("subscribe→first RTP", &cs, &rs),
    ] {
        let (c, r) = (Spread::of(c), Spread::of(r));
        println!(
            "{name:<20} controller {}  raw {}  ratio p50 {:.2} p95 {:.2}  ({runs} runs)",
            ms(&c),
            ms(&r),
            c.p50_ms / r.p50_ms,
            c.p95_ms / r.p95_ms
        );
    }
    // Doubling steps up to a bound, so the run always ends; raise it to look further. Once a
    // step holds no longer (join p95 > 1 s or a failure), bisect between the last two steps.
    let max: usize = std::env::var("CALL_BENCH_MAX_SUBSCRIBERS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(640);
    let (mut held, mut broke) = (0usize, None);
    let mut n = 10usize;
    while n <= max {
        if holds(&lab, &samples, n).await {
            held = n;
            n *= 2;
        } else {
            broke = Some(n);
            break;
        }
    }
    while let Some(bad) = broke {
        let mid = (held + bad) / 2;
        if bad - held <= bad / 8 || mid == held {
            break;
        }
        if holds(&lab, &samples, mid).await {
            held = mid;
        } else {
            broke = Some(mid);
        }
    }
    match broke {
        Some(bad) => {
            println!("largest subscriber count holding join p95 <= 1 s: {held} (not {bad})")
        }
        None => println!("join p95 stayed <= 1 s up to the bound of {held} subscribers"),
    }
}

/// Joins `n` subscribers to one publisher at once; true when join p95 <= 1 s with no failure.
async fn holds(lab: &JanusLab, samples: &Arc<MediaSamples>, n: usize) -> bool {
    let report = loadtest::run(LoadConfig {
        server: lab.ws_url(),
        room: None,
        admin_key: Some(lab.admin_key().into()),
        participants: n + 1,
        publishers: 1,
        bind_ip: lab.peer_ip().into(),
        hold: Duration::from_secs(1),
        deadline: Duration::from_secs(30),
        samples: Arc::clone(samples),
    })
    .await
    .unwrap();
    println!(
        "subscribers {n:>4}: join {}  first RTP {}  failures {}",
        ms(&report.join),
        ms(&report.first_rtp),
        report.failures.len()
    );
    report.join.p95_ms <= 1000.0 && report.failures.is_empty()
}
