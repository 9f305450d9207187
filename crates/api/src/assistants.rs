//! AI assistants from the app: while the app runs and the switch is on, the MCP bridge
//! of one account is served over streamable HTTP on 127.0.0.1 (any other address is
//! refused by the transport), every request carrying the bearer token kept in the
//! keyring; each account's "allow changes" is its `mcp_writes`; every tool call is kept
//! in an activity log (the newest [`ACTIVITY`]) and announced as an app event.
//!
//! Invariants: the token never goes to a file or a log (the page shows it for the setup
//! lines); turning the switch off closes the port; changing what the endpoint serves
//! (the account, "allow changes", the port) restarts it.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use mailcall_mail::Password;
use mailcall_mcp::transport::HttpListener;
use mailcall_mcp::{Bridge, Cache, ToolActivity};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::{read_config, write_config, Api};
use crate::assistants_types::*;
use crate::error::{ApiError, ApiResult};
use crate::live::now;
use crate::types::AppEvent;

/// Tool calls the activity log keeps.
pub const ACTIVITY: usize = 500;
/// Where the token lives in the keyring (not an account name: those have no `@` first).
const TOKEN_ENTRY: &str = "@mcp-http-token";

/// The endpoint while it runs.
pub(crate) struct Serving {
    pub url: String,
    pub account: String,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

/// What the app keeps about assistants besides the settings file.
#[derive(Default)]
pub(crate) struct Assistants {
    pub serving: tokio::sync::Mutex<Option<Serving>>,
    pub activity: Arc<Mutex<VecDeque<AssistantCall>>>,
    pub last_error: Mutex<Option<String>>,
}

impl Api {
    /// The switch, the endpoint, the token and each account's "allow changes".
    pub async fn assistant_status(&self) -> ApiResult<AssistantStatus> {
        let settings = self.inner.state.get().assistants;
        let config = read_config(&self.inner.opts.config_path).await?;
        let serving = self.inner.assistants.serving.lock().await;
        let token = match &*serving {
            Some(_) => Some(self.token().await?),
            None => None,
        };
        Ok(AssistantStatus {
            enabled: settings.enabled,
            port: settings.port,
            account: serving
                .as_ref()
                .map(|s| s.account.clone())
                .or(settings.account.clone()),
            url: serving.as_ref().map(|s| s.url.clone()),
            token,
            error: self
                .inner
                .assistants
                .last_error
                .lock()
                .ok()
                .and_then(|e| e.clone()),
            accounts: config
                .accounts
                .iter()
                .map(|a| AssistantAccount {
                    id: a.name.clone(),
                    allow_changes: a.mcp_writes,
                })
                .collect(),
            cli: std::env::current_exe()
                .ok()
                .and_then(|p| p.parent().map(|d| d.join("mailcall-cli")))
                .filter(|p| p.exists())
                .map_or_else(|| "mailcall-cli".to_owned(), |p| p.display().to_string()),
        })
    }

    /// Turns the endpoint on (serving `account`, the first account when `None`, on
    /// `port`; 0 picks a free one) or off, and keeps the choice for the next start.
    pub async fn set_assistants(
        &self,
        enabled: bool,
        port: u16,
        account: Option<String>,
    ) -> ApiResult<AssistantStatus> {
        self.inner
            .state
            .update(move |s| {
                s.assistants = AssistantSettings {
                    enabled,
                    port,
                    account,
                }
            })
            .await?;
        self.restart_assistants().await?;
        self.assistant_status().await
    }

    /// Lets assistants change `account`'s mail (flags, moves, drafts, applying plans,
    /// folders, saved rules) or only read it.
    pub async fn set_allow_changes(
        &self,
        account: &str,
        allow: bool,
    ) -> ApiResult<AssistantStatus> {
        {
            let _edit = self.inner.config_lock.lock().await;
            let path = &self.inner.opts.config_path;
            let mut config = read_config(path).await?;
            let slot = config
                .accounts
                .iter_mut()
                .find(|a| a.name == account)
                .ok_or_else(|| ApiError::not_found(format!("No account is called {account:?}.")))?;
            slot.mcp_writes = allow;
            write_config(path, config).await?;
        }
        self.restart_assistants().await?;
        self.assistant_status().await
    }

