//! Errors of the mail engine. Each variant says what was being attempted; the cause, when
//! there is one, is kept as the `source` and not repeated in the message.

use std::path::PathBuf;

/// Everything that can go wrong in the mail engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The cache file could not be opened or prepared.
    #[error("cannot open the mail cache at {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The cache is encrypted and no key, or a different key, was given (or a key was
    /// given for a cache that is not encrypted).
    #[error("cannot read the mail cache at {path}: the key is missing or wrong")]
    WrongKey { path: PathBuf },
    /// The folder of the cache file could not be created.
    #[error("cannot create the folder of the mail cache at {path}")]
    CacheDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A schema migration failed; the cache is left at `from`.
    #[error("cannot migrate the mail cache from version {from} to {to}")]
    Migrate {
        from: i64,
        to: i64,
        #[source]
        source: rusqlite::Error,
    },
    /// The cache was written by a newer version of this program.
    #[error("the mail cache has schema version {found}, newer than the supported {supported}")]
    TooNew { found: i64, supported: i64 },
    /// A statement failed while doing `action`.
    #[error("cannot {action} in the mail cache")]
    Sql {
        action: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// A query in the search language is not well formed.
    #[error("invalid search query")]
    Query(#[from] crate::query::QueryError),
    /// A mailbox id that the cache does not hold.
    #[error("no mailbox with id {0} in the mail cache")]
    NoMailbox(i64),
    /// A key given as text is not 64 hex digits.
    #[error("a cache key must be 64 hex digits")]
    KeyFormat,
    /// The operating system could not provide random bytes for a new key.
    #[error("cannot generate a cache key")]
    KeyGeneration(#[source] rand::Error),

    // The remote side: configuration, credentials, connection, IMAP. No variant carries a
    // password or a cache key, and server text is kept only where it names no secret.
    /// The account configuration file could not be read or written.
    #[error("cannot {action} the account configuration at {path}")]
    ConfigFile {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The account configuration is not valid TOML of the expected shape.
    #[error("the account configuration at {path} is not valid")]
    ConfigSyntax {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An account setting is refused, e.g. plaintext without the explicit opt-in.
    #[error("account {account}: {reason}")]
    InvalidAccount { account: String, reason: String },
    /// No account with this name in the configuration.
    #[error("no account named {0}")]
    NoAccount(String),
    /// An account with this name already exists.
    #[error("an account named {0} already exists")]
    AccountExists(String),
    /// The extra CA file of an account could not be read or holds no certificate.
    #[error("cannot load the CA certificates in {path}")]
    CaFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The TCP connection could not be made (refused, unreachable, name not resolved).
    #[error("cannot connect to {host}:{port}")]
    Connect {
        host: String,
        port: u16,
        #[source]
        source: std::io::Error,
    },
    /// The TLS handshake failed, most often because the certificate is not trusted or
    /// does not name the host.
    #[error("cannot establish a verified TLS connection to {host}")]
    Tls {
        host: String,
        #[source]
        source: std::io::Error,
    },
    /// The server's certificate is not trusted, or is not the one the account pins;
    /// `problem` says why in words and what the certificate is, so a person can decide
    /// to trust exactly it (by its fingerprint).
    #[error("the certificate of {host}:{port} is not trusted: {problem}")]
    UntrustedCertificate {
        host: String,
        port: u16,
        problem: Box<crate::certificate::CertificateProblem>,
    },
    /// STARTTLS was configured but the server does not offer it; the password is not sent.
    #[error("{host}:{port} does not offer STARTTLS; refusing to log in without TLS")]
    PlaintextRefused { host: String, port: u16 },
    /// The server refused the user name or password.
    #[error("the server {host} refused the login of {user}")]
    Auth { host: String, user: String },
    /// An IMAP command failed or the connection broke while doing `action`.
    #[error("cannot {action} on the IMAP server")]
    Imap {
        action: String,
        #[source]
        source: async_imap::error::Error,
    },
    /// The server answered something this client cannot use.
    #[error("unexpected IMAP response while trying to {action}: {detail}")]
    Protocol { action: String, detail: String },
    /// The server did not answer in time.
    #[error("the IMAP server did not answer in time while trying to {action}")]
    Timeout { action: String },
    /// The OS keyring failed.
    #[error("cannot {action} for account {account} in the OS keyring")]
    Keyring {
        action: &'static str,
        account: String,
        #[source]
        source: keyring::Error,
    },
    /// The OS keyring holds no password for this account.
    #[error("no password stored for account {0}; run `mailcall-cli account set-password {0}`")]
    NoPassword(String),
    /// The operation was cancelled by its caller.
    #[error("cancelled")]
    Cancelled,

    // Sort, the offline journal and drafts.
    /// A sort rule (or the rules file) is not usable.
    #[error("sort rule {rule}: {reason}")]
    InvalidRule { rule: String, reason: String },
    /// No stored sort plan has this id.
    #[error("no sort plan with id {0} in the mail cache")]
    NoSortPlan(String),

    #[error(
        "sort plan {plan} no longer fits the server: {folder} was reset there (its UIDVALIDITY \
         changed), so the plan's message numbers name other messages; sync and plan again"
    )]
    StalePlan { plan: String, folder: String },
    /// No cached message has this id.
    #[error("no message with id {0} in the mail cache")]
    NoMessage(i64),
    /// A draft needs a folder with the special use `\Drafts` (or a configured one).
    #[error("no drafts folder is known; sync once, or set folders.drafts in the account")]
    NoDraftsFolder,
    /// A folder name that cannot be created, renamed to or deleted.
    #[error("cannot use folder name {name:?}: {reason}")]
    InvalidFolderName { name: String, reason: String },
    /// A message could not be composed.
    #[error("cannot compose the message")]
    Compose(#[source] std::io::Error),

    // The reader.
    /// The server no longer has the message the cache knows (moved or deleted elsewhere,
    /// or its folder was reset); the next sync drops it from the cache.
    #[error("cannot open message {uid} in {folder}: the server no longer has it")]
    MessageGone { folder: String, uid: u32 },
    /// A message has no attachment at this index.
    #[error("cannot save attachment {index}: the message has {count} attachments")]
    NoAttachment { index: usize, count: usize },
}

impl Error {
    /// True for failures that a later attempt may not hit: the network, a server that
    /// went away or is slow. Authentication, certificates and configuration are not
    /// transient: retrying them only repeats the failure (or locks the account).
    pub fn is_transient(&self) -> bool {
        use async_imap::error::Error as Imap;
        match self {
            Error::Connect { .. } | Error::Timeout { .. } => true,
            Error::Imap { source, .. } => matches!(source, Imap::Io(_) | Imap::ConnectionLost),
            // A TLS failure caused by the transport (reset mid-handshake), not by the
            // certificate, is worth another try.
            Error::Tls { source, .. } => source.kind() != std::io::ErrorKind::InvalidData,
            _ => false,
        }
    }

    /// The untrusted certificate, when that is what went wrong.
    pub fn certificate_problem(&self) -> Option<&crate::certificate::CertificateProblem> {
        match self {
            Error::UntrustedCertificate { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// True when the cache was locked by another connection (a sync in another process)
    /// for longer than the busy timeout.
    pub fn is_busy(&self) -> bool {
        let source = match self {
            Error::Sql { source, .. }
            | Error::Open { source, .. }
            | Error::Migrate { source, .. } => source,
            _ => return false,
        };
        matches!(
            source.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

/// Result of the mail engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches what was being attempted to a SQLite error.
pub(crate) trait Context<T> {
    fn context(self, action: &'static str) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, rusqlite::Error> {
    fn context(self, action: &'static str) -> Result<T> {
        self.map_err(|source| Error::Sql { action, source })
    }
}
