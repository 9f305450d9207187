//! `draft reply MESSAGE --body TEXT|--body-file F [--all]`: composes a reply to a cached
//! message and puts it in the Drafts folder (journalled, then appended unless
//! `--offline`). Nothing is ever sent.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use mailcall_mail::{Author, MessageId};

use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum DraftCommand {
    /// A reply draft to a cached message.
    Reply {
        /// The message id shown by list and search.
        message: i64,
        /// The text of the reply.
        #[arg(
            long,
            conflicts_with = "body_file",
            required_unless_present = "body_file"
        )]
        body: Option<String>,
        /// Read the text of the reply from a file.
        #[arg(long)]
        body_file: Option<PathBuf>,
        /// Reply to everyone (To and Cc of the message), except me.
        #[arg(long)]
        all: bool,
        /// Keep the draft in the cache only; the server gets it at the next `replay`.
        #[arg(long)]
        offline: bool,
    },
}

pub async fn run(
    cmd: &DraftCommand,
    config_path: &Path,
    account: Option<&str>,
    out: &Output,
) -> anyhow::Result<()> {
    let DraftCommand::Reply {
        message,
        body,
        body_file,
        all,
        offline,
    } = cmd;
    let text = match (body, body_file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => {
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?
        }
        (None, None) => anyhow::bail!("give --body or --body-file"),
    };
    let (account, mut store) = crate::cache::account_cache(config_path, account).await?;
    let parent = store
        .message(MessageId(*message))?
        .with_context(|| format!("no message {message} in the cache"))?;
    if parent.body_text.is_none() && !offline {
        // The quote needs the parent's text: fetch it (BODY.PEEK, it stays unread).
        let fetched = async {
            let mut conn = crate::change::connect(&account).await?;
            mailcall_mail::sync::fetch_bodies_of(
                &mut conn,
                &mut store,
                &parent.summary.mailbox_name,
                &[parent.summary.uid],
            )
            .await?;
            conn.logout().await;
            Ok::<(), mailcall_mail::Error>(())
        }
        .await;
        if let Err(e) = fetched {
            tracing::warn!(error = %mailcall_mail::sync::error_chain(&e), "cannot fetch the text to quote");
        }
    }
    let mut me: Vec<String> = account.addresses.iter().map(|a| a.to_lowercase()).collect();
    if account.user.contains('@') {
        me.push(account.user.to_lowercase());
    }
    let addr = me.first().cloned().unwrap_or_else(|| account.user.clone());
    let author = Author {
        name: None,
        addr,
        me,
    };
    let drafts = store.drafts_folder(account.folders.drafts.as_deref())?;
    let entry = store.draft_reply(
        MessageId(*message),
        &author,
        &text,
        *all,
        &drafts,
        crate::change::now(),
    )?;
    crate::change::finish(&account, &mut store, vec![entry], *offline, out).await
}
