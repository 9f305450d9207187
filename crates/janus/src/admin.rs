//! The Janus Admin API over HTTP (`/admin`, Janus docs "Admin/Monitor API"): server info,
//! sessions and handles, draining (`accept_new_sessions`), timeouts, packet captures and stored
//! tokens.
//!
//! Invariants: every request carries `admin_secret` and a fresh transaction; session- and
//! handle-scoped requests go to `/admin/<session>[/<handle>]`, as the HTTP transport wants.
//! A Janus error becomes [`Error::Janus`] with its typed code. A connection that Janus closed
//! after a restart fails once with a transient error; [`crate::Backoff::retry`] absorbs it.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::id::{HandleId, SessionId};
use crate::message::{Incoming, Known};

/// A client of one server's Admin API.
#[derive(Debug, Clone)]
pub struct Admin {
    client: reqwest::Client,
    url: String,
    secret: String,
}

/// A stored token and the plugins it may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredToken {
    pub token: String,
    #[serde(default)]
    pub allowed_plugins: Vec<String>,
}

impl Admin {
    /// `url` is the admin endpoint (`http://host:7088/admin`).
    pub fn new(url: &str, secret: &str) -> Self {
        Self {
            client: reqwest::Client::new(),
            url: url.trim_end_matches('/').to_owned(),
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
        let response = self
            .client
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(lost)?;
        let value: Value = response.json().await.map_err(lost)?;
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
