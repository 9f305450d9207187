//! Connecting: STARTTLS, implicit TLS and explicit plaintext log in; a wrong password, a
//! closed port, an untrusted certificate and a server without STARTTLS fail with clear,
//! typed errors that never contain the password.

use mailcall_mail::sync::error_chain;
use mailcall_mail::{Connection, Error, Password, Security};
use mailcall_testkit::dovecot::DovecotLab;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::remote::{account, password, PASSWORD, USER};

fn lab() -> DovecotLab {
    DovecotLab::builder()
        .user(USER, PASSWORD)
        .start()
        .expect("the dovecot lab starts")
}

#[tokio::test]
async fn starttls_implicit_tls_and_explicit_plain_log_in() {
    let lab = lab();
    let dir = tempfile::tempdir().expect("tempdir");
    for security in [Security::Starttls, Security::Tls, Security::Plain] {
        let acct = account(&lab, dir.path(), security);
        let mut conn = Connection::open(&acct, &password())
            .await
            .unwrap_or_else(|e| panic!("{security:?}: {}", error_chain(&e)));
        let caps = conn.capabilities();
        assert!(
            caps.condstore && caps.qresync && caps.idle && caps.special_use,
            "{caps:?}"
        );
        let folders = conn.list_folders().await.expect("list");
        assert!(folders
            .iter()
            .any(|f| f.name == "Sent" && f.role == Some(mailcall_mail::MailboxRole::Sent)));
        conn.logout().await;
    }
}

#[tokio::test]
async fn wrong_password_is_an_auth_error_without_the_password() {
    let lab = lab();
    let dir = tempfile::tempdir().expect("tempdir");
    let acct = account(&lab, dir.path(), Security::Starttls);
    let secret = "wrong-hunter2-secret";
    let e = Connection::open(&acct, &Password::new(secret))
        .await
        .expect_err("refused");
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert!(!e.is_transient());
    let text = format!("{} / {e:?}", error_chain(&e));
    assert!(
        text.contains("alice") && text.contains("127.0.0.1"),
        "{text}"
    );
    assert!(!text.contains(secret) && !text.contains(PASSWORD), "{text}");
}

#[tokio::test]
async fn closed_port_is_a_transient_connect_error_naming_host_and_port() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut acct = mailcall_mail::Account::new("closed", "127.0.0.1", USER);
    acct.port = Some(port);
    let e = Connection::open(&acct, &password())
        .await
        .expect_err("nothing listens");
    assert!(matches!(e, Error::Connect { .. }), "{e:?}");
    assert!(e.is_transient());
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
}

#[tokio::test]
async fn untrusted_certificate_is_explained_naming_the_host() {
    let lab = lab();
    let fingerprint = crate::trust::expected_fingerprint(&lab);
    let dir = tempfile::tempdir().expect("tempdir");
    for security in [Security::Tls, Security::Starttls] {
        let mut acct = account(&lab, dir.path(), security);
        acct.ca_file = None;
        let e = Connection::open(&acct, &password())
            .await
            .expect_err("untrusted");
        assert!(!e.is_transient(), "a bad certificate is not retried");
        let problem = e.certificate_problem().expect("a certificate problem");
        assert_eq!(problem.reasons, [mailcall_mail::CertReason::SelfSigned]);
        assert_eq!(problem.sha256().to_string(), fingerprint);
        let text = error_chain(&e);
        assert!(
            text.contains("127.0.0.1")
                && text.contains("self-signed")
                && text.contains(&fingerprint),
            "{text}"
        );
    }
}

#[tokio::test]
async fn missing_starttls_is_refused_before_the_password_is_sent() {
    // A server that greets and answers CAPABILITY without STARTTLS, recording every line.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.expect("accept");
        let (read, mut write) = sock.into_split();
        write
            .write_all(b"* OK fake server ready\r\n")
            .await
            .expect("greet");
        let mut lines = BufReader::new(read).lines();
        let mut seen = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(tag) = line.strip_suffix(" CAPABILITY") {
                let reply = format!("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n");
                write.write_all(reply.as_bytes()).await.expect("reply");
            }
            seen.push(line);
        }
        seen
    });
    let mut acct = mailcall_mail::Account::new("fake", "127.0.0.1", USER);
    acct.security = Security::Starttls;
    acct.port = Some(port);
    let e = Connection::open(&acct, &password())
        .await
        .expect_err("refused");
    assert!(matches!(e, Error::PlaintextRefused { .. }), "{e:?}");
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
    let seen = server.await.expect("server");
    assert!(
        seen.iter()
            .all(|l| !l.to_ascii_uppercase().contains("LOGIN") && !l.contains(PASSWORD)),
        "{seen:?}"
    );
}

#[tokio::test]
async fn plaintext_requires_the_explicit_opt_in() {
    let mut acct = mailcall_mail::Account::new("plain", "127.0.0.1", USER);
    acct.security = Security::Plain;
    let e = Connection::open(&acct, &password())
        .await
        .expect_err("refused before connecting");
    assert!(matches!(e, Error::InvalidAccount { .. }), "{e:?}");
    assert!(e.to_string().contains("allow_plaintext"), "{e}");
}
