// The mail client in the real window, against the real labs (Dovecot with a fixture mailbox,
// gnome-keyring on a private bus) started by `mailcall-lab`. Tests run in order on one
// window: add the account, scroll the big folder, search and reply, act offline, and the
// whole flow again by keyboard. Every step leaves a screenshot in test-output/mail-window.
//
// MAILCALL_E2E_MESSAGES sets the fixture size (INBOX holds about 70% of it).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { outputDir, waitFor } from "./harness.mjs";
import { submitAccountForm } from "./account.mjs";
import { startLab } from "./lab.mjs";
import { openWindow } from "./window.mjs";

const out = outputDir("mail-window");
const messages = Number(process.env.MAILCALL_E2E_MESSAGES ?? 70000);
/** The list must stay windowed: a few hundred rows at most in the DOM. */
const MAX_ROWS = 300;

let lab;
let win;
let tmp;
let config;
let inboxTotal;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mailcall-window-"));
  lab = await startLab({ messages, dir: out });
  config = path.join(tmp, "config", "config.toml");
  inboxTotal = lab.summary.folders.INBOX.total;
  win = await openWindow({
    dir: out,
    env: {
      MAILCALL_CONFIG: config,
      DBUS_SESSION_BUS_ADDRESS: lab.busAddress,
      XDG_DATA_HOME: path.join(tmp, "data"),
      XDG_CACHE_HOME: path.join(tmp, "cache"),
    },
  });
});

