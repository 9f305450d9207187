//! Fuzzes the search language: parsing, compiling and running any text must not panic,
//! and a query that parses must run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailcall_mail::{parse_query, SearchOrder, Store};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(q) = parse_query(&text) {
        q.compile();
        if let Ok(store) = Store::open_in_memory() {
            assert!(store.search_query(&q, SearchOrder::Relevance, 0, 5).is_ok());
        }
    }
});
