//! The IMAP client side: a verified connection (implicit TLS or STARTTLS), login, the
//! capabilities it uses, LIST with SPECIAL-USE roles, SELECT with CONDSTORE/QRESYNC,
//! header/flag/body FETCHes and IDLE.
//!
//! A server certificate that is not trusted is refused with the reasons in words and its
//! facts ([`crate::certificate`]); [`probe_certificate`] shows it without logging in, and
//! an account can pin exactly one certificate by its SHA-256 fingerprint.
//!
//! RFCs followed: 9051 and 3501 (IMAP4rev2/rev1), 7162 (CONDSTORE, QRESYNC), 6154
//! (SPECIAL-USE), 2177 (IDLE). async-imap carries the session; responses it does not model
//! as calls (VANISHED, HIGHESTMODSEQ on SELECT, FETCH with MODSEQ) are read with
//! `run_command` and a response loop over imap-proto types ([`Connection::exchange`]).

mod capabilities;
mod connection;
mod fetch;
mod idle;
mod ops;
mod probe;
mod select;
mod transport;
mod verifier;

pub use capabilities::Capabilities;
pub use connection::{Connection, ListedFolder};
pub use fetch::{has_attachment, parse_internal_date, uid_set, Fetched, HEADER_FIELDS};
pub use idle::{IdleOutcome, IDLE_PERIOD};
pub use ops::CopyUid;
pub use probe::{check_login, probe_certificate};
pub use select::Selected;
pub use transport::{client_config, pinned_client_config};
