//! Janus signed tokens (`token_auth_secret`): generation for operators and tests, parsing and
//! verification.
//!
//! Format (Janus docs "Authenticating the Janus API", `auth.c`):
//! `<expiry>,<realm>[,<descriptor>...]:<base64 HMAC-SHA1(secret, "<expiry>,<realm>[,...]")>`
//! where `expiry` is a UNIX time in seconds.
//! - Core tokens use realm `janus` and list the plugin packages they may attach to, e.g.
//!   `1700000000,janus,janus.plugin.videoroom:…`.
//! - VideoRoom rooms created with `signed_tokens: true` check the `token` of a `join` with realm
//!   `janus.plugin.videoroom` and descriptor `room=<id>` (this needs the core secret to be set).
//!
//! Invariants: the signature is over the exact text before the `:`; verification compares in
//! constant time (the `hmac` crate's `verify_slice`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::error::{Error, Result};
use crate::id::RoomId;

type HmacSha1 = Hmac<Sha1>;

/// The realm of core tokens.
pub const CORE_REALM: &str = "janus";
/// The realm of VideoRoom room tokens.
pub const VIDEOROOM_REALM: &str = "janus.plugin.videoroom";

/// A parsed signed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedToken {
    /// UNIX time (seconds) after which Janus refuses it.
    pub expiry: u64,
    pub realm: String,
    pub descriptors: Vec<String>,
    pub signature: String,
}

fn mac(secret: &str) -> HmacSha1 {
    // HMAC accepts keys of any length, so this cannot fail.
    match HmacSha1::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// Signs `<expiry>,<realm>[,descriptors]` with `secret`.
pub fn sign(secret: &str, expiry: u64, realm: &str, descriptors: &[&str]) -> String {
    let mut data = format!("{expiry},{realm}");
    for d in descriptors {
        data.push(',');
        data.push_str(d);
    }
    let mut mac = mac(secret);
    mac.update(data.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    format!("{data}:{signature}")
}

/// A core token valid until `expiry` for these plugins.
pub fn core_token(secret: &str, expiry: u64, plugins: &[&str]) -> String {
    sign(secret, expiry, CORE_REALM, plugins)
}

/// A VideoRoom token for joining `room` (rooms with `signed_tokens`).
pub fn room_token(secret: &str, expiry: u64, room: RoomId) -> String {
    sign(secret, expiry, VIDEOROOM_REALM, &[&format!("room={room}")])
}

/// UNIX time `valid_for` from now, for `expiry`.
pub fn expiry_in(valid_for: Duration) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (now + valid_for).as_secs()
}

impl SignedToken {
    /// Splits a token into its parts; does not check the signature.
    pub fn parse(token: &str) -> Result<Self> {
        let invalid = || Error::Invalid {
            what: "signed token",
            value: token.to_owned(),
        };
        let (data, signature) = token.split_once(':').ok_or_else(invalid)?;
        let mut parts = data.split(',');
        let expiry = parts
            .next()
            .and_then(|e| e.parse().ok())
            .ok_or_else(invalid)?;
        let realm = parts.next().filter(|r| !r.is_empty()).ok_or_else(invalid)?;
        Ok(Self {
            expiry,
            realm: realm.to_owned(),
            descriptors: parts.map(str::to_owned).collect(),
            signature: signature.to_owned(),
        })
    }

    /// True when the signature matches `secret` and the token is not expired at `now` (UNIX
    /// seconds), the checks Janus makes.
    pub fn verify(&self, secret: &str, now: u64) -> bool {
        if now > self.expiry {
            return false;
        }
        let Ok(expected) = STANDARD.decode(&self.signature) else {
            return false;
        };
        let mut data = format!("{},{}", self.expiry, self.realm);
        for d in &self.descriptors {
            data.push(',');
            data.push_str(d);
        }
        let mut mac = mac(secret);
        mac.update(data.as_bytes());
        mac.verify_slice(&expected).is_ok()
    }

    /// True when the token lists `descriptor` (a plugin package or `room=<id>`).
    pub fn allows(&self, descriptor: &str) -> bool {
        self.descriptors.iter().any(|d| d == descriptor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values computed independently (Python hmac/hashlib/base64).
    const CORE: &str = "1700000000,janus,janus.plugin.videoroom:8YthpHgLHAOwcp64sE1Kz76oU4Q=";
    const ROOM: &str = "1700000000,janus.plugin.videoroom,room=1234:2SsXc9ghMePEnoPqKufQW7x3T2I=";

    #[test]
    fn signs_known_values() {
        assert_eq!(
            core_token("janus", 1_700_000_000, &["janus.plugin.videoroom"]),
            CORE
        );
        assert_eq!(room_token("janus", 1_700_000_000, RoomId(1234)), ROOM);
    }

    #[test]
    fn parses_and_verifies() {
        let t = SignedToken::parse(ROOM).expect("parses");
        assert_eq!(t.realm, VIDEOROOM_REALM);
        assert!(t.allows("room=1234"));
        assert!(t.verify("janus", 1_600_000_000));
        assert!(!t.verify("janus", 1_800_000_000), "expired");
        assert!(!t.verify("other", 1_600_000_000), "wrong secret");
        assert!(SignedToken::parse("garbage").is_err());
    }
}
