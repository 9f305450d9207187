//! A private Dovecot 2.3 IMAP server on 127.0.0.1 for tests.
//!
//! Invariants:
//! - Everything the instance owns (config, base_dir, state_dir, logs, TLS key, mail homes) lives
//!   in one temporary folder, so a system Dovecot on 143/993 never matters.
//! - It listens only on 127.0.0.1: one plain port offering STARTTLS and one implicit-TLS port,
//!   both with a self-signed certificate for `localhost` and 127.0.0.1 made per lab. Clients
//!   trust [`DovecotLab::cert_pem`] explicitly; verification is never turned off.
//!   [`DovecotLabBuilder::certificate`] serves a flawed certificate instead (a `CA:TRUE` one
//!   as `openssl req -x509` makes, an expired one, one for another name), for tests of how
//!   clients explain and pin untrusted certificates; the lab's own readiness check then
//!   trusts exactly that certificate's bytes.
//! - Mail is Maildir++ (`<root>/cur`, `<root>/.Sent/cur`, …; hierarchy separator `.`) owned
//!   by the non-root system user `mailcall-lab`, because Dovecot refuses to access mail as
//!   uid 0. Whoever writes into [`DovecotLab::maildir`] directly creates folders with
//!   [`DovecotLab::folder`] or calls [`DovecotLab::fix_ownership`] afterwards.
//! - [`DovecotLab::stop`] and [`DovecotLab::restart`] keep ports and mail, so tests can make the
//!   server go away and come back. Readiness is the `* OK` greeting on both ports.
//!
//! Dovecot announces CONDSTORE, QRESYNC, MOVE, UIDPLUS, IDLE and SPECIAL-USE by itself; the
//! capability string is left alone.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{ensure, Context, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tempfile::TempDir;

/// A logged-in IMAP session on the lab (see [`DovecotLab::imap_session`]).
pub type ImapSession = async_imap::Session<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>;

use crate::process::{
    children_of, free_loopback_ports, is_alive, require_binary, run, send_signal, Daemon,
};

/// The system user that owns all lab mail.
const MAIL_USER: &str = "mailcall-lab";
/// Special-use mailboxes Dovecot creates and subscribes on first login.
const SPECIAL_USE: [(&str, &str); 5] = [
    ("Drafts", "\\Drafts"),
    ("Sent", "\\Sent"),
    ("Trash", "\\Trash"),
    ("Junk", "\\Junk"),
    ("Archive", "\\Archive"),
];
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A Maildir flag, stored as a letter after `:2,` in the file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MaildirFlag {
    /// `D`, IMAP `\Draft`.
    Draft,
    /// `F`, IMAP `\Flagged`.
    Flagged,
    /// `R`, IMAP `\Answered`.
    Replied,
    /// `S`, IMAP `\Seen`.
    Seen,
    /// `T`, IMAP `\Deleted`.
    Trashed,
}

impl MaildirFlag {
    /// The letter; the enum order is the alphabetical order Maildir requires.
    pub fn letter(self) -> char {
        match self {
            Self::Draft => 'D',
            Self::Flagged => 'F',
            Self::Replied => 'R',
            Self::Seen => 'S',
            Self::Trashed => 'T',
        }
    }
}

/// The certificate a lab serves; each is self-signed and made fresh per lab.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LabCertificate {
    /// For `localhost` and 127.0.0.1, without basic constraints: trusted through a CA file.
    #[default]
    Standard,
    /// For `localhost` and 127.0.0.1 but marked `CA:TRUE`, like `openssl req -x509` makes:
    /// rustls refuses it as a server certificate even when it is a trusted root.
    SelfSignedCa,
    /// For `localhost` and 127.0.0.1, valid only during 2020.
    Expired,
    /// Valid, but only for [`OTHER_NAME`].
    OtherName,
}

/// The only name a [`LabCertificate::OtherName`] certificate is valid for.
pub const OTHER_NAME: &str = "mail.other-name.example";

impl LabCertificate {
    /// A fresh self-signed certificate and its key.
    fn generate(self) -> Result<rcgen::CertifiedKey> {
        if self == LabCertificate::Standard {
            return rcgen::generate_simple_self_signed(vec![
                "localhost".into(),
                "127.0.0.1".into(),
            ])
            .context("cannot make the lab certificate");
        }
        let names = match self {
            LabCertificate::OtherName => vec![OTHER_NAME.to_owned()],
            _ => vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
        };
        let mut params = rcgen::CertificateParams::new(names)?;
        let cn = match self {
            LabCertificate::SelfSignedCa => "mailcall lab CA:TRUE",
            LabCertificate::Expired => "mailcall lab expired",
            _ => OTHER_NAME,
        };
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        match self {
            LabCertificate::SelfSignedCa => {
                params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            }
            LabCertificate::Expired => {
                params.not_before = rcgen::date_time_ymd(2020, 1, 1);
                params.not_after = rcgen::date_time_ymd(2021, 1, 1);
            }
            _ => {}
        }
        let key_pair = rcgen::KeyPair::generate()?;
        let cert = params
            .self_signed(&key_pair)
            .context("cannot make the lab certificate")?;
        Ok(rcgen::CertifiedKey { cert, key_pair })
    }
}

