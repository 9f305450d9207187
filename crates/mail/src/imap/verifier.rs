//! The two ways a server certificate is accepted, as rustls verifiers.
//!
//! - [`ExplainingVerifier`] is the normal WebPki verification (system roots plus the
//!   account's CA file, the host name, the dates); when it fails, the presented chain is
//!   examined again to say why in words, and the failure carries a [`CertificateProblem`]
//!   (inside rustls' `CertificateError::Other`, found again by [`problem_in`]).
//! - [`PinnedVerifier`] trusts exactly one certificate, by its SHA-256 fingerprint, and
//!   nothing else: no roots, no names, no dates. The handshake signature is still checked
//!   against that certificate's key, so a server without its private key cannot pass.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{
    verify_server_cert_signed_by_trust_anchor, verify_server_name, WebPkiServerVerifier,
};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};

use crate::certificate::{CertReason, CertificateDetails, CertificateProblem, Fingerprint};

/// WebPki verification that explains its refusals.
#[derive(Debug)]
pub(crate) struct ExplainingVerifier {
    /// `None` when there is not a single root to trust: everything is then refused.
    inner: Option<Arc<WebPkiServerVerifier>>,
    roots: Arc<RootCertStore>,
    /// The certificates of the account's CA file, to tell "self-signed and not trusted"
    /// from "trusted, but a CA certificate".
    extra: Vec<CertificateDer<'static>>,
    algs: WebPkiSupportedAlgorithms,
}

impl ExplainingVerifier {
    pub(crate) fn new(
        roots: RootCertStore,
        extra: Vec<CertificateDer<'static>>,
        provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> ExplainingVerifier {
        let roots = Arc::new(roots);
        let algs = provider.signature_verification_algorithms;
        let inner = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider)
            .build()
            .ok();
        ExplainingVerifier {
            inner,
            roots,
            extra,
            algs,
        }
    }

    /// Finds every reason `end_entity` is not trusted for `server_name`.
    fn explain(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
        failure: &rustls::Error,
    ) -> Option<CertificateProblem> {
        let details = CertificateDetails::from_der(end_entity)?;
        let parsed = ParsedCertificate::try_from(end_entity).ok()?;
        let mut reasons = Vec::new();
        let now_secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        if now_secs > details.not_after {
            reasons.push(CertReason::Expired);
        } else if now_secs < details.not_before {
            reasons.push(CertReason::NotYetValid);
        }
        if verify_server_name(&parsed, server_name).is_err() {
            reasons.push(CertReason::WrongName {
                expected: server_name.to_str().into_owned(),
            });
        }
        // The chain is checked again at a moment inside the certificate's validity, so
        // that an expired certificate still says whether its issuer is trusted.
        let inside = now_secs.clamp(details.not_before, details.not_after).max(0);
        let inside = UnixTime::since_unix_epoch(Duration::from_secs(inside.unsigned_abs()));
        let chain = verify_server_cert_signed_by_trust_anchor(
            &parsed,
            &self.roots,
            intermediates,
            inside,
            self.algs.all,
        );
        let anchored = self.extra.iter().any(|c| c.as_ref() == end_entity.as_ref());
        match chain {
            Ok(()) => {}
            Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
                reasons.push(if details.self_signed {
                    CertReason::SelfSigned
                } else {
                    CertReason::UnknownIssuer
                });
            }
            // webpki refuses a CA:TRUE leaf before it looks for an issuer at all.
            Err(e) if is_ca_used_as_end_entity(&e) => {
                if details.self_signed && !anchored {
                    reasons.push(CertReason::SelfSigned);
                }
                reasons.push(CertReason::CaUsedAsEndEntity);
            }
            Err(e) => reasons.push(CertReason::Other {
                detail: e.to_string(),
            }),
        }
        Some(CertificateProblem::new(reasons, details, || {
            failure.to_string()
        }))
    }
}

fn is_ca_used_as_end_entity(e: &rustls::Error) -> bool {
    match e {
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(inner))) => {
            matches!(
                inner.downcast_ref::<webpki::Error>(),
                Some(webpki::Error::CaUsedAsEndEntity)
            )
        }
        _ => false,
    }
}

/// The rustls error that carries `problem` out of the handshake.
fn refusal(problem: CertificateProblem) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(problem))))
}

/// The [`CertificateProblem`] inside a failed handshake's error, if the certificate was
/// the cause.
pub(crate) fn problem_in(e: &std::io::Error) -> Option<CertificateProblem> {
    let tls = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    match tls {
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(inner))) => {
            inner.downcast_ref::<CertificateProblem>().cloned()
        }
        _ => None,
    }
}

impl ServerCertVerifier for ExplainingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let outcome = match &self.inner {
            Some(inner) => {
                inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        };
        match outcome {
            Err(e @ rustls::Error::InvalidCertificate(_)) => {
                match self.explain(end_entity, intermediates, server_name, now, &e) {
                    Some(problem) => Err(refusal(problem)),
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// Trusts exactly the certificate with fingerprint `pin`.
#[derive(Debug)]
pub(crate) struct PinnedVerifier {
    pin: Fingerprint,
    algs: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    pub(crate) fn new(
        pin: Fingerprint,
        provider: &rustls::crypto::CryptoProvider,
    ) -> PinnedVerifier {
        PinnedVerifier {
            pin,
            algs: provider.signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if Fingerprint::of(end_entity) == self.pin {
            return Ok(ServerCertVerified::assertion());
        }
        let changed =
            rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure);
        match CertificateDetails::from_der(end_entity) {
            Some(details) => Err(refusal(CertificateProblem::new(
                vec![CertReason::Changed { pinned: self.pin }],
                details,
                String::new,
            ))),
            None => Err(changed),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}
