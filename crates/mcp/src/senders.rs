//! Sender tools: a sender's class (machine or person) and why, and a person's override
//! of it. The override changes only the local cache (how this mailbox sorts its own
//! mail: "waiting for my reply", `is:automated`, sender reports), nothing on the server,
//! but it is still a change made on the user's behalf, so it needs writes_enabled like
//! every other change.

use mailcall_mail::Mark;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::json;

use crate::answer::{self, finish, ToolResult};
use crate::args::{MarkSenderArgs, SenderArgs, SenderMark};
use crate::error::{Error, Result};
use crate::Bridge;

#[tool_router(router = senders_router, vis = "pub(crate)")]
impl Bridge {
    #[tool(
        description = "Whether a sender address is a machine or a person, and why (machine-readable reason codes with text), as decided from headers and the mailbox's own evidence or set by the user.",
        annotations(read_only_hint = true)
    )]
    async fn sender_class(&self, Parameters(a): Parameters<SenderArgs>) -> ToolResult {
        let address = a.address.clone();
        let run = async {
            let r = self.cache.run(move |s| Ok(s.sender(&address)?)).await?;
            let r = r.ok_or_else(|| Error::Argument {
                name: "address",
                reason: format!("{} has not sent mail that the cache holds", a.address),
            })?;
            Ok(json!({
                "address": r.address,
                "messages": r.messages,
                "decided": r.decided,
                "class": answer::sender_class(Some(&r)),
            }))
        };
        finish(run.await)
    }

    #[tool(
        description = "Mark a sender as a person or a machine (mark=person|machine), or give the decision back to the evidence (mark=auto). Their messages follow at once in waiting_for_reply, search is:automated / is:human and sender reports. Local to this mailbox; needs writes_enabled."
    )]
    async fn mark_sender(&self, Parameters(a): Parameters<MarkSenderArgs>) -> ToolResult {
        finish(self.mark(a).await)
    }
}

impl Bridge {
    async fn mark(&self, a: MarkSenderArgs) -> Result<serde_json::Value> {
        self.cache.ensure_writable()?;
        let address = a.address.trim().to_lowercase();
        if !address.contains('@') {
            return Err(Error::Argument {
                name: "address",
                reason: format!("{:?} is not an email address", a.address),
            });
        }
        let mark = match a.mark {
            SenderMark::Person => Mark::Person,
            SenderMark::Machine => Mark::Machine,
            SenderMark::Auto => Mark::Auto,
        };
        let me = self.me();
        let r = self
            .cache
            .run(move |s| {
                let me: Vec<&str> = me.iter().map(String::as_str).collect();
                Ok(s.mark_sender(&address, mark, &me)?)
            })
            .await?;
        Ok(json!({
            "address": r.address,
            "messages": r.messages,
            "decided": r.decided,
            "class": answer::sender_class(Some(&r)),
        }))
    }
}
