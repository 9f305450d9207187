// The mail lab for window tests: runs `mailcall-lab` (crates/testkit), which starts a real
// Dovecot with a fixture mailbox and a private gnome-keyring bus, and talks to it over its
// stdin/stdout (one JSON line per command: stop, start, folder NAME, append PATH, quit).

import { spawn } from "node:child_process";
import { existsSync, openSync } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { root } from "./harness.mjs";

// `make build` puts the lab beside the app binary.
const appBin = process.env.MAILCALL_APP_BIN ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, "target"), "debug/mailcall");
export const labBin = process.env.MAILCALL_LAB_BIN ?? path.join(path.dirname(appBin), "mailcall-lab");

/**
 * Starts the lab with `messages` fixture messages (dated up to `until`, Unix seconds,
 * when given); resolves with its ready line
 * (ports, user, password, certPem, busAddress, manifestPath, summary, extraFolder) and
 * `command(line)`, which resolves with the lab's answer.
 */
export async function startLab({ messages, dir, until }) {
  if (!existsSync(labBin)) throw new Error(`no lab binary at ${labBin}: run \`make build\` first`);
  const log = openSync(path.join(dir, "mailcall-lab.log"), "w");
  const args = ["--messages", String(messages), ...(until ? ["--until", String(until)] : [])];
  const child = spawn(labBin, args, { stdio: ["pipe", "pipe", log] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  let exited = null;
  lines.on("line", (line) => {
    const next = waiting.shift();
    if (next) next.resolve(JSON.parse(line));
  });
  child.on("exit", (code, signal) => {
    exited = { code, signal };
    for (const w of waiting.splice(0)) w.reject(new Error(`mailcall-lab exited: ${JSON.stringify(exited)}`));
  });
  const answer = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));

  const ready = await answer();
  if (ready.event !== "ready") throw new Error(`mailcall-lab did not start: ${JSON.stringify(ready)}`);
  return {
    ...ready,
    async command(line) {
      const reply = answer();
      child.stdin.write(`${line}\n`);
      const value = await reply;
      if (value.event === "error") throw new Error(`lab ${line}: ${value.message}`);
      return value;
    },
    /** Ends the lab (servers stopped, files removed) and waits for it. */
    async stop() {
      if (exited) return;
      const done = new Promise((resolve) => child.once("exit", resolve));
      child.stdin.end("quit\n");
      await done;
    },
  };
}
