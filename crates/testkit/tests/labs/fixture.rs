//! The fixture generator: determinism, manifest against disk, well-formed mail, encoded
//! words in every charset, thread links, the unanswered definition, the needle, the
//! malformed share, and a timing run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Instant, UNIX_EPOCH};

use mail_parser::{MessageParser, MimeHeaders};
use mailcall_testkit::fixture::{Defect, Fixture, Flags, Folder, Kind, Manifest, Message};
use sha2::{Digest, Sha256};

const ME: &str = "me@corp.example";

fn fixture(seed: u64, n: u64) -> Fixture {
    Fixture::new(seed)
        .messages(n)
        .me("Me Myself <me@corp.example>")
        .period_days(365)
        .list_limit(100_000)
}

/// 3,000 messages kept in memory, shared by the tests that only read them.
fn shared() -> &'static (Vec<Message>, Manifest) {
    static SHARED: OnceLock<(Vec<Message>, Manifest)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let mut it = fixture(11, 3_000).iter();
        let messages: Vec<Message> = it.by_ref().collect();
        (messages, it.manifest())
    })
}

struct OnDisk {
    folder: Folder,
    unique: String,
    flags: Flags,
    mtime: i64,
    bytes: Vec<u8>,
}

fn read_tree(root: &Path) -> Vec<OnDisk> {
    let mut out = Vec::new();
    for folder in Folder::ALL {
        let dir = root.join(folder.dir());
        for sub in ["new", "tmp"] {
            let n = std::fs::read_dir(dir.join(sub))
                .expect("maildir subfolder")
                .count();
            assert_eq!(n, 0, "{}/{sub} should be empty", folder.name());
        }
        let mut names: Vec<_> = std::fs::read_dir(dir.join("cur"))
            .expect("cur exists")
            .map(|e| e.expect("dir entry").path())
            .collect();
        names.sort();
        for path in names {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("utf-8 name")
                .to_owned();
            let (unique, info) = name.split_once(":2,").expect("maildir info suffix");
            let letters: Vec<char> = info.chars().collect();
            assert!(
                letters.windows(2).all(|w| w[0] < w[1]),
                "flags in ASCII order: {name}"
            );
            assert!(
                letters.iter().all(|c| "DFRST".contains(*c)),
                "known flags: {name}"
            );
            let meta = std::fs::metadata(&path).expect("metadata");
            let mtime = meta
                .modified()
                .expect("mtime")
                .duration_since(UNIX_EPOCH)
                .expect("after epoch")
                .as_secs() as i64;
            out.push(OnDisk {
                folder,
                unique: unique.to_owned(),
                flags: Flags::from_maildir(info),
                mtime,
                bytes: std::fs::read(&path).expect("read message"),
            });
        }
    }
    out
}

fn digest(root: &Path) -> String {
    let mut h = Sha256::new();
    for m in read_tree(root) {
        h.update(m.folder.name());
        h.update(&m.unique);
        h.update(m.flags.maildir());
        h.update(m.mtime.to_le_bytes());
        h.update(&m.bytes);
    }
    h.update(std::fs::read(root.join("manifest.json")).expect("manifest written"));
    format!("{:x}", h.finalize())
}

/// Raw header fields, unfolded, names lower-cased.
fn raw_headers(bytes: &[u8]) -> Vec<(String, String)> {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(bytes.len());
    let text = String::from_utf8_lossy(&bytes[..end]);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split("\r\n") {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = out.last_mut() {
                last.1.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    out
}

fn is_automated(bytes: &[u8], from: &str) -> bool {
    let local: String = from
        .split('@')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !"-_.".contains(*c))
        .collect::<String>()
        .to_lowercase();
    local.contains("noreply")
        || local.contains("donotreply")
        || raw_headers(bytes).iter().any(|(n, v)| match n.as_str() {
            "list-id" | "list-unsubscribe" => true,
            "precedence" => ["bulk", "list", "junk"].contains(&v.to_lowercase().as_str()),
            "auto-submitted" => !v.eq_ignore_ascii_case("no"),
            _ => false,
        })
}

fn from_addr(parsed: &mail_parser::Message) -> String {
    parsed
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .expect("From address")
        .to_ascii_lowercase()
}

#[test]
fn same_seed_gives_identical_tree_and_other_seed_differs() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let c = tempfile::tempdir().expect("tempdir");
    fixture(5, 1_500).write_maildir(a.path()).expect("write a");
    fixture(5, 1_500).write_maildir(b.path()).expect("write b");
    fixture(6, 1_500).write_maildir(c.path()).expect("write c");
    assert_eq!(digest(a.path()), digest(b.path()));
    assert_ne!(digest(a.path()), digest(c.path()));

    // The iterator yields exactly what is on disk.
    let on_disk: HashMap<String, OnDisk> = read_tree(a.path())
        .into_iter()
        .map(|m| (m.unique.clone(), m))
        .collect();
    let mut n = 0;
    for m in fixture(5, 1_500).iter() {
        let d = &on_disk[&m.unique];
        assert_eq!(d.bytes, m.bytes, "{}", m.unique);
        assert_eq!((d.folder, d.flags, d.mtime), (m.folder, m.flags, m.date));
        n += 1;
    }
    assert_eq!(n, on_disk.len());
}

