//! Calls in the app layer: server profiles kept in the app's settings, one call at a time
//! run by [`mailcall_call::Call`] with the core holding the media (webrtc-rs; the page gets
//! no PeerConnection), and [`CallUpdate`]s on a broadcast the window subscribes to: every
//! call event, plus received-media statistics every [`CallOptions::stats_every`].
//!
//! Invariants:
//! - No lock is held across a request to Janus, so [`Api::leave_call`] never waits behind a
//!   roster read; it ends the call within about a second even while it rejoins (the call
//!   controller bounds its goodbye), and the page always gets `ended`.
//! - Updates of a call that was left never follow the `ended` of that call: the forwarding
//!   task stops at `ended`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mailcall_call::{
    error_chain, Call, CallConfig, CallEvent, CallEvents, HeadlessConfig, HeadlessMedia,
    MediaEngine, Meter, Role, View,
};
use mailcall_janus::plan::Tile;
use mailcall_janus::{FeedId, RoomId, VideoRoomCode};
use mailcall_rtc::MediaSamples;
use tokio::sync::{broadcast, mpsc, Mutex};
use tokio::task::JoinHandle;

use crate::api::Api;
use crate::call_media::{forward_frames, FRAMES_QUEUED};
use crate::call_types::{
    parse_janus_id, CallEnd, CallInfo, CallProfile, CallUpdate, CallView, JoinForm, RosterView,
    StreamStats, TileSize, TokenSource,
};
use crate::error::{ApiError, ApiResult};

/// How calls run; the same for every call of an [`Api`].
#[derive(Clone, Debug)]
pub struct CallOptions {
    /// How often received-media statistics are reported.
    pub stats_every: Duration,
    /// The local address for media; found from the route to the server when `None`.
    pub bind_ip: Option<IpAddr>,
}

impl Default for CallOptions {
    fn default() -> CallOptions {
        CallOptions {
            stats_every: Duration::from_secs(1),
            bind_ip: None,
        }
    }
}

/// The call in progress and the channel of its updates.
pub(crate) struct Calls {
    opts: CallOptions,
    active: Mutex<Option<Active>>,
    updates: broadcast::Sender<CallUpdate>,
    /// Whole received frames, packed for the page (see [`crate::call_media`]).
    frames: broadcast::Sender<Arc<Vec<u8>>>,
}

struct Active {
    call: Arc<Call>,
    media: Arc<HeadlessMedia>,
    /// Forwards events and statistics; returns whether it reported `ended`.
    forward: JoinHandle<bool>,
    frames: JoinHandle<()>,
}

impl Calls {
    pub fn new(opts: CallOptions) -> Calls {
        let (updates, _) = broadcast::channel(1024);
        let (frames, _) = broadcast::channel(FRAMES_QUEUED);
        Calls {
            opts,
            active: Mutex::new(None),
            updates,
            frames,
        }
    }

    fn send(&self, update: CallUpdate) {
        // Nobody listening is fine: the page reads the roster again when it comes back.
        let _ = self.updates.send(update);
    }

    async fn in_progress(&self) -> bool {
        self.active
            .lock()
            .await
            .as_ref()
            .is_some_and(|a| !a.forward.is_finished())
    }
}

impl Api {
    /// Updates of calls from now on.
    pub fn call_updates(&self) -> broadcast::Receiver<CallUpdate> {
        self.inner.calls.updates.subscribe()
    }

    /// Received frames of calls from now on, packed for the page; a receiver that lags
    /// loses the oldest (its decoder then asks for a key frame).
    pub fn call_media(&self) -> broadcast::Receiver<Arc<Vec<u8>>> {
        self.inner.calls.frames.subscribe()
    }

