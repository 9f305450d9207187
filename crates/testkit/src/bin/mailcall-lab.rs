//! `mailcall-lab`: a real mail lab for the app window's end-to-end tests.
//!
//! Starts a Dovecot lab serving a fixture mailbox (plus a small folder with a non-ASCII,
//! nested name) and a private gnome-keyring Secret Service bus, prints one JSON line with
//! everything a client needs (ports, user, password, certificate, bus address, manifest
//! path and counts), then follows commands on stdin, one per line, answering each with one
//! JSON line on stdout:
//!
//! - `stop` / `start`: takes the IMAP server away and brings it back (same ports, same mail),
//!   so tests can make the app go offline.
//! - `folder NAME`: what the server holds in the IMAP folder `NAME` (as the Maildir on disk
//!   says): message count, flag counts and, for folders of at most [`LISTED`] messages, the
//!   threading headers of each message.
//! - `append PATH`: delivers the message in file `PATH` to INBOX, unread, as new mail.
//! - `quit` (or end of input): stops everything and removes the lab's files.
//!
//! usage: `mailcall-lab [--messages N] [--seed S] [--until UNIX] [--user NAME] [--password PW] [--no-keyring]`
//! (`--until`: the end of the fixture's dates, e.g. now, for views of "the last two weeks")

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use mailcall_testkit::dovecot::{DovecotLab, MaildirFlag};
use mailcall_testkit::fixture::Fixture;
use mailcall_testkit::keyring::KeyringLab;
use serde_json::{json, Value};

/// Folders with more messages than this are answered with counts only.
const LISTED: usize = 2_000;

/// The extra folder: `Projekte/Übersicht` in modified UTF-7, one level down.
const EXTRA_FOLDER_IMAP: &str = "Projekte.&ANw-bersicht";
const EXTRA_FOLDER_NAME: &str = "Projekte.Übersicht";
const EXTRA_MESSAGES: usize = 3;

struct Options {
    messages: u64,
    seed: u64,
    user: String,
    password: String,
    keyring: bool,
    until: Option<i64>,
}

