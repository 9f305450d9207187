//! Reaching a server: opening a transport and creating or claiming a session on it, before the
//! session actor takes the transport over. Used by [`crate::session::Session::connect`] and by
//! the actor's reconnects.
//!
//! Invariants: servers are tried in the configured order starting from a given index; a
//! transient failure or a 472 (server draining, Janus docs "Admin API: accept_new_sessions")
//! moves on to the next server, any other refusal (e.g. 403) is returned at once, since another
//! server would refuse the same credentials. Messages that arrive before the awaited answer are
//! kept in a backlog for the actor, never dropped.

use std::collections::VecDeque;

use serde_json::Value;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::id::{HandleId, SessionId};
use crate::message::{Envelope, Incoming, Known, Request};
use crate::session::SessionConfig;
use crate::transaction::Reply;
use crate::transport::{Connection, PollAuth, Received};

pub(crate) fn auth(config: &SessionConfig) -> PollAuth {
    PollAuth {
        token: config.token.clone(),
        apisecret: config.api_secret.clone(),
    }
}

pub(crate) fn envelope(
    config: &SessionConfig,
    request: Request,
    transaction: String,
    session: Option<SessionId>,
    handle: Option<HandleId>,
) -> Envelope {
    Envelope {
        request,
        transaction,
        session_id: session,
        handle_id: handle,
        token: config.token.clone(),
        apisecret: config.api_secret.clone(),
    }
}

/// Opens a transport to server `index` and runs one request on it before any actor exists,
/// collecting unrelated messages into `backlog`.
pub(crate) async fn open_and_call(
    config: &SessionConfig,
    index: usize,
    request: Request,
    session: Option<SessionId>,
    backlog: &mut VecDeque<Incoming>,
) -> Result<(Connection, Reply)> {
    let endpoint = &config.servers[index];
    let mut conn = Connection::open(endpoint, auth(config), config.maxev).await?;
    let verb = request.verb();
    let transaction = format!("mc-setup-{:016x}", rand::random::<u64>());
    let env = envelope(config, request, transaction.clone(), session, None);
    conn.send(&env).await?;
    let deadline = Instant::now() + config.request_timeout;
    loop {
        let next = tokio::time::timeout_at(deadline, conn.next()).await;
        let received = match next {
            Err(_) => {
                return Err(Error::Timeout {
                    request: verb.into(),
                    timeout: config.request_timeout,
                })
            }
            Ok(None) => {
                return Err(Error::TransportLost {
                    url: endpoint.url().into(),
                    doing: format!("waiting for the answer to {verb}"),
                    source: None,
                })
            }
            Ok(Some(r)) => r?,
        };
        let message = match received {
            Received::Failed { error, .. } => return Err(error),
            Received::Message(m) => m,
        };
        if message.transaction() != Some(transaction.as_str()) {
            backlog.push_back(message);
            continue;
        }
        return match message {
            Incoming::Known(Known::Ack { .. }) => continue,
            Incoming::Known(Known::Success {
                data, plugindata, ..
            }) => Ok((conn, Reply::Success { data, plugindata })),
            Incoming::Known(Known::Error { error, .. }) => {
                Err(Error::janus(verb, error.code, error.reason))
            }
            other => Err(Error::Unexpected {
                request: verb.into(),
                answer: serde_json::to_value(&other).unwrap_or(Value::Null),
            }),
        };
    }
}

/// Creates a session on the first server, from `start` on, that accepts one.
pub(crate) async fn establish(
    config: &SessionConfig,
    start: usize,
) -> Result<(Connection, SessionId, usize, VecDeque<Incoming>)> {
    let n = config.servers.len();
    let mut tried = Vec::new();
    let mut last = None;
    for offset in 0..n {
        let index = (start + offset) % n;
        let mut backlog = VecDeque::new();
        let url = config.servers[index].url().to_owned();
        match open_and_call(
            config,
            index,
            Request::Create { id: None },
            None,
            &mut backlog,
        )
        .await
        {
            Ok((mut conn, reply)) => {
                let id = match &reply {
                    Reply::Success { data: Some(d), .. } => d.get("id").and_then(Value::as_u64),
                    _ => None,
                };
                let Some(id) = id else {
                    return Err(Error::Unexpected {
                        request: "create".into(),
                        answer: Value::String(format!("{reply:?}")),
                    });
                };
                let session = SessionId(id);
                conn.set_session(Some(session));
                tracing::info!(%session, server = %url, "Janus session created");
                return Ok((conn, session, index, backlog));
            }
            Err(e) if e.is_transient() => {
                tracing::warn!(server = %url, error = %e, "server did not give a session; trying the next");
                tried.push(url);
                last = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    let last = last.unwrap_or(Error::Invalid {
        what: "session config",
        value: "no servers".into(),
    });
    Err(Error::NoServer {
        tried,
        last: Box::new(last),
    })
}