after(async () => {
  await win?.close();
  await lab?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Secrets stored in the lab keyring's login collection. */
function keyringItems() {
  const reply = execFileSync(
    "dbus-send",
    [
      `--bus=${lab.busAddress}`,
      "--print-reply",
      "--dest=org.freedesktop.secrets",
      "/org/freedesktop/secrets/collection/login",
      "org.freedesktop.DBus.Properties.Get",
      "string:org.freedesktop.Secret.Collection",
      "string:Items",
    ],
    { encoding: "utf8" },
  );
  return [...reply.matchAll(/object path "([^"]+)"/g)].map((m) => m[1]);
}


const folderState = () =>
  win.exec(`return Object.fromEntries([...document.querySelectorAll('[data-testid="folder"]')]
    .map((f) => [f.dataset.path, { total: Number(f.dataset.total), unread: Number(f.dataset.unread),
      role: f.dataset.role, text: f.textContent.trim(), depth: f.style.paddingLeft }]));`);

const rowCount = () => win.exec(`return document.querySelectorAll('[data-testid="message-list"] [role="row"]').length;`);

const pending = () => win.exec(`return Number(document.querySelector('[data-testid="pending"]')?.dataset.pending ?? -1);`);

test("first run: the add-account form refuses a wrong password and stores nothing", async () => {
  await win.waitFor('[data-testid="account-form"]', 30000);
  await win.screenshot("welcome");
  await submitAccountForm(win, lab, "not the password");
  // The lab's certificate is self-signed: the page says so before any login.
  const problem = await waitFor("the certificate page", () => win.text('[data-testid="cert-problem"]'));
  assert.match(problem, /self-signed/, "the certificate page says what is wrong");
  // The fingerprint shown is the lab certificate's, computed here from its PEM.
  const want = `SHA256:${new X509Certificate(lab.certPem).fingerprint256}`;
  assert.equal(await win.text('[data-testid="cert-fingerprint"]'), want);
  await win.screenshot("untrusted-certificate");
  // Trusting exactly this certificate gets through to the login, which the server refuses.
  await win.click('[data-testid="trust-certificate"]');
  await win.waitFor('[data-testid="account-error"][data-kind="auth"]', 30000);
  const refusal = await win.text('[data-testid="account-error"]');
  assert.match(refusal, /refused/i);
  await win.screenshot("wrong-password");
  assert.ok(!existsSync(config) || !readFileSync(config, "utf8").includes(lab.host), "no account saved");
  assert.deepEqual(keyringItems(), [], "no password stored");
});

test("the right password adds the account and the folders show the manifest's counts", async () => {
  await win.type('[data-testid="f-password"]', lab.password);
  await win.click('[data-testid="f-submit"]');
  await win.waitFor('[data-testid="mail-view"]', 60000);
  assert.equal(keyringItems().length, 1, "the password is in the keyring");
  assert.ok(readFileSync(config, "utf8").includes(lab.host), "the account is saved");
  assert.ok(!readFileSync(config, "utf8").includes(lab.password), "the config holds no password");
  const expected = lab.summary.folders;
  const folders = await waitFor(
    "folder counts as in the manifest",
    async () => {
      const seen = await folderState();
      const ok = Object.entries(expected).every(
        ([name, c]) => seen[name]?.total === c.total && seen[name]?.unread === c.unseen,
      );
      return ok && seen;
    },
    240000,
  ).catch(async (e) => {
    await win.screenshot("folders-timeout");
    throw new Error(`${e.message}\nseen: ${JSON.stringify(await folderState())}\nexpected: ${JSON.stringify(expected)}`);
  });
  assert.equal(folders.INBOX.role, "inbox");
  assert.equal(folders.Drafts.role, "drafts");
  // Hierarchy and a non-ASCII name: "Projekte.Übersicht" shows as "Übersicht" under "Projekte".
  const extra = Object.values(folders).find((f) => f.text.includes("Übersicht"));
  assert.ok(extra, `the non-ASCII folder is listed: ${JSON.stringify(folders)}`);
  assert.notEqual(extra.depth, folders.INBOX.depth, "the child folder is indented");
  assert.equal(await win.text('[data-testid="list-title"]'), "Inbox");
  await win.until("inbox rows", `return document.querySelectorAll('[data-testid="message-row"]').length > 10;`);
  await win.screenshot("three-panes");
});

test("the big folder scrolls to its end by row index and opens its last message", async () => {
  assert.ok(inboxTotal > 1000, `the fixture's INBOX is big (${inboxTotal})`);
  let most = 0;
  // Jumps through the whole list; every position paints its rows, never many at once.
  for (const fraction of [0.1, 0.35, 0.5, 0.77, 0.9, 1]) {
    const index = Math.min(inboxTotal - 1, Math.floor(fraction * inboxTotal));
    await win.exec(
      `const s = document.querySelector('[data-testid="message-list"]');
       s.scrollTop = arguments[0] * 28 - s.clientHeight / 2; s.dispatchEvent(new Event('scroll'));`,
      index,
    );
    await win.until(
      `row ${index} painted`,
      `return document.querySelector('[data-testid="message-row"][data-index="' + arguments[0] + '"]');`,
      15000,
      index,
    );
    most = Math.max(most, await rowCount());
  }
  assert.ok(most <= MAX_ROWS, `the list held ${most} rows at most`);
  const last = inboxTotal - 1;
  await win.click(`[data-testid="message-row"][data-index="${last}"]`);
  const subject = await win.exec(
    `return document.querySelector('[data-testid="message-row"][data-index="' + arguments[0] + '"] .subject').textContent.trim();`,
    last,
  );
  await waitFor("the last message open", async () => (await win.text('[data-testid="reader-subject"]')) === subject);
  await win.waitFor('[data-testid="text-body"], [data-testid="html-body"], [data-testid="body-missing"]');
  assert.ok((await rowCount()) <= MAX_ROWS);
  await win.screenshot("last-message");
});

test("a bad query shows where it is wrong", async () => {
  await win.type('[data-testid="search-input"]', "from:(");
  const position = await waitFor("the query error", () =>
    win.exec(`return document.querySelector('[data-testid="query-error"]')?.dataset.position;`),
  );
  assert.match(position, /^\d+$/);
  await win.screenshot("query-error");
});

test("search finds the needle; a reply is saved as a draft in the thread on the server", async () => {
  const needle = lab.summary.needle;
  await win.type('[data-testid="search-input"]', needle.token);
  await waitFor("one hit", async () => /^1 result$/.test(await win.text('[data-testid="hit-count"]')));
  await win.click('[data-testid="message-row"][data-index="0"]');
  await waitFor("the needle open", async () => (await win.text('[data-testid="reader-subject"]')) === needle.subject);
  await win.screenshot("needle");
  await win.click('[data-testid="reader"] .actions button:first-child');
  await win.waitFor('[data-testid="reply-quote"]');
  await win.type('[data-testid="reply-body"]', "Thanks, found it.");
  await win.screenshot("reply");
  await win.click('[data-testid="save-draft"]');
  await waitFor("the reply pane closed", async () => !(await win.exec(`return !!document.querySelector('[data-testid="reply-pane"]');`)));
  const draft = await waitFor(
    "the draft on the server",
    async () => {
      const drafts = await lab.command("folder Drafts");
      return drafts.messages?.find((m) => m.inReplyTo?.includes(needle.message_id));
    },
    60000,
  );
  assert.ok(draft.references.includes(needle.message_id), "the draft references the original");
  assert.match(draft.flags, /D/, "the draft carries \\Draft");
  await win.screenshot("draft-saved");
});

test("offline: archive three and flag one, pending shows 4, then the server gets them", async () => {
  // Opening must not add changes of its own here.
  await win.click('[data-testid="nav-settings"]');
  await win.waitFor('[data-testid="settings"] input[type="checkbox"]');
  await win.exec(`const c = document.querySelector('[data-testid="settings"] input[type="checkbox"]');
    if (c.checked) c.click();`);
  await win.click('[data-testid="nav-mail"]');
  await win.waitFor('[data-testid="mail-view"]');
  await win.click('[data-testid="folder"][data-path="INBOX"]');
  await waitFor("pending 0 before", async () => (await pending()) === 0, 60000).catch(async (e) => {
    await win.screenshot("pending-before");
    throw new Error(`${e.message}; the status bar says ${await win.text('[data-testid="status-bar"]')}`);
  });
  const archiveBefore = (await lab.command("folder Archive")).count;
  const inboxBefore = await lab.command("folder INBOX");

  await lab.command("stop");
  await waitFor(
    "the app to notice the server is gone",
    () => win.exec(`return document.querySelector('[data-testid="online-state"]').dataset.online === "false";`),
    90000,
  );
  const totalBefore = Number(await win.exec(`return document.querySelector('[data-testid="message-list"]').dataset.total;`));
  for (let i = 0; i < 3; i++) {
    await win.click('[data-testid="message-row"][data-index="0"]');
    await win.click('[data-testid="archive"]');
    await waitFor(`archive ${i + 1} applied`, async () => (await pending()) === i + 1, 15000);
  }
  await win.click('[data-testid="message-row"][data-index="0"]');
  await win.click('[data-testid="flag"]');
  await waitFor("4 pending", async () => (await pending()) === 4, 15000);
  await win.until("the flag shows at once", `return document.querySelector('[data-testid="message-row"][data-index="0"] .flag.on');`);
  const totalAfter = Number(await win.exec(`return document.querySelector('[data-testid="message-list"]').dataset.total;`));
  assert.equal(totalAfter, totalBefore - 3, "the list lost the archived messages at once");
  await win.screenshot("offline-pending");

  await lab.command("start");
  await waitFor("pending 0 after the server is back", async () => (await pending()) === 0, 180000).catch(async (e) => {
    await win.screenshot("offline-timeout");
    throw e;
  });
  const archiveAfter = (await lab.command("folder Archive")).count;
  const inboxAfter = await lab.command("folder INBOX");
  assert.equal(archiveAfter, archiveBefore + 3, "the server's Archive has the three");
  assert.equal(inboxAfter.count, inboxBefore.count - 3, "the server's INBOX lost them");
  assert.equal(inboxAfter.flagged, inboxBefore.flagged + 1, "the server has the flag");
  await win.screenshot("back-online");
});

test("the whole flow by keyboard", async () => {
  await win.exec(`document.activeElement?.blur();`);
  await win.keys("g", "i");
  await waitFor("the inbox", async () => (await win.text('[data-testid="list-title"]')) === "Inbox");
  await win.keys("j");
  await win.waitFor('[data-testid="message-row"][data-index="0"].cursor');
  await win.keys("j", "j", "k");
  await win.waitFor('[data-testid="message-row"][data-index="1"].cursor');
  const subject = await win.exec(`return document.querySelector('[data-testid="message-row"].cursor .subject').textContent.trim();`);
  await waitFor("j/k open the message", async () => (await win.text('[data-testid="reader-subject"]')) === subject);
  const flagged = () => win.exec(`return !!document.querySelector('[data-testid="message-row"].cursor .flag.on');`);
  const wasFlagged = await flagged();
  await win.keys("s");
  await waitFor("s flags", async () => (await flagged()) !== wasFlagged);
  await win.keys("s");
  await waitFor("s unflags", async () => (await flagged()) === wasFlagged);
  await win.exec(`window.__seen = []; window.addEventListener("keydown",
    (e) => window.__seen.push([e.key, e.shiftKey, document.activeElement?.tagName]), { capture: true });
    window.addEventListener("error", (e) => window.__seen.push(["error", String(e.message)]));
    window.addEventListener("unhandledrejection", (e) => window.__seen.push(["rejection", String(e.reason)]));`);
  await win.keys("?");
  await win.waitFor('[data-testid="help-overlay"]', 5000).catch(async (e) => {
    throw new Error(`${e.message}; the page saw ${JSON.stringify(await win.exec("return window.__seen;"))}`);
  });
  const help = await win.text('[data-testid="help-overlay"]');
  for (const label of ["Next message", "Archive", "Reply to all", "Go to the inbox", "Search"]) {
    assert.ok(help.includes(label), `help lists ${label}`);
  }
  await win.screenshot("keyboard-help");
  await win.keys("Escape");
  await waitFor("help closed", async () => !(await win.exec(`return !!document.querySelector('[data-testid="help-overlay"]');`)));
  await win.keys("/");
  await win.until("search focused", `return document.activeElement?.dataset.testid === "search-input";`);
  await win.keys(lab.summary.needle.token, "Enter");
  // The needle and the reply saved above (its subject quotes the token).
  await waitFor("two hits", async () => /^2 results$/.test(await win.text('[data-testid="hit-count"]'))).catch(async (e) => {
    await win.screenshot("keyboard-search-failed");
    const typed = await win.exec(`return document.querySelector('[data-testid="search-input"]').value;`);
    throw new Error(`${e.message}; the search box holds ${JSON.stringify(typed)}`);
  });
  await win.keys("Escape"); // leaves the search box, keeping the results
  await win.keys("j", "j"); // newest first: the reply (today), then the needle
  await waitFor("the needle open", async () => (await win.text('[data-testid="reader-subject"]')) === lab.summary.needle.subject);
  await win.keys("a");
  await win.waitFor('[data-testid="reply-pane"]');
  await win.keys("Second reply, by keyboard.", "Control+Enter");
  await waitFor("the draft saved", async () => /Draft saved/.test(await win.text('[data-testid="notice"]')));
  await win.keys("Escape"); // clears the search: back to the inbox
  await waitFor("back in the inbox", async () => (await win.text('[data-testid="list-title"]')) === "Inbox");
  // The inbox's rows load after its title shows: j needs a row to move onto.
  await win.waitFor('[data-testid="message-row"][data-index="0"]');
  await win.keys("j");
  await win.waitFor('[data-testid="message-row"][data-index="0"].cursor');
  await win.keys("e");
  await waitFor("archived by e", async () => /Archived 1 message/.test(await win.text('[data-testid="notice"]')));
  await win.keys("z");
  await waitFor("undone by z", async () => /Undone/.test(await win.text('[data-testid="notice"]')));
  await win.screenshot("keyboard-flow");
});

test("a folder is created, renamed and deleted from the tree, and the server follows", async () => {
  // The server's Maildir spells names in modified UTF-7 (RFC 3501): written out by hand here.
  const onDisk = "Ablage f&APw-r &AMQ-mter";
  await win.click('[data-testid="folder-new"]');
  await win.type('[data-testid="folder-new-name"]', "Ablage");
  await win.click('[data-testid="folder-create"]');
  await win.click('[data-testid="folder"][data-path="Ablage"]');
  assert.equal((await lab.command("folder Ablage")).exists, true, "created on the server");
  await win.click('[data-testid="folder-rename"]');
  await win.type('[data-testid="rename-to"]', "Ablage für Ämter");
  await win.click('[data-testid="rename-submit"]');
  await win.waitFor('[data-testid="folder"][data-path="Ablage für Ämter"]', 30000);
  await win.screenshot("folder-renamed");
  assert.equal((await lab.command(`folder ${onDisk}`)).exists, true, "renamed on the server");
  assert.equal((await lab.command("folder Ablage")).exists, false, "the old name is gone");
  await win.click('[data-testid="folder-delete"]');
  await win.click('[data-testid="delete-confirm"]');
  await win.until("the folder leaves the tree", `return !document.querySelector('[data-testid="folder"][data-path^="Ablage"]');`);
  assert.equal((await lab.command(`folder ${onDisk}`)).exists, false, "deleted on the server");
  await win.screenshot("folder-deleted");
});

/**
 * Conversations in INBOX as the server holds it now: its Maildir's messages grouped by the
 * manifest's threads (a message outside them, or without a Message-ID, is one of its own).
 */
function inboxConversations() {
  const manifest = JSON.parse(readFileSync(lab.manifestPath, "utf8"));
  const { members } = manifest.threads;
  assert.equal(members.items.length, members.total, "the manifest lists every thread");
  const threadOf = new Map();
  for (const t of manifest.threads.members.items) for (const id of t.message_ids) threadOf.set(id, t.id);
  const keys = new Set();
  let withoutId = 0;
  for (const sub of ["cur", "new"]) {
    const dir = path.join(lab.maildir, sub);
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      const raw = readFileSync(path.join(dir, name), "latin1");
      const end = raw.search(/\r?\n\r?\n/);
      const head = (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, " ");
      const id = /^message-id:\s*<([^>\s]+)>/im.exec(head)?.[1];
      if (id === undefined) withoutId += 1;
      else keys.add(threadOf.get(id) ?? id);
    }
  }
  return keys.size + withoutId;
}

test("the conversations toggle lists the inbox by conversation", async () => {
  await win.click('[data-testid="folder"][data-path="INBOX"]');
  await waitFor("nothing pending", async () => (await pending()) === 0, 60000);
  const want = inboxConversations();
  assert.ok(want < inboxTotal, `INBOX has conversations of several messages (${want} of ${inboxTotal})`);
  const list = (key) => win.exec(`return document.querySelector('[data-testid="message-list"]')?.dataset[arguments[0]];`, key);
  await win.click('[data-testid="thread-toggle"]');
  await waitFor("the conversation list", async () => (await list("source")) === "threads:INBOX");
  await waitFor("one row per conversation", async () => Number(await list("total")) === want, 30000).catch(async (e) => {
    await win.screenshot("conversations-failed");
    throw new Error(`${e.message}: the list holds ${await list("total")}, want ${want}`);
  });
  assert.match(await win.text('[data-testid="list-count"]'), /conversations$/);
  await win.click('[data-testid="message-row"][data-index="0"]');
  const subject = await win.exec(`return document.querySelector('[data-testid="message-row"][data-index="0"] .subject').textContent.trim();`);
  await waitFor("the newest conversation open", async () =>
    subject.endsWith((await win.text('[data-testid="reader-subject"]')) || "(no subject)"),
  );
  assert.ok((await rowCount()) <= MAX_ROWS);
  await win.screenshot("conversations");
  await win.click('[data-testid="thread-toggle"]');
  await waitFor("back to messages", async () => (await list("source")) === "folder:INBOX");
});
