//! What crosses to the page about "waiting for my reply" and the senders view.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::types::MessageRow;

/// A half-open period `[start, end)` in Unix seconds; a missing side is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PeriodArg {
    pub start: Option<f64>,
    pub end: Option<f64>,
}

impl PeriodArg {
    pub(crate) fn core(self) -> mailcall_mail::Period {
        mailcall_mail::Period {
            start: self.start.map(|s| s.floor() as i64),
            end: self.end.map(|e| e.ceil() as i64),
        }
    }
}

/// One conversation waiting for my reply: its last message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WaitingRow {
    pub message: MessageRow,
    /// The first line of the message's text, when its body is cached.
    pub first_line: Option<String>,
}

/// Conversations waiting for my reply in a period, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WaitingPage {
    pub rows: Vec<WaitingRow>,
    /// Every waiting conversation of the period (`rows` may hold fewer).
    pub total: u32,
}

/// How many conversations wait for my reply from the last `days` days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WaitingCount {
    pub days: u32,
    pub count: u32,
}

/// Machine or person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SenderKindName {
    Person,
    Machine,
}

impl From<mailcall_mail::SenderKind> for SenderKindName {
    fn from(k: mailcall_mail::SenderKind) -> SenderKindName {
        match k {
            mailcall_mail::SenderKind::Person => SenderKindName::Person,
            mailcall_mail::SenderKind::Machine => SenderKindName::Machine,
        }
    }
}

/// What a person says about a sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SenderMark {
    Person,
    Machine,
    /// The evidence decides again.
    Auto,
}

/// A sender address (or a domain) with its messages in the period and, for an address,
/// its class and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SenderStat {
    pub key: String,
    pub count: u32,
    /// `None` for a domain, or an address never decided.
    pub kind: Option<SenderKindName>,
    /// Set by a person rather than decided.
    pub overridden: bool,
    /// The reasons, in words.
    pub why: Vec<String>,
}

/// Automated and human messages of one calendar month (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MonthStat {
    /// `YYYY-MM`.
    pub month: String,
    pub automated: u32,
    pub human: u32,
}

/// Who sends me what in a period; every figure is counted in the core.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SendersReport {
    pub top_addresses: Vec<SenderStat>,
    pub top_domains: Vec<SenderStat>,
    pub automated: u32,
    pub human: u32,
    pub months: Vec<MonthStat>,
    /// Senders none of whose messages in the period I opened, most messages first.
    pub never_opened: Vec<SenderStat>,
    /// All such senders (`never_opened` may hold fewer).
    pub never_opened_total: u32,
}

/// The first line of a message's text; `None` when its body is not to be had (offline).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FirstLine {
    pub id: String,
    pub line: Option<String>,
}
