//! Errors of the MCP bridge. Each says what was wrong and, through [`Error::advice`],
//! what the assistant can do next; tools turn them into `isError: true` results.

/// What went wrong in a tool call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0}")]
    Mail(#[from] mailcall_mail::Error),
    #[error("account {account} is read-only for assistants")]
    ReadOnly { account: String },
    #[error("no folder {0:?} in the cache")]
    NoFolder(String),
    #[error("no message with id {0} in the cache")]
    NoMessage(i64),
    #[error("invalid argument {name}: {reason}")]
    Argument { name: &'static str, reason: String },
    #[error("{count} messages is a bulk change; at most {max} can be changed directly")]
    Bulk { count: usize, max: usize },
    #[error("sort plan {id} is stale: the cache changed since the dry run")]
    StalePlan { id: String, fresh: String },
    #[error("the body of message {0} is not in the cache and the server could not be reached")]
    BodyUnavailable(i64),
    #[error("the cache is busy with another writer")]
    Busy,
    #[error("background task failed")]
    Join(#[from] tokio::task::JoinError),
}

impl Error {
    /// One or two sentences an assistant can act on.
    pub fn advice(&self) -> String {
        use mailcall_mail::Error as M;
        match self {
            Error::Mail(M::Query(q)) => format!(
                "The search query is not valid at character {}: {}. Fix the query \
                 (fields: from: to: cc: subject: body: folder: list: date:YYYY-MM-DD..YYYY-MM-DD \
                 before: after: has:attachment is:unread is:flagged is:replied, \"phrases\", OR, -not) and retry.",
                q.position, q.message
            ),
            Error::Mail(M::NoSortPlan(id)) => format!(
                "No sort plan {id} exists. Make one with sort_plan (a dry run) and apply the id it returns."
            ),
            Error::Mail(M::NoPassword(a)) => format!(
                "No password is stored for account {a}; the user must run `mailcall-cli account set-password {a}`. Cached reads still work."
            ),
            Error::Mail(M::WrongKey { .. }) => {
                "The encrypted cache cannot be unlocked with the key in the OS keyring; the user must check the keyring.".to_owned()
            }
            Error::Mail(M::InvalidRule { .. }) => {
                "Fix the rule: each needs a target folder `to` and at least one condition (from, list, query, older_than_days, automated).".to_owned()
            }
            Error::Mail(M::NoDraftsFolder) => {
                "No Drafts folder is known: run sync_cache once, or the user sets folders.drafts in the account.".to_owned()
            }
            Error::Mail(e) if e.is_transient() => {
                "The mail server cannot be reached right now; cached reads still work. Retry later.".to_owned()
            }
            Error::Mail(e) => format!("The mail engine failed: {}.", chain(e)),
            Error::ReadOnly { account } => format!(
                "Changes are disabled for account {account}. Tell the user; they can set `mcp_writes = true` for this account in the Mailcall configuration and restart the server."
            ),
            Error::NoFolder(_) => "Call list_folders for the exact folder names.".to_owned(),
            Error::NoMessage(_) => {
                "Message ids come from list_messages, search or find_messages; the message may have been moved or deleted since, so search again.".to_owned()
            }
            Error::Argument { .. } => "Correct the argument and call again.".to_owned(),
            Error::Bulk { .. } => {
                "For bulk changes make a dry run with sort_plan (rules with a target folder), show the counts to the user, then call sort_apply with the plan id.".to_owned()
            }
            Error::StalePlan { fresh, .. } => format!(
                "Review the fresh dry run {fresh} (sort_plan_status) and apply that id instead."
            ),
            Error::BodyUnavailable(_) => {
                "Use the headers for now, or call sync_cache with bodies=true when the server is reachable.".to_owned()
            }
            Error::Busy => "Another program is writing the cache; retry in a few seconds.".to_owned(),
            Error::Join(_) => "Retry the call.".to_owned(),
        }
    }

    /// True when SQLite reported the database busy or locked: worth another try.
    pub fn is_busy(&self) -> bool {
        match self {
            Error::Mail(e) => e.is_busy(),
            Error::Busy => true,
            _ => false,
        }
    }
}

/// The error and its causes on one line.
pub use mailcall_mail::sync::error_chain as chain;

pub type Result<T, E = Error> = std::result::Result<T, E>;
