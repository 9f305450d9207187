//! What crosses to the page: plain serde + specta types in camelCase. Ids that can
//! exceed 2^53 (cache row ids, thread ids) cross as decimal strings; counts and offsets
//! are `u32` (a mailbox of 4 billion messages is not a case), times are Unix seconds as
//! JavaScript numbers.

use mailcall_mail::{Address, MailboxRole, MessageSummary, Security};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{ApiError, ApiResult};

/// How the connection to the IMAP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SecurityKind {
    /// Implicit TLS (usually port 993).
    Tls,
    /// STARTTLS on a plain connection (usually port 143).
    Starttls,
    /// No TLS at all; the password travels unencrypted.
    Plain,
}

impl From<SecurityKind> for Security {
    fn from(s: SecurityKind) -> Security {
        match s {
            SecurityKind::Tls => Security::Tls,
            SecurityKind::Starttls => Security::Starttls,
            SecurityKind::Plain => Security::Plain,
        }
    }
}

impl From<Security> for SecurityKind {
    fn from(s: Security) -> SecurityKind {
        match s {
            Security::Tls => SecurityKind::Tls,
            Security::Starttls => SecurityKind::Starttls,
            Security::Plain => SecurityKind::Plain,
        }
    }
}

/// The add-account (and edit-account) form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountForm {
    /// The account's id (letters, digits, `.`, `_`, `-`); made from the address when
    /// empty. Ignored by `updateAccount`, which names the account separately.
    pub id: Option<String>,
    /// My address, used as the sender of drafts.
    pub address: String,
    pub host: String,
    /// Defaults to 993 for TLS, 143 otherwise.
    pub port: Option<u16>,
    pub security: SecurityKind,
    pub user: String,
    /// Goes to the OS keyring only. Empty in `updateAccount` keeps the stored one.
    pub password: String,
    /// A PEM file of extra trusted root certificates (a company CA), or none.
    pub ca_file: Option<String>,
    /// Trust exactly the server certificate with this SHA-256 fingerprint (`SHA256:AB:...`,
    /// as the `certificate` error shows it) and nothing else.
    pub trust_fingerprint: Option<String>,
}

/// A configured account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    pub id: String,
    /// My first address (empty when the configuration names none).
    pub address: String,
    pub host: String,
    pub port: u16,
    pub security: SecurityKind,
    pub user: String,
}

/// The special use of a folder.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum FolderRole {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
    All,
    Flagged,
}

impl From<MailboxRole> for FolderRole {
    fn from(r: MailboxRole) -> FolderRole {
        match r {
            MailboxRole::Inbox => FolderRole::Inbox,
            MailboxRole::Sent => FolderRole::Sent,
            MailboxRole::Drafts => FolderRole::Drafts,
            MailboxRole::Trash => FolderRole::Trash,
            MailboxRole::Junk => FolderRole::Junk,
            MailboxRole::Archive => FolderRole::Archive,
            MailboxRole::All => FolderRole::All,
            MailboxRole::Flagged => FolderRole::Flagged,
        }
    }
}

/// A folder in the tree. Folders come in tree order: INBOX, the special folders, the
/// rest by name, each parent directly before its children.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FolderInfo {
    /// The full IMAP name: what every other command takes as `folder`.
    pub path: String,
    /// The last level of the name, for display.
    pub name: String,
    /// The path of the parent folder, when the name has levels.
    pub parent: Option<String>,
    /// 0 for top-level folders.
    pub depth: u32,
    pub role: Option<FolderRole>,
    pub total: u32,
    pub unread: u32,
    /// False for a level the server lists only through its children: it holds no mail.
    pub selectable: bool,
}