/// Collects users before the server starts.
#[derive(Debug, Default)]
pub struct DovecotLabBuilder {
    users: Vec<(String, String)>,
    certificate: LabCertificate,
}

impl DovecotLabBuilder {
    /// Serves `certificate` instead of the standard one.
    pub fn certificate(mut self, certificate: LabCertificate) -> Self {
        self.certificate = certificate;
        self
    }

    /// Adds a user with a plain-text password.
    pub fn user(mut self, name: &str, password: &str) -> Self {
        self.users.push((name.to_owned(), password.to_owned()));
        self
    }

    /// Builds and starts the lab, waiting for both ports to greet.
    pub fn start(self) -> Result<DovecotLab> {
        let mut lab = self.build()?;
        lab.start()?;
        Ok(lab)
    }

    /// Writes the config, certificate and empty Maildirs without starting the server, so
    /// large fixtures can be written before Dovecot first looks at them; then call
    /// [`DovecotLab::start`].
    pub fn build(self) -> Result<DovecotLab> {
        let binary = require_binary("dovecot", "dovecot-imapd")?;
        for (name, password) in &self.users {
            let bad = |s: &str| s.is_empty() || s.contains([':', '\n', '\r', '/']);
            ensure!(
                !bad(name) && !bad(password),
                "user {name:?} cannot go into a passwd-file"
            );
        }
        let owner = mail_owner()?;
        let dir = tempfile::Builder::new()
            .prefix("mailcall-dovecot-")
            .tempdir()?;
        // The mail user has to walk into the temporary folder to reach the homes.
        set_mode(dir.path(), 0o755)?;
        let tls = self.certificate.generate()?;
        let [imap_port, imaps_port] = free_loopback_ports()?;
        let lab = DovecotLab {
            certificate: self.certificate,
            daemon: None,
            starts: 0,
            imap_port,
            imaps_port,
            cert_pem: tls.cert.pem(),
            cert_der: tls.cert.der().clone(),
            owner,
            users: self.users.iter().map(|(name, _)| name.clone()).collect(),
            binary,
            dir,
        };
        let root = lab.dir.path();
        std::fs::write(root.join("cert.pem"), &lab.cert_pem)?;
        std::fs::write(root.join("key.pem"), tls.key_pair.serialize_pem())?;
        set_mode(&root.join("key.pem"), 0o600)?;
        let mut passwd = String::new();
        for (name, password) in &self.users {
            writeln!(passwd, "{name}:{{PLAIN}}{password}::::::")?;
        }
        std::fs::write(root.join("passwd"), passwd)?;
        std::fs::write(root.join("dovecot.conf"), lab.config())?;
        for name in &lab.users {
            make_maildir(&lab.maildir(name), owner)?;
        }
        lab.fix_ownership()?;
        Ok(lab)
    }
}

/// A private Dovecot, running unless built without starting or deliberately stopped; stops
/// the server on drop.
#[derive(Debug)]
pub struct DovecotLab {
    certificate: LabCertificate,
    daemon: Option<Daemon>,
    starts: u32,
    imap_port: u16,
    imaps_port: u16,
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    owner: (u32, u32),
    users: Vec<String>,
    binary: PathBuf,
    // Last, so the folder outlives the server on drop.
    dir: TempDir,
}

impl DovecotLab {
    /// Starts describing a lab: `DovecotLab::builder().user("alice", "secret").start()?`.
    pub fn builder() -> DovecotLabBuilder {
        DovecotLabBuilder::default()
    }

    /// The address both ports listen on.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// Plain IMAP with STARTTLS.
    pub fn imap_port(&self) -> u16 {
        self.imap_port
    }

    /// IMAP over implicit TLS.
    pub fn imaps_port(&self) -> u16 {
        self.imaps_port
    }

    /// Which certificate the lab serves.
    pub fn certificate(&self) -> LabCertificate {
        self.certificate
    }

