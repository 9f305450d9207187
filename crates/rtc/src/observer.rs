//! webrtc-rs's connection callbacks turned into this crate's state: the [`Status`] watch
//! (state plus timings), local [`Trickle`] events, and one reader task per remote track that
//! counts RTP into a [`StreamTable`].
//!
//! Callbacks run on the connection's driver task, so they only update watches and counters
//! and spawn; nothing here blocks or waits on the application.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    PeerConnectionEventHandler, RTCIceConnectionState, RTCIceGatheringState,
    RTCPeerConnectionIceEvent, RTCPeerConnectionState,
};

use crate::assembly::{Assembled, Assembler};
use crate::participant::{ConnectionState, IceCandidate, Status, TrackFrame, Trickle};
use crate::stats::{MediaKind, StreamCounters};

/// Received streams in the order their tracks appeared, and a signal on every change.
#[derive(Debug, Default)]
pub(crate) struct StreamTable {
    streams: Mutex<Vec<Arc<StreamCounters>>>,
    changed: watch::Sender<u64>,
}

impl StreamTable {
    fn add(&self, counters: Arc<StreamCounters>) {
        let mut streams = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
        streams.push(counters);
        self.changed.send_modify(|n| *n += 1);
    }

    pub(crate) fn all(&self) -> Vec<Arc<StreamCounters>> {
        self.streams
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

/// webrtc-rs's callbacks, turned into the status watch, trickle events and reader tasks.
pub(crate) struct Observer {
    pub(crate) t0: Instant,
    pub(crate) label: String,
    pub(crate) status: watch::Sender<Status>,
    pub(crate) gathered: watch::Sender<bool>,
    pub(crate) trickle: mpsc::UnboundedSender<Trickle>,
    pub(crate) streams: Arc<StreamTable>,
    pub(crate) tracker: TaskTracker,
    pub(crate) cancel: CancellationToken,
    pub(crate) frames: Option<mpsc::Sender<TrackFrame>>,
}

/// Key frames are asked for at most this often per track: a sender needs a moment to
/// produce one, and every frame dropped meanwhile asks again.
const PLI_EVERY: Duration = Duration::from_millis(300);

/// Asks the sender of `ssrc` on `track` for a key frame.
pub(crate) async fn send_pli(track: &dyn TrackRemote, ssrc: u32) {
    let pli = PictureLossIndication {
        sender_ssrc: 0,
        media_ssrc: ssrc,
    };
    if let Err(e) = track.write_rtcp(vec![Box::new(pli)]).await {
        tracing::debug!("a key frame request was not sent: {e}");
    }
}

/// Reassembles one track's packets and hands whole frames to `sink`.
struct FrameFeed {
    assembler: Assembler,
    sink: mpsc::Sender<TrackFrame>,
    track_id: Arc<str>,
    kind: MediaKind,
    last_pli: Option<Instant>,
}

impl FrameFeed {
    async fn packet(&mut self, track: &dyn TrackRemote, packet: &rtc::rtp::Packet, at_us: u64) {
        let h = &packet.header;
        let mut need_key = false;
        let out = self.assembler.push(
            h.sequence_number,
            h.timestamp,
            h.marker,
            &packet.payload,
            at_us,
        );
        for assembled in out {
            match assembled {
                Assembled::NeedKey => need_key = true,
                Assembled::Frame(frame) => {
                    let sent = self.sink.try_send(TrackFrame {
                        track_id: Arc::clone(&self.track_id),
                        kind: self.kind,
                        frame,
                    });
                    if sent.is_err() && self.kind == MediaKind::Video {
                        // The frames after a dropped one cannot be decoded.
                        self.assembler.resync();
                        need_key = true;
                    }
                }
            }
        }
        let due = self.last_pli.is_none_or(|t| t.elapsed() >= PLI_EVERY);
        if need_key && due {
            self.last_pli = Some(Instant::now());
            send_pli(track, h.ssrc).await;
        }
    }
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Observer {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        match event.candidate.to_json() {
            // webrtc-rs leaves sdpMid empty; under BUNDLE every candidate belongs to the first
            // m-line, which Janus finds by index.
            Ok(init) => {
                let _ = self.trickle.send(Trickle::Candidate(IceCandidate {
                    candidate: init.candidate,
                    sdp_mid: None,
                    sdp_mline_index: Some(0),
                }));
            }
            Err(e) => tracing::warn!(label = %self.label, "unusable local candidate: {e}"),
        }
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.trickle.send(Trickle::Completed);
            self.gathered.send_replace(true);
        }
    }

    async fn on_ice_connection_state_change(&self, state: RTCIceConnectionState) {
        tracing::debug!(label = %self.label, "ICE {state}");
        if matches!(
            state,
            RTCIceConnectionState::Connected | RTCIceConnectionState::Completed
        ) {
            let now = self.t0.elapsed();
            self.status.send_modify(|s| {
                s.timings.ice_connected.get_or_insert(now);
            });
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        tracing::debug!(label = %self.label, "connection {state}");
        let now = self.t0.elapsed();
        let state = match state {
            RTCPeerConnectionState::Connecting => ConnectionState::Connecting,
            RTCPeerConnectionState::Connected => ConnectionState::Connected,
            RTCPeerConnectionState::Disconnected => ConnectionState::Disconnected,
            RTCPeerConnectionState::Failed => ConnectionState::Failed,
            RTCPeerConnectionState::Closed => ConnectionState::Closed,
            _ => ConnectionState::New,
        };
        self.status.send_modify(|s| {
            s.state = state;
            match state {
                ConnectionState::Connected => {
                    s.timings.dtls_connected.get_or_insert(now);
                }
                ConnectionState::Failed => {
                    s.timings.failed.get_or_insert(now);
                }
                _ => {}
            }
        });
        if state == ConnectionState::Failed {
            tracing::warn!(label = %self.label, "connection failed after {now:?}");
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let kind = match track.kind().await {
            RtpCodecKind::Audio => MediaKind::Audio,
            RtpCodecKind::Video => MediaKind::Video,
            other => {
                tracing::debug!(label = %self.label, "ignoring a {other} track");
                return;
            }
        };
        let counters = Arc::new(StreamCounters::new(track.track_id().await, kind));
        self.streams.add(Arc::clone(&counters));
        let (t0, streams, cancel) = (self.t0, Arc::clone(&self.streams), self.cancel.clone());
        let mut feed = self.frames.clone().map(|sink| FrameFeed {
            assembler: Assembler::new(kind),
            sink,
            track_id: Arc::from(counters.track_id.as_str()),
            kind,
            last_pli: None,
        });
        self.tracker.spawn(async move {
            // Polling is also what drains the track's queue, so every track is read even
            // when nobody looks at the counts.
            loop {
                let event = tokio::select! {
                    () = cancel.cancelled() => break,
                    event = track.poll() => event,
                };
                match event {
                    Some(TrackRemoteEvent::OnRtpPacket(packet)) => {
                        let now = t0.elapsed();
                        let h = &packet.header;
                        counters.receive(
                            (h.sequence_number, h.timestamp, h.marker),
                            &packet.payload,
                            now,
                        );
                        if let Some(feed) = feed.as_mut() {
                            let at_us = u64::try_from(now.as_micros()).unwrap_or(u64::MAX);
                            feed.packet(track.as_ref(), &packet, at_us).await;
                        }
                        let first = counters.record(packet.header.ssrc, packet.payload.len(), now);
                        if first {
                            streams.changed.send_modify(|n| *n += 1);
                        }
                    }
                    Some(TrackRemoteEvent::OnEnded) | None => break,
                    Some(_) => {}
                }
            }
        });
    }
}
