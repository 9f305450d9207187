//! Opening an authenticated IMAP session (RFC 9051/3501) and running commands on it.
//!
//! Invariants:
//! - The password is sent only over TLS, unless the account explicitly chose
//!   `security = "plain"`. With STARTTLS configured and not offered, the connection is
//!   refused before LOGIN ([`Error::PlaintextRefused`]); a server that says
//!   LOGINDISABLED is not sent LOGIN either.
//! - The plaintext phase before STARTTLS (greeting, CAPABILITY, STARTTLS) is spoken by
//!   hand: nothing read there is trusted afterwards, and capabilities are asked again
//!   over TLS and after login (RFC 9051 §6.2.1).
//! - Every read has a deadline, so a server that stops answering becomes a transient
//!   [`Error::Timeout`] rather than a hang.
//! - With QRESYNC announced it is enabled right after login (RFC 7162 §3.2.3), which
//!   also enables CONDSTORE.
//! - Mailbox names cross this API decoded (UTF-8). They are spelt in modified UTF-7 on
//!   the wire unless the server confirmed `ENABLE UTF8=ACCEPT` in an untagged ENABLED
//!   response (RFC 6855 §3); announcing the capability alone changes nothing.

use std::time::Duration;

use async_imap::imap_proto::{NameAttribute, Response, Status};
use async_imap::{Client, Session};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::capabilities::Capabilities;
use super::transport::{self, Transport};
use crate::account::{Account, Security};
use crate::credentials::Password;
use crate::error::{Error, Result};
use crate::mailbox_name::ServerNames;
use crate::types::MailboxRole;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest wait for one response line or literal; big FETCH batches stream many of them.
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// A folder as LIST (with RFC 6154 SPECIAL-USE attributes) shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedFolder {
    /// Decoded (UTF-8), as people read it; see [`crate::mailbox_name`].
    pub name: String,
    pub delimiter: Option<String>,
    pub role: Option<MailboxRole>,
    /// False for `\Noselect` and `\NonExistent` names, which hold no messages.
    pub selectable: bool,
}

/// An authenticated IMAP session.
#[derive(Debug)]
pub struct Connection {
    pub(crate) session: Session<Transport>,
    caps: Capabilities,
    host: String,
    names: ServerNames,
}

pub(crate) fn imap_err(action: &str) -> impl FnOnce(async_imap::error::Error) -> Error + '_ {
    move |source| Error::Imap {
        action: action.to_owned(),
        source,
    }
}

/// Quotes a string for a command (RFC 9051 §4.3 quoted string).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Reads one CRLF line of the plaintext phase, with a deadline.
async fn line(reader: &mut BufReader<&mut TcpStream>, host: &str, port: u16) -> Result<String> {
    let mut buf = String::new();
    let lost = |source| Error::Connect {
        host: host.to_owned(),
        port,
        source,
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, reader.read_line(&mut buf)).await {
        Ok(Ok(0)) => Err(lost(std::io::ErrorKind::UnexpectedEof.into())),
        Ok(Ok(_)) => Ok(buf),
        Ok(Err(e)) => Err(lost(e)),
        Err(_) => Err(Error::Timeout {
            action: "read the server greeting".to_owned(),
        }),
    }
}

/// Sends one command line of the plaintext phase.
async fn command(
    reader: &mut BufReader<&mut TcpStream>,
    line: &[u8],
    host: &str,
    port: u16,
) -> Result<()> {
    reader
        .get_mut()
        .write_all(line)
        .await
        .map_err(|source| Error::Connect {
            host: host.to_owned(),
            port,
            source,
        })
}

/// The capability atoms in a `* CAPABILITY ...` line or a `[CAPABILITY ...]` code.
fn capability_atoms(line: &str) -> Option<Vec<String>> {
    let upper = line.to_ascii_uppercase();
    let start = upper.find("CAPABILITY ")? + "CAPABILITY ".len();
    let rest = &line[start..];
    let end = rest.find(']').unwrap_or(rest.len());
    Some(rest[..end].split_whitespace().map(str::to_owned).collect())
}