/// One row of a message list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageRow {
    /// Cache row id (decimal string); stable while the message stays cached, also
    /// across moves made here.
    pub id: String,
    pub folder: String,
    pub uid: u32,
    pub from_name: Option<String>,
    pub from_addr: String,
    pub subject: String,
    /// Unix seconds.
    pub date: f64,
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub draft: bool,
    pub has_attachment: bool,
    /// Sent by a machine (lists, notifications, no-reply senders).
    pub automated: bool,
    /// The conversation, for `thread` (decimal string).
    pub thread_id: String,
}

impl From<&MessageSummary> for MessageRow {
    fn from(m: &MessageSummary) -> MessageRow {
        MessageRow {
            id: m.id.0.to_string(),
            folder: m.mailbox_name.clone(),
            uid: m.uid.get(),
            from_name: m.from.name.clone(),
            from_addr: m.from.addr.clone(),
            subject: m.subject.clone(),
            date: m.date as f64,
            seen: m.flags.seen,
            flagged: m.flags.flagged,
            answered: m.flags.answered,
            draft: m.flags.draft,
            has_attachment: m.has_attachment,
            automated: m.automated,
            thread_id: m.thread.0.to_string(),
        }
    }
}

/// A window of a list by row index, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    /// Rows in the whole list (the folder, or every match of a search).
    pub total: u32,
    /// The index of `rows[0]`.
    pub offset: u32,
    pub rows: Vec<MessageRow>,
}

/// One row of a folder's conversation list: the conversation's newest message in the
/// folder stands for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ThreadRow {
    /// The conversation's newest message in the folder: what opening the row opens.
    pub head: MessageRow,
    /// Messages of the conversation in the folder (the head included).
    pub messages: u32,
    /// Of those, how many are unread.
    pub unread: u32,
    /// Of those, how many are flagged.
    pub flagged: u32,
}

/// A window of a folder's conversation list by row index, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ThreadPage {
    /// Conversations with mail in the folder.
    pub total: u32,
    /// The index of `rows[0]`.
    pub offset: u32,
    pub rows: Vec<ThreadRow>,
}

/// A name and address of a header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Mailbox {
    pub name: Option<String>,
    pub addr: String,
}

impl From<&Address> for Mailbox {
    fn from(a: &Address) -> Mailbox {
        Mailbox {
            name: a.name.clone(),
            addr: a.addr.clone(),
        }
    }
}

/// An attachment of an opened message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentInfo {
    /// What [`crate::Api::save_attachment`] takes to save this one.
    pub index: u32,
    pub name: String,
    pub mime_type: String,
    pub size: u32,
}

/// An opened message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub row: MessageRow,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Without angle brackets.
    pub message_id: String,
    pub list_id: Option<String>,
    /// The plain text of the body; `None` when it is not cached and could not be
    /// fetched (see `bodyError`).
    pub text: Option<String>,
    /// Sanitized HTML (a fragment) for a script-less frame; `None` for plain-text mail
    /// or while the message's source cannot be fetched.
    pub html: Option<String>,
    /// Remote resources the sanitizer blocked in `html`.
    pub remote_blocked: u32,
    /// The user chose to always load remote content from this sender.
    pub remote_allowed: bool,
    /// Parts that are not the body nor shown inline in it.
    pub attachments: Vec<AttachmentInfo>,
    /// Why the body is missing (e.g. offline and never fetched).
    pub body_error: Option<ApiError>,
}

/// What an action does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Action {
    /// Move to the folder with the Archive role.
    Archive,
    /// Move to the folder with the Trash role.
    Delete,
    /// Move to `folder` (a path).
    Move {
        folder: String,
    },
    MarkRead,
    MarkUnread,
    Flag,
    Unflag,
}

/// Which messages an action applies to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "by", rename_all = "camelCase")]
pub enum Selection {
    /// These messages (ids from rows).
    Ids { ids: Vec<String> },
    /// Every message of a folder.
    Folder { folder: String },
    /// Every match of a query.
    Query { query: String },
    /// Every message in `folder` of these conversations (ids of their rows' messages,
    /// as `listThreads` gives them).
    Conversations { folder: String, ids: Vec<String> },
}

