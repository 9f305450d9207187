//! `mailcall-cli call …` against the Janus lab: the load test with 20 participants passes,
//! the pre-flight reports a low `ulimit -n` as a warning while its other checks pass, and
//! `call join` prints statistics lines that count whole frames.

use std::process::Command;

use mailcall_testkit::janus::JanusLab;
use serde_json::Value;

const CLI: &str = env!("CARGO_BIN_EXE_mailcall-cli");

#[test]
fn loadtest_with_20_participants_passes() {
    let lab = JanusLab::builder().start_or_panic();
    let report = json_of(
        Command::new(CLI)
            .args(["--json", "call", "loadtest", "--participants", "20"])
            .args(["--publishers", "2", "--duration", "1"])
            .args(["--server", &lab.ws_url(), "--admin-key", lab.admin_key()])
            .args(["--bind", &lab.peer_ip().to_string()]),
    );
    assert_eq!(report["join"]["count"], 20, "{report}");
    assert_eq!(report["first_rtp"]["count"], 20, "{report}");
    assert_eq!(report["failures"].as_array().map(Vec::len), Some(0));
}

#[test]
fn preflight_warns_about_a_low_open_file_limit() {
    let lab = JanusLab::builder().start_or_panic();
    let script = "ulimit -n 256 && exec \"$@\"";
    let report = json_of(
        Command::new("sh")
            .args(["-c", script, "sh", CLI])
            .args(["--json", "call", "preflight", "--expected-audience", "700"])
            .args(["--server", &lab.ws_url(), "--server", &lab.http_url()])
            .args([
                "--admin",
                &lab.admin_url(),
                "--admin-secret",
                lab.admin_secret(),
            ])
            .args(["--admin-key", lab.admin_key()])
            .args(["--bind", &lab.peer_ip().to_string()]),
    );
    let nofile = check_named(&report, "ulimit -n");
    assert_eq!(nofile["verdict"], "warn", "{nofile}");
    assert!(
        nofile["detail"].as_str().unwrap().contains("256"),
        "{nofile}"
    );
    for name in ["janus info", "HTTP", "WebSocket", "ICE", "admin API"] {
        assert_eq!(check_named(&report, name)["verdict"], "pass", "{report}");
    }
    assert_eq!(report["verdict"], "warn");
}

/// Runs `command` and returns the JSON document it printed; a failed run fails the test
/// with its output.
fn json_of(command: &mut Command) -> Value {
    let out = command.output().expect("mailcall-cli runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{command:?}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{command:?}: not JSON ({e}): {stdout}"))
}

fn cli_json(args: &[&str]) -> Value {
    json_of(Command::new(CLI).arg("--json").args(args))
}

#[test]
fn room_admin_and_token_commands_work_against_janus() {
    let lab = JanusLab::builder().start_or_panic();
    let server = lab.http_url();
    let key = lab.admin_key().to_owned();
    let room = ["--server", &server, "--admin-key", &key];
    let created = cli_json(&[&["call", "room", "create", "--room", "4242"][..], &room].concat());
    assert_eq!(created["room"], 4242, "{created}");
    let listed = cli_json(&[&["call", "room", "list"][..], &room].concat());
    let rooms = listed.as_array().expect("a list of rooms");
    assert!(rooms.iter().any(|r| r["room"] == 4242), "{listed}");
    let info = cli_json(&[&["call", "room", "info", "--room", "4242"][..], &room].concat());
    assert_eq!(info["room"]["room"], 4242, "{info}");
    assert_eq!(
        info["participants"].as_array().map(Vec::len),
        Some(0),
        "{info}"
    );
    let admin = [
        "--admin",
        &lab.admin_url(),
        "--admin-secret",
        lab.admin_secret(),
    ];
    let sessions = cli_json(&[&["call", "admin", "sessions"][..], &admin].concat());
    assert!(sessions.is_array(), "{sessions}");
    cli_json(&[&["call", "room", "destroy", "--room", "4242"][..], &room].concat());
    let listed = cli_json(&[&["call", "room", "list"][..], &room].concat());
    let rooms = listed.as_array().expect("a list of rooms");
    assert!(rooms.iter().all(|r| r["room"] != 4242), "{listed}");
    let token = cli_json(&[
        "call", "token", "sign", "--secret", "s3cret", "--room", "4242",
    ]);
    let text = token["token"].as_str().expect("token text");
    let expiry = token["expiry"].as_u64().expect("expiry");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!((now + 3500..=now + 3700).contains(&expiry), "{token}");
    let (signed, signature) = text.split_once(':').expect("payload:signature");
    assert_eq!(signed, format!("{expiry},janus.plugin.videoroom,room=4242"));
    assert_eq!(
        signature.len(),
        28,
        "base64 of a 20-byte HMAC-SHA1: {signature}"
    );
}

