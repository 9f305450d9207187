//! A small stable hash for identifiers kept on disk. `std`'s hasher may change between
//! Rust releases, so values written to the cache use FNV-1a (64-bit), which is fixed.

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over `bytes`.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// The hash of a Message-ID as the signed key used by the thread table. Message-IDs are
/// compared exactly, as RFC 5322 §3.6.4 treats them as opaque.
pub(crate) fn message_id_key(id: &str) -> i64 {
    i64::from_ne_bytes(fnv1a64(id.as_bytes()).to_ne_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv_reference_values() {
        assert_eq!(super::fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
