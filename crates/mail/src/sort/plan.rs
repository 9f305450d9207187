//! Planning a sort: [`plan_sort`] reads the cache and decides, for every message a rule
//! matches, its target folder. Nothing is touched on the server or in the messages; the
//! plan is stored in the cache (`sort_plans`, `sort_plan_items`) so it can be shown,
//! then applied later by its id.
//!
//! Invariants:
//! - Pure over the cache: the same cache, rules and `now` give the same plan, id included.
//! - A message is planned at most once: the first rule (in file order) that matches wins.
//! - Messages already in a rule's target are not planned for it, and messages whose UID
//!   is provisional (moved or written offline, not yet known to the server) are never
//!   planned: the server has no such UID yet.

use std::collections::{BTreeMap, HashSet};

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::rules::RuleSet;
use crate::error::{Context, Error, Result};
use crate::journal::PROVISIONAL_FLOOR;
use crate::store::Store;
use crate::types::Uid;

/// Messages shown per target folder in a plan's preview.
pub const SAMPLES_PER_TARGET: usize = 5;

/// One message a plan moves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedMove {
    pub source: String,
    pub uid: Uid,
    /// Without angle brackets; how the message is found again on the server.
    pub message_id: String,
    pub target: String,
    pub subject: String,
    pub from: String,
    /// Unix seconds.
    pub date: i64,
    /// Index of the rule that matched.
    pub rule: usize,
}

/// What a plan sends to one folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSummary {
    pub folder: String,
    pub count: usize,
    /// Messages per source folder.
    pub from_folders: BTreeMap<String, usize>,
    /// The newest few, for a preview.
    pub samples: Vec<PlannedMove>,
}

/// A sort plan: every planned move, with counts and samples per target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortPlan {
    pub id: String,
    /// Unix seconds the plan was made at (the reference for rule ages).
    pub created: i64,
    pub rules: RuleSet,
    pub targets: Vec<TargetSummary>,
    /// Ordered by source, then UID.
    pub items: Vec<PlannedMove>,
}

impl SortPlan {
    fn new(created: i64, rules: RuleSet, mut items: Vec<PlannedMove>) -> SortPlan {
        items.sort_by(|a, b| (&a.source, a.uid).cmp(&(&b.source, b.uid)));
        let id = plan_id(created, &rules, &items);
        let targets = summarize(&items);
        SortPlan {
            id,
            created,
            rules,
            targets,
            items,
        }
    }

    pub fn total(&self) -> usize {
        self.items.len()
    }
}

fn summarize(items: &[PlannedMove]) -> Vec<TargetSummary> {
    let mut by_target: BTreeMap<&str, Vec<&PlannedMove>> = BTreeMap::new();
    for i in items {
        by_target.entry(&i.target).or_default().push(i);
    }
    by_target
        .into_iter()
        .map(|(folder, mut moves)| {
            let mut from_folders = BTreeMap::new();
            for m in &moves {
                *from_folders.entry(m.source.clone()).or_insert(0) += 1;
            }
            moves.sort_by(|a, b| b.date.cmp(&a.date).then(a.uid.cmp(&b.uid)));
            TargetSummary {
                folder: folder.to_owned(),
                count: moves.len(),
                from_folders,
                samples: moves
                    .into_iter()
                    .take(SAMPLES_PER_TARGET)
                    .cloned()
                    .collect(),
            }
        })
        .collect()
}

/// A short stable id: the digest of everything the plan says.
fn plan_id(created: i64, rules: &RuleSet, items: &[PlannedMove]) -> String {
    let mut text = format!(
        "{created}\n{}\n",
        serde_json::to_string(rules).unwrap_or_default()
    );
    for i in items {
        text.push_str(&format!("{}\t{}\t{}\n", i.source, i.uid.get(), i.target));
    }
    format!("{:016x}", crate::digest::fnv1a64(text.as_bytes()))
}

