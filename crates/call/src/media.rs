//! Media engines: what owns the PeerConnections of a call. The controller does all
//! signalling and hands SDP to an engine; the headless engine here holds webrtc-rs
//! participants (CLI, load test, pre-flight, tests), and the desktop app plugs its webview
//! engine in through the same [`MediaEngine`] trait.
//!
//! Invariants: offers and answers carry every candidate (complete gathering), so nothing is
//! trickled; [`MediaEngine::reset`] drops both connections, because after a server restart
//! neither can be renegotiated and both are made again.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mailcall_rtc::{
    AudioLevel, MediaKind, MediaSamples, ParticipantConfig, Publisher, PublisherConfig, Subscriber,
    SubscriberStats, TrackFrame,
};
use tokio::sync::Mutex;

use crate::error::{Error, Result};

/// The media side of a call.
#[async_trait]
pub trait MediaEngine: Send + Sync + 'static {
    /// A fresh publishing connection's offer.
    async fn publish_offer(&self) -> Result<String>;
    /// Janus's answer to the last publish offer.
    async fn publish_answer(&self, sdp: &str) -> Result<()>;
    /// Janus's subscription offer (first or renegotiated); returns the answer.
    async fn subscription_offer(&self, sdp: &str) -> Result<String>;
    /// Closes both connections (before rejoining, or when leaving).
    async fn reset(&self);
}

/// Settings of the headless engine.
#[derive(Debug, Clone)]
pub struct HeadlessConfig {
    /// The local address ICE binds.
    pub bind_ip: IpAddr,
    pub samples: Arc<MediaSamples>,
    /// The audio level the publisher starts with.
    pub audio_level: AudioLevel,
    pub audio: bool,
    pub video: bool,
    pub label: String,
    /// Where the subscribing connection hands whole received frames (the desktop app's
    /// native engine); `None` only counts them.
    pub frames: Option<tokio::sync::mpsc::Sender<TrackFrame>>,
}

impl HeadlessConfig {
    pub fn new(bind_ip: IpAddr, samples: Arc<MediaSamples>) -> Self {
        Self {
            bind_ip,
            samples,
            audio_level: AudioLevel::SILENT,
            audio: true,
            video: true,
            label: "call".to_owned(),
            frames: None,
        }
    }

    fn participant(&self, role: &str) -> ParticipantConfig {
        let mut config = ParticipantConfig::new(self.bind_ip);
        config.label = format!("{}-{role}", self.label);
        if role == "subscriber" {
            config.frames = self.frames.clone();
        }
        config
    }
}

/// webrtc-rs participants that publish the built-in samples and count what they receive.
pub struct HeadlessMedia {
    config: HeadlessConfig,
    publisher: Mutex<Option<Arc<Publisher>>>,
    subscriber: Mutex<Option<Arc<Subscriber>>>,
    level: std::sync::Mutex<AudioLevel>,
}

impl std::fmt::Debug for HeadlessMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeadlessMedia")
            .field("label", &self.config.label)
            .finish_non_exhaustive()
    }
}

impl HeadlessMedia {
    pub fn new(config: HeadlessConfig) -> Arc<Self> {
        let level = config.audio_level;
        Arc::new(Self {
            config,
            publisher: Mutex::new(None),
            subscriber: Mutex::new(None),
            level: std::sync::Mutex::new(level),
        })
    }

    /// The current subscribing connection, if any.
    pub async fn subscriber(&self) -> Option<Arc<Subscriber>> {
        self.subscriber.lock().await.clone()
    }

    /// The current publishing connection, if any.
    pub async fn publisher(&self) -> Option<Arc<Publisher>> {
        self.publisher.lock().await.clone()
    }

    /// What the subscribing connection received so far (empty before it exists).
    pub async fn stats(&self) -> SubscriberStats {
        match self.subscriber().await {
            Some(s) => s.stats().await,
            None => SubscriberStats::default(),
        }
    }

    /// Changes the level written into the audio-level extension (drives Janus `talking`);
    /// kept across reconnects.
    pub async fn set_audio_level(&self, level: AudioLevel) {
        if let Ok(mut l) = self.level.lock() {
            *l = level;
        }
        if let Some(p) = self.publisher().await {
            p.set_audio_level(level);
        }
    }

    /// Waits until the current subscribing connection has `packets` RTP packets on every kind.
    pub async fn wait_for_media(
        &self,
        kinds: &[MediaKind],
        packets: u64,
        deadline: Duration,
    ) -> Result<SubscriberStats> {
        let start = tokio::time::Instant::now();
        // The subscriber may not exist yet (no publisher with media so far).
        let subscriber = loop {
            if let Some(s) = self.subscriber().await {
                break s;
            }
            if start.elapsed() >= deadline {
                return Err(Error::Timeout {
                    doing: "waiting for a subscription",
                    after: deadline,
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let left = deadline.saturating_sub(start.elapsed());
        subscriber
            .wait_for_media(kinds, packets, left)
            .await
            .map_err(Error::media("waiting for RTP"))
    }

    /// Waits until the publishing connection is connected.
    pub async fn wait_published(&self, deadline: Duration) -> Result<mailcall_rtc::Timings> {
        let publisher = self.publisher().await.ok_or(Error::Missing {
            what: "publishing connection",
            doing: "waiting for it to connect",
        })?;
        publisher
            .wait_connected(deadline)
            .await
            .map_err(Error::media("waiting for the publisher to connect"))
    }
}

#[async_trait]
impl MediaEngine for HeadlessMedia {
    async fn publish_offer(&self) -> Result<String> {
        let mut config = PublisherConfig::new(
            self.config.participant("publisher"),
            Arc::clone(&self.config.samples),
        );
        config.audio = self.config.audio;
        config.video = self.config.video;
        config.audio_level = self.level.lock().map(|l| *l).unwrap_or(AudioLevel::SILENT);
        let publisher = Publisher::new(config)
            .await
            .map_err(Error::media("creating the publisher"))?;
        let offer = publisher
            .offer()
            .await
            .map_err(Error::media("making the publish offer"))?;
        if let Some(old) = self.publisher.lock().await.replace(Arc::new(publisher)) {
            old.close().await;
        }
        Ok(offer)
    }

    async fn publish_answer(&self, sdp: &str) -> Result<()> {
        let publisher = self.publisher().await.ok_or(Error::Missing {
            what: "publishing connection",
            doing: "applying the publish answer",
        })?;
        publisher
            .apply_answer(sdp)
            .await
            .map_err(Error::media("applying the publish answer"))
    }

    async fn subscription_offer(&self, sdp: &str) -> Result<String> {
        let mut slot = self.subscriber.lock().await;
        if let Some(subscriber) = slot.as_ref() {
            return subscriber
                .answer(sdp)
                .await
                .map_err(Error::media("answering a renegotiation"));
        }
        let (subscriber, answer) =
            Subscriber::from_offer(self.config.participant("subscriber"), sdp)
                .await
                .map_err(Error::media("answering the subscription offer"))?;
        *slot = Some(Arc::new(subscriber));
        Ok(answer)
    }

    async fn reset(&self) {
        if let Some(p) = self.publisher.lock().await.take() {
            p.close().await;
        }
        if let Some(s) = self.subscriber.lock().await.take() {
            s.close().await;
        }
    }
}