#[test]
fn manifest_counts_match_files_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = fixture(21, 3_000).write_maildir(dir.path()).expect("write");
    let on_disk = read_tree(dir.path());
    assert_eq!(on_disk.len() as u64, manifest.messages);
    assert_eq!(manifest.messages, 3_000);

    let mut per_folder: BTreeMap<String, (u64, u64, u64, u64, u64)> = BTreeMap::new();
    for m in &on_disk {
        let e = per_folder.entry(m.folder.name().to_owned()).or_default();
        e.0 += 1;
        e.1 += u64::from(m.flags.seen);
        e.2 += u64::from(m.flags.answered);
        e.3 += u64::from(m.flags.flagged);
        e.4 += u64::from(m.flags.draft);
        assert!(
            (manifest.period.start..=manifest.period.end).contains(&m.mtime),
            "{} dated outside the period",
            m.unique
        );
    }
    for (name, counts) in &manifest.by_folder {
        let disk = per_folder.get(name).copied().unwrap_or_default();
        assert_eq!(
            (
                counts.total,
                counts.seen,
                counts.answered,
                counts.flagged,
                counts.draft
            ),
            disk,
            "folder {name}"
        );
        assert_eq!(counts.seen + counts.unseen, counts.total);
    }
    let inbox = &manifest.by_folder["INBOX"];
    assert!(
        inbox.total * 2 > manifest.messages,
        "most mail stays in INBOX"
    );
    for folder in ["Sent", "Archive", "Drafts", "Lists.GitHub"] {
        assert!(manifest.by_folder[folder].total > 0, "{folder} has mail");
    }
    assert!(inbox.unseen > 0 && inbox.seen > 0);

    // The mtime is the Date instant, so Dovecot's INTERNALDATE matches the header.
    let broken: BTreeSet<&str> = manifest
        .malformed
        .items
        .iter()
        .map(|m| m.unique.as_str())
        .collect();
    for m in on_disk
        .iter()
        .filter(|m| !broken.contains(m.unique.as_str()))
    {
        let parsed = MessageParser::default().parse(&m.bytes).expect("parses");
        let date = parsed.date().expect("Date header").to_timestamp();
        assert_eq!(date, m.mtime, "{}", m.unique);
    }
    let json: Manifest = serde_json::from_slice(
        &std::fs::read(dir.path().join("manifest.json")).expect("read manifest"),
    )
    .expect("manifest JSON");
    assert_eq!(json, manifest);
}

