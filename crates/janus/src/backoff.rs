//! The one retry policy of the crate: exponential backoff with jitter, driven by
//! [`Error::is_transient`]. The session's reconnect loop and callers retrying a request use the
//! same [`Backoff`], so there is no retry loop pasted into individual methods.
//!
//! Invariants: delays grow from `initial` by `factor` up to `max`, each with up to ±20 %
//! jitter so many clients of a restarted server do not reconnect in lockstep. A permanent
//! error is returned at once.

use std::future::Future;
use std::time::Duration;

#[cfg(test)]
use crate::error::Error;
use crate::error::Result;

/// Exponential backoff settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    pub factor: f64,
    /// Attempts before [`Backoff::retry`] gives up; `None` = forever.
    pub max_attempts: Option<u32>,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(10),
            factor: 2.0,
            max_attempts: Some(8),
        }
    }
}

impl Backoff {
    /// The delay before attempt `attempt` (0 = the first retry), jitter included.
    pub fn delay(&self, attempt: u32) -> Duration {
        let base = self.initial.as_secs_f64() * self.factor.powi(attempt.min(30) as i32);
        let capped = base.min(self.max.as_secs_f64());
        let jitter = 0.8 + rand::random::<f64>() * 0.4;
        Duration::from_secs_f64((capped * jitter).min(self.max.as_secs_f64()))
    }

    /// Runs `op` until it succeeds, fails permanently, or the attempts run out.
    pub async fn retry<T, F, Fut>(&self, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Ok(value) => return Ok(value),
                Err(e) if !e.is_transient() => return Err(e),
                Err(e) => {
                    if self.max_attempts.is_some_and(|max| attempt + 1 >= max) {
                        return Err(e);
                    }
                    let delay = self.delay(attempt);
                    tracing::debug!(error = %e, ?delay, attempt, "transient error; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let b = Backoff::default();
        assert!(b.delay(0) <= Duration::from_millis(240));
        assert!(b.delay(3) >= Duration::from_millis(1280));
        assert!(b.delay(20) <= b.max);
    }

    #[tokio::test(start_paused = true)]
    async fn transient_errors_are_retried_permanent_ones_are_not() {
        let b = Backoff::default();
        let calls = AtomicU32::new(0);
        let out = b
            .retry(|| async {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if n < 2 {
                    Err(Error::NotConnected {
                        request: "x".into(),
                    })
                } else {
                    Ok(n)
                }
            })
            .await;
        assert_eq!(out.expect("third attempt succeeds"), 2);

        let calls = AtomicU32::new(0);
        let out: Result<()> = b
            .retry(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::janus("create", 403, None))
            })
            .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
