//! FETCH and SEARCH as the sync needs them, with the parsing of their answers:
//! header-first batches, flag refreshes (with CONDSTORE `CHANGEDSINCE`, RFC 7162 §3.1.4),
//! whole bodies with `BODY.PEEK[]`, and UID sets.
//!
//! Invariants:
//! - Bodies are always fetched with `BODY.PEEK[...]`: a plain `BODY[]` sets `\Seen` on the
//!   server (RFC 9051 §6.4.5), and syncing must never mark mail read.
//! - Unsolicited FETCH responses (another client changing flags meanwhile) can arrive in
//!   the middle of a batch; they are kept apart from the requested ones by their content.
//! - UID sets are sent compressed as ranges, so a batch command stays short.

use async_imap::imap_proto::{AttributeValue, BodyStructure, MailboxDatum, Response, SectionPath};

use super::connection::Connection;
use crate::error::Result;
use crate::types::{Flags, ModSeq, Uid};

/// Header fields the cache reads: addresses, threading, dates, list and automation signals.
pub const HEADER_FIELDS: &str = "FROM TO CC SUBJECT DATE MESSAGE-ID IN-REPLY-TO REFERENCES \
     LIST-ID LIST-UNSUBSCRIBE PRECEDENCE AUTO-SUBMITTED CONTENT-TYPE";

/// What one FETCH response said about one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetched {
    pub uid: Option<Uid>,
    pub flags: Option<Flags>,
    pub modseq: Option<ModSeq>,
    /// Unix seconds.
    pub internal_date: Option<i64>,
    pub size: Option<u32>,
    /// `BODY[HEADER.FIELDS (...)]`.
    pub header: Option<Vec<u8>>,
    /// `BODY[]`, the whole message.
    pub body: Option<Vec<u8>>,
    /// From BODYSTRUCTURE: a part has `Content-Disposition: attachment`.
    pub has_attachment: Option<bool>,
}

impl Fetched {
    /// Reads the attributes of a FETCH response.
    pub fn from_attributes(attrs: &[AttributeValue<'_>]) -> Fetched {
        let mut f = Fetched::default();
        for a in attrs {
            match a {
                AttributeValue::Uid(u) => f.uid = Uid::new(*u),
                AttributeValue::Flags(list) => {
                    f.flags = Some(Flags::from_imap(list.iter().map(|s| s.as_ref())))
                }
                AttributeValue::ModSeq(m) => f.modseq = ModSeq::new(*m),
                AttributeValue::InternalDate(d) => f.internal_date = parse_internal_date(d),
                AttributeValue::Rfc822Size(s) => f.size = Some(*s),
                AttributeValue::BodyStructure(b) => f.has_attachment = Some(has_attachment(b)),
                AttributeValue::BodySection { section, data, .. } => {
                    let bytes = data.as_ref().map(|d| d.to_vec()).unwrap_or_default();
                    match section {
                        None => f.body = Some(bytes),
                        Some(SectionPath::Full(_) | SectionPath::Part(..)) => {
                            f.header = Some(bytes)
                        }
                    }
                }
                AttributeValue::Rfc822(data) => {
                    f.body = Some(data.as_ref().map(|d| d.to_vec()).unwrap_or_default())
                }
                _ => {}
            }
        }
        f
    }
}

/// True when any part of the structure is marked as an attachment.
pub fn has_attachment(b: &BodyStructure<'_>) -> bool {
    let attached = |common: &async_imap::imap_proto::BodyContentCommon<'_>| {
        common
            .disposition
            .as_ref()
            .is_some_and(|d| d.ty.eq_ignore_ascii_case("attachment"))
    };
    match b {
        BodyStructure::Basic { common, .. } | BodyStructure::Text { common, .. } => {
            attached(common)
        }
        BodyStructure::Message { common, body, .. } => attached(common) || has_attachment(body),
        BodyStructure::Multipart { common, bodies, .. } => {
            attached(common) || bodies.iter().any(has_attachment)
        }
    }
}

/// Parses an INTERNALDATE (`17-Jul-1996 02:44:25 -0700`, RFC 9051 §9 date-time) into
/// Unix seconds.
pub fn parse_internal_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = s.split_once(' ')?;
    let (time, zone) = rest.trim().split_once(' ')?;
    let mut d = date.trim().split('-');
    let day: i64 = d.next()?.trim().parse().ok()?;
    let month = match d.next()?.to_ascii_lowercase().as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    let year: i64 = d.next()?.parse().ok()?;
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (t.next()??, t.next()??, t.next()??);
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let z: i64 = zone.get(1..)?.parse().ok()?;
    let offset = sign * ((z / 100) * 3600 + (z % 100) * 60);
    if !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let date = jiff::civil::Date::new(i16::try_from(year).ok()?, month, day as i8).ok()?;
    let midnight = date.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    Some(midnight.as_second() + h * 3600 + m * 60 + sec - offset)
}

