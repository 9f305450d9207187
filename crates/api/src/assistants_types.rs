//! What crosses to the page about AI assistants.

use serde::{Deserialize, Serialize};
use specta::Type;

/// The switch, kept in `app.json` (never the token: that is in the keyring).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AssistantSettings {
    pub enabled: bool,
    /// 0 picks a free port at each start.
    pub port: u16,
    /// The account served; the first one when `None`.
    pub account: Option<String>,
}

impl Default for AssistantSettings {
    fn default() -> AssistantSettings {
        AssistantSettings {
            enabled: false,
            port: 8750,
            account: None,
        }
    }
}

/// An account and whether assistants may change its mail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AssistantAccount {
    pub id: String,
    pub allow_changes: bool,
}

/// The assistants' endpoint as the settings page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AssistantStatus {
    pub enabled: bool,
    pub port: u16,
    pub account: Option<String>,
    /// `http://127.0.0.1:PORT/mcp` while serving.
    pub url: Option<String>,
    /// The bearer token, while serving (for the setup lines).
    pub token: Option<String>,
    /// Why the endpoint could not start.
    pub error: Option<String>,
    pub accounts: Vec<AssistantAccount>,
    /// The `mailcall-cli` to name in stdio setups.
    pub cli: String,
}

/// One tool call an assistant made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AssistantCall {
    /// Unix seconds.
    pub at: f64,
    pub account: String,
    pub tool: String,
    /// The arguments as JSON, cut short.
    pub arguments: String,
    pub error: Option<String>,
    pub result_bytes: u32,
    pub millis: f64,
}