    /// The newest tool calls, newest first.
    pub fn assistant_activity(&self) -> Vec<AssistantCall> {
        self.inner
            .assistants
            .activity
            .lock()
            .map(|a| a.iter().rev().cloned().collect())
            .unwrap_or_default()
    }

    /// Starts the endpoint as the settings say (after stopping a running one).
    pub(crate) async fn restart_assistants(&self) -> ApiResult<()> {
        let mut serving = self.inner.assistants.serving.lock().await;
        if let Some(old) = serving.take() {
            old.cancel.cancel();
            let _ = old.task.await;
        }
        let settings = self.inner.state.get().assistants;
        let set_error = |e: Option<String>| {
            if let Ok(mut slot) = self.inner.assistants.last_error.lock() {
                *slot = e;
            }
        };
        if !settings.enabled {
            set_error(None);
            return Ok(());
        }
        match self.serve(&settings).await {
            Ok(s) => {
                set_error(None);
                *serving = Some(s);
                Ok(())
            }
            Err(e) => {
                set_error(Some(e.to_string()));
                Err(e)
            }
        }
    }

    async fn serve(&self, settings: &AssistantSettings) -> ApiResult<Serving> {
        let config = read_config(&self.inner.opts.config_path).await?;
        let account = match &settings.account {
            Some(id) => config.account(id)?.clone(),
            None => config
                .accounts
                .first()
                .cloned()
                .ok_or_else(|| ApiError::invalid("Add a mail account first."))?,
        };
        let token = self.token().await?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, settings.port));
        let listener = HttpListener::bind(addr, &token).await.map_err(|e| {
            ApiError::invalid(format!("The assistants' endpoint cannot listen: {e}"))
        })?;
        let bound = listener
            .local_addr()
            .map_err(|e| ApiError::internal(format!("reading the endpoint's address: {e}")))?;
        let name = account.name.clone();
        let cache = Cache::open(account)
            .await
            .map_err(|e| ApiError::internal(format!("opening the cache for assistants: {e}")))?;
        let log = self.inner.assistants.activity.clone();
        let events = self.inner.events.clone();
        let who = name.clone();
        let hook = Arc::new(move |a: ToolActivity| {
            let call = AssistantCall {
                at: now() as f64,
                account: who.clone(),
                tool: a.tool,
                arguments: a.arguments,
                error: a.error,
                result_bytes: crate::types::count(a.result_bytes),
                millis: a.millis,
            };
            if let Ok(mut log) = log.lock() {
                if log.len() == ACTIVITY {
                    log.pop_front();
                }
                log.push_back(call.clone());
            }
            let _ = events.send(AppEvent::AssistantCall { call });
        });
        let bridge = Bridge::new(cache)
            .with_config(self.inner.opts.config_path.clone())
            .with_activity(hook);
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let task = tokio::spawn(async move {
            if let Err(e) = listener.serve(bridge, stop).await {
                tracing::warn!(error = %e, "the assistants' endpoint stopped");
            }
        });
        tracing::info!(%bound, account = %name, "serving MCP for assistants");
        Ok(Serving {
            url: format!("http://{bound}/mcp"),
            account: name,
            cancel,
            task,
        })
    }

    /// The bearer token, made (32 random bytes) and kept in the keyring on first use.
    async fn token(&self) -> ApiResult<String> {
        let keyring = &self.inner.opts.keyring;
        if let Ok(p) = keyring.password(TOKEN_ENTRY).await {
            if !p.expose().is_empty() {
                return Ok(p.expose().to_owned());
            }
        }
        let token: String = (0..32)
            .map(|_| format!("{:02x}", rand::random::<u8>()))
            .collect();
        keyring
            .set_password(TOKEN_ENTRY, &Password::new(token.clone()))
            .await?;
        Ok(token)
    }

    /// Stops the endpoint (the app is quitting).
    pub(crate) async fn stop_assistants(&self) {
        if let Some(old) = self.inner.assistants.serving.lock().await.take() {
            old.cancel.cancel();
            let _ = old.task.await;
        }
    }
}
