//! The demo's all-hands: Janus in its own network namespace ([`JanusLab`]), one room, a few
//! headless speakers who take turns talking (each with their own picture and voice) and
//! headless attendees who only listen, all through the same call client the app uses.
//!
//! Invariants: "talking" is what the speakers' audio-level extension says, so Janus itself
//! decides who talks and sends the `talking` events a real client sees; every call and task
//! belongs to [`AllHands`], and [`AllHands::stop`] leaves the room with all of them before
//! Janus and its namespace go away.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use mailcall_call::{Call, CallConfig, HeadlessConfig, HeadlessMedia, Role};
use mailcall_janus::videoroom::{CreateRoom, Rooms, PLUGIN};
use mailcall_janus::{RoomId, Session, SessionConfig};
use mailcall_rtc::{AudioLevel, MediaSamples};
use mailcall_testkit::janus::JanusLab;
use tokio::task::JoinSet;

use crate::samples::SPEAKERS;

/// The room's number, as an invitation would carry it.
pub const ROOM: RoomId = RoomId(1234);
pub const ROOM_NAME: &str = "All-hands";
/// Attendees joining at the same time: enough to fill the room in a minute, few enough to
/// leave the machine to the app while they do.
const JOINING_AT_ONCE: usize = 4;
const LEAVE_TIMEOUT: Duration = Duration::from_secs(15);

const FIRST: [&str; 10] = [
    "Amara", "Bruno", "Chen", "Daria", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jun",
];
const LAST: [&str; 5] = ["Albers", "Brandt", "Costa", "Dumont", "Eriksen"];

struct Speaker {
    name: &'static str,
    call: Call,
    media: Arc<HeadlessMedia>,
}

pub struct AllHands {
    speakers: Vec<Speaker>,
    attendees: Arc<Mutex<Vec<Call>>>,
    tasks: JoinSet<()>,
    // Last: Janus and its namespace go once every call above has left.
    lab: JanusLab,
}

impl AllHands {
    /// Starts Janus, creates the room and brings in `speakers` speakers (their samples are
    /// made under `samples`), all silent until [`AllHands::take_turns`].
    pub async fn start(samples: PathBuf, speakers: usize) -> Result<AllHands> {
        let lab = tokio::task::spawn_blocking(|| JanusLab::builder().start()).await??;
        let room = room_settings(&lab);
        create_room(&lab, room.clone()).await?;
        let mut joined = Vec::new();
        for speaker in SPEAKERS.iter().take(speakers) {
            let made = samples.clone();
            let who = *speaker;
            let media = tokio::task::spawn_blocking(move || who.samples(&made)).await??;
            let mut config = HeadlessConfig::new(lab.peer_ip().into(), Arc::new(media));
            config.label = speaker.name.to_owned();
            config.audio_level = AudioLevel::SILENT;
            let media = HeadlessMedia::new(config);
            let server = lab.ws_url();
            let call = join(&server, &room, Role::Speaker, speaker.name, media.clone()).await?;
            joined.push(Speaker {
                name: speaker.name,
                call,
                media,
            });
        }
        Ok(AllHands {
            speakers: joined,
            attendees: Arc::default(),
            tasks: JoinSet::new(),
            lab,
        })
    }

    /// Brings `count` attendees in, a few at a time, in the background.
    pub fn admit(&mut self, count: usize) {
        let server = self.lab.ws_url();
        let bind = self.lab.peer_ip();
        let room = room_settings(&self.lab);
        let attendees = Arc::clone(&self.attendees);
        self.tasks.spawn(async move {
            let samples = match MediaSamples::builtin() {
                Ok(s) => Arc::new(s),
                Err(e) => return say!("no attendees: {e}"),
            };
            let names: Vec<String> = (0..count).map(attendee_name).collect();
            for batch in names.chunks(JOINING_AT_ONCE) {
                let mut joining = JoinSet::new();
                for name in batch {
                    let mut config = HeadlessConfig::new(bind.into(), Arc::clone(&samples));
                    config.label = name.clone();
                    let media = HeadlessMedia::new(config);
                    let (server, room, name) = (server.clone(), room.clone(), name.clone());
                    joining.spawn(async move {
                        let joined = join(&server, &room, Role::Attendee, &name, media).await;
                        joined.map_err(|e| format!("{name} could not join: {e:#}"))
                    });
                }
                while let Some(done) = joining.join_next().await {
                    match done {
                        Ok(Ok(call)) => lock(&attendees).push(call),
                        Ok(Err(e)) => say!("{e}"),
                        Err(e) => say!("an attendee's task failed: {e}"),
                    }
                }
            }
            let joined = lock(&attendees).len();
            say!("{joined} of {count} attendees are in the {ROOM_NAME}");
        });
    }

