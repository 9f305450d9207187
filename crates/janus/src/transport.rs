//! The two Janus API transports behind one type: WebSocket (subprotocol `janus-protocol`) and
//! HTTP with long-poll (`GET /janus/<session>?maxev=N`).
//!
//! Invariants:
//! - A [`Connection`] only moves JSON; matching answers to requests is the transaction table's
//!   job. Over HTTP each POST's answer is fed into the same incoming queue as the long-poll's
//!   events, so both transports look alike to the session: send a request, later receive
//!   messages carrying its transaction.
//! - [`Connection::next`] is cancel-safe (it is used inside `select!`).
//! - HTTP moves `session_id`/`handle_id` into the path, as the HTTP transport wants, and puts
//!   `token`/`apisecret` in the long-poll's query, since a GET has no body. A long-poll that
//!   finds no events within 30 s answers `{"janus":"keepalive"}`; with `maxev > 1` the answer
//!   is an array.
//! - Every task a connection starts lives in its `JoinSet`: dropping the connection aborts
//!   them.
//! - Follows the Janus docs "RESTful, Websockets, RabbitMQ, MQTT, Nanomsg and UnixSockets API".

use std::collections::VecDeque;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::task::{AbortHandle, JoinSet};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{Error, Result};
use crate::id::SessionId;
use crate::message::{Envelope, ErrorBody, Incoming, Known};

const SUBPROTOCOL: &str = "janus-protocol";
/// Longer than the 30 s after which Janus answers an idle long-poll.
const POLL_TIMEOUT: Duration = Duration::from_secs(45);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Empty long-poll answers in a row before the link counts as broken.
const MAX_EMPTY_POLLS: u32 = 3;

/// Where a Janus server listens, and which transport to use for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `ws://host:8188` or `wss://…`
    WebSocket(String),
    /// `http://host:8088/janus` or `https://…`
    Http(String),
}

impl Endpoint {
    /// Picks the transport from the URL scheme.
    pub fn parse(url: &str) -> Result<Self> {
        let url = url.trim_end_matches('/').to_owned();
        if url.starts_with("ws://") || url.starts_with("wss://") {
            Ok(Endpoint::WebSocket(url))
        } else if url.starts_with("http://") || url.starts_with("https://") {
            Ok(Endpoint::Http(url))
        } else {
            Err(Error::Invalid {
                what: "Janus URL (want ws://, wss://, http:// or https://)",
                value: url,
            })
        }
    }

    /// The URL as given.
    pub fn url(&self) -> &str {
        match self {
            Endpoint::WebSocket(url) | Endpoint::Http(url) => url,
        }
    }
}

/// What a connection delivers.
#[derive(Debug)]
pub(crate) enum Received {
    /// A message from Janus.
    Message(Incoming),
    /// One HTTP request failed without an answer; only its transaction is affected.
    Failed { transaction: String, error: Error },
}

/// The per-request credentials a long-poll must carry in its query.
#[derive(Debug, Clone, Default)]
pub(crate) struct PollAuth {
    pub token: Option<String>,
    pub apisecret: Option<String>,
}

/// An open transport to one Janus server.
pub(crate) enum Connection {
    Ws(Box<WsConnection>),
    Http(HttpConnection),
}

pub(crate) struct WsConnection {
    url: String,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

pub(crate) struct HttpConnection {
    base: String,
    client: reqwest::Client,
    tasks: JoinSet<HttpDone>,
    poll: Option<(u64, AbortHandle)>,
    generation: u64,
    session: Option<SessionId>,
    auth: PollAuth,
    maxev: u32,
    queue: VecDeque<Received>,
    empty_polls: u32,
}

enum HttpDone {
    Post(Received),
    Poll {
        generation: u64,
        result: std::result::Result<Vec<Value>, Error>,
    },
}

impl Connection {
    /// Opens a transport; for HTTP nothing is sent until the first request.
    pub async fn open(endpoint: &Endpoint, auth: PollAuth, maxev: u32) -> Result<Self> {
        match endpoint {
            Endpoint::WebSocket(url) => {
                let connect_error =
                    |source: Box<dyn std::error::Error + Send + Sync>| Error::Connect {
                        url: url.clone(),
                        source,
                    };
                let mut request = url
                    .as_str()
                    .into_client_request()
                    .map_err(|e| connect_error(e.into()))?;
                request.headers_mut().insert(
                    "Sec-WebSocket-Protocol",
                    http_value(SUBPROTOCOL).map_err(connect_error)?,
                );
                let connect = tokio_tungstenite::connect_async(request);
                let (socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, connect)
                    .await
                    .map_err(|e| connect_error(e.into()))?
                    .map_err(|e| connect_error(e.into()))?;
                Ok(Connection::Ws(Box::new(WsConnection {
                    url: url.clone(),
                    socket,
                })))
            }
            Endpoint::Http(url) => {
                let client = crate::http::client_builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .build()
                    .map_err(|e| Error::Connect {
                        url: url.clone(),
                        source: e.into(),
                    })?;
                Ok(Connection::Http(HttpConnection {
                    base: url.clone(),
                    client,
                    tasks: JoinSet::new(),
                    poll: None,
                    generation: 0,
                    session: None,
                    auth,
                    maxev: maxev.max(1),
                    queue: VecDeque::new(),
                    empty_polls: 0,
                }))
            }
        }
    }

