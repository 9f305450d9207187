//! The stored plans as a list: who made each, where it stands, what it moves; and the
//! two things a person does with a plan someone else made: apply it, or discard it.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{PlanState, SortProgress};
use crate::error::{Context, Result};
use crate::store::{count_at, Store};

/// Who made a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanOrigin {
    Window,
    /// An AI assistant over MCP; the plan waits for a person's approval.
    Assistant,
    Cli,
}

impl PlanOrigin {
    fn as_str(self) -> &'static str {
        match self {
            PlanOrigin::Window => "window",
            PlanOrigin::Assistant => "assistant",
            PlanOrigin::Cli => "cli",
        }
    }

    fn parse(s: &str) -> PlanOrigin {
        match s {
            "window" => PlanOrigin::Window,
            "assistant" => PlanOrigin::Assistant,
            _ => PlanOrigin::Cli,
        }
    }
}

/// One stored plan, without its items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    pub origin: PlanOrigin,
    pub state: PlanState,
    /// Messages planned.
    pub planned: u64,
    /// Per target folder, with how many messages go there.
    pub targets: Vec<(String, u64)>,
    pub progress: SortProgress,
}

impl Store {
    /// Records who made plan `id`.
    pub fn set_plan_origin(&self, id: &str, origin: PlanOrigin) -> Result<()> {
        self.conn
            .execute(
                "UPDATE sort_plans SET origin = ?2 WHERE id = ?1",
                params![id, origin.as_str()],
            )
            .context("record who made a sort plan")?;
        Ok(())
    }

    /// The newest `limit` plans, newest first.
    pub fn sort_plans(&self, limit: u32) -> Result<Vec<PlanSummary>> {
        let heads: Vec<(String, i64, String, String)> = {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT id, created, origin, state FROM sort_plans \
                     ORDER BY created DESC, rowid DESC LIMIT ?1",
                )
                .context("list sort plans")?;
            let rows = stmt
                .query_map([i64::from(limit)], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .context("list sort plans")?;
            rows.collect::<Result<_, _>>().context("list sort plans")?
        };
        let mut out = Vec::with_capacity(heads.len());
        let mut targets = self
            .conn
            .prepare_cached(
                "SELECT target, count(*) FROM sort_plan_items WHERE plan_id = ?1 \
                 GROUP BY target ORDER BY count(*) DESC, target",
            )
            .context("list sort plans")?;
        for (id, created, origin, state) in heads {
            let targets: Vec<(String, u64)> = targets
                .query_map([&id], |r| Ok((r.get(0)?, count_at(r, 1)?)))
                .context("list sort plans")?
                .collect::<Result<_, _>>()
                .context("list sort plans")?;
            out.push(PlanSummary {
                planned: targets.iter().map(|t| t.1).sum(),
                progress: self.sort_progress(&id)?,
                state: PlanState::parse(&state),
                origin: PlanOrigin::parse(&origin),
                created,
                targets,
                id,
            });
        }
        Ok(out)
    }

    /// Plans whose apply started and did not finish (interrupted by a quit, a crash or
    /// a lost connection), oldest first: what to resume.
    pub fn unfinished_sort_plans(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM sort_plans WHERE state = 'applying' ORDER BY created")
            .context("find unfinished sort plans")?;
        let rows = stmt
            .query_map([], |r| r.get(0))
            .context("find unfinished sort plans")?;
        rows.collect::<Result<_, _>>()
            .context("find unfinished sort plans")
    }

    /// Removes a plan that was never applied. `Ok(false)` when there is no such plan or
    /// its apply has started (then it is finished, not discarded).
    pub fn discard_sort_plan(&self, id: &str) -> Result<bool> {
        let state: Option<String> = self
            .conn
            .query_row("SELECT state FROM sort_plans WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .context("discard a sort plan")?;
        if state.as_deref() != Some(PlanState::Planned.as_str()) {
            return Ok(false);
        }
        self.conn
            .execute("DELETE FROM sort_plans WHERE id = ?1", [id])
            .context("discard a sort plan")?;
        Ok(true)
    }
}
