// The demo without a display: the real window under a private Xvfb, driven through WebDriver
// (tests/e2e/window.mjs) to the screens a newcomer looks at first. Each is saved as a PNG in
// the output folder, and what it showed goes to screens.json. Then the window stays open
// until SIGINT or SIGTERM, and the window, its driver and Xvfb are closed before exiting.
//   node scripts/demo-window.mjs OUT_DIR APP   (OUT_DIR holds mailcall-demo's demo.json)

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { waitFor } from "../tests/e2e/harness.mjs";
import { openWindow } from "../tests/e2e/window.mjs";

const [out, app] = process.argv.slice(2);
if (!out || !app) throw new Error("usage: demo-window.mjs OUT_DIR APP");
const demo = JSON.parse(readFileSync(path.join(out, "demo.json"), "utf8"));
const inbox = demo.mailbox.folders.INBOX;
// A first sync of a big mailbox takes a while on a small machine: about 4 ms a message.
const syncMs = Math.max(120000, demo.mailbox.messages * 4);

const stopped = new Promise((resolve) => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => resolve(signal));
});
const say = (line) => console.log(`demo: ${line}`);

async function screens(win) {
  const seen = {};
  const shot = async (name) => {
    const png = await win.wd("GET", `/session/${win.sessionId}/screenshot`);
    const file = path.join(out, `${name}.png`);
    writeFileSync(file, Buffer.from(png, "base64"));
    return file;
  };
  const present = (css) => win.exec(`return !!document.querySelector(${JSON.stringify(css)});`);
  const folder = (name) =>
    win.exec(
      `const f = document.querySelector('[data-testid="folder"][data-path=' + JSON.stringify(arguments[0]) + ']');
       return f && { total: Number(f.dataset.total), unread: Number(f.dataset.unread), text: f.textContent.trim() };`,
      name,
    );
  const rows = () =>
    win.exec(`return [...document.querySelectorAll('[data-testid="message-row"]')].slice(0, 8)
      .map((r) => r.textContent.replace(/\\s+/g, " ").trim());`);

  await win.waitFor('[data-testid="mail-view"], [data-testid="account-form"], .welcome[role="alert"]', 60000);
  if (await present('[data-testid="account-form"]')) {
    throw new Error("the window asks for an account: it did not find the demo's configuration");
  }
  if (await present('.welcome[role="alert"]')) {
    throw new Error(`the mail page failed: ${await win.text('.welcome[role="alert"]')}`);
  }
  // The inbox as the server holds it: the first rows come early, the counts once synced.
  await win.until(
    "the inbox's first rows",
    `return document.querySelectorAll('[data-testid="message-row"]').length >= ${Math.min(10, inbox.total)};`,
    syncMs,
  );
  const synced = await waitFor(
    "the inbox's counts",
    async () => {
      const f = await folder("INBOX");
      return f?.total === inbox.total && f.unread === inbox.unseen;
    },
    syncMs,
  ).catch(() => false);
  // The other folders follow; waiting for them (a while, on a busy machine) makes the picture
  // the whole mailbox, up to date.
  const upToDate = await waitFor(
    "the first sync of every folder",
    async () => (await win.text('[data-testid="sync-progress"]')).trim() === "Up to date",
    syncMs,
  ).catch(() => false);
  seen.inbox = { file: await shot("inbox"), folder: await folder("INBOX"), rows: await rows(), synced, upToDate };

  // A search for the one message holding the fixture's needle, opened in the reader.
  const needle = demo.mailbox.needle;
  const hits = async () => (await win.exec(`return document.querySelector('[data-testid="hit-count"]')?.textContent ?? "";`)).trim();
  await waitFor(
    "the search to find the needle",
    async () => {
      await win.type('[data-testid="search-input"]', needle.token);
      return waitFor("one result", async () => (await hits()) === "1 result", 10000).catch(() => false);
    },
    syncMs,
  );
  await win.click('[data-testid="message-row"][data-index="0"]');
  await waitFor("the needle open", async () => (await win.text('[data-testid="reader-subject"]')) === needle.subject);
  await win.waitFor('[data-testid="text-body"], [data-testid="html-body"], [data-testid="body-missing"]', 60000);
  seen.search = { file: await shot("search"), query: needle.token, hits: await hits(), subject: needle.subject };

  // Who sends what over the whole mailbox, once the core counted it and the charts drew.
  await win.click('[data-testid="nav-senders"]');
  await win.click('[data-testid="senders-preset-all"]');
  await win.until(
    "the senders view counted the mailbox",
    `const s = document.querySelector('[data-testid="senders-summary"]');
     return s && Number(s.dataset.automated) + Number(s.dataset.human) > 0 &&
       document.querySelector('[data-testid="chart-months"]')?.dataset.drawn;`,
    60000,
  );
  seen.senders = {
    file: await shot("senders"),
    ...(await win.exec(`const s = document.querySelector('[data-testid="senders-summary"]');
      return { automated: Number(s.dataset.automated), human: Number(s.dataset.human),
        top: [...document.querySelectorAll('[data-testid="top-senders"] [data-testid="sender-row"]')].slice(0, 5)
          .map((r) => [r.dataset.key, Number(r.dataset.count)]) };`)),
  };
  // The all-hands: the server the demo set up is on the join form already.
  await win.click('[data-testid="nav-calls"]');
  await win.waitFor('[data-testid="call-join-form"]', 30000);
  await win.type('[data-testid="call-join-form"] input[name="room"]', String(demo.call.room));
  await win.type('[data-testid="call-join-form"] input[name="display"]', "Newcomer");
  await win.click('[data-testid="call-join"]');
  // Each tile: its feed, name, frames painted, and an 8x8 thumbnail of its picture drawn
  // from the <video> (a screenshot of the window may not hold video layers).
  const tiles = () =>
    win.exec(`return [...document.querySelectorAll('[data-testid="call-tile"]')].map((t) => {
      const v = t.querySelector("video");
      let thumb = null;
      if (v && v.videoWidth) {
        const c = document.createElement("canvas");
        c.width = 8; c.height = 8;
        const g = c.getContext("2d");
        g.drawImage(v, 0, 0, 8, 8);
        thumb = [...g.getImageData(0, 0, 8, 8).data].filter((_, i) => i % 4 !== 3);
      }
      return { mid: t.dataset.mid, feed: t.dataset.feed ?? null, main: t.dataset.main === "true",
        name: t.querySelector('[data-testid="call-tile-name"]')?.textContent.trim() ?? "",
        frames: Number(t.dataset.frames ?? 0), thumb };
    });`);
  // What the core received per video stream, as the stats panel shows it.
  const received = () =>
    win.exec(`return [...document.querySelectorAll('[data-testid="call-stats"] tr[data-kind="video"]')].map((r) => ({
      name: r.querySelector(".who")?.textContent.trim() ?? "", frames: Number(r.children[2]?.textContent ?? 0) }));`);
  const speakers = Math.min(demo.call.speakers.length, 4);
  await waitFor(
    "every speaker's picture painted in a tile",
    async () => {
      const named = (await tiles()).filter((t) => demo.call.speakers.includes(t.name) && t.frames > 5 && t.thumb);
      const video = (await received()).filter((r) => r.frames > 5);
      return named.length >= speakers && video.length >= speakers;
    },
    90000,
  ).catch(async (e) => {
    await shot("call-failed");
    throw new Error(`${e.message}: ${JSON.stringify({ tiles: await tiles(), received: await received() })}`);
  });
  // The sound the page plays: seconds scheduled so far and the mix's level now.
  const sound = () =>
    win.exec(`const s = document.querySelector('[data-testid="call-stage"]');
      return s && { played: Number(s.dataset.soundPlayed), level: Number(s.dataset.soundLevel) };`);
  const first = { tiles: await tiles(), received: await received(), sound: await sound() };
  let loudest = 0;
  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 250));
    loudest = Math.max(loudest, (await sound())?.level ?? 0);
  }
  const later = { tiles: await tiles(), received: await received(), sound: await sound(), loudest };
  const engine = await win.text('[data-testid="call-engine"]');
  seen.call = { file: await shot("call"), engine, first, later };
  const painted = later.tiles.reduce((n, t) => n + t.frames, 0);
  say(`frames painted in the tiles so far: ${painted}`);
  seen.roster = await roster(win, demo, present);
  say(`in the ${demo.call.roomName} with ${later.tiles.length} tiles (${engine})`);
  return seen;
}