    /// Asks the sender of video stream `mid` for a key frame (a decoder lost its place).
    pub async fn request_key_frame(&self, mid: String) -> ApiResult<()> {
        let media = match self.inner.calls.active.lock().await.as_ref() {
            Some(a) if !a.forward.is_finished() => Arc::clone(&a.media),
            _ => return Err(ApiError::not_found("There is no call in progress.")),
        };
        let Some(subscriber) = media.subscriber().await else {
            return Ok(()); // nothing received yet: the first frames wait for a key frame
        };
        match subscriber.request_key_frame(&mid).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(ApiError::not_found(format!(
                "The call has no stream {mid}."
            ))),
            Err(e) => Err(ApiError::internal(e.to_string())),
        }
    }

    pub async fn call_profiles(&self) -> Vec<CallProfile> {
        self.inner.state.get().call_profiles
    }

    /// Adds a profile, or replaces the one with the same name.
    pub async fn save_call_profile(&self, profile: CallProfile) -> ApiResult<Vec<CallProfile>> {
        let profile = check_profile(profile)?;
        self.inner
            .state
            .update(move |s| {
                match s.call_profiles.iter_mut().find(|p| p.name == profile.name) {
                    Some(old) => *old = profile,
                    None => s.call_profiles.push(profile),
                }
                s.call_profiles.clone()
            })
            .await
    }

    pub async fn delete_call_profile(&self, name: String) -> ApiResult<Vec<CallProfile>> {
        self.inner
            .state
            .update(move |s| {
                s.call_profiles.retain(|p| p.name != name);
                s.call_profiles.clone()
            })
            .await
    }

    /// Joins a room as an attendee with a profile's servers; returns once in the room.
    pub async fn join_call(&self, form: JoinForm) -> ApiResult<CallInfo> {
        let profile = self
            .call_profiles()
            .await
            .into_iter()
            .find(|p| p.name == form.profile)
            .ok_or_else(|| {
                ApiError::not_found(format!("There is no call server named {}.", form.profile))
            })?;
        let room = RoomId(parse_janus_id("room", &form.room)?);
        let calls = &self.inner.calls;
        if calls.in_progress().await {
            return Err(ApiError::invalid(
                "Leave the current call before joining another.",
            ));
        }
        let token = match form.token.filter(|t| !t.trim().is_empty()) {
            Some(token) => Some(token.trim().to_owned()),
            None => fetch_token(&profile.token, room).await?,
        };
        let first = profile.servers.first().map(String::as_str).unwrap_or("");
        let bind_ip = match calls.opts.bind_ip {
            Some(ip) => ip,
            None => mailcall_call::preflight::local_ip_towards(first).map_err(call_error)?,
        };
        let mut config = CallConfig::new(profile.servers.clone(), room, Role::Attendee);
        let display = form.display.trim();
        config.display = (!display.is_empty()).then(|| display.to_owned());
        config.token = token;
        config.slots = profile.slots.clamp(1, 16) as usize;
        let samples = MediaSamples::builtin().map_err(|e| ApiError::internal(e.to_string()))?;
        let mut headless = HeadlessConfig::new(bind_ip, Arc::new(samples));
        let (frames_tx, frames_rx) = mpsc::channel(FRAMES_QUEUED);
        headless.frames = Some(frames_tx);
        let media = HeadlessMedia::new(headless);
        let frames = tokio::spawn(forward_frames(
            frames_rx,
            media.clone(),
            calls.frames.clone(),
        ));
        let (call, events) = match Call::start(config, media.clone()).await {
            Ok(started) => started,
            Err(e) => {
                frames.abort();
                return Err(call_error(e));
            }
        };
        let call = Arc::new(call);
        let status = call.status().await.map_err(call_error)?;
        let mut active = calls.active.lock().await;
        if active.as_ref().is_some_and(|a| !a.forward.is_finished()) {
            // Another join won the race while this one talked to Janus.
            drop(active);
            let _ = call.leave().await;
            frames.abort();
            return Err(ApiError::invalid(
                "Leave the current call before joining another.",
            ));
        }
        let forward = tokio::spawn(forward(
            calls.updates.clone(),
            calls.opts.stats_every,
            Arc::clone(&call),
            media.clone(),
            events,
        ));
        *active = Some(Active {
            call,
            media,
            forward,
            frames,
        });
        Ok(CallInfo {
            room: room.0.to_string(),
            feed: status.feed.map(|f| f.0.to_string()).unwrap_or_default(),
            session: status.session.map(|s| s.0.to_string()),
        })
    }

    /// Leaves the call (a no-op without one); `ended` has been sent when this returns.
    pub async fn leave_call(&self) -> ApiResult<()> {
        let Some(active) = self.inner.calls.active.lock().await.take() else {
            return Ok(());
        };
        active.frames.abort();
        active.call.leave().await.map_err(call_error)?;
        let mut forward = active.forward;
        let reported = match tokio::time::timeout(Duration::from_millis(200), &mut forward).await {
            Ok(Ok(reported)) => reported,
            _ => {
                forward.abort();
                false
            }
        };
        if !reported {
            // The controller was stopped before it could say so.
            self.inner.calls.send(CallUpdate::Ended {
                reason: CallEnd::Left,
            });
            active.media.reset().await;
        }
        Ok(())
    }

    async fn call(&self) -> ApiResult<Arc<Call>> {
        match self.inner.calls.active.lock().await.as_ref() {
            Some(a) if !a.forward.is_finished() => Ok(Arc::clone(&a.call)),
            _ => Err(ApiError::not_found("There is no call in progress.")),
        }
    }

    /// Feeds that keep a tile whoever talks; the first gets the main tile.
    pub async fn pin_feeds(&self, feeds: Vec<String>) -> ApiResult<()> {
        let feeds = feed_ids(&feeds)?;
        self.call().await?.pin(feeds).await.map_err(call_error)
    }

    /// Tile sizes and the roster page in view.
    pub async fn set_call_view(&self, view: CallView) -> ApiResult<()> {
        let view = View {
            tiles: view
                .tiles
                .iter()
                .map(|t| match t {
                    TileSize::Main => Tile::Main,
                    TileSize::Grid => Tile::Grid,
                    TileSize::Hidden => Tile::Hidden,
                })
                .collect(),
            page: feed_ids(&view.page)?,
        };
        self.call().await?.set_view(view).await.map_err(call_error)
    }

    /// A page of the participants, read fresh from Janus, sorted by name.
    pub async fn call_roster(&self, offset: u32, limit: u32) -> ApiResult<RosterView> {
        let page = self
            .call()
            .await?
            .roster(offset as usize, limit.min(500) as usize)
            .await
            .map_err(call_error)?;
        Ok(RosterView::from_page(&page))
    }

    /// A page of the participants whose name contains `query` (any case).
    pub async fn search_roster(
        &self,
        query: String,
        offset: u32,
        limit: u32,
    ) -> ApiResult<RosterView> {
        let all = self
            .call()
            .await?
            .roster(0, usize::MAX)
            .await
            .map_err(call_error)?;
        let mut view = RosterView::from_page(&all);
        let needle = query.trim().to_lowercase();
        view.members.retain(|m| {
            m.display
                .as_deref()
                .is_some_and(|d| d.to_lowercase().contains(&needle))
        });
        view.total = crate::types::count(view.members.len());
        view.offset = offset;
        view.members = view
            .members
            .into_iter()
            .skip(offset as usize)
            .take(limit.min(500) as usize)
            .collect();
        Ok(view)
    }
}

