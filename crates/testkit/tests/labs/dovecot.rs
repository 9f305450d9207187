//! The Dovecot lab talks real IMAP over STARTTLS and implicit TLS, trusting only the lab's
//! certificate, shows Maildir content written behind its back, and survives stop/restart.

use std::sync::Arc;

use anyhow::{bail, ensure, Context, Result};
use async_imap::imap_proto::{NameAttribute, Response, Status};
use async_imap::{Client, Session};
use futures::TryStreamExt;
use mailcall_testkit::dovecot::{DovecotLab, MaildirFlag};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

type Tls = TlsStream<TcpStream>;

const MESSAGE: &[u8] = b"From: Bob <bob@example.org>\r\nTo: Alice <alice@example.org>\r\n\
Subject: Hello\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nHi.\r\n";

fn lab() -> DovecotLab {
    DovecotLab::builder()
        .user("alice", "secret")
        .user("bob", "hunter2")
        .start()
        .expect("the dovecot lab starts")
}

/// A TLS client that trusts exactly the given roots, with verification on as always.
fn connector(roots: RootCertStore) -> Result<TlsConnector> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The lab certificate, parsed from its PEM the way an app would load a pinned CA.
fn lab_roots(lab: &DovecotLab) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(lab.cert_pem().as_bytes())?)?;
    Ok(roots)
}

async fn expect_greeting<T>(client: &mut Client<T>) -> Result<()>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let greeting = client.read_response().await?.context("no greeting")?;
    match greeting.parsed() {
        Response::Data {
            status: Status::Ok, ..
        } => Ok(()),
        other => bail!("unexpected greeting {other:?}"),
    }
}

async fn starttls(lab: &DovecotLab) -> Result<Client<Tls>> {
    let tcp = TcpStream::connect((lab.host(), lab.imap_port())).await?;
    let mut client = Client::new(tcp);
    expect_greeting(&mut client).await?;
    client.run_command_and_check_ok("STARTTLS", None).await?;
    let tls = connector(lab_roots(lab)?)?
        .connect(ServerName::try_from("localhost")?, client.into_inner())
        .await?;
    Ok(Client::new(tls))
}

async fn implicit_tls(lab: &DovecotLab, roots: RootCertStore) -> Result<Client<Tls>> {
    let tcp = TcpStream::connect((lab.host(), lab.imaps_port())).await?;
    // By IP, so the certificate's 127.0.0.1 entry is what gets checked.
    let name = ServerName::try_from(lab.host())?.to_owned();
    let mut client = Client::new(connector(roots)?.connect(name, tcp).await?);
    expect_greeting(&mut client).await?;
    Ok(client)
}

async fn login(client: Client<Tls>, user: &str, password: &str) -> Result<Session<Tls>> {
    client
        .login(user, password)
        .await
        .map_err(|(e, _)| e.into())
}

/// Lists all folders and checks the special-use ones and the extensions the app relies on.
async fn check_folders(session: &mut Session<Tls>) -> Result<()> {
    let names: Vec<_> = session
        .list(Some(""), Some("*"))
        .await?
        .try_collect()
        .await?;
    let expected = [
        ("Drafts", NameAttribute::Drafts),
        ("Sent", NameAttribute::Sent),
        ("Trash", NameAttribute::Trash),
        ("Junk", NameAttribute::Junk),
        ("Archive", NameAttribute::Archive),
    ];
    for (folder, attribute) in expected {
        let name = names.iter().find(|n| n.name() == folder).context(folder)?;
        ensure!(
            name.attributes().contains(&attribute),
            "{folder}: {:?}",
            name.attributes()
        );
    }
    ensure!(names.iter().any(|n| n.name() == "INBOX"), "no INBOX");
    let capabilities = session.capabilities().await?;
    for capability in [
        "CONDSTORE",
        "QRESYNC",
        "MOVE",
        "UIDPLUS",
        "IDLE",
        "SPECIAL-USE",
    ] {
        ensure!(
            capabilities.has_str(capability),
            "{capability} not announced"
        );
    }
    Ok(())
}

