//! Checks before an account is saved: the server's certificate (without logging in) and
//! the login itself.
//!
//! Invariant: the probe sends no user name or password; it stops after the TLS handshake
//! (after STARTTLS for `security = "starttls"`).

use super::connection::{plaintext_phase, Connection};
use super::transport;
use crate::account::{Account, Security};
use crate::certificate::{CertificateCheck, CertificateDetails};
use crate::credentials::Password;
use crate::error::{Error, Result};

const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Connects to the account's server as the account would (host, port, security, CA file
/// or pinned certificate; name and user are not used) and reports its certificate:
/// trusted, or untrusted with the reasons and the facts to show a person. Failures other
/// than the certificate (connection refused, no STARTTLS) are errors.
pub async fn probe_certificate(account: &Account) -> Result<CertificateCheck> {
    let invalid = |reason: &str| Error::InvalidAccount {
        account: account.name.clone(),
        reason: reason.to_owned(),
    };
    if account.host.trim().is_empty() || account.host.contains(char::is_whitespace) {
        return Err(invalid("the host is empty or contains blanks"));
    }
    if account.security == Security::Plain {
        return Err(invalid(
            "security = \"plain\" uses no TLS, so there is no certificate to check",
        ));
    }
    let (host, port) = (account.host.as_str(), account.port());
    let config = transport::account_client_config(account)?;
    let mut tcp = transport::tcp(host, port, PROBE_TIMEOUT).await?;
    if account.security == Security::Starttls {
        plaintext_phase(&mut tcp, account, true).await?;
    }
    match transport::tls(config, host, port, tcp, PROBE_TIMEOUT).await {
        Ok(stream) => {
            let leaf = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .and_then(|der| CertificateDetails::from_der(der));
            match leaf {
                Some(certificate) => Ok(CertificateCheck::Trusted { certificate }),
                None => Err(Error::Protocol {
                    action: "read the server certificate".to_owned(),
                    detail: "the verified certificate could not be parsed".to_owned(),
                }),
            }
        }
        Err(Error::UntrustedCertificate { problem, .. }) => {
            Ok(CertificateCheck::Untrusted { problem: *problem })
        }
        Err(e) => Err(e),
    }
}

/// Logs in with an account that need not be saved yet, and logs out: `Ok` means the
/// settings and the password work. The password is not stored.
pub async fn check_login(account: &Account, password: &Password) -> Result<()> {
    let conn = Connection::open(account, password).await?;
    conn.logout().await;
    Ok(())
}
