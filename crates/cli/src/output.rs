//! Printing results: text for people, JSON for scripts.

use mailcall_mail::certificate::utc_text;
use mailcall_mail::CertificateProblem;
use serde::Serialize;

use crate::account::UntrustedOnAdd;

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

    /// Reports a failure on stderr (text) or stdout (JSON), with its causes. An untrusted
    /// certificate is shown with its facts and how to trust it.
    pub fn error(&self, e: &anyhow::Error) {
        let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
        let on_add = e.downcast_ref::<UntrustedOnAdd>();
        let engine = e.downcast_ref::<mailcall_mail::Error>();
        let problem = on_add
            .map(|u| &u.problem)
            .or_else(|| engine.and_then(mailcall_mail::Error::certificate_problem));
        if self.json {
            let kind = match (on_add, engine) {
                (Some(_), _) => Some("untrusted_certificate"),
                (None, e) => e.map(kind),
            };
            let mut doc = serde_json::json!({ "kind": kind, "message": chain.join(": ") });
            if let Some(p) = problem {
                doc["certificate"] = serde_json::to_value(p).unwrap_or_default();
            }
            if let Some(u) = on_add {
                doc["trust_command"] = u.command.clone().into();
            }
            println!("{}", serde_json::json!({ "error": doc }));
            return;
        }
        let Some(problem) = problem else {
            eprintln!("error: {}", chain.join(": "));
            return;
        };
        let (host, port) = match (on_add, engine) {
            (Some(u), _) => (u.host.as_str(), u.port),
            (None, Some(mailcall_mail::Error::UntrustedCertificate { host, port, .. })) => {
                (host.as_str(), *port)
            }
            _ => ("the server", 0),
        };
        eprintln!("error: the certificate of {host}:{port} is not trusted");
        eprint!("{}", certificate_facts(problem));
        match on_add {
            Some(u) => eprintln!(
                "To trust exactly this certificate (compare the fingerprint with the one your \
                 server's administrator gives you), run:\n  {}",
                u.command
            ),
            None => eprintln!(
                "To trust exactly this certificate, set trusted_certificate = \"{}\" in the \
                 account's configuration (instead of ca_file).",
                problem.sha256()
            ),
        }
    }
}

/// The facts of an untrusted certificate, one per line, for people.
pub fn certificate_facts(p: &CertificateProblem) -> String {
    let c = &p.certificate;
    let mut text = String::new();
    for (i, reason) in p.reasons.iter().enumerate() {
        let label = if i == 0 { "why:" } else { "" };
        text += &format!("  {label:<13}{reason}\n");
    }
    text += &format!("  {:<13}{}\n", "subject:", c.subject);
    text += &format!("  {:<13}{}\n", "issuer:", c.issuer);
    text += &format!(
        "  {:<13}{} to {}\n",
        "valid:",
        utc_text(c.not_before),
        utc_text(c.not_after)
    );
    if !c.names.is_empty() {
        text += &format!("  {:<13}{}\n", "names:", c.names.join(", "));
    }
    if let Some(pinned) = p.pinned() {
        text += &format!("  {:<13}{pinned}\n", "trusted:");
        text += &format!("  {:<13}{}\n", "presented:", c.sha256);
    } else {
        text += &format!("  {:<13}{}\n", "fingerprint:", c.sha256);
    }
    text
}

/// A stable name for the kinds of engine errors scripts may want to tell apart.
fn kind(e: &mailcall_mail::Error) -> &'static str {
    use mailcall_mail::Error as E;
    match e {
        E::Auth { .. } => "auth",
        E::Connect { .. } => "connect",
        E::Tls { .. } | E::CaFile { .. } => "tls",
        E::UntrustedCertificate { .. } => "untrusted_certificate",
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
