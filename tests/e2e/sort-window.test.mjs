// Sorting in the real window against the Dovecot and keyring labs: a rule made in the
// editor and saved, its live preview counting what the fixture's manifest says, applied
// one message per server command (MAILCALL_SORT_CHUNK=1) so that the app can be quit in
// the middle, then started again: the apply resumes by itself and, on the server, exactly
// the planned messages are in the target folder, each once. Screenshots in
// test-output/sort-window.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { outputDir, waitFor } from "./harness.mjs";
import { addAccount, labEnv, waitFirstSync } from "./account.mjs";
import { startLab } from "./lab.mjs";
import { openWindow } from "./window.mjs";

const out = outputDir("sort-window");
const messages = Number(process.env.MAILCALL_E2E_SORT_MESSAGES ?? 3000);
const DOMAIN = "github.example";
const TARGET = "Sorted-GitHub";

let lab;
let win;
let tmp;
let manifest;
let env;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mailcall-sort-"));
  lab = await startLab({ messages, dir: out });
  manifest = JSON.parse(readFileSync(lab.manifestPath, "utf8"));
  env = labEnv(lab, tmp, { MAILCALL_SORT_CHUNK: "1" });
  win = await openWindow({ dir: out, env });
  await addAccount(win, lab);
  await win.until(
    "the inbox synced",
    `return Number(document.querySelector('[data-testid="message-list"]')?.dataset.total) === arguments[0];`,
    120000,
    lab.summary.folders.INBOX.total,
  );
  await waitFirstSync(win);
});

after(async () => {
  await win?.close();
  await lab?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Messages of every fixture folder on the server, and the target's Message-IDs. */
async function server() {
  let total = 0;
  for (const name of Object.keys(manifest.by_folder)) total += (await lab.command(`folder ${name}`)).count ?? 0;
  const target = await lab.command(`folder ${TARGET}`);
  return { total, target };
}

test("a rule made in the editor previews the manifest's count, and its apply survives a quit", async () => {
  const want = manifest.by_domain[DOMAIN];
  assert.ok(want > 100, `the fixture has mail from ${DOMAIN}: ${want}`);
  await win.click('[data-testid="nav-sort"]');
  await win.waitFor('[data-testid="rule-editor"]');
  await win.type('[data-testid="rule-name"]', "GitHub");
  await win.type('[data-testid="rule-to"]', TARGET);
  await win.type('[data-testid="rule-from"]', DOMAIN);
  // Every folder of the fixture is a source.
  for (const name of Object.keys(manifest.by_folder)) {
    await win.click(`[data-testid="rule-folder"][data-path="${name}"]`);
  }
  const ticked = await win.exec(
    `return [...document.querySelectorAll('[data-testid="rule-folder"]')].filter((c) => c.checked).map((c) => c.dataset.path).sort();`,
  );
  assert.deepEqual(ticked, Object.keys(manifest.by_folder).sort(), "every fixture folder is a source");
  const total = await waitFor(
    "the preview",
    async () => {
      const t = await win.exec(`return document.querySelector('[data-testid="preview-total"]')?.dataset.total ?? null;`);
      return t !== null && Number(t) === want ? Number(t) : null;
    },
    20000,
  ).catch(async (e) => {
    await win.screenshot("preview-timeout");
    throw e;
  });
  assert.equal(total, want);
  const target = await win.exec(
    `const t = document.querySelector('[data-testid="preview-target"]'); return [t.dataset.folder, Number(t.dataset.count)];`,
  );
  assert.deepEqual(target, [TARGET, want]);
  await win.screenshot("preview");

  // Every planned message a click away.
  await win.click('[data-testid="show-all"]');
  await win.until("the planned messages listed", `return document.querySelectorAll('[data-testid="all-rows"] tbody tr').length === Math.min(200, arguments[0]);`, 10000, want);

  // Saved to the configuration, where the CLI and the MCP server read it.
  await win.click('[data-testid="save-rule"]');
  await win.waitFor('[data-testid="saved-rule"]');
  const config = readFileSync(env.MAILCALL_CONFIG, "utf8");
  assert.match(config, /\[\[account\.rule\]\]/);
  assert.match(config, /name = "GitHub"/);

  const before = await server();
  await win.click('[data-testid="apply-sort"]');
  await win.click('[data-testid="confirm-apply-yes"]');
  await win.until(
    "the apply under way",
    `const p = document.querySelector('[data-testid="sort-progress"]'); return p && Number(p.dataset.moved) >= 10;`,
    60000,
  );
  await win.screenshot("applying");
  const moved = Number(await win.exec(`return document.querySelector('[data-testid="sort-progress"]').dataset.moved;`));
  assert.ok(moved < want, `the apply was still running: ${moved} of ${want}`);
  await win.close();
  const halfway = await server();
  assert.ok(halfway.target.count > 0 && halfway.target.count < want, `moved before the quit: ${halfway.target.count}`);

  // Started again, the app finishes the apply by itself.
  win = await openWindow({ dir: out, env });
  await win.waitFor('[data-testid="mail-view"]', 60000);
  await waitFor("the target folder filled", async () => (await server()).target.count === want, 120000);
  const after = await server();
  const ids = after.target.messages.map((m) => m.messageId);
  assert.equal(new Set(ids).size, want, "each planned message once in the target");
  assert.equal(after.total, before.total - want, "the sources lost exactly those");
  assert.ok(Object.keys(manifest.by_folder).every((n) => n !== TARGET));

  await win.click('[data-testid="nav-sort"]');
  await win.until(
    "the history shows the finished apply",
    `return [...document.querySelectorAll('[data-testid="sort-history"] li[data-stage="done"]')].some((l) => Number(l.dataset.moved) === arguments[0]);`,
    30000,
    want,
  );
  await win.screenshot("history");
});