/// Turns the call's events into updates and adds statistics every `stats_every`; stops
/// after `ended` (returning true) or when the call's task is gone (false).
async fn forward(
    updates: broadcast::Sender<CallUpdate>,
    every: Duration,
    call: Arc<Call>,
    media: Arc<HeadlessMedia>,
    mut events: CallEvents,
) -> bool {
    let mut meter = Meter::new();
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => {
                    let mut update = CallUpdate::from(&event);
                    if let CallUpdate::Slots { mids, .. } = &mut update {
                        // Slot i is the i-th video m-line of the subscription.
                        *mids = call
                            .sources()
                            .into_iter()
                            .filter(|s| s.kind == "video")
                            .map(|s| s.mid)
                            .collect();
                    }
                    let _ = updates.send(update);
                    if matches!(event, CallEvent::Ended { .. }) {
                        return true;
                    }
                }
                None => return false,
            },
            _ = tick.tick() => {
                let received = media.stats().await;
                let streams = meter
                    .sample(Instant::now(), &received.streams, &call.sources())
                    .iter()
                    .map(StreamStats::from)
                    .collect();
                let _ = updates.send(CallUpdate::Stats { streams });
            }
        }
    }
}

fn feed_ids(feeds: &[String]) -> ApiResult<Vec<FeedId>> {
    feeds
        .iter()
        .map(|f| parse_janus_id("feed", f).map(FeedId))
        .collect()
}