/// `call preflight` with the TURN lab (coturn in the Janus lab's namespace), run with
/// `--turn`, `--turn-user` and `--turn-credential` plus `--stun`, returning the JSON report
/// and whether the command succeeded.
fn preflight_with_turn(credential: &str) -> (Value, bool) {
    use mailcall_testkit::turn::TurnLab;

    let lab = JanusLab::builder().start_or_panic();
    let turn = TurnLab::start_in(lab.netns())
        .unwrap_or_else(|e| panic!("the TURN lab did not start: {e:#}"));
    let out = Command::new(CLI)
        .args(["--json", "call", "preflight", "--expected-audience", "0"])
        .args(["--server", &lab.http_url(), "--admin-key", lab.admin_key()])
        .args(["--bind", &lab.peer_ip().to_string()])
        .args(["--stun", &turn.addr().to_string()])
        .args(["--turn", &turn.turn_url(), "--turn-user", turn.username()])
        .args(["--turn-credential", credential])
        .output()
        .expect("mailcall-cli runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // A failed pre-flight prints the report, then the error document.
    let report = serde_json::Deserializer::from_str(&stdout)
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok);
    let report = report.unwrap_or_else(|| {
        panic!(
            "no JSON report: {stdout}\n{}\ncoturn log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            turn.log_tail()
        )
    });
    (report, out.status.success())
}

fn check_named(report: &Value, name: &str) -> Value {
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no {name} check: {report}"))
        .clone()
}

#[test]
fn preflight_turn_check_passes_through_the_turn_lab() {
    let (report, success) = preflight_with_turn("mailcall-turn-secret");
    assert!(success, "{report}");
    let turn = check_named(&report, "TURN");
    assert_eq!(turn["verdict"], "pass", "{report}");
    let detail = turn["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("relay"), "{turn}");
    assert!(
        !detail.contains("host"),
        "relay-only offered a host candidate: {turn}"
    );
    let ice = check_named(&report, "ICE");
    assert_eq!(ice["verdict"], "pass", "{report}");
    for kind in ["host", "relay"] {
        assert!(
            ice["detail"].as_str().unwrap_or_default().contains(kind),
            "no {kind} candidate with STUN and TURN configured: {ice}"
        );
    }
    assert_eq!(check_named(&report, "STUN")["verdict"], "pass", "{report}");
}

#[test]
fn preflight_turn_check_fails_with_a_wrong_credential() {
    let (report, success) = preflight_with_turn("not-the-secret");
    assert!(
        !success,
        "a wrong TURN credential must fail the pre-flight: {report}"
    );
    let turn = check_named(&report, "TURN");
    assert_eq!(turn["verdict"], "fail", "{report}");
    let detail = turn["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("no relay candidate") && detail.contains("credential"),
        "the failure should say why: {turn}"
    );
}

/// `call join` prints one statistics line per received stream every second: a speaker
/// publishes the built-in samples and the attendee's video lines count whole frames.
#[test]
fn call_join_prints_statistics_with_frames() {
    let lab = JanusLab::builder().start_or_panic();
    let server = lab.ws_url();
    let bind = lab.peer_ip().to_string();
    let key = lab.admin_key().to_owned();
    cli_json(&[
        "call",
        "room",
        "create",
        "--room",
        "5151",
        "--server",
        &server,
        "--admin-key",
        &key,
    ]);
    let join = |extra: &[&str], seconds: &str| {
        let mut command = Command::new(CLI);
        command
            .args([
                "--json", "call", "join", "--room", "5151", "--server", &server,
            ])
            .args(["--bind", &bind, "--duration", seconds])
            .args(extra);
        command
    };
    let mut speaker = join(&["--speaker", "--display", "Speaker"], "20")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the speaker starts");
    let out = join(&["--display", "Attendee"], "8")
        .output()
        .expect("the attendee runs");
    let _ = speaker.kill();
    let _ = speaker.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let video: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "stats" && v["kind"] == "video")
        .collect();
    assert!(video.len() >= 3, "too few statistics lines: {stdout}");
    let last = video.last().expect("a line");
    assert!(last["frames"].as_u64() > Some(0), "{last}");
    assert!(last["packets"].as_u64() > Some(0), "{last}");
    assert!(last["frame_rate"].as_f64() > Some(0.0), "{last}");
    assert_eq!(last["display"], "Speaker", "{last}");
    for field in ["bitrate", "lost", "loss", "jitter_ms", "key_frames"] {
        assert!(!last[field].is_null(), "no {field}: {last}");
    }
}
