//! Mailbox names as people read them and as IMAP servers spell them.
//!
//! Servers without `UTF8=ACCEPT` (RFC 6855) spell mailbox names in modified UTF-7 (RFC
//! 3501 §5.1.3): `Personal.Fam&AO0-lia` is `Personal.Família`, `R&-D` is `R&D`. The
//! engine keeps, shows and accepts the decoded UTF-8 name everywhere; only the IMAP
//! layer spells it for the server ([`ServerNames`]).
//!
//! Invariants:
//! - [`decode`] is strict: it accepts exactly the spellings that [`encode`] produces, so
//!   every decoded name encodes back to the server's bytes. Anything else (an
//!   unterminated `&`, bad base64, an unpaired surrogate, 8-bit bytes, printable ASCII
//!   hidden in base64) is an [`InvalidName`] error naming the position.
//! - A name the server lists that does not decode is kept as the server spelt it
//!   ([`ServerNames::from_server`]) and logged: nothing is lost, though commands naming
//!   such a folder may then be refused by the server.
//! - A name from a person may come in either spelling; [`from_user`] decodes a valid
//!   modified UTF-7 spelling and otherwise keeps the name as typed. Callers that can
//!   look the name up first (the cache) prefer an exact match.
//!
//! No crate is used: the one on crates.io for this (`utf7-imap`) panics on bad base64
//! and decodes lossily, which would let a broken name silently become another one.

use thiserror::Error;

/// Why a modified UTF-7 name does not decode.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum InvalidName {
    #[error("cannot decode mailbox name {name:?}: `&` at byte {at} is not closed by `-`")]
    Unterminated { name: String, at: usize },
    #[error("cannot decode mailbox name {name:?}: byte {at} is not modified base64")]
    BadBase64 { name: String, at: usize },
    #[error("cannot decode mailbox name {name:?}: the encoded run at byte {at} is not UTF-16")]
    BadUtf16 { name: String, at: usize },
    #[error("cannot decode mailbox name {name:?}: byte {at} is not printable ASCII")]
    NotAscii { name: String, at: usize },
    #[error(
        "cannot decode mailbox name {name:?}: from byte {at} it is not spelt as modified \
         UTF-7 spells its text"
    )]
    NotCanonical { name: String, at: usize },
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn sextet(b: u8) -> Option<u32> {
    ALPHABET.iter().position(|&c| c == b).map(|p| p as u32)
}

/// True for the characters that stand for themselves (printable US-ASCII).
fn direct(c: char) -> bool {
    (' '..='~').contains(&c)
}

/// Spells `name` in modified UTF-7.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let mut run: Vec<u16> = Vec::new();
    for c in name.chars() {
        if direct(c) {
            flush(&mut run, &mut out);
            out.push(c);
            if c == '&' {
                out.push('-');
            }
        } else {
            let mut buf = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Writes a run of UTF-16 units as `&<modified base64>-` and empties it.
fn flush(run: &mut Vec<u16>, out: &mut String) {
    if run.is_empty() {
        return;
    }
    out.push('&');
    let (mut bits, mut acc) = (0u32, 0u32);
    for unit in run.drain(..) {
        acc = (acc << 16) | u32::from(unit);
        bits += 16;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(ALPHABET[((acc >> bits) & 63) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (6 - bits)) & 63) as usize]));
    }
    out.push('-');
}

/// Decodes a modified UTF-7 spelling; see the module invariants for what is refused.
pub fn decode(raw: &str) -> Result<String, InvalidName> {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(0x20..=0x7e).contains(&b) {
            return Err(InvalidName::NotAscii {
                name: raw.to_owned(),
                at: i,
            });
        }
        if b != b'&' {
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let start = i;
        let end = bytes[i + 1..]
            .iter()
            .position(|&c| c == b'-')
            .map(|p| i + 1 + p)
            .ok_or_else(|| InvalidName::Unterminated {
                name: raw.to_owned(),
                at: start,
            })?;
        if end == start + 1 {
            out.push('&');
        } else {
            out.push_str(&decode_run(raw, start, &bytes[start + 1..end])?);
        }
        i = end + 1;
    }
    // Only what `encode` writes is accepted (no ASCII in base64, no split runs), so
    // every decoded name is spelt back exactly as the server sent it.
    let again = encode(&out);
    if again != raw {
        let at = again
            .bytes()
            .zip(raw.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(again.len().min(raw.len()));
        return Err(InvalidName::NotCanonical {
            name: raw.to_owned(),
            at,
        });
    }
    Ok(out)
}

/// Decodes the base64 between `&` and `-` (which starts at byte `start` of `raw`).
fn decode_run(raw: &str, start: usize, b64: &[u8]) -> Result<String, InvalidName> {
    let (mut bits, mut acc) = (0u32, 0u32);
    let mut units = Vec::with_capacity(b64.len() * 6 / 16);
    for (k, &c) in b64.iter().enumerate() {
        let v = sextet(c).ok_or_else(|| InvalidName::BadBase64 {
            name: raw.to_owned(),
            at: start + 1 + k,
        })?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 16 {
            bits -= 16;
            units.push((acc >> bits) as u16);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits are padding: fewer than six, all zero.
    if bits >= 6 || acc != 0 {
        return Err(InvalidName::BadBase64 {
            name: raw.to_owned(),
            at: start + 1 + b64.len(),
        });
    }
    String::from_utf16(&units).map_err(|_| InvalidName::BadUtf16 {
        name: raw.to_owned(),
        at: start,
    })
}

/// A name a person typed, in either spelling: the decoded name when `name` is valid
/// modified UTF-7 that means something else, else `name` as typed.
///
/// `R&-D` therefore means `R&D`; a folder literally called `R&-D` is reached through
/// an exact match in the cache, which callers try first.
pub fn from_user(name: &str) -> String {
    match decode(name) {
        Ok(decoded) => decoded,
        Err(_) => name.to_owned(),
    }
}

/// How one IMAP session spells mailbox names: modified UTF-7, or UTF-8 once the server
/// has enabled `UTF8=ACCEPT` (RFC 6855 §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerNames {
    pub utf8: bool,
}

impl ServerNames {
    /// The name to send for the engine's (decoded) `name`.
    pub fn to_server(self, name: &str) -> String {
        if self.utf8 {
            name.to_owned()
        } else {
            encode(name)
        }
    }

    /// The engine's name for what the server sent; see the module invariants.
    pub fn from_server(self, raw: &str) -> String {
        if self.utf8 {
            return raw.to_owned();
        }
        match decode(raw) {
            Ok(name) => name,
            Err(e) => {
                tracing::warn!(error = %e, "keeping the mailbox name as the server spells it");
                raw.to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests;
