//! The part every headless participant shares: one webrtc-rs peer connection restricted to a
//! single local address, its connection state and timings, local ICE candidates as a stream,
//! and counting of received RTP. [`crate::Publisher`] and [`crate::Subscriber`] add the media
//! direction on top; neither talks to Janus, the caller carries SDP and candidates.
//!
//! Invariants (each one a measured gotcha with Janus 1.1.2):
//! - ICE binds exactly one socket, on [`ParticipantConfig::bind_ip`]. webrtc-rs 0.21 gathers
//!   host candidates from the sockets it binds (its interface and IP filters are not wired
//!   up), so binding a concrete address is what keeps every other interface out of the SDP.
//!   Loopback never works: Janus skips loopback interfaces.
//! - STUN and TURN servers ([`ParticipantConfig::ice_servers`]) are contacted from that same
//!   socket, so server-reflexive and relay candidates belong to the bound address too. With
//!   [`IcePolicy::Relay`] only relay candidates are offered: connecting then proves TURN works.
//! - mDNS is disabled: with the default (query) mode, building fails where there is no
//!   multicast route, as in a test network namespace.
//! - Opus carries the `ssrc-audio-level` extension (see `codec`); without it Janus never
//!   emits `talking`.
//! - `failed` is final here: webrtc-rs reports it but does nothing else, so the state is
//!   published to waiters, media tasks stop, and the owner decides (usually: close, report).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rtc::ice::mdns::MulticastDnsMode;
use rtc::ice::network_type::NetworkType;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, RTCConfigurationBuilder, RTCIceCandidateInit,
    RTCIceServer, RTCIceTransportPolicy, RTCSessionDescription, SettingEngineBuilder,
};

use crate::codec::media_setup;
use crate::error::{Error, Result};
use crate::observer::{Observer, StreamTable};
use crate::stats::{ReceivedStream, Timings};

/// How local ICE candidates reach the remote side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gathering {
    /// Offers and answers are returned once gathering completed and carry every candidate
    /// (host-only gathering on one address takes milliseconds). Nothing to trickle.
    #[default]
    Complete,
    /// Offers and answers are returned at once; candidates arrive on [`Trickle`] events,
    /// ending with [`Trickle::Completed`], for the caller to send as Janus `trickle` requests.
    Trickle,
}

/// A STUN or TURN server for ICE (the W3C `RTCIceServer`).
#[derive(Clone, PartialEq, Eq)]
pub struct IceServer {
    /// `stun:host:port`, `turn:host:port?transport=udp`, `turns:…`.
    pub urls: Vec<String>,
    /// TURN long-term credential user; empty for STUN.
    pub username: String,
    pub credential: String,
}

impl IceServer {
    /// A STUN server; a bare `host:port` gets the `stun:` scheme.
    pub fn stun(url: &str) -> Self {
        Self {
            urls: vec![with_scheme(url, "stun:")],
            username: String::new(),
            credential: String::new(),
        }
    }

    /// A TURN server with a long-term credential; a bare `host:port` gets the `turn:` scheme.
    pub fn turn(url: &str, username: &str, credential: &str) -> Self {
        Self {
            urls: vec![with_scheme(url, "turn:")],
            username: username.to_owned(),
            credential: credential.to_owned(),
        }
    }
}

fn with_scheme(url: &str, scheme: &str) -> String {
    if ["stun:", "stuns:", "turn:", "turns:"]
        .iter()
        .any(|s| url.starts_with(s))
    {
        url.to_owned()
    } else {
        format!("{scheme}{url}")
    }
}

// Hand-written so credentials never end up in logs.
impl std::fmt::Debug for IceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceServer")
            .field("urls", &self.urls)
            .field("username", &self.username)
            .field("credential", &"…")
            .finish()
    }
}

/// Which local candidates ICE may use (the W3C `RTCIceTransportPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IcePolicy {
    /// Host, server-reflexive and relay candidates.
    #[default]
    All,
    /// Relay candidates only: every packet goes through a TURN server.
    Relay,
}

