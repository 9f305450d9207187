//! The byte stream under an IMAP session: TCP, or TCP wrapped in verified TLS.
//!
//! Invariants: certificates are always verified, against the system roots plus the
//! account's optional CA file, or against the one certificate the account pins by
//! fingerprint; there is no switch to turn verification off. The server name checked is
//! the configured host (an IP address is checked against IP SANs). A certificate that is
//! refused becomes [`Error::UntrustedCertificate`] with the reasons and the facts.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

use super::verifier::{problem_in, ExplainingVerifier, PinnedVerifier};
use crate::account::Account;
use crate::certificate::Fingerprint;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::error::{Error, Result};

/// A connection to the server, before or after TLS.
#[derive(Debug)]
pub enum Transport {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The platform's trusted roots, loaded once per process (reading them takes a while).
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        if !found.errors.is_empty() {
            tracing::debug!(
                errors = found.errors.len(),
                "some system certificates could not be read"
            );
        }
        found.certs
    })
}

/// A rustls client config trusting the system roots and the certificates in `ca_file`.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    let (_added, _ignored) = roots.add_parsable_certificates(system_roots().iter().cloned());
    let mut extra = Vec::new();
    if let Some(path) = ca_file {
        let ca_err = |source| Error::CaFile {
            path: path.to_owned(),
            source,
        };
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| ca_err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| ca_err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())))?;
        if certs.is_empty() {
            return Err(ca_err(io::Error::new(
                io::ErrorKind::InvalidData,
                "no PEM certificate in the file",
            )));
        }
        for cert in certs {
            roots
                .add(cert.clone())
                .map_err(|e| ca_err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())))?;
            extra.push(cert);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = ExplainingVerifier::new(roots, extra, provider.clone());
    config_with(provider, Arc::new(verifier))
}

/// A rustls client config trusting exactly the certificate with fingerprint `pin`: its
/// handshake signature is checked, nothing about names, dates or issuers is.
pub fn pinned_client_config(pin: Fingerprint) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedVerifier::new(pin, &provider);
    config_with(provider, Arc::new(verifier))
}

/// The client config an account asks for: its pin, else the roots and its CA file.
pub(crate) fn account_client_config(account: &Account) -> Result<Arc<ClientConfig>> {
    match account.trusted_certificate {
        Some(pin) => pinned_client_config(pin),
        None => client_config(account.ca_file.as_deref()),
    }
}

fn config_with(
    provider: Arc<rustls::crypto::CryptoProvider>,
    verifier: Arc<dyn rustls::client::danger::ServerCertVerifier>,
) -> Result<Arc<ClientConfig>> {
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls {
            host: String::new(),
            source: io::Error::other(e),
        })?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Opens the TCP connection.
pub async fn tcp(host: &str, port: u16, timeout: std::time::Duration) -> Result<TcpStream> {
    let connect_err = |source| Error::Connect {
        host: host.to_owned(),
        port,
        source,
    };
    match tokio::time::timeout(timeout, TcpStream::connect((host, port))).await {
        Ok(Ok(s)) => {
            // Small commands and their answers alternate; Nagle would only add latency.
            let _ = s.set_nodelay(true);
            Ok(s)
        }
        Ok(Err(e)) => Err(connect_err(e)),
        Err(_) => Err(connect_err(io::Error::new(
            io::ErrorKind::TimedOut,
            "connection timed out",
        ))),
    }
}

/// Runs the TLS handshake over `tcp`, verifying the certificate for `host`.
pub async fn tls(
    config: Arc<ClientConfig>,
    host: &str,
    port: u16,
    tcp: TcpStream,
    timeout: std::time::Duration,
) -> Result<TlsStream<TcpStream>> {
    let tls_err = |source| Error::Tls {
        host: host.to_owned(),
        source,
    };
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| tls_err(io::Error::new(io::ErrorKind::InvalidInput, e.to_string())))?;
    match tokio::time::timeout(timeout, TlsConnector::from(config).connect(name, tcp)).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => match problem_in(&e) {
            Some(problem) => Err(Error::UntrustedCertificate {
                host: host.to_owned(),
                port,
                problem: Box::new(problem),
            }),
            None => Err(tls_err(e)),
        },
        Err(_) => Err(tls_err(io::Error::new(
            io::ErrorKind::TimedOut,
            "TLS handshake timed out",
        ))),
    }
}
