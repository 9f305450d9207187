// A view's data loaded again and again (a period chosen, a sender marked): only the
// answer to the newest request is kept, so a slow older answer never overwrites a newer
// one, and the error is the newest request's.

import { apiError, type ApiError } from "../mail/api";
import { mail } from "../mail/mail.svelte";

export class Latest<T> {
  value = $state<T | null>(null);
  error = $state<ApiError | null>(null);
  loading = $state(false);
  private seq = 0;

  async run(load: () => Promise<T>): Promise<void> {
    const mine = ++this.seq;
    this.loading = true;
    try {
      const next = await load();
      if (mine !== this.seq) return;
      this.value = next;
      this.error = null;
    } catch (e) {
      if (mine === this.seq) this.error = apiError(e);
    } finally {
      if (mine === this.seq) this.loading = false;
    }
  }

  /** Runs `first` once the accounts are loaded (loading them if no page did yet). */
  afterAccounts(first: () => Promise<void>): void {
    if (mail.loaded) void first();
    else mail.load().then(first, (e) => (this.error = apiError(e)));
  }
}