/// Settings of one participant.
#[derive(Debug, Clone)]
pub struct ParticipantConfig {
    /// The only local address ICE binds and offers (in the Janus lab: `lab.peer_ip()`).
    pub bind_ip: IpAddr,
    pub gathering: Gathering,
    /// How long Complete gathering may take before [`Error::GatheringTimeout`].
    pub gathering_timeout: Duration,
    /// ICE: no traffic for this long means `disconnected`.
    pub ice_disconnected_timeout: Duration,
    /// ICE: this much longer without traffic (or checks without success) means `failed`; a
    /// connection that never connects fails after both timeouts.
    pub ice_failed_timeout: Duration,
    /// STUN and TURN servers; none by default (host candidates only).
    pub ice_servers: Vec<IceServer>,
    pub ice_policy: IcePolicy,
    /// A name for logs.
    pub label: String,
    /// Where whole received frames go (the desktop app's native media engine); `None`
    /// only counts packets. A full channel drops the frame, and video then waits for a
    /// key frame.
    pub frames: Option<mpsc::Sender<TrackFrame>>,
}

/// A whole frame of one received track (see [`crate::assembly`]).
#[derive(Debug, Clone)]
pub struct TrackFrame {
    pub track_id: Arc<str>,
    pub kind: crate::stats::MediaKind,
    pub frame: crate::assembly::Frame,
}

impl ParticipantConfig {
    /// Defaults: complete gathering, failure reported 10 s after checks started.
    pub fn new(bind_ip: IpAddr) -> Self {
        Self {
            bind_ip,
            gathering: Gathering::Complete,
            gathering_timeout: Duration::from_secs(5),
            ice_disconnected_timeout: Duration::from_secs(3),
            ice_failed_timeout: Duration::from_secs(7),
            ice_servers: Vec::new(),
            ice_policy: IcePolicy::All,
            label: "participant".to_owned(),
            frames: None,
        }
    }
}

/// The peer connection's state, as the W3C `RTCPeerConnectionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionState {
    #[default]
    New,
    Connecting,
    Connected,
    Disconnected,
    Failed,
    Closed,
}

/// The state and timings, published together so a waiter never sees one without the other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Status {
    pub state: ConnectionState,
    pub timings: Timings,
}

/// A local or remote ICE candidate as Janus's `trickle` request carries it
/// (`{"candidate": "candidate:...", "sdpMid": "0", "sdpMLineIndex": 0}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(rename = "sdpMid", default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    #[serde(
        rename = "sdpMLineIndex",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub sdp_mline_index: Option<u16>,
}

/// A local trickle event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trickle {
    Candidate(IceCandidate),
    /// Gathering finished (Janus: `{"completed": true}`).
    Completed,
}

/// Local trickle events of one participant, in gathering order.
#[derive(Debug)]
pub struct TrickleEvents(mpsc::UnboundedReceiver<Trickle>);

impl TrickleEvents {
    /// The next event; `None` once the participant is gone.
    pub async fn next(&mut self) -> Option<Trickle> {
        self.0.recv().await
    }
}

/// One peer connection with its observers; owned by a publisher or a subscriber.
pub(crate) struct Peer {
    pub(crate) pc: Arc<dyn PeerConnection>,
    pub(crate) t0: Instant,
    pub(crate) config: ParticipantConfig,
    pub(crate) status: watch::Receiver<Status>,
    status_tx: watch::Sender<Status>,
    gathered: watch::Receiver<bool>,
    trickle: Mutex<Option<TrickleEvents>>,
    pub(crate) streams: Arc<StreamTable>,
    pub(crate) tracker: TaskTracker,
    pub(crate) cancel: CancellationToken,
}

impl Peer {
    pub(crate) async fn build(config: ParticipantConfig) -> Result<Self> {
        let t0 = Instant::now();
        let bind = SocketAddr::new(config.bind_ip, 0);
        let build_error = |source| Error::Build { bind, source };
        let (media, registry) = media_setup().map_err(build_error)?;
        let network = match config.bind_ip {
            IpAddr::V4(_) => NetworkType::Udp4,
            IpAddr::V6(_) => NetworkType::Udp6,
        };
        let settings = SettingEngineBuilder::new()
            .with_multicast_dns_mode(MulticastDnsMode::Disabled)
            .with_network_types(vec![network])
            .with_ice_timeouts(
                Some(config.ice_disconnected_timeout),
                Some(config.ice_failed_timeout),
                None,
            )
            .build();
        let (status_tx, status) = watch::channel(Status::default());
        let (gathered_tx, gathered) = watch::channel(false);
        let (trickle_tx, trickle_rx) = mpsc::unbounded_channel();
        let streams = Arc::new(StreamTable::default());
        let tracker = TaskTracker::new();
        let cancel = CancellationToken::new();
        let observer = Observer {
            t0,
            label: config.label.clone(),
            status: status_tx.clone(),
            gathered: gathered_tx,
            trickle: trickle_tx,
            streams: Arc::clone(&streams),
            tracker: tracker.clone(),
            cancel: cancel.clone(),
            frames: config.frames.clone(),
        };
        let ice_servers = config
            .ice_servers
            .iter()
            .map(|s| RTCIceServer {
                urls: s.urls.clone(),
                username: s.username.clone(),
                credential: s.credential.clone(),
            })
            .collect();
        let policy = match config.ice_policy {
            IcePolicy::All => RTCIceTransportPolicy::All,
            IcePolicy::Relay => RTCIceTransportPolicy::Relay,
        };
        let configuration = RTCConfigurationBuilder::new()
            .with_ice_servers(ice_servers)
            .with_ice_transport_policy(policy)
            .build();
        let pc = PeerConnectionBuilder::new()
            .with_configuration(configuration)
            .with_media_engine(media)
            .with_interceptor_registry(registry)
            .with_setting_engine(settings)
            .with_handler(Arc::new(observer))
            .with_udp_addrs(vec![bind])
            .build()
            .await
            .map_err(build_error)?;
        Ok(Self {
            pc: Arc::new(pc),
            t0,
            config,
            status,
            status_tx,
            gathered,
            trickle: Mutex::new(Some(TrickleEvents(trickle_rx))),
            streams,
            tracker,
            cancel,
        })
    }

