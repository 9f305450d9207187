//! `call join`: a headless participant that prints roster changes, talking, media, slow-link
//! and hangup events (JSON lines with `--json`), the roster on Enter or every N seconds, and
//! every second one line per received stream (packets, whole frames, frame rate, bitrate,
//! loss, jitter), which shows that media really arrives.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use mailcall_call::{
    Call, CallConfig, CallEvent, FeedStats, HeadlessConfig, HeadlessMedia, Meter, Role, RosterPage,
};
use mailcall_janus::RoomId;
use mailcall_rtc::MediaSamples;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::ServerArgs;
use crate::output::Output;

#[derive(Debug, Args)]
pub struct JoinArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long)]
    pub room: u64,
    #[arg(long)]
    pub display: Option<String>,
    /// Publish audio and video (built-in samples) instead of only listening.
    #[arg(long)]
    pub speaker: bool,
    /// Video slots of the subscription.
    #[arg(long, default_value_t = 4)]
    pub slots: usize,
    /// Print the roster every N seconds (it is also printed on Enter).
    #[arg(long, value_name = "SECONDS")]
    pub roster_every: Option<u64>,
    /// Members per roster page.
    #[arg(long, default_value_t = 50)]
    pub page_size: usize,
    /// Leave after N seconds.
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u64>,
    /// Local address for media.
    #[arg(long)]
    pub bind: Option<IpAddr>,
    /// Print received-media statistics every N seconds (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    pub stats_every: u64,
}

fn print_event(out: &Output, event: &CallEvent) {
    if out.json {
        if let Ok(line) = serde_json::to_string(event) {
            println!("{line}");
        }
        return;
    }
    match event {
        CallEvent::Joined {
            room,
            feed,
            publishers,
            ..
        } => println!("joined room {room} as {feed} ({publishers} publishers)"),
        CallEvent::Roster {
            joined,
            left,
            updated,
            members,
        } => println!(
            "roster: {members} members (+{} -{} ~{})",
            joined.len(),
            left.len(),
            updated.len()
        ),
        CallEvent::Talking { feed, talking, .. } => {
            println!(
                "{feed} {}",
                if *talking {
                    "talking"
                } else {
                    "stopped talking"
                }
            )
        }
        CallEvent::ActiveSpeaker { feed } => println!("active speaker: {feed}"),
        CallEvent::Slots { slots } => {
            let shown: Vec<String> = slots
                .iter()
                .map(|s| s.map_or("-".into(), |f| f.to_string()))
                .collect();
            println!("slots: {}", shown.join(" "));
        }
        CallEvent::WebrtcUp { leg } => println!("{leg:?}: webrtcup"),
        CallEvent::Media {
            leg,
            mid,
            kind,
            receiving,
        } => println!(
            "{leg:?}: {kind} (mid {}) {}",
            mid.as_deref().unwrap_or("-"),
            if *receiving { "flowing" } else { "stopped" }
        ),
        CallEvent::SlowLink {
            leg,
            mid,
            uplink,
            lost,
        } => println!(
            "{leg:?}: slow link on mid {} ({}), lost {}",
            mid.as_deref().unwrap_or("-"),
            if *uplink { "uplink" } else { "downlink" },
            lost.map_or("?".into(), |l| l.to_string())
        ),
        CallEvent::Hangup { leg, reason } => {
            println!("{leg:?}: hangup ({})", reason.as_deref().unwrap_or("-"))
        }
        CallEvent::Reconnecting { reason } => println!("reconnecting: {reason:?}"),
        CallEvent::Resynced => println!("reconnected; roster re-read"),
        CallEvent::Warning { message } => eprintln!("warning: {message}"),
        CallEvent::Ended { reason } => println!("ended: {reason}"),
    }
}

