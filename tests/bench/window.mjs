// Benchmarks of the mail window: the real app under Xvfb, driven through WebDriver, against
// a real Dovecot lab holding a generated mailbox. Prints the figures BENCHMARKS.md keeps.
//
//   make bench-window                       # 300,000 messages, release build
//   MAILCALL_BENCH_MESSAGES=50000 make bench-window
//
// Times are taken inside the page (performance.now() and animation frames), so WebDriver's
// own round trips do not count, except where said: a figure ends on the frame after the
// DOM holds the answer, i.e. when it is painted.

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { outputDir, waitFor } from "../e2e/harness.mjs";
import { submitAccountForm } from "../e2e/account.mjs";
import { startLab } from "../e2e/lab.mjs";
import { appBin, openWindow } from "../e2e/window.mjs";
import { memory } from "./procs.mjs";
import { SENDERS_READY, WAITING_READY, applyInbox, mcpLatency, previewTimes, viewTimes } from "./jobs.mjs";

const messages = Number(process.env.MAILCALL_BENCH_MESSAGES ?? 300000);
const out = outputDir("bench-window");
const tmp = mkdtempSync(path.join(os.tmpdir(), "mailcall-bench-"));
const env = (lab) => ({
  MAILCALL_CONFIG: path.join(tmp, "config", "config.toml"),
  DBUS_SESSION_BUS_ADDRESS: lab.busAddress,
  XDG_DATA_HOME: path.join(tmp, "data"),
  XDG_CACHE_HOME: path.join(tmp, "cache"),
});

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => `${x.toFixed(1)} ms`;
const summary = (xs) => `p50 ${ms(pct(xs, 50))}, p95 ${ms(pct(xs, 95))}, max ${ms(Math.max(...xs))} (n=${xs.length})`;
const say = (what, figure) => console.log(`${what.padEnd(58)} ${figure}`);

// In-page helpers, sent with each script: wait for a condition, then for the next frame.
const PAINTED = `
  const painted = (test, limit = 30000) => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const tick = () => {
      if (test()) return requestAnimationFrame(() => resolve(performance.now()));
      if (performance.now() - t0 > limit) return reject(new Error("not painted in time"));
      requestAnimationFrame(tick);
    };
    tick();
  });
  const list = () => document.querySelector('[data-testid="message-list"]');
  const row = (i) => document.querySelector('[data-testid="message-row"][data-index="' + i + '"]');
`;

async function addAccountTimed(win, lab) {
  await submitAccountForm(win, lab);
  await win.waitFor('[data-testid="trust-certificate"]', 30000);
  // The account is added by this click: the login is tested, the password stored, the
  // account saved and started. Timed from the click to the first INBOX rows painted.
  const [clicked, shown] = await win.execAsync(
    `${PAINTED}
     const done = arguments[arguments.length - 1];
     const t0 = performance.now();
     document.querySelector('[data-testid="trust-certificate"]').click();
     painted(() => list()?.dataset.source === "folder:INBOX" && row(0), 120000).then((t) => done([t0, t]), (e) => done([t0, -1]));`,
  );
  return shown - clicked;
}

async function waitSynced(win, limit = 60 * 60 * 1000) {
  const started = Date.now();
  await waitFor(
    "the sync to finish",
    () =>
      win.exec(`return document.querySelector('[data-testid="sync-progress"]')?.textContent.trim() === "Up to date";`),
    limit,
  );
  return Date.now() - started;
}

