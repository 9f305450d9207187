//! A throwaway network namespace joined to the test process by a veth pair, for servers whose
//! ICE must not use loopback (Janus skips loopback interfaces) and for the media peers that
//! talk to them.
//!
//! Invariants:
//! - Only loopback and `10.77.<k>.0/24` are ever configured: `10.77.<k>.1` on the veth end
//!   inside, `10.77.<k>.2` on the end left in the test's namespace. There is no default route
//!   inside, so nothing started inside can reach any other address.
//! - `<k>` is claimed by creating the outside link `mcall-<k>`: the kernel refuses a second link
//!   of the same name, so concurrent processes never share a subnet. A `<k>` whose subnet
//!   already appears in this namespace's addresses or routes is skipped.
//! - Namespaces are named `mailcall-<pid>-<starttime>-<n>`; the process start time guards
//!   against pid reuse when namespaces left by a killed test run are cleaned up.
//! - Dropping a [`NetNs`] kills whatever still runs inside, deletes the veth pair and then the
//!   namespace. Needs root (`ip netns` mounts under /run/netns); uses the `ip` command, never raw
//!   syscalls.

use std::ffi::OsStr;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;

use anyhow::{bail, Context, Result};

use crate::process::{require_binary, run};

const PREFIX: &str = "mailcall-";
const NETNS_DIR: &str = "/run/netns";

static NEXT: AtomicU32 = AtomicU32::new(0);
static SWEEP: Once = Once::new();

/// A network namespace made by this process, deleted on drop.
#[derive(Debug)]
pub struct NetNs {
    ip: PathBuf,
    name: String,
    subnet: u8,
}

impl NetNs {
    /// Fails with the reason when namespaces cannot be made here (no `ip`, not root).
    pub fn available() -> Result<()> {
        require_binary("ip", "iproute2")?;
        let status = std::fs::read_to_string("/proc/self/status")
            .context("cannot read /proc/self/status")?;
        let euid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("");
        if euid != "0" {
            bail!("network namespaces need root (effective uid is {euid:?})");
        }
        Ok(())
    }

    /// Makes the namespace with `lo` up and the veth pair addressed, sweeping namespaces left
    /// behind by test processes that no longer exist (once per process).
    pub fn create() -> Result<Self> {
        Self::available()?;
        let ip = require_binary("ip", "iproute2")?;
        SWEEP.call_once(|| sweep_stale(&ip));

        let pid = std::process::id();
        let start = start_time(pid).context("cannot read this process's start time")?;
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("{PREFIX}{pid}-{start}-{n}");
        run(Command::new(&ip).args(["netns", "add", &name]))
            .with_context(|| format!("cannot create network namespace {name}"))?;
        // From here on, Drop cleans up whatever part got made.
        let mut ns = Self {
            ip,
            name,
            subnet: 0,
        };
        ns.subnet = ns.claim_subnet(pid, n)?;
        ns.configure()
            .with_context(|| format!("cannot configure network namespace {}", ns.name))?;
        Ok(ns)
    }

