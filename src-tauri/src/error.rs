//! The error the page receives: a tagged enum with a stable `kind`, so the UI never
//! matches on message text.

use serde::Serialize;
use specta::Type;

/// An error returned by a command.
#[derive(Debug, Clone, Serialize, Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum AppError {
    /// The command needs state that setup did not produce.
    #[error("the app is not ready: {message}")]
    NotReady { message: String },
}
