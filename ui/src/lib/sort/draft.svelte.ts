// A rule started elsewhere (the senders view's "Make a sort rule") for the Sort page to
// open in its editor.

import type { SortRule } from "../mail/api";

export function emptyRule(): SortRule {
  return { name: "", to: "", from: [], list: null, query: null, olderThanDays: null, automated: null, folders: [] };
}

class Draft {
  rule = $state<SortRule | null>(null);
}

export const draft = new Draft();
