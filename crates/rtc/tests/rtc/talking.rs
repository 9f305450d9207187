//! Janus `talking` / `stopped-talking` driven by the audio levels the publisher writes.

use mailcall_rtc::{AudioLevel, Publisher, PublisherConfig};
use serde_json::json;

use crate::lab::{self, DEADLINE};
use crate::videoroom::{self, Handle};

#[tokio::test]
async fn loud_levels_make_janus_report_talking_then_stopped() -> anyhow::Result<()> {
    let lab = lab::janus();
    let mut listener = Handle::attach(&lab.http_url()).await?;
    // 25 packets of 20 ms: Janus decides twice a second instead of every two seconds.
    let options = json!({
        "audiolevel_event": true,
        "audio_active_packets": 25,
        "audio_level_average": 25,
    });
    let room = videoroom::create_room(&listener, lab.admin_key(), options).await?;
    videoroom::join_publisher(&mut listener, room, "listener").await?;

    let mut handle = Handle::attach(&lab.http_url()).await?;
    let feed = videoroom::join_publisher(&mut handle, room, "speaker").await?;
    let mut config =
        PublisherConfig::new(lab::participant(lab.peer_ip(), "speaker"), lab::samples());
    config.video = false;
    config.audio_level = AudioLevel::LOUD;
    let publisher = Publisher::new(config).await?;
    let offer = publisher.offer().await?;
    let answer = videoroom::publish(&mut handle, &offer).await?;
    publisher.apply_answer(&answer).await?;
    publisher.wait_connected(DEADLINE).await?;

    let is = |name: &'static str| {
        move |e: &serde_json::Value| {
            let data = &e["plugindata"]["data"];
            data["videoroom"] == name && data["id"].as_u64() == Some(feed)
        }
    };
    let talking = listener.wait(DEADLINE, "talking", is("talking")).await?;
    let level = talking["plugindata"]["data"]["audio-level-dBov-avg"].as_f64();
    assert!(level.is_some_and(|l| l < 25.0), "{talking}");

    publisher.set_audio_level(AudioLevel::SILENT);
    let stopped = listener
        .wait(DEADLINE, "stopped-talking", is("stopped-talking"))
        .await?;
    let level = stopped["plugindata"]["data"]["audio-level-dBov-avg"].as_f64();
    assert!(level.is_some_and(|l| l > 25.0), "{stopped}");

    publisher.close().await;
    Ok(())
}