async function searchKeystrokes(win, words) {
  const times = [];
  await win.exec(`document.querySelector('[data-testid="search-input"]').focus();`);
  for (const word of words) {
    for (let n = 1; n <= word.length; n++) {
      const typed = word.slice(0, n);
      const t = await win.execAsync(
        `${PAINTED}
         const done = arguments[arguments.length - 1];
         const input = document.querySelector('[data-testid="search-input"]');
         const before = list()?.dataset.source;
         const t0 = performance.now();
         input.value = arguments[0];
         input.dispatchEvent(new Event("input", { bubbles: true }));
         // Results are painted when the list shows a new source and its first row (or says it is empty).
         painted(() => {
           const l = list();
           return l && l.dataset.source !== before && l.dataset.source.startsWith("query:") &&
             (row(0) || document.querySelector('[data-testid="list-empty"]') || document.querySelector('[data-testid="query-error"]'));
         }, 20000).then((t) => done(t - t0), () => done(-1));`,
        typed,
      );
      if (t >= 0) times.push(t);
    }
    await win.exec(`const i = document.querySelector('[data-testid="search-input"]'); i.value = ""; i.dispatchEvent(new Event("input", { bubbles: true }));`);
    await win.until("back to the folder", `return document.querySelector('[data-testid="message-list"]')?.dataset.source === "folder:INBOX";`);
  }
  return times;
}

async function jumps(win, total, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const index = Math.floor(Math.random() * total);
    const t = await win.execAsync(
      `${PAINTED}
       const done = arguments[arguments.length - 1];
       const s = list();
       const t0 = performance.now();
       s.scrollTop = arguments[0] * 28;
       painted(() => row(arguments[0])?.querySelector('.subject'), 20000).then((t) => done(t - t0), () => done(-1));`,
      index,
    );
    if (t >= 0) times.push(t);
  }
  return times;
}

/** Scrolls steadily (3 rows a frame) for `frames` frames; reports long frames and frames showing placeholder rows. */
function scrollRun(win, frames) {
  return win.execAsync(
    `const done = arguments[arguments.length - 1];
     const s = document.querySelector('[data-testid="message-list"]');
     s.scrollTop = 1000 * 28;
     const deltas = [];
     let blank = 0;
     let last = performance.now();
     let n = 0;
     const step = (now) => {
       deltas.push(now - last);
       last = now;
       if (s.querySelector('.row.placeholder')) blank++;
       s.scrollTop += 84;
       if (++n < arguments[0]) requestAnimationFrame(step);
       else done({ deltas, blank });
     };
     requestAnimationFrame((t) => { last = t; requestAnimationFrame(step); });`,
    frames,
  );
}

async function opens(win, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t = await win.execAsync(
      `${PAINTED}
       const done = arguments[arguments.length - 1];
       const r = row(arguments[0]);
       const subject = r.querySelector('.subject').textContent.trim();
       const t0 = performance.now();
       r.click();
       painted(() => document.querySelector('[data-testid="reader-subject"]')?.textContent.trim() === subject &&
         document.querySelector('[data-testid="text-body"], [data-testid="html-body"], [data-testid="body-missing"]'), 20000)
         .then((t) => done(t - t0), () => done(-1));`,
      i,
    );
    if (t >= 0) times.push(t);
  }
  return times;
}

