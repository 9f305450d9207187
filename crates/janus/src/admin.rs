//! The Janus Admin API (Janus docs "Admin/Monitor API") over HTTP (`/admin`) or WebSocket
//! (subprotocol `janus-admin-protocol`): server info, sessions and handles, draining
//! (`accept_new_sessions`), timeouts, packet captures and stored tokens.
//!
//! Invariants: every request carries `admin_secret` and a fresh transaction. Over HTTP, session-
//! and handle-scoped requests go to `/admin/<session>[/<handle>]`, as the HTTP transport wants;
//! over WebSocket they carry `session_id`/`handle_id` in the body, and the one reply Janus sends
//! per request is matched by its transaction. A Janus error becomes [`Error::Janus`] with its
//! typed code. A connection that Janus closed after a restart fails once with a transient error;
//! [`crate::Backoff::retry`] absorbs it (the WebSocket is reopened on the next request).

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{Error, Result};
use crate::id::{HandleId, SessionId};
use crate::message::{Incoming, Known};

/// The admin WebSocket subprotocol; Janus refuses the upgrade without it.
const WS_SUBPROTOCOL: &str = "janus-admin-protocol";
/// How long opening the admin WebSocket or waiting for one reply may take, so a wedged server
/// fails the request instead of hanging it.
const WS_TIMEOUT: Duration = Duration::from_secs(10);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A client of one server's Admin API.
#[derive(Debug, Clone)]
pub struct Admin {
    transport: AdminTransport,
    url: String,
    secret: String,
}

#[derive(Clone)]
enum AdminTransport {
    Http(reqwest::Client),
    /// Opened on first use and after a failure. The lock also serialises requests, so the next
    /// message with our transaction is the reply.
    WebSocket(Arc<Mutex<Option<Socket>>>),
}

impl std::fmt::Debug for AdminTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdminTransport::Http(_) => f.write_str("Http"),
            AdminTransport::WebSocket(_) => f.write_str("WebSocket"),
        }
    }
}

/// A stored token and the plugins it may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredToken {
    pub token: String,
    #[serde(default)]
    pub allowed_plugins: Vec<String>,
}

impl Admin {
    /// Over HTTP; `url` is the admin endpoint (`http://host:7088/admin`).
    pub fn new(url: &str, secret: &str) -> Self {
        Self::http(url, secret)
    }

    /// Over HTTP; `url` is the admin endpoint (`http://host:7088/admin`).
    pub fn http(url: &str, secret: &str) -> Self {
        Self {
            transport: AdminTransport::Http(
                crate::http::client().unwrap_or_else(|_| reqwest::Client::new()),
            ),
            url: url.trim_end_matches('/').to_owned(),
            secret: secret.to_owned(),
        }
    }

    /// Over WebSocket; `url` is the admin WebSocket (`ws://host:7188`). Nothing is opened until
    /// the first request.
    pub fn websocket(url: &str, secret: &str) -> Self {
        Self {
            transport: AdminTransport::WebSocket(Arc::new(Mutex::new(None))),
            url: url.to_owned(),
            secret: secret.to_owned(),
        }
    }

    /// Sends any admin request (`janus` verb plus fields) and returns the `success` body.
    pub async fn call(
        &self,
        verb: &str,
        session: Option<SessionId>,
        handle: Option<HandleId>,
        fields: Value,
    ) -> Result<Map<String, Value>> {
        let mut body = match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        body.insert("janus".into(), json!(verb));
        body.insert(
            "transaction".into(),
            json!(format!("admin-{:016x}", rand::random::<u64>())),
        );
        body.insert("admin_secret".into(), json!(self.secret));
        let value = match &self.transport {
            AdminTransport::Http(client) => {
                self.call_http(client, verb, session, handle, body).await?
            }
            AdminTransport::WebSocket(socket) => {
                if let Some(s) = session {
                    body.insert("session_id".into(), json!(s));
                    if let Some(h) = handle {
                        body.insert("handle_id".into(), json!(h));
                    }
                }
                self.call_ws(socket, verb, body).await?
            }
        };
        match Incoming::parse(value.clone()) {
            Incoming::Known(Known::Error { error, .. }) => {
                Err(Error::janus(verb, error.code, error.reason))
            }
            _ => match value {
                Value::Object(map) if map.get("janus") == Some(&json!("success")) => Ok(map),
                Value::Object(map) if verb == "info" => Ok(map),
                other => Err(Error::Unexpected {
                    request: verb.to_owned(),
                    answer: other,
                }),
            },
        }
    }

