//! The sync decision for one mailbox, as a pure function of what the cache holds and what
//! SELECT answered: [`plan_sync`]. The executor only carries the plan out, so every case
//! is tested here without a server.
//!
//! Rules (RFC 9051 §2.3.1.1, RFC 7162):
//! - No cached UIDVALIDITY, or a different one: the cached UIDs mean nothing any more;
//!   clear the mailbox and fetch everything.
//! - Same UIDVALIDITY: fetch headers of UIDs from the cached UIDNEXT on (the cached UIDNEXT
//!   is "everything below is stored", advanced batch by batch, so an interrupted sync
//!   resumes there).
//! - Flags: from the QRESYNC answer of SELECT; else `CHANGEDSINCE` the cached
//!   HIGHESTMODSEQ (skipped when it did not move); else all flags of the cached range.
//! - Expunges: VANISHED from the QRESYNC answer; else compare the message count with
//!   EXISTS and diff the UID lists only when they disagree.

use serde::{Deserialize, Serialize};

use crate::imap::Selected;
use crate::store::MailboxState;
use crate::types::{ModSeq, Uid};

/// What the cache holds about a mailbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CachedMailbox {
    pub state: MailboxState,
    /// Messages cached in it.
    pub count: u64,
}

/// How flags of cached messages are refreshed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagPlan {
    Skip,
    /// Apply the FETCH responses that came with the QRESYNC SELECT.
    FromSelect,
    /// `UID FETCH 1:* (FLAGS) (CHANGEDSINCE m)`.
    ChangedSince(ModSeq),
    /// `UID FETCH 1:<below - 1> (FLAGS)`: no usable mod-sequence.
    All {
        below: Uid,
    },
}

/// How expunged messages are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpungePlan {
    Skip,
    /// Remove the cached UIDs named by `VANISHED (EARLIER)`.
    FromSelect,
    /// Compare all server UIDs with the cached ones now.
    UidDiff,
    /// After the new headers are stored, diff the UIDs if the cached count differs from
    /// EXISTS.
    DiffIfCountsDiffer,
}

/// What to do for one mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPlan {
    /// Drop every cached message first (UIDVALIDITY changed).
    pub clear: bool,
    /// Fetch headers of UIDs from here on.
    pub fetch_from: Option<Uid>,
    pub flags: FlagPlan,
    pub expunges: ExpungePlan,
}

impl SyncPlan {
    /// Nothing to ask the server beyond the SELECT already done.
    pub fn is_noop(&self) -> bool {
        !self.clear
            && self.fetch_from.is_none()
            && self.flags == FlagPlan::Skip
            && self.expunges == ExpungePlan::Skip
    }
}

fn first_uid() -> Uid {
    Uid(std::num::NonZeroU32::MIN)
}