    /// Speakers talk in turn, `turn` each, for as long as the demo runs.
    pub fn take_turns(&mut self, turn: Duration) {
        let voices: Vec<(&'static str, Arc<HeadlessMedia>)> = self
            .speakers
            .iter()
            .map(|s| (s.name, Arc::clone(&s.media)))
            .collect();
        if voices.is_empty() {
            return;
        }
        self.tasks.spawn(async move {
            for current in (0..voices.len()).cycle() {
                for (i, (_, media)) in voices.iter().enumerate() {
                    let level = if i == current {
                        AudioLevel::LOUD
                    } else {
                        AudioLevel::SILENT
                    };
                    media.set_audio_level(level).await;
                }
                tokio::time::sleep(turn).await;
            }
        });
    }

    /// Kills Janus, leaves it down for `down`, and starts it again on the same addresses:
    /// every call loses its session, and the first to rejoin makes the room again. Blocks
    /// this worker thread meanwhile; the calls run on the others.
    pub fn restart_janus(&mut self, down: Duration) -> Result<()> {
        tokio::task::block_in_place(|| {
            self.lab.kill();
            std::thread::sleep(down);
            self.lab.restart()
        })
    }

    /// Everyone leaves the room, then Janus stops and its namespace is removed.
    pub async fn stop(self) {
        let AllHands {
            speakers,
            attendees,
            mut tasks,
            lab,
        } = self;
        tasks.shutdown().await;
        let mut calls: Vec<Call> = speakers.into_iter().map(|s| s.call).collect();
        calls.append(&mut lock(&attendees));
        let mut leaving = JoinSet::new();
        for call in calls {
            leaving.spawn(async move { call.leave().await });
        }
        let all_left = async { while leaving.join_next().await.is_some() {} };
        match tokio::time::timeout(LEAVE_TIMEOUT, all_left).await {
            Ok(()) => say!("everyone left the {ROOM_NAME}"),
            Err(_) => say!("some calls did not leave within {LEAVE_TIMEOUT:?}"),
        }
        let _ = tokio::task::spawn_blocking(move || drop(lab)).await;
    }

    pub fn http_url(&self) -> String {
        self.lab.http_url()
    }

    pub fn ws_url(&self) -> String {
        self.lab.ws_url()
    }

    pub fn admin_key(&self) -> &str {
        self.lab.admin_key()
    }

    pub fn netns(&self) -> &str {
        self.lab.netns().name()
    }

    pub fn speaker_names(&self) -> Vec<&'static str> {
        self.speakers.iter().map(|s| s.name).collect()
    }
}

/// A name for attendee `n`, all different for the first fifty.
fn attendee_name(n: usize) -> String {
    let first = FIRST[n % FIRST.len()];
    let last = LAST[(n / FIRST.len()) % LAST.len()];
    match n / (FIRST.len() * LAST.len()) {
        0 => format!("{first} {last}"),
        lap => format!("{first} {last} {}", lap + 1),
    }
}

/// `talking` decided every half second (25 packets of 20 ms), as the call tests use it.
fn room_settings(lab: &JanusLab) -> CreateRoom {
    CreateRoom {
        room: Some(ROOM),
        admin_key: Some(lab.admin_key().to_owned()),
        description: Some(ROOM_NAME.to_owned()),
        publishers: Some(u32::try_from(SPEAKERS.len() + 2).unwrap_or(u32::MAX)),
        audiolevel_event: Some(true),
        audio_active_packets: Some(25),
        audio_level_average: Some(25),
        ..Default::default()
    }
}

/// Creates the room over a session of its own, which then closes: the room stays.
async fn create_room(lab: &JanusLab, room: CreateRoom) -> Result<()> {
    let config = SessionConfig::url(&lab.http_url())?;
    let (session, _events) = Session::connect(config).await?;
    let (handle, _) = session.attach(PLUGIN).await?;
    Rooms::new(handle)
        .create(room)
        .await
        .context("cannot create the all-hands room")?;
    let _ = session.close().await;
    Ok(())
}

/// The attendees joined so far (a panic elsewhere does not hide them from `stop`).
fn lock(attendees: &Mutex<Vec<Call>>) -> std::sync::MutexGuard<'_, Vec<Call>> {
    attendees
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn join(
    server: &str,
    room: &CreateRoom,
    role: Role,
    name: &str,
    media: Arc<HeadlessMedia>,
) -> Result<Call> {
    let mut config = CallConfig::new(vec![server.to_owned()], ROOM, role);
    config.display = Some(name.to_owned());
    // One video slot: the demo's listeners need the active speaker only.
    config.slots = 1;
    // A Janus that restarts comes back without the room; the first to rejoin makes it again.
    config.create_room = Some(room.clone());
    // Nobody reads the demo's call events; the calls run on their own.
    let (call, _events) = Call::start(config, media)
        .await
        .map_err(|e| anyhow::anyhow!("{}", mailcall_call::error_chain(&e)))
        .with_context(|| format!("{name} cannot join the {ROOM_NAME}"))?;
    Ok(call)
}
