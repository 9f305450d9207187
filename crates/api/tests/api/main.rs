//! The app layer against the real Dovecot and keyring labs: accounts added through the
//! form, folders and lists checked against the fixture's manifest, folders as
//! conversations, search, actions made offline and replayed, reply drafts on the server;
//! and calls against the Janus lab.

#![allow(clippy::unwrap_used)]

mod accounts;
mod actions;
mod call;
mod conversations;
mod insights;
mod lab;
mod reading;
mod sorting;
