//! One integration test binary for all labs (linking is the slow part on two cores).

mod dovecot;
mod fixture;
mod janus;
mod keyring;
mod named_folders;
