//! A real TURN server (Debian `coturn`, `turnserver` 4.6) inside a [`NetNs`], usually the
//! Janus lab's, so a relay allocated on it reaches Janus without leaving the namespace.
//!
//! Invariants:
//! - `turnserver -n`: no configuration file is read, every option is on the command line, and
//!   its user database is a file in the lab's temp dir (never `/var/lib/turn`).
//! - It listens on the namespace's `10.77.<k>.1:3478` (UDP and TCP, no TLS/DTLS, no CLI) and
//!   relays from the same address only. Peers are denied everywhere except `10.77.<k>.0/24`,
//!   so a relay can never be used to reach any other address.
//! - One static long-term credential user ([`TurnLab::username`], [`TurnLab::credential`]).
//! - Ready means a STUN Binding request from the test's side of the veth pair gets a success
//!   answer; no fixed sleep. Start failures carry the tail of the server's log.
//! - Dropping the lab kills the server (and the namespace's own drop kills anything left).

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use tempfile::TempDir;

use crate::netns::NetNs;
use crate::process::{require_binary, Daemon};

const PORT: u16 = 3478;
const USERNAME: &str = "mailcall";
const CREDENTIAL: &str = "mailcall-turn-secret";
const REALM: &str = "mailcall.test";
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// A running coturn; field order is drop order: the server, then its temp dir.
#[derive(Debug)]
pub struct TurnLab {
    daemon: Daemon,
    dir: TempDir,
    ip: Ipv4Addr,
}

impl TurnLab {
    /// Starts coturn inside `netns` on its inside address and waits until it answers STUN.
    pub fn start_in(netns: &NetNs) -> Result<Self> {
        let turnserver = require_binary("turnserver", "coturn")?;
        let dir = tempfile::Builder::new()
            .prefix("mailcall-turn-")
            .tempdir()
            .context("cannot create the coturn dir")?;
        let ip = netns.inside_ip();
        let [a, b, c, _] = ip.octets();
        let peers = format!("{a}.{b}.{c}.0-{a}.{b}.{c}.255");
        let log = dir.path().join("turnserver.log");
        let mut command = netns.command(&turnserver);
        command
            .arg("-n")
            .args(["--listening-ip", &ip.to_string()])
            .args(["--relay-ip", &ip.to_string()])
            .args(["--listening-port", &PORT.to_string()])
            .args(["--min-port", "49152", "--max-port", "65535"])
            .args(["--lt-cred-mech", "--realm", REALM])
            .args(["--user", &format!("{USERNAME}:{CREDENTIAL}")])
            .arg("--db")
            .arg(dir.path().join("turndb"))
            .arg("--pidfile")
            .arg(dir.path().join("turnserver.pid"))
            .args(["--no-cli", "--no-tls", "--no-dtls", "--no-tcp-relay"])
            .args(["--no-multicast-peers", "--no-rfc5780"])
            // An allowed range overrides a denied one in coturn, so this leaves exactly the
            // namespace's /24 reachable through a relay.
            .args(["--denied-peer-ip", "0.0.0.0-255.255.255.255"])
            .args(["--allowed-peer-ip", &peers])
            .args(["--log-file", "stdout", "--simple-log"]);
        let mut daemon = Daemon::spawn("turnserver", command, &log)?;
        let server = SocketAddr::from((ip, PORT));
        let local = netns.peer_ip();
        daemon.wait_ready(READY_TIMEOUT, || stun_binding(local, server))?;
        Ok(Self { daemon, dir, ip })
    }

    /// `10.77.<k>.1:3478`
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((self.ip, PORT))
    }

    /// `turn:10.77.<k>.1:3478?transport=udp`
    pub fn turn_url(&self) -> String {
        format!("turn:{}?transport=udp", self.addr())
    }

    /// `stun:10.77.<k>.1:3478`: coturn answers STUN on the same port.
    pub fn stun_url(&self) -> String {
        format!("stun:{}", self.addr())
    }

    pub fn username(&self) -> &str {
        USERNAME
    }

    pub fn credential(&self) -> &str {
        CREDENTIAL
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.daemon.pid()
    }

    /// The tail of the server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        crate::process::log_tail(&self.log_path(), 40)
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("turnserver.log")
    }
}

/// One STUN Binding request (RFC 5389) from `local` to `server`; true on a success answer
/// with the same transaction id.
fn stun_binding(local: Ipv4Addr, server: SocketAddr) -> Result<bool> {
    let socket = UdpSocket::bind((local, 0)).with_context(|| format!("cannot bind {local}"))?;
    socket.set_read_timeout(Some(Duration::from_millis(200)))?;
    let id: [u8; 12] = rand::random();
    let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
    request.extend_from_slice(&id);
    socket.send_to(&request, server)?;
    let mut buf = [0u8; 512];
    let (n, _) = socket.recv_from(&mut buf)?;
    Ok(n >= 20 && buf[0..2] == [0x01, 0x01] && buf[8..20] == id)
}