#[test]
fn well_formed_messages_parse_with_expected_headers() {
    let (messages, manifest) = shared();
    let mut automated = 0;
    let mut attachments = 0;
    for m in messages {
        automated += u64::from(m.automated);
        attachments += u64::from(m.has_attachment);
        let parsed = MessageParser::default().parse(&m.bytes);
        if m.defect.is_some() {
            continue;
        }
        let parsed = parsed.unwrap_or_else(|| panic!("{} does not parse", m.unique));
        let raw = raw_headers(&m.bytes);
        let has = |name: &str| raw.iter().any(|(n, _)| n == name);
        for name in [
            "date",
            "from",
            "to",
            "subject",
            "message-id",
            "mime-version",
            "content-type",
        ] {
            assert!(has(name), "{} lacks {name}", m.unique);
        }
        assert_eq!(parsed.message_id(), m.message_id.as_deref(), "{}", m.unique);
        assert!(
            parsed.subject().is_some_and(|s| !s.is_empty()),
            "{}",
            m.unique
        );
        assert_eq!(from_addr(&parsed), m.from);
        assert_eq!(
            is_automated(&m.bytes, &m.from),
            m.automated,
            "{} automated",
            m.unique
        );
        let attached = parsed
            .parts
            .iter()
            .any(|p| p.content_disposition().is_some_and(|d| d.is_attachment()));
        assert_eq!(attached, m.has_attachment, "{} attachment", m.unique);
        if m.kind == Kind::Alert {
            assert!(has("auto-submitted") || has("precedence"), "{}", m.unique);
        }
        if m.kind == Kind::GitHub {
            assert!(has("list-id") && has("list-unsubscribe") && has("x-github-reason"));
        }
        if m.kind == Kind::Newsletter {
            assert!(
                has("list-unsubscribe") && parsed.html_body_count() > 0,
                "{}",
                m.unique
            );
        }
        if m.kind == Kind::Human || m.kind == Kind::Mine {
            assert!(!m.automated, "{} is human mail", m.unique);
        }
        for line in m.bytes.split(|&b| b == b'\n') {
            assert!(line.len() <= 998, "{} has an overlong line", m.unique);
        }
    }
    assert_eq!(automated, manifest.automated);
    assert_eq!(manifest.automated + manifest.human, manifest.messages);
    assert_eq!(attachments, manifest.with_attachments);
    assert!(manifest.with_remote_images > 0 && manifest.with_script > 0);
    let by_kind: u64 = manifest.by_kind.values().sum();
    assert_eq!(by_kind, manifest.messages);
    for kind in [
        Kind::Alert,
        Kind::GitHub,
        Kind::Newsletter,
        Kind::Receipt,
        Kind::NoReply,
        Kind::Human,
        Kind::Mine,
    ] {
        assert!(
            manifest.by_kind.get(&kind).is_some_and(|&n| n > 0),
            "{kind:?} present"
        );
    }
}

#[test]
fn encoded_words_decode_to_intended_text() {
    let (messages, manifest) = shared();
    for charset in [
        "UTF-8",
        "ISO-8859-1",
        "Windows-1252",
        "KOI8-R",
        "ISO-2022-JP",
        "Shift_JIS",
    ] {
        assert!(
            manifest
                .encoded_subjects_by_charset
                .get(charset)
                .is_some_and(|&n| n > 0),
            "a subject in {charset}"
        );
    }
    assert!(manifest.encoded_subjects.complete());
    let by_id: HashMap<&str, &Message> = messages
        .iter()
        .filter(|m| m.defect.is_none())
        .filter_map(|m| Some((m.message_id.as_deref()?, m)))
        .collect();
    for e in &manifest.encoded_subjects.items {
        let m = by_id[e.key.as_str()];
        let parsed = MessageParser::default().parse(&m.bytes).expect("parses");
        assert_eq!(
            parsed.subject(),
            Some(e.text.as_str()),
            "{} in {}",
            e.key,
            e.charset
        );
    }
    let charsets: BTreeSet<&str> = manifest
        .encoded_names
        .iter()
        .map(|e| e.charset.as_str())
        .collect();
    assert!(
        charsets.len() >= 5,
        "display names in several charsets: {charsets:?}"
    );
    for e in &manifest.encoded_names {
        // GitHub-style senders share one address under many names.
        let found = messages
            .iter()
            .filter(|m| m.defect.is_none() && m.from == e.key)
            .any(|m| {
                let parsed = MessageParser::default().parse(&m.bytes).expect("parses");
                parsed.from().and_then(|a| a.first()).and_then(|a| a.name())
                    == Some(e.text.as_str())
            });
        assert!(found, "{} as {} in {}", e.key, e.text, e.charset);
    }
}