/// A sorted UID list as an IMAP sequence set of ranges: `1:3,7,9:12`.
pub fn uid_set(uids: &[Uid]) -> String {
    let mut sorted: Vec<u32> = uids.iter().map(|u| u.get()).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

impl Connection {
    /// Runs a UID FETCH and returns every FETCH response read meanwhile.
    async fn uid_fetch(&mut self, action: &str, command: &str) -> Result<Vec<Fetched>> {
        let mut out = Vec::new();
        self.exchange(action, command, |r| {
            if let Response::Fetch(_, attrs) = r {
                out.push(Fetched::from_attributes(attrs));
            }
        })
        .await?;
        Ok(out)
    }

    /// UIDs at or above `from`, ascending (`UID SEARCH UID from:*`).
    pub async fn uids_from(&mut self, from: Uid) -> Result<Vec<Uid>> {
        let mut out = Vec::new();
        let command = format!("UID SEARCH UID {}:*", from.get());
        self.exchange("search for new messages", &command, |r| {
            if let Response::MailboxData(MailboxDatum::Search(ids)) = r {
                out.extend(
                    ids.iter()
                        .filter(|&&u| u >= from.get())
                        .filter_map(|&u| Uid::new(u)),
                );
            }
        })
        .await?;
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Every UID of the selected mailbox, ascending.
    pub async fn all_uids(&mut self) -> Result<Vec<Uid>> {
        let mut out = Vec::new();
        self.exchange("list message UIDs", "UID SEARCH ALL", |r| {
            if let Response::MailboxData(MailboxDatum::Search(ids)) = r {
                out.extend(ids.iter().filter_map(|&u| Uid::new(u)));
            }
        })
        .await?;
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Flags, dates, size, structure and the header fields of `uids`; only responses
    /// that carry the header (not unsolicited flag updates) are returned.
    pub async fn fetch_headers(&mut self, uids: &[Uid]) -> Result<Vec<Fetched>> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let modseq = if self.capabilities().condstore {
            " MODSEQ"
        } else {
            ""
        };
        let command = format!(
            "UID FETCH {} (UID FLAGS INTERNALDATE RFC822.SIZE{modseq} BODYSTRUCTURE \
             BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})])",
            uid_set(uids)
        );
        let all = self.uid_fetch("fetch message headers", &command).await?;
        Ok(all
            .into_iter()
            .filter(|f| f.uid.is_some() && f.header.is_some())
            .collect())
    }

    /// Flags of the messages in `set`; with `changed_since`, only those changed after
    /// that mod-sequence (CONDSTORE).
    pub async fn fetch_flags(
        &mut self,
        set: &str,
        changed_since: Option<ModSeq>,
    ) -> Result<Vec<Fetched>> {
        let command = match changed_since {
            Some(m) => format!("UID FETCH {set} (UID FLAGS) (CHANGEDSINCE {})", m.0.get()),
            None => format!("UID FETCH {set} (UID FLAGS)"),
        };
        let all = self.uid_fetch("fetch flags", &command).await?;
        Ok(all
            .into_iter()
            .filter(|f| f.uid.is_some() && f.flags.is_some())
            .collect())
    }

    /// Whole messages, without setting `\Seen`.
    pub async fn fetch_bodies(&mut self, uids: &[Uid]) -> Result<Vec<Fetched>> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let command = format!("UID FETCH {} (UID BODY.PEEK[])", uid_set(uids));
        let all = self.uid_fetch("fetch message bodies", &command).await?;
        Ok(all
            .into_iter()
            .filter(|f| f.uid.is_some() && f.body.is_some())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uids(v: &[u32]) -> Vec<Uid> {
        v.iter().filter_map(|&u| Uid::new(u)).collect()
    }

    #[test]
    fn uid_sets_are_compressed_ranges() {
        assert_eq!(uid_set(&uids(&[1, 2, 3, 7, 9, 10, 11, 12])), "1:3,7,9:12");
        assert_eq!(uid_set(&uids(&[5, 3, 4, 4])), "3:5");
        assert_eq!(uid_set(&[]), "");
    }

    #[test]
    fn internal_dates_parse_with_zone() {
        assert_eq!(
            parse_internal_date("17-Jul-1996 02:44:25 -0700"),
            Some(837_596_665)
        );
        assert_eq!(parse_internal_date(" 1-Jan-1970 00:00:00 +0000"), Some(0));
        assert_eq!(
            parse_internal_date("30-Jun-2025 17:00:00 +0000"),
            Some(1_751_302_800)
        );
        assert_eq!(parse_internal_date("garbage"), None);
    }

    #[test]
    fn fetch_attributes_are_read() {
        let raw = b"* 1 FETCH (UID 42 FLAGS (\\Seen $Forwarded) MODSEQ (7) RFC822.SIZE 99 \
            INTERNALDATE \"01-Jan-2000 00:00:00 +0000\" BODY[HEADER.FIELDS (SUBJECT)] {11}\r\nSubject: x\n)\r\n";
        let (_, resp) = Response::parse(raw).expect("parses");
        let Response::Fetch(_, attrs) = resp else {
            panic!("not a fetch")
        };
        let f = Fetched::from_attributes(&attrs);
        assert_eq!(f.uid, Uid::new(42));
        let flags = f.flags.expect("flags");
        assert!(flags.seen && flags.keywords == vec!["$Forwarded".to_owned()]);
        assert_eq!(f.modseq, ModSeq::new(7));
        assert_eq!(f.size, Some(99));
        assert_eq!(f.internal_date, Some(946_684_800));
        assert_eq!(f.header.as_deref(), Some(&b"Subject: x\n"[..]));
        assert!(f.body.is_none());
    }
}
