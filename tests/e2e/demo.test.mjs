// `make demo` as a newcomer runs it on a machine without a display: scripts/demo.sh with a
// small mailbox, until it has written its screenshots. They must be real pictures of the
// window, the inbox must have shown the fixture manifest's counts and the search its needle,
// and the all-hands must hold its speakers (taking turns) and attendees. Then Ctrl-C, sent to
// the whole process group as a terminal does, must stop everything the demo started.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { outputDir, root, waitFor } from "./harness.mjs";
import { appBin } from "./window.mjs";

const MESSAGES = 2000;
const ATTENDEES = 50;
const SPEAKERS = 3;
const out = outputDir("demo");
const scriptLog = path.join(out, "demo-script.log");
const tail = () => readFileSync(scriptLog, "utf8").split("\n").slice(-30).join("\n");

/** One request to the Janus HTTP API at `url`. */
async function janus(url, body) {
  const transaction = Math.random().toString(36).slice(2);
  const res = await fetch(url, { method: "POST", body: JSON.stringify({ ...body, transaction }) });
  const reply = await res.json();
  if (reply.janus === "error") throw new Error(`${body.janus}: ${JSON.stringify(reply.error)}`);
  return reply;
}

/** The all-hands' participants, asked of Janus itself. */
async function participants(server, room) {
  const session = (await janus(server, { janus: "create" })).data.id;
  try {
    const handle = (await janus(`${server}/${session}`, { janus: "attach", plugin: "janus.plugin.videoroom" })).data.id;
    const body = { request: "listparticipants", room };
    const reply = await janus(`${server}/${session}/${handle}`, { janus: "message", body });
    return reply.plugindata.data.participants;
  } finally {
    await janus(`${server}/${session}`, { janus: "destroy" }).catch(() => {});
  }
}

/** Width, height and number of distinct colours of a PNG (ImageMagick). */
function picture(file) {
  const [width, height, colours] = execFileSync("identify", ["-format", "%w %h %k", file], { encoding: "utf8" })
    .split(" ")
    .map(Number);
  return { width, height, colours, bytes: statSync(file).size };
}

function assertWindowPicture(file) {
  assert.ok(existsSync(file), `${file} was written`);
  const p = picture(file);
  assert.ok(p.width >= 800 && p.height >= 500, `${file} is the window's size: ${JSON.stringify(p)}`);
  assert.ok(p.colours > 50 && p.bytes > 20000, `${file} shows more than a blank page: ${JSON.stringify(p)}`);
}

/** Processes in session `sid` (the demo's, since it was started in a session of its own). */
function inSession(sid) {
  const found = spawnSync("pgrep", ["-s", String(sid), "-a"], { encoding: "utf8" });
  return found.stdout.trim();
}

