//! A real Janus 1.1.2 (Debian `janus`) inside its own [`NetNs`], with the HTTP and WebSocket
//! transports, the admin API over HTTP and WebSocket, and the videoroom plugin only.
//!
//! Invariants:
//! - The configuration is written from scratch into a temp dir, not copied from /etc/janus, so
//!   local edits there (demo rooms, the stock admin secret) never leak into tests. Every other
//!   plugin, transport, logger and event handler found in the library folder is listed under
//!   `disable`, so startup is fast and nothing else listens.
//! - Janus binds and gathers ICE candidates on the namespace's `10.77.<k>.1` only: HTTP on
//!   8088 (`/janus`), WebSocket on 8188 (`janus-protocol`), admin on 7088 (`/admin`) and admin
//!   WebSocket on 7188 (`janus-admin-protocol`). Fixed ports are safe because every lab has its
//!   own namespace.
//! - Ready means `GET /janus/info` answers `server_info` and both WebSocket ports accept; there
//!   is no fixed sleep. Start failures carry the tail of the Janus log.
//! - [`JanusLab::restart`] keeps the namespace, addresses and configuration, so clients see the
//!   same server come back (without its sessions, as after a real crash).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::netns::NetNs;
use crate::process::{require_binary, run, Daemon};

const HTTP_PORT: u16 = 8088;
const WS_PORT: u16 = 8188;
const ADMIN_PORT: u16 = 7088;
const ADMIN_WS_PORT: u16 = 7188;
const ADMIN_SECRET: &str = "mailcall-admin-secret";
const ADMIN_KEY: &str = "mailcall-room-admin-key";
const READY_TIMEOUT: Duration = Duration::from_secs(15);
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// Options for a [`JanusLab`]; everything beyond the defaults is off.
#[derive(Debug, Clone)]
pub struct JanusBuilder {
    session_timeout: u32,
    reclaim_session_timeout: u32,
    api_secret: Option<String>,
    token_auth: bool,
    token_auth_secret: Option<String>,
    debug_level: u8,
}

impl Default for JanusBuilder {
    fn default() -> Self {
        Self {
            session_timeout: 60,
            reclaim_session_timeout: 0,
            api_secret: None,
            token_auth: false,
            token_auth_secret: None,
            debug_level: 4,
        }
    }
}

impl JanusBuilder {
    /// Seconds without any request before Janus drops a session (Janus default 60; 0 = never).
    pub fn session_timeout(mut self, seconds: u32) -> Self {
        self.session_timeout = seconds;
        self
    }

    /// Seconds a session survives its transport going away, waiting for a `claim` (default 0).
    pub fn reclaim_session_timeout(mut self, seconds: u32) -> Self {
        self.reclaim_session_timeout = seconds;
        self
    }

    /// Requires `apisecret` on every Janus API request.
    pub fn api_secret(mut self, secret: &str) -> Self {
        self.api_secret = Some(secret.to_owned());
        self
    }

    /// Requires a stored token on every request; add tokens with [`JanusLab::add_token`].
    pub fn token_auth(mut self) -> Self {
        self.token_auth = true;
        self
    }

    /// Requires HMAC-SHA1 signed tokens made with `secret` (implies token auth).
    pub fn token_auth_secret(mut self, secret: &str) -> Self {
        self.token_auth = true;
        self.token_auth_secret = Some(secret.to_owned());
        self
    }

    /// Janus log verbosity, 0-7 (default 4).
    pub fn debug_level(mut self, level: u8) -> Self {
        self.debug_level = level.min(7);
        self
    }

    /// Makes the namespace, writes the configuration and starts Janus.
    pub fn start(self) -> Result<JanusLab> {
        let janus = require_binary("janus", "janus")?;
        let lib = library_dir()?;
        let netns = NetNs::create()?;
        let config = tempfile::Builder::new()
            .prefix("mailcall-janus-")
            .tempdir()
            .context("cannot create the Janus config dir")?;
        write_config(config.path(), &lib, netns.inside_ip(), &self)?;
        let mut lab = JanusLab {
            daemon: None,
            generation: 0,
            janus,
            config,
            netns,
            options: self,
        };
        lab.launch()?;
        Ok(lab)
    }

