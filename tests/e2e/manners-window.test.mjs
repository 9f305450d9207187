// A desktop app's manners, in the real window with the real labs: new INBOX mail while the
// window is in the background shows a notification (a real notification daemon, dunst, on
// the lab's private session bus; dbus-monitor records what the app sent), a second launch
// brings the first window forward and exits, the window's size comes back after a restart,
// and the log folder holds a log without the password.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { outputDir, start, waitFor } from "./harness.mjs";
import { addAccount } from "./account.mjs";
import { startLab } from "./lab.mjs";
import { appBin, openWindow } from "./window.mjs";

const out = outputDir("manners-window");
let lab;
let win;
let tmp;
let env;
let daemon;
let monitor;
let thief;
const sent = [];

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mailcall-manners-"));
  lab = await startLab({ messages: 300, dir: out });
  env = {
    MAILCALL_CONFIG: path.join(tmp, "config", "config.toml"),
    DBUS_SESSION_BUS_ADDRESS: lab.busAddress,
    XDG_DATA_HOME: path.join(tmp, "data"),
    XDG_CACHE_HOME: path.join(tmp, "cache"),
    XDG_CONFIG_HOME: path.join(tmp, "xdg-config"),
  };
  win = await openWindow({ dir: out, env });
  const x = { ...process.env, DISPLAY: win.display, DBUS_SESSION_BUS_ADDRESS: lab.busAddress };
  daemon = start("dunst", "dunst", [], { dir: out, env: x });
  await waitFor("dunst on the bus", () => {
    try {
      execFileSync("dunstctl", ["count", "displayed"], { env: x, stdio: "pipe" });
      return true;
    } catch {
      return false;
    }
  });
  monitor = spawn("dbus-monitor", ["--address", lab.busAddress, "interface='org.freedesktop.Notifications',member='Notify'"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  monitor.stdout.setEncoding("utf8").on("data", (chunk) => sent.push(chunk));
});

after(async () => {
  monitor?.kill();
  thief?.kill();
  daemon?.stop();
  await win?.close();
  await lab?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const xenv = () => ({ ...process.env, DISPLAY: win.display });
const focusedName = () => {
  try {
    return execFileSync("xdotool", ["getwindowfocus", "getwindowname"], { env: xenv(), encoding: "utf8" }).trim();
  } catch {
    return "";
  }
};

test("the account is added", async () => {
  await addAccount(win, lab);
  await win.until("synced", `return document.querySelector('[data-testid="sync-progress"]')?.textContent.trim() === "Up to date";`, 120000);
});

test("new mail while the window is in the background shows a notification", async () => {
  // Another window takes the focus, as when the user works elsewhere.
  thief = spawn("xmessage", ["-geometry", "300x80+600+400", "elsewhere"], { env: xenv(), stdio: "ignore" });
  const id = await waitFor("the other window", () => {
    try {
      return execFileSync("xdotool", ["search", "--name", "^xmessage$"], { env: xenv(), encoding: "utf8" }).trim().split("\n")[0];
    } catch {
      return null;
    }
  });
  execFileSync("xdotool", ["windowfocus", "--sync", id], { env: xenv() });
  assert.notEqual(focusedName(), "Mailcall", "the app window is in the background");
  const subject = `Lunch on Friday ${Date.now().toString(36)}`;
  const file = path.join(tmp, "new.eml");
  writeFileSync(
    file,
    [
      "From: Dana Scully <dana@people.example>",
      `To: ${lab.address}`,
      `Subject: ${subject}`,
      `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
      `Message-ID: <${Date.now()}@people.example>`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Shall we?",
      "",
    ].join("\r\n"),
  );
  await lab.command(`append ${file}`);
  const seen = await waitFor("a Notify call on the bus", () => {
    const text = sent.join("");
    return text.includes(subject) && text;
  }, 90000).catch(async (e) => {
    await win.screenshot("no-notification");
    throw e;
  });
  assert.match(seen, /New mail from Dana Scully/, "the title names the sender");
  const displayed = Number(execFileSync("dunstctl", ["count", "displayed"], { env: { ...xenv(), DBUS_SESSION_BUS_ADDRESS: lab.busAddress }, encoding: "utf8" }).trim());
  const history = Number(execFileSync("dunstctl", ["count", "history"], { env: { ...xenv(), DBUS_SESSION_BUS_ADDRESS: lab.busAddress }, encoding: "utf8" }).trim());
  assert.ok(displayed + history >= 1, "the notification daemon received it");
  execFileSync("import", ["-window", "root", path.join(out, "notification.png")], { env: xenv() });
});

test("a second launch brings the first window forward and exits", async () => {
  assert.notEqual(focusedName(), "Mailcall");
  const second = spawn(appBin, [], { env: { ...process.env, ...env, DISPLAY: win.display }, stdio: "ignore" });
  const exit = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve("still running"), 20000);
    second.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  if (exit === "still running") second.kill("SIGKILL");
  assert.equal(exit, 0, "the second launch handed over and exited");
  await waitFor("the first window focused", () => focusedName() === "Mailcall", 10000);
  assert.equal(await win.exec(`return !!document.querySelector('[data-testid="mail-view"]');`), true, "the first window still works");
});

test("the window comes back with its size after a restart, and the log holds no secret", async () => {
  await win.wd("POST", `/session/${win.sessionId}/window/rect`, { width: 1010, height: 690 });
  const before = await win.wd("GET", `/session/${win.sessionId}/window/rect`);
  // Written once the window settles, so even a killed app comes back where it was.
  const stateFile = path.join(env.XDG_CONFIG_HOME, "app.mailcall.desktop", ".window-state.json");
  await waitFor(
    "the window state saved",
    () => existsSync(stateFile) && JSON.parse(readFileSync(stateFile, "utf8")).main?.width === before.width,
    10000,
  );
  await win.close();
  win = await openWindow({ dir: out, env });
  await win.waitFor('[data-testid="mail-view"]', 60000);
  const after = await win.wd("GET", `/session/${win.sessionId}/window/rect`);
  assert.equal(after.width, before.width, `width restored (${JSON.stringify(before)} -> ${JSON.stringify(after)})`);
  assert.equal(after.height, before.height, "height restored");
  await win.screenshot("restored");

  const logs = path.join(env.XDG_DATA_HOME, "app.mailcall.desktop", "logs");
  const files = readdirSync(logs).filter((f) => f.endsWith(".log"));
  assert.ok(files.length >= 1, `a log file in ${logs}`);
  const text = files.map((f) => readFileSync(path.join(logs, f), "utf8")).join("");
  assert.ok(text.length > 0, "the log has lines");
  assert.ok(!text.includes(lab.password), "the password is not in the log");
  // Nor its bytes as a library's debug output would print them.
  assert.ok(!text.includes([...Buffer.from(lab.password)].join(", ")), "the password's bytes are not in the log");
});
