//! Sorting in the window: "my rules" kept in the account's configuration (the MCP server
//! reads the same list), a dry run of any rules over the cache, applying a plan in the
//! background with progress as [`AppEvent::SortProgress`], cancel, the plans an
//! assistant made waiting for approval, and the history.
//!
//! Invariants: one apply runs per account at a time (the service runs it on its queue);
//! an apply interrupted by a quit, a crash or a lost connection is resumed when the
//! account starts again (the engine's chunk journal makes that move nothing twice).

use std::sync::Arc;

use mailcall_mail::{plan_sort, ApplyOptions, PlanOrigin, Rule, RuleSet, SortEvent};
use tokio_util::sync::CancellationToken;

use crate::api::Api;
use crate::error::{ApiError, ApiResult};
use crate::live::{now, Live};
use crate::sorting_types::*;
use crate::types::{count, AppEvent};

/// Plans listed at most.
const PLANS: u32 = 50;

/// The apply running in an account.
#[derive(Clone)]
pub(crate) struct Applying {
    pub plan: String,
    pub planned: u32,
    pub moved: u32,
    pub chunks: u32,
    pub done: u32,
    pub cancel: CancellationToken,
}

fn rule_set(rules: &[SortRule]) -> ApiResult<RuleSet> {
    let set = RuleSet {
        rules: rules.iter().map(Rule::from).collect(),
    };
    set.validate()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(set)
}

impl Api {
    /// The account's saved rules, in their order.
    pub async fn sort_rules(&self, account: &str) -> ApiResult<Vec<SortRule>> {
        let config = crate::api::read_config(&self.inner.opts.config_path).await?;
        Ok(config
            .account(account)?
            .rules
            .iter()
            .map(SortRule::from)
            .collect())
    }

    /// Saves `rule` under its name, in place of `replacing` (or of a rule of the same
    /// name) when there is one, else at the end.
    pub async fn save_sort_rule(
        &self,
        account: &str,
        rule: SortRule,
        replacing: Option<String>,
    ) -> ApiResult<Vec<SortRule>> {
        let name = rule.name.trim().to_owned();
        if name.is_empty() {
            return Err(ApiError::invalid("A saved rule needs a name."));
        }
        rule_set(std::slice::from_ref(&rule))?;
        let new = Rule::from(&rule);
        self.edit_rules(account, move |rules| {
            let old = replacing.as_deref().unwrap_or(&name);
            if rules
                .iter()
                .any(|r| r.name.as_deref() == Some(name.as_str()) && name != old)
            {
                return Err(ApiError::invalid(format!(
                    "There is already a rule called {name:?}."
                )));
            }
            match rules.iter_mut().find(|r| r.name.as_deref() == Some(old)) {
                Some(slot) => *slot = new,
                None => rules.push(new),
            }
            Ok(())
        })
        .await
    }

    /// Removes the saved rule called `name`.
    pub async fn delete_sort_rule(&self, account: &str, name: String) -> ApiResult<Vec<SortRule>> {
        self.edit_rules(account, move |rules| {
            let before = rules.len();
            rules.retain(|r| r.name.as_deref() != Some(name.as_str()));
            if rules.len() == before {
                return Err(ApiError::not_found(format!("No rule is called {name:?}.")));
            }
            Ok(())
        })
        .await
    }

    async fn edit_rules(
        &self,
        account: &str,
        edit: impl FnOnce(&mut Vec<Rule>) -> ApiResult<()>,
    ) -> ApiResult<Vec<SortRule>> {
        let _edit = self.inner.config_lock.lock().await;
        let path = &self.inner.opts.config_path;
        let mut config = crate::api::read_config(path).await?;
        let slot = config
            .accounts
            .iter_mut()
            .find(|a| a.name == account)
            .ok_or_else(|| ApiError::not_found(format!("No account is called {account:?}.")))?;
        edit(&mut slot.rules)?;
        let rules = slot.rules.iter().map(SortRule::from).collect();
        crate::api::write_config(path, config).await?;
        Ok(rules)
    }

