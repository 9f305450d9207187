//! Shared plumbing of the labs: finding server binaries, owning child processes (killed on
//! drop, their output kept in a log file for the failure message), polling for readiness and
//! picking free loopback ports.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Finds `name` on `PATH` or in the sbin folders Debian puts daemons in.
///
/// The error names the Debian package to install, so a missing server is never a silent skip.
pub fn require_binary(name: &str, debian_package: &str) -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let extra = ["/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/bin"];
    let dirs = std::env::split_paths(&path).chain(extra.iter().map(PathBuf::from));
    for dir in dirs {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!("`{name}` is not installed: run `make deps` (Debian package `{debian_package}`)")
}

/// A child process that is killed when dropped; its stdout and stderr go to `log`.
#[derive(Debug)]
pub struct Daemon {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Daemon {
    /// Spawns `command` with its output appended to `log`.
    pub fn spawn(name: &str, mut command: Command, log: &Path) -> Result<Self> {
        let out = File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out.try_clone()?;
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        Ok(Self {
            name: name.to_owned(),
            child,
            log: log.to_owned(),
        })
    }

    /// The process id, for tests that kill or stop the server on purpose.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines the process wrote, for error messages.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log, 30)
    }

    /// Fails with the log tail if the process has already exited.
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); its log ends with:\n{}",
                self.name,
                self.log_tail()
            );
        }
        Ok(())
    }

    /// Polls `ready` until it returns true, the process dies, or `timeout` passes.
    pub fn wait_ready(
        &mut self,
        timeout: Duration,
        mut ready: impl FnMut() -> Result<bool>,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let mut last_err = None;
        loop {
            self.check_alive()?;
            match ready() {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => last_err = Some(e),
            }
            if Instant::now() > deadline {
                let why = last_err
                    .map(|e| format!(" (last error: {e:#})"))
                    .unwrap_or_default();
                bail!(
                    "{} not ready after {timeout:?}{why}; its log ends with:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Kills the process and waits for it, so its ports are free afterwards.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The last `lines` lines of a log file, or a note that it could not be read.
pub fn log_tail(log: &Path, lines: usize) -> String {
    match std::fs::read_to_string(log) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", log.display()),
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_loopback_port() -> Result<u16> {
    let [port] = free_loopback_ports()?;
    Ok(port)
}

/// `N` different free loopback ports: every listener is held until all are bound, so
/// the kernel cannot hand out one port twice (two calls of [`free_loopback_port`] can).
pub fn free_loopback_ports<const N: usize>() -> Result<[u16; N]> {
    let listeners = (0..N)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot bind 127.0.0.1:0"))
        .collect::<Result<Vec<_>>>()?;
    let mut ports = [0; N];
    for (port, l) in ports.iter_mut().zip(&listeners) {
        *port = l.local_addr()?.port();
    }
    Ok(ports)
}

/// The folder tests write artifacts to (screenshots, logs): `$MAILCALL_TEST_OUTPUT` or
/// `test-output/` at the workspace root.
pub fn test_output_dir(name: &str) -> Result<PathBuf> {
    let base = match std::env::var_os("MAILCALL_TEST_OUTPUT") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-output"),
    };
    let dir = base.join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Runs a command to completion and fails with its output when it does not succeed.
pub fn run(command: &mut Command) -> Result<String> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Processes whose parent is `pid`, read from `/proc` (for servers that fork workers).
pub fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&child| proc_stat(child, 1).and_then(|p| p.parse().ok()) == Some(pid))
        .collect()
}

/// True while `pid` exists and is not a zombie.
pub fn is_alive(pid: u32) -> bool {
    proc_stat(pid, 0).is_some_and(|state| state != "Z" && state != "X")
}

/// Sends `signal` (`-TERM`, `-KILL`) to those of `pids` still alive; a process that exits in
/// between is not an error.
pub fn send_signal(pids: &[u32], signal: &str) {
    let alive: Vec<String> = pids
        .iter()
        .filter(|&&p| is_alive(p))
        .map(u32::to_string)
        .collect();
    if !alive.is_empty() {
        let _ = Command::new("kill")
            .arg(signal)
            .args(alive)
            .stderr(Stdio::null())
            .status();
    }
}

/// Clock ticks a second in `/proc/<pid>/stat` times: `USER_HZ`, 100 on every Linux
/// architecture this runs on.
const TICKS_PER_SEC: f64 = 100.0;

/// CPU seconds (user + system) used by the process or thread at `/proc/<entry>`
/// (`"self"`, a pid, `"self/task/<tid>"`), and with `reaped` also by the children it has
/// waited for.
pub fn cpu_seconds(entry: &str, reaped: bool) -> Option<f64> {
    let fields = stat_fields(entry)?;
    let times = if reaped { 11..15 } else { 11..13 };
    let mut ticks = 0u64;
    for n in times {
        ticks += fields.get(n)?.parse::<u64>().ok()?;
    }
    Some(ticks as f64 / TICKS_PER_SEC)
}

/// Field `n` after the command name in `/proc/<pid>/stat` (see [`stat_fields`]).
fn proc_stat(pid: u32, n: usize) -> Option<String> {
    stat_fields(&pid.to_string())?.into_iter().nth(n)
}

/// The fields of `/proc/<entry>/stat` after the command name, read once: 0 = state,
/// 1 = parent pid, 11 and 12 user and system ticks, 13 and 14 those of waited-for children.
fn stat_fields(entry: &str) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{entry}/stat")).ok()?;
    // The command name is in parentheses and may itself contain spaces and parentheses.
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}
