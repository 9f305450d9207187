//! Whether a message was sent by a machine. Decided at parse time and stored, so
//! analytics and "waiting for my reply" filter on a column.
//!
//! A message is automated when it has `List-Id` or `List-Unsubscribe`, `Precedence` of
//! `bulk`, `list` or `junk` (RFC 2076), `Auto-Submitted` other than `no` (RFC 3834), or
//! a sender address that reads as "do not reply".

/// The header facts the decision uses.
pub(crate) struct Signals<'a> {
    pub list_id: bool,
    pub list_unsubscribe: bool,
    pub precedence: Option<&'a str>,
    pub auto_submitted: Option<&'a str>,
    pub from: Option<&'a str>,
}

pub(crate) fn is_automated(s: &Signals<'_>) -> bool {
    let precedence = s
        .precedence
        .map(|p| p.trim().to_ascii_lowercase())
        .is_some_and(|p| matches!(p.as_str(), "bulk" | "list" | "junk"));
    // Auto-Submitted may carry parameters after ';' (RFC 3834 §5).
    let auto_submitted = s.auto_submitted.is_some_and(|v| {
        let v = v.split(';').next().unwrap_or("").trim();
        !v.is_empty() && !v.eq_ignore_ascii_case("no")
    });
    s.list_id
        || s.list_unsubscribe
        || precedence
        || auto_submitted
        || s.from.is_some_and(is_no_reply_address)
}

/// True for addresses whose local part says replies are not read: `noreply`,
/// `no-reply`, `no_reply`, `donotreply`, `do-not-reply`, `mailer-daemon` and the like,
/// in any case and with any separators.
pub fn is_no_reply_address(addr: &str) -> bool {
    let local = addr.rsplit_once('@').map_or(addr, |(l, _)| l);
    let squashed: String = local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    squashed.contains("noreply") || squashed.contains("donotreply") || squashed == "mailerdaemon"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_reply_spellings() {
        for a in [
            "noreply@x.example",
            "No-Reply@x",
            "do_not_reply@x",
            "MAILER-DAEMON@x",
        ] {
            assert!(is_no_reply_address(a), "{a}");
        }
        for a in ["alice@x.example", "reply@x", "replies@x"] {
            assert!(!is_no_reply_address(a), "{a}");
        }
    }

    #[test]
    fn auto_submitted_no_is_human() {
        let s = Signals {
            list_id: false,
            list_unsubscribe: false,
            precedence: None,
            auto_submitted: Some(" No "),
            from: Some("bob@x"),
        };
        assert!(!is_automated(&s));
        let s = Signals {
            auto_submitted: Some("auto-replied; x=y"),
            ..s
        };
        assert!(is_automated(&s));
    }
}