/**
 * The call's roster once everyone is in (the attendees join a few at a time): its total,
 * both pages' names, and a search for the second speaker's first name.
 */
async function roster(win, demo, present) {
  const everyone = demo.call.speakers.length + demo.call.attendees + 1;
  const total = async () => Number((await win.text('[data-testid="roster-total"]')).replace(/[^0-9]/g, ""));
  const names = () => win.exec(`return [...document.querySelectorAll('[data-testid="roster"] li .who')].map((e) => e.textContent.trim());`);
  await waitFor("everyone on the roster", async () => (await total()) >= everyone, 180000).catch(() => {});
  const seen = { total: await total(), pages: [await names()] };
  while (await present('[data-testid="roster-next"]:not([disabled])')) {
    const was = seen.pages.at(-1)[0];
    await win.click('[data-testid="roster-next"]');
    await waitFor("the next page of people", async () => (await names())[0] !== was);
    seen.pages.push(await names());
  }
  const query = demo.call.speakers[1].split(" ")[0];
  await win.type('[data-testid="roster-search"]', query);
  // The label says "found" as soon as a query is typed; the list follows the answer.
  await waitFor("the search's answer among people", async () => {
    const found = await names();
    return found.length > 0 && found.every((name) => name.toLowerCase().includes(query.toLowerCase()));
  });
  seen.search = { query, found: await names() };
  return seen;
}

const win = await openWindow({ dir: out, env: demo.appEnv, bin: app });
let failed = false;
try {
  const seen = await Promise.race([screens(win), stopped]);
  if (typeof seen === "object") {
    writeFileSync(path.join(out, "screens.json"), JSON.stringify(seen, null, 2));
    const files = Object.values(seen).filter((s) => s.file).map((s) => path.basename(s.file));
    say(`screenshots in ${out}: ${files.join(", ")}`);
    if (!seen.inbox.upToDate) say("the mailbox was still syncing when the inbox's screenshot was taken");
    say(`Mailcall is running on the private display ${win.display}; Ctrl-C stops everything`);
    await stopped;
  }
} catch (e) {
  failed = true;
  console.error(`demo: the window did not show what it should: ${e.message}`);
} finally {
  await win.close();
}
process.exit(failed ? 1 : 0);