    /// The server URL, for messages.
    pub fn url(&self) -> &str {
        match self {
            Connection::Ws(ws) => &ws.url,
            Connection::Http(http) => &http.base,
        }
    }

    /// Sends one request; its answer arrives through [`Connection::next`].
    pub async fn send(&mut self, envelope: &Envelope) -> Result<()> {
        match self {
            Connection::Ws(ws) => {
                let text = serde_json::to_string(envelope).map_err(|e| Error::Decode {
                    request: envelope.request.verb().to_owned(),
                    source: e,
                })?;
                ws.socket
                    .send(Message::text(text))
                    .await
                    .map_err(|e| Error::TransportLost {
                        url: ws.url.clone(),
                        doing: format!("sending {}", envelope.request.verb()),
                        source: Some(e.into()),
                    })
            }
            Connection::Http(http) => {
                http.post(envelope);
                Ok(())
            }
        }
    }

    /// Tells the connection which session to receive events for (HTTP: (re)starts the
    /// long-poll; WebSocket: events come on the socket anyway).
    pub fn set_session(&mut self, session: Option<SessionId>) {
        if let Connection::Http(http) = self {
            http.session = session;
            http.restart_poll();
        }
    }

    /// Replaces the credentials of later long-polls (the request bodies carry their own).
    pub fn set_auth(&mut self, auth: PollAuth) {
        if let Connection::Http(http) = self {
            http.auth = auth;
        }
    }

    /// The next message, `None` when the server closed the transport, an error when it broke.
    pub async fn next(&mut self) -> Option<Result<Received>> {
        match self {
            Connection::Ws(ws) => loop {
                match ws.socket.next().await {
                    None | Some(Ok(Message::Close(_))) => return None,
                    Some(Ok(Message::Text(text))) => {
                        let value: Value = match serde_json::from_str(&text) {
                            Ok(v) => v,
                            Err(e) => {
                                tracing::warn!(%e, "Janus sent a frame that is not JSON; skipped");
                                continue;
                            }
                        };
                        return Some(Ok(Received::Message(Incoming::parse(value))));
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => {
                        return Some(Err(Error::TransportLost {
                            url: ws.url.clone(),
                            doing: "waiting for events".into(),
                            source: Some(e.into()),
                        }))
                    }
                }
            },
            Connection::Http(http) => http.next().await,
        }
    }

    /// Closes the transport politely (WebSocket close frame); HTTP just stops its tasks.
    pub async fn close(&mut self) {
        match self {
            Connection::Ws(ws) => {
                let _ = tokio::time::timeout(Duration::from_secs(1), ws.socket.close(None)).await;
            }
            Connection::Http(http) => http.tasks.abort_all(),
        }
    }
}

fn http_value(
    text: &str,
) -> std::result::Result<
    tokio_tungstenite::tungstenite::http::HeaderValue,
    Box<dyn std::error::Error + Send + Sync>,
> {
    Ok(text.parse()?)
}

impl HttpConnection {
    fn post(&mut self, envelope: &Envelope) {
        let mut url = self.base.clone();
        let mut body = envelope.clone();
        if let Some(session) = body.session_id.take() {
            url.push_str(&format!("/{session}"));
            if let Some(handle) = body.handle_id.take() {
                url.push_str(&format!("/{handle}"));
            }
        }
        let client = self.client.clone();
        let transaction = envelope.transaction.clone();
        let verb = envelope.request.verb();
        let base = self.base.clone();
        self.tasks.spawn(async move {
            let result = async {
                let response = client.post(&url).json(&body).send().await?;
                response.json::<Value>().await
            }
            .await;
            HttpDone::Post(match result {
                Ok(value) => Received::Message(Incoming::parse(value)),
                Err(e) => Received::Failed {
                    transaction,
                    error: Error::TransportLost {
                        url: base,
                        doing: format!("sending {verb}"),
                        source: Some(e.into()),
                    },
                },
            })
        });
    }