async function main() {
  console.log(`Mailcall window benchmark: ${messages.toLocaleString("en")} generated messages, app ${appBin}`);
  const labStarted = Date.now();
  // Dated up to now, so that "the last two weeks" and "the last year" hold mail.
  const now = Math.floor(Date.now() / 1000);
  const lab = await startLab({ messages, dir: out, until: now - (now % 3600) });
  const manifest = JSON.parse(readFileSync(lab.manifestPath, "utf8"));
  const inbox = lab.summary.folders.INBOX.total;
  say("lab ready (fixture written, Dovecot started)", `${((Date.now() - labStarted) / 1000).toFixed(1)} s`);
  say("INBOX rows", inbox.toLocaleString("en"));
  let win;
  try {
    // A fresh account: the newest INBOX page while the rest fills in behind.
    win = await openWindow({ dir: out, env: env(lab) });
    say("fresh account: add to first INBOX rows painted", ms(await addAccountTimed(win, lab)));
    await win.screenshot("fresh-account");
    say("fresh account: whole mailbox synced (headers)", `${((await waitSynced(win)) / 1000).toFixed(1)} s`);
    await win.close();

    // Cold start with the mailbox cached: process start to the first rows painted.
    const spawned = Date.now();
    win = await openWindow({ dir: out, env: env(lab) });
    await win.until("rows after a cold start", `return performance.getEntriesByName("mailcall:first-rows").length > 0;`, 60000);
    const firstRows = await win.exec(`return performance.timeOrigin + performance.getEntriesByName("mailcall:first-rows")[0].startTime;`);
    say("cold start: launch to first inbox rows painted", ms(firstRows - spawned));
    await win.screenshot("cold-start");
    const settled = await waitSynced(win, 120000).then(
      (t) => `${(t / 1000).toFixed(1)} s`,
      async () => `not within 120 s; the status bar says "${await win.text('[data-testid="status-bar"]')}"`,
    );
    say("cold start: sync of the cached mailbox settled", settled);
    const idle = memory();
    say("memory after start, cached (PSS, all processes)", `${idle.pss.toFixed(0)} MB (RSS ${idle.rss.toFixed(0)} MB; ${idle.names.join(", ")})`);

    say("jump to a random row of INBOX, painted", summary(await jumps(win, inbox, 100)));
    const run = await scrollRun(win, 300);
    const long = run.deltas.filter((d) => d > 1000 / 60 * 1.5).length;
    say("steady scroll, 300 frames", `${long} frames over 25 ms, ${run.blank} frames with placeholder rows, frame p50 ${ms(pct(run.deltas, 50))}, p95 ${ms(pct(run.deltas, 95))}`);
    await win.screenshot("scrolled");

    await win.exec(`document.querySelector('[data-testid="message-list"]').scrollTop = 0;`);
    await win.until("top rows", `return document.querySelector('[data-testid="message-row"][data-index="30"]');`);
    const first = await opens(win, 30);
    say("open a message, body fetched from the server, painted", summary(first));
    say("open a cached message, body painted", summary(await opens(win, 30)));
    await win.screenshot("open");

    const words = (process.env.MAILCALL_BENCH_WORDS ?? "invoice meeting report from:eleni").split(" ");
    say(`keystroke to search results painted (${words.join(", ")})`, summary(await searchKeystrokes(win, words)));
    await win.screenshot("search");
    const busy = memory();
    say("memory after all of the above (PSS, all processes)", `${busy.pss.toFixed(0)} MB (RSS ${busy.rss.toFixed(0)} MB)`);

    // The big jobs: views, previews, assistants, and last (it empties INBOX) a big apply.
    say("waiting for my reply (2 weeks) painted from a click", summary(await viewTimes(win, PAINTED, "waiting", WAITING_READY, 10)));
    await win.screenshot("waiting");
    say("senders view (last year, charts drawn) painted from a click", summary(await viewTimes(win, PAINTED, "senders", SENDERS_READY, 10)));
    await win.screenshot("senders");
    const domains = manifest.top_domains.slice(0, 10).map((d) => d.key);
    say("sort rule edited (senders) to its preview painted", summary(await previewTimes(win, PAINTED, domains)));
    await win.screenshot("preview");
    const latency = await mcpLatency(
      win,
      [
        { tool: "account_status" },
        { tool: "search", args: { query: "invoice", limit: 20 } },
        { tool: "waiting_for_reply", args: { limit: 50 } },
        { tool: "top_senders", args: { limit: 20 } },
      ],
      50,
    );
    for (const [tool, l] of Object.entries(latency)) say(`MCP over the app's HTTP endpoint: ${tool}`, `p50 ${l.p50} ms, p99 ${l.p99} ms (n=${l.n})`);
    const applied = await applyInbox(win, "Bench-Archive");
    say("apply: every INBOX message older than a day", `${applied.moved.toLocaleString("en")} of ${applied.planned.toLocaleString("en")} moved in ${applied.seconds.toFixed(1)} s (${Math.round(applied.moved / applied.seconds).toLocaleString("en")}/s)`);
    say("apply: longest pause between progress updates painted", `${ms(applied.longestGap)} (${applied.updates} updates, from the confirming click)`);
    await win.screenshot("applied");
  } finally {
    await win?.close();
    await lab.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
