//! The reading pane's core against the real Dovecot lab and a local HTTP server made by
//! the test: opening a message fetches its source with BODY.PEEK (it stays unread on the
//! server) and keeps it for offline reading; rendering it makes no request while remote
//! content is blocked, and exactly one (no cookie, no referrer) when it is allowed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailcall_mail::reader::{self, RemoteFetcher, RemoteLimits, RemotePolicy};
use mailcall_mail::{CacheAccess, Keyring, MailService, SearchOrder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::remote::{fresh_cache, lab_with_fixture, options, other_client, password, uid_search};

/// A 1x1 PNG.
const PIXEL: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

/// An HTTP server on 127.0.0.1 that answers every request with [`PIXEL`] and keeps the
/// request heads it received.
async fn pixel_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                log.lock()
                    .expect("not poisoned")
                    .push(String::from_utf8_lossy(&head).into_owned());
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\
                     Set-Cookie: tracker=1\r\nConnection: close\r\n\r\n",
                    PIXEL.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.write_all(PIXEL).await;
            });
        }
    });
    (port, seen)
}

fn hostile(port: u16) -> Vec<u8> {
    let pixel = format!("http://127.0.0.1:{port}/pixel.png");
    format!(
        "From: Tracker <news@tracker.example>\r\nTo: alice@example.org\r\n\
         Subject: beaconquux offer\r\nDate: Tue, 1 Jul 2025 10:00:00 +0000\r\n\
         Message-ID: <beacon-1@tracker.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Hello</p><img src=\"{pixel}\" width=1 height=1>\
         <div style=\"background:url({pixel})\">x</div>\
         <script>document.write('<img src={pixel}?script>')</script>\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn an_opened_message_is_cached_unread_and_loads_remote_content_only_when_allowed() {
    let (mut lab, _) = lab_with_fixture(31, 5);
    let (_dir, acct, store) = fresh_cache(&lab);
    let (port, seen) = pixel_server().await;
    let mut raw_client = other_client(&lab).await;
    raw_client
        .append("INBOX", None, None, &hostile(port))
        .await
        .expect("append");

    let cache = CacheAccess::of(&acct, &Keyring::default(), false)
        .await
        .expect("cache access");
    let service =
        MailService::start(acct.clone(), password(), &cache, options(100)).expect("service starts");
    service.sync().await.expect("sync");
    let found = store
        .search("beaconquux", SearchOrder::default(), 0, 5)
        .expect("search")
        .items;
    assert_eq!(found.len(), 1);
    let (id, uid) = (found[0].id, found[0].uid);
    assert_eq!(store.raw_message(id).expect("read"), None);

    let source = service.message_source(id).await.expect("source");
    assert!(source.ends_with(&hostile(port)[hostile(port).len() - 40..]));
    assert_eq!(store.raw_message(id).expect("read"), Some(source.clone()));
    // BODY.PEEK: still unread on the server.
    raw_client.select("INBOX").await.expect("select");
    assert!(uid_search(&mut raw_client, "UNSEEN")
        .await
        .contains(&uid.get()));
    raw_client.logout().await.expect("logout");

    // Blocked: no request at all, and the pixel and the CSS background are counted.
    let blocked = reader::render(&source, &RemotePolicy::Block);
    assert_eq!(blocked.blocked_remote, 2);
    assert!(!blocked.document.contains("127.0.0.1"));
    assert!(!blocked.document.contains("<script"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(seen.lock().expect("not poisoned").is_empty());

    // Allowed: the core fetches the one distinct URL once and inlines it.
    let fetcher = RemoteFetcher::new(RemoteLimits::default()).expect("fetcher");
    let allowed = reader::render_allowing_remote(source.clone().into(), &fetcher).await;
    assert_eq!(allowed.blocked_remote, 0);
    let html = allowed.html.expect("html");
    assert_eq!(html.matches("data:image/png;base64,").count(), 2, "{html}");
    assert!(!allowed.document.contains("127.0.0.1"));
    let requests = seen.lock().expect("not poisoned").clone();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let head = requests[0].to_ascii_lowercase();
    assert!(head.starts_with("get /pixel.png "), "{head}");
    assert!(!head.contains("cookie"), "{head}");
    assert!(!head.contains("referer"), "{head}");

    // Opened once, it opens again with the server gone.
    tokio::time::timeout(Duration::from_secs(10), service.stop())
        .await
        .expect("the service stops");
    lab.stop().expect("stop dovecot");
    let offline =
        MailService::start(acct.clone(), password(), &cache, options(100)).expect("service starts");
    let again = tokio::time::timeout(Duration::from_secs(10), offline.message_source(id))
        .await
        .expect("answers without the server")
        .expect("source from the cache");
    assert_eq!(again, source);
    offline.stop().await;
}

/// The render fuzz target's seed corpus, run without `cargo fuzz`.
#[test]
fn the_render_seed_corpus_renders_without_script_or_remote_urls() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/render");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus") {
        let raw = std::fs::read(entry.expect("entry").path()).expect("read");
        let reading = reader::render(&raw, &RemotePolicy::Block);
        let html = reading.html.unwrap_or_default().to_ascii_lowercase();
        assert!(!html.contains("<script") && !html.contains("javascript:"));
        assert!(!html.contains("evil.example"), "{html}");
        seen += 1;
    }
    assert!(seen >= 2, "the corpus has its seeds");
}
