//! Folder tools: create, rename and delete folders, on the server first and then in the
//! cache (see `mailcall_mail::folders`). They change the mailbox, so they need
//! writes_enabled.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::{json, Value};

use crate::answer::{finish, ToolResult};
use crate::args::{FolderArgs, RenameFolderArgs};
use crate::error::Result;
use crate::Bridge;

/// What a folder tool does on the server.
enum FolderChange {
    Create(String),
    Rename(String, String),
    Delete(String),
}

#[tool_router(router = folders_router, vis = "pub(crate)")]
impl Bridge {
    #[tool(
        description = "Create a folder (its parents too, where the server needs them). Names may use non-ASCII letters. Needs writes_enabled."
    )]
    async fn create_folder(&self, Parameters(a): Parameters<FolderArgs>) -> ToolResult {
        finish(self.change_folder(FolderChange::Create(a.folder)).await)
    }

    #[tool(
        description = "Rename a folder; its subfolders and messages move with it. INBOX cannot be renamed. Needs writes_enabled."
    )]
    async fn rename_folder(&self, Parameters(a): Parameters<RenameFolderArgs>) -> ToolResult {
        finish(
            self.change_folder(FolderChange::Rename(a.folder, a.new_name))
                .await,
        )
    }

    #[tool(
        description = "Delete a folder and the messages in it, on the server. INBOX cannot be deleted. Ask the user first. Needs writes_enabled."
    )]
    async fn delete_folder(&self, Parameters(a): Parameters<FolderArgs>) -> ToolResult {
        finish(self.change_folder(FolderChange::Delete(a.folder)).await)
    }
}

impl Bridge {
    async fn change_folder(&self, change: FolderChange) -> Result<Value> {
        self.cache.ensure_writable()?;
        let mut conn = self.cache.connect().await?;
        let mut store = self.cache.lock().await;
        let done = match &change {
            FolderChange::Create(name) => mailcall_mail::create_folder(&mut conn, &mut store, name)
                .await
                .map(|_| json!({ "created": name })),
            FolderChange::Rename(from, to) => {
                mailcall_mail::rename_folder(&mut conn, &mut store, from, to)
                    .await
                    .map(|()| json!({ "renamed": from, "to": to }))
            }
            FolderChange::Delete(name) => mailcall_mail::delete_folder(&mut conn, &mut store, name)
                .await
                .map(|()| json!({ "deleted": name })),
        };
        drop(store);
        conn.logout().await;
        Ok(done?)
    }
}
