//! The server capabilities the client acts on (RFC 9051 §7.2.2 CAPABILITY).
//!
//! Invariant: capabilities are read again after login and after STARTTLS, because RFC
//! 9051 §6.2.1 lets a server change them there; values from before are discarded.

use serde::{Deserialize, Serialize};

/// What the server announced that matters to this client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// RFC 9051 §6.2.1, RFC 3501 §6.2.1.
    pub starttls: bool,
    /// RFC 3501 §6.2.3: LOGIN must not be used (usually: before TLS).
    pub login_disabled: bool,
    /// RFC 7162 §3.1.
    pub condstore: bool,
    /// RFC 7162 §3.2.
    pub qresync: bool,
    /// RFC 2177.
    pub idle: bool,
    /// RFC 6154.
    pub special_use: bool,
    /// RFC 6851.
    pub moves: bool,
    /// RFC 4315.
    pub uidplus: bool,
    /// RFC 6855: mailbox names may be UTF-8 once enabled.
    #[serde(default)]
    pub utf8_accept: bool,
}

impl Capabilities {
    /// From the capability atoms, case-insensitively.
    pub fn from_atoms<'a>(atoms: impl IntoIterator<Item = &'a str>) -> Capabilities {
        let mut c = Capabilities::default();
        for atom in atoms {
            match atom.to_ascii_uppercase().as_str() {
                "STARTTLS" => c.starttls = true,
                "LOGINDISABLED" => c.login_disabled = true,
                "CONDSTORE" => c.condstore = true,
                // QRESYNC implies CONDSTORE (RFC 7162 §3.2.3).
                "QRESYNC" => {
                    c.qresync = true;
                    c.condstore = true;
                }
                "IDLE" => c.idle = true,
                "SPECIAL-USE" => c.special_use = true,
                "MOVE" => c.moves = true,
                "UIDPLUS" => c.uidplus = true,
                "UTF8=ACCEPT" => c.utf8_accept = true,
                _ => {}
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qresync_implies_condstore_and_case_is_ignored() {
        let c = Capabilities::from_atoms(["IMAP4rev1", "qresync", "Idle", "STARTTLS"]);
        assert!(c.qresync && c.condstore && c.idle && c.starttls);
        assert!(!c.special_use && !c.login_disabled && !c.utf8_accept);
        assert!(Capabilities::from_atoms(["utf8=accept"]).utf8_accept);
    }
}
