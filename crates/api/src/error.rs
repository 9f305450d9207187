//! The error every command returns: a tagged enum whose `kind` is stable, so the page
//! decides what to show by `kind` and never by message text. Messages are sentences a
//! person understands; engine errors keep their cause chain in the message.

use mailcall_mail::certificate::CertificateProblem;
use mailcall_mail::sync::error_chain;
use mailcall_mail::Error as MailError;
use serde::{Deserialize, Serialize};
use specta::Type;

/// What is known about a server certificate that was not trusted.
///
/// Filled from the certificate the server presented; the fields are empty only when the
/// failure came from somewhere the certificate could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CertificateFacts {
    /// What is wrong (expired, unknown issuer, wrong host name, ...).
    pub problem: String,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    /// RFC 3339 dates.
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    /// SHA-256 of the DER certificate as `SHA256:AB:CD:...`, what `trustFingerprint` takes.
    pub sha256: Option<String>,
}

/// An error of a command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApiError {
    /// The server refused the user name or password.
    #[error("{message}")]
    Auth { message: String },
    /// The server's certificate is not trusted.
    #[error("{message}")]
    Certificate {
        message: String,
        // Boxed: it is large, and every `Result` of the API carries this enum.
        certificate: Option<Box<CertificateFacts>>,
    },
    /// The server cannot be reached now; local changes wait in the journal.
    #[error("{message}")]
    Offline { message: String },
    /// No such account, folder or message.
    #[error("{message}")]
    NotFound { message: String },
    /// A search query is not well formed; `position` counts characters from 0.
    #[error("{message}")]
    BadQuery { message: String, position: u32 },
    /// The request itself is not acceptable (a bad setting, a bad id).
    #[error("{message}")]
    Invalid { message: String },
    /// The OS keyring failed.
    #[error("{message}")]
    Keyring { message: String },
    /// Anything else: a bug or a broken cache.
    #[error("{message}")]
    Internal { message: String },
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::NotFound {
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::Internal {
            message: message.into(),
        }
    }

    /// The stable kind, as the page sees it.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Auth { .. } => "auth",
            ApiError::Certificate { .. } => "certificate",
            ApiError::Offline { .. } => "offline",
            ApiError::NotFound { .. } => "not_found",
            ApiError::BadQuery { .. } => "bad_query",
            ApiError::Invalid { .. } => "invalid",
            ApiError::Keyring { .. } => "keyring",
            ApiError::Internal { .. } => "internal",
        }
    }
}

impl From<MailError> for ApiError {
    fn from(e: MailError) -> ApiError {
        let message = error_chain(&e);
        match e {
            MailError::Auth { host, user } => ApiError::Auth {
                message: format!(
                    "The server {host} refused the login of {user}: check the user name and password."
                ),
            },
            MailError::UntrustedCertificate { ref problem, .. } => ApiError::Certificate {
                certificate: Some(Box::new(facts(problem))),
                message,
            },
            MailError::Tls { ref source, .. }
                if source.kind() == std::io::ErrorKind::InvalidData =>
            {
                ApiError::Certificate {
                    certificate: Some(Box::new(CertificateFacts {
                        problem: source.to_string(),
                        ..CertificateFacts::default()
                    })),
                    message,
                }
            }
            MailError::Query(q) => ApiError::BadQuery {
                position: u32::try_from(q.position).unwrap_or(u32::MAX),
                message: format!("At character {}: {}", q.position, q.message),
            },
            MailError::NoMessage(_) | MailError::NoMailbox(_) | MailError::NoAccount(_) => {
                ApiError::NotFound { message }
            }
            MailError::NoPassword(_) | MailError::Keyring { .. } => ApiError::Keyring { message },
            MailError::InvalidAccount { .. }
            | MailError::AccountExists(_)
            | MailError::ConfigSyntax { .. }
            | MailError::PlaintextRefused { .. }
            | MailError::CaFile { .. }
            | MailError::NoDraftsFolder
            | MailError::InvalidRule { .. } => ApiError::Invalid { message },
            ref other if other.is_transient() => ApiError::Offline { message },
            _ => ApiError::Internal { message },
        }
    }
}

/// The page's view of an untrusted certificate: every reason in words, and its facts.
fn facts(problem: &CertificateProblem) -> CertificateFacts {
    let c = &problem.certificate;
    let date = |secs: i64| {
        jiff::Timestamp::from_second(secs)
            .map(|t| t.to_string())
            .ok()
    };
    let reasons: Vec<String> = problem.reasons.iter().map(ToString::to_string).collect();
    CertificateFacts {
        problem: format!("Not trusted because {}.", reasons.join("; ")),
        subject: Some(c.subject.clone()),
        issuer: Some(c.issuer.clone()),
        not_before: date(c.not_before),
        not_after: date(c.not_after),
        sha256: Some(c.sha256.to_string()),
    }
}

/// Result of a command.
pub type ApiResult<T> = std::result::Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_error_keeps_its_position() {
        let e: ApiError =
            MailError::from(mailcall_mail::parse_query("from:(").expect_err("bad query")).into();
        assert_eq!(e.kind(), "bad_query");
        let json = serde_json::to_value(&e).expect("json");
        assert_eq!(json["kind"], "bad_query");
        assert!(json["position"].as_u64().is_some());
    }
}