    /// The self-signed server certificate (PEM), which is also the trust anchor to add.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The same certificate in DER, ready for a rustls root store.
    pub fn cert_der(&self) -> CertificateDer<'static> {
        self.cert_der.clone()
    }

    /// A rustls client config (ring) that trusts exactly this lab's certificate: as a root
    /// for the standard certificate, by its exact bytes for the flawed ones (which no root
    /// store accepts).
    pub fn tls_client_config(&self) -> Result<Arc<ClientConfig>> {
        if self.certificate != LabCertificate::Standard {
            return exact_certificate_config(self.cert_der());
        }
        let mut roots = RootCertStore::empty();
        roots.add(self.cert_der())?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Arc::new(config))
    }

    /// Another IMAP client on `user`'s mailbox over implicit TLS, logged in, trusting this
    /// lab's certificate: what tests use to see the server's own state.
    pub async fn imap_session(&self, user: &str, password: &str) -> Result<ImapSession> {
        let tcp = tokio::net::TcpStream::connect((self.host(), self.imaps_port())).await?;
        let name = ServerName::try_from(self.host().to_owned())?;
        let tls = tokio_rustls::TlsConnector::from(self.tls_client_config()?)
            .connect(name, tcp)
            .await?;
        let mut client = async_imap::Client::new(tls);
        client
            .read_response()
            .await?
            .context("the server sent no greeting")?;
        client
            .login(user, password)
            .await
            .map_err(|(e, _)| e)
            .context("login")
    }

    /// The Maildir++ root of `user`: INBOX is `<root>/cur|new|tmp`, folders are `<root>/.Name`.
    pub fn maildir(&self, user: &str) -> PathBuf {
        self.dir.path().join("home").join(user).join("Maildir")
    }

    /// The Maildir of `folder` (`INBOX`, `Sent`, `Lists.GitHub`), created if missing.
    ///
    /// The hierarchy separator is `.`, as on disk. Only ASCII names are supported: others
    /// need modified UTF-7.
    pub fn folder(&self, user: &str, folder: &str) -> Result<PathBuf> {
        ensure!(self.users.iter().any(|u| u == user), "no lab user {user:?}");
        let root = self.maildir(user);
        if folder.eq_ignore_ascii_case("INBOX") {
            return Ok(root);
        }
        let plain =
            |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_graphic() || c == ' ');
        ensure!(
            !folder.contains('/') && folder.split('.').all(plain),
            "unsupported folder name {folder:?}"
        );
        let path = root.join(format!(".{folder}"));
        if !path.join("cur").is_dir() {
            make_maildir(&path, self.owner)?;
            let marker = path.join("maildirfolder");
            std::fs::write(&marker, b"")?;
            std::os::unix::fs::chown(&marker, Some(self.owner.0), Some(self.owner.1))?;
        }
        Ok(path)
    }

    /// Drops one message into `folder` as `cur/<unique>,S=<size>:2,<flags>`; returns its path.
    ///
    /// Names sort in call order, so Dovecot gives later messages higher UIDs.
    pub fn append_maildir(
        &self,
        user: &str,
        folder: &str,
        raw: &[u8],
        flags: &[MaildirFlag],
    ) -> Result<PathBuf> {
        let dir = self.folder(user, folder)?;
        let mut letters: Vec<MaildirFlag> = flags.to_vec();
        letters.sort();
        letters.dedup();
        let letters: String = letters.into_iter().map(MaildirFlag::letter).collect();
        let name = format!("{},S={}", unique_name(), raw.len());
        // Written in tmp/ and renamed, so Dovecot never sees half a message.
        let tmp = dir.join("tmp").join(&name);
        std::fs::write(&tmp, raw).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::os::unix::fs::chown(&tmp, Some(self.owner.0), Some(self.owner.1))?;
        let dest = dir.join("cur").join(format!("{name}:2,{letters}"));
        std::fs::rename(&tmp, &dest)?;
        Ok(dest)
    }

    /// Gives every file under the mail homes to the mail user, after writing into them directly.
    pub fn fix_ownership(&self) -> Result<()> {
        let (uid, gid) = self.owner;
        let home = self.dir.path().join("home");
        run(Command::new("chown")
            .arg("-R")
            .arg(format!("{uid}:{gid}"))
            .arg(home))?;
        Ok(())
    }

    /// True while the server process runs.
    pub fn is_running(&mut self) -> bool {
        self.daemon
            .as_mut()
            .is_some_and(|d| d.check_alive().is_ok())
    }

    /// CPU seconds the running server has used: the master, its live children, and the
    /// children it has reaped (a connection's `imap` process ends with the connection).
    /// Read it when no connection is being served, or a process reaped between reading
    /// it and reading the master would be missed or counted twice.
    pub fn cpu_seconds(&self) -> Option<f64> {
        let master = self.daemon.as_ref()?.pid();
        let mut total = crate::process::cpu_seconds(&master.to_string(), true)?;
        for child in children_of(master) {
            total += crate::process::cpu_seconds(&child.to_string(), true).unwrap_or(0.0);
        }
        Some(total)
    }

    /// Waits up to `within` until the server has no `imap` process left, so that
    /// [`Self::cpu_seconds`] sees a served connection in full. False if one remains.
    pub fn wait_idle(&self, within: Duration) -> bool {
        let Some(master) = self.daemon.as_ref().map(Daemon::pid) else {
            return true;
        };
        let serving = || {
            children_of(master).into_iter().any(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .is_ok_and(|c| c.trim() == "imap")
            })
        };
        poll_until(Instant::now() + within, "", || !serving()).is_ok()
    }

    /// The end of the current (or last) server log.
    pub fn log_tail(&self) -> String {
        crate::process::log_tail(&self.log_path(), 40)
    }

    /// Shuts the server down the way an admin would (SIGTERM, clients disconnected) and waits
    /// until both ports refuse connections. Mail and ports are kept for [`Self::restart`].
    pub fn stop(&mut self) -> Result<()> {
        let Some(mut daemon) = self.daemon.take() else {
            return Ok(());
        };
        // Taken before the signal: once the master is gone its children are reparented.
        let children = children_of(daemon.pid());
        send_signal(&[daemon.pid()], "-TERM");
        // Children serving a client outlive the master by about ten seconds; they must go
        // now, or that client would not notice the server went away.
        send_signal(&children, "-TERM");
        let deadline = Instant::now() + START_TIMEOUT;
        poll_until(deadline, "master still running", || {
            daemon.check_alive().is_err()
        })?;
        daemon.stop();
        let gone = || children.iter().all(|&pid| !is_alive(pid));
        if poll_until(Instant::now() + Duration::from_secs(2), "", gone).is_err() {
            send_signal(&children, "-KILL");
        }
        poll_until(deadline, "children still running", gone)?;
        poll_until(deadline, "ports still open", || {
            !self.port_open(self.imap_port) && !self.port_open(self.imaps_port)
        })
    }

    /// Starts the server again (stopping it first if needed) on the same ports with the same
    /// mail, and waits for both greetings.
    pub fn restart(&mut self) -> Result<()> {
        self.stop()?;
        self.start()
    }

    /// Starts a built or stopped server and waits for both greetings; no-op when running.
    pub fn start(&mut self) -> Result<()> {
        if self.daemon.is_some() {
            return Ok(());
        }
        self.starts += 1;
        let mut command = Command::new(&self.binary);
        let config = self.dir.path().join("dovecot.conf");
        command.arg("-F").arg("-c").arg(config);
        let mut daemon = Daemon::spawn("dovecot", command, &self.log_path())?;
        daemon.wait_ready(START_TIMEOUT, || {
            Ok(self.greets_plain()? && self.greets_tls()?)
        })?;
        self.daemon = Some(daemon);
        Ok(())
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join(format!("dovecot-{}.log", self.starts))
    }

    fn addr(&self, port: u16) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, port))
    }

    fn port_open(&self, port: u16) -> bool {
        TcpStream::connect_timeout(&self.addr(port), Duration::from_secs(1)).is_ok()
    }

    fn connect(&self, port: u16) -> Result<TcpStream> {
        let socket = TcpStream::connect_timeout(&self.addr(port), Duration::from_secs(1))?;
        socket.set_read_timeout(Some(Duration::from_secs(2)))?;
        Ok(socket)
    }

    fn greets_plain(&self) -> Result<bool> {
        read_greeting(self.connect(self.imap_port)?)
    }

    fn greets_tls(&self) -> Result<bool> {
        let name = ServerName::try_from("localhost")?;
        let tls = rustls::ClientConnection::new(self.tls_client_config()?, name)?;
        read_greeting(rustls::StreamOwned::new(
            tls,
            self.connect(self.imaps_port)?,
        ))
    }

    fn config(&self) -> String {
        let root = self.dir.path().display();
        let (uid, gid) = self.owner;
        let mut mailboxes = String::new();
        for (name, special) in SPECIAL_USE {
            let _ = writeln!(
                mailboxes,
                "  mailbox {name} {{\n    auto = subscribe\n    special_use = {special}\n  }}"
            );
        }
        // DH parameters only matter to clients that pick a DHE suite; Debian ships a file.
        let dh = Path::new("/usr/share/dovecot/dh.pem");
        let dh = if dh.is_file() {
            format!("ssl_dh = <{}", dh.display())
        } else {
            String::new()
        };
        format!(
            r#"# Written by the Mailcall test lab; the whole instance lives in {root}.
instance_name = mailcall-lab-{imap}
base_dir = {root}/run
state_dir = {root}/state
protocols = imap
listen = 127.0.0.1
log_path = /dev/stderr
auth_verbose = yes
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
first_valid_gid = 1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_min_protocol = TLSv1.2
{dh}
passdb {{
  driver = passwd-file
  args = username_format=%n {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%n allow_all_users=yes
}}
mail_location = maildir:~/Maildir
# Messages are written straight into the Maildirs by tests; durability does not matter.
mail_fsync = never
# Separator `.` is Maildir++'s own, so IMAP names equal the folder names on disk.
namespace inbox {{
  inbox = yes
  separator = .
{mailboxes}}}
protocol imap {{
  mail_max_userip_connections = 200
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service imap {{
  # Indexes of large fixture mailboxes are mmapped and count against this.
  vsz_limit = 4G
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"#,
            imap = self.imap_port,
            imaps = self.imaps_port,
        )
    }
}

impl Drop for DovecotLab {
    fn drop(&mut self) {
        // A graceful stop also ends the login and imap children, which a SIGKILL would orphan.
        if let Err(e) = self.stop() {
            eprintln!("cannot stop the dovecot lab cleanly: {e:#}");
        }
    }
}

/// A client config accepting only the certificate `der` (byte for byte), with a checked
/// handshake signature.
fn exact_certificate_config(der: CertificateDer<'static>) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = ExactCertificate {
        der,
        algs: provider.signature_verification_algorithms,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[derive(Debug)]
struct ExactCertificate {
    der: CertificateDer<'static>,
    algs: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for ExactCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// Polls `done` until it holds, failing with `what` at `deadline`.
fn poll_until(deadline: Instant, what: &str, mut done: impl FnMut() -> bool) -> Result<()> {
    while !done() {
        ensure!(Instant::now() < deadline, "dovecot did not stop: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Reads the first line and checks it is an untagged OK greeting.
fn read_greeting(stream: impl Read) -> Result<bool> {
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line)?;
    Ok(line.starts_with("* OK"))
}

/// Creates `cur`, `new` and `tmp` under `path`, owned by the mail user.
fn make_maildir(path: &Path, (uid, gid): (u32, u32)) -> Result<()> {
    for dir in ["", "cur", "new", "tmp"].map(|sub| path.join(sub)) {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))?;
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot chmod {}", path.display()))
}

/// `<secs>.M<usecs>P<pid>Q<n>.mailcall-lab`, strictly increasing in (secs, usecs) within this
/// process, because Dovecot assigns UIDs to new files in that order.
fn unique_name() -> String {
    static LAST_MICROS: AtomicU64 = AtomicU64::new(0);
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros());
    let now = u64::try_from(now).unwrap_or(u64::MAX);
    let next = |last: u64| now.max(last + 1);
    let prev = LAST_MICROS
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| Some(next(last)))
        .unwrap_or_else(|last| last);
    let micros = next(prev);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    format!(
        "{}.M{:06}P{pid}Q{n}.mailcall-lab",
        micros / 1_000_000,
        micros % 1_000_000
    )
}

/// Uid and gid of the mail user, creating it as a system user on first use.
fn mail_owner() -> Result<(u32, u32)> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let lookup = || -> Result<(u32, u32)> {
        let entry = run(Command::new("getent").args(["passwd", MAIL_USER]))?;
        let fields: Vec<&str> = entry.trim().split(':').collect();
        let (uid, gid) = (fields.get(2).context("uid")?, fields.get(3).context("gid")?);
        Ok((uid.parse()?, gid.parse()?))
    };
    if let Ok(ids) = lookup() {
        return Ok(ids);
    }
    let created = run(Command::new("useradd").args([
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir=/nonexistent",
        "--shell=/usr/sbin/nologin",
        MAIL_USER,
    ]));
    // Another test process may have created it in between; only the lookup decides.
    let why = format!("cannot create user {MAIL_USER}");
    lookup().map_err(|e| created.err().unwrap_or(e).context(why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_sort_in_call_order() {
        let names: Vec<String> = (0..100).map(|_| unique_name()).collect();
        let key = |n: &str| -> (u64, u64) {
            let (secs, rest) = n.split_once(".M").unwrap_or_default();
            let usecs = rest.split('P').next().unwrap_or_default();
            (secs.parse().unwrap_or(0), usecs.parse().unwrap_or(0))
        };
        assert!(names.windows(2).all(|w| key(&w[0]) < key(&w[1])));
    }
}
