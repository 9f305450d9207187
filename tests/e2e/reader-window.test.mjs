// The reader against hostile mail, in the real window with the real labs: a message whose
// HTML has remote images, a tracking pixel, a CSS url(), a script and a deceptive link
// arrives in INBOX while the app runs. A local HTTP server made here must receive nothing
// until "Load remote content" is clicked, the script must never run, the link must show
// its real address before it leaves the app, and the attachment is saved through the
// system's save dialog (a real GTK dialog, answered with xdotool).
//
// The one stand-in: `xdg-open` on the app's PATH is a script that records the address it
// is given, because no desktop browser can be started here.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { outputDir, waitFor } from "./harness.mjs";
import { addAccount } from "./account.mjs";
import { startLab } from "./lab.mjs";
import { openWindow } from "./window.mjs";

const out = outputDir("reader-window");
const token = `hostile${Date.now().toString(36)}`;
const subject = `Your statement ${token}`;
const attachmentText = `Statement ${token}\nline two\n`;

let lab;
let win;
let tmp;
let server;
let port;
const requests = [];
let browserLog;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mailcall-reader-"));
  server = http.createServer((req, res) => {
    requests.push(req.url);
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
      "base64",
    );
    res.writeHead(200, { "content-type": "image/png", "content-length": png.length });
    res.end(png);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = server.address().port;

  const bin = path.join(tmp, "bin");
  mkdirSync(bin);
  browserLog = path.join(tmp, "browser.log");
  writeFileSync(path.join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${browserLog}'\n`);
  chmodSync(path.join(bin, "xdg-open"), 0o755);

  lab = await startLab({ messages: 400, dir: out });
  win = await openWindow({
    dir: out,
    env: {
      MAILCALL_CONFIG: path.join(tmp, "config", "config.toml"),
      DBUS_SESSION_BUS_ADDRESS: lab.busAddress,
      XDG_DATA_HOME: path.join(tmp, "data"),
      XDG_CACHE_HOME: path.join(tmp, "cache"),
      PATH: `${bin}:${process.env.PATH}`,
    },
  });
});

