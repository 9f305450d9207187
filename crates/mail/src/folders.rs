//! Creating, renaming and deleting folders: on the server first, then in the cache, so
//! the cache never shows a folder the server refused.
//!
//! Names are taken in either spelling (see [`crate::mailbox_name`]) and kept decoded.
//! A rename keeps the cached messages (RFC 3501 §6.3.5: UIDs survive a RENAME; should the
//! server change UIDVALIDITY anyway, the next sync notices and refetches). Subfolders
//! move with their parent, on the server and in the cache.

use crate::error::{Error, Result};
use crate::imap::Connection;
use crate::mailbox_name;
use crate::store::Store;
use crate::types::MailboxId;

/// Creates folder `name` on the server and in the cache; returns its cache id.
pub async fn create_folder(
    conn: &mut Connection,
    store: &mut Store,
    name: &str,
) -> Result<MailboxId> {
    let name = store.mailbox_name(name)?;
    if name.is_empty() {
        return Err(Error::InvalidFolderName {
            name,
            reason: "a folder needs a name".to_owned(),
        });
    }
    conn.create_folder(&name).await?;
    store.ensure_mailbox(&name, None)
}

/// Renames folder `from` to `to` on the server and in the cache, subfolders included.
pub async fn rename_folder(
    conn: &mut Connection,
    store: &mut Store,
    from: &str,
    to: &str,
) -> Result<()> {
    let from = store.mailbox_name(from)?;
    let to = mailbox_name::from_user(to);
    if to.is_empty() || from.eq_ignore_ascii_case("INBOX") {
        return Err(Error::InvalidFolderName {
            name: from,
            reason: "INBOX cannot be renamed, and a folder needs a name".to_owned(),
        });
    }
    let delimiter = delimiter_of(conn, &from).await?;
    conn.rename_folder(&from, &to).await?;
    for cached in store.mailboxes()? {
        let renamed = if cached.name == from {
            Some(to.clone())
        } else {
            delimiter.as_deref().and_then(|d| {
                cached
                    .name
                    .strip_prefix(&format!("{from}{d}"))
                    .map(|rest| format!("{to}{d}{rest}"))
            })
        };
        if let Some(new_name) = renamed {
            store.rename_mailbox(cached.id, &new_name)?;
        }
    }
    Ok(())
}

/// Deletes folder `name` on the server and drops it and its mail from the cache.
pub async fn delete_folder(conn: &mut Connection, store: &mut Store, name: &str) -> Result<()> {
    let name = store.mailbox_name(name)?;
    if name.eq_ignore_ascii_case("INBOX") {
        return Err(Error::InvalidFolderName {
            name,
            reason: "INBOX cannot be deleted".to_owned(),
        });
    }
    conn.delete_folder(&name).await?;
    if let Some(id) = store.mailbox_id(&name)? {
        store.delete_mailbox(id)?;
    }
    Ok(())
}

/// The hierarchy delimiter the server lists for `name` (`None` for a flat namespace).
async fn delimiter_of(conn: &mut Connection, name: &str) -> Result<Option<String>> {
    let listed = conn.list_folders().await?;
    Ok(listed
        .iter()
        .find(|f| f.name == name)
        .or(listed.first())
        .and_then(|f| f.delimiter.clone()))
}