/// What an action (or an undo) did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActionResult {
    /// Messages changed in the cache (those already in the wanted state are skipped).
    pub changed: u32,
    /// Local changes still waiting for the server.
    pub pending: u32,
    /// `undo` would revert this action.
    pub undoable: bool,
}

/// What a reply pane starts from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplyPreview {
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: String,
    /// `On <date>, <name> wrote:` and the quoted text, as the draft will carry it
    /// below the reply.
    pub quote: String,
}

/// A saved reply draft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftSaved {
    /// The draft's row id in the drafts folder.
    pub id: String,
    pub folder: String,
    pub pending: u32,
}

/// Where the sync of an account stands.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    pub account: String,
    /// The last connection attempt succeeded.
    pub online: bool,
    pub syncing: bool,
    /// What the sync is doing, for the status line.
    pub progress: Option<String>,
    /// Local changes waiting for the server.
    pub pending: u32,
    /// Unix seconds of the last completed sync.
    pub last_sync: Option<f64>,
    /// Why the account does not sync (wrong password, no password stored, ...).
    pub error: Option<ApiError>,
    /// Grows with every change (across accounts and restarts): the page keeps the newest
    /// status it has seen, since the answer to a status request can arrive after a newer
    /// status event.
    pub revision: u32,
}

/// A search kept in the sidebar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedSearch {
    pub name: String,
    pub query: String,
}

/// The app's own settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Opening a message marks it read.
    pub mark_read_on_open: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            mark_read_on_open: true,
        }
    }
}

/// Which phase a sync progress event reports.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SyncPhase {
    Headers,
    Indexing,
    Bodies,
}

/// What the core tells the page without being asked, on one channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum AppEvent {
    /// A sync is storing a folder: `done` of `total`.
    SyncProgress {
        account: String,
        folder: String,
        phase: SyncPhase,
        done: u32,
        total: u32,
    },
    /// The server's state of a folder reached the cache: new mail, removed mail or
    /// changed flags. Counts and lists of `folder` are stale.
    MailChanged {
        account: String,
        folder: String,
        inserted: u32,
        removed: u32,
        flags: u32,
    },
    /// New mail reached INBOX after the account's first full sync (mail arriving, not the
    /// mailbox filling in): what a desktop notification is about.
    NewMail { account: String, count: u32 },
    /// A local action changed these messages in the cache.
    LocalChange { account: String, ids: Vec<String> },
    /// Folder counts or the folder list changed.
    FoldersChanged { account: String },
    /// Online state, sync activity, pending changes or last sync time changed.
    Status { status: AccountStatus },
    /// Background work failed and will not be tried again on its own.
    Failed {
        account: String,
        task: String,
        error: ApiError,
    },
    /// An account was added, changed or removed.
    AccountsChanged,
    /// Applying sort plan `plan` moved on: `moved` of `planned` messages, `done` of
    /// `chunks` server commands. `finished` once it ended: done, cancelled, or failed
    /// with `error` (an interrupted apply resumes by itself when the app starts again).
    SortProgress {
        account: String,
        plan: String,
        planned: u32,
        moved: u32,
        chunks: u32,
        done: u32,
        finished: bool,
        error: Option<ApiError>,
    },
    /// An AI assistant called a tool through the app's endpoint.
    AssistantCall {
        call: crate::assistants_types::AssistantCall,
    },
}

/// A desktop notification's text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MailNotice {
    pub title: String,
    pub body: String,
}

/// A row id from the page.
pub(crate) fn parse_id(id: &str) -> ApiResult<mailcall_mail::MessageId> {
    id.trim()
        .parse::<i64>()
        .map(mailcall_mail::MessageId)
        .map_err(|_| ApiError::invalid(format!("{id:?} is not a message id")))
}

/// A count for the page.
pub(crate) fn count(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}