#[test]
fn thread_links_stay_inside_their_conversation() {
    let (messages, manifest) = shared();
    assert!(manifest.threads.members.complete() && manifest.threads.multi > 0);
    let mut thread_of: HashMap<&str, &str> = HashMap::new();
    for t in &manifest.threads.members.items {
        for id in &t.message_ids {
            assert!(thread_of.insert(id, &t.id).is_none(), "{id} in two threads");
        }
    }
    let dates: HashMap<&str, i64> = messages
        .iter()
        .filter(|m| m.defect.is_none())
        .filter_map(|m| Some((m.message_id.as_deref()?, m.date)))
        .collect();
    let mut replies = 0;
    for m in messages.iter().filter(|m| m.defect.is_none()) {
        let parsed = MessageParser::default().parse(&m.bytes).expect("parses");
        let Some(parent) = parsed.in_reply_to().as_text() else {
            continue;
        };
        replies += 1;
        let id = m.message_id.as_deref().expect("replies have ids");
        assert_eq!(
            thread_of.get(parent),
            thread_of.get(id),
            "{id} answers {parent} of another thread"
        );
        assert!(
            thread_of.contains_key(parent),
            "{parent} is a listed message"
        );
        assert!(dates[parent] < m.date, "{id} is later than {parent}");
        let refs = parsed
            .references()
            .clone()
            .into_text_list()
            .unwrap_or_default();
        assert_eq!(
            refs.last().map(|r| r.as_ref()),
            Some(parent),
            "References end with the parent"
        );
        assert_eq!(m.thread.as_deref(), thread_of.get(id).copied());
    }
    assert!(replies > 100);
}

/// Recomputes "unanswered" from headers and flags alone, linking messages by
/// In-Reply-To and References, and compares it with the manifest.
#[test]
fn unanswered_threads_follow_the_definition() {
    let (messages, manifest) = shared();
    assert!(manifest.unanswered.complete());
    let ids: Vec<&str> = messages
        .iter()
        .map(|m| m.message_id.as_deref().unwrap_or(""))
        .collect();
    let mut group: HashMap<String, usize> = HashMap::new();
    let mut parent: Vec<usize> = (0..messages.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let clean: Vec<usize> = (0..messages.len())
        .filter(|&i| messages[i].defect.is_none())
        .collect();
    for &i in &clean {
        group.insert(ids[i].to_owned(), i);
    }
    for &i in &clean {
        let parsed = MessageParser::default()
            .parse(&messages[i].bytes)
            .expect("parses");
        let refs = parsed
            .references()
            .clone()
            .into_text_list()
            .unwrap_or_default();
        let irt = parsed
            .in_reply_to()
            .clone()
            .into_text_list()
            .unwrap_or_default();
        for r in refs.iter().chain(irt.iter()) {
            if let Some(&j) = group.get(r.as_ref()) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                parent[a] = b;
            }
        }
    }
    let mut threads: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &i in &clean {
        let root = find(&mut parent, i);
        threads.entry(root).or_default().push(i);
    }
    let mut want = BTreeSet::new();
    let (mut replied_with_flag, mut replied_without_flag, mut answered_elsewhere) = (0, 0, 0);
    for members in threads.values() {
        if members
            .iter()
            .any(|&i| is_automated(&messages[i].bytes, &messages[i].from))
        {
            continue;
        }
        let sent: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| messages[i].folder != Folder::Drafts && !messages[i].flags.draft)
            .collect();
        let Some(&last) = sent.iter().max_by_key(|&&i| messages[i].date) else {
            continue;
        };
        let first = *members
            .iter()
            .min_by_key(|&&i| messages[i].date)
            .expect("non-empty");
        let lm = &messages[last];
        if lm.from != ME && !lm.flags.answered {
            want.insert((
                ids[first].to_owned(),
                ids[last].to_owned(),
                lm.from.clone(),
                lm.date,
            ));
        }
        if lm.from != ME && lm.flags.answered {
            answered_elsewhere += 1;
        }
        if lm.from == ME && lm.folder == Folder::Sent {
            if sent.iter().any(|&i| messages[i].flags.answered) {
                replied_with_flag += 1;
            } else {
                replied_without_flag += 1;
            }
        }
    }
    let got: BTreeSet<_> = manifest
        .unanswered
        .items
        .iter()
        .map(|u| (u.thread.clone(), u.last.clone(), u.from.clone(), u.date))
        .collect();
    assert_eq!(got, want);
    assert!(!want.is_empty());
    assert!(replied_with_flag > 0 && replied_without_flag > 0 && answered_elsewhere > 0);
    // A draft reply leaves its thread unanswered.
    let drafts: BTreeSet<&str> = messages
        .iter()
        .filter(|m| m.folder == Folder::Drafts)
        .filter_map(|m| m.thread.as_deref())
        .collect();
    assert!(manifest
        .unanswered
        .items
        .iter()
        .any(|u| drafts.contains(u.thread.as_str())));
}