    fn restart_poll(&mut self) {
        if let Some((_, abort)) = self.poll.take() {
            abort.abort();
        }
        let Some(session) = self.session else {
            return;
        };
        self.generation += 1;
        let generation = self.generation;
        let mut url = format!("{}/{session}?maxev={}", self.base, self.maxev);
        // A fresh `rid` per poll defeats caches between client and server.
        url.push_str(&format!("&rid={}", rand::random::<u32>()));
        if let Some(token) = &self.auth.token {
            url.push_str(&format!("&token={}", percent_encode(token)));
        }
        if let Some(secret) = &self.auth.apisecret {
            url.push_str(&format!("&apisecret={}", percent_encode(secret)));
        }
        let client = self.client.clone();
        let base = self.base.clone();
        let abort = self.tasks.spawn(async move {
            let result = async {
                let response = client.get(&url).timeout(POLL_TIMEOUT).send().await?;
                response.bytes().await
            }
            .await;
            let result = match result {
                // Janus ends a poll with an empty body when the session is over for this
                // transport (destroyed, or its credentials went away): not a broken link.
                Ok(body) if body.iter().all(u8::is_ascii_whitespace) => Ok(Vec::new()),
                Ok(body) => match serde_json::from_slice::<Value>(&body) {
                    Ok(Value::Array(values)) => Ok(values),
                    Ok(value) => Ok(vec![value]),
                    Err(e) => Err(Error::TransportLost {
                        url: base,
                        doing: "long-polling for events (the answer is not JSON)".into(),
                        source: Some(e.into()),
                    }),
                },
                Err(e) => Err(Error::TransportLost {
                    url: base,
                    doing: "long-polling for events".into(),
                    source: Some(e.into()),
                }),
            };
            HttpDone::Poll { generation, result }
        });
        self.poll = Some((generation, abort));
    }

    async fn next(&mut self) -> Option<Result<Received>> {
        loop {
            if let Some(received) = self.queue.pop_front() {
                return Some(Ok(received));
            }
            let Some(done) = self.tasks.join_next().await else {
                // Nothing in flight: wait until a request or a session gives us work. The
                // caller's select! wakes us up by calling send/set_session in another branch.
                std::future::pending::<()>().await;
                continue;
            };
            match done {
                Err(e) if e.is_cancelled() => continue,
                Err(e) => {
                    tracing::error!(%e, "an HTTP transport task failed");
                    continue;
                }
                Ok(HttpDone::Post(received)) => return Some(Ok(received)),
                Ok(HttpDone::Poll { generation, result }) => {
                    if generation != self.generation {
                        continue;
                    }
                    self.poll = None;
                    match result {
                        Ok(values) if values.is_empty() => {
                            self.empty_polls += 1;
                            if self.empty_polls > MAX_EMPTY_POLLS {
                                return Some(Err(Error::TransportLost {
                                    url: self.base.clone(),
                                    doing: "long-polling for events (empty answers)".into(),
                                    source: None,
                                }));
                            }
                            self.restart_poll();
                        }
                        Ok(values) => {
                            self.empty_polls = 0;
                            let gone = values.iter().any(is_session_gone);
                            self.queue.extend(
                                values
                                    .into_iter()
                                    .map(|v| Received::Message(Incoming::parse(v))),
                            );
                            // Polling a dead session again would only repeat the 458.
                            if gone {
                                self.session = None;
                            }
                            self.restart_poll();
                        }
                        Err(e) => return Some(Err(e)),
                    }
                }
            }
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (signed tokens hold `,:=+/`).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn is_session_gone(value: &Value) -> bool {
    matches!(
        Incoming::parse(value.clone()),
        Incoming::Known(Known::Error {
            error: ErrorBody { code: 458, .. },
            ..
        }) | Incoming::Known(Known::Timeout { .. })
    )
}
