//! The app's own small state, kept in `app.json` beside the account configuration (so
//! `MAILCALL_CONFIG` moves both): settings, saved searches, senders whose remote content
//! is always loaded, the hierarchy delimiter each account's server uses, and the call
//! server profiles.
//!
//! Invariants: the file never holds a secret; it is written whole to a temporary file
//! and renamed, so a crash leaves the old or the new file, never half of one; a missing
//! file is the defaults.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::call_types::CallProfile;
use crate::error::{ApiError, ApiResult};
use crate::types::{SavedSearch, Settings};

/// The file's content.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct AppState {
    pub settings: Settings,
    pub saved_searches: Vec<SavedSearch>,
    /// Lower-case sender addresses.
    pub remote_senders: BTreeSet<String>,
    /// Account id -> hierarchy delimiter from the server's LIST.
    pub delimiters: BTreeMap<String, String>,
    /// Janus servers to join calls on (no secrets: tokens come with each join).
    pub call_profiles: Vec<CallProfile>,
    /// The MCP endpoint for AI assistants (its token is in the keyring).
    pub assistants: crate::assistants_types::AssistantSettings,
}

/// The state file and its content in memory.
#[derive(Clone)]
pub(crate) struct StateFile {
    path: PathBuf,
    state: Arc<Mutex<AppState>>,
}

impl StateFile {
    /// `app.json` in the folder of the configuration file at `config`.
    pub fn beside(config: &Path) -> ApiResult<StateFile> {
        let path = config.with_file_name("app.json");
        let state = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                ApiError::invalid(format!(
                    "The app settings in {} are not readable ({e}); fix or remove the file.",
                    path.display()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => AppState::default(),
            Err(e) => {
                return Err(ApiError::internal(format!(
                    "Cannot read the app settings in {}: {e}",
                    path.display()
                )))
            }
        };
        Ok(StateFile {
            path,
            state: Arc::new(Mutex::new(state)),
        })
    }

    /// A copy of the state.
    pub fn get(&self) -> AppState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Changes the state and writes it (off the async runtime).
    pub async fn update<T: Send + 'static>(
        &self,
        change: impl FnOnce(&mut AppState) -> T + Send + 'static,
    ) -> ApiResult<T> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut state = this
                .state
                .lock()
                .map_err(|_| ApiError::internal("the app settings lock is poisoned"))?;
            let mut next = state.clone();
            let out = change(&mut next);
            if next != *state {
                write(&this.path, &next)?;
                *state = next;
            }
            Ok(out)
        })
        .await
        .map_err(|e| ApiError::internal(format!("saving the app settings failed: {e}")))?
    }
}

fn write(path: &Path, state: &AppState) -> ApiResult<()> {
    let fail = |e: std::io::Error| {
        ApiError::internal(format!(
            "Cannot save the app settings to {}: {e}",
            path.display()
        ))
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let text = serde_json::to_string_pretty(state)
        .map_err(|e| ApiError::internal(format!("Cannot encode the app settings: {e}")))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}
