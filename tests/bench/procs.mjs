// What the app's processes use, read from /proc: the app and everything under it (WebKit's
// web and network processes).

import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import path from "node:path";
import { appBin } from "../e2e/window.mjs";

/** The app's processes: the app itself and every process under it (WebKit's web and network processes). */
export function appProcesses() {
  const want = path.resolve(appBin);
  const parent = new Map();
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      if (readlinkSync(`/proc/${name}/exe`) === want) pids.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  const all = new Set(pids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (all.has(ppid) && !all.has(pid)) {
        all.add(pid);
        grew = true;
      }
    }
  }
  return [...all];
}

/** Proportional set size (shared pages split between sharers), in MB, of the app's processes. */
export function memory() {
  let pss = 0;
  let rss = 0;
  const names = [];
  for (const pid of appProcesses()) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      names.push(readFileSync(`/proc/${pid}/comm`, "utf8").trim());
    } catch {
      // Exited meanwhile.
    }
  }
  return { pss: pss / 1024, rss: rss / 1024, names };
}

/** CPU time (user + system, in seconds) each of the app's processes has used so far, by name. */
export function cpuSeconds() {
  const byName = {};
  for (const pid of appProcesses()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      byName[name] = (byName[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
    } catch {
      // Exited meanwhile.
    }
  }
  return byName;
}