fn parse_args() -> Result<Options> {
    let mut options = Options {
        messages: 2_000,
        seed: 12,
        user: "alice".to_owned(),
        password: "correct horse".to_owned(),
        keyring: true,
        until: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--messages" => options.messages = value()?.parse().context("--messages")?,
            "--seed" => options.seed = value()?.parse().context("--seed")?,
            "--user" => options.user = value()?,
            "--password" => options.password = value()?,
            "--no-keyring" => options.keyring = false,
            "--until" => options.until = Some(value()?.parse().context("--until")?),
            "-h" | "--help" => {
                println!(
                    "usage: mailcall-lab [--messages N] [--seed S] [--until UNIX] [--user NAME] \
                     [--password PW] [--no-keyring]\nthen stdin: stop | start | folder NAME | quit"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    Ok(options)
}

fn main() -> Result<()> {
    let options = parse_args()?;
    let mut lab = DovecotLab::builder()
        .user(&options.user, &options.password)
        .build()?;
    let maildir = lab.maildir(&options.user);
    let manifest_path = maildir
        .parent()
        .context("the Maildir has a parent")?
        .join("manifest.json");
    // Tests work out expectations from the manifest's lists: they must be complete.
    let mut fixture = Fixture::new(options.seed);
    if let Some(until) = options.until {
        fixture = fixture.until(until);
    }
    let manifest = fixture
        .messages(options.messages)
        .list_limit(usize::MAX)
        .write_maildir_with_manifest(&maildir, &manifest_path)?;
    write_extra_folder(&lab, &options.user)?;
    lab.fix_ownership()?;
    lab.start()?;
    let keyring = if options.keyring {
        Some(KeyringLab::start()?)
    } else {
        None
    };

    let ready = json!({
        "event": "ready",
        "host": lab.host(),
        "imapPort": lab.imap_port(),
        "imapsPort": lab.imaps_port(),
        "user": options.user,
        "password": options.password,
        "address": manifest.me,
        "certPem": lab.cert_pem(),
        "busAddress": keyring.as_ref().map(KeyringLab::bus_address),
        "keyringHome": keyring.as_ref().map(|k| k.home().display().to_string()),
        "maildir": maildir.display().to_string(),
        "manifestPath": manifest_path.display().to_string(),
        "summary": manifest.summary(),
        "extraFolder": {
            "imap": EXTRA_FOLDER_IMAP,
            "name": EXTRA_FOLDER_NAME,
            "messages": EXTRA_MESSAGES,
        },
    });
    say(&ready)?;

    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let (command, arg) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
        let answer = match command {
            "" => continue,
            "stop" => lab.stop().map(|()| json!({ "event": "stopped" })),
            "start" => lab.start().map(|()| json!({ "event": "started" })),
            "folder" => folder_report(&maildir, arg.trim()),
            "append" => append_file(&lab, &options.user, arg.trim()),
            "quit" => break,
            other => {
                Ok(json!({ "event": "error", "message": format!("unknown command {other:?}") }))
            }
        };
        let answer = answer.unwrap_or_else(
            |e| json!({ "event": "error", "message": format!("{command}: {e:#}") }),
        );
        say(&answer)?;
    }
    drop(keyring);
    drop(lab);
    Ok(())
}

/// Writes one JSON line to stdout and flushes it, so a reading test sees it at once.
fn say(value: &Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// A nested folder with a non-ASCII name and a few plain messages.
fn write_extra_folder(lab: &DovecotLab, user: &str) -> Result<()> {
    for n in 1..=EXTRA_MESSAGES {
        let raw = format!(
            "From: Jürgen Weiß <juergen@projekte.example>\r\nTo: me@corp.example\r\n\
             Subject: Übersicht Teil {n}\r\nDate: Mon, 2{n} Jun 2025 10:00:00 +0000\r\n\
             Message-ID: <uebersicht-{n}@projekte.example>\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
             Teil {n} der Übersicht.\r\n"
        );
        lab.append_maildir(
            user,
            EXTRA_FOLDER_IMAP,
            raw.as_bytes(),
            &[MaildirFlag::Seen],
        )?;
    }
    Ok(())
}

/// Delivers the message in file `path` to INBOX (unread), as new mail arriving.
fn append_file(lab: &DovecotLab, user: &str, path: &str) -> Result<Value> {
    let raw = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
    let file = lab.append_maildir(user, "INBOX", &raw, &[])?;
    Ok(json!({ "event": "appended", "file": file.display().to_string() }))
}

/// What the server holds in `folder`, read from its Maildir (Dovecot keeps flags in the
/// file names, so this is the server's own state).
fn folder_report(maildir: &Path, folder: &str) -> Result<Value> {
    let dir = if folder.eq_ignore_ascii_case("INBOX") {
        maildir.to_owned()
    } else {
        maildir.join(format!(".{folder}"))
    };
    if !dir.join("cur").is_dir() {
        return Ok(json!({ "event": "folder", "name": folder, "exists": false }));
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["new", "cur"] {
        for entry in std::fs::read_dir(dir.join(sub))? {
            files.push(entry?.path());
        }
    }
    files.sort();
    let flags_of = |path: &Path| -> String {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        name.split_once(":2,")
            .map(|(_, f)| f.to_owned())
            .unwrap_or_default()
    };
    let count_flag = |letter: char| {
        files
            .iter()
            .filter(|p| flags_of(p).contains(letter))
            .count()
    };
    let mut report = json!({
        "event": "folder",
        "name": folder,
        "exists": true,
        "count": files.len(),
        "seen": count_flag('S'),
        "flagged": count_flag('F'),
        "answered": count_flag('R'),
        "deleted": count_flag('T'),
    });
    if files.len() <= LISTED {
        let mut messages = Vec::new();
        for path in &files {
            let raw = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
            let headers = header_block(&raw);
            messages.push(json!({
                "flags": flags_of(path),
                "messageId": header(&headers, "message-id"),
                "inReplyTo": header(&headers, "in-reply-to"),
                "references": header(&headers, "references"),
                "subject": header(&headers, "subject"),
            }));
        }
        report["messages"] = Value::Array(messages);
    }
    Ok(report)
}

/// The unfolded header lines of a raw message (up to the first empty line).
fn header_block(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let mut lines: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        match lines.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => lines.push(line.to_owned()),
        }
    }
    lines
}

fn header(lines: &[String], name: &str) -> Option<String> {
    lines.iter().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}
