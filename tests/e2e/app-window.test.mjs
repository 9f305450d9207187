// The real app window: Mailcall under Xvfb, driven through tauri-driver and
// WebKitWebDriver (the W3C WebDriver protocol spoken directly over HTTP).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { freePort, outputDir, portOpen, root, start, waitFor } from "./harness.mjs";

const out = outputDir("app-window");
const app = process.env.MAILCALL_APP_BIN ?? path.join(root, "target/debug/mailcall");
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
const cargoVersion = /^version = "(.+)"$/m.exec(readFileSync(path.join(root, "Cargo.toml"), "utf8"))[1];

let xvfb;
let driver;
let base;
let session;

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

const s = (route) => `/session/${session}${route}`;

async function find(css) {
  const el = await wd("POST", s("/element"), { using: "css selector", value: css });
  return el[ELEMENT];
}

async function textOf(css) {
  return wd("GET", s(`/element/${await find(css)}/text`));
}

/** Reads table rows into `{ [row.dataset[key]]: row.dataset[flag] === "true" }`. */
function rows(css, key, flag) {
  return wd("POST", s("/execute/sync"), {
    script: `return Object.fromEntries([...document.querySelectorAll(arguments[0])]
      .map((r) => [r.dataset[arguments[1]], r.dataset[arguments[2]] === "true"]));`,
    args: [css, key, flag],
  });
}

before(async () => {
  assert.ok(existsSync(app), `no app binary at ${app}: run \`make build\` first`);
  let display;
  do display = 100 + Math.floor(Math.random() * 800);
  while (existsSync(`/tmp/.X11-unix/X${display}`));
  xvfb = start("xvfb", "Xvfb", [`:${display}`, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], {
    dir: out,
  });
  await waitFor("Xvfb", () => existsSync(`/tmp/.X11-unix/X${display}`));
  const port = await freePort();
  const nativePort = await freePort();
  driver = start(
    "tauri-driver",
    "tauri-driver",
    ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"],
    { dir: out, env: { DISPLAY: `:${display}`, MAILCALL_MOCK_CAPTURE: "1" } },
  );
  base = `http://127.0.0.1:${port}`;
  // The driver's own log says why it failed (it answers a failed proxying with a closed socket).
  const withLog = (e) => {
    const log = readFileSync(path.join(out, "tauri-driver.log"), "utf8").slice(-2000);
    return new Error(`${e.cause?.message ?? e.message}\ntauri-driver.log:\n${log}`);
  };
  await waitFor("tauri-driver", async () => {
    if (driver.exited()) throw new Error(`tauri-driver exited: ${JSON.stringify(driver.exited())}`);
    // tauri-driver only proxies: a request that arrives before WebKitWebDriver
    // listens on the native port is dropped, so both ports must be open.
    return (await portOpen(port)) && portOpen(nativePort);
  }).catch((e) => {
    throw withLog(e);
  });
  // A dropped connection (not an HTTP error) means the request never reached
  // WebKitWebDriver, so asking again cannot start a second window.
  const created = await waitFor(
    "a WebDriver session",
    () => wd("POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: app } } } }),
    30000,
    (e) => e instanceof TypeError && !driver.exited(),
  ).catch((e) => {
    throw withLog(e);
  });
  session = created.sessionId;
});

after(async () => {
  if (session) await wd("DELETE", s("")).catch(() => {});
  driver?.stop();
  xvfb?.stop();
});

test("the window shows the Mailcall UI", async () => {
  assert.equal(await wd("GET", s("/title")), "Mailcall");
  await waitFor("the mail page", () => find('[data-testid="mail-empty"]'));
});

test("diagnostics shows versions from a typed command and the webview setup", async () => {
  await wd("POST", s(`/element/${await find('[data-testid="nav-diagnostics"]')}/click`), {});
  // app-version is filled from commands.appInfo() of the generated bindings.
  const version = await waitFor("the app version", () => textOf('[data-testid="app-version"]'));
  assert.equal(version, cargoVersion);
  assert.match(await textOf('[data-testid="tauri-version"]'), /^2\./);
  await waitFor("the webview setup", () => find('[data-testid="webview-setup"]'));
  const setup = await rows("tr[data-setting]", "setting", "enabled");
  for (const name of ["enable-webrtc", "enable-media-stream", "MediaStreamTrackProcessing"]) {
    assert.equal(setup[name], true, `${name} should be on: ${JSON.stringify(setup)}`);
  }
  await waitFor("media support", () => find('[data-testid="support"]'));
  const support = await rows("tr[data-feature]", "feature", "supported");
  // The engine choice must follow what the page detected: native without RTCPeerConnection.
  const engine = await textOf('[data-testid="media-engine"]');
  assert.match(engine, support.RTCPeerConnection ? /webview/ : /native/);
  assert.ok("VideoDecoder vp8" in support, "codec detection ran");
  // Only true when the host managed to enable WebKit's MediaStreamTrackProcessing feature.
  assert.equal(support.VideoTrackGenerator, true, "VideoTrackGenerator in a worker");
  const png = await wd("GET", s("/screenshot"));
  writeFileSync(path.join(out, "diagnostics.png"), Buffer.from(png, "base64"));
  writeFileSync(path.join(out, "support.json"), JSON.stringify(support, null, 2));
});