after(async () => {
  await win?.close();
  await lab?.stop();
  server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The hostile message: HTML with every kind of remote content, a script, a link whose
 * text names another site, an inline `cid:` image and a text attachment. */
function hostileMessage() {
  const at = `http://127.0.0.1:${port}`;
  const html = `<html><head><style>@import url("${at}/import.css");
  .hero{background-image:url("${at}/css-background.png")}</style></head><body>
<h1>Statement</h1>
<p class="hero">Your monthly statement is ready.</p>
<img src="${at}/remote-image.png" alt="banner">
<img src="${at}/pixel.gif?u=${token}" width="1" height="1" alt="">
<img src="cid:logo-${token}@bank.example" alt="logo" id="logo">
<table background="${at}/table-background.png"><tr><td>Total: 12.00</td></tr></table>
<script>window.parent.__scriptRan = true; fetch("${at}/script-ran");</script>
<img src="x" onerror="window.parent.__scriptRan = true; fetch('${at}/onerror-ran')">
<p><a href="${at}/real-target?u=${token}" id="deceptive">https://bank.example/login</a></p>
</body></html>`;
  const gif = "R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==";
  return [
    "From: Bank Notices <notices@bank.example>",
    `To: ${lab.address}`,
    `Subject: ${subject}`,
    `Date: ${new Date(Date.now() + 60000).toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${token}@bank.example>`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="outer"',
    "",
    "--outer",
    'Content-Type: multipart/related; boundary="rel"',
    "",
    "--rel",
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from(html).toString("base64").replace(/.{76}/g, "$&\r\n"),
    "--rel",
    "Content-Type: image/gif",
    "Content-Transfer-Encoding: base64",
    `Content-ID: <logo-${token}@bank.example>`,
    "",
    gif,
    "--rel--",
    "--outer",
    'Content-Type: text/plain; charset=utf-8; name="statement.txt"',
    'Content-Disposition: attachment; filename="statement.txt"',
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from(attachmentText).toString("base64"),
    "--outer--",
    "",
  ].join("\r\n");
}

const frame = (script) =>
  win.exec(`const d = document.querySelector('[data-testid="html-body"]')?.contentDocument; if (!d) return null; ${script}`);

test("the account is added (trusting the lab's certificate)", async () => {
  await addAccount(win, lab);
  await win.until("inbox rows", `return document.querySelectorAll('[data-testid="message-row"]').length > 10;`, 120000);
});

test("hostile HTML arriving as new mail makes no request and runs no script", async () => {
  const file = path.join(tmp, "hostile.eml");
  writeFileSync(file, hostileMessage());
  await lab.command(`append ${file}`);
  const row = await waitFor(
    "the new message in the list",
    () =>
      win.exec(
        `return [...document.querySelectorAll('[data-testid="message-row"]')]
           .find((r) => r.querySelector('.subject')?.textContent.includes(arguments[0]))?.dataset.index ?? null;`,
        token,
      ),
    120000,
  );
  await win.click(`[data-testid="message-row"][data-index="${row}"]`);
  await waitFor("the message open", async () => (await win.text('[data-testid="reader-subject"]')) === subject);
  await win.waitFor('[data-testid="html-body"]');
  await waitFor("the body rendered", () => frame(`return d.querySelector('#deceptive') !== null;`));
  // Whatever a frame would load, it loads at once; give it time to try.
  await new Promise((r) => setTimeout(r, 1500));
  await win.screenshot("hostile-blocked");
  assert.deepEqual(requests, [], "no request before the user asks");
  const blocked = await win.text('[data-testid="remote-bar"]');
  assert.match(blocked, /\b[4-9] remote items were not loaded/, `the bar counts the blocked items: ${blocked}`);
  assert.equal(await frame(`return d.querySelectorAll('script').length;`), 0, "no script element left");
  assert.equal(await frame(`return d.querySelector('[onerror]') !== null;`), false, "no event handler left");
  assert.equal(await win.exec(`return window.__scriptRan === true;`), false, "the script did not run");
  const logo = await frame(`return d.querySelector('img[alt="logo"]')?.getAttribute('src') ?? '';`);
  assert.match(logo, /^data:image\/gif;base64,/, "the cid: image shows inline");
  const attachments = await win.text('[data-testid="attachments"]');
  assert.match(attachments, /statement\.txt/);
});

test("the link shows its real address, then opens in the browser", async () => {
  // A real click inside the message frame, as a person's.
  const session = (route) => `/session/${win.sessionId}${route}`;
  const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
  await win.wd("POST", session("/frame"), { id: { [ELEMENT]: await win.find('[data-testid="html-body"]') } });
  const link = await win.wd("POST", session("/element"), { using: "css selector", value: "#deceptive" });
  await win.wd("POST", session(`/element/${link[ELEMENT]}/click`), {});
  await win.wd("POST", session("/frame/parent"), {});
  const url = await win.text('[data-testid="link-url"]');
  assert.equal(url, `http://127.0.0.1:${port}/real-target?u=${token}`);
  assert.match(await win.text('[data-testid="link-mismatch"]'), /bank\.example/, "the claimed site is named");
  assert.deepEqual(requests, [], "the click itself went nowhere");
  assert.equal(await frame(`return String(d.location);`), "about:srcdoc", "the frame stayed on the message");
  await win.screenshot("link-confirm");
  await win.click('[data-testid="open-link"]');
  const opened = await waitFor("the browser called", () => existsSync(browserLog) && readFileSync(browserLog, "utf8").trim());
  assert.equal(opened, url, "the browser got exactly the shown address");
  assert.deepEqual(requests, [], "the app itself did not fetch the link");
});

test("the attachment is saved through the save dialog", async () => {
  const target = path.join(tmp, "saved", "my-statement.txt");
  mkdirSync(path.dirname(target));
  await win.click('[data-testid="attachment"]');
  const env = { ...process.env, DISPLAY: win.display };
  const dialog = await waitFor(
    "the save dialog",
    () => {
      try {
        return execFileSync("xdotool", ["search", "--name", "Save attachment"], { env, encoding: "utf8" }).trim().split("\n")[0];
      } catch {
        return null;
      }
    },
    20000,
  );
  // The dialog is the desktop's, outside the page: a screenshot of the whole screen.
  execFileSync("import", ["-window", "root", path.join(out, "save-dialog-screen.png")], { env });
  execFileSync("xdotool", ["windowfocus", "--sync", dialog], { env });
  execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+a"], { env });
  execFileSync("xdotool", ["type", "--delay", "20", target], { env });
  execFileSync("xdotool", ["key", "Return"], { env });
  await waitFor("the file saved", () => existsSync(target) && readFileSync(target, "utf8") === attachmentText, 20000).catch(
    async (e) => {
      await win.screenshot("save-failed");
      throw e;
    },
  );
  await waitFor("the notice", async () => (await win.text('[data-testid="notice"]')).includes("my-statement.txt"));
});

test("load remote content fetches through the core, still without running the script", async () => {
  await win.click('[data-testid="load-remote"]');
  await waitFor("the remote bar gone", async () => !(await win.exec(`return !!document.querySelector('[data-testid="remote-bar"]');`)));
  await waitFor("remote images inlined", () =>
    frame(`return d.querySelector('img[alt="banner"]')?.getAttribute('src')?.startsWith('data:image/png') ?? false;`),
  );
  await win.screenshot("remote-loaded");
  const paths = new Set(requests.map((u) => u.split("?")[0]));
  for (const want of ["/remote-image.png", "/pixel.gif", "/css-background.png"]) {
    assert.ok(paths.has(want), `${want} fetched once asked (${[...paths]})`);
  }
  assert.ok(!paths.has("/script-ran") && !paths.has("/onerror-ran"), "no script ever ran");
  assert.equal(await win.exec(`return window.__scriptRan === true;`), false);
});
