//! The Janus lab against the real Janus 1.1.2: the Janus API over HTTP and WebSocket, the admin
//! API, the builder's options, restarts, and the isolation of the network namespace.
//!
//! A machine without Janus, `ip` or root fails these tests with the reason.

use std::process::Command;

use futures::{SinkExt, StreamExt};
use mailcall_testkit::janus::JanusLab;
use mailcall_testkit::netns::NetNs;
use mailcall_testkit::process::run;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

fn transaction() -> String {
    format!("t{}", rand::random::<u64>())
}

/// A room id that stays exact in JSON numbers.
fn room_id() -> u64 {
    rand::random::<u64>() >> 12
}

/// The Janus API over HTTP: `session_id` and `handle_id` in a request become the path
/// `/<session>/<handle>`, as the HTTP transport wants.
struct Http {
    client: reqwest::Client,
    base: String,
}

impl Http {
    fn new(base: String) -> Self {
        let client = http_client();
        Self { client, base }
    }

    async fn call(&self, mut body: Value) -> Value {
        body["transaction"] = json!(transaction());
        let mut url = self.base.clone();
        for key in ["session_id", "handle_id"] {
            if let Some(id) = body.as_object_mut().and_then(|o| o.remove(key)) {
                url.push_str(&format!("/{id}"));
            }
        }
        let response = self.client.post(&url).json(&body).send().await;
        let response = response.expect("POST reaches Janus");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        response.json().await.expect("Janus answers JSON")
    }
}

/// One WebSocket connection speaking the Janus API.
struct Ws {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Ws {
    async fn connect(url: &str) -> Self {
        let mut request = url.into_client_request().expect("a WebSocket URL");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "janus-protocol".parse().expect("header value"),
        );
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket connects");
        let protocol = response.headers().get("Sec-WebSocket-Protocol");
        assert_eq!(
            protocol.and_then(|v| v.to_str().ok()),
            Some("janus-protocol")
        );
        Self { socket }
    }

    /// Sends `body` and returns the reply to it, skipping acks and anything else.
    async fn call(&mut self, mut body: Value) -> Value {
        let t = transaction();
        body["transaction"] = json!(t);
        self.socket
            .send(Message::text(body.to_string()))
            .await
            .expect("send");
        loop {
            let message = self
                .socket
                .next()
                .await
                .expect("socket open")
                .expect("a frame");
            let Message::Text(text) = message else {
                continue;
            };
            let reply: Value = serde_json::from_str(&text).expect("Janus sends JSON");
            if reply["transaction"] == t.as_str() && reply["janus"] != "ack" {
                return reply;
            }
        }
    }
}

/// Either transport, so both run the same flows.
enum Api {
    Http(Http),
    Ws(Box<Ws>),
}

impl Api {
    async fn call(&mut self, body: Value) -> Value {
        match self {
            Api::Http(http) => http.call(body).await,
            Api::Ws(ws) => ws.call(body).await,
        }
    }

    /// A request that must succeed; returns the reply.
    async fn ok(&mut self, body: Value) -> Value {
        let reply = self.call(body.clone()).await;
        assert_eq!(reply["janus"], "success", "{body} -> {reply}");
        reply
    }
}

fn id(reply: &Value) -> u64 {
    let id = reply["data"]["id"].as_u64();
    id.unwrap_or_else(|| panic!("no id in {reply}"))
}

fn room_in(list_reply: &Value, room: u64) -> bool {
    let rooms = list_reply["plugindata"]["data"]["list"].as_array();
    rooms
        .expect("a room list")
        .iter()
        .any(|r| r["room"] == room)
}

/// Session, handle, and a room created with the admin key, listed, checked and destroyed.
async fn videoroom_lifecycle(lab: &JanusLab, api: &mut Api) {
    let session = id(&api.ok(json!({"janus": "create"})).await);
    let attach =
        json!({"janus": "attach", "session_id": session, "plugin": "janus.plugin.videoroom"});
    let handle = id(&api.ok(attach).await);
    let message = |body: Value| json!({"janus": "message", "session_id": session, "handle_id": handle, "body": body});
    let data = |reply: Value| reply["plugindata"]["data"].clone();
    let room = room_id();

    let missing = data(
        api.ok(message(json!({"request": "create", "room": room})))
            .await,
    );
    assert_eq!(
        missing["error_code"], 429,
        "admin_key is required: {missing}"
    );
    let wrong = json!({"request": "create", "room": room, "admin_key": "wrong"});
    let wrong = data(api.ok(message(wrong)).await);
    assert_eq!(
        wrong["error_code"], 433,
        "a wrong admin_key is refused: {wrong}"
    );

    let create = json!({"request": "create", "room": room, "admin_key": lab.admin_key()});
    let created = data(api.ok(message(create)).await);
    assert_eq!(created["videoroom"], "created", "{created}");
    assert!(room_in(
        &api.ok(message(json!({"request": "list"}))).await,
        room
    ));
    let exists = data(
        api.ok(message(json!({"request": "exists", "room": room})))
            .await,
    );
    assert_eq!(exists["exists"], true, "{exists}");

    let destroyed = data(
        api.ok(message(json!({"request": "destroy", "room": room})))
            .await,
    );
    assert_eq!(destroyed["videoroom"], "destroyed", "{destroyed}");
    assert!(!room_in(
        &api.ok(message(json!({"request": "list"}))).await,
        room
    ));

    api.ok(json!({"janus": "detach", "session_id": session, "handle_id": handle}))
        .await;
    api.ok(json!({"janus": "destroy", "session_id": session}))
        .await;
    let gone = api
        .call(json!({"janus": "keepalive", "session_id": session}))
        .await;
    assert_eq!(gone["error"]["code"], 458, "the session is gone: {gone}");
}