    pub(crate) fn take_trickle(&self) -> Option<TrickleEvents> {
        self.trickle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    pub(crate) async fn create_offer(&self) -> Result<String> {
        let step = |step| move |source| Error::Negotiation { step, source };
        let offer = self
            .pc
            .create_offer(None)
            .await
            .map_err(step("create an offer"))?;
        self.pc
            .set_local_description(offer.clone())
            .await
            .map_err(step("apply the local offer"))?;
        self.local_sdp(offer).await
    }

    pub(crate) async fn apply_answer(&self, sdp: &str) -> Result<()> {
        let invalid = |source| Error::InvalidAnswer { source };
        let answer = RTCSessionDescription::answer(sdp.to_owned()).map_err(invalid)?;
        self.pc
            .set_remote_description(answer)
            .await
            .map_err(invalid)?;
        self.mark_remote_description();
        Ok(())
    }

    pub(crate) async fn answer_offer(&self, sdp: &str) -> Result<String> {
        let invalid = |source| Error::InvalidOffer { source };
        let offer = RTCSessionDescription::offer(sdp.to_owned()).map_err(invalid)?;
        self.pc
            .set_remote_description(offer)
            .await
            .map_err(invalid)?;
        self.mark_remote_description();
        let step = |step| move |source| Error::Negotiation { step, source };
        let answer = self
            .pc
            .create_answer(None)
            .await
            .map_err(step("create an answer"))?;
        self.pc
            .set_local_description(answer.clone())
            .await
            .map_err(step("apply the local answer"))?;
        self.local_sdp(answer).await
    }

    pub(crate) async fn add_remote_candidate(&self, candidate: &IceCandidate) -> Result<()> {
        let init = RTCIceCandidateInit {
            candidate: candidate.candidate.clone(),
            sdp_mid: candidate.sdp_mid.clone(),
            sdp_mline_index: candidate.sdp_mline_index,
            ..Default::default()
        };
        self.pc
            .add_ice_candidate(init)
            .await
            .map_err(|source| Error::Candidate {
                candidate: candidate.candidate.clone(),
                source,
            })
    }

    /// With complete gathering, waits for it and returns the description with candidates.
    async fn local_sdp(&self, applied: RTCSessionDescription) -> Result<String> {
        if self.config.gathering == Gathering::Trickle {
            return Ok(applied.sdp);
        }
        let after = self.config.gathering_timeout;
        let mut gathered = self.gathered.clone();
        tokio::time::timeout(after, gathered.wait_for(|done| *done))
            .await
            .map_err(|_| Error::GatheringTimeout { after })?
            .map_err(|_| Error::Closed)?;
        Ok(self
            .pc
            .local_description()
            .await
            .map_or(applied.sdp, |d| d.sdp))
    }

    fn mark_remote_description(&self) {
        let now = self.t0.elapsed();
        self.status_tx.send_modify(|s| {
            s.timings.remote_description.get_or_insert(now);
        });
    }

    pub(crate) fn status(&self) -> Status {
        *self.status.borrow()
    }

    /// Waits for `connected`; `failed` and `closed` end the wait with an error.
    pub(crate) async fn wait_connected(&self, deadline: Duration) -> Result<Timings> {
        let mut status = self.status.clone();
        let wait = async {
            loop {
                let now = *status.borrow_and_update();
                match now.state {
                    ConnectionState::Connected => return Ok(now.timings),
                    ConnectionState::Failed => {
                        return Err(Error::ConnectionFailed {
                            after: now.timings.failed.unwrap_or_default(),
                        })
                    }
                    ConnectionState::Closed => return Err(Error::Closed),
                    _ => {}
                }
                status.changed().await.map_err(|_| Error::Closed)?;
            }
        };
        tokio::time::timeout(deadline, wait)
            .await
            .map_err(|_| Error::Timeout {
                what: "the connection to come up",
                after: deadline,
            })?
    }

    /// Waits for `failed` (or `closed`), for callers that expect the connection to break.
    pub(crate) async fn wait_failed(&self, deadline: Duration) -> Result<Timings> {
        let mut status = self.status.clone();
        let wait = status
            .wait_for(|s| matches!(s.state, ConnectionState::Failed | ConnectionState::Closed));
        let reached = tokio::time::timeout(deadline, wait)
            .await
            .map_err(|_| Error::Timeout {
                what: "the connection to fail",
                after: deadline,
            })?
            .map_err(|_| Error::Closed)?;
        Ok(reached.timings)
    }

    pub(crate) async fn received(&self) -> Vec<ReceivedStream> {
        // Track ids are what on_track gives; mids live on transceivers, so join them here
        // rather than per packet.
        let mut mids = Vec::new();
        for transceiver in self.pc.get_transceivers().await {
            let (Ok(Some(mid)), Ok(Some(receiver))) =
                (transceiver.mid().await, transceiver.receiver().await)
            else {
                continue;
            };
            mids.push((receiver.track().track_id().await, mid));
        }
        self.streams
            .all()
            .iter()
            .map(|c| {
                let mid = mids
                    .iter()
                    .find(|(id, _)| *id == c.track_id)
                    .map(|(_, mid)| mid.clone());
                c.snapshot(mid)
            })
            .collect()
    }

    /// The mid of the transceiver receiving `track_id`.
    pub(crate) async fn mid_of(&self, track_id: &str) -> Option<String> {
        for transceiver in self.pc.get_transceivers().await {
            let (Ok(Some(mid)), Ok(Some(receiver))) =
                (transceiver.mid().await, transceiver.receiver().await)
            else {
                continue;
            };
            if receiver.track().track_id().await == track_id {
                return Some(mid);
            }
        }
        None
    }

    /// Sends a picture loss indication for what the transceiver `mid` receives.
    pub(crate) async fn request_key_frame(&self, mid: &str) -> Result<bool> {
        for transceiver in self.pc.get_transceivers().await {
            let (Ok(Some(m)), Ok(Some(receiver))) =
                (transceiver.mid().await, transceiver.receiver().await)
            else {
                continue;
            };
            if m == mid {
                let track = receiver.track();
                for ssrc in track.ssrcs().await {
                    crate::observer::send_pli(track.as_ref(), ssrc).await;
                }
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Stops media tasks, closes the connection and waits for the tasks to end.
    pub(crate) async fn close(&self) {
        self.cancel.cancel();
        self.tracker.close();
        if let Err(e) = self.pc.close().await {
            tracing::debug!(label = %self.config.label, "closing the peer connection: {e}");
        }
        self.tracker.wait().await;
        self.status_tx
            .send_modify(|s| s.state = ConnectionState::Closed);
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.cancel.cancel();
        if self.status.borrow().state == ConnectionState::Closed {
            return;
        }
        // webrtc-rs runs each connection's driver as its own task, which holds the socket
        // until `close()`; a participant dropped without `close()` (a panicking test, an
        // aborted load test) would otherwise keep its port and keep answering ICE checks.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let pc = Arc::clone(&self.pc);
            runtime.spawn(async move {
                let _ = pc.close().await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_addresses_get_a_scheme_and_urls_are_kept() {
        assert_eq!(
            IceServer::stun("10.77.1.1:3478").urls,
            ["stun:10.77.1.1:3478"]
        );
        let turn = IceServer::turn("turn:10.77.1.1:3478?transport=udp", "u", "p");
        assert_eq!(turn.urls, ["turn:10.77.1.1:3478?transport=udp"]);
        assert_eq!(IceServer::turn("h:1", "u", "p").urls, ["turn:h:1"]);
    }

    #[test]
    fn debug_hides_the_credential() {
        let text = format!("{:?}", IceServer::turn("h:1", "user", "s3cret"));
        assert!(text.contains("user") && !text.contains("s3cret"), "{text}");
    }
}
