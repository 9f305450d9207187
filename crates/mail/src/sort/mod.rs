//! Sorting mail into folders by rules, in two steps: [`plan_sort`] decides over the cache
//! and stores a [`SortPlan`] (a dry run: counts per target, samples, the exact messages);
//! [`apply_sort_plan`] executes a stored plan on the server as `UID MOVE` commands over
//! compressed UID sets (RFC 6851), with the COPY + `\Deleted` + `UID EXPUNGE` fallback
//! of UIDPLUS (RFC 4315), creating target folders as needed.
//!
//! Invariants:
//! - Planning touches nothing; applying moves only the planned (mailbox, uid) pairs that
//!   still exist, and reports the rest.
//! - Execution state is journalled per chunk in the cache (`sort_chunks`): a chunk is
//!   marked `started` before its command is sent and `done` in the same transaction as
//!   the cache update. A `started` chunk found on resume is reconciled with the server,
//!   so an interrupted apply, run again, neither loses nor moves anything twice.

mod apply;
mod history;
mod plan;
mod rules;
mod uidset;

pub use apply::{apply_sort_plan, ApplyOptions, ApplyReport, SortEvent, SortProgress};
pub use history::{PlanOrigin, PlanSummary};
pub use plan::{plan_sort, PlanState, PlannedMove, SortPlan, TargetSummary, SAMPLES_PER_TARGET};
pub use rules::{Rule, RuleSet};
pub use uidset::{pair_uids, UidSet};

#[cfg(test)]
mod tests;
