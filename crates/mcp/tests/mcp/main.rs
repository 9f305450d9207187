//! End to end through a real MCP client: the official Python SDK (`tests/client.py`)
//! starts the `mailcall-mcp` binary over stdio, or connects over streamable HTTP with a
//! bearer token, against a cache synced from the Dovecot lab; answers are compared with
//! the fixture's manifest.
//!
//! Needs `python3` with the `mcp` package, named by `MAILCALL_PYTHON`: the Makefile sets it to
//! the virtualenv `make deps` creates (`MAILCALL_VENV`), so `make rust-test` finds it.

#![allow(clippy::unwrap_used)]

mod coverage;
mod lab;
mod reads;
mod rules;
mod writes;

pub use lab::*;
