//! The pre-flight check an operator runs before an all-hands: file-descriptor limit against
//! the expected audience, Janus info (version, plugins, transports), reachability of every
//! given transport, a real ICE connection (a headless participant with the given STUN and TURN
//! servers publishes to a temporary room until connected), per TURN server a relay-only
//! connection (which only connects through that server), STUN binding requests, and the admin
//! API.
//!
//! Invariants: every check ends by itself (timeouts everywhere); a check that cannot run is a
//! warning that says why, never a silent pass; the temporary room is destroyed.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mailcall_janus::admin::Admin;
use mailcall_janus::videoroom::{
    CreateRoom, JoinAndConfigure, JoinPublisher, Publish, Publisher as JanusPublisher, Rooms,
    PLUGIN,
};
use mailcall_janus::{Jsep, RoomId, Session, SessionConfig};
use mailcall_rtc::{
    IcePolicy, IceServer, MediaSamples, ParticipantConfig, Publisher, PublisherConfig,
};
use rtc::stun;
use serde::Serialize;

use crate::error::{Error, Result};

/// Open files per expected participant (a PeerConnection's UDP socket, the signalling
/// connection, timers), plus a base for the process itself.
const FILES_PER_PARTICIPANT: u64 = 4;
const FILES_BASE: u64 = 256;
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub verdict: Verdict,
    pub detail: String,
}

impl Check {
    fn new(name: &str, verdict: Verdict, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            verdict,
            detail: detail.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreflightReport {
    /// The worst verdict of all checks.
    pub verdict: Verdict,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone)]
pub struct PreflightConfig {
    /// Janus API URLs (`http://…/janus`, `ws://…`); each is checked.
    pub servers: Vec<String>,
    pub admin: Option<(String, String)>,
    /// Needed to create the temporary room when the server requires it.
    pub admin_key: Option<String>,
    pub expected_audience: u64,
    /// STUN servers (`host:port` or `stun:host:port`): each gets a Binding request, and all
    /// are given to the ICE check's participant.
    pub stun: Vec<String>,
    /// TURN servers with their credentials: given to the ICE check's participant, and each
    /// also checked alone with a relay-only participant.
    pub turn: Vec<IceServer>,
    /// Local address for ICE; found from the route to the server when `None`.
    pub bind_ip: Option<IpAddr>,
}

/// The soft and hard `Max open files` of `/proc/self/limits` text.
pub fn parse_nofile(limits: &str) -> Option<(Option<u64>, Option<u64>)> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut fields = line["Max open files".len()..].split_whitespace();
    let value = |s: Option<&str>| s.and_then(|v| v.parse::<u64>().ok());
    Some((value(fields.next()), value(fields.next())))
}

/// Judges the soft limit against the audience.
pub fn nofile_check(limits: &str, audience: u64) -> Check {
    let needed = audience * FILES_PER_PARTICIPANT + FILES_BASE;
    match parse_nofile(limits) {
        None => Check::new("ulimit -n", Verdict::Warn, "no `Max open files` line"),
        Some((None, _)) => Check::new("ulimit -n", Verdict::Pass, "unlimited"),
        Some((Some(soft), hard)) if soft < needed => {
            let hard = hard.map_or("unlimited".to_owned(), |h| h.to_string());
            Check::new(
                "ulimit -n",
                Verdict::Warn,
                format!(
                    "soft limit {soft} is low for {audience} participants (want >= {needed}; \
                     hard limit {hard}): raise it with `ulimit -n` or LimitNOFILE="
                ),
            )
        }
        Some((Some(soft), _)) => Check::new(
            "ulimit -n",
            Verdict::Pass,
            format!("{soft} (want >= {needed} for {audience} participants)"),
        ),
    }
}

/// The local address the route to `url`'s host uses (UDP `connect` sends nothing).
pub fn local_ip_towards(url: &str) -> Result<IpAddr> {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host_port = rest.split('/').next().unwrap_or(rest);
    let target = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:80")
    };
    let io = |doing| move |source| Error::Io { doing, source };
    let socket = UdpSocket::bind("0.0.0.0:0").map_err(io("bind a UDP socket"))?;
    socket
        .connect(&target)
        .map_err(io("find the route to the server"))?;
    Ok(socket
        .local_addr()
        .map_err(io("read the local address"))?
        .ip())
}

