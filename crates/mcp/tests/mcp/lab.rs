//! The pieces every test shares: a lab mailbox synced into a cache, a configuration file
//! pointing at it, the keyring lab holding the password, and the Python client.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use mailcall_mail::{
    sync_account, Account, Config, Keyring, Password, Security, Store, SyncOptions,
};
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::{Fixture, Manifest};
use mailcall_testkit::keyring::KeyringLab;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

pub const USER: &str = "alice";
pub const PASSWORD: &str = "mcp-pass";
pub const ME: &str = "me@corp.example";

/// A lab, its manifest, and a synced cache with a configuration naming it.
pub struct Setup {
    pub lab: DovecotLab,
    pub manifest: Manifest,
    pub dir: tempfile::TempDir,
    pub account: Account,
    pub config: PathBuf,
}

/// The interpreter `make deps` installs the MCP SDK into; the Makefile alone says where.
pub fn python() -> PathBuf {
    std::env::var_os("MAILCALL_PYTHON")
        .unwrap_or_else(|| {
            panic!(
                "MAILCALL_PYTHON is unset: run the tests through `make rust-test`, or set it to a \
                 python3 with the `mcp` package (`make deps` makes one)"
            )
        })
        .into()
}

/// Starts a lab with `n` fixture messages (plus `extra` raw INBOX messages), syncs it
/// with bodies, stores the password in the keyring lab and writes the configuration.
pub async fn setup(seed: u64, n: u64, writes: bool, extra: &[&[u8]]) -> Setup {
    KeyringLab::shared().expect("keyring lab");
    let mut lab = DovecotLab::builder()
        .user(USER, PASSWORD)
        .build()
        .expect("lab builds");
    let manifest = Fixture::new(seed)
        .messages(n)
        .write_maildir_with_manifest(
            &lab.maildir(USER),
            &lab.maildir(USER).join("../manifest.json"),
        )
        .expect("fixture");
    for raw in extra {
        lab.append_maildir(USER, "INBOX", raw, &[])
            .expect("extra message");
    }
    lab.fix_ownership().expect("ownership");
    lab.start().expect("lab starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, lab.cert_pem()).expect("ca");
    let name = format!("mcp-{}-{seed}", std::process::id());
    let mut account = Account::new(&name, lab.host(), USER);
    account.security = Security::Tls;
    account.port = Some(lab.imaps_port());
    account.ca_file = Some(ca);
    account.cache_path = Some(dir.path().join("cache.sqlite"));
    account.addresses = vec![ME.to_owned()];
    account.mcp_writes = writes;
    let password = Password::new(PASSWORD);
    Keyring::default()
        .set_password(&name, &password)
        .await
        .expect("store password");
    let mut store = Store::open(account.cache_file().unwrap(), None).expect("cache");
    let opts = SyncOptions {
        bodies: true,
        ..SyncOptions::default()
    };
    sync_account(
        &account,
        &password,
        &mut store,
        &opts,
        &mut |_| {},
        &CancellationToken::new(),
    )
    .await
    .expect("sync");
    let config = dir.path().join("config.toml");
    let mut c = Config::default();
    c.add(account.clone()).expect("add");
    c.save(&config).expect("save config");
    Setup {
        lab,
        manifest,
        dir,
        account,
        config,
    }
}

pub fn server_bin() -> &'static str {
    env!("CARGO_BIN_EXE_mailcall-mcp")
}

/// Runs the Python client with `mode_args` on `script`; returns its JSON output.
pub fn client(mode_args: &[&str], script: &Value) -> Value {
    let client_py = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client.py");
    let mut cmd = Command::new(python());
    KeyringLab::shared().expect("keyring").configure(&mut cmd);
    cmd.arg(client_py).args(mode_args);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .expect("python3 runs (is the mcp package installed?)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "client failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("client output ({e}): {stderr}"))
}

/// Runs `calls` over stdio against the server for `setup`.
pub fn stdio(setup: &Setup, calls: Value) -> Value {
    stdio_script(setup, &json!({ "calls": calls }))
}

pub fn stdio_script(setup: &Setup, script: &Value) -> Value {
    let config = setup.config.to_str().unwrap();
    client(
        &[
            "stdio",
            server_bin(),
            "--config",
            config,
            "--account",
            &setup.account.name,
        ],
        script,
    )
}

/// The structured result of call `i`, asserting it succeeded.
pub fn ok(out: &Value, i: usize) -> &Value {
    let r = &out["results"][i];
    assert_eq!(r["is_error"], false, "call {i} failed: {r}");
    &r["structured"]
}

/// The error text of call `i`, asserting it failed with `isError`.
pub fn failed(out: &Value, i: usize) -> String {
    let r = &out["results"][i];
    assert_eq!(r["is_error"], true, "call {i} should fail: {r}");
    r["text"].as_str().unwrap().to_owned()
}