/// Greeting, CAPABILITY and (when asked) STARTTLS on the raw socket.
pub(super) async fn plaintext_phase(
    tcp: &mut TcpStream,
    account: &Account,
    starttls: bool,
) -> Result<Capabilities> {
    let (host, port) = (account.host.as_str(), account.port());
    let protocol = |detail: String| Error::Protocol {
        action: "start the IMAP session".to_owned(),
        detail,
    };
    let mut reader = BufReader::new(tcp);
    let greeting = line(&mut reader, host, port).await?;
    if !greeting.starts_with("* OK") {
        return Err(protocol(format!("greeting {:?}", greeting.trim_end())));
    }
    command(&mut reader, b"c1 CAPABILITY\r\n", host, port).await?;
    let mut atoms = Vec::new();
    loop {
        let l = line(&mut reader, host, port).await?;
        if l.starts_with("* ") {
            if let Some(a) = capability_atoms(&l) {
                atoms = a;
            }
        } else if l.starts_with("c1 ") {
            break;
        }
    }
    let caps = Capabilities::from_atoms(atoms.iter().map(String::as_str));
    if !starttls {
        return Ok(caps);
    }
    if !caps.starttls {
        return Err(Error::PlaintextRefused {
            host: host.to_owned(),
            port,
        });
    }
    command(&mut reader, b"c2 STARTTLS\r\n", host, port).await?;
    loop {
        let l = line(&mut reader, host, port).await?;
        if l.starts_with("c2 OK") {
            break;
        }
        if l.starts_with("c2 ") {
            return Err(Error::PlaintextRefused {
                host: host.to_owned(),
                port,
            });
        }
    }
    // The server sends nothing more until the TLS handshake, so no bytes are left in the
    // reader's buffer.
    Ok(caps)
}

impl Connection {
    /// Connects, secures and logs in as the account says.
    pub async fn open(account: &Account, password: &Password) -> Result<Connection> {
        account.validate()?;
        let (host, port) = (account.host.as_str(), account.port());
        let config = match account.security {
            Security::Plain => None,
            Security::Tls | Security::Starttls => Some(transport::account_client_config(account)?),
        };
        let mut tcp = transport::tcp(host, port, CONNECT_TIMEOUT).await?;
        let client = match (account.security, config) {
            (Security::Tls, Some(config)) => {
                let tls = transport::tls(config, host, port, tcp, CONNECT_TIMEOUT).await?;
                let mut client = Client::new(Transport::Tls(Box::new(tls)));
                read_greeting(&mut client).await?;
                client
            }
            (Security::Starttls, Some(config)) => {
                plaintext_phase(&mut tcp, account, true).await?;
                let tls = transport::tls(config, host, port, tcp, CONNECT_TIMEOUT).await?;
                Client::new(Transport::Tls(Box::new(tls)))
            }
            _ => {
                let caps = plaintext_phase(&mut tcp, account, false).await?;
                if caps.login_disabled {
                    return Err(Error::PlaintextRefused {
                        host: host.to_owned(),
                        port,
                    });
                }
                tracing::warn!(account = %account.name, "logging in without TLS, as configured");
                Client::new(Transport::Plain(tcp))
            }
        };
        let session = match tokio::time::timeout(
            READ_TIMEOUT,
            client.login(&account.user, password.expose()),
        )
        .await
        {
            Err(_) => {
                return Err(Error::Timeout {
                    action: "log in".to_owned(),
                })
            }
            Ok(Ok(s)) => s,
            Ok(Err((async_imap::error::Error::No(_), _))) => {
                return Err(Error::Auth {
                    host: host.to_owned(),
                    user: account.user.clone(),
                })
            }
            Ok(Err((async_imap::error::Error::Validate(_), _))) => {
                return Err(Error::InvalidAccount {
                    account: account.name.clone(),
                    reason:
                        "the user name or password contains a character IMAP LOGIN cannot carry"
                            .to_owned(),
                })
            }
            Ok(Err((e, _))) => return Err(imap_err("log in")(e)),
        };
        let mut conn = Connection {
            session,
            caps: Capabilities::default(),
            host: host.to_owned(),
            names: ServerNames::default(),
        };
        conn.refresh_capabilities().await?;
        if conn.caps.qresync {
            conn.exchange("enable QRESYNC", "ENABLE QRESYNC", |_| {})
                .await?;
        }
        if conn.caps.utf8_accept {
            conn.enable_utf8().await?;
        }
        tracing::debug!(host, caps = ?conn.caps, "logged in");
        Ok(conn)
    }

