//! The reader's renderer on arbitrary bytes: it must never panic, and whatever comes in,
//! no script element survives in the sanitized HTML.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mailcall_mail::reader::{render, RemotePolicy};

fuzz_target!(|data: &[u8]| {
    let reading = render(data, &RemotePolicy::Block);
    if let Some(html) = reading.html {
        assert!(!html.to_ascii_lowercase().contains("<script"));
    }
});
