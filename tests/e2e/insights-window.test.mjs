// "Waiting for my reply" and the senders view in the real window, against the Dovecot and
// keyring labs with a fixture mailbox dated up to now. Expected values come from the
// fixture's manifest: the unanswered conversations of the last two weeks, the top
// senders, the machine share, the senders never opened. Every step leaves a screenshot
// in test-output/insights-window.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { outputDir, waitFor } from "./harness.mjs";
import { addAccount, labEnv, waitFirstSync } from "./account.mjs";
import { startLab } from "./lab.mjs";
import { openWindow } from "./window.mjs";

const out = outputDir("insights-window");
const messages = Number(process.env.MAILCALL_E2E_INSIGHTS_MESSAGES ?? 3000);
const DAY = 86_400;

let lab;
let win;
let tmp;
let manifest;
/** Messages of the whole mailbox: the fixture's and the lab's extra folder (a person's). */
let total;
let human;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mailcall-insights-"));
  const now = Math.floor(Date.now() / 1000);
  lab = await startLab({ messages, dir: out, until: now - (now % 3600) });
  manifest = JSON.parse(readFileSync(lab.manifestPath, "utf8"));
  total = manifest.messages + lab.extraFolder.messages;
  human = manifest.human + lab.extraFolder.messages;
  win = await openWindow({
    dir: out,
    env: labEnv(lab, tmp),
  });
  await addAccount(win, lab);
  const inbox = lab.summary.folders.INBOX.total;
  await win.until(
    "the inbox synced",
    `return Number(document.querySelector('[data-testid="message-list"]')?.dataset.total) === arguments[0];`,
    120000,
    inbox,
  );
  await waitFirstSync(win);
});

