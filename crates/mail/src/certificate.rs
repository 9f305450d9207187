//! Server certificates as a person decides about them: the facts of a certificate
//! (subject, issuer, validity, SHA-256 fingerprint), the reasons it is not trusted, in
//! words, and the fingerprint that pins exactly one certificate to an account.
//!
//! Invariants:
//! - A [`Fingerprint`] is the SHA-256 of the certificate's DER bytes and is always written
//!   `SHA256:AB:CD:…` (upper-case hex pairs joined by `:`); reading accepts the same with
//!   or without the prefix, colons or upper case, so an `openssl x509 -fingerprint
//!   -sha256` line can be pasted.
//! - The reasons of a [`CertificateProblem`] are found on the certificate itself (dates,
//!   names, who signed it), not copied from the first error the verifier stopped at, so
//!   a self-signed certificate that is also expired says both.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The SHA-256 fingerprint of a certificate (of its DER encoding).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of(der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(der).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SHA256")?;
        for b in self.0 {
            write!(f, ":{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Text that is not a SHA-256 fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a SHA-256 certificate fingerprint: expected 32 bytes in hex, like SHA256:AB:CD:… (got {0:?})")]
pub struct FingerprintFormat(pub String);

impl FromStr for Fingerprint {
    type Err = FingerprintFormat;

    fn from_str(s: &str) -> Result<Fingerprint, FingerprintFormat> {
        let bad = || FingerprintFormat(s.chars().take(120).collect());
        let t = s.trim();
        // `SHA256:…`, `sha256 Fingerprint=…` (openssl) or bare hex.
        let lower = t.to_ascii_lowercase();
        let rest = if let Some(i) = lower.find('=').filter(|_| lower.starts_with("sha256")) {
            &t[i + 1..]
        } else if lower.starts_with("sha256:") {
            &t["sha256:".len()..]
        } else {
            t
        };
        let hex: Vec<u8> = rest.bytes().filter(|b| *b != b':' && *b != b' ').collect();
        if hex.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.chunks(2).enumerate() {
            let digit = |c: u8| (c as char).to_digit(16);
            match (digit(pair[0]), digit(pair[1])) {
                (Some(h), Some(l)) => out[i] = (h * 16 + l) as u8,
                _ => return Err(bad()),
            }
        }
        Ok(Fingerprint(out))
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fingerprint, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What a certificate says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateDetails {
    /// The subject's distinguished name, e.g. `CN=mail.example.com`.
    pub subject: String,
    /// Who signed it; the same as `subject` for a self-signed certificate.
    pub issuer: String,
    /// Start of validity, Unix seconds (UTC).
    pub not_before: i64,
    /// End of validity, Unix seconds (UTC).
    pub not_after: i64,
    pub sha256: Fingerprint,
    /// The DNS names and IP addresses it is valid for (subject alternative names).
    pub names: Vec<String>,
    /// Marked as a certificate authority (basic constraints `CA:TRUE`).
    pub is_ca: bool,
    /// Signed by its own key, with the issuer equal to the subject.
    pub self_signed: bool,
}

impl CertificateDetails {
    /// Reads a DER certificate; `None` when it cannot be parsed.
    pub fn from_der(der: &[u8]) -> Option<CertificateDetails> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let names = match cert.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some((*d).to_owned()),
                    GeneralName::IPAddress(ip) => ip_text(ip),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let self_signed = cert.subject().as_raw() == cert.issuer().as_raw()
            && cert.verify_signature(None).is_ok();
        Some(CertificateDetails {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            sha256: Fingerprint::of(der),
            names,
            is_ca: cert.is_ca(),
            self_signed,
        })
    }
}

fn ip_text(raw: &[u8]) -> Option<String> {
    match raw.len() {
        4 => <[u8; 4]>::try_from(raw)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(raw)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}

/// `2026-12-03 08:15 UTC`, for messages.
pub fn utc_text(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => format!("@{unix}"),
    }
}

/// Why a certificate is not trusted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CertReason {
    /// Nobody but the server itself vouches for it.
    SelfSigned,
    /// Issued by an authority this computer does not trust.
    UnknownIssuer,
    /// Its validity ended.
    Expired,
    /// Its validity has not started (or this computer's clock is wrong).
    NotYetValid,
    /// It does not name the host that was connected to.
    WrongName { expected: String },
    /// A certificate authority's certificate (`CA:TRUE`) presented as the server's own.
    CaUsedAsEndEntity,
    /// The account trusts exactly one certificate, and this is another one.
    Changed { pinned: Fingerprint },
    /// Any other verification failure, in the verifier's words.
    Other { detail: String },
}

