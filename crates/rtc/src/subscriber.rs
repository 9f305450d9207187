//! A headless subscriber: answers a (Janus multistream) offer with `recvonly` m-lines, reads
//! every incoming track and counts its RTP packets and payload bytes per stream, with the
//! time of the first packet. Nothing is decoded: the load test and the pre-flight need
//! "media arrives, how much, how soon", and counting keeps 20+ subscribers in one process
//! cheap.
//!
//! Janus renegotiates a subscriber (new `streams` after `subscribe`/`unsubscribe`) by sending
//! a new offer: answer it with [`Subscriber::answer`] again. `switch` needs no renegotiation.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::error::{Error, Result};
use crate::participant::{IceCandidate, ParticipantConfig, Peer, Status, TrickleEvents};
use crate::stats::{MediaKind, SubscriberStats, Timings};

/// A participant that receives; see the module documentation.
pub struct Subscriber {
    peer: Peer,
}

impl Subscriber {
    /// Builds the connection; call [`Subscriber::answer`] with the remote offer next.
    pub async fn new(config: ParticipantConfig) -> Result<Self> {
        Ok(Self {
            peer: Peer::build(config).await?,
        })
    }

    /// Builds the connection and answers `offer_sdp`, returning the subscriber and the answer.
    pub async fn from_offer(config: ParticipantConfig, offer_sdp: &str) -> Result<(Self, String)> {
        let subscriber = Self::new(config).await?;
        let answer = subscriber.answer(offer_sdp).await?;
        Ok((subscriber, answer))
    }

    /// Applies a remote offer and returns the local answer (for Janus's `start`).
    pub async fn answer(&self, offer_sdp: &str) -> Result<String> {
        self.peer.answer_offer(offer_sdp).await
    }

    /// Adds a candidate the remote side trickled.
    pub async fn add_remote_candidate(&self, candidate: &IceCandidate) -> Result<()> {
        self.peer.add_remote_candidate(candidate).await
    }

    /// Local trickle events; `Some` only on the first call.
    pub fn trickle(&self) -> Option<TrickleEvents> {
        self.peer.take_trickle()
    }

    /// The current state and timings.
    pub fn status(&self) -> Status {
        self.peer.status()
    }

    /// A receiver that sees every state change.
    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.peer.status.clone()
    }

    /// Waits until connected; fails at once when the connection fails or closes.
    pub async fn wait_connected(&self, deadline: Duration) -> Result<Timings> {
        self.peer.wait_connected(deadline).await
    }

    /// Waits until the connection fails (or closes).
    pub async fn wait_failed(&self, deadline: Duration) -> Result<Timings> {
        self.peer.wait_failed(deadline).await
    }

    /// Waits until at least `packets` RTP packets arrived on some stream of every kind in
    /// `kinds`; returns the stats at that moment. Fails early if the connection fails.
    pub async fn wait_for_media(
        &self,
        kinds: &[MediaKind],
        packets: u64,
        deadline: Duration,
    ) -> Result<SubscriberStats> {
        let mut changed = self.peer.streams.subscribe();
        let mut status = self.peer.status.clone();
        let enough = |streams: &[Arc<crate::stats::StreamCounters>]| {
            kinds.iter().all(|kind| {
                streams.iter().any(|s| {
                    s.kind == *kind
                        && s.packets.load(std::sync::atomic::Ordering::Relaxed) >= packets
                })
            })
        };
        let wait = async {
            // Counts grow without a signal per packet (only first packets signal), so the
            // wait re-checks on a short tick as well as on stream and state changes.
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            loop {
                if enough(&self.peer.streams.all()) {
                    return Ok(());
                }
                let state = status.borrow_and_update().state;
                if state == crate::ConnectionState::Failed {
                    return Err(Error::ConnectionFailed {
                        after: self.peer.status().timings.failed.unwrap_or_default(),
                    });
                }
                if state == crate::ConnectionState::Closed {
                    return Err(Error::Closed);
                }
                tokio::select! {
                    _ = changed.changed() => {}
                    _ = status.changed() => {}
                    _ = tick.tick() => {}
                }
            }
        };
        tokio::time::timeout(deadline, wait)
            .await
            .map_err(|_| Error::Timeout {
                what: "RTP on every requested kind",
                after: deadline,
            })??;
        Ok(self.stats().await)
    }

    /// Timings and per-stream counts so far.
    pub async fn stats(&self) -> SubscriberStats {
        SubscriberStats {
            timings: self.peer.status().timings,
            streams: self.peer.received().await,
        }
    }

    /// The mid of the m-line receiving `track_id` (frames name their track).
    pub async fn mid_of(&self, track_id: &str) -> Option<String> {
        self.peer.mid_of(track_id).await
    }

    /// Asks the sender of m-line `mid` for a key frame; false when there is no such mid.
    pub async fn request_key_frame(&self, mid: &str) -> Result<bool> {
        self.peer.request_key_frame(mid).await
    }

    /// Stops reading and closes the connection.
    pub async fn close(&self) {
        self.peer.close().await;
    }
}