fn print_stats(out: &Output, stats: &FeedStats) {
    if out.json {
        let mut doc = serde_json::json!({ "event": "stats" });
        if let (Some(map), Ok(serde_json::Value::Object(fields))) =
            (doc.as_object_mut(), serde_json::to_value(stats))
        {
            map.extend(fields);
        }
        println!("{doc}");
        return;
    }
    let lost_percent = stats.loss * 100.0;
    println!(
        "stats: feed {} ({}) {} mid {}: {} packets, {} frames ({} key, {} broken), {:.1} fps, {:.0} kbit/s, lost {} ({lost_percent:.1}%), jitter {:.1} ms",
        stats.feed.map_or("-".into(), |f| f.to_string()),
        stats.display.as_deref().unwrap_or("no name"),
        stats.kind,
        stats.mid.as_deref().unwrap_or("-"),
        stats.packets,
        stats.frames,
        stats.key_frames,
        stats.broken_frames,
        stats.frame_rate,
        stats.bitrate / 1000.0,
        stats.lost,
        stats.jitter_ms,
    );
}

fn print_roster(out: &Output, page: &RosterPage) {
    if out.json {
        let doc = serde_json::json!({ "event": "roster_page", "page": page });
        println!("{doc}");
        return;
    }
    println!("roster: {} members", page.total);
    for m in &page.members {
        println!(
            "  {:>16}  {}{}{}",
            m.id.0,
            m.display.as_deref().unwrap_or("(no name)"),
            if m.publisher { "  [publishing]" } else { "" },
            if m.talking { "  [talking]" } else { "" }
        );
    }
}

pub async fn run(args: &JoinArgs, out: &Output) -> anyhow::Result<()> {
    let first = args
        .server
        .servers
        .first()
        .map(String::as_str)
        .unwrap_or("");
    let bind_ip = super::bind_ip(args.bind, first)?;
    let role = if args.speaker {
        Role::Speaker
    } else {
        Role::Attendee
    };
    let mut config = CallConfig::new(args.server.servers.clone(), RoomId(args.room), role);
    config.display = args.display.clone();
    config.token = args.server.token.clone();
    config.slots = args.slots;
    let samples = Arc::new(MediaSamples::builtin()?);
    let media = HeadlessMedia::new(HeadlessConfig::new(bind_ip, samples));
    let (call, mut events) = Call::start(config, media.clone()).await?;
    let mut meter = Meter::new();
    let mut stats_tick = tokio::time::interval(Duration::from_secs(args.stats_every.max(1)));
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    let every = Duration::from_secs(args.roster_every.unwrap_or(0).max(1));
    let mut roster_tick = tokio::time::interval(every);
    roster_tick.tick().await;
    let end = tokio::time::sleep(Duration::from_secs(args.duration.unwrap_or(u64::MAX / 4)));
    tokio::pin!(end);
    let mut show_roster = false;
    let interrupted = mailcall_mail::interrupt::cancel_on_ctrl_c();
    loop {
        tokio::select! {
            _ = &mut end => break,
            () = interrupted.cancelled() => break,
            event = events.recv() => match event {
                Some(event) => {
                    print_event(out, &event);
                    if matches!(event, CallEvent::Ended { .. }) {
                        return Ok(());
                    }
                }
                None => return Ok(()),
            },
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(_)) => show_roster = true,
                _ => stdin_open = false,
            },
            _ = roster_tick.tick(), if args.roster_every.is_some() => show_roster = true,
            _ = stats_tick.tick(), if args.stats_every > 0 => {
                let received = media.stats().await;
                let now = std::time::Instant::now();
                for stats in meter.sample(now, &received.streams, &call.sources()) {
                    print_stats(out, &stats);
                }
            }
        }
        if show_roster {
            show_roster = false;
            match call.roster(0, args.page_size).await {
                Ok(page) => print_roster(out, &page),
                Err(e) => eprintln!("warning: cannot read the roster: {e}"),
            }
        }
    }
    call.leave().await?;
    while let Some(event) = events.try_recv() {
        print_event(out, &event);
    }
    Ok(())
}
