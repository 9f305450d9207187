//! The mailbox's big questions in the window: who is waiting for my reply (with
//! conversations marked handled kept in the cache), and who sends me what (top senders
//! and domains, machines against people month by month, senders never opened, each
//! address with its class and why). Everything is counted in the core; the page only
//! draws.

use std::collections::HashMap;

use mailcall_mail::journal::is_provisional;
use mailcall_mail::{Mark, MessageId, SenderKey, SenderRecord, Uid};

use crate::api::Api;
use crate::error::{ApiError, ApiResult};
use crate::insights_types::*;
use crate::live::now;
use crate::types::{count, parse_id, MessageRow};

/// Most conversations one waiting call returns.
pub const MAX_WAITING: u32 = 1_000;
/// Most senders per ranking.
pub const MAX_SENDERS: u32 = 100;
/// Most messages one `first_lines` call reads (and fetches).
pub const MAX_FIRST_LINES: usize = 100;

impl Api {
    /// The conversations waiting for my reply in `period`, newest first, at most `limit`.
    pub async fn waiting(
        &self,
        account: &str,
        period: PeriodArg,
        limit: u32,
    ) -> ApiResult<WaitingPage> {
        let live = self.live(account).await?;
        let me = live.account.addresses.clone();
        let limit = limit.clamp(1, MAX_WAITING) as usize;
        live.reads
            .run(move |s| {
                let me: Vec<&str> = me.iter().map(String::as_str).collect();
                let all = s.waiting_for_reply(&me, period.core(), u32::MAX)?;
                let shown: Vec<_> = all.iter().take(limit).collect();
                let ids: Vec<_> = shown.iter().map(|m| m.id).collect();
                let mut lines = s.first_lines(&ids)?;
                Ok(WaitingPage {
                    total: count(all.len()),
                    rows: shown
                        .into_iter()
                        .map(|m| WaitingRow {
                            message: MessageRow::from(m),
                            first_line: lines.remove(&m.id),
                        })
                        .collect(),
                })
            })
            .await
    }

    /// The first line of each message in `ids` (at most [`MAX_FIRST_LINES`]), fetching
    /// the bodies the cache lacks from the server first (`BODY.PEEK`: nothing is marked
    /// read). Offline, or for a body the server refuses, a message has no line.
    pub async fn first_lines(&self, account: &str, ids: Vec<String>) -> ApiResult<Vec<FirstLine>> {
        let live = self.live(account).await?;
        let ids: Vec<MessageId> = ids
            .iter()
            .take(MAX_FIRST_LINES)
            .map(|i| parse_id(i))
            .collect::<ApiResult<_>>()?;
        let asked = ids.clone();
        let (known, missing) = live
            .reads
            .run(move |s| {
                let lines = s.first_lines(&asked)?;
                let missing = s.summaries(&asked)?;
                Ok((lines, missing))
            })
            .await?;
        let mut by_folder: HashMap<String, Vec<Uid>> = HashMap::new();
        for m in missing.iter().filter(|m| !known.contains_key(&m.id)) {
            if !is_provisional(m.uid) {
                by_folder
                    .entry(m.mailbox_name.clone())
                    .or_default()
                    .push(m.uid);
            }
        }
        if !by_folder.is_empty() {
            if let Ok(service) = live.service() {
                for (folder, uids) in &by_folder {
                    if let Err(e) = service.fetch_bodies(folder, uids).await {
                        tracing::debug!(%folder, error = %e, "no bodies for first lines");
                    }
                }
            }
        }
        let asked = ids.clone();
        let mut lines = live.reads.run(move |s| s.first_lines(&asked)).await?;
        Ok(ids
            .into_iter()
            .map(|id| FirstLine {
                id: id.0.to_string(),
                line: lines.remove(&id),
            })
            .collect())
    }

    /// How many conversations wait for my reply from each of the last `days` (one read
    /// of the longest period, counted by date).
    pub async fn waiting_counts(
        &self,
        account: &str,
        days: Vec<u32>,
    ) -> ApiResult<Vec<WaitingCount>> {
        let live = self.live(account).await?;
        let me = live.account.addresses.clone();
        let today = now();
        let longest = days.iter().copied().max().unwrap_or(0);
        let start = today - i64::from(longest) * 86_400;
        let dates: Vec<i64> = live
            .reads
            .run(move |s| {
                let me: Vec<&str> = me.iter().map(String::as_str).collect();
                let period = mailcall_mail::Period {
                    start: Some(start),
                    end: None,
                };
                let rows = s.waiting_for_reply(&me, period, u32::MAX)?;
                Ok(rows.iter().map(|m| m.date).collect())
            })
            .await?;
        Ok(days
            .into_iter()
            .map(|d| WaitingCount {
                days: d,
                count: count(
                    dates
                        .iter()
                        .filter(|&&t| t >= today - i64::from(d) * 86_400)
                        .count(),
                ),
            })
            .collect())
    }