test("make demo without a display: the servers, the window's screens, and Ctrl-C stops everything", { timeout: 900000 }, async (t) => {
  const started = Date.now();
  const env = { ...process.env, MAILCALL_DEMO_MESSAGES: String(MESSAGES), MAILCALL_APP_BIN: appBin };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  // What an earlier run left must not pass for this run's.
  for (const name of ["screens.json", "demo.json", "inbox.png", "search.png", "senders.png", "call.png"]) {
    rmSync(path.join(out, name), { force: true });
  }
  const log = openSync(scriptLog, "w");
  // A session of its own: the process group a terminal's Ctrl-C reaches, and a way to find
  // every process the demo started however it was named.
  const demo = spawn("bash", [path.join(root, "scripts/demo.sh"), appBin], { env, detached: true, stdio: ["ignore", log, log] });
  let exit = null;
  const exited = new Promise((resolve) => demo.on("exit", (code, signal) => resolve((exit = { code, signal }))));
  const sid = demo.pid;
  try {
    const gone = (what) => () => {
      if (exit) throw new Error(`demo.sh exited ${JSON.stringify(exit)} before ${what}:\n${tail()}`);
    };
    const screensFile = path.join(out, "screens.json");
    await waitFor("the demo's screenshots", () => (gone("its screenshots")(), existsSync(screensFile)), 600000, (e) => !/exited/.test(e.message));
    t.diagnostic(`screenshots after ${Math.round((Date.now() - started) / 1000)} s`);
    const demoInfo = JSON.parse(readFileSync(path.join(out, "demo.json"), "utf8"));
    const screens = JSON.parse(readFileSync(screensFile, "utf8"));
    const manifest = JSON.parse(readFileSync(demoInfo.mailbox.manifestPath, "utf8"));
    assert.equal(manifest.messages, MESSAGES);

    // The inbox as the fixture wrote it, in a real picture of the window.
    const inbox = manifest.by_folder.INBOX;
    assert.ok(screens.inbox.synced, `the inbox reached the server's counts: ${JSON.stringify(screens.inbox.folder)}`);
    assert.equal(screens.inbox.folder.total, inbox.total);
    assert.equal(screens.inbox.folder.unread, inbox.unseen);
    assert.ok(screens.inbox.rows.length >= 8 && screens.inbox.rows.every((r) => r.length > 10), JSON.stringify(screens.inbox.rows));
    assertWindowPicture(path.join(out, "inbox.png"));

    // The search found exactly the fixture's needle and opened it.
    assert.equal(screens.search.query, manifest.needle.token);
    assert.equal(screens.search.hits, "1 result");
    assert.equal(screens.search.subject, manifest.needle.subject);
    assertWindowPicture(path.join(out, "search.png"));
    assert.notDeepEqual(readFileSync(path.join(out, "search.png")), readFileSync(path.join(out, "inbox.png")));

    // The senders view over the whole mailbox: the fixture's counts and top senders.
    assert.ok(screens.senders, "the demo saved the senders view");
    assertWindowPicture(path.join(out, "senders.png"));
    assert.equal(screens.senders.automated + screens.senders.human, manifest.messages);
    assert.deepEqual(screens.senders.top, manifest.top_senders.slice(0, 5).map((c) => [c.key, c.count]));

    // The all-hands in the window, with the native engine (this WebKitGTK has no WebRTC):
    // a tile for every speaker, named as the demo named them, one of them large, each
    // painting its frames, each picture its own (the speakers' samples are different test
    // patterns), and the core receiving each speaker's video.
    const call = screens.call;
    assert.ok(call, "the window joined the all-hands");
    assertWindowPicture(path.join(out, "call.png"));
    assert.match(call.engine, /native/i);
    const speakerNames = demoInfo.call.speakers;
    const expected = Math.min(speakerNames.length, 4);
    const shown = call.later.tiles.filter((t) => speakerNames.includes(t.name));
    assert.equal(new Set(shown.map((t) => t.name)).size, expected, JSON.stringify(call.later.tiles));
    assert.equal(call.later.tiles.filter((t) => t.main).length, 1, "one main tile");
    for (const tile of shown) {
      const before = call.first.tiles.find((f) => f.mid === tile.mid);
      assert.ok(before && tile.frames > before.frames + 10, `${tile.name}'s picture moves: ${before?.frames} then ${tile.frames} frames`);
      assert.ok(tile.thumb, `${tile.name}'s tile has a picture`);
      const spread = Math.max(...tile.thumb) - Math.min(...tile.thumb);
      assert.ok(spread > 60, `${tile.name}'s picture is not blank: ${JSON.stringify(tile.thumb)}`);
    }
    const differ = (a, b) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;
    for (let i = 0; i < shown.length; i++) {
      for (let j = i + 1; j < shown.length; j++) {
        const d = differ(shown[i].thumb, shown[j].thumb);
        assert.ok(d > 20, `${shown[i].name} and ${shown[j].name} show different pictures (mean difference ${d.toFixed(1)})`);
      }
    }
    // And the speakers are heard: the page keeps scheduling their decoded voices (three
    // voices for three seconds), and the mix it plays is not silence.
    assert.ok(call.later.sound.played > call.first.sound.played + 2, `sound plays: ${JSON.stringify([call.first.sound, call.later.sound])}`);
    assert.ok(call.later.loudest > 0.005, `the mix is louder than silence: ${call.later.loudest}`);
    // The roster in the window: everyone (speakers, attendees, the window itself), 50 a
    // page, no one twice, and a search by first name finds the speaker.
    const roster = screens.roster;
    assert.equal(roster.total, SPEAKERS + ATTENDEES + 1, JSON.stringify(roster));
    const listed = roster.pages.flat();
    assert.deepEqual(roster.pages.map((p) => p.length), [50, roster.total - 50]);
    assert.equal(new Set(listed).size, listed.length, "no one is listed twice");
    for (const name of [...speakerNames, "Newcomer"]) assert.ok(listed.includes(name), `${name} is on the roster`);
    assert.ok(roster.search.found.includes(speakerNames[1]), JSON.stringify(roster.search));
    for (const name of roster.search.found) assert.match(name.toLowerCase(), new RegExp(roster.search.query.toLowerCase()));
    const video = call.later.received.filter((r) => speakerNames.includes(r.name));
    assert.equal(new Set(video.map((r) => r.name)).size, expected, JSON.stringify(call.later.received));
    for (const r of video) {
      const before = call.first.received.find((f) => f.name === r.name);
      assert.ok(before && r.frames > before.frames + 10, `${r.name}'s video keeps arriving: ${JSON.stringify([before, r])}`);
    }

    // The all-hands: every speaker and attendee in the room, and the speakers taking turns.
    const [, server] = demoInfo.call.servers;
    const talkers = new Set();
    await waitFor(
      "the whole all-hands in the room, two speakers heard in turn",
      async () => {
        gone("the all-hands filled")();
        const list = await participants(server, demoInfo.call.room);
        for (const p of list) if (p.talking) talkers.add(p.display);
        const publishers = list.filter((p) => p.publisher).map((p) => p.display);
        // The window itself is in the room too, as an attendee.
        return list.length === SPEAKERS + ATTENDEES + 1 && publishers.length === SPEAKERS && talkers.size >= 2;
      },
      300000,
      (e) => !/exited/.test(e.message),
    ).catch(async (e) => {
      throw new Error(`${e.message}; heard ${[...talkers]}; room: ${JSON.stringify(await participants(server, demoInfo.call.room).catch((x) => x.message))}`);
    });
    for (const name of talkers) assert.ok(demoInfo.call.speakers.includes(name), `${name} is a speaker`);
    t.diagnostic(`all-hands full after ${Math.round((Date.now() - started) / 1000)} s`);

    // Ctrl-C.
    assert.equal(exit, null, "the demo keeps running until Ctrl-C");
    process.kill(-demo.pid, "SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 90000).unref())]);
    assert.ok(exit, `demo.sh ended within 90 s of Ctrl-C:\n${tail()}`);
    assert.equal(exit.code, 130, `demo.sh says it was interrupted:\n${tail()}`);
    await waitFor("nothing left in the demo's session", () => inSession(sid) === "", 5000).catch(() => {
      assert.fail(`still running after Ctrl-C:\n${inSession(sid)}\n${tail()}`);
    });
    const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
    assert.ok(!namespaces.includes(demoInfo.netns), `the network namespace ${demoInfo.netns} is gone`);
    assert.ok(!existsSync(demoInfo.appEnv.XDG_DATA_HOME), "the private folders are removed");
    assert.match(readFileSync(scriptLog, "utf8"), /nothing it started is running/);
    t.diagnostic(`the whole demo run took ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    if (!exit) {
      process.kill(-demo.pid, "SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 90000).unref())]);
    }
    if (inSession(sid)) spawnSync("pkill", ["-KILL", "-s", String(sid)]);
  }
});
