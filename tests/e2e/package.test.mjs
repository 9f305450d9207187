// The installable package: the .deb that `make bundle-debug` builds (the same bundler and
// configuration as `make bundle`, packing the debug build the suite has already compiled)
// is installed with apt, the installed app is started under Xvfb and checked through
// WebDriver, the installed CLI answers `--version`, and the package is removed again.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { outputDir, root, waitFor } from "./harness.mjs";
import { appBin, openWindow } from "./window.mjs";

const out = outputDir("package");
const bundles = path.join(path.dirname(appBin), "bundle");
const version = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(root, "Cargo.toml"), "utf8"))[1];
const only = (dir, ext) => {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)) : [];
  assert.equal(files.length, 1, `one ${ext} in ${dir} (run \`make bundle-debug\`): ${files}`);
  return path.join(dir, files[0]);
};
let deb;
let pkg;
let tmp;

before(() => {
  deb = only(path.join(bundles, "deb"), ".deb");
  pkg = execFileSync("dpkg-deb", ["--field", deb, "Package"], { encoding: "utf8" }).trim();
  tmp = mkdtempSync(path.join(os.tmpdir(), "mailcall-package-"));
});

after(() => {
  if (pkg) execFileSync("apt-get", ["remove", "-y", "-q", pkg], { stdio: "ignore" });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("the .deb and the .rpm hold the app, the CLI, the desktop entry and the icons", () => {
  const listed = execFileSync("dpkg-deb", ["--contents", deb], { encoding: "utf8" });
  const paths = listed.split("\n").map((line) => line.split(/\s+/).pop().replace(/^\.\//, ""));
  for (const want of ["usr/bin/mailcall", "usr/bin/mailcall-cli", "usr/share/applications/Mailcall.desktop"]) {
    assert.ok(paths.includes(want), `${want} in the .deb:\n${listed}`);
  }
  assert.ok(paths.some((p) => /^usr\/share\/icons\/hicolor\/.+\/apps\/mailcall\.png$/.test(p)), "the icons");
  assert.equal(execFileSync("dpkg-deb", ["--field", deb, "Version"], { encoding: "utf8" }).trim(), version);
  const rpm = only(path.join(bundles, "rpm"), ".rpm");
  // An RPM starts with its lead's magic number.
  assert.equal(readFileSync(rpm).subarray(0, 4).toString("hex"), "edabeedb", "an RPM package");
});

test("the installed app opens its window and the installed CLI answers", async () => {
  execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", deb], { stdio: "ignore" });
  assert.ok(existsSync("/usr/bin/mailcall") && existsSync("/usr/bin/mailcall-cli"), "installed in /usr/bin");
  const entry = readFileSync("/usr/share/applications/Mailcall.desktop", "utf8");
  assert.match(entry, /^Exec=mailcall\b/m, "the desktop entry starts the installed app");
  assert.match(execFileSync("/usr/bin/mailcall-cli", ["--version"], { encoding: "utf8" }), new RegExp(version.replace(/\./g, "\\.")));
  const win = await openWindow({
    dir: out,
    bin: "/usr/bin/mailcall",
    env: { MAILCALL_CONFIG: path.join(tmp, "config.toml"), XDG_DATA_HOME: path.join(tmp, "data"), XDG_CACHE_HOME: path.join(tmp, "cache") },
  });
  try {
    await win.waitFor('[data-testid="account-form"], [data-testid="mail-empty"]', 30000);
    await win.click('[data-testid="nav-diagnostics"]');
    await waitFor("the app version", async () => (await win.text('[data-testid="app-version"]')) === version);
    await win.screenshot("installed-app");
  } finally {
    await win.close();
  }
  execFileSync("apt-get", ["remove", "-y", "-q", pkg], { stdio: "ignore" });
  assert.ok(!existsSync("/usr/bin/mailcall"), "removed");
  pkg = null;
});
