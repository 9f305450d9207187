//! Bulk changes, two-step: a dry run stores a sort plan (counts and samples per target
//! folder) under an id; `sort_apply` moves exactly that plan's messages on the server.
//!
//! A plan not started yet is re-planned from the cache with its own rules and creation
//! time before it is applied: the id is a digest of rules, time and messages, so a
//! different id means the cache changed since the dry run and the plan is refused as
//! stale (the fresh plan is stored so it can be reviewed and applied instead).

use mailcall_mail::{
    apply_sort_plan, plan_sort, ApplyOptions, MailboxRole, PlanState, Rule, RuleSet, SortEvent,
    SortPlan,
};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::answer::{self, finish, ToolResult};
use crate::args::{ArchiveSendersArgs, PlanArgs, PlanIdArgs};
use crate::change::now;
use crate::error::{Error, Result};
use crate::Bridge;

#[tool_router(router = sort_router, vis = "pub(crate)")]
impl Bridge {
    #[tool(
        description = "Dry run of sorting rules over the cache: nothing moves. Returns a plan_id with counts and sample messages per target folder. Show it to the user; apply it with sort_apply.",
        annotations(read_only_hint = true)
    )]
    async fn sort_plan(&self, Parameters(a): Parameters<PlanArgs>) -> ToolResult {
        let rules = a.rules.into_iter().map(rule_of).collect();
        finish(self.plan(RuleSet { rules }).await)
    }

    #[tool(
        description = "Dry run of auto-archiving every message from given senders (addresses or domains, e.g. from never_opened_senders or top_senders). Returns a plan_id to show the user and apply with sort_apply.",
        annotations(read_only_hint = true)
    )]
    async fn plan_auto_archive(&self, Parameters(a): Parameters<ArchiveSendersArgs>) -> ToolResult {
        let run = async {
            if a.senders.is_empty() {
                return Err(Error::Argument {
                    name: "senders",
                    reason: "give at least one sender address or domain".to_owned(),
                });
            }
            let configured = a
                .archive_folder
                .clone()
                .or_else(|| self.cache.account().folders.archive.clone());
            let target = match configured {
                Some(f) => f,
                None => {
                    self.cache
                        .run(|s| {
                            Ok(s.mailboxes()?
                                .into_iter()
                                .find(|b| b.role == Some(MailboxRole::Archive))
                                .map_or_else(|| "Archive".to_owned(), |b| b.name))
                        })
                        .await?
                }
            };
            let mut rule = Rule::to(&target);
            rule.from = a.senders;
            rule.older_than_days = a.older_than_days;
            rule.folders = a.folders;
            self.plan(RuleSet { rules: vec![rule] }).await
        };
        finish(run.await)
    }

    #[tool(
        description = "A stored sort plan: its rules, counts, samples, state (planned, applying, done) and how many messages were moved so far.",
        annotations(read_only_hint = true)
    )]
    async fn sort_plan_status(&self, Parameters(a): Parameters<PlanIdArgs>) -> ToolResult {
        let id = a.plan_id;
        let run = self.cache.run(move |s| {
            let (plan, state) = s
                .sort_plan(&id)?
                .ok_or_else(|| mailcall_mail::Error::NoSortPlan(id.clone()))?;
            let progress = s.sort_progress(&id)?;
            let mut v = plan_value(&plan);
            v["state"] = json!(state);
            v["progress"] = json!(progress);
            Ok(v)
        });
        finish(run.await)
    }

    #[tool(
        description = "Apply a sort plan by its plan_id from a dry run (sort_plan or plan_auto_archive): moves exactly the planned messages on the server. Refuses unknown ids and plans made stale by later changes. Needs writes_enabled. Resumes an interrupted apply."
    )]
    async fn sort_apply(&self, Parameters(a): Parameters<PlanIdArgs>) -> ToolResult {
        finish(self.apply(a.plan_id).await)
    }
}

fn plan_value(plan: &SortPlan) -> Value {
    let targets: Vec<Value> = plan
        .targets
        .iter()
        .map(|t| {
            json!({
                "folder": t.folder,
                "count": t.count,
                "from_folders": t.from_folders,
                "samples": t.samples.iter().map(|s| json!({
                    "from": s.from,
                    "subject": s.subject,
                    "date": answer::iso_date(s.date),
                    "source": s.source,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    answer::untrusted(json!({
        "plan_id": plan.id,
        "total": plan.total(),
        "rules": plan.rules,
        "targets": targets,
    }))
}

/// The engine's rule from a tool's arguments.
pub(crate) fn rule_of(r: crate::args::RuleArgs) -> Rule {
    let mut rule = Rule::to(&r.to);
    rule.name = r.name.filter(|n| !n.trim().is_empty());
    rule.from = r.from;
    rule.list = r.list;
    rule.query = r.query;
    rule.older_than_days = r.older_than_days;
    rule.automated = r.automated;
    rule.folders = r.folders;
    rule
}

impl Bridge {
    pub(crate) async fn plan(&self, rules: RuleSet) -> Result<Value> {
        if rules.rules.is_empty() {
            return Err(Error::Argument {
                name: "rules",
                reason: "give at least one rule".to_owned(),
            });
        }
        rules.validate()?;
        let plan = self
            .cache
            .run(move |s| {
                let plan = plan_sort(&rules, s, now())?;
                s.save_sort_plan(&plan)?;
                // The window lists it as waiting for the person's approval.
                s.set_plan_origin(&plan.id, mailcall_mail::PlanOrigin::Assistant)?;
                Ok(plan)
            })
            .await?;
        let mut v = plan_value(&plan);
        v["next_step"] = json!(if plan.total() == 0 {
            "Nothing matches; adjust the rules.".to_owned()
        } else {
            format!(
                "Show these counts to the user; with their approval call sort_apply with plan_id {} (the plan also waits in the Mailcall window's Sort page, where the user can apply or discard it).",
                plan.id
            )
        });
        Ok(v)
    }

    async fn apply(&self, plan_id: String) -> Result<Value> {
        self.cache.ensure_writable()?;
        let id = plan_id.clone();
        self.cache
            .run(move |s| {
                let (plan, state) = s
                    .sort_plan(&id)?
                    .ok_or_else(|| mailcall_mail::Error::NoSortPlan(id.clone()))?;
                if state == PlanState::Planned {
                    let fresh = plan_sort(&plan.rules, s, plan.created)?;
                    if fresh.id != plan.id {
                        s.save_sort_plan(&fresh)?;
                        s.set_plan_origin(&fresh.id, mailcall_mail::PlanOrigin::Assistant)?;
                        return Err(Error::StalePlan {
                            id: id.clone(),
                            fresh: fresh.id,
                        });
                    }
                }
                Ok(())
            })
            .await?;
        let mut conn = self.cache.connect().await?;
        let mut store = self.cache.lock().await;
        // The engine's apply future borrows the store across awaits, so it is not `Send`:
        // it runs on a blocking thread that drives it to completion.
        let handle = tokio::runtime::Handle::current();
        let report = tokio::task::spawn_blocking(move || {
            handle.block_on(async move {
                let cancel = CancellationToken::new();
                let mut quiet = |_: SortEvent| {};
                let report = apply_sort_plan(
                    &mut conn,
                    &mut store,
                    &plan_id,
                    &ApplyOptions::default(),
                    &mut quiet,
                    &cancel,
                )
                .await;
                drop(store);
                conn.logout().await;
                report
            })
        })
        .await?;
        Ok(json!({ "report": report? }))
    }
}
