//! Ctrl-C as cancellation: the command-line tools and the MCP server stop their work through
//! a [`CancellationToken`], so an interrupt ends a sync or a sort between steps, never inside
//! a cache transaction.

use tokio_util::sync::CancellationToken;

/// A token cancelled on the first Ctrl-C (SIGINT). Call inside a Tokio runtime.
pub fn cancel_on_ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    cancel
}
