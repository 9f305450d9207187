//! Compressed UID sets: sorted, disjoint, non-adjacent ranges, written the IMAP way
//! (`1:500,502,510:600`, RFC 3501 §9 `sequence-set`), and split into chunks of a bounded
//! number of UIDs so one command stays short and one crash loses little work.
//!
//! Invariants: ranges are sorted, never empty, never overlap and never touch (adjacent
//! ranges are merged), so two sets with the same UIDs have the same text; 0 is never a
//! member (it is not a UID).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::types::Uid;

/// A set of UIDs as ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UidSet {
    ranges: Vec<(u32, u32)>,
}

impl UidSet {
    /// The set of `uids`, in any order, duplicates allowed.
    pub fn from_uids(uids: impl IntoIterator<Item = Uid>) -> UidSet {
        let mut v: Vec<u32> = uids.into_iter().map(Uid::get).collect();
        v.sort_unstable();
        v.dedup();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for n in v {
            match ranges.last_mut() {
                Some((_, end)) if end.checked_add(1) == Some(n) => *end = n,
                _ => ranges.push((n, n)),
            }
        }
        UidSet { ranges }
    }

    /// The set of the inclusive ranges given, which may overlap or be out of order;
    /// ranges may be written high to low (`5:3`), as IMAP allows. Zeros are dropped.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u32, u32)>) -> UidSet {
        let mut v: Vec<(u32, u32)> = ranges
            .into_iter()
            .map(|(a, b)| (a.min(b).max(1), a.max(b)))
            .filter(|(a, b)| a <= b && *b > 0)
            .collect();
        v.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::new();
        for (a, b) in v {
            match out.last_mut() {
                Some((_, end)) if a <= end.saturating_add(1) => *end = (*end).max(b),
                _ => out.push((a, b)),
            }
        }
        UidSet { ranges: out }
    }

    /// Parses `1:3,7,9:12`; `*` is refused because a stored set must be explicit.
    pub fn parse(text: &str) -> Option<UidSet> {
        let text = text.trim();
        if text.is_empty() {
            return Some(UidSet::default());
        }
        let mut ranges = Vec::new();
        for part in text.split(',') {
            let (a, b) = match part.split_once(':') {
                Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
                None => {
                    let n = part.trim().parse().ok()?;
                    (n, n)
                }
            };
            if a == 0 || b == 0 {
                return None;
            }
            ranges.push((a, b));
        }
        Some(UidSet::from_ranges(ranges))
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// How many UIDs the set holds.
    pub fn len(&self) -> usize {
        self.ranges.iter().map(|(a, b)| (b - a) as usize + 1).sum()
    }

    /// The ranges, ascending.
    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    pub fn contains(&self, uid: Uid) -> bool {
        let n = uid.get();
        self.ranges
            .binary_search_by(|&(a, b)| {
                if b < n {
                    std::cmp::Ordering::Less
                } else if a > n {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    /// Every UID, ascending.
    pub fn uids(&self) -> impl Iterator<Item = Uid> + '_ {
        self.ranges
            .iter()
            .flat_map(|&(a, b)| (a..=b).filter_map(Uid::new))
    }

    /// Consecutive pieces of at most `max` UIDs each (`max` 0 counts as 1).
    pub fn chunks(&self, max: usize) -> Vec<UidSet> {
        let max = max.max(1) as u64;
        let mut out = Vec::new();
        let mut current = Vec::new();
        let mut room = max;
        for &(a, b) in &self.ranges {
            let mut start = a;
            loop {
                let left = u64::from(b - start) + 1;
                let take = left.min(room);
                // take >= 1 and fits below b, so this does not overflow.
                let end = start + (take - 1) as u32;
                current.push((start, end));
                room -= take;
                if room == 0 {
                    out.push(UidSet {
                        ranges: std::mem::take(&mut current),
                    });
                    room = max;
                }
                if end == b {
                    break;
                }
                start = end + 1;
            }
        }
        if !current.is_empty() {
            out.push(UidSet { ranges: current });
        }
        out
    }
}

impl fmt::Display for UidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(a, b)) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if a == b {
                write!(f, "{a}")?;
            } else {
                write!(f, "{a}:{b}")?;
            }
        }
        Ok(())
    }
}

/// The pairs (source UID, destination UID) of a COPYUID or APPENDUID answer: the n-th UID
/// of `from` became the n-th UID of `to` (RFC 4315 §3), each side in the order written.
pub fn pair_uids(from: &[(u32, u32)], to: &[(u32, u32)]) -> Vec<(Uid, Uid)> {
    let expand = |ranges: &[(u32, u32)]| -> Vec<u32> {
        ranges
            .iter()
            .flat_map(|&(a, b)| {
                let up: Box<dyn Iterator<Item = u32>> = if a <= b {
                    Box::new(a..=b)
                } else {
                    Box::new((b..=a).rev())
                };
                up
            })
            .collect()
    };
    expand(from)
        .into_iter()
        .zip(expand(to))
        .filter_map(|(a, b)| Some((Uid::new(a)?, Uid::new(b)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[u32]) -> UidSet {
        UidSet::from_uids(v.iter().filter_map(|&u| Uid::new(u)))
    }

    #[test]
    fn compresses_runs_into_ranges() {
        let mut v: Vec<u32> = (1..=500).collect();
        v.push(502);
        v.extend(510..=600);
        assert_eq!(set(&v).to_string(), "1:500,502,510:600");
        assert_eq!(set(&[9, 3, 4, 5, 4]).to_string(), "3:5,9");
        assert_eq!(set(&[]).to_string(), "");
        assert_eq!(
            set(&[u32::MAX, u32::MAX - 1]).to_string(),
            "4294967294:4294967295"
        );
    }

    #[test]
    fn parses_and_normalises() {
        let s = UidSet::parse("7,1:3,4,10:8").expect("valid");
        assert_eq!(s.to_string(), "1:4,7:10");
        assert_eq!(s.len(), 8);
        assert!(s.contains(Uid::new(9).expect("uid")));
        assert!(!s.contains(Uid::new(5).expect("uid")));
        assert!(UidSet::parse("1:*").is_none());
        assert!(UidSet::parse("0").is_none());
        assert_eq!(UidSet::parse("").map(|s| s.len()), Some(0));
    }

    #[test]
    fn chunks_split_ranges_at_the_limit() {
        let s = UidSet::parse("1:5,8,10:13").expect("valid");
        let chunks: Vec<String> = s.chunks(4).iter().map(ToString::to_string).collect();
        assert_eq!(chunks, ["1:4", "5,8,10:11", "12:13"]);
        assert_eq!(s.chunks(100).len(), 1);
        assert_eq!(s.chunks(4).iter().map(UidSet::len).sum::<usize>(), s.len());
        assert!(UidSet::default().chunks(3).is_empty());
    }

    #[test]
    fn copyuid_pairs_follow_written_order() {
        let pairs = pair_uids(&[(3, 5), (9, 9)], &[(100, 103)]);
        let got: Vec<(u32, u32)> = pairs.iter().map(|(a, b)| (a.get(), b.get())).collect();
        assert_eq!(got, [(3, 100), (4, 101), (5, 102), (9, 103)]);
    }
}
