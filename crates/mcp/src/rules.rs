//! Saved sort rules ("my rules"): the same list the Mailcall window edits, kept in the
//! account's configuration. An assistant reads it, adds or replaces a rule, removes one,
//! and runs saved rules as a dry run (a plan to show the user and apply with sort_apply,
//! which the window also lists for approval). Changing the list needs writes_enabled.

use mailcall_mail::{Config, Rule, RuleSet};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::json;

use crate::answer::{finish, ToolResult};
use crate::args::{NoArgs, RuleNameArgs, RunRulesArgs, SaveRuleArgs};
use crate::error::{Error, Result};
use crate::sort::rule_of;
use crate::Bridge;

#[tool_router(router = rules_router, vis = "pub(crate)")]
impl Bridge {
    #[tool(
        description = "The user's saved sort rules (also shown and edited in the Mailcall window), in order.",
        annotations(read_only_hint = true)
    )]
    async fn list_rules(&self, Parameters(_): Parameters<NoArgs>) -> ToolResult {
        let run = async {
            let rules = self.saved_rules()?;
            Ok(json!({ "rules": rules, "count": rules.len() }))
        };
        finish(run.await)
    }

    #[tool(
        description = "Save a sort rule under its name (replacing a saved rule of the same name). Nothing moves; run it with run_rules. Needs writes_enabled."
    )]
    async fn save_rule(&self, Parameters(a): Parameters<SaveRuleArgs>) -> ToolResult {
        let run = async {
            let rule = rule_of(a.rule);
            let name = rule.name.clone().ok_or_else(|| Error::Argument {
                name: "rule.name",
                reason: "a saved rule needs a name".to_owned(),
            })?;
            rule.validate(0)?;
            let rules = self.edit_rules(|rules| {
                match rules.iter_mut().find(|r| r.name.as_ref() == Some(&name)) {
                    Some(slot) => *slot = rule,
                    None => rules.push(rule),
                }
                Ok(())
            })?;
            Ok(json!({ "saved": name, "rules": rules }))
        };
        finish(run.await)
    }

    #[tool(description = "Remove a saved sort rule by name. Needs writes_enabled.")]
    async fn delete_rule(&self, Parameters(a): Parameters<RuleNameArgs>) -> ToolResult {
        let run = async {
            let rules = self.edit_rules(|rules| {
                let before = rules.len();
                rules.retain(|r| r.name.as_deref() != Some(a.name.as_str()));
                if rules.len() == before {
                    return Err(Error::Argument {
                        name: "name",
                        reason: format!("no saved rule is called {:?}", a.name),
                    });
                }
                Ok(())
            })?;
            Ok(json!({ "deleted": a.name, "rules": rules }))
        };
        finish(run.await)
    }

    #[tool(
        description = "Dry run of saved rules (by name, or all): nothing moves. Returns a plan_id with counts and samples per target folder, like sort_plan; show it to the user and apply with sort_apply (the plan also waits in the Mailcall window for approval).",
        annotations(read_only_hint = true)
    )]
    async fn run_rules(&self, Parameters(a): Parameters<RunRulesArgs>) -> ToolResult {
        let run = async {
            let saved = self.saved_rules()?;
            let rules: Vec<Rule> = if a.names.is_empty() {
                saved
            } else {
                a.names
                    .iter()
                    .map(|n| {
                        saved
                            .iter()
                            .find(|r| r.name.as_deref() == Some(n.as_str()))
                            .cloned()
                            .ok_or_else(|| Error::Argument {
                                name: "names",
                                reason: format!("no saved rule is called {n:?}"),
                            })
                    })
                    .collect::<Result<_>>()?
            };
            self.plan(RuleSet { rules }).await
        };
        finish(run.await)
    }
}

impl Bridge {
    /// The saved rules as the configuration holds them now (the window may have changed
    /// them since the bridge started).
    fn saved_rules(&self) -> Result<Vec<Rule>> {
        let path = self.config_path()?;
        let config = Config::load(path)?;
        Ok(config.pick(Some(&self.cache.account().name))?.rules.clone())
    }

    fn edit_rules(&self, edit: impl FnOnce(&mut Vec<Rule>) -> Result<()>) -> Result<Vec<Rule>> {
        self.cache.ensure_writable()?;
        let path = self.config_path()?;
        let mut config = Config::load(path)?;
        let name = self.cache.account().name.clone();
        let account = config
            .accounts
            .iter_mut()
            .find(|a| a.name == name)
            .ok_or_else(|| Error::Argument {
                name: "account",
                reason: format!("the configuration has no account {name:?} any more"),
            })?;
        edit(&mut account.rules)?;
        let rules = account.rules.clone();
        config.save(path)?;
        Ok(rules)
    }

    fn config_path(&self) -> Result<&std::path::Path> {
        self.config.as_deref().ok_or_else(|| Error::Argument {
            name: "rules",
            reason: "this server was started without a configuration file to keep rules in"
                .to_owned(),
        })
    }
}
