//! Sort rules: which cached messages go to which folder. A rule is a conjunction of
//! conditions (sender address or domain, list id, a query in the search language, age,
//! automated or human) over some source folders; rules are tried in order and the first
//! that matches a message decides its target.
//!
//! Rules compile to the search language's AST ([`Query`]), so a rule means exactly what
//! the same search would show, and every user value reaches SQLite as a bound parameter.
//!
//! The rules file is TOML:
//! ```toml
//! [[rule]]
//! name = "github"
//! to = "Lists.GitHub"
//! from = ["github.com", "noreply@github.com"]   # any of these (address or domain)
//! list = "github"                                # part of the List-Id
//! query = "-subject:security"                    # the search language
//! older_than_days = 30
//! automated = true                               # false: only mail from people
//! folders = ["INBOX"]                            # where to look; INBOX by default
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::query::{self, Query, Status, Term, TextField};

const DAY: i64 = 86_400;

/// One rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// For reports; defaults to the rule's position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The target folder, as the server names it.
    pub to: String,
    /// Sender addresses or domains; a message matches when its sender is any of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<String>,
    /// Part of the List-Id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// A query in the search language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Only messages dated more than this many days before the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than_days: Option<u32>,
    /// `true`: only automated mail (lists, bulk, auto-submitted, no-reply senders);
    /// `false`: only mail from people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated: Option<bool>,
    /// Source folders (names or special-use roles such as `inbox`); INBOX when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<String>,
}

/// Rules in the order they are tried.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

impl Rule {
    /// A rule moving mail of `to` with every condition left open.
    pub fn to(folder: &str) -> Rule {
        Rule {
            to: folder.to_owned(),
            ..Rule::default()
        }
    }

    /// The name shown in reports.
    pub fn label(&self, index: usize) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("rule {}", index + 1))
    }

    /// The source folders, INBOX when none are given.
    pub fn sources(&self) -> Vec<String> {
        if self.folders.is_empty() {
            vec!["INBOX".to_owned()]
        } else {
            self.folders.clone()
        }
    }

    /// Checks what can be checked without the cache: a target, at least one condition
    /// (a rule without one would move a whole folder by accident), a valid query.
    pub fn validate(&self, index: usize) -> Result<()> {
        let bad = |reason: &str| Error::InvalidRule {
            rule: self.label(index),
            reason: reason.to_owned(),
        };
        if self.to.trim().is_empty() {
            return Err(bad("the target folder is empty"));
        }
        let has_condition = !self.from.is_empty()
            || self.list.is_some()
            || self.query.is_some()
            || self.older_than_days.is_some()
            || self.automated.is_some();
        if !has_condition {
            return Err(bad(
                "a rule needs at least one condition (from, list, query, older_than_days, automated)",
            ));
        }
        if self.from.iter().any(|f| f.trim().is_empty()) {
            return Err(bad("an empty sender in `from`"));
        }
        if let Some(q) = &self.query {
            query::parse(q)?;
        }
        Ok(())
    }

    /// The condition of the rule as a query, for messages dated before `now` minus the
    /// age. The source folders are part of it; the target is not excluded here.
    pub fn to_query(&self, now: i64) -> Result<Query> {
        let mut all = Vec::new();
        let folders: Vec<Query> = self
            .sources()
            .into_iter()
            .map(|f| Query::Term(Term::Folder(f)))
            .collect();
        // Each disjunction is wrapped in a one-item conjunction: the compiler puts
        // parentheses around conjunction items, and a bare OR next to other conditions
        // would otherwise bind looser than the AND joining them.
        all.push(Query::And(vec![Query::Or(folders)]));
        if !self.from.is_empty() {
            let senders = self
                .from
                .iter()
                .map(|f| {
                    Query::Term(Term::Text {
                        field: TextField::From,
                        text: f.trim().to_lowercase(),
                        phrase: false,
                        prefix: false,
                    })
                })
                .collect();
            all.push(Query::And(vec![Query::Or(senders)]));
        }
        if let Some(list) = &self.list {
            all.push(Query::Term(Term::List(list.clone())));
        }
        if let Some(days) = self.older_than_days {
            all.push(Query::Term(Term::Date {
                start: None,
                end: Some(now - i64::from(days) * DAY),
            }));
        }
        match self.automated {
            Some(true) => all.push(Query::Term(Term::Is(Status::Automated))),
            Some(false) => all.push(Query::Term(Term::Is(Status::Human))),
            None => {}
        }
        if let Some(q) = &self.query {
            match query::parse(q)? {
                Query::And(items) => all.extend(items.into_iter().map(|q| match q {
                    Query::Or(_) => Query::And(vec![q]),
                    other => other,
                })),
                Query::Or(items) => all.push(Query::And(vec![Query::Or(items)])),
                other => all.push(other),
            }
        }
        Ok(Query::And(all))
    }
}

impl RuleSet {
    /// Parses and checks a rules file's text.
    pub fn parse(text: &str) -> Result<RuleSet> {
        let set: RuleSet = toml::from_str(text).map_err(|e| Error::InvalidRule {
            rule: "rules file".to_owned(),
            reason: e.message().to_owned(),
        })?;
        set.validate()?;
        Ok(set)
    }

    /// Reads and checks a rules file.
    pub fn load(path: &Path) -> Result<RuleSet> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ConfigFile {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        RuleSet::parse(&text)
    }

    pub fn validate(&self) -> Result<()> {
        if self.rules.is_empty() {
            return Err(Error::InvalidRule {
                rule: "rules file".to_owned(),
                reason: "no rules".to_owned(),
            });
        }
        for (i, r) in self.rules.iter().enumerate() {
            r.validate(i)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_file_parses_in_order() {
        let set = RuleSet::parse(
            r#"
            [[rule]]
            to = "Lists"
            list = "rust"
            [[rule]]
            name = "old bulk"
            to = "Archive"
            automated = true
            older_than_days = 30
            folders = ["INBOX", "Later"]
            "#,
        )
        .expect("valid rules");
        assert_eq!(set.rules.len(), 2);
        assert_eq!(set.rules[0].label(0), "rule 1");
        assert_eq!(set.rules[1].label(1), "old bulk");
        assert_eq!(set.rules[1].sources(), ["INBOX", "Later"]);
    }

    #[test]
    fn rules_without_condition_or_with_bad_query_are_refused() {
        assert!(RuleSet::parse("[[rule]]\nto = \"X\"\n").is_err());
        assert!(RuleSet::parse("[[rule]]\nto = \"X\"\nquery = \"(\"\n").is_err());
        assert!(
            RuleSet::parse("[[rule]]\nto = \"X\"\nfrom = [\"a.example\"]\nbogus = 1\n").is_err()
        );
        assert!(RuleSet::parse("").is_err());
    }

    #[test]
    fn age_becomes_a_date_bound() {
        let mut r = Rule::to("Old");
        r.older_than_days = Some(2);
        let q = r.to_query(10 * DAY).expect("query");
        let Query::And(parts) = q else {
            panic!("a conjunction")
        };
        assert!(parts.contains(&Query::Term(Term::Date {
            start: None,
            end: Some(8 * DAY)
        })));
    }
}