    pub fn capabilities(&self) -> Capabilities {
        self.caps
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// True when the server enabled UTF8=ACCEPT for this session, so mailbox names go
    /// over the wire in UTF-8 rather than modified UTF-7.
    pub fn utf8_names(&self) -> bool {
        self.names.utf8
    }

    /// The spelling of `name` (decoded) for a command: quoted, in the session's encoding.
    pub(crate) fn mailbox_arg(&self, name: &str) -> String {
        quote(&self.names.to_server(name))
    }

    /// `ENABLE UTF8=ACCEPT`; names switch to UTF-8 only when the server says ENABLED.
    async fn enable_utf8(&mut self) -> Result<()> {
        let mut enabled = false;
        self.exchange("enable UTF8=ACCEPT", "ENABLE UTF8=ACCEPT", |r| {
            if let Response::Capabilities(caps) = r {
                enabled |= caps.iter().any(|c| {
                    matches!(c, async_imap::imap_proto::Capability::Atom(a)
                        if a.eq_ignore_ascii_case("UTF8=ACCEPT"))
                });
            }
        })
        .await?;
        self.names.utf8 = enabled;
        Ok(())
    }

    async fn refresh_capabilities(&mut self) -> Result<()> {
        let mut atoms: Vec<String> = Vec::new();
        self.exchange("ask for capabilities", "CAPABILITY", |r| {
            if let Response::Capabilities(caps) = r {
                atoms = caps
                    .iter()
                    .filter_map(|c| match c {
                        async_imap::imap_proto::Capability::Atom(a) => Some(a.to_string()),
                        _ => None,
                    })
                    .collect();
            }
        })
        .await?;
        self.caps = Capabilities::from_atoms(atoms.iter().map(String::as_str));
        Ok(())
    }

    /// Sends `command` and hands every untagged response to `on_data` until the tagged
    /// completion; NO and BAD become [`Error::Imap`].
    pub(crate) async fn exchange(
        &mut self,
        action: &str,
        command: &str,
        mut on_data: impl FnMut(&Response<'_>),
    ) -> Result<()> {
        let id = match tokio::time::timeout(READ_TIMEOUT, self.session.run_command(command)).await {
            Err(_) => {
                return Err(Error::Timeout {
                    action: action.to_owned(),
                })
            }
            Ok(r) => r.map_err(imap_err(action))?,
        };
        loop {
            let done = self
                .next_response(action, |r| match r {
                    Response::Done {
                        tag,
                        status,
                        outcome,
                    } if *tag == id => {
                        let info = outcome
                            .information
                            .as_deref()
                            .unwrap_or_default()
                            .to_owned();
                        Some(match status {
                            Status::Ok => Ok(()),
                            Status::No => Err(async_imap::error::Error::No(info)),
                            _ => Err(async_imap::error::Error::Bad(info)),
                        })
                    }
                    other => {
                        on_data(other);
                        None
                    }
                })
                .await?;
            if let Some(outcome) = done {
                return outcome.map_err(imap_err(action));
            }
        }
    }

    /// Reads the next response (with the read deadline) and hands it to `f`; the
    /// response type of async-imap cannot be named, so it never leaves this call.
    pub(crate) async fn next_response<T>(
        &mut self,
        action: &str,
        f: impl FnOnce(&Response<'_>) -> T,
    ) -> Result<T> {
        match tokio::time::timeout(READ_TIMEOUT, self.session.read_response()).await {
            Err(_) => Err(Error::Timeout {
                action: action.to_owned(),
            }),
            Ok(Err(e)) => Err(imap_err(action)(e.into())),
            Ok(Ok(None)) => Err(imap_err(action)(async_imap::error::Error::ConnectionLost)),
            Ok(Ok(Some(r))) => Ok(f(r.parsed())),
        }
    }

    /// Every folder with its special-use role (RFC 6154; `INBOX` is the inbox).
    pub async fn list_folders(&mut self) -> Result<Vec<ListedFolder>> {
        let mut out = Vec::new();
        let names = self.names;
        self.exchange("list folders", "LIST \"\" \"*\"", |r| {
            if let Response::MailboxData(async_imap::imap_proto::MailboxDatum::List(l)) = r {
                let mut role = None;
                let mut selectable = true;
                for a in &l.name_attributes {
                    match a {
                        NameAttribute::Sent => role = Some(MailboxRole::Sent),
                        NameAttribute::Drafts => role = Some(MailboxRole::Drafts),
                        NameAttribute::Trash => role = Some(MailboxRole::Trash),
                        NameAttribute::Junk => role = Some(MailboxRole::Junk),
                        NameAttribute::Archive => role = Some(MailboxRole::Archive),
                        NameAttribute::All => role = Some(MailboxRole::All),
                        NameAttribute::Flagged => role = Some(MailboxRole::Flagged),
                        NameAttribute::NoSelect => selectable = false,
                        NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\NonExistent") => {
                            selectable = false
                        }
                        _ => {}
                    }
                }
                if l.name.eq_ignore_ascii_case("INBOX") {
                    role = Some(MailboxRole::Inbox);
                }
                out.push(ListedFolder {
                    name: names.from_server(&l.name),
                    delimiter: l.delimiter.as_ref().map(|d| d.to_string()),
                    role,
                    selectable,
                });
            }
        })
        .await?;
        Ok(out)
    }

    /// A cheap round trip, to check the session is alive.
    pub async fn noop(&mut self) -> Result<()> {
        self.exchange("check the connection", "NOOP", |_| {}).await
    }

    /// Ends the session politely; errors are ignored because the session ends either way.
    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.session.logout()).await;
    }
}