/// Decides how to bring the cached mailbox up to what SELECT reported.
pub fn plan_sync(cached: &CachedMailbox, selected: &Selected) -> SyncPlan {
    let same_validity =
        cached.state.uidvalidity.is_some() && cached.state.uidvalidity == selected.uidvalidity;
    if !same_validity {
        return SyncPlan {
            clear: cached.count > 0 || cached.state.uidvalidity.is_some(),
            fetch_from: (selected.exists > 0).then(first_uid),
            flags: FlagPlan::Skip,
            expunges: ExpungePlan::Skip,
        };
    }
    let from = cached.state.uidnext.unwrap_or_else(first_uid);
    let fetch_from = match selected.uidnext {
        _ if selected.exists == 0 => None,
        Some(next) if next <= from => None,
        _ => Some(from),
    };
    if cached.count == 0 {
        return SyncPlan {
            clear: false,
            fetch_from,
            flags: FlagPlan::Skip,
            expunges: ExpungePlan::Skip,
        };
    }
    let flags = if selected.qresync {
        if selected.changed.is_empty() {
            FlagPlan::Skip
        } else {
            FlagPlan::FromSelect
        }
    } else {
        match (cached.state.highestmodseq, selected.highestmodseq) {
            (Some(c), Some(s)) if c == s => FlagPlan::Skip,
            (Some(c), Some(_)) => FlagPlan::ChangedSince(c),
            _ if from > first_uid() => FlagPlan::All { below: from },
            _ => FlagPlan::Skip,
        }
    };
    let expunges = if selected.qresync {
        if selected.vanished.is_empty() {
            ExpungePlan::Skip
        } else {
            ExpungePlan::FromSelect
        }
    } else if fetch_from.is_some() {
        ExpungePlan::DiffIfCountsDiffer
    } else if u64::from(selected.exists) != cached.count {
        ExpungePlan::UidDiff
    } else {
        ExpungePlan::Skip
    };
    SyncPlan {
        clear: false,
        fetch_from,
        flags,
        expunges,
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;
    use crate::store::FlagUpdate;
    use crate::types::{Flags, UidValidity};

    fn uid(n: u32) -> Uid {
        Uid::new(n).expect("non-zero")
    }
    fn validity(n: u32) -> Option<UidValidity> {
        NonZeroU32::new(n).map(UidValidity)
    }
    fn cached(v: u32, next: u32, modseq: Option<u64>, count: u64) -> CachedMailbox {
        CachedMailbox {
            state: MailboxState {
                uidvalidity: validity(v),
                uidnext: Uid::new(next),
                highestmodseq: modseq.and_then(ModSeq::new),
            },
            count,
        }
    }
    fn selected(v: u32, next: u32, exists: u32, modseq: Option<u64>) -> Selected {
        Selected {
            name: "INBOX".into(),
            uidvalidity: validity(v),
            uidnext: Uid::new(next),
            exists,
            highestmodseq: modseq.and_then(ModSeq::new),
            ..Selected::default()
        }
    }

    #[test]
    fn first_sync_fetches_everything() {
        let plan = plan_sync(&CachedMailbox::default(), &selected(7, 101, 100, Some(500)));
        assert_eq!(
            plan,
            SyncPlan {
                clear: false,
                fetch_from: Some(uid(1)),
                flags: FlagPlan::Skip,
                expunges: ExpungePlan::Skip
            }
        );
    }

    #[test]
    fn first_sync_of_an_empty_mailbox_fetches_nothing() {
        let plan = plan_sync(&CachedMailbox::default(), &selected(7, 1, 0, None));
        assert!(plan.is_noop());
    }

    #[test]
    fn uidvalidity_change_clears_and_refetches() {
        let plan = plan_sync(
            &cached(7, 101, Some(500), 100),
            &selected(8, 51, 50, Some(60)),
        );
        assert!(plan.clear);
        assert_eq!(plan.fetch_from, Some(uid(1)));
        assert_eq!(
            (plan.flags, plan.expunges),
            (FlagPlan::Skip, ExpungePlan::Skip)
        );
    }

    #[test]
    fn nothing_changed_with_condstore_is_a_noop() {
        let plan = plan_sync(
            &cached(7, 101, Some(500), 100),
            &selected(7, 101, 100, Some(500)),
        );
        assert!(plan.is_noop(), "{plan:?}");
    }

    #[test]
    fn condstore_uses_changedsince_and_fetches_new() {
        let plan = plan_sync(
            &cached(7, 101, Some(500), 100),
            &selected(7, 105, 103, Some(520)),
        );
        assert_eq!(plan.fetch_from, Some(uid(101)));
        assert_eq!(
            plan.flags,
            FlagPlan::ChangedSince(ModSeq::new(500).expect("valid"))
        );
        assert_eq!(plan.expunges, ExpungePlan::DiffIfCountsDiffer);
    }

    #[test]
    fn condstore_without_new_mail_diffs_uids_when_counts_differ() {
        let plan = plan_sync(
            &cached(7, 101, Some(500), 100),
            &selected(7, 101, 98, Some(510)),
        );
        assert_eq!(plan.fetch_from, None);
        assert_eq!(
            plan.flags,
            FlagPlan::ChangedSince(ModSeq::new(500).expect("valid"))
        );
        assert_eq!(plan.expunges, ExpungePlan::UidDiff);
    }

    #[test]
    fn qresync_takes_flags_and_expunges_from_select() {
        let mut sel = selected(7, 103, 101, Some(530));
        sel.qresync = true;
        sel.vanished = vec![3..=4];
        sel.changed = vec![FlagUpdate {
            uid: uid(9),
            flags: Flags::default(),
            modseq: ModSeq::new(529),
        }];
        let plan = plan_sync(&cached(7, 101, Some(500), 100), &sel);
        assert_eq!(plan.fetch_from, Some(uid(101)));
        assert_eq!(
            (plan.flags, plan.expunges),
            (FlagPlan::FromSelect, ExpungePlan::FromSelect)
        );
    }

    #[test]
    fn qresync_with_nothing_reported_is_a_noop() {
        let mut sel = selected(7, 101, 100, Some(500));
        sel.qresync = true;
        assert!(plan_sync(&cached(7, 101, Some(500), 100), &sel).is_noop());
    }

    #[test]
    fn without_condstore_flags_are_diffed_over_the_cached_range() {
        let plan = plan_sync(&cached(7, 101, None, 100), &selected(7, 101, 100, None));
        assert_eq!(plan.flags, FlagPlan::All { below: uid(101) });
        assert_eq!(plan.expunges, ExpungePlan::Skip);
        assert_eq!(plan.fetch_from, None);
    }

    #[test]
    fn interrupted_first_sync_resumes_at_the_stored_uidnext() {
        // The first sync stored batches up to UID 4000 and never reached the end, so no
        // HIGHESTMODSEQ was saved: flags of what is stored are refreshed in full.
        let plan = plan_sync(
            &cached(7, 4001, None, 4000),
            &selected(7, 20_001, 20_000, Some(20_000)),
        );
        assert_eq!(plan.fetch_from, Some(uid(4001)));
        assert_eq!(plan.flags, FlagPlan::All { below: uid(4001) });
        assert_eq!(plan.expunges, ExpungePlan::DiffIfCountsDiffer);
    }

    #[test]
    fn interrupted_before_any_batch_starts_from_one() {
        let plan = plan_sync(
            &CachedMailbox {
                state: MailboxState {
                    uidvalidity: validity(7),
                    ..MailboxState::default()
                },
                count: 0,
            },
            &selected(7, 11, 10, None),
        );
        assert_eq!(plan.fetch_from, Some(uid(1)));
        assert!(!plan.clear);
    }

    #[test]
    fn everything_expunged_is_found_by_the_uid_diff() {
        let plan = plan_sync(&cached(7, 101, None, 100), &selected(7, 101, 0, None));
        assert_eq!(plan.fetch_from, None);
        assert_eq!(plan.expunges, ExpungePlan::UidDiff);
    }
}
