// The UI's pages load in a real headless Chromium (Debian's), served from the production
// build in ui/dist. Outside the app there is no core: the pages must say so, not break.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream, existsSync, statSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";
import { outputDir, root } from "./harness.mjs";

const dist = path.join(root, "ui/dist");
const out = outputDir("ui-chromium");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png" };
let server;
let base;
let browser;
const pageErrors = [];

before(async () => {
  assert.ok(existsSync(path.join(dist, "index.html")), "ui/dist is missing: run `make ui` first");
  server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    let file = path.join(dist, decodeURIComponent(url.pathname));
    if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) {
      file = path.join(dist, "index.html");
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(hash) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${hash}: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && pageErrors.push(`${hash}: ${m.text()}`));
  await page.goto(`${base}${hash}`);
  return page;
}

for (const [id, marker] of [
  ["mail", "mail-empty"],
  ["calls", "calls-empty"],
  ["settings", "settings"],
]) {
  test(`the ${id} page loads`, async () => {
    const page = await open(`#/${id}`);
    await page.getByTestId(marker).waitFor();
    assert.equal(await page.title(), "Mailcall");
    assert.equal(await page.getByTestId(`nav-${id}`).getAttribute("aria-current"), "page");
    await page.screenshot({ path: path.join(out, `${id}.png`) });
    await page.close();
  });
}

test("navigation switches pages", async () => {
  const page = await open("#/mail");
  await page.getByTestId("nav-calls").click();
  await page.getByTestId("calls-empty").waitFor();
  assert.match(page.url(), /#\/calls$/);
  await page.close();
});

test("diagnostics detects Chromium's WebRTC and says the core is absent", async () => {
  const page = await open("#/diagnostics");
  await page.getByTestId("support").waitFor();
  const row = (name) => page.locator(`tr[data-feature="${name}"]`).getAttribute("data-supported");
  assert.equal(await row("RTCPeerConnection"), "true");
  assert.equal(await row("getUserMedia"), "true");
  assert.equal(await row("VideoDecoder vp8"), "true");
  assert.match(await page.getByTestId("media-engine").innerText(), /webview/);
  assert.match(await page.getByTestId("core-missing").innerText(), /not running inside/);
  await page.screenshot({ path: path.join(out, "diagnostics.png") });
  await page.close();
});

test("no page threw an error", () => {
  assert.deepEqual(pageErrors, []);
});
