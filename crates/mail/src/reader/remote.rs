//! Remote content loaded for the reader, by the core instead of the web view, so the
//! frame's Content-Security-Policy can stay `img-src data:`: each image or font is
//! fetched here and handed to the page as a `data:` URI.
//!
//! Invariants: only http and https; no cookies (reqwest keeps none without a cookie
//! store), no `Referer` (not even on redirects), no credentials; each response is capped
//! in size and time and must be an image or a font; a message loads at most
//! [`super::urls::MAX_LOADABLE`] distinct URLs, a few at a time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::parts::data_uri;

/// Why a remote resource was not loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// Not an http or https URL.
    #[error("only http and https remote content is loaded, not {url}")]
    Scheme { url: String },
    /// The HTTP client could not be set up.
    #[error("cannot set up the client that loads remote content")]
    Client {
        #[source]
        source: reqwest::Error,
    },
    /// The request failed (connection, TLS, timeout, redirects).
    #[error("cannot load remote content from {url}")]
    Request {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    #[error("the server answered {status} for remote content at {url}")]
    Status { url: String, status: u16 },
    /// The response is larger than the cap.
    #[error("remote content at {url} is larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    /// The response is not an image or a font.
    #[error("remote content at {url} is {mime}, not an image or a font")]
    NotMedia { url: String, mime: String },
}

/// Caps of remote loading.
#[derive(Clone, Debug)]
pub struct RemoteLimits {
    /// Per resource, connect to last byte.
    pub timeout: Duration,
    /// Per resource, in bytes.
    pub max_bytes: usize,
    /// Resources fetched at once for one message.
    pub concurrency: usize,
}

impl Default for RemoteLimits {
    fn default() -> Self {
        RemoteLimits {
            timeout: Duration::from_secs(10),
            max_bytes: 5 * 1024 * 1024,
            concurrency: 4,
        }
    }
}

/// Loads remote images and fonts as `data:` URIs. Cheap to clone; keep one per app.
#[derive(Clone, Debug)]
pub struct RemoteFetcher {
    client: reqwest::Client,
    limits: Arc<RemoteLimits>,
}

impl RemoteFetcher {
    /// A fetcher verifying TLS against the system's roots.
    pub fn new(limits: RemoteLimits) -> Result<RemoteFetcher, RemoteError> {
        // The IMAP connection's verification: the system roots, ring as the provider.
        let tls = crate::imap::client_config(None).map(|c| {
            let mut c = (*c).clone();
            c.alpn_protocols = vec![b"http/1.1".to_vec()];
            c
        });
        let mut builder = reqwest::Client::builder()
            .referer(false)
            .no_proxy()
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent("Mailcall");
        if let Ok(tls) = tls {
            builder = builder.tls_backend_preconfigured(tls);
        }
        let client = builder
            .build()
            .map_err(|source| RemoteError::Client { source })?;
        Ok(RemoteFetcher {
            client,
            limits: Arc::new(limits),
        })
    }

    /// One resource as a `data:` URI.
    pub async fn fetch(&self, url: &str) -> Result<String, RemoteError> {
        let parsed = url::Url::parse(url).map_err(|_| RemoteError::Scheme {
            url: url.to_owned(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(RemoteError::Scheme {
                url: url.to_owned(),
            });
        }
        let request = |source| RemoteError::Request {
            url: url.to_owned(),
            source,
        };
        let mut response = self.client.get(parsed).send().await.map_err(request)?;
        let status = response.status();
        if !status.is_success() {
            return Err(RemoteError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
            });
        }
        let mime = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !is_media(&mime) {
            return Err(RemoteError::NotMedia {
                url: url.to_owned(),
                mime,
            });
        }
        let limit = self.limits.max_bytes;
        let too_large = || RemoteError::TooLarge {
            url: url.to_owned(),
            limit,
        };
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(request)? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(data_uri(&mime, &body))
    }

    /// Every URL of `urls` that loads, as URL -> `data:` URI; failures are left out (and
    /// logged), so their references stay blocked. Each fetch is a task of its own (at most
    /// `concurrency` at once) owning what it uses, so callers' futures stay `Send`.
    pub async fn fetch_all(&self, urls: &[String]) -> HashMap<String, String> {
        let gate = Arc::new(Semaphore::new(self.limits.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        for url in urls.iter().take(super::urls::MAX_LOADABLE).cloned() {
            let fetcher = self.clone();
            let gate = Arc::clone(&gate);
            tasks.spawn(async move {
                let _permit = gate.acquire_owned().await;
                let result = fetcher.fetch(&url).await;
                (url, result)
            });
        }
        let mut loaded = HashMap::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((url, Ok(data))) => {
                    loaded.insert(url, data);
                }
                Ok((_, Err(e))) => tracing::debug!(error = %e, "remote content not loaded"),
                Err(e) => tracing::debug!(error = %e, "a remote fetch task ended early"),
            }
        }
        loaded
    }
}

fn is_media(mime: &str) -> bool {
    mime.starts_with("image/")
        || mime.starts_with("font/")
        || matches!(
            mime,
            "application/font-woff"
                | "application/font-woff2"
                | "application/x-font-woff"
                | "application/x-font-ttf"
                | "application/x-font-otf"
                | "application/vnd.ms-fontobject"
        )
}

/// Loads one remote image or font as a `data:` URI with the default caps.
pub async fn fetch_remote(url: &str) -> Result<String, RemoteError> {
    RemoteFetcher::new(RemoteLimits::default())?
        .fetch(url)
        .await
}
