// The mailbox's big jobs in the window, for the window benchmark: the waiting and
// senders views painted from a click, a rule's live preview after an edit, MCP tool
// latency over the app's HTTP endpoint while the window is open, and applying a plan of
// a whole big INBOX with the progress the page shows. Times are taken in the page, as
// in window.mjs (`painted` ends on the frame after the DOM holds the answer).

import { spawnSync } from "node:child_process";
import path from "node:path";
import { root, waitFor } from "../e2e/harness.mjs";

/** Times from a click on nav link `nav` to `ready` painted, `count` times (leaving to the mail view in between). */
export async function viewTimes(win, PAINTED, nav, ready, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    await win.click('[data-testid="nav-mail"]');
    await win.waitFor('[data-testid="mail-view"]');
    const t = await win.execAsync(
      `${PAINTED}
       const done = arguments[arguments.length - 1];
       const t0 = performance.now();
       document.querySelector('[data-testid="nav-${nav}"]').click();
       painted(() => { ${ready} }, 30000).then((t) => done(t - t0), () => done(-1));`,
    );
    if (t >= 0) times.push(t);
  }
  return times;
}

export const WAITING_READY = `return document.querySelector('[data-testid="waiting-total"]');`;
export const SENDERS_READY = `return document.querySelector('[data-testid="senders-summary"]') &&
  document.querySelector('[data-testid="chart-months"]')?.dataset.drawn;`;

/** Times from an edit of a rule's senders to its preview painted, one edit per entry of `senders`. */
export async function previewTimes(win, PAINTED, senders) {
  await win.click('[data-testid="nav-sort"]');
  await win.click('[data-testid="new-rule"]');
  await win.type('[data-testid="rule-to"]', "Bench-Sorted");
  const times = [];
  for (const from of senders) {
    const t = await win.execAsync(
      `${PAINTED}
       const done = arguments[arguments.length - 1];
       const box = document.querySelector('[data-testid="rule-from"]');
       const t0 = performance.now();
       box.value = arguments[0];
       box.dispatchEvent(new Event("input", { bubbles: true }));
       painted(() => document.querySelector('[data-testid="preview-total"]')?.dataset.from === arguments[0], 30000)
         .then((t) => done(t - t0), () => done(-1));`,
      from,
    );
    if (t >= 0) times.push(t);
  }
  return times;
}

/** p50/p99 of tool calls over the app's MCP endpoint (turned on here), `repeat` calls each. */
export async function mcpLatency(win, calls, repeat) {
  const python = process.env.MAILCALL_PYTHON;
  if (!python) throw new Error("MAILCALL_PYTHON names the python3 with the MCP SDK (the Makefile sets it)");
  await win.click('[data-testid="nav-settings"]');
  await win.waitFor('[data-testid="assistants-switch"]');
  await win.type('[data-testid="assistants-port"]', "0");
  await win.exec(`document.querySelector('[data-testid="assistants-port"]').dispatchEvent(new Event('change'));`);
  await win.click('[data-testid="assistants-switch"]');
  const { url, token } = await waitFor(
    "the endpoint",
    () =>
      win.exec(`const e = document.querySelector('[data-testid="assistants-url"]');
        return e && e.dataset.busy === "false" && { url: e.dataset.url, token: e.dataset.token };`),
    15000,
  );
  const run = spawnSync(python, [path.join(root, "crates/mcp/tests/client.py"), "http", url, token], {
    input: JSON.stringify({ calls, repeat }),
    encoding: "utf8",
    timeout: 600000,
  });
  if (run.status !== 0) throw new Error(`the MCP client failed: ${run.stderr}`);
  const answer = JSON.parse(run.stdout);
  const failed = answer.results.filter((r) => r.is_error);
  if (failed.length) throw new Error(`tool calls failed: ${JSON.stringify(failed)}`);
  return answer.latency_ms;
}

/**
 * Plans and applies a rule moving every INBOX message older than a day, from the Sort
 * page; returns the planned count, the seconds from the click to the end, and the
 * longest pause between two progress updates the page painted.
 */
export async function applyInbox(win, target) {
  await win.click('[data-testid="nav-sort"]');
  await win.click('[data-testid="new-rule"]');
  await win.type('[data-testid="rule-to"]', target);
  await win.type('[data-testid="rule-older"]', "1");
  const planned = await waitFor(
    "the preview of the whole INBOX",
    async () => {
      const t = await win.exec(`const p = document.querySelector('[data-testid="preview-total"]'); return p && !document.querySelector('[data-testid="preview-total"] .muted') && Number(p.dataset.total);`);
      return t > 0 ? t : null;
    },
    120000,
  );
  await win.click('[data-testid="apply-sort"]');
  // Progress updates are watched in the page, from the confirming click on.
  await win.exec(`
    window.__sortUpdates = [];
    const watch = () => {
      const p = document.querySelector('[data-testid="sort-progress"]');
      if (!p) return requestAnimationFrame(watch);
      const seen = () => window.__sortUpdates.push([performance.now(), Number(p.dataset.moved), p.dataset.finished]);
      new MutationObserver(seen).observe(p, { attributes: true, attributeFilter: ["data-moved", "data-finished"] });
      seen();
    };
    window.__sortStart = performance.now();
    document.querySelector('[data-testid="confirm-apply-yes"]').click();
    watch();`);
  await waitFor(
    "the apply to finish",
    () => win.exec(`return document.querySelector('[data-testid="sort-progress"]')?.dataset.finished === "true";`),
    30 * 60 * 1000,
  );
  const [start, updates] = await win.exec(`return [window.__sortStart, window.__sortUpdates];`);
  const end = updates[updates.length - 1][0];
  let gap = 0;
  for (let i = 1; i < updates.length; i++) gap = Math.max(gap, updates[i][0] - updates[i - 1][0]);
  const moved = updates[updates.length - 1][1];
  return { planned, moved, seconds: (end - start) / 1000, longestGap: gap, updates: updates.length };
}