after(async () => {
  await win?.close();
  await lab?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The manifest's unanswered conversations whose last message is at or after `start`. */
function unansweredSince(start) {
  assert.ok(manifest.unanswered.items.length === manifest.unanswered.total, "the lab lists every conversation");
  return manifest.unanswered.items.filter((u) => u.date >= start);
}

test("waiting for my reply lists the manifest's conversations of the last two weeks", async () => {
  await win.click('[data-testid="nav-waiting"]');
  const before = Math.floor(Date.now() / 1000);
  // The whole mailbox is synced and classified once the list settles on one total.
  const total = await waitFor(
    "the waiting list",
    async () => {
      const t = await win.exec(`return document.querySelector('[data-testid="waiting-total"]')?.dataset.total ?? null;`);
      return t === null ? null : Number(t);
    },
    30000,
  ).catch(async (e) => {
    await win.screenshot("waiting-timeout");
    throw new Error(`${e.message}: ${await win.text('[data-testid="waiting-page"]')}`);
  });
  const after = Math.floor(Date.now() / 1000);
  // The page takes "now" between `before` and `after`; a conversation dated in between
  // could go either way, so both counts are accepted.
  const early = unansweredSince(before - 14 * DAY);
  const late = unansweredSince(after - 14 * DAY);
  assert.ok(early.length > 0, "the fixture has conversations waiting in the last two weeks");
  assert.ok([early.length, late.length].includes(total), `total ${total}, manifest ${early.length}/${late.length}`);
  const rows = await win.exec(
    `return [...document.querySelectorAll('[data-testid="waiting-row"]')].map((r) => [r.dataset.from.toLowerCase(), Number(r.dataset.date)]);`,
  );
  const key = ([from, date]) => `${date} ${from}`;
  const want = (total === early.length ? early : late).map((u) => [u.from.toLowerCase(), u.date]);
  assert.deepEqual(rows.map(key).sort(), want.map(key).sort(), "the rows are the manifest's conversations");
  assert.ok(rows.every((r, i) => i === 0 || rows[i - 1][1] >= r[1]), "newest first");
  const counts = await win.exec(
    `return Object.fromEntries([...document.querySelectorAll('[data-testid^="waiting-count-"]')].map((e) => [e.dataset.testid, e.textContent.trim()]));`,
  );
  assert.equal(Number(counts["waiting-count-14d"]), total, "the sidebar counts the same");
  for (const [id, days] of [["7d", 7], ["30d", 30], ["90d", 90]]) {
    const n = Number(counts[`waiting-count-${id}`]);
    const options = [unansweredSince(before - days * DAY).length, unansweredSince(after - days * DAY).length];
    assert.ok(options.includes(n), `${id}: ${n}, manifest ${options}`);
  }
  // The first line of each, from bodies fetched after the list was shown.
  await win.until(
    "the first lines",
    `return document.querySelectorAll('[data-testid="waiting-first-line"]').length === document.querySelectorAll('[data-testid="waiting-row"]').length;`,
    30000,
  );
  await win.screenshot("waiting");

  // Marked handled, the conversation leaves the list.
  const first = await win.exec(`return document.querySelector('[data-testid="waiting-row"]').dataset.id;`);
  await win.click('[data-testid="waiting-row"] [data-testid="waiting-handled"]');
  await win.until(
    "the handled conversation gone",
    `return Number(document.querySelector('[data-testid="waiting-total"]').dataset.total) === arguments[0] - 1 &&
       !document.querySelector('[data-testid="waiting-row"][data-id="' + arguments[1] + '"]');`,
    15000,
    total,
    first,
  );
  await win.screenshot("waiting-handled");

  // Reply opens the message in the mail view with the reply pane.
  await win.click('[data-testid="waiting-row"] [data-testid="waiting-reply"]');
  await win.waitFor('[data-testid="reply-pane"]', 15000);
  await win.screenshot("reply-from-waiting");
});

test("the senders view shows the manifest's top senders, machine share and never-opened senders", async () => {
  await win.click('[data-testid="nav-senders"]');
  await win.click('[data-testid="senders-preset-all"]');
  await win.until(
    "the whole mailbox counted",
    `const s = document.querySelector('[data-testid="senders-summary"]');
     return s && Number(s.dataset.automated) + Number(s.dataset.human) === arguments[0];`,
    30000,
    total,
  ).catch(async (e) => {
    await win.screenshot("senders-timeout");
    throw new Error(`${e.message}: ${await win.text('[data-testid="senders-page"]')}`);
  });
  const summary = await win.exec(
    `const s = document.querySelector('[data-testid="senders-summary"]'); return [Number(s.dataset.automated), Number(s.dataset.human)];`,
  );
  assert.deepEqual(summary, [manifest.automated, human], "machine and people counts");
  const top = await win.exec(
    `return [...document.querySelectorAll('[data-testid="top-senders"] [data-testid="sender-row"]')].slice(0, 5).map((r) => [r.dataset.key, Number(r.dataset.count)]);`,
  );
  assert.deepEqual(top, manifest.top_senders.slice(0, 5).map((c) => [c.key, c.count]), "the top 5 senders");
  const kinds = await win.exec(
    `return [...document.querySelectorAll('[data-testid="top-senders"] [data-testid="sender-row"]')].map((r) => r.dataset.kind);`,
  );
  assert.ok(kinds.every((k) => k === "person" || k === "machine"), `every top sender has a class: ${kinds}`);
  const domains = await win.exec(
    `return [...document.querySelectorAll('[data-testid="top-domains"] [data-testid="sender-row"]')].slice(0, 5).map((r) => [r.dataset.key, Number(r.dataset.count)]);`,
  );
  assert.deepEqual(domains, manifest.top_domains.slice(0, 5).map((c) => [c.key, c.count]), "the top 5 domains");
  const never = await win.exec(`return Number(document.querySelector('[data-testid="never-opened-title"]').dataset.total);`);
  assert.equal(never, manifest.never_opened.length, "senders never opened");

  // The charts hold exactly those numbers, and are drawn.
  const drawn = await win.exec(
    `return Object.fromEntries(['chart-top-senders', 'chart-top-domains', 'chart-months'].map((id) => {
       const c = document.querySelector('[data-testid="' + id + '"]');
       const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
       let ink = 0;
       for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
       return [id, { ...JSON.parse(c.dataset.drawn), ink }];
     }));`,
  );
  assert.deepEqual(
    drawn["chart-top-senders"].labels.slice(0, 5).map((l, i) => [l, drawn["chart-top-senders"].values[0][i]]),
    top,
    "the top-senders chart draws the top senders",
  );
  assert.deepEqual(
    drawn["chart-top-domains"].labels.slice(0, 5).map((l, i) => [l, drawn["chart-top-domains"].values[0][i]]),
    domains,
    "the domains chart draws the top domains",
  );
  const months = drawn["chart-months"].values;
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  assert.deepEqual([sum(months[0]), sum(months[1])], [manifest.automated, human], "the months add up to the share");
  assert.ok(drawn["chart-months"].labels.length >= 12, "a year of months");
  for (const [id, d] of Object.entries(drawn)) assert.ok(d.ink > 1000, `${id} is drawn (${d.ink} pixels)`);
  await win.screenshot("senders");

  // "Show mail" opens the sender's mail in the mail view.
  const [key, count] = top[0];
  await win.click(`[data-testid="top-senders"] [data-testid="sender-row"][data-key="${key}"] button`);
  await win.until(
    "the sender's mail listed",
    `return Number(document.querySelector('[data-testid="message-list"]')?.dataset.total) === arguments[0];`,
    15000,
    count,
  );
  await win.screenshot("sender-mail");
});
