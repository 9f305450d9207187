// Adding the lab's account through the window's form, as a person does: fill it in,
// submit, and trust the lab's self-signed certificate on the page that shows it.

import path from "node:path";

/** The address part of the lab's `Name <address>`. */
export const labAddress = (lab) => /<([^>]+)>/.exec(lab.address)?.[1] ?? lab.address;

/** Fills the add-account form with the lab's account and submits it. */
export async function submitAccountForm(win, lab, password = lab.password) {
  await win.waitFor('[data-testid="account-form"]', 30000);
  await win.type('[data-testid="f-address"]', labAddress(lab));
  await win.type('[data-testid="f-host"]', lab.host);
  await win.type('[data-testid="f-port"]', String(lab.imapsPort));
  await win.type('[data-testid="f-user"]', lab.user);
  await win.type('[data-testid="f-password"]', password);
  await win.click('[data-testid="f-submit"]');
}

/** Adds the lab's account and waits for the mail view. */
export async function addAccount(win, lab) {
  await submitAccountForm(win, lab);
  await win.click('[data-testid="trust-certificate"]');
  await win.waitFor('[data-testid="mail-view"]', 60000);
}

/** The app's environment for a fresh configuration in `tmp`, on `lab`'s keyring. */
export function labEnv(lab, tmp, extra = {}) {
  return {
    MAILCALL_CONFIG: path.join(tmp, "config", "config.toml"),
    DBUS_SESSION_BUS_ADDRESS: lab.busAddress,
    XDG_DATA_HOME: path.join(tmp, "data"),
    XDG_CACHE_HOME: path.join(tmp, "cache"),
    ...extra,
  };
}

/** Waits until the first sync of every folder is over (Sent holds my replies; senders are classified after the last folder). */
export async function waitFirstSync(win, ms = 120000) {
  await win.until(
    "the first sync of every folder",
    `return document.querySelector('[data-testid="sync-progress"]')?.textContent.trim() === "Up to date" &&
       !document.querySelector('[data-testid="last-sync"]')?.textContent.includes("never");`,
    ms,
  );
}