async fn exists(lab: &DovecotLab, user: &str, password: &str, folder: &str) -> Result<u32> {
    let mut session = login(starttls(lab).await?, user, password).await?;
    let exists = session.select(folder).await?.exists;
    session.logout().await?;
    Ok(exists)
}

#[tokio::test]
async fn starttls_login_lists_special_use_folders() -> Result<()> {
    let lab = lab();
    let mut session = login(starttls(&lab).await?, "alice", "secret").await?;
    check_folders(&mut session).await?;
    session.logout().await?;
    Ok(())
}

#[tokio::test]
async fn implicit_tls_login_lists_special_use_folders() -> Result<()> {
    let lab = lab();
    let client = implicit_tls(&lab, lab_roots(&lab)?).await?;
    let mut session = login(client, "bob", "hunter2").await?;
    check_folders(&mut session).await?;
    session.logout().await?;
    Ok(())
}

#[tokio::test]
async fn untrusted_certificate_is_refused() -> Result<()> {
    let lab = lab();
    let Err(e) = implicit_tls(&lab, RootCertStore::empty()).await else {
        bail!("a TLS handshake without the lab certificate succeeded");
    };
    ensure!(
        format!("{e:#}").contains("UnknownIssuer"),
        "unexpected error: {e:#}"
    );
    Ok(())
}

#[tokio::test]
async fn wrong_password_is_rejected() -> Result<()> {
    let lab = lab();
    let Err((e, _client)) = starttls(&lab).await?.login("alice", "wrong").await else {
        bail!("logged in with a wrong password");
    };
    ensure!(
        matches!(e, async_imap::error::Error::No(_)),
        "unexpected error: {e:?}"
    );
    Ok(())
}

#[tokio::test]
async fn maildir_messages_are_visible() -> Result<()> {
    let lab = lab();
    lab.append_maildir("alice", "INBOX", MESSAGE, &[])?;
    lab.append_maildir(
        "alice",
        "Sent",
        MESSAGE,
        &[MaildirFlag::Seen, MaildirFlag::Replied],
    )?;
    lab.append_maildir("alice", "Sent", MESSAGE, &[MaildirFlag::Seen])?;
    ensure!(
        lab.maildir("alice").join(".Sent/cur").is_dir(),
        "no Maildir++ Sent folder"
    );
    assert_eq!(exists(&lab, "alice", "secret", "INBOX").await?, 1);
    assert_eq!(exists(&lab, "alice", "secret", "Sent").await?, 2);
    assert_eq!(exists(&lab, "bob", "hunter2", "INBOX").await?, 0);
    Ok(())
}

#[tokio::test]
async fn messages_written_before_start_are_visible() -> Result<()> {
    let mut lab = DovecotLab::builder().user("carol", "pw").build()?;
    for _ in 0..3 {
        lab.append_maildir("carol", "Archive.2024", MESSAGE, &[MaildirFlag::Seen])?;
    }
    lab.start()?;
    assert_eq!(exists(&lab, "carol", "pw", "Archive.2024").await?, 3);
    Ok(())
}

#[tokio::test]
async fn restart_keeps_mail_and_ports() -> Result<()> {
    let mut lab = lab();
    let ports = (lab.imap_port(), lab.imaps_port());
    lab.append_maildir("alice", "INBOX", MESSAGE, &[MaildirFlag::Flagged])?;
    let mut session = login(starttls(&lab).await?, "alice", "secret").await?;
    assert_eq!(session.select("INBOX").await?.exists, 1);

    lab.stop()?;
    ensure!(
        session.noop().await.is_err(),
        "a session survived the server stopping"
    );
    ensure!(
        TcpStream::connect((lab.host(), lab.imap_port()))
            .await
            .is_err(),
        "port open"
    );
    // Mail arriving while the server is down is seen after the restart.
    lab.append_maildir("alice", "INBOX", MESSAGE, &[])?;

    lab.restart()?;
    assert_eq!((lab.imap_port(), lab.imaps_port()), ports);
    assert_eq!(exists(&lab, "alice", "secret", "INBOX").await?, 2);
    let session = login(
        implicit_tls(&lab, lab_roots(&lab)?).await?,
        "alice",
        "secret",
    )
    .await;
    session?.logout().await?;
    Ok(())
}
