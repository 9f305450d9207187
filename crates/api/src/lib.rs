//! The app layer of Mailcall, without Tauri: what the window does, callable from tests
//! and other front ends. [`Api`] loads the accounts of the configuration (the CLI's),
//! keeps one live [`mailcall_mail::MailService`] per account from [`Api::load`] to
//! [`Api::shutdown`], answers every command asynchronously (cache reads run on a small
//! pool of connections through `spawn_blocking`, so several run at once and the async
//! runtime never waits on SQLite), and streams [`AppEvent`]s through
//! [`Api::subscribe`].
//!
//! Modules: [`api`] accounts and lifecycle, `assistants` the MCP endpoint for AI assistants, `mail` reading and preferences,
//! `conversations` a folder listed by thread, `actions` changes through the offline
//! journal, `files` attachments and links that leave the app, `insights` waiting for my reply
//! and the senders view, `call` the call in progress
//! and its updates (`call_types` what crosses to the page about it), `live` one running account, `pool` cache
//! connections, `settings` the app's own small state file, `sorting` rules, dry runs and applies, [`types`] and [`error`] what
//! crosses to the page.

mod actions;
pub mod api;
mod assistants;
mod assistants_types;
mod call;
mod call_media;
mod call_types;
mod conversations;
pub mod error;
mod files;
mod insights;
mod insights_types;
mod live;
mod mail;
mod orders;
mod pool;
mod reading;
mod settings;
mod sorting;
mod sorting_types;
pub mod types;

pub use api::{Api, ApiOptions};
pub use assistants_types::*;
pub use call::CallOptions;
pub use call_types::*;
pub use error::{ApiError, ApiResult, CertificateFacts};
pub use files::link_to_open;
pub use insights::{MAX_FIRST_LINES, MAX_SENDERS, MAX_WAITING};
pub use insights_types::*;
pub use live::LiveOptions;
pub use mail::MAX_PAGE;
pub use sorting_types::*;
pub use types::*;
