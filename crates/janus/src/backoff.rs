//! The one retry policy of the crate: `backon`'s exponential backoff with jitter, driven by
//! [`Error::is_transient`]. The session's reconnect loop and callers retrying a request use the
//! same [`Backoff`], so there is no retry loop pasted into individual methods.
//!
//! Invariants: delays grow from `initial` by `factor` up to `max`, each with up to +100 %
//! jitter (backon's) so many clients of a restarted server do not reconnect in lockstep. A
//! permanent error is returned at once.

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder, Retryable};

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
    /// The schedule of retries (attempts after the first).
    fn schedule(&self) -> ExponentialBuilder {
        let builder = ExponentialBuilder::new()
            .with_min_delay(self.initial)
            .with_max_delay(self.max)
            .with_factor(self.factor as f32)
            .with_jitter();
        match self.max_attempts {
            Some(max) => builder.with_max_times(max.saturating_sub(1) as usize),
            None => builder.without_max_times(),
        }
    }

    /// The delay before attempt `attempt` (0 = the first retry), jitter included.
    pub fn delay(&self, attempt: u32) -> Duration {
        let mut delays = self.schedule().without_max_times().build();
        delays.nth(attempt as usize).unwrap_or(self.max)
    }

    /// Runs `op` until it succeeds, fails permanently, or the attempts run out.
    pub async fn retry<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        op.retry(self.schedule())
            .when(|e: &crate::error::Error| e.is_transient())
            .notify(|e, delay| tracing::debug!(error = %e, ?delay, "transient error; retrying"))
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let b = Backoff::default();
        // 200 ms, then doubling, each plus up to 100 % jitter; 10 s at most before jitter.
        assert!(
            b.delay(0) >= Duration::from_millis(200) && b.delay(0) < Duration::from_millis(400)
        );
        assert!(b.delay(3) >= Duration::from_millis(1600));
        assert!(b.delay(20) >= b.max && b.delay(20) < 2 * b.max);
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
