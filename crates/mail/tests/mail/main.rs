//! Integration tests of the mail cache: fixture mail ingested straight into the store
//! (as the Maildir writer lays it out), then checked against the fixture's manifest.

#![allow(clippy::unwrap_used)]

mod account;
mod analytics;
mod connect;
mod drafts;
mod encryption;
mod folder_names;
mod index;
mod ingest;
mod journal;
mod malformed;
mod reader;
mod remote;
mod search;
mod senders;
mod service;
mod sort;
mod store;
mod sync;
mod threads;
mod trust;