/// Plans `rules` over the cache as of `now` (Unix seconds). Touches nothing; store the
/// result with [`Store::save_sort_plan`] to apply it later.
pub fn plan_sort(rules: &RuleSet, store: &Store, now: i64) -> Result<SortPlan> {
    rules.validate()?;
    let mut taken = HashSet::new();
    let mut items = Vec::new();
    for (index, rule) in rules.rules.iter().enumerate() {
        let c = rule.to_query(now)?.compile();
        let mut params: Vec<Value> = Vec::new();
        let (from, condition) = match &c.fts {
            Some(expr) => {
                params.push(Value::Text(expr.clone()));
                (
                    "fts JOIN messages m ON m.sort_key = fts.rowid",
                    format!("fts MATCH ? AND ({})", c.sql),
                )
            }
            None => ("messages m", format!("({})", c.sql)),
        };
        params.extend(c.params.iter().cloned());
        // The target in either spelling (see `mailbox_name`), kept decoded in the plan.
        let target = store.mailbox_name(&rule.to)?;
        params.push(Value::Text(target.clone()));
        params.push(Value::Integer(i64::from(PROVISIONAL_FLOOR)));
        let sql = format!(
            "SELECT m.id, b.name, m.uid, m.message_id, m.subject, m.from_addr, m.date \
             FROM {from} JOIN mailboxes b ON b.id = m.mailbox_id \
             WHERE {condition} AND b.name <> ? AND m.uid < ? ORDER BY m.sort_key"
        );
        let mut stmt = store.conn.prepare(&sql).context("plan a sort")?;
        let rows = stmt
            .query_map(params_from_iter(params), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            })
            .context("plan a sort")?;
        for row in rows {
            let (id, source, uid, message_id, subject, from, date) = row.context("plan a sort")?;
            let Some(uid) = Uid::new(uid) else { continue };
            if !taken.insert(id) {
                continue;
            }
            items.push(PlannedMove {
                source,
                uid,
                message_id,
                target: target.clone(),
                subject,
                from,
                date,
                rule: index,
            });
        }
    }
    Ok(SortPlan::new(now, rules.clone(), items))
}

/// Where a stored plan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    /// Made, not applied.
    Planned,
    /// Applying started; chunks say how far it got.
    Applying,
    /// Every chunk is done.
    Done,
}

impl PlanState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PlanState::Planned => "planned",
            PlanState::Applying => "applying",
            PlanState::Done => "done",
        }
    }

    pub(crate) fn parse(s: &str) -> PlanState {
        match s {
            "applying" => PlanState::Applying,
            "done" => PlanState::Done,
            _ => PlanState::Planned,
        }
    }
}

impl Store {
    /// Stores a plan so it can be applied by id; storing the same plan again is a no-op.
    pub fn save_sort_plan(&mut self, plan: &SortPlan) -> Result<()> {
        let tx = self.conn.transaction().context("store a sort plan")?;
        let rules = serde_json::to_string(&plan.rules).unwrap_or_default();
        let inserted = tx
            .execute(
                "INSERT OR IGNORE INTO sort_plans(id, created, rules_json) VALUES (?1, ?2, ?3)",
                params![plan.id, plan.created, rules],
            )
            .context("store a sort plan")?;
        if inserted > 0 {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO sort_plan_items(plan_id, source, uid, message_id, target, \
                     subject, from_addr, date, rule) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .context("store a sort plan")?;
            for i in &plan.items {
                stmt.execute(params![
                    plan.id,
                    i.source,
                    i.uid.get(),
                    i.message_id,
                    i.target,
                    i.subject,
                    i.from,
                    i.date,
                    i.rule as i64
                ])
                .context("store a sort plan")?;
            }
        }
        tx.commit().context("store a sort plan")
    }

    /// A stored plan and its state.
    pub fn sort_plan(&self, id: &str) -> Result<Option<(SortPlan, PlanState)>> {
        let head: Option<(i64, String, String)> = self
            .conn
            .query_row(
                "SELECT created, rules_json, state FROM sort_plans WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .context("read a sort plan")?;
        let Some((created, rules, state)) = head else {
            return Ok(None);
        };
        let rules: RuleSet = serde_json::from_str(&rules).map_err(|e| Error::InvalidRule {
            rule: format!("stored plan {id}"),
            reason: e.to_string(),
        })?;
        let items = self.plan_items(id)?;
        let targets = summarize(&items);
        let plan = SortPlan {
            id: id.to_owned(),
            created,
            rules,
            targets,
            items,
        };
        Ok(Some((plan, PlanState::parse(&state))))
    }

    pub(crate) fn plan_items(&self, id: &str) -> Result<Vec<PlannedMove>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT source, uid, message_id, target, subject, from_addr, date, rule \
                 FROM sort_plan_items WHERE plan_id = ?1 ORDER BY source, uid",
            )
            .context("read a sort plan")?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                ))
            })
            .context("read a sort plan")?;
        let mut items = Vec::new();
        for row in rows {
            let (source, uid, message_id, target, subject, from, date, rule) =
                row.context("read a sort plan")?;
            if let Some(uid) = Uid::new(uid) {
                items.push(PlannedMove {
                    source,
                    uid,
                    message_id,
                    target,
                    subject,
                    from,
                    date,
                    rule: usize::try_from(rule).unwrap_or(0),
                });
            }
        }
        Ok(items)
    }
}
