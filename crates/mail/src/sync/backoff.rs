//! Reconnect pacing: `backon`'s exponential delays, only for errors [`Error::is_transient`]
//! calls transient, for a bounded number of attempts. Every reconnect loop uses this one type;
//! the loops stay here because they report each retry and forget failures after progress.
//!
//! Invariant: a wrong password, a bad certificate or a config error is never retried;
//! retrying them would only repeat the failure (or lock the account on the server).

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};

/// The policy: first delay, cap, and how many failures in a row are tolerated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(60),
            attempts: 8,
        }
    }
}

impl Backoff {
    /// Starts counting failures.
    pub fn start(self) -> Retries {
        Retries {
            policy: self,
            delays: self.delays(),
            failures: 0,
        }
    }

    /// Doubling delays from `initial`, capped at `max`, `attempts` of them.
    fn delays(self) -> ExponentialBackoff {
        ExponentialBuilder::new()
            .with_min_delay(self.initial)
            .with_max_delay(self.max)
            .with_factor(2.0)
            .with_max_times(self.attempts as usize)
            .build()
    }
}

/// The failures seen so far under one [`Backoff`].
#[derive(Debug)]
pub struct Retries {
    policy: Backoff,
    delays: ExponentialBackoff,
    failures: u32,
}

impl Retries {
    /// The delay before the next attempt after `error`, or `None` when it must not be
    /// retried (not transient, or too many failures in a row).
    pub fn next_delay(&mut self, error: &Error) -> Option<Duration> {
        if !error.is_transient() {
            return None;
        }
        let delay = self.delays.next()?;
        self.failures += 1;
        // backon multiplies in f32; whole microseconds keep 100 ms, 200 ms, ... exact.
        Some(Duration::from_micros(
            u64::try_from(delay.as_micros()).unwrap_or(u64::MAX),
        ))
    }

    /// Forgets past failures, after an attempt that made progress.
    pub fn reset(&mut self) {
        self.delays = self.policy.delays();
        self.failures = 0;
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// Sleeps for `delay` unless cancelled first.
pub async fn pause(delay: Duration, cancel: &CancellationToken) -> Result<()> {
    tokio::select! {
        () = cancel.cancelled() => Err(Error::Cancelled),
        () = tokio::time::sleep(delay) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transient() -> Error {
        Error::Connect {
            host: "h".into(),
            port: 1,
            source: std::io::ErrorKind::ConnectionRefused.into(),
        }
    }

    #[test]
    fn delays_grow_to_the_cap_then_stop() {
        let policy = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(350),
            attempts: 4,
        };
        let mut r = policy.start();
        let delays: Vec<_> = std::iter::from_fn(|| r.next_delay(&transient())).collect();
        let ms = |v: u64| Duration::from_millis(v);
        assert_eq!(delays, vec![ms(100), ms(200), ms(350), ms(350)]);
        r.reset();
        assert_eq!(r.next_delay(&transient()), Some(ms(100)));
    }

    #[test]
    fn permanent_errors_are_not_retried() {
        let mut r = Backoff::default().start();
        assert_eq!(
            r.next_delay(&Error::Auth {
                host: "h".into(),
                user: "u".into()
            }),
            None
        );
        assert_eq!(r.next_delay(&Error::Cancelled), None);
    }

    #[tokio::test(start_paused = true)]
    async fn pause_ends_early_on_cancel() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        assert!(matches!(
            pause(Duration::from_secs(3600), &cancel).await,
            Err(Error::Cancelled)
        ));
        let fresh = CancellationToken::new();
        assert!(pause(Duration::from_secs(3600), &fresh).await.is_ok());
    }
}
