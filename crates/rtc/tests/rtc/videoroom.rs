//! Just enough of the Janus API over HTTP to drive the VideoRoom plugin from tests: one
//! session per handle, a long-poll task per session feeding an event queue, and requests
//! with an optional JSEP. The real client lives in `mailcall-janus`; these tests must not
//! depend on it, so the participants are proven against Janus independently.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use mailcall_rtc::{Trickle, TrickleEvents};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A videoroom plugin handle on its own session.
pub struct Handle {
    http: reqwest::Client,
    url: String,
    events: mpsc::UnboundedReceiver<Value>,
    poll: JoinHandle<()>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.poll.abort();
    }
}

fn transaction() -> String {
    format!("rtc-{:016x}", rand::random::<u64>())
}

async fn post(http: &reqwest::Client, url: &str, mut body: Value) -> Result<Value> {
    body["transaction"] = json!(transaction());
    let reply: Value = http
        .post(url)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?
        .json()
        .await
        .context("Janus reply is not JSON")?;
    if reply["janus"] == "error" {
        bail!("Janus refused {body}: {reply}");
    }
    Ok(reply)
}

impl Handle {
    /// Creates a session, attaches `janus.plugin.videoroom` and starts long-polling.
    pub async fn attach(base: &str) -> Result<Self> {
        let http = mailcall_janus::http::client()?;
        let session = post(&http, base, json!({"janus": "create"})).await?;
        let session = session["data"]["id"].as_u64().context("no session id")?;
        let session_url = format!("{base}/{session}");
        let attach = json!({"janus": "attach", "plugin": "janus.plugin.videoroom"});
        let handle = post(&http, &session_url, attach).await?;
        let handle = handle["data"]["id"].as_u64().context("no handle id")?;
        let (tx, events) = mpsc::unbounded_channel();
        let poll_http = http.clone();
        let poll_url = format!("{session_url}?maxev=10");
        // Dropping a long-poll mid-flight could lose the events Janus already dequeued for
        // it, so one task owns the polling and a deadline only ever applies to the queue.
        let poll = tokio::spawn(async move {
            loop {
                let Ok(reply) = poll_http.get(&poll_url).send().await else {
                    return;
                };
                let Ok(reply) = reply.json::<Value>().await else {
                    return;
                };
                let batch = match reply {
                    Value::Array(events) => events,
                    event => vec![event],
                };
                for event in batch {
                    if event["janus"] != "keepalive" && tx.send(event).is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Self {
            http,
            url: format!("{session_url}/{handle}"),
            events,
            poll,
        })
    }

    /// Sends a plugin message; synchronous requests answer in the reply, asynchronous ones
    /// with an `ack` now and an event later.
    pub async fn message(&self, body: Value, jsep: Option<Value>) -> Result<Value> {
        let mut request = json!({"janus": "message", "body": body});
        if let Some(jsep) = jsep {
            request["jsep"] = jsep;
        }
        let reply = post(&self.http, &self.url, request).await?;
        if let Some(error) = reply["plugindata"]["data"].get("error") {
            bail!("videoroom error: {error} ({reply})");
        }
        Ok(reply)
    }

    /// Sends one trickle candidate, or `completed`.
    pub async fn trickle(&self, event: &Trickle) -> Result<()> {
        let candidate = match event {
            Trickle::Candidate(candidate) => serde_json::to_value(candidate)?,
            Trickle::Completed => json!({"completed": true}),
        };
        post(
            &self.http,
            &self.url,
            json!({"janus": "trickle", "candidate": candidate}),
        )
        .await
        .map(drop)
    }

    /// Sends every local candidate until gathering completes.
    pub async fn trickle_all(&self, mut events: TrickleEvents) -> Result<usize> {
        let mut sent = 0;
        while let Some(event) = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .context("gathering did not complete")?
        {
            self.trickle(&event).await?;
            if event == Trickle::Completed {
                return Ok(sent);
            }
            sent += 1;
        }
        bail!("the trickle stream ended before `completed`")
    }

    /// Waits for an event matching `wanted`, skipping others; fails on a videoroom error.
    pub async fn wait(
        &mut self,
        deadline: Duration,
        what: &str,
        wanted: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        let wait = async {
            while let Some(event) = self.events.recv().await {
                if let Some(error) = event["plugindata"]["data"].get("error") {
                    bail!("videoroom error while waiting for {what}: {error} ({event})");
                }
                if wanted(&event) {
                    return Ok(event);
                }
            }
            bail!("the event stream ended while waiting for {what}")
        };
        tokio::time::timeout(deadline, wait)
            .await
            .with_context(|| format!("no {what} within {deadline:?}"))?
    }

    /// Waits for the plugin event whose `videoroom` field is `name`.
    pub async fn wait_videoroom(&mut self, deadline: Duration, name: &str) -> Result<Value> {
        self.wait(deadline, name, |e| {
            e["plugindata"]["data"]["videoroom"] == name
        })
        .await
    }
}

/// A room id that stays exact as a JSON number.
pub fn room_id() -> u64 {
    rand::random::<u64>() >> 12
}

/// Creates a VP8/Opus room; `extra` adds or overrides `create` options.
pub async fn create_room(handle: &Handle, admin_key: &str, extra: Value) -> Result<u64> {
    let room = room_id();
    let mut body = json!({
        "request": "create",
        "room": room,
        "admin_key": admin_key,
        "publishers": 16,
        "audiocodec": "opus",
        "videocodec": "vp8",
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    let reply = handle.message(body, None).await?;
    if reply["plugindata"]["data"]["videoroom"] != "created" {
        bail!("room not created: {reply}");
    }
    Ok(room)
}

/// Joins `room` as a publisher (without media yet); returns the publisher id.
pub async fn join_publisher(handle: &mut Handle, room: u64, display: &str) -> Result<u64> {
    let join = json!({"request": "join", "ptype": "publisher", "room": room, "display": display});
    handle.message(join, None).await?;
    let joined = handle
        .wait_videoroom(super::lab::DEADLINE, "joined")
        .await?;
    joined["plugindata"]["data"]["id"]
        .as_u64()
        .context("joined without an id")
}

/// Sends `publish` with `offer`; returns Janus's answer SDP.
pub async fn publish(handle: &mut Handle, offer: &str) -> Result<String> {
    let jsep = json!({"type": "offer", "sdp": offer});
    handle
        .message(json!({"request": "publish"}), Some(jsep))
        .await?;
    let configured = handle
        .wait(super::lab::DEADLINE, "the publish answer", |e| {
            e["jsep"]["type"] == "answer"
        })
        .await?;
    answer_sdp(&configured)
}

fn answer_sdp(event: &Value) -> Result<String> {
    event["jsep"]["sdp"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no SDP in {event}"))
}

/// Joins as a multistream subscriber of `feed`; returns Janus's offer SDP.
pub async fn subscribe(handle: &mut Handle, room: u64, feed: u64) -> Result<String> {
    let join = json!({
        "request": "join",
        "ptype": "subscriber",
        "room": room,
        "streams": [{"feed": feed}],
    });
    handle.message(join, None).await?;
    let attached = handle
        .wait_videoroom(super::lab::DEADLINE, "attached")
        .await?;
    answer_sdp(&attached)
}

/// Sends `start` with the subscriber's answer.
pub async fn start(handle: &mut Handle, answer: &str) -> Result<()> {
    let jsep = json!({"type": "answer", "sdp": answer});
    handle
        .message(json!({"request": "start"}), Some(jsep))
        .await?;
    // Janus 1.1.2 answers with `{"videoroom": "event", "started": "ok"}`.
    handle
        .wait(super::lab::DEADLINE, "started", |e| {
            e["plugindata"]["data"]["started"] == "ok"
        })
        .await
        .map(drop)
}