#[test]
fn needle_is_unique() {
    let (messages, manifest) = shared();
    let needle = manifest.needle.as_ref().expect("a needle");
    assert_eq!(needle.folder, Folder::Inbox);
    assert!(needle.token.is_ascii() && !needle.word.is_ascii());
    let with_token: Vec<&Message> = messages
        .iter()
        .filter(|m| {
            m.bytes
                .windows(needle.token.len())
                .any(|w| w == needle.token.as_bytes())
        })
        .collect();
    assert_eq!(with_token.len(), 1);
    assert_eq!(
        with_token[0].message_id.as_deref(),
        Some(needle.message_id.as_str())
    );
    assert_eq!(with_token[0].unique, needle.unique);
    let mut with_word = 0;
    for m in messages {
        let Some(parsed) = MessageParser::default().parse(&m.bytes) else {
            continue;
        };
        let subject = parsed.subject().unwrap_or("").to_owned();
        let body = parsed
            .body_text(0)
            .map(|b| b.into_owned())
            .unwrap_or_default();
        if subject.contains(&needle.word) || body.contains(&needle.word) {
            with_word += 1;
            assert!(
                subject.contains(&needle.token)
                    && body.contains(&needle.token)
                    && body.contains(&needle.word)
            );
            assert_eq!(subject, needle.subject);
        }
    }
    assert_eq!(with_word, 1);
    assert!(manifest
        .search
        .iter()
        .any(|s| s.query == needle.token && s.count == 1));
}

#[test]
fn senders_never_opened_and_top_senders_match_messages() {
    let (messages, manifest) = shared();
    let mut senders: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut domains: BTreeMap<String, u64> = BTreeMap::new();
    for m in messages {
        let parsed = MessageParser::default().parse(&m.bytes).expect("parses");
        let from = from_addr(&parsed);
        let domain = from.rsplit('@').next().expect("domain").to_owned();
        *domains.entry(domain).or_default() += 1;
        if from != ME {
            let e = senders.entry(from).or_default();
            e.0 += 1;
            e.1 += u64::from(m.flags.seen);
        }
    }
    assert_eq!(domains, manifest.by_domain);
    assert_eq!(senders.len() as u64, manifest.senders);
    let never: Vec<String> = senders
        .iter()
        .filter(|(_, s)| s.1 == 0)
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(never, manifest.never_opened);
    for planted in [
        "deals@deals.example",
        "noreply@survey.example",
        "taylor@talent-scout.test",
    ] {
        assert!(never.iter().any(|n| n == planted), "{planted} never opened");
    }
    let mut top: Vec<(u64, String)> = senders.iter().map(|(k, s)| (s.0, k.clone())).collect();
    top.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let got: Vec<(u64, String)> = manifest
        .top_senders
        .iter()
        .map(|c| (c.count, c.key.clone()))
        .collect();
    assert_eq!(got, top.into_iter().take(20).collect::<Vec<_>>());
    let inbox_unread = messages
        .iter()
        .filter(|m| m.folder == Folder::Inbox && !m.flags.seen)
        .count() as u64;
    assert!(manifest
        .search
        .iter()
        .any(|s| s.query == "folder:INBOX is:unread" && s.count == inbox_unread));
}