    /// Starts the lab for a test, panicking with the reason when it cannot start (no Janus,
    /// no `ip`, not root, or Janus failing): a lab that did not run never passes a test.
    pub fn start_or_panic(self) -> JanusLab {
        self.start()
            .unwrap_or_else(|e| panic!("the Janus lab did not start: {e:#}"))
    }
}

/// A running Janus in its own network namespace. Field order is drop order: Janus, then its
/// config dir, then the namespace.
#[derive(Debug)]
pub struct JanusLab {
    daemon: Option<Daemon>,
    generation: u32,
    janus: PathBuf,
    config: TempDir,
    netns: NetNs,
    options: JanusBuilder,
}

impl JanusLab {
    /// Starts configuring a lab.
    pub fn builder() -> JanusBuilder {
        JanusBuilder::default()
    }

    /// `http://10.77.<k>.1:8088/janus`
    pub fn http_url(&self) -> String {
        format!("http://{}:{HTTP_PORT}/janus", self.netns.inside_ip())
    }

    /// `ws://10.77.<k>.1:8188` (subprotocol `janus-protocol`).
    pub fn ws_url(&self) -> String {
        format!("ws://{}:{WS_PORT}", self.netns.inside_ip())
    }

    /// `http://10.77.<k>.1:7088/admin`
    pub fn admin_url(&self) -> String {
        format!("http://{}:{ADMIN_PORT}/admin", self.netns.inside_ip())
    }

    /// `ws://10.77.<k>.1:7188` (subprotocol `janus-admin-protocol`).
    pub fn admin_ws_url(&self) -> String {
        format!("ws://{}:{ADMIN_WS_PORT}", self.netns.inside_ip())
    }

    /// The `admin_secret` the admin API requires.
    pub fn admin_secret(&self) -> &str {
        ADMIN_SECRET
    }

    /// The videoroom `admin_key` that `create` requires.
    pub fn admin_key(&self) -> &str {
        ADMIN_KEY
    }

    /// The `apisecret`, when the lab was built with one.
    pub fn api_secret(&self) -> Option<&str> {
        self.options.api_secret.as_deref()
    }

    /// The signed-token secret, when the lab was built with one.
    pub fn token_auth_secret(&self) -> Option<&str> {
        self.options.token_auth_secret.as_deref()
    }

    /// The namespace Janus runs in; media peers that must run inside use its `command`.
    pub fn netns(&self) -> &NetNs {
        &self.netns
    }

    /// Where Janus gathers its ICE candidates (`10.77.<k>.1`).
    pub fn media_ip_inside(&self) -> Ipv4Addr {
        self.netns.inside_ip()
    }

    /// The address media peers in the test process bind (`10.77.<k>.2`).
    pub fn peer_ip(&self) -> Ipv4Addr {
        self.netns.peer_ip()
    }

    /// The Janus process id, or `None` while stopped.
    pub fn pid(&self) -> Option<u32> {
        self.daemon.as_ref().map(Daemon::pid)
    }

    /// Stops Janus gracefully (SIGTERM, which it handles by closing sessions), falling back to
    /// SIGKILL after 10 s.
    pub fn stop(&mut self) -> Result<()> {
        let Some(mut daemon) = self.daemon.take() else {
            return Ok(());
        };
        run(Command::new("kill").args(["-TERM", &daemon.pid().to_string()]))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while daemon.check_alive().is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon.stop();
        Ok(())
    }