#[tokio::test]
async fn info_names_version_and_videoroom() {
    let lab = JanusLab::builder().start_or_panic();
    let info = http_client()
        .get(format!("{}/info", lab.http_url()))
        .send()
        .await
        .expect("GET info");
    let info: Value = info.json().await.expect("info is JSON");
    assert_eq!(info["janus"], "server_info");
    assert_eq!(info["version"], 1102);
    assert_eq!(info["version_string"], "1.1.2");
    let plugins: Vec<_> = info["plugins"]
        .as_object()
        .expect("plugins")
        .keys()
        .collect();
    assert_eq!(plugins, ["janus.plugin.videoroom"]);
    let transports: Vec<_> = info["transports"]
        .as_object()
        .expect("transports")
        .keys()
        .collect();
    assert_eq!(
        transports,
        ["janus.transport.http", "janus.transport.websockets"]
    );
    assert_eq!(info["session-timeout"], 60);
    assert_eq!(info["local-ip"], lab.media_ip_inside().to_string());
}

#[tokio::test]
async fn videoroom_lifecycle_over_http() {
    let lab = JanusLab::builder().start_or_panic();
    videoroom_lifecycle(&lab, &mut Api::Http(Http::new(lab.http_url()))).await;
}

#[tokio::test]
async fn videoroom_lifecycle_over_websocket() {
    let lab = JanusLab::builder().start_or_panic();
    videoroom_lifecycle(
        &lab,
        &mut Api::Ws(Box::new(Ws::connect(&lab.ws_url()).await)),
    )
    .await;
}

fn http(url: String) -> Api {
    Api::Http(Http::new(url))
}

#[tokio::test]
async fn admin_lists_sessions_only_with_the_secret() {
    let lab = JanusLab::builder().start_or_panic();
    let session = id(&http(lab.http_url()).ok(json!({"janus": "create"})).await);
    let mut admin = http(lab.admin_url());

    let list = json!({"janus": "list_sessions", "admin_secret": lab.admin_secret()});
    let listed = admin.ok(list).await;
    let sessions = listed["sessions"].as_array().expect("sessions");
    assert!(sessions.contains(&json!(session)), "{session} in {listed}");

    let refused = admin.call(json!({"janus": "list_sessions"})).await;
    assert_eq!(refused["janus"], "error");
    assert_eq!(refused["error"]["code"], 403, "{refused}");
    let wrong = json!({"janus": "list_sessions", "admin_secret": "wrong"});
    let wrong = admin.call(wrong).await;
    assert_eq!(wrong["error"]["code"], 403, "{wrong}");
}

#[tokio::test]
async fn builder_options_reach_janus() {
    let builder = JanusLab::builder()
        .session_timeout(7)
        .reclaim_session_timeout(3);
    let lab = builder.api_secret("s3").start_or_panic();
    let info = lab.info().expect("info");
    assert_eq!(info["session-timeout"], 7);
    assert_eq!(info["reclaim-session-timeout"], 3);
    assert_eq!(info["api_secret"], true);
    assert_eq!(lab.api_secret(), Some("s3"));
    let mut api = http(lab.http_url());
    let refused = api.call(json!({"janus": "create"})).await;
    assert_eq!(refused["error"]["code"], 403, "{refused}");
    api.ok(json!({"janus": "create", "apisecret": "s3"})).await;
}

#[tokio::test]
async fn stored_tokens_are_required_and_added_through_admin() {
    let lab = JanusLab::builder().token_auth().start_or_panic();
    assert_eq!(lab.info().expect("info")["auth_token"], true);
    let mut api = http(lab.http_url());
    let refused = api.call(json!({"janus": "create", "token": "t1"})).await;
    assert_eq!(refused["error"]["code"], 403, "{refused}");
    lab.add_token("t1").expect("add_token");
    api.ok(json!({"janus": "create", "token": "t1"})).await;
}