    /// A dry run of `rules` over the cache: counts per target, where the messages are,
    /// and the newest few. Nothing is stored or moved.
    pub async fn preview_sort(
        &self,
        account: &str,
        rules: Vec<SortRule>,
    ) -> ApiResult<SortPreview> {
        let live = self.live(account).await?;
        let set = rule_set(&rules)?;
        let plan = live.reads.run(move |s| plan_sort(&set, s, now())).await?;
        let preview = SortPreview {
            total: count(plan.total()),
            targets: plan
                .targets
                .iter()
                .map(|t| TargetPreview {
                    folder: t.folder.clone(),
                    count: count(t.count),
                    from_folders: t
                        .from_folders
                        .iter()
                        .map(|(f, n)| FolderCount {
                            folder: f.clone(),
                            count: count(*n),
                        })
                        .collect(),
                    samples: t.samples.iter().map(PlannedRow::from).collect(),
                })
                .collect(),
        };
        if let Ok(mut kept) = live.preview.lock() {
            *kept = Some(plan);
        }
        Ok(preview)
    }

    /// Rows `offset..offset + limit` of every message the last preview would move, in
    /// the order the plan keeps them (by source folder, then UID).
    pub async fn preview_rows(
        &self,
        account: &str,
        offset: u32,
        limit: u32,
    ) -> ApiResult<Vec<PlannedRow>> {
        let live = self.live(account).await?;
        let kept = live.preview.lock().ok().and_then(|p| p.clone());
        let plan = kept.ok_or_else(|| ApiError::not_found("Preview the rules first."))?;
        Ok(plan
            .items
            .iter()
            .skip(offset as usize)
            .take(limit.min(crate::MAX_PAGE) as usize)
            .map(PlannedRow::from)
            .collect())
    }

    /// Plans `rules` now, stores the plan and starts applying it in the background.
    pub async fn apply_sort(&self, account: &str, rules: Vec<SortRule>) -> ApiResult<SortPlanInfo> {
        let live = self.live(account).await?;
        let set = rule_set(&rules)?;
        let id = live
            .writer
            .run(move |s| {
                let plan = plan_sort(&set, s, now())?;
                s.save_sort_plan(&plan)?;
                s.set_plan_origin(&plan.id, PlanOrigin::Window)?;
                Ok(plan.id)
            })
            .await?;
        self.start_plan(&live, id).await
    }

    /// Applies a stored plan that was made elsewhere (an assistant's, waiting for
    /// approval).
    pub async fn approve_sort_plan(&self, account: &str, plan: String) -> ApiResult<SortPlanInfo> {
        let live = self.live(account).await?;
        self.start_plan(&live, plan).await
    }

    async fn start_plan(&self, live: &Arc<Live>, id: String) -> ApiResult<SortPlanInfo> {
        let info = plan_info(live, &id).await?;
        if info.stage == PlanStage::Done {
            return Err(ApiError::invalid("This plan was applied already."));
        }
        if live.applying().is_some() {
            return Err(ApiError::invalid(
                "Another sort is being applied; wait for it or cancel it.",
            ));
        }
        let chunk = self.inner.opts.live.sort_chunk;
        start_apply(live.clone(), id, (info.planned, info.moved), chunk);
        Ok(info)
    }

    /// Removes a plan that was never applied (an assistant's that the person refuses).
    pub async fn discard_sort_plan(&self, account: &str, plan: String) -> ApiResult<()> {
        let live = self.live(account).await?;
        let id = plan.clone();
        let gone = live.writer.run(move |s| s.discard_sort_plan(&id)).await?;
        if gone {
            Ok(())
        } else {
            Err(ApiError::invalid(format!(
                "Plan {plan} is not waiting to be applied."
            )))
        }
    }

    /// Stops the running apply between two server commands; what moved stays moved, and
    /// the plan can be applied again later for the rest.
    pub async fn cancel_sort(&self, account: &str) -> ApiResult<()> {
        let live = self.live(account).await?;
        let running = live
            .applying()
            .ok_or_else(|| ApiError::not_found("No sort is being applied."))?;
        running.cancel.cancel();
        Ok(())
    }