    /// Kills Janus with SIGKILL, as a crash would, and waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut daemon) = self.daemon.take() {
            daemon.stop();
        }
    }

    /// Kills Janus if it runs and starts it again in the same namespace with the same ports and
    /// configuration.
    pub fn restart(&mut self) -> Result<()> {
        self.kill();
        self.launch()
    }

    /// The tail of the current Janus log.
    pub fn log_tail(&self) -> String {
        crate::process::log_tail(&self.log_path(), 40)
    }

    /// `GET /janus/info`, parsed.
    pub fn info(&self) -> Result<Value> {
        let body = http(self.addr(HTTP_PORT), "GET", "/janus/info", None)?;
        serde_json::from_str(&body).with_context(|| format!("info is not JSON: {body}"))
    }

    /// Sends an admin API request, adding `transaction` and `admin_secret`; fails on a Janus
    /// error reply.
    pub fn admin(&self, request: Value) -> Result<Value> {
        let mut request = request;
        let object = request
            .as_object_mut()
            .context("an admin request is a JSON object")?;
        object
            .entry("transaction")
            .or_insert_with(|| json!(transaction()));
        object
            .entry("admin_secret")
            .or_insert_with(|| json!(ADMIN_SECRET));
        let body = http(
            self.addr(ADMIN_PORT),
            "POST",
            "/admin",
            Some(&request.to_string()),
        )?;
        let reply: Value = serde_json::from_str(&body)
            .with_context(|| format!("admin reply is not JSON: {body}"))?;
        if reply["janus"] != "success" {
            bail!("admin request {request} failed: {reply}");
        }
        Ok(reply)
    }

    /// Stores `token` for token auth, valid for every plugin.
    pub fn add_token(&self, token: &str) -> Result<()> {
        self.admin(json!({ "janus": "add_token", "token": token }))
            .map(drop)
    }

    fn addr(&self, port: u16) -> SocketAddr {
        SocketAddr::from((self.netns.inside_ip(), port))
    }

    fn log_path(&self) -> PathBuf {
        self.config
            .path()
            .join(format!("janus-{}.log", self.generation))
    }

    fn launch(&mut self) -> Result<()> {
        self.generation += 1;
        let dir = self.config.path();
        let mut command = self.netns.command(&self.janus);
        command
            .arg("--configs-folder")
            .arg(dir)
            .arg("--config")
            .arg(dir.join("janus.jcfg"))
            .arg("--disable-colors")
            .arg("--debug-timestamps");
        let mut daemon = Daemon::spawn("janus", command, &self.log_path())?;
        let (http_addr, ws_addr) = (self.addr(HTTP_PORT), self.addr(WS_PORT));
        let admin_ws_addr = self.addr(ADMIN_WS_PORT);
        daemon.wait_ready(READY_TIMEOUT, || {
            let body = http(http_addr, "GET", "/janus/info", None)?;
            let info: Value = serde_json::from_str(&body)?;
            if info["janus"] != "server_info" {
                return Ok(false);
            }
            TcpStream::connect_timeout(&ws_addr, IO_TIMEOUT)?;
            TcpStream::connect_timeout(&admin_ws_addr, IO_TIMEOUT)?;
            Ok(true)
        })?;
        self.daemon = Some(daemon);
        Ok(())
    }
}

/// The folder holding `plugins/`, `transports/`, `events/` and `loggers/`; Debian puts it under
/// the multiarch triple.
fn library_dir() -> Result<PathBuf> {
    let fixed = [
        "/usr/lib/janus",
        "/usr/local/lib/janus",
        "/opt/janus/lib/janus",
    ];
    let mut candidates: Vec<PathBuf> = fixed.iter().map(PathBuf::from).collect();
    if let Ok(entries) = std::fs::read_dir("/usr/lib") {
        candidates.extend(entries.flatten().map(|e| e.path().join("janus")));
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("plugins/libjanus_videoroom.so").is_file())
        .context(
            "the Janus videoroom plugin is not installed: run `make deps` (Debian package `janus`)",
        )
}

/// The `.so` files in `dir` other than `keep`, comma separated, for a `disable` list.
fn others(dir: &Path, keep: &[&str]) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".so") && !keep.contains(&n.as_str()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.join(",")
}

fn quoted(value: &str) -> Result<String> {
    if value.contains(['"', '\\', '\n']) {
        bail!("{value:?}: Janus config strings here may not hold quotes, backslashes or newlines");
    }
    Ok(format!("\"{value}\""))
}

