//! Starting the labs and the participant settings every test uses.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mailcall_rtc::{MediaSamples, ParticipantConfig};
use mailcall_testkit::janus::JanusLab;
use mailcall_testkit::netns::NetNs;

/// Generous bound for anything that should take milliseconds on a quiet machine; the test
/// machine has two cores shared with parallel builds.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Starts the Janus lab; a machine that cannot run it fails the test with the reason.
pub fn janus() -> JanusLab {
    logs();
    JanusLab::builder().start_or_panic()
}

/// A namespace only for its veth pair: peers in the test process bind `peer_ip`, which is
/// not loopback, so ICE between two local peers works as it does with Janus.
pub fn netns() -> NetNs {
    logs();
    NetNs::create().unwrap_or_else(|e| panic!("cannot create a namespace: {e:#}"))
}

pub fn participant(ip: impl Into<IpAddr>, label: &str) -> ParticipantConfig {
    let mut config = ParticipantConfig::new(ip.into());
    config.label = label.to_owned();
    config
}

pub fn samples() -> Arc<MediaSamples> {
    static SAMPLES: OnceLock<Arc<MediaSamples>> = OnceLock::new();
    Arc::clone(SAMPLES.get_or_init(|| Arc::new(MediaSamples::builtin().expect("builtin samples"))))
}

/// Warnings from webrtc-rs and this crate in the test output (shown for failing tests).
fn logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_test_writer()
            .try_init();
    });
}

/// Runs the futures as tasks, so the pairs really connect concurrently.
pub async fn concurrently<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for future in futures {
        set.spawn(future);
    }
    let mut out = Vec::new();
    while let Some(result) = set.join_next().await {
        out.push(result.expect("pair task panicked"));
    }
    out
}

/// The connection addresses of the `a=candidate` lines of `sdp`.
pub fn candidate_addresses(sdp: &str) -> Vec<String> {
    sdp.lines()
        .filter(|l| l.starts_with("a=candidate:"))
        .filter_map(|l| l.split_whitespace().nth(4).map(str::to_owned))
        .collect()
}