/// Runs every check.
pub async fn run(config: PreflightConfig) -> PreflightReport {
    let mut checks = Vec::new();
    checks.push(match std::fs::read_to_string("/proc/self/limits") {
        Ok(text) => nofile_check(&text, config.expected_audience),
        Err(e) => Check::new("ulimit -n", Verdict::Warn, format!("cannot read: {e}")),
    });
    checks.push(info(&config.servers).await);
    for server in &config.servers {
        checks.push(reachable(server).await);
    }
    checks.push(ice(&config).await);
    for server in &config.turn {
        checks.push(turn_check(&config, server).await);
    }
    for stun in &config.stun {
        checks.push(stun_check(stun, config.bind_ip).await);
    }
    checks.push(match &config.admin {
        None => Check::new("admin API", Verdict::Warn, "not checked: no --admin given"),
        Some((url, secret)) => match Admin::new(url, secret).info().await {
            Ok(_) => Check::new("admin API", Verdict::Pass, format!("{url} answers")),
            Err(e) => Check::new("admin API", Verdict::Fail, crate::error_chain(&e)),
        },
    });
    let verdict = checks
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::Pass);
    PreflightReport { verdict, checks }
}

async fn info(servers: &[String]) -> Check {
    let Some(http) = servers.iter().find(|s| s.starts_with("http")) else {
        return Check::new("janus info", Verdict::Warn, "no http(s) server URL to ask");
    };
    let url = format!("{}/info", http.trim_end_matches('/'));
    let fetched = async {
        let client = mailcall_janus::http::client().map_err(|source| Error::Http {
            url: url.clone(),
            source,
        })?;
        let response = client
            .get(&url)
            .timeout(TIMEOUT)
            .send()
            .await
            .map_err(|source| Error::Http {
                url: url.clone(),
                source,
            })?;
        response
            .json::<serde_json::Value>()
            .await
            .map_err(|source| Error::Http {
                url: url.clone(),
                source,
            })
    };
    let info = match fetched.await {
        Ok(info) => info,
        Err(e) => return Check::new("janus info", Verdict::Fail, crate::error_chain(&e)),
    };
    let names = |key: &str| {
        info.get(key)
            .and_then(|v| v.as_object())
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let plugins = names("plugins");
    let transports = names("transports");
    let version = info
        .get("version_string")
        .and_then(|v| v.as_str())
        .unwrap_or("?");
    let detail = format!(
        "Janus {version}; plugins: {}; transports: {}",
        plugins.join(", "),
        transports.join(", ")
    );
    let verdict = if plugins.iter().any(|p| p == PLUGIN) {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Check::new("janus info", verdict, detail)
}

async fn reachable(server: &str) -> Check {
    let name = if server.starts_with("ws") {
        "WebSocket"
    } else {
        "HTTP"
    };
    let start = Instant::now();
    let connected = async {
        let mut config = SessionConfig::url(server)?;
        config.request_timeout = TIMEOUT;
        let (session, _) = Session::connect(config).await?;
        session.close().await
    };
    match tokio::time::timeout(TIMEOUT, connected).await {
        Ok(Ok(())) => Check::new(
            name,
            Verdict::Pass,
            format!(
                "{server}: session made in {:.0} ms",
                start.elapsed().as_secs_f64() * 1000.0
            ),
        ),
        Ok(Err(e)) => Check::new(
            name,
            Verdict::Fail,
            format!("{server}: {}", crate::error_chain(&e)),
        ),
        Err(_) => Check::new(
            name,
            Verdict::Fail,
            format!("{server}: no session within {TIMEOUT:?}"),
        ),
    }
}

/// A headless participant with every configured STUN and TURN server publishes to a temporary
/// room until ICE and DTLS are connected.
async fn ice(config: &PreflightConfig) -> Check {
    let mut servers: Vec<IceServer> = config.stun.iter().map(|s| IceServer::stun(s)).collect();
    servers.extend(config.turn.iter().cloned());
    match publish_once(config, servers, IcePolicy::All).await {
        Ok(done) => Check::new(
            "ICE",
            Verdict::Pass,
            format!(
                "published from {} and connected in {:.0} ms; offered candidates: {}",
                done.bind_ip,
                done.took.as_secs_f64() * 1000.0,
                done.types.join(", ")
            ),
        ),
        Err(why) => Check::new("ICE", Verdict::Fail, why),
    }
}

/// A relay-only participant with this one TURN server: connecting proves the server
/// allocates for the credential and relays media to Janus.
async fn turn_check(config: &PreflightConfig, server: &IceServer) -> Check {
    let url = server.urls.join(", ");
    match publish_once(config, vec![server.clone()], IcePolicy::Relay).await {
        Ok(done) => Check::new(
            "TURN",
            Verdict::Pass,
            format!(
                "{url}: relay-only publish connected in {:.0} ms; offered candidates: {}",
                done.took.as_secs_f64() * 1000.0,
                done.types.join(", ")
            ),
        ),
        Err(why) => Check::new("TURN", Verdict::Fail, format!("{url}: {why}")),
    }
}

struct Published {
    bind_ip: IpAddr,
    took: Duration,
    /// Candidate types of the offer, deduplicated (`host`, `srflx`, `relay`).
    types: Vec<String>,
}

/// Publishes the built-in samples to a temporary room of the first server until connected,
/// then leaves and destroys the room whatever happened. The error is the check's detail.
async fn publish_once(
    config: &PreflightConfig,
    ice_servers: Vec<IceServer>,
    policy: IcePolicy,
) -> Result<Published, String> {
    publish_attempt(config, ice_servers, policy)
        .await
        .map_err(|e| match e {
            Attempt::NoRelay => "no relay candidate was gathered: the TURN server refused the \
                                 allocation (wrong username or credential?) or did not answer"
                .to_owned(),
            Attempt::Failed(e) => crate::error_chain(&e),
        })
}

enum Attempt {
    /// Relay-only gathering produced nothing to connect with.
    NoRelay,
    Failed(Error),
}

impl From<Error> for Attempt {
    fn from(e: Error) -> Self {
        Attempt::Failed(e)
    }
}

async fn publish_attempt(
    config: &PreflightConfig,
    ice_servers: Vec<IceServer>,
    policy: IcePolicy,
) -> Result<Published, Attempt> {
    let Some(server) = config.servers.first() else {
        return Err(Attempt::Failed(Error::Invalid {
            what: "server list",
            value: "empty".into(),
        }));
    };
    let bind_ip = match config.bind_ip {
        Some(ip) => ip,
        None => local_ip_towards(server)?,
    };
    let samples = Arc::new(MediaSamples::builtin().map_err(Error::media("loading samples"))?);
    let mut participant = ParticipantConfig::new(bind_ip);
    participant.label = "preflight".into();
    participant.ice_servers = ice_servers;
    participant.ice_policy = policy;
    let start = Instant::now();
    let publisher = Publisher::new(PublisherConfig::new(participant, samples))
        .await
        .map_err(Error::media("creating the participant"))?;
    let outcome = async {
        let offer = publisher
            .offer()
            .await
            .map_err(Error::media("gathering candidates"))?;
        let types = candidate_types(&offer);
        if policy == IcePolicy::Relay && !types.iter().any(|t| t == "relay") {
            // Without a relay candidate there is nothing to connect with; saying so here is
            // clearer than an ICE failure seconds later.
            return Err(Attempt::NoRelay);
        }
        let (session, _events) = Session::connect(
            SessionConfig::url(server).map_err(Error::janus("reading the server URL"))?,
        )
        .await
        .map_err(Error::janus("connecting"))?;
        let room = RoomId(rand::random::<u64>() >> 12);
        let published = publish_in_room(config, &session, room, &publisher, &offer).await;
        destroy(server, room).await;
        let _ = session.close().await;
        published?;
        Ok(Published {
            bind_ip,
            took: start.elapsed(),
            types,
        })
    };
    let outcome = tokio::time::timeout(TIMEOUT * 2, outcome)
        .await
        .unwrap_or(Err(Attempt::Failed(Error::Timeout {
            doing: "publishing",
            after: TIMEOUT * 2,
        })));
    publisher.close().await;
    outcome
}

async fn publish_in_room(
    config: &PreflightConfig,
    session: &Session,
    room: RoomId,
    publisher: &Publisher,
    offer: &str,
) -> Result<()> {
    let (handle, _) = session
        .attach(PLUGIN)
        .await
        .map_err(Error::janus("attaching the room handle"))?;
    Rooms::new(handle)
        .create(CreateRoom {
            room: Some(room),
            admin_key: config.admin_key.clone(),
            description: Some("mailcall pre-flight".into()),
            ..Default::default()
        })
        .await
        .map_err(Error::janus("creating the temporary room"))?;
    let (participant, _) = JanusPublisher::attach(session)
        .await
        .map_err(Error::janus("attaching the publisher handle"))?;
    let request = JoinAndConfigure {
        join: JoinPublisher {
            room,
            display: Some("mailcall pre-flight".into()),
            ..Default::default()
        },
        publish: Publish::default(),
    };
    let (_, answer) = participant
        .join_and_configure(request, Jsep::offer(offer.to_owned()))
        .await
        .map_err(Error::janus("joining and publishing"))?;
    let answer = answer.ok_or(Error::Missing {
        what: "SDP answer",
        doing: "publishing",
    })?;
    publisher
        .apply_answer(&answer.sdp)
        .await
        .map_err(Error::media("applying the answer"))?;
    let connected = publisher
        .wait_connected(TIMEOUT)
        .await
        .map_err(Error::media("connecting ICE and DTLS"));
    let _ = participant.leave().await;
    connected.map(drop)
}

/// The distinct `typ` values of the `a=candidate` lines of `sdp`, in order of appearance.
fn candidate_types(sdp: &str) -> Vec<String> {
    let mut types: Vec<String> = Vec::new();
    for line in sdp.lines().filter(|l| l.starts_with("a=candidate:")) {
        let mut words = line.split_whitespace();
        if words.any(|w| w == "typ") {
            if let Some(kind) = words.next() {
                if !types.iter().any(|t| t == kind) {
                    types.push(kind.to_owned());
                }
            }
        }
    }
    types
}

async fn destroy(server: &str, room: RoomId) {
    let Ok(config) = SessionConfig::url(server) else {
        return;
    };
    if let Ok((session, _)) = Session::connect(config).await {
        if let Ok((handle, _)) = session.attach(PLUGIN).await {
            let destroy = mailcall_janus::videoroom::DestroyRoom {
                room,
                ..Default::default()
            };
            let _ = mailcall_janus::videoroom::Rooms::new(handle)
                .destroy(destroy)
                .await;
        }
        let _ = session.close().await;
    }
}

/// One STUN Binding request (RFC 5389); passes with the mapped address.
async fn stun_check(server: &str, bind_ip: Option<IpAddr>) -> Check {
    let name = "STUN";
    let run = async {
        // The ICE configuration takes `stun:host:port`; a socket wants the bare `host:port`.
        let host_port = server.strip_prefix("stun:").unwrap_or(server);
        let target: SocketAddr = tokio::net::lookup_host(host_port)
            .await
            .map_err(|source| Error::Io {
                doing: "resolve the STUN server",
                source,
            })?
            .next()
            .ok_or(Error::Invalid {
                what: "STUN server",
                value: server.to_owned(),
            })?;
        let local = SocketAddr::new(bind_ip.unwrap_or([0, 0, 0, 0].into()), 0);
        let io = |doing| move |source| Error::Io { doing, source };
        let socket = tokio::net::UdpSocket::bind(local)
            .await
            .map_err(io("bind a UDP socket"))?;
        let request = binding_request().map_err(|e| Error::Invalid {
            what: "STUN request",
            value: e.to_string(),
        })?;
        socket
            .send_to(&request.raw, target)
            .await
            .map_err(io("send a STUN request"))?;
        let mut buf = [0u8; 512];
        let (n, _) = tokio::time::timeout(Duration::from_secs(3), socket.recv_from(&mut buf))
            .await
            .map_err(|_| Error::Timeout {
                doing: "waiting for the STUN answer",
                after: Duration::from_secs(3),
            })?
            .map_err(io("read the STUN answer"))?;
        Ok::<_, Error>(mapped_address(&buf[..n], &request))
    };
    match run.await {
        Ok(Some(addr)) => Check::new(name, Verdict::Pass, format!("{server}: mapped {addr}")),
        Ok(None) => Check::new(
            name,
            Verdict::Fail,
            format!("{server}: answer without an address"),
        ),
        Err(e) => Check::new(
            name,
            Verdict::Fail,
            format!("{server}: {}", crate::error_chain(&e)),
        ),
    }
}

/// A Binding request (RFC 5389) with a random transaction id.
fn binding_request() -> std::result::Result<stun::message::Message, rtc::shared::error::Error> {
    let mut request = stun::message::Message::new();
    request.build(&[
        Box::new(stun::message::TransactionId::new()),
        Box::new(stun::message::BINDING_REQUEST),
    ])?;
    Ok(request)
}

/// XOR-MAPPED-ADDRESS of `answer` when it is the Binding success response to `request`.
fn mapped_address(answer: &[u8], request: &stun::message::Message) -> Option<SocketAddr> {
    use stun::message::Getter;
    let mut msg = stun::message::Message::new();
    msg.unmarshal_binary(answer).ok()?;
    if msg.typ != stun::message::BINDING_SUCCESS || msg.transaction_id != request.transaction_id {
        return None;
    }
    let mut mapped = stun::xoraddr::XorMappedAddress::default();
    mapped.get_from(&msg).ok()?;
    Some(SocketAddr::new(mapped.ip, mapped.port))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: &str =
        "Limit                     Soft Limit           Hard Limit           Units\n\
Max open files            256                  524288               files\n";

    #[test]
    fn low_soft_limit_is_a_warning() {
        let check = nofile_check(LIMITS, 700);
        assert_eq!(check.verdict, Verdict::Warn, "{check:?}");
        assert!(check.detail.contains("256"), "{check:?}");
        assert_eq!(nofile_check(LIMITS, 0).verdict, Verdict::Pass);
    }

    #[test]
    fn unlimited_passes() {
        let text = "Max open files            unlimited            unlimited            files\n";
        assert_eq!(nofile_check(text, 700).verdict, Verdict::Pass);
    }

    #[test]
    fn candidate_types_are_listed_once_in_order() {
        let sdp = "v=0\r\n\
a=candidate:1 1 udp 2130706431 10.77.1.2 5000 typ host\r\n\
a=candidate:2 1 udp 1694498815 10.77.1.2 5000 typ srflx raddr 10.77.1.2 rport 5000\r\n\
a=candidate:3 2 udp 2130706431 10.77.1.2 5001 typ host\r\n\
a=candidate:4 1 udp 16777215 10.77.1.1 50000 typ relay raddr 10.77.1.2 rport 5000\r\n";
        assert_eq!(candidate_types(sdp), ["host", "srflx", "relay"]);
        assert!(candidate_types("v=0\r\n").is_empty());
    }

    /// The answer is encoded here by hand from RFC 5389 §15.2, not with the codec under test.
    #[test]
    fn xor_mapped_address_decodes() {
        let request = binding_request().expect("a request");
        assert_eq!(&request.raw[..2], [0x00, 0x01], "Binding request type");
        let id = request.transaction_id.0;
        let mut msg = vec![0x01, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xA4, 0x42];
        msg.extend_from_slice(&id);
        msg.extend_from_slice(&[0x00, 0x20, 0x00, 0x08, 0x00, 0x01]);
        msg.extend_from_slice(&(5000u16 ^ 0x2112).to_be_bytes());
        msg.extend_from_slice(&[10 ^ 0x21, 77 ^ 0x12, 1 ^ 0xA4, 2 ^ 0x42]);
        assert_eq!(
            mapped_address(&msg, &request),
            Some("10.77.1.2:5000".parse().expect("an address"))
        );
        let other = binding_request().expect("a request");
        assert_eq!(mapped_address(&msg, &other), None, "another transaction");
    }
}
