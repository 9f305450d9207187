// Shared plumbing of the end-to-end tests: free ports, polling, child processes that die
// with the test, and the test-output folder.

import { spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function outputDir(name) {
  const dir = path.join(process.env.MAILCALL_TEST_OUTPUT ?? path.join(root, "test-output"), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `probe` until it returns a truthy value; fails with `what` after `ms`.
 * An error from `probe` is retried while `retryable(error)` holds, and thrown at once otherwise.
 */
export async function waitFor(what, probe, ms = 20000, retryable = () => true) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (e) {
      if (!retryable(e)) throw e;
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

/**
 * Starts a child whose output goes to `<dir>/<name>.log`; `stop()` sends it SIGTERM (SIGKILL
 * after 10 s) and resolves once it has exited.
 */
export function start(name, command, args, { dir, env } = {}) {
  const log = openSync(path.join(dir, `${name}.log`), "w");
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", log, log],
  });
  let exited = null;
  const ended = new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve((exited = { code, signal })));
    child.on("error", (e) => resolve((exited = { error: e.message })));
  });
  return {
    child,
    exited: () => exited,
    async stop() {
      if (exited !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
      await ended;
      clearTimeout(timer);
    },
  };
}

export function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