fn write_config(dir: &Path, lib: &Path, ip: Ipv4Addr, options: &JanusBuilder) -> Result<()> {
    let mut general = vec![format!(
        "configs_folder = {}",
        quoted(&dir.to_string_lossy())?
    )];
    for folder in ["plugins", "transports", "events", "loggers"] {
        let path = lib.join(folder);
        general.push(format!(
            "{folder}_folder = {}",
            quoted(&path.to_string_lossy())?
        ));
    }
    general.extend([
        format!("debug_level = {}", options.debug_level),
        format!("admin_secret = {}", quoted(ADMIN_SECRET)?),
        // Without it Janus finds no non-loopback address early on and puts 127.0.0.1 in SDPs.
        format!("interface = \"{ip}\""),
        format!("session_timeout = {}", options.session_timeout),
        format!(
            "reclaim_session_timeout = {}",
            options.reclaim_session_timeout
        ),
    ]);
    if let Some(secret) = &options.api_secret {
        general.push(format!("api_secret = {}", quoted(secret)?));
    }
    if options.token_auth {
        general.push("token_auth = true".to_owned());
    }
    if let Some(secret) = &options.token_auth_secret {
        general.push(format!("token_auth_secret = {}", quoted(secret)?));
    }
    let disable = |folder: &str, keep: &[&str]| others(&lib.join(folder), keep);
    let core = format!(
        "general: {{\n\t{}\n}}\n\
         media: {{\n}}\n\
         nat: {{\n\tnice_debug = false\n\tice_enforce_list = \"{ip}\"\n}}\n\
         plugins: {{\n\tdisable = \"{}\"\n}}\n\
         transports: {{\n\tdisable = \"{}\"\n}}\n\
         loggers: {{\n\tdisable = \"{}\"\n}}\n\
         events: {{\n\tbroadcast = false\n\tdisable = \"{}\"\n}}\n",
        general.join("\n\t"),
        disable("plugins", &["libjanus_videoroom.so"]),
        disable(
            "transports",
            &["libjanus_http.so", "libjanus_websockets.so"]
        ),
        disable("loggers", &[]),
        disable("events", &[]),
    );
    let http_transport = format!(
        "general: {{\n\tjson = \"indented\"\n\tbase_path = \"/janus\"\n\thttp = true\n\
         \tport = {HTTP_PORT}\n\tip = \"{ip}\"\n\thttps = false\n}}\n\
         admin: {{\n\tadmin_base_path = \"/admin\"\n\tadmin_http = true\n\
         \tadmin_port = {ADMIN_PORT}\n\tadmin_ip = \"{ip}\"\n\tadmin_https = false\n}}\n"
    );
    let ws_transport = format!(
        "general: {{\n\tjson = \"indented\"\n\tws = true\n\tws_port = {WS_PORT}\n\
         \tws_ip = \"{ip}\"\n\twss = false\n}}\n\
         admin: {{\n\tadmin_ws = true\n\tadmin_ws_port = {ADMIN_WS_PORT}\n\
         \tadmin_ws_ip = \"{ip}\"\n\tadmin_wss = false\n}}\n"
    );
    let videoroom = format!("general: {{\n\tadmin_key = {}\n}}\n", quoted(ADMIN_KEY)?);
    let files = [
        ("janus.jcfg", core),
        ("janus.transport.http.jcfg", http_transport),
        ("janus.transport.websockets.jcfg", ws_transport),
        ("janus.plugin.videoroom.jcfg", videoroom),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// A unique enough transaction id for admin requests.
fn transaction() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("lab-{n:016x}")
}

/// A minimal HTTP/1.0 exchange: HTTP/1.0 makes the server send the body unchunked and close
/// the connection, so reading to the end yields the body.
fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .with_context(|| format!("cannot read from {addr}"))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .context("no HTTP header end")?;
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        bail!("{method} {path} answered {status}: {body}");
    }
    Ok(body.to_owned())
}
