// Adding the lab's account through the window's form, as a person does: fill it in,
// submit, and trust the lab's self-signed certificate on the page that shows it.

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
