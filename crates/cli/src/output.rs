//! Printing results: text for people, JSON for scripts.

use serde::Serialize;

/// Where results go, and in which form.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON when asked, else runs `human`.
    pub fn show<T: Serialize>(&self, value: &T, human: impl FnOnce(&T)) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            human(value);
        }
        Ok(())
    }

    /// Reports a failure on stderr (text) or stdout (JSON), with its causes.
    pub fn error(&self, e: &anyhow::Error) {
        let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
        if self.json {
            let kind = e.downcast_ref::<mailcall_mail::Error>().map(kind);
            let doc = serde_json::json!({ "error": { "kind": kind, "message": chain.join(": ") } });
            println!("{doc}");
        } else {
            eprintln!("error: {}", chain.join(": "));
        }
    }
}

/// A stable name for the kinds of engine errors scripts may want to tell apart.
fn kind(e: &mailcall_mail::Error) -> &'static str {
    use mailcall_mail::Error as E;
    match e {
        E::Auth { .. } => "auth",
        E::Connect { .. } => "connect",
        E::Tls { .. } | E::CaFile { .. } => "tls",
        E::PlaintextRefused { .. } => "plaintext_refused",
        E::NoPassword(_) => "no_password",
        E::NoAccount(_) | E::AccountExists(_) | E::InvalidAccount { .. } => "account",
        E::ConfigFile { .. } | E::ConfigSyntax { .. } => "config",
        E::Keyring { .. } => "keyring",
        E::Query(_) => "query",
        E::Timeout { .. } | E::Imap { .. } | E::Protocol { .. } => "imap",
        E::Cancelled => "cancelled",
        _ => "cache",
    }
}

/// `2025-06-30 17:00` in UTC, for lists.
pub fn date(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(at) => at.strftime("%Y-%m-%d %H:%M").to_string(),
        Err(_) => format!("@{unix}"),
    }
}

/// Cuts `s` to `n` characters with an ellipsis.
pub fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
    t.push('…');
    t
}