#[test]
fn malformed_share_covers_every_defect() {
    let mut it = fixture(3, 8_000).iter();
    let mut seen_ids: BTreeSet<String> = BTreeSet::new();
    let mut defects: BTreeMap<Defect, u64> = BTreeMap::new();
    for m in it.by_ref() {
        // Whatever the defect, parsing must not panic.
        let _ = MessageParser::default().parse(&m.bytes);
        let raw = raw_headers(&m.bytes);
        let header_end = m
            .bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(m.bytes.len());
        if let Some(d) = m.defect {
            *defects.entry(d).or_default() += 1;
            assert!(
                raw.iter().any(|(n, _)| n == "from"),
                "{} keeps From",
                m.unique
            );
            match d {
                Defect::NulByte => assert!(m.bytes.contains(&0)),
                Defect::NoMessageId => assert!(!raw.iter().any(|(n, _)| n == "message-id")),
                Defect::DuplicateMessageId => {
                    assert!(
                        seen_ids.contains(m.message_id.as_deref().expect("id")),
                        "{}",
                        m.unique
                    )
                }
                Defect::LongHeaderLine => {
                    assert!(m.bytes[..header_end]
                        .split(|&b| b == b'\n')
                        .any(|l| l.len() > 998))
                }
                Defect::EightBitHeader => {
                    assert!(std::str::from_utf8(&m.bytes[..header_end]).is_err())
                }
                Defect::MissingHeaders => {
                    assert!(!raw.iter().any(|(n, _)| n == "date" || n == "to"))
                }
                Defect::BadDate => {
                    let parsed = MessageParser::default().parse(&m.bytes).expect("parses");
                    assert!(raw.iter().any(|(n, _)| n == "date"), "{}", m.unique);
                    assert_ne!(
                        parsed.date().map(|d| d.to_timestamp()),
                        Some(m.date),
                        "{}",
                        m.unique
                    );
                }
                Defect::InvalidEncodedWord => {
                    assert!(raw.iter().any(|(n, v)| n == "subject" && v.contains("=?")))
                }
                Defect::BrokenBoundary | Defect::TruncatedBase64 => {
                    assert!(raw
                        .iter()
                        .any(|(n, v)| n == "content-type" && v.starts_with("multipart/")))
                }
            }
        } else {
            assert!(!m.bytes.contains(&0));
            if let Some(id) = &m.message_id {
                assert!(
                    seen_ids.insert(id.clone()),
                    "{id} repeated without a defect"
                );
            }
        }
    }
    let manifest = it.manifest();
    assert_eq!(defects, manifest.by_defect);
    assert_eq!(defects.len(), 10, "every defect appears: {defects:?}");
    let share = manifest.malformed.total as f64 / manifest.messages as f64;
    assert!((0.01..=0.03).contains(&share), "malformed share {share}");
}

#[test]
fn twenty_thousand_messages_write_quickly() {
    let fixture = Fixture::new(99).messages(20_000);
    let started = Instant::now();
    let generated = fixture.manifest();
    let generating = started.elapsed();
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let manifest = fixture.write_maildir(dir.path()).expect("write");
    let writing = started.elapsed();
    assert_eq!(manifest, generated);
    let files: usize = Folder::ALL
        .iter()
        .map(|f| {
            std::fs::read_dir(dir.path().join(f.dir()).join("cur"))
                .expect("cur")
                .count()
        })
        .sum();
    assert_eq!(files, 20_000);
    assert_eq!(manifest.messages, 20_000);
    let manifest_size = std::fs::metadata(dir.path().join("manifest.json"))
        .expect("manifest")
        .len();
    println!(
        "fixture: 20000 messages generated in {generating:.2?}, written as a Maildir in \
         {writing:.2?}; manifest {manifest_size} bytes; {} unanswered threads, {} malformed",
        manifest.unanswered.total, manifest.malformed.total
    );
}

/// Pins the generated output for one setting. A deliberate change to the generator
/// updates the digest: run with `MAILCALL_FIXTURE_BLESS=1` and copy the printed value.
#[test]
fn fixture_output_is_pinned() {
    const PINNED: &str = "3bfcf2213cfb181b7b0f4c0a599aabf9176c3b5460440e0405a9efd2bdc770dc";
    let mut h = Sha256::new();
    let mut it = Fixture::new(1).messages(400).iter();
    for m in it.by_ref() {
        h.update(m.file_name());
        h.update(m.folder.name());
        h.update(m.date.to_le_bytes());
        h.update(&m.bytes);
    }
    h.update(serde_json::to_vec(&it.manifest()).expect("manifest JSON"));
    let got = format!("{:x}", h.finalize());
    if std::env::var_os("MAILCALL_FIXTURE_BLESS").is_some() {
        println!("fixture digest: {got}");
        return;
    }
    assert_eq!(
        got, PINNED,
        "generated output changed; see the doc comment to update the pin"
    );
}