    async fn call_http(
        &self,
        client: &reqwest::Client,
        verb: &str,
        session: Option<SessionId>,
        handle: Option<HandleId>,
        body: Map<String, Value>,
    ) -> Result<Value> {
        let mut url = self.url.clone();
        if let Some(s) = session {
            url.push_str(&format!("/{s}"));
            if let Some(h) = handle {
                url.push_str(&format!("/{h}"));
            }
        }
        let lost = |e: reqwest::Error| Error::TransportLost {
            url: url.clone(),
            doing: format!("sending admin request {verb}"),
            source: Some(e.into()),
        };
        let response = client.post(&url).json(&body).send().await.map_err(lost)?;
        response.json().await.map_err(lost)
    }

    async fn call_ws(
        &self,
        socket: &Mutex<Option<Socket>>,
        verb: &str,
        body: Map<String, Value>,
    ) -> Result<Value> {
        let mut guard = socket.lock().await;
        let ws = match guard.take() {
            Some(ws) => ws,
            None => self.open_ws().await?,
        };
        let transaction = body.get("transaction").cloned();
        let (ws, outcome) = self.exchange_ws(ws, verb, body, transaction).await;
        // A socket that failed mid-request may hold a stale reply; only a clean one is reused.
        if outcome.is_ok() {
            *guard = Some(ws);
        }
        outcome
    }

    async fn open_ws(&self) -> Result<Socket> {
        let connect_error = |source: Box<dyn std::error::Error + Send + Sync>| Error::Connect {
            url: self.url.clone(),
            source,
        };
        let mut request = self
            .url
            .as_str()
            .into_client_request()
            .map_err(|e| connect_error(e.into()))?;
        let protocol = WS_SUBPROTOCOL.parse().map_err(
            |e: tokio_tungstenite::tungstenite::http::header::InvalidHeaderValue| {
                connect_error(e.into())
            },
        )?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", protocol);
        let (ws, _) = tokio::time::timeout(WS_TIMEOUT, tokio_tungstenite::connect_async(request))
            .await
            .map_err(|e| connect_error(e.into()))?
            .map_err(|e| connect_error(e.into()))?;
        Ok(ws)
    }