impl fmt::Display for CertReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertReason::SelfSigned => f.write_str("it is self-signed: nobody but the server itself vouches for it"),
            CertReason::UnknownIssuer => {
                f.write_str("it was issued by an authority this computer does not trust")
            }
            CertReason::Expired => f.write_str("it has expired"),
            CertReason::NotYetValid => {
                f.write_str("it is not valid yet (or this computer's clock is wrong)")
            }
            CertReason::WrongName { expected } => write!(f, "it is not valid for the name {expected}"),
            CertReason::CaUsedAsEndEntity => f.write_str(
                "it is a certificate authority's certificate (CA:TRUE), which a server must not present as its own",
            ),
            CertReason::Changed { pinned } => write!(
                f,
                "it is not the certificate trusted for this account: trusted {pinned}, presented another"
            ),
            CertReason::Other { detail } => write!(f, "it failed verification: {detail}"),
        }
    }
}

/// An untrusted server certificate: why (most important reason first) and what it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateProblem {
    /// The main reason, the first of `reasons`.
    pub reason: CertReason,
    /// Every reason found, most important first.
    pub reasons: Vec<CertReason>,
    #[serde(flatten)]
    pub certificate: CertificateDetails,
}

impl CertificateProblem {
    /// A problem with at least one reason; `Other` with `fallback` when none was found.
    pub(crate) fn new(
        mut reasons: Vec<CertReason>,
        certificate: CertificateDetails,
        fallback: impl FnOnce() -> String,
    ) -> CertificateProblem {
        if reasons.is_empty() {
            reasons.push(CertReason::Other { detail: fallback() });
        }
        CertificateProblem {
            reason: reasons[0].clone(),
            reasons,
            certificate,
        }
    }

    /// The fingerprint of the presented certificate.
    pub fn sha256(&self) -> Fingerprint {
        self.certificate.sha256
    }

    /// The pinned fingerprint when the problem is that the certificate changed.
    pub fn pinned(&self) -> Option<Fingerprint> {
        self.reasons.iter().find_map(|r| match r {
            CertReason::Changed { pinned } => Some(*pinned),
            _ => None,
        })
    }
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> = self.reasons.iter().map(ToString::to_string).collect();
        let c = &self.certificate;
        write!(
            f,
            "{}; subject {}, issued by {}, valid from {} to {}, fingerprint {}",
            words.join("; "),
            c.subject,
            c.issuer,
            utc_text(c.not_before),
            utc_text(c.not_after),
            c.sha256
        )
    }
}

impl std::error::Error for CertificateProblem {}

/// The outcome of [`crate::imap::probe_certificate`]: the server's certificate, trusted
/// or not by the account's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CertificateCheck {
    Trusted { certificate: CertificateDetails },
    Untrusted { problem: CertificateProblem },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip_in_every_accepted_spelling() {
        let fp = Fingerprint::of(b"not really a certificate");
        let text = fp.to_string();
        assert!(
            text.starts_with("SHA256:") && text.len() == 7 + 32 * 3 - 1,
            "{text}"
        );
        let bare: String = text[7..].replace(':', "").to_ascii_lowercase();
        for spelling in [
            text.clone(),
            text.to_ascii_lowercase(),
            bare.clone(),
            format!("sha256 Fingerprint={}", &text[7..]),
            format!("  {text}\n"),
        ] {
            assert_eq!(spelling.parse::<Fingerprint>(), Ok(fp), "{spelling}");
        }
        assert!("SHA256:AB:CD".parse::<Fingerprint>().is_err());
        assert!(format!("{}zz", &bare[2..]).parse::<Fingerprint>().is_err());
    }

    #[test]
    fn dates_are_printed_in_utc() {
        assert_eq!(utc_text(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_text(1_609_459_200), "2021-01-01 00:00 UTC");
    }
}