async fn read_greeting(client: &mut Client<Transport>) -> Result<()> {
    let action = "read the server greeting";
    let greeting = match tokio::time::timeout(CONNECT_TIMEOUT, client.read_response()).await {
        Err(_) => {
            return Err(Error::Timeout {
                action: action.to_owned(),
            })
        }
        Ok(r) => r.map_err(|e| imap_err(action)(e.into()))?,
    };
    match greeting.as_ref().map(|g| g.parsed()) {
        Some(Response::Data {
            status: Status::Ok | Status::PreAuth,
            ..
        }) => Ok(()),
        Some(other) => Err(Error::Protocol {
            action: action.to_owned(),
            detail: format!("{other:?}"),
        }),
        None => Err(imap_err(action)(async_imap::error::Error::ConnectionLost)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn capability_atoms_from_line_and_code() {
        let atoms = capability_atoms("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
        assert_eq!(
            atoms,
            Some(vec!["IMAP4rev1".to_owned(), "STARTTLS".to_owned()])
        );
        let atoms = capability_atoms("* CAPABILITY IMAP4rev1 IDLE\r\n");
        assert_eq!(atoms, Some(vec!["IMAP4rev1".to_owned(), "IDLE".to_owned()]));
        assert_eq!(capability_atoms("* OK ready\r\n"), None);
    }
}
