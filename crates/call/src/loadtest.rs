//! The load test: N headless participants in one process join one room, M of them
//! publishing, the rest attendees; it measures how long joining and the first RTP packet take
//! and counts failures.
//!
//! Invariants: every participant has a deadline, so the run ends by itself; a temporary room
//! is destroyed afterwards; join time runs from `Call::start` to joined, first RTP from the
//! same start to the first packet on the subscription.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mailcall_janus::videoroom::{CreateRoom, DestroyRoom, Rooms, PLUGIN};
use mailcall_janus::{RoomId, Session, SessionConfig};
use mailcall_rtc::{MediaKind, MediaSamples};
use serde::Serialize;
use tokio::task::JoinSet;

use crate::error::{Error, Result};
use crate::event::{CallConfig, Role};
use crate::media::{HeadlessConfig, HeadlessMedia};
use crate::Call;

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub server: String,
    /// `None`: a temporary room, destroyed at the end.
    pub room: Option<RoomId>,
    pub admin_key: Option<String>,
    pub participants: usize,
    pub publishers: usize,
    pub bind_ip: IpAddr,
    /// How long everybody stays after the last join.
    pub hold: Duration,
    /// Per participant: joining plus first RTP.
    pub deadline: Duration,
    pub samples: Arc<MediaSamples>,
}

/// p50 / p95 / max in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Spread {
    pub count: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

impl Spread {
    pub fn of(samples: &[Duration]) -> Self {
        let mut sorted: Vec<Duration> = samples.to_vec();
        sorted.sort();
        let at = |p: f64| {
            if sorted.is_empty() {
                return 0.0;
            }
            let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
            sorted[i].as_secs_f64() * 1000.0
        };
        Self {
            count: sorted.len(),
            p50_ms: at(0.50),
            p95_ms: at(0.95),
            max_ms: at(1.0),
        }
    }
}

/// The outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LoadReport {
    pub participants: usize,
    pub publishers: usize,
    pub room: Option<RoomId>,
    pub join: Spread,
    pub first_rtp: Spread,
    pub failures: Vec<String>,
}

struct Outcome {
    call: Option<Call>,
    join: Option<Duration>,
    first_rtp: Option<Duration>,
    failure: Option<String>,
}

async fn participant(
    config: Arc<LoadConfig>,
    room: RoomId,
    index: usize,
    role: Role,
    expect_media: bool,
) -> Outcome {
    let label = format!("load-{index}");
    let mut call_config = CallConfig::new(vec![config.server.clone()], room, role);
    call_config.display = Some(label.clone());
    call_config.slots = 1;
    call_config.rejoin_attempts = 1;
    let mut media = HeadlessConfig::new(config.bind_ip, Arc::clone(&config.samples));
    media.label = label.clone();
    let media = HeadlessMedia::new(media);
    let start = Instant::now();
    let started = tokio::time::timeout(config.deadline, Call::start(call_config, media.clone()));
    let call = match started.await {
        Ok(Ok((call, _events))) => call,
        Ok(Err(e)) => {
            return Outcome {
                call: None,
                join: None,
                first_rtp: None,
                failure: Some(format!("{label}: {}", crate::error_chain(&e))),
            }
        }
        Err(_) => {
            return Outcome {
                call: None,
                join: None,
                first_rtp: None,
                failure: Some(format!("{label}: no join within {:?}", config.deadline)),
            }
        }
    };
    let join = start.elapsed();
    let mut outcome = Outcome {
        call: None,
        join: Some(join),
        first_rtp: None,
        failure: None,
    };
    if expect_media {
        let left = config.deadline.saturating_sub(join);
        let kinds = [MediaKind::Audio, MediaKind::Video];
        match media.wait_for_media(&kinds, 1, left).await {
            Ok(_) => outcome.first_rtp = Some(start.elapsed()),
            Err(e) => outcome.failure = Some(format!("{label}: {}", crate::error_chain(&e))),
        }
    }
    outcome.call = Some(call);
    outcome
}

async fn rooms(server: &str) -> Result<(Session, Rooms)> {
    let config = SessionConfig::url(server).map_err(Error::janus("reading the server URL"))?;
    let (session, _events) = Session::connect(config)
        .await
        .map_err(Error::janus("connecting"))?;
    let (handle, _) = session
        .attach(PLUGIN)
        .await
        .map_err(Error::janus("attaching"))?;
    Ok((session, Rooms::new(handle)))
}

/// Runs the load test; failures are in the report, errors only when setup failed.
pub async fn run(config: LoadConfig) -> Result<LoadReport> {
    let config = Arc::new(config);
    let temporary = config.room.is_none();
    let room = config
        .room
        .unwrap_or_else(|| RoomId(rand::random::<u64>() >> 12));
    let (session, admin) = rooms(&config.server).await?;
    if temporary {
        admin
            .create(CreateRoom {
                room: Some(room),
                admin_key: config.admin_key.clone(),
                publishers: Some(u32::try_from(config.publishers + 1).unwrap_or(u32::MAX)),
                description: Some("mailcall load test".into()),
                ..Default::default()
            })
            .await
            .map_err(Error::janus("creating the load-test room"))?;
    }
    let publishers = config.publishers.min(config.participants);
    let mut outcomes = Vec::new();
    // Publishers first, so attendees find media to subscribe to.
    for (role, range, media) in [
        (Role::Speaker, 0..publishers, publishers > 1),
        (
            Role::Attendee,
            publishers..config.participants,
            publishers > 0,
        ),
    ] {
        let mut set = JoinSet::new();
        for i in range {
            set.spawn(participant(Arc::clone(&config), room, i, role, media));
        }
        while let Some(done) = set.join_next().await {
            match done {
                Ok(outcome) => outcomes.push(outcome),
                Err(e) => outcomes.push(Outcome {
                    call: None,
                    join: None,
                    first_rtp: None,
                    failure: Some(format!("participant task failed: {e}")),
                }),
            }
        }
    }
    tokio::time::sleep(config.hold).await;
    let mut report = LoadReport {
        participants: config.participants,
        publishers,
        room: Some(room),
        ..Default::default()
    };
    let joins: Vec<Duration> = outcomes.iter().filter_map(|o| o.join).collect();
    let rtps: Vec<Duration> = outcomes.iter().filter_map(|o| o.first_rtp).collect();
    report.join = Spread::of(&joins);
    report.first_rtp = Spread::of(&rtps);
    let mut leaving = JoinSet::new();
    for outcome in outcomes {
        report.failures.extend(outcome.failure);
        if let Some(call) = outcome.call {
            leaving.spawn(async move { call.leave().await });
        }
    }
    while leaving.join_next().await.is_some() {}
    if temporary {
        let _ = admin
            .destroy(DestroyRoom {
                room,
                ..Default::default()
            })
            .await;
    }
    let _ = session.close().await;
    Ok(report)
}
