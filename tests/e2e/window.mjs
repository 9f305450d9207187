// The real app window under Xvfb, driven through tauri-driver and WebKitWebDriver with the
// W3C WebDriver protocol spoken directly over HTTP.

import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, portOpen, root, start, waitFor } from "./harness.mjs";

export const appBin = process.env.MAILCALL_APP_BIN ?? path.join(root, "target/debug/mailcall");
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** Opens the app (`bin`, the built one by default) with `env` added to its environment; returns the window's driver. */
export async function openWindow({ dir, env = {}, bin = appBin }) {
  if (!existsSync(bin)) throw new Error(`no app binary at ${bin}: run \`make build\` first`);
  // The window's saved size and place live under XDG_CONFIG_HOME: a test gets its own.
  if (!env.XDG_CONFIG_HOME) env = { XDG_CONFIG_HOME: mkdtempSync(path.join(os.tmpdir(), "mailcall-xdg-config-")), ...env };
  let display;
  do display = 100 + Math.floor(Math.random() * 800);
  while (existsSync(`/tmp/.X11-unix/X${display}`));
  const xvfb = start("xvfb", "Xvfb", [`:${display}`, "-screen", "0", "1400x900x24", "-nolisten", "tcp"], { dir });
  await waitFor("Xvfb", () => existsSync(`/tmp/.X11-unix/X${display}`));
  const port = await freePort();
  const nativePort = await freePort();
  const driver = start(
    "tauri-driver",
    "tauri-driver",
    ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"],
    { dir, env: { DISPLAY: `:${display}`, ...env } },
  );
  const base = `http://127.0.0.1:${port}`;
  const withLog = (e) => {
    const log = readFileSync(path.join(dir, "tauri-driver.log"), "utf8").slice(-2000);
    return new Error(`${e.cause?.message ?? e.message}\ntauri-driver.log:\n${log}`);
  };
  async function wd(method, route, body) {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json.value)}`);
    return json.value;
  }
  await waitFor("tauri-driver", async () => {
    if (driver.exited()) throw new Error(`tauri-driver exited: ${JSON.stringify(driver.exited())}`);
    return (await portOpen(port)) && portOpen(nativePort);
  }).catch((e) => {
    throw withLog(e);
  });
  const created = await waitFor(
    "a WebDriver session",
    () => wd("POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: bin } } } }),
    30000,
    (e) => e instanceof TypeError && !driver.exited(),
  ).catch((e) => {
    throw withLog(e);
  });
  const s = (route) => `/session/${created.sessionId}${route}`;
  let shot = 0;

  const win = {
    wd,
    /** The private X display the window is on (for xdotool). */
    display: `:${display}`,
    sessionId: created.sessionId,
    async find(css) {
      const el = await wd("POST", s("/element"), { using: "css selector", value: css });
      return el[ELEMENT];
    },
    /** Waits until `css` matches an element; returns its id. */
    waitFor(css, ms = 20000) {
      return waitFor(`element ${css}`, () => win.find(css), ms);
    },
    async click(css) {
      await wd("POST", s(`/element/${await win.waitFor(css)}/click`), {});
    },
    async text(css) {
      return wd("GET", s(`/element/${await win.waitFor(css)}/text`));
    },
    /** Clears the field at `css` and types `text` into it. */
    async type(css, text) {
      const el = await win.waitFor(css);
      await wd("POST", s(`/element/${el}/clear`), {});
      await wd("POST", s(`/element/${el}/value`), { text });
    },
    /**
     * Sends key presses to the focused element as a person would: named keys (`Enter`,
     * `Escape`), `Control+Enter`, or text typed character by character.
     */
    async keys(...presses) {
      const named = { Enter: "\uE007", Escape: "\uE00C", Control: "\uE009", Tab: "\uE004" };
      const actions = [];
      const tap = (ch) => actions.push({ type: "keyDown", value: ch }, { type: "keyUp", value: ch });
      for (const press of presses) {
        const chord = /^(Control)\+(.+)$/.exec(press);
        if (chord) {
          actions.push({ type: "keyDown", value: named[chord[1]] });
          tap(named[chord[2]] ?? chord[2]);
          actions.push({ type: "keyUp", value: named[chord[1]] });
        } else if (named[press]) tap(named[press]);
        else for (const ch of press) tap(ch);
      }
      await wd("POST", s("/actions"), { actions: [{ type: "key", id: "keyboard", actions }] });
      await wd("DELETE", s("/actions"));
    },
    exec(script, ...args) {
      return wd("POST", s("/execute/sync"), { script, args });
    },
    execAsync(script, ...args) {
      return wd("POST", s("/execute/async"), { script, args });
    },
    /** Polls `script` in the page until it returns a truthy value. */
    until(what, script, ms = 30000, ...args) {
      return waitFor(what, () => win.exec(script, ...args), ms);
    },
    /** Saves a numbered screenshot `NN-name.png` in the test's output folder. */
    async screenshot(name) {
      const png = await wd("GET", s("/screenshot"));
      shot += 1;
      const file = path.join(dir, `${String(shot).padStart(2, "0")}-${name}.png`);
      writeFileSync(file, Buffer.from(png, "base64"));
      return file;
    },
    /**
     * Ends the session and waits for the app to be gone (a window opened next would
     * otherwise find this one still holding its single-instance name while it quits),
     * then for the driver and Xvfb.
     */
    async close() {
      const running = appPids(bin, `:${display}`);
      await wd("DELETE", s("")).catch(() => {});
      await waitFor("the app to quit", () => running.every((pid) => !existsSync(`/proc/${pid}`)), 30000).catch(() => {
        console.warn(`the app on :${display} did not quit within 30 s; killing it`);
        for (const pid of running) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Gone meanwhile.
          }
        }
      });
      await driver.stop();
      await xvfb.stop();
    },
  };
  return win;
}

/** Processes running `bin` on X display `display`. */
function appPids(bin, display) {
  const want = path.resolve(bin);
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/exe`) !== want) continue;
      const environ = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      if (environ.includes(`DISPLAY=${display}`)) pids.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}
