//! Starting the labs and the participant settings every test uses.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mailcall_rtc::{MediaSamples, ParticipantConfig};
use mailcall_testkit::janus::JanusLab;
use mailcall_testkit::netns::NetNs;
use mailcall_testkit::process::in_ci;

/// Generous bound for anything that should take milliseconds on a quiet machine; the test
/// machine has two cores shared with parallel builds.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub fn janus() -> Option<JanusLab> {
    logs();
    JanusLab::builder().start_or_skip()
}

/// A namespace only for its veth pair: peers in the test process bind `peer_ip`, which is
/// not loopback, so ICE between two local peers works as it does with Janus.
pub fn netns() -> Option<NetNs> {
    logs();
    if let Err(why) = NetNs::available() {
        assert!(
            !in_ci(),
            "network namespaces cannot be made under CI: {why:#}"
        );
        eprintln!("skipping: network namespaces cannot be made here: {why:#}");
        return None;
    }
    Some(NetNs::create().unwrap_or_else(|e| panic!("cannot create a namespace: {e:#}")))
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
