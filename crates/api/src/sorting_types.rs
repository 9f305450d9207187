//! What crosses to the page about sorting: rules as the editor holds them, a dry run's
//! preview, stored plans, and the progress of an apply.

use mailcall_mail::{PlanOrigin, PlanState, PlanSummary, PlannedMove, Rule};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::types::count;

/// A sort rule as the editor holds it (see [`mailcall_mail::Rule`] for each condition).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SortRule {
    /// Required for a saved rule ("my rules"); a rule only previewed may have none.
    pub name: String,
    /// The target folder.
    pub to: String,
    /// Sender addresses or domains.
    pub from: Vec<String>,
    /// Part of the List-Id.
    pub list: Option<String>,
    /// A query in the search language.
    pub query: Option<String>,
    pub older_than_days: Option<u32>,
    /// `true`: only mail from machines; `false`: only from people.
    pub automated: Option<bool>,
    /// Source folders; INBOX when empty.
    pub folders: Vec<String>,
}

impl From<&SortRule> for Rule {
    fn from(r: &SortRule) -> Rule {
        let text = |s: &Option<String>| {
            s.as_ref()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Rule {
            name: Some(r.name.trim().to_owned()).filter(|n| !n.is_empty()),
            to: r.to.trim().to_owned(),
            from: r
                .from
                .iter()
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty())
                .collect(),
            list: text(&r.list),
            query: text(&r.query),
            older_than_days: r.older_than_days,
            automated: r.automated,
            folders: r
                .folders
                .iter()
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty())
                .collect(),
        }
    }
}

impl From<&Rule> for SortRule {
    fn from(r: &Rule) -> SortRule {
        SortRule {
            name: r.name.clone().unwrap_or_default(),
            to: r.to.clone(),
            from: r.from.clone(),
            list: r.list.clone(),
            query: r.query.clone(),
            older_than_days: r.older_than_days,
            automated: r.automated,
            folders: r.folders.clone(),
        }
    }
}

/// One message a plan moves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlannedRow {
    pub source: String,
    pub target: String,
    pub subject: String,
    pub from: String,
    /// Unix seconds.
    pub date: f64,
}

impl From<&PlannedMove> for PlannedRow {
    fn from(m: &PlannedMove) -> PlannedRow {
        PlannedRow {
            source: m.source.clone(),
            target: m.target.clone(),
            subject: m.subject.clone(),
            from: m.from.clone(),
            date: m.date as f64,
        }
    }
}

/// A folder and a number of messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FolderCount {
    pub folder: String,
    pub count: u32,
}

/// What a dry run sends to one folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TargetPreview {
    pub folder: String,
    pub count: u32,
    /// Where the messages are now.
    pub from_folders: Vec<FolderCount>,
    /// The newest few.
    pub samples: Vec<PlannedRow>,
}

/// A dry run of rules over the cache: nothing moves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SortPreview {
    pub total: u32,
    pub targets: Vec<TargetPreview>,
}

/// Who made a stored plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum PlanMaker {
    Window,
    /// An AI assistant over MCP: the plan waits for approval here.
    Assistant,
    Cli,
}

/// Where a stored plan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum PlanStage {
    Planned,
    Applying,
    Done,
}

/// A stored plan, for the history and the plans waiting for approval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SortPlanInfo {
    pub id: String,
    /// Unix seconds.
    pub created: f64,
    pub maker: PlanMaker,
    pub stage: PlanStage,
    pub planned: u32,
    pub moved: u32,
    /// Planned messages that were gone when applied.
    pub missing: u32,
    pub chunks: u32,
    pub chunks_done: u32,
    pub targets: Vec<FolderCount>,
}

impl From<&PlanSummary> for SortPlanInfo {
    fn from(p: &PlanSummary) -> SortPlanInfo {
        SortPlanInfo {
            id: p.id.clone(),
            created: p.created as f64,
            maker: match p.origin {
                PlanOrigin::Window => PlanMaker::Window,
                PlanOrigin::Assistant => PlanMaker::Assistant,
                PlanOrigin::Cli => PlanMaker::Cli,
            },
            stage: match p.state {
                PlanState::Planned => PlanStage::Planned,
                PlanState::Applying => PlanStage::Applying,
                PlanState::Done => PlanStage::Done,
            },
            planned: count(p.planned),
            moved: count(p.progress.moved),
            missing: count(p.progress.missing),
            chunks: count(p.progress.chunks),
            chunks_done: count(p.progress.done),
            targets: p
                .targets
                .iter()
                .map(|(folder, n)| FolderCount {
                    folder: folder.clone(),
                    count: count(*n),
                })
                .collect(),
        }
    }
}