    /// Sends one request and reads until the message carrying its transaction; hands the
    /// socket back either way so the caller decides whether to keep it.
    async fn exchange_ws(
        &self,
        mut ws: Socket,
        verb: &str,
        body: Map<String, Value>,
        transaction: Option<Value>,
    ) -> (Socket, Result<Value>) {
        let lost = |doing: String, source: Option<Box<dyn std::error::Error + Send + Sync>>| {
            Error::TransportLost {
                url: self.url.clone(),
                doing,
                source,
            }
        };
        let text = Value::Object(body).to_string();
        if let Err(e) = ws.send(Message::text(text)).await {
            let err = lost(format!("sending admin request {verb}"), Some(e.into()));
            return (ws, Err(err));
        }
        let waiting = format!("waiting for the answer to admin request {verb}");
        let deadline = tokio::time::Instant::now() + WS_TIMEOUT;
        loop {
            let next = match tokio::time::timeout_at(deadline, ws.next()).await {
                Ok(next) => next,
                Err(_) => {
                    let err = Error::Timeout {
                        request: verb.to_owned(),
                        timeout: WS_TIMEOUT,
                    };
                    return (ws, Err(err));
                }
            };
            let text = match next {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(_))) | None => return (ws, Err(lost(waiting, None))),
                // Pings are answered by tungstenite itself; nothing else carries a reply.
                Some(Ok(_)) => continue,
                Some(Err(e)) => return (ws, Err(lost(waiting, Some(e.into())))),
            };
            let value: Value = match serde_json::from_str(text.as_str()) {
                Ok(value) => value,
                Err(source) => {
                    let err = Error::Decode {
                        request: verb.to_owned(),
                        source,
                    };
                    return (ws, Err(err));
                }
            };
            if value.get("transaction") == transaction.as_ref() {
                return (ws, Ok(value));
            }
        }
    }

    fn field<T: DeserializeOwned>(verb: &str, map: &Map<String, Value>, key: &str) -> Result<T> {
        let value = map.get(key).cloned().unwrap_or(Value::Null);
        serde_json::from_value(value).map_err(|source| Error::Decode {
            request: verb.to_owned(),
            source,
        })
    }

    /// `info`: the same document as `GET /janus/info`.
    pub async fn info(&self) -> Result<Map<String, Value>> {
        self.call("info", None, None, json!({})).await
    }

    /// `list_sessions`.
    pub async fn list_sessions(&self) -> Result<Vec<SessionId>> {
        let map = self.call("list_sessions", None, None, json!({})).await?;
        Self::field("list_sessions", &map, "sessions")
    }

    /// `list_handles` of a session.
    pub async fn list_handles(&self, session: SessionId) -> Result<Vec<HandleId>> {
        let map = self
            .call("list_handles", Some(session), None, json!({}))
            .await?;
        Self::field("list_handles", &map, "handles")
    }

    /// `handle_info`: everything Janus knows about a handle (kept as JSON; it is large and
    /// version-specific).
    pub async fn handle_info(&self, session: SessionId, handle: HandleId) -> Result<Value> {
        let map = self
            .call("handle_info", Some(session), Some(handle), json!({}))
            .await?;
        Self::field("handle_info", &map, "info")
    }

    /// `accept_new_sessions`: `false` drains the server (new `create`s get 472).
    pub async fn accept_new_sessions(&self, accept: bool) -> Result<bool> {
        let map = self
            .call(
                "accept_new_sessions",
                None,
                None,
                json!({ "accept": accept }),
            )
            .await?;
        Self::field("accept_new_sessions", &map, "accept")
    }

    /// `set_session_timeout`: globally, or for one session when `session` is given (there,
    /// 0 = never, -1 = back to the global value).
    pub async fn set_session_timeout(
        &self,
        session: Option<SessionId>,
        timeout: i64,
    ) -> Result<i64> {
        let map = self
            .call(
                "set_session_timeout",
                session,
                None,
                json!({ "timeout": timeout }),
            )
            .await?;
        Self::field("set_session_timeout", &map, "timeout")
    }

    /// `start_pcap` on a handle, writing `folder/filename`.
    pub async fn start_pcap(
        &self,
        session: SessionId,
        handle: HandleId,
        folder: &str,
        filename: &str,
        truncate: Option<u32>,
    ) -> Result<()> {
        let mut fields = json!({ "folder": folder, "filename": filename });
        if let Some(t) = truncate {
            fields["truncate"] = json!(t);
        }
        self.call("start_pcap", Some(session), Some(handle), fields)
            .await
            .map(drop)
    }

    /// `stop_pcap` on a handle.
    pub async fn stop_pcap(&self, session: SessionId, handle: HandleId) -> Result<()> {
        self.call("stop_pcap", Some(session), Some(handle), json!({}))
            .await
            .map(drop)
    }

    /// `add_token`, allowed for `plugins` (all plugins when empty); returns its plugins.
    pub async fn add_token(&self, token: &str, plugins: &[&str]) -> Result<Vec<String>> {
        let mut fields = json!({ "token": token });
        if !plugins.is_empty() {
            fields["plugins"] = json!(plugins);
        }
        let map = self.call("add_token", None, None, fields).await?;
        Self::plugins("add_token", &map)
    }

    /// `allow_token`: lets a stored token use more plugins.
    pub async fn allow_token(&self, token: &str, plugins: &[&str]) -> Result<Vec<String>> {
        let fields = json!({ "token": token, "plugins": plugins });
        let map = self.call("allow_token", None, None, fields).await?;
        Self::plugins("allow_token", &map)
    }

    /// `disallow_token`: takes plugins away from a stored token.
    pub async fn disallow_token(&self, token: &str, plugins: &[&str]) -> Result<Vec<String>> {
        let fields = json!({ "token": token, "plugins": plugins });
        let map = self.call("disallow_token", None, None, fields).await?;
        Self::plugins("disallow_token", &map)
    }

    fn plugins(verb: &str, map: &Map<String, Value>) -> Result<Vec<String>> {
        let data = map.get("data").cloned().unwrap_or(Value::Null);
        let plugins = data.get("plugins").cloned().unwrap_or(json!([]));
        serde_json::from_value(plugins).map_err(|source| Error::Decode {
            request: verb.to_owned(),
            source,
        })
    }

    /// `list_tokens`.
    pub async fn list_tokens(&self) -> Result<Vec<StoredToken>> {
        let map = self.call("list_tokens", None, None, json!({})).await?;
        let data = map.get("data").cloned().unwrap_or(Value::Null);
        let tokens = data.get("tokens").cloned().unwrap_or(json!([]));
        serde_json::from_value(tokens).map_err(|source| Error::Decode {
            request: "list_tokens".into(),
            source,
        })
    }

    /// `remove_token`.
    pub async fn remove_token(&self, token: &str) -> Result<()> {
        self.call("remove_token", None, None, json!({ "token": token }))
            .await
            .map(drop)
    }

    /// `destroy_session`.
    pub async fn destroy_session(&self, session: SessionId) -> Result<()> {
        self.call("destroy_session", Some(session), None, json!({}))
            .await
            .map(drop)
    }

    /// `detach_handle`.
    pub async fn detach_handle(&self, session: SessionId, handle: HandleId) -> Result<()> {
        self.call("detach_handle", Some(session), Some(handle), json!({}))
            .await
            .map(drop)
    }

    /// `hangup_webrtc`: tears down a handle's PeerConnection.
    pub async fn hangup_webrtc(&self, session: SessionId, handle: HandleId) -> Result<()> {
        self.call("hangup_webrtc", Some(session), Some(handle), json!({}))
            .await
            .map(drop)
    }
}