fn check_profile(mut profile: CallProfile) -> ApiResult<CallProfile> {
    profile.name = profile.name.trim().to_owned();
    if profile.name.is_empty() {
        return Err(ApiError::invalid("Give the call server a name."));
    }
    profile.servers = profile
        .servers
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if profile.servers.is_empty() {
        return Err(ApiError::invalid("Give at least one Janus server URL."));
    }
    for server in &profile.servers {
        mailcall_janus::Endpoint::parse(server).map_err(|e| {
            ApiError::invalid(format!("{server} is not a Janus URL ({})", error_chain(&e)))
        })?;
    }
    if let TokenSource::Url { url } = &profile.token {
        url::Url::parse(url).map_err(|e| ApiError::invalid(format!("{url} is not a URL ({e})")))?;
    }
    profile.slots = profile.slots.clamp(1, 16);
    Ok(profile)
}

/// The token a profile's source gives for `room`.
async fn fetch_token(source: &TokenSource, room: RoomId) -> ApiResult<Option<String>> {
    let TokenSource::Url { url } = source else {
        return Ok(None);
    };
    let offline = |e: reqwest::Error| ApiError::Offline {
        message: format!("Cannot get a call token from {url}: {e}"),
    };
    let mut target =
        url::Url::parse(url).map_err(|e| ApiError::invalid(format!("{url} is not a URL ({e})")))?;
    target
        .query_pairs_mut()
        .append_pair("room", &room.0.to_string());
    let response = reqwest::Client::new()
        .get(target)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(offline)?;
    let status = response.status();
    let text = response.text().await.map_err(offline)?;
    if !status.is_success() {
        return Err(ApiError::Auth {
            message: format!("The token service {url} refused: {status}"),
        });
    }
    let token = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(doc) => doc["token"].as_str().map(str::to_owned),
        Err(_) => Some(text.trim().to_owned()),
    };
    match token.filter(|t| !t.is_empty()) {
        Some(t) => Ok(Some(t)),
        None => Err(ApiError::internal(format!(
            "The token service {url} answered no token."
        ))),
    }
}

/// The page's kind for a call error.
fn call_error(e: mailcall_call::Error) -> ApiError {
    let message = error_chain(&e);
    if let Some(code) = e.videoroom_code() {
        return match code {
            VideoRoomCode::NoSuchRoom => ApiError::NotFound { message },
            VideoRoomCode::Unauthorized => ApiError::Auth { message },
            _ => ApiError::Invalid { message },
        };
    }
    match &e {
        mailcall_call::Error::Janus { source, .. } => {
            if source.janus_code() == Some(mailcall_janus::JanusCode::Unauthorized) {
                ApiError::Auth { message }
            } else if source.is_transient() {
                ApiError::Offline { message }
            } else {
                ApiError::Internal { message }
            }
        }
        mailcall_call::Error::Ended => ApiError::NotFound {
            message: "The call has ended.".to_owned(),
        },
        mailcall_call::Error::Invalid { .. } => ApiError::Invalid { message },
        mailcall_call::Error::Timeout { .. } | mailcall_call::Error::Io { .. } => {
            ApiError::Offline { message }
        }
        _ => ApiError::Internal { message },
    }
}
