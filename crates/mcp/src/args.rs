//! The arguments of every tool. Doc comments become the JSON-schema descriptions the
//! assistant reads, so they say what a value means and what its default is.

use schemars::JsonSchema;
use serde::Deserialize;

/// Nothing to give.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListMessagesArgs {
    /// Folder name as list_folders shows it, e.g. "INBOX" or "Personal.Família" (the
    /// server's modified UTF-7 spelling, "Personal.Fam&AO0-lia", works too).
    pub folder: String,
    /// `next_cursor` from the previous page; leave out for the first page.
    pub cursor: Option<String>,
    /// Messages per page, 1-200 (default 25).
    pub limit: Option<u32>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Newest first (default).
    #[default]
    Newest,
    /// Best text match first.
    Relevance,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// A query in the search language: words and "phrases" (all must match), `from:` `to:`
    /// `cc:` `subject:` `body:` `folder:` `list:`, `date:2025-01..2025-03`, `before:2025-01-01`,
    /// `after:2024-12-31`, `has:attachment`, `is:unread` `is:flagged` `is:replied`, `OR`,
    /// `-term` to exclude, parentheses. Example: `from:github.com is:unread -subject:digest`.
    pub query: String,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// Results per page, 1-200 (default 25).
    pub limit: Option<u32>,
    /// `newest` (default) or `relevance`.
    #[serde(default)]
    pub order: Order,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindArgs {
    /// Words anywhere in the message (subject, addresses, body).
    pub text: Option<String>,
    /// Sender name, address (a@b.example) or domain (b.example).
    pub from: Option<String>,
    /// Recipient name or address.
    pub to: Option<String>,
    /// Words in the subject.
    pub subject: Option<String>,
    /// Only this folder.
    pub folder: Option<String>,
    /// On or after this day, YYYY-MM-DD (UTC).
    pub since: Option<String>,
    /// Before this day, YYYY-MM-DD (UTC).
    pub before: Option<String>,
    /// true: only unread; false: only read.
    pub unread: Option<bool>,
    /// true: only flagged; false: only unflagged.
    pub flagged: Option<bool>,
    /// true: only messages with attachments.
    pub has_attachment: Option<bool>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// Results per page, 1-200 (default 25).
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetMessageArgs {
    /// The `message_id` number from list_messages, search or find_messages.
    pub message_id: i64,
    /// Byte offset in the body text to start at: `next_offset` of a truncated body (default 0).
    pub body_offset: Option<u64>,
    /// Most body bytes to return, up to 200000 (default 20000).
    pub max_body_bytes: Option<u32>,
    /// Fetch a body the cache does not hold yet from the server (read-only, the message
    /// stays unread). Default true.
    pub fetch_missing_body: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageArgs {
    /// The `message_id` number from list_messages, search or find_messages.
    pub message_id: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentArgs {
    /// The `message_id` number of a message with `has_attachment: true`.
    pub message_id: i64,
    /// Also return the content (base64) of attachments up to `max_content_bytes`. Default false.
    #[serde(default)]
    pub include_content: bool,
    /// Largest attachment whose content is returned, up to 1000000 (default 200000).
    pub max_content_bytes: Option<u32>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitingArgs {
    /// Conversations whose last message is on or after this day, YYYY-MM-DD.
    pub since: Option<String>,
    /// ... and before this day, YYYY-MM-DD.
    pub until: Option<String>,
    /// Most conversations, 1-200 (default 50).
    pub limit: Option<u32>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SenderBy {
    /// Count by sender address (default).
    #[default]
    Address,
    /// Count by sender domain.
    Domain,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendersArgs {
    /// `address` (default) or `domain`.
    #[serde(default)]
    pub by: SenderBy,
    /// Mail on or after this day, YYYY-MM-DD; everything when left out.
    pub since: Option<String>,
    /// Mail before this day, YYYY-MM-DD.
    pub until: Option<String>,
    /// Most senders, 1-200 (default 20).
    pub limit: Option<u32>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NeverOpenedArgs {
    /// Mail on or after this day, YYYY-MM-DD.
    pub since: Option<String>,
    /// Mail before this day, YYYY-MM-DD.
    pub until: Option<String>,
    /// Only senders with at least this many messages (default 3).
    pub min_messages: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkReadArgs {
    /// Up to 50 message ids; more is a bulk change (use sort_plan).
    pub message_ids: Vec<i64>,
    /// true (default) marks read, false marks unread.
    pub read: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagArgs {
    /// Up to 50 message ids.
    pub message_ids: Vec<i64>,
    /// true (default) flags (stars), false removes the flag.
    pub flagged: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveArgs {
    /// Up to 50 message ids.
    pub message_ids: Vec<i64>,
    /// Target folder name as list_folders shows it (or in modified UTF-7).
    pub folder: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdsArgs {
    /// Up to 50 message ids.
    pub message_ids: Vec<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyDraftArgs {
    /// The message to reply to.
    pub message_id: i64,
    /// The text of the reply; the original is quoted below it.
    pub body: String,
    /// Reply to every recipient (To and Cc), not only the sender. Default false.
    #[serde(default)]
    pub reply_all: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftArgs {
    /// Recipient addresses.
    pub to: Vec<String>,
    /// Copy recipients.
    #[serde(default)]
    pub cc: Vec<String>,
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncArgs {
    /// Also fetch every missing message body (slower). Default false.
    #[serde(default)]
    pub bodies: bool,
}

/// One sort rule: messages matching every given condition move to `to`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleArgs {
    /// A name for reports; required to save the rule (save_rule).
    pub name: Option<String>,
    /// Target folder (created on apply when missing).
    pub to: String,
    /// Sender addresses or domains; any of them matches.
    #[serde(default)]
    pub from: Vec<String>,
    /// Part of the mailing-list id (List-Id header).
    pub list: Option<String>,
    /// A query in the search language (see the search tool).
    pub query: Option<String>,
    /// Only messages older than this many days.
    pub older_than_days: Option<u32>,
    /// true: only automated mail (lists, bulk, no-reply); false: only mail from people.
    pub automated: Option<bool>,
    /// Source folders (default INBOX).
    #[serde(default)]
    pub folders: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanArgs {
    /// Rules tried in order; the first that matches a message decides its target.
    pub rules: Vec<RuleArgs>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveSendersArgs {
    /// Sender addresses or domains whose mail goes to the archive.
    pub senders: Vec<String>,
    /// Only messages older than this many days.
    pub older_than_days: Option<u32>,
    /// Source folders (default INBOX).
    #[serde(default)]
    pub folders: Vec<String>,
    /// Archive folder; default: the account's archive folder, else "Archive".
    pub archive_folder: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanIdArgs {
    /// The `plan_id` a dry run (sort_plan or plan_auto_archive) returned.
    pub plan_id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SenderArgs {
    /// The sender's email address.
    pub address: String,
}

/// What the user says a sender is.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SenderMark {
    Person,
    Machine,
    /// Forget the override; the evidence decides again.
    Auto,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkSenderArgs {
    /// The sender's email address.
    pub address: String,
    /// person, machine, or auto to let the evidence decide again.
    pub mark: SenderMark,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FolderArgs {
    /// The folder's full name, with the server's hierarchy delimiter (e.g. "Projects/2026").
    pub folder: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameFolderArgs {
    /// The folder's current full name.
    pub folder: String,
    /// Its new full name.
    pub new_name: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveRuleArgs {
    /// The rule, with a `name` unique among the saved rules (a saved rule of that name is
    /// replaced).
    pub rule: RuleArgs,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleNameArgs {
    /// A saved rule's name (see list_rules).
    pub name: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRulesArgs {
    /// Saved rules to run, by name; all saved rules when left out.
    #[serde(default)]
    pub names: Vec<String>,
}
