//! `mailcall-cli call …` against the Janus lab: the load test with 20 participants passes,
//! and the pre-flight reports a low `ulimit -n` as a warning while its other checks pass.

use std::process::Command;

use mailcall_testkit::janus::JanusLab;
use mailcall_testkit::process::in_ci;
use serde_json::Value;

fn lab() -> Option<JanusLab> {
    if let Err(why) = JanusLab::available() {
        assert!(!in_ci(), "the Janus lab cannot run under CI: {why:#}");
        eprintln!("skipping: the Janus lab cannot run here: {why:#}");
        return None;
    }
    Some(JanusLab::builder().start().expect("Janus lab"))
}

#[test]
fn loadtest_with_20_participants_passes() {
    let Some(lab) = lab() else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_mailcall-cli"))
        .args(["--json", "call", "loadtest", "--participants", "20"])
        .args(["--publishers", "2", "--duration", "1"])
        .args(["--server", &lab.ws_url(), "--admin-key", lab.admin_key()])
        .args(["--bind", &lab.peer_ip().to_string()])
        .output()
        .expect("mailcall-cli runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(report["join"]["count"], 20, "{report}");
    assert_eq!(report["first_rtp"]["count"], 20, "{report}");
    assert_eq!(report["failures"].as_array().map(Vec::len), Some(0));
}

#[test]
fn preflight_warns_about_a_low_open_file_limit() {
    let Some(lab) = lab() else {
        return;
    };
    let script = "ulimit -n 256 && exec \"$@\"";
    let out = Command::new("sh")
        .args(["-c", script, "sh", env!("CARGO_BIN_EXE_mailcall-cli")])
        .args(["--json", "call", "preflight", "--expected-audience", "700"])
        .args(["--server", &lab.ws_url(), "--server", &lab.http_url()])
        .args([
            "--admin",
            &lab.admin_url(),
            "--admin-secret",
            lab.admin_secret(),
        ])
        .args(["--admin-key", lab.admin_key()])
        .args(["--bind", &lab.peer_ip().to_string()])
        .output()
        .expect("mailcall-cli runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    let check = |name: &str| {
        report["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["name"] == name))
            .unwrap_or_else(|| panic!("no {name} check: {report}"))
            .clone()
    };
    let nofile = check("ulimit -n");
    assert_eq!(nofile["verdict"], "warn", "{nofile}");
    assert!(
        nofile["detail"].as_str().unwrap().contains("256"),
        "{nofile}"
    );
    for name in ["janus info", "HTTP", "WebSocket", "ICE", "admin API"] {
        assert_eq!(check(name)["verdict"], "pass", "{report}");
    }
    assert_eq!(report["verdict"], "warn");
}
