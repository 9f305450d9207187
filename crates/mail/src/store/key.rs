//! The key of an encrypted cache: 32 random bytes handed to SQLCipher as a raw key
//! (`PRAGMA key = "x'..'"`), so no passphrase derivation runs on every open.
//!
//! Invariants: the key never appears in `Debug` output; its hex form is produced here,
//! so the only text placed into the PRAGMA is 64 hex digits.

use rand::RngCore;

use crate::error::{Error, Result};

/// A cache encryption key. Store it in the OS keyring as [`CacheKey::to_hex`].
#[derive(Clone, PartialEq, Eq)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Result<CacheKey> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(Error::KeyGeneration)?;
        Ok(CacheKey(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> CacheKey {
        CacheKey(bytes)
    }

    /// Parses the 64 hex digits written by [`CacheKey::to_hex`].
    pub fn from_hex(hex: &str) -> Result<CacheKey> {
        let hex = hex.trim().as_bytes();
        if hex.len() != 64 {
            return Err(Error::KeyFormat);
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.chunks(2)) {
            let digit = |c: u8| (c as char).to_digit(16).ok_or(Error::KeyFormat);
            *byte = (digit(pair[0])? << 4 | digit(pair[1])?) as u8;
        }
        Ok(CacheKey(bytes))
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The statement that unlocks a SQLCipher database with this raw key.
    pub(crate) fn pragma(&self) -> String {
        format!("PRAGMA key = \"x'{}'\";", self.to_hex())
    }
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_redacted_debug() {
        let k = CacheKey::from_bytes([0xab; 32]);
        assert_eq!(CacheKey::from_hex(&k.to_hex()).ok(), Some(k.clone()));
        assert_eq!(format!("{k:?}"), "CacheKey(..)");
        assert!(CacheKey::from_hex("zz").is_err());
        assert!(CacheKey::from_hex(&"g".repeat(64)).is_err());
    }
}
