//! Integration tests of `mailcall-janus` against the real Janus 1.1.2 lab (a network namespace
//! per lab, see `mailcall_testkit::janus`). Every flow runs over both transports.

#![allow(clippy::unwrap_used)]

mod admin;
mod common;
mod session;
mod subscriber;
mod videoroom;