#[tokio::test]
async fn signed_tokens_are_required() {
    let lab = JanusLab::builder()
        .token_auth_secret("hmac")
        .start_or_panic();
    assert_eq!(lab.token_auth_secret(), Some("hmac"));
    let refused = http(lab.http_url()).call(json!({"janus": "create"})).await;
    assert_eq!(refused["error"]["code"], 403, "{refused}");
}

#[tokio::test]
async fn restart_brings_janus_back_at_the_same_address_without_sessions() {
    let mut lab = JanusLab::builder().start_or_panic();
    let session = id(&http(lab.http_url()).ok(json!({"janus": "create"})).await);
    let first = lab.pid().expect("running");

    lab.kill();
    assert_eq!(lab.pid(), None);
    assert!(lab.info().is_err(), "nothing answers after kill");
    lab.restart().expect("restart after kill");
    assert_ne!(lab.pid(), Some(first));
    // A fresh client after each restart: pooled connections died with the old process.
    let keepalive = json!({"janus": "keepalive", "session_id": session});
    let gone = http(lab.http_url()).call(keepalive).await;
    assert_eq!(
        gone["error"]["code"], 458,
        "sessions do not survive: {gone}"
    );

    lab.stop().expect("graceful stop");
    assert_eq!(lab.pid(), None);
    lab.restart().expect("restart after stop");
    http(lab.http_url()).ok(json!({"janus": "create"})).await;
}

#[test]
fn namespace_holds_only_loopback_and_its_subnet() {
    let lab = JanusLab::builder().start_or_panic();
    let ns = lab.netns();
    let inside = ns.inside_ip().to_string();
    let subnet = inside.trim_end_matches(".1").to_owned() + ".";
    assert!(
        inside.starts_with("10.77.") && inside.ends_with(".1"),
        "{inside}"
    );
    assert_eq!(lab.peer_ip().to_string(), format!("{subnet}2"));

    let addrs = run(ns.command("ip").args(["-o", "addr", "show"])).expect("ip addr");
    let mut found = Vec::new();
    for line in addrs.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(i) = words.iter().position(|w| *w == "inet" || *w == "inet6") {
            found.push(words[i + 1].to_owned());
        }
    }
    found.sort();
    assert_eq!(
        found,
        [
            format!("{inside}/24"),
            "127.0.0.1/8".into(),
            "::1/128".into()
        ]
    );

    let routes = run(ns.command("ip").args(["route", "show", "table", "all"])).expect("routes");
    for line in routes.lines() {
        let allowed = line.contains(&subnet)
            || line.contains("dev lo")
            || line.starts_with("multicast ff00::/8 ");
        assert!(allowed, "unexpected route inside: {line}");
    }
    // A route lookup only; no packet is sent.
    let lookup = ns
        .command("ip")
        .args(["route", "get", "192.0.2.1"])
        .output()
        .expect("ip route");
    assert!(
        !lookup.status.success(),
        "other addresses are unreachable from inside"
    );

    let listeners = run(ns.command("ss").args(["-H", "-ltun"])).expect("ss");
    let mut ports = Vec::new();
    for line in listeners.lines() {
        let local = line
            .split_whitespace()
            .nth(4)
            .expect("local address column");
        let (host, port) = local.rsplit_once(':').expect("host:port");
        assert_eq!(
            host, inside,
            "Janus listens on the inside address only: {line}"
        );
        ports.push(port.to_owned());
    }
    ports.sort();
    assert_eq!(ports, ["7088", "7188", "8088", "8188"]);

    let outside = run(Command::new("ip").args(["-o", "addr", "show", "dev", &ns.outside_link()]))
        .expect("outside link");
    assert!(
        outside.contains(&format!("{}/24", lab.peer_ip())),
        "{outside}"
    );
    assert!(
        !outside.contains("inet6"),
        "no link-local address outside: {outside}"
    );
}

#[test]
fn dropping_a_namespace_removes_it_and_its_link() {
    let ns = NetNs::create().unwrap_or_else(|e| panic!("{e:#}"));
    let (name, link) = (ns.name().to_owned(), ns.outside_link());
    let mut sleeper = ns
        .command("sleep")
        .arg("600")
        .spawn()
        .expect("sleep inside");
    // `ip netns exec` enters the namespace a moment after the spawn returns.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while ns.pids().expect("pids").is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(ns.pids().expect("pids"), [sleeper.id()]);
    drop(ns);
    let _ = sleeper.wait();
    let list = run(Command::new("ip").args(["netns", "list"])).expect("ip netns list");
    assert!(
        !list
            .lines()
            .any(|l| l.split_whitespace().next() == Some(&name)),
        "{list}"
    );
    let links = Command::new("ip")
        .args(["link", "show", &link])
        .output()
        .expect("ip link");
    assert!(!links.status.success(), "{link} is gone");
}

/// reqwest has rustls without a crypto provider of its own in this workspace: these tests
/// (plain HTTP to the lab) install ring as the process default first.
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
