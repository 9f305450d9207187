//! Janus identifiers as newtypes, so a session id can never be passed where a handle id is
//! expected.
//!
//! Invariants: every id is the numeric form Janus uses by default. Janus (and the VideoRoom
//! plugin with `string_ids = true`) can be configured to use strings instead; this client does
//! not support that mode, and deserializing a string id fails with a decode error rather than
//! guessing.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<u64> for $name {
            fn from(value: u64) -> Self {
                Self(value)
            }
        }
    };
}

id!(
    /// A Janus core session (`session_id`).
    SessionId
);
id!(
    /// A plugin handle inside a session (`handle_id`, `sender` in events).
    HandleId
);
id!(
    /// A VideoRoom participant: publishers are "feeds" (`id`, `feed`, `publisher_id`).
    FeedId
);
id!(
    /// A VideoRoom room (`room`).
    RoomId
);
