//! Test labs for Mailcall: real servers started per test binary, and fixture mail.
//!
//! Every lab is a value that stops its server on drop, waits for readiness by polling
//! (never a fixed sleep), and fails with the reason when it cannot start: a missing server
//! binary is an error naming its Debian package (see [`process::require_binary`]), never a
//! skip.

pub mod dovecot;
pub mod fixture;
pub mod janus;
pub mod keyring;
pub mod netns;
pub mod process;
pub mod turn;
