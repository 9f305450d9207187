//! An error with its sources on one line, for messages people read (events, reports, logs).
//!
//! The mail engine and the Janus client do not depend on each other, yet both report errors
//! the same way; this is the one place that walks `source()`.

use std::error::Error;

/// `error: source: source of source`, the way `anyhow` prints `{:#}`.
pub fn chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::chain;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("cannot connect to imap.example")
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn sources_follow_the_error() {
        let e = Outer(std::io::Error::other("connection refused"));
        assert_eq!(
            chain(&e),
            "cannot connect to imap.example: connection refused"
        );
        assert_eq!(chain(&e.0), "connection refused");
    }
}