    /// The namespace's name, as `ip netns` knows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `10.77.<k>.1`: the only address inside, where servers listen and gather ICE candidates.
    pub fn inside_ip(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, 77, self.subnet, 1)
    }

    /// `10.77.<k>.2`: the address in the test's own namespace, for peers run by the test itself.
    pub fn peer_ip(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, 77, self.subnet, 2)
    }

    /// The veth end inside the namespace.
    pub fn inside_link(&self) -> String {
        format!("mcall-{}-in", self.subnet)
    }

    /// The veth end in the test's own namespace.
    pub fn outside_link(&self) -> String {
        format!("mcall-{}", self.subnet)
    }

    /// A command that runs `program` inside the namespace (`ip netns exec`, which execs in
    /// place, so the child's pid is the program's pid).
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(&self.ip);
        command.args(["netns", "exec", &self.name]).arg(program);
        command
    }

    /// The pids of the processes running inside.
    pub fn pids(&self) -> Result<Vec<u32>> {
        pids_in(&self.ip, &self.name)
    }

    fn claim_subnet(&self, pid: u32, n: u32) -> Result<u8> {
        let taken = [
            run(Command::new(&self.ip).args(["-o", "-4", "addr", "show"]))?,
            run(Command::new(&self.ip).args(["-4", "route", "show", "table", "all"]))?,
        ]
        .concat();
        // Spreading the starting point by pid keeps parallel test processes from racing for
        // the same subnets; the link name is what actually decides.
        let first = (pid.wrapping_mul(31).wrapping_add(n) % 254) as usize;
        for i in 0..254 {
            let k = ((first + i) % 254 + 1) as u8;
            let net = format!("10.77.{k}.");
            if taken.split_whitespace().any(|word| word.starts_with(&net)) {
                continue;
            }
            let outside = format!("mcall-{k}");
            let inside = format!("mcall-{k}-in");
            let output = Command::new(&self.ip)
                .args([
                    "link", "add", &outside, "type", "veth", "peer", "name", &inside,
                ])
                .args(["netns", &self.name])
                .output()
                .context("cannot run ip link add")?;
            if output.status.success() {
                return Ok(k);
            }
            let stderr = String::from_utf8_lossy(&output.stderr);
            if !stderr.contains("File exists") {
                bail!("cannot create veth pair {outside}/{inside}: {stderr}");
            }
        }
        bail!("no free subnet in 10.77.1.0-10.77.254.0: too many namespaces alive?")
    }

    fn configure(&self) -> Result<()> {
        let (inside, outside) = (self.inside_link(), self.outside_link());
        let inside_cidr = format!("{}/24", self.inside_ip());
        let peer_cidr = format!("{}/24", self.peer_ip());
        let ns = self.name.as_str();
        // `addrgenmode none` before `up`: no IPv6 link-local addresses, so the addresses
        // listed in the module doc really are the only ones.
        let steps: [&[&str]; 7] = [
            &["-n", ns, "link", "set", "lo", "up"],
            &["link", "set", &outside, "addrgenmode", "none"],
            &["-n", ns, "link", "set", &inside, "addrgenmode", "none"],
            &["addr", "add", &peer_cidr, "dev", &outside],
            &["-n", ns, "addr", "add", &inside_cidr, "dev", &inside],
            &["link", "set", &outside, "up"],
            &["-n", ns, "link", "set", &inside, "up"],
        ];
        for args in steps {
            run(Command::new(&self.ip).args(args))?;
        }
        Ok(())
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        // Leftover processes would keep the namespace, and so the veth and its subnet, alive.
        kill_all(&self.ip, &self.name);
        if self.subnet != 0 {
            let _ = Command::new(&self.ip)
                .args(["link", "del", &self.outside_link()])
                .output();
        }
        let _ = Command::new(&self.ip)
            .args(["netns", "del", &self.name])
            .output();
    }
}

fn pids_in(ip: &PathBuf, name: &str) -> Result<Vec<u32>> {
    let out = run(Command::new(ip).args(["netns", "pids", name]))?;
    Ok(out
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect())
}

fn kill_all(ip: &PathBuf, name: &str) {
    let pids = pids_in(ip, name).unwrap_or_default();
    if !pids.is_empty() {
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(pids.iter().map(u32::to_string))
            .output();
    }
}

/// Deletes `mailcall-*` namespaces whose owning process is gone. Errors are ignored: another
/// process may be sweeping the same namespace.
fn sweep_stale(ip: &PathBuf) {
    let Ok(entries) = std::fs::read_dir(NETNS_DIR) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(owner) = parse_owner(&name) else {
            continue;
        };
        if owner_alive(owner) {
            continue;
        }
        kill_all(ip, &name);
        let _ = Command::new(ip).args(["netns", "del", &name]).output();
    }
}

/// `(pid, starttime)` from `mailcall-<pid>-<starttime>-<n>`.
fn parse_owner(name: &str) -> Option<(u32, u64)> {
    let mut parts = name.strip_prefix(PREFIX)?.split('-');
    let pid = parts.next()?.parse().ok()?;
    let start = parts.next()?.parse().ok()?;
    parts.next()?.parse::<u32>().ok()?;
    Some((pid, start))
}

fn owner_alive((pid, start): (u32, u64)) -> bool {
    start_time(pid).is_ok_and(|s| s == start)
}

/// Field 22 of `/proc/<pid>/stat`, in clock ticks since boot; read after the last `)` because
/// the command name may hold spaces.
fn start_time(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("malformed stat")?;
    let field = rest.split_whitespace().nth(19).context("short stat")?;
    Ok(field.parse()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_is_parsed_from_the_name() {
        assert_eq!(parse_owner("mailcall-12-345-6"), Some((12, 345)));
        assert_eq!(parse_owner("mailcall-12-6"), None);
        assert_eq!(parse_owner("other-12-345-6"), None);
    }

    #[test]
    fn this_process_is_alive() {
        let pid = std::process::id();
        let start = start_time(pid).expect("start time");
        assert!(owner_alive((pid, start)));
        assert!(!owner_alive((pid, start + 1)));
    }
}
