// AI assistants from the window, against the Dovecot and keyring labs, with the official
// MCP Python SDK (crates/mcp/tests/client.py, the interpreter `make deps` makes) as the
// assistant: the switch opens the endpoint on 127.0.0.1, the assistant makes a sort
// plan over HTTP, the plan waits in the window for approval and, approved there, moves
// exactly those messages on the server; the activity log lists the calls; with "allow
// changes" off the assistant's change tools are refused; with the switch off the port is
// closed. Screenshots in test-output/assistants-window.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { outputDir, root, waitFor } from "./harness.mjs";
import { addAccount, labEnv, waitFirstSync } from "./account.mjs";
import { startLab } from "./lab.mjs";
import { openWindow } from "./window.mjs";

const out = outputDir("assistants-window");
const python = process.env.MAILCALL_PYTHON;
const TARGET = "Assistant-Sorted";

let lab;
let win;
let tmp;
let manifest;

before(async () => {
  assert.ok(python, "MAILCALL_PYTHON names the python3 with the MCP SDK (the Makefile sets it)");
  tmp = mkdtempSync(path.join(os.tmpdir(), "mailcall-assistants-"));
  lab = await startLab({ messages: 2000, dir: out });
  manifest = JSON.parse(readFileSync(lab.manifestPath, "utf8"));
  win = await openWindow({
    dir: out,
    env: labEnv(lab, tmp),
  });
  await addAccount(win, lab);
  await waitFirstSync(win);
});

after(async () => {
  await win?.close();
  await lab?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Runs tool calls as an assistant over HTTP; returns the client's JSON answer. */
function assistant(url, token, calls) {
  const run = spawnSync(python, [path.join(root, "crates/mcp/tests/client.py"), "http", url, token], {
    input: JSON.stringify({ calls }),
    encoding: "utf8",
    timeout: 60000,
  });
  assert.equal(run.status, 0, `the MCP client failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The endpoint the settings page shows, once no change to it is on its way. */
const endpoint = () =>
  win.exec(`const e = document.querySelector('[data-testid="assistants-url"]');
    return e && e.dataset.busy === "false" && { url: e.dataset.url, token: e.dataset.token };`);

test("an assistant's plan over HTTP is approved in the window; changes follow the switches", async () => {
  const domain = manifest.top_domains[0].key;
  const want = manifest.by_domain[domain];
  await win.click('[data-testid="nav-settings"]');
  await win.waitFor('[data-testid="assistants-switch"]');
  // Any free port, changes allowed, then on.
  await win.type('[data-testid="assistants-port"]', "0");
  await win.exec(`document.querySelector('[data-testid="assistants-port"]').dispatchEvent(new Event('change'));`);
  await win.click('[data-testid="allow-changes"]');
  await win.until("changes allowed", `return document.querySelector('[data-testid="allow-changes"]').checked;`, 10000);
  await win.click('[data-testid="assistants-switch"]');
  const { url, token } = await waitFor("the endpoint", endpoint, 15000);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  assert.ok(token.length >= 32);
  await win.screenshot("assistants-on");

  const folders = Object.keys(manifest.by_folder);
  const made = assistant(url, token, [
    { tool: "account_status" },
    { tool: "sort_plan", args: { rules: [{ to: TARGET, from: [domain], folders }] } },
  ]);
  assert.equal(made.results[0].is_error, false, JSON.stringify(made.results[0]));
  const plan = made.results[1].structured;
  assert.equal(plan.total, want, "the plan holds the manifest's count");

  // The plan waits in the Sort page; approved there, it moves exactly those messages.
  await win.click('[data-testid="nav-sort"]');
  await win.until(
    "the assistant's plan waiting for approval",
    `return document.querySelector('[data-testid="approval"][data-plan="' + arguments[0] + '"]');`,
    15000,
    plan.plan_id,
  );
  assert.equal(
    Number(await win.exec(`return document.querySelector('[data-testid="approval"]').dataset.planned;`)),
    want,
  );
  await win.screenshot("waiting-for-approval");
  await win.click(`[data-testid="approval"][data-plan="${plan.plan_id}"] [data-testid="approve"]`);
  await waitFor("the target folder filled", async () => (await lab.command(`folder ${TARGET}`)).count === want, 60000);
  const target = await lab.command(`folder ${TARGET}`);
  assert.equal(new Set(target.messages.map((m) => m.messageId)).size, want, "each message once");
  await win.until(
    "the plan in the history, done",
    `return document.querySelector('[data-testid="sort-history"] li[data-plan="' + arguments[0] + '"][data-stage="done"]');`,
    30000,
    plan.plan_id,
  );

  // The activity log lists the calls.
  await win.click('[data-testid="nav-settings"]');
  await win.until(
    "the calls in the activity log",
    `const tools = [...document.querySelectorAll('[data-testid="assistant-call"]')].map((r) => r.dataset.tool);
     return tools.includes("account_status") && tools.includes("sort_plan");`,
    10000,
  );
  await win.screenshot("activity");

  // "Allow changes" off: the assistant's change tools are refused, reads still work.
  await win.click('[data-testid="allow-changes"]');
  const again = await waitFor("the endpoint back", endpoint, 15000);
  const refused = assistant(again.url, again.token, [
    { tool: "create_folder", args: { folder: "From the assistant" } },
    { tool: "list_folders" },
  ]);
  assert.equal(refused.results[0].is_error, true, JSON.stringify(refused.results[0]));
  assert.match(refused.results[0].text, /writes/);
  assert.equal(refused.results[1].is_error, false);
  await win.until(
    "the refusal in the activity log",
    `return document.querySelector('[data-testid="assistant-call"][data-tool="create_folder"][data-error="true"]');`,
    10000,
  );

  // The switch off closes the port.
  await win.click('[data-testid="assistants-switch"]');
  await win.waitFor('[data-testid="assistants-off"]', 10000);
  const port = Number(new URL(again.url).port);
  const closed = await new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(false)));
    s.on("error", () => resolve(true));
  });
  assert.ok(closed, `port ${port} is closed`);
  await win.screenshot("assistants-off");
});