    /// The newest stored plans, newest first: waiting, applying and done.
    pub async fn sort_plans(&self, account: &str) -> ApiResult<Vec<SortPlanInfo>> {
        let live = self.live(account).await?;
        let plans = live.reads.run(|s| s.sort_plans(PLANS)).await?;
        Ok(plans.iter().map(SortPlanInfo::from).collect())
    }
}

async fn plan_info(live: &Live, id: &str) -> ApiResult<SortPlanInfo> {
    let id = id.to_owned();
    let plans = live.reads.run(|s| s.sort_plans(u32::MAX)).await?;
    plans
        .iter()
        .find(|p| p.id == id)
        .map(SortPlanInfo::from)
        .ok_or_else(|| ApiError::not_found(format!("No sort plan {id}.")))
}

/// Applies plan `id` (`planned` messages, `moved` of them by earlier runs) on the
/// account's service in a task of the account, with progress events. The caller checked
/// that no other apply runs.
pub(crate) fn start_apply(live: Arc<Live>, id: String, (planned, moved): (u32, u32), chunk: usize) {
    let cancel = live.cancel_token().child_token();
    live.set_applying(Some(Applying {
        plan: id.clone(),
        planned,
        moved,
        chunks: 0,
        done: 0,
        cancel: cancel.clone(),
    }));
    let keeper = live.clone();
    let task = tokio::spawn(async move {
        let result = match live.service() {
            Ok(service) => service
                .apply_sort(
                    &id,
                    ApplyOptions {
                        chunk_size: chunk.max(1),
                    },
                    cancel,
                )
                .await
                .map_err(ApiError::from),
            Err(e) => Err(e),
        };
        let last = live.applying();
        live.set_applying(None);
        let error = result.as_ref().err().cloned();
        let moved = match &result {
            Ok(r) => count(r.moved),
            Err(_) => last.as_ref().map_or(0, |a| a.moved),
        };
        live.emit(AppEvent::SortProgress {
            account: live.account.name.clone(),
            plan: id,
            planned,
            moved,
            chunks: last.as_ref().map_or(0, |a| a.chunks),
            done: last.as_ref().map_or(0, |a| a.done),
            finished: true,
            error,
        });
        live.orders.forget();
        live.emit(AppEvent::FoldersChanged {
            account: live.account.name.clone(),
        });
    });
    keeper.keep_task(task);
}

/// Resumes the applies an earlier run left unfinished, one after another.
pub(crate) async fn resume(live: Arc<Live>, chunk: usize) {
    let Ok(ids) = live.reads.run(|s| s.unfinished_sort_plans()).await else {
        return;
    };
    for id in ids {
        let Ok(info) = plan_info(&live, &id).await else {
            continue;
        };
        tracing::info!(plan = %id, "resuming an interrupted sort");
        start_apply(live.clone(), id, (info.planned, info.moved), chunk);
        // One at a time: wait for it to end before the next.
        while live.applying().is_some() {
            if live.cancel_token().is_cancelled() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}

/// Folds an engine progress event into the running apply and announces it.
pub(crate) fn on_sort_event(live: &Live, e: SortEvent) {
    let Some(mut a) = live.applying() else {
        return;
    };
    match e {
        SortEvent::Started { chunks, done, .. } => {
            a.chunks = count(chunks);
            a.done = count(done);
        }
        SortEvent::ChunkDone { done, of, moved } => {
            a.chunks = count(of);
            a.done = count(done);
            a.moved = a.moved.saturating_add(count(moved));
        }
        _ => return,
    }
    live.emit(AppEvent::SortProgress {
        account: live.account.name.clone(),
        plan: a.plan.clone(),
        planned: a.planned,
        moved: a.moved,
        chunks: a.chunks,
        done: a.done,
        finished: false,
        error: None,
    });
    live.set_applying(Some(a));
}