    /// Marks the conversation of message `id` handled (it leaves the waiting list until a
    /// newer message arrives in it), or takes the mark back.
    pub async fn set_handled(&self, account: &str, id: String, handled: bool) -> ApiResult<()> {
        let live = self.live(account).await?;
        let id = parse_id(&id)?;
        live.writer
            .run(move |s| {
                let Some(m) = s.summaries(&[id])?.into_iter().next() else {
                    return Ok(false);
                };
                s.set_handled(&m.message_id, handled, now())?;
                Ok(true)
            })
            .await?
            .then_some(())
            .ok_or_else(|| {
                ApiError::not_found(format!("Message {} is not in the cache any more.", id.0))
            })
    }

    /// Who sends me what in `period`: the `limit` top addresses and domains, the
    /// automated share by month, and the senders never opened.
    pub async fn senders_report(
        &self,
        account: &str,
        period: PeriodArg,
        limit: u32,
    ) -> ApiResult<SendersReport> {
        let live = self.live(account).await?;
        let me = live.account.addresses.clone();
        let limit = limit.clamp(1, MAX_SENDERS);
        live.reads
            .run(move |s| {
                let me: Vec<&str> = me.iter().map(String::as_str).collect();
                let p = period.core();
                let addresses = s.top_senders(SenderKey::Address, &me, p, limit)?;
                let domains = s.top_senders(SenderKey::Domain, &me, p, limit)?;
                let share = s.automation_share(p)?;
                let months = s.automation_by_month(p)?;
                let never = s.never_opened(&me, p, 1)?;
                let keys: Vec<&str> = addresses
                    .iter()
                    .chain(never.iter().take(limit as usize))
                    .map(|c| c.key.as_str())
                    .collect();
                let classes = s.sender_classes(&keys)?;
                let stat = |c: &mailcall_mail::SenderCount, address: bool| {
                    let class = address
                        .then(|| classes.get(&c.key.to_lowercase()))
                        .flatten();
                    sender_stat(&c.key, c.count, class)
                };
                Ok(SendersReport {
                    top_addresses: addresses.iter().map(|c| stat(c, true)).collect(),
                    top_domains: domains.iter().map(|c| stat(c, false)).collect(),
                    automated: count(share.automated),
                    human: count(share.human),
                    months: months
                        .into_iter()
                        .map(|m| MonthStat {
                            month: m.month,
                            automated: count(m.automated),
                            human: count(m.human),
                        })
                        .collect(),
                    never_opened_total: count(never.len()),
                    never_opened: never
                        .iter()
                        .take(limit as usize)
                        .map(|c| stat(c, true))
                        .collect(),
                })
            })
            .await
    }

    /// Sets or clears a person's word on `address`; its mail follows at once everywhere.
    pub async fn mark_sender(
        &self,
        account: &str,
        address: String,
        mark: SenderMark,
    ) -> ApiResult<SenderStat> {
        let live = self.live(account).await?;
        let address = address.trim().to_lowercase();
        if !address.contains('@') {
            return Err(ApiError::invalid(format!(
                "{address:?} is not a mail address."
            )));
        }
        let me = live.account.addresses.clone();
        let mark = match mark {
            SenderMark::Person => Mark::Person,
            SenderMark::Machine => Mark::Machine,
            SenderMark::Auto => Mark::Auto,
        };
        let r = live
            .writer
            .run(move |s| {
                let me: Vec<&str> = me.iter().map(String::as_str).collect();
                s.mark_sender(&address, mark, &me)
            })
            .await?;
        Ok(sender_stat(&r.address, r.messages, Some(&r)))
    }
}

fn sender_stat(key: &str, n: u64, class: Option<&SenderRecord>) -> SenderStat {
    SenderStat {
        key: key.to_owned(),
        count: count(n),
        kind: class.map(|c| c.kind.into()),
        overridden: class.is_some_and(|c| c.overridden.is_some()),
        why: class
            .map(|c| c.why.iter().map(|r| r.text.clone()).collect())
            .unwrap_or_default(),
    }
}
