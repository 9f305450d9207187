// Rows of a message list by index, fetched from the core a page at a time and kept in a
// Map index -> row (as Thunderbird's tree view does). The list only ever asks for the rows
// it shows, so a 300,000-row folder costs a few pages of memory, not 300,000 rows.
//
// A list is a folder (one row per message), a folder's conversations (one row per thread,
// standing for it by its newest message there) or a search. Every change of source or invalidation bumps a
// generation: answers for an older generation are dropped, so the newest request wins.

import { SvelteMap } from "svelte/reactivity";
import { core, type MessageRow, type ThreadPage } from "./api";

/** Rows fetched per request; pages are aligned so overlapping views share them. */
export const PAGE = 100;
/** Rows fetched beyond the view on each side. */
const AHEAD = PAGE / 2;
/** Rows kept around the view before the cache is trimmed. */
const KEEP = 3000;

export type Source =
  | { kind: "folder"; folder: string }
  | { kind: "threads"; folder: string }
  | { kind: "query"; query: string };

/**
 * A row as the list shows it: a message, or in a conversation list the conversation's
 * newest message in the folder with `messages` (how many the folder holds), unread while
 * any of them is and flagged while any of them is.
 */
export type ListRow = MessageRow & { messages?: number };

/** What a list shows, as one string (`folder:INBOX`, `threads:INBOX`, `query:...`). */
export function listKey(source: Source | null): string {
  if (source === null) return "";
  return source.kind === "query" ? `query:${source.query}` : `${source.kind}:${source.folder}`;
}

/** The folder a list shows, for folder and conversation lists. */
export function sourceFolder(source: Source | null): string | null {
  return source !== null && source.kind !== "query" ? source.folder : null;
}

/** A window of a list by row index. */
type ListPage = { total: number; offset: number; rows: ListRow[] };

function fromThreads(page: ThreadPage): ListPage {
  return {
    total: page.total,
    offset: page.offset,
    rows: page.rows.map((t) => ({
      ...t.head,
      seen: t.unread === 0,
      flagged: t.flagged > 0,
      messages: t.messages,
    })),
  };
}

export class RowSource {
  account = $state("");
  source = $state<Source | null>(null);
  /** Rows in the whole list; null until the first page arrived. */
  total = $state<number | null>(null);
  rows = new SvelteMap<number, ListRow>();
  error = $state<unknown>(null);
  private generation = 0;
  // Bookkeeping of requests on their way; nothing renders it, so it need not be reactive.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private inFlight = new Set<string>();
  private view: [number, number] = [0, 0];

  /** Shows `source` of `account` from its first row; resolves when the first page is in. */
  async show(account: string, source: Source): Promise<void> {
    this.account = account;
    this.source = source;
    this.total = null;
    this.rows.clear();
    this.error = null;
    this.generation += 1;
    this.view = [0, PAGE];
    await this.fetchPage(0, this.generation);
  }

  /** Re-reads the rows in view (after new mail or a local change), keeping the rest away. */
  async refresh(): Promise<void> {
    if (!this.source) return;
    this.generation += 1;
    const gen = this.generation;
    const [first, last] = this.view;
    const pages = [];
    for (let p = Math.floor(first / PAGE); p * PAGE < Math.max(last, 1); p++) pages.push(p * PAGE);
    await Promise.all(pages.map((offset) => this.fetchPage(offset, gen, true)));
  }

  /** Makes sure rows `first..last` are loaded or on their way, and the rows just beyond. */
  want(first: number, last: number): void {
    this.view = [first, last];
    if (!this.source) return;
    // Half a page ahead each way: a steady scroll finds its next rows already in.
    const from = Math.max(0, first - AHEAD);
    const to = this.total === null ? last : Math.min(this.total, last + AHEAD);
    for (let p = Math.floor(from / PAGE); p * PAGE < to; p++) {
      const end = Math.min(p * PAGE + PAGE, this.total ?? p * PAGE + PAGE) - 1;
      if (!this.rows.has(p * PAGE) || !this.rows.has(end)) {
        void this.fetchPage(p * PAGE, this.generation);
      }
    }
    this.trim(first, last);
  }

  /** Loads every row of `first..=last` (for a range selection) and returns them. */
  async range(first: number, last: number): Promise<ListRow[]> {
    const gen = this.generation;
    const pages = [];
    for (let p = Math.floor(first / PAGE); p * PAGE <= last; p++) {
      if (!this.rows.has(p * PAGE)) pages.push(this.fetchPage(p * PAGE, gen));
    }
    await Promise.all(pages);
    const out: ListRow[] = [];
    for (let i = first; i <= last; i++) {
      const row = this.rows.get(i);
      if (row) out.push(row);
    }
    return out;
  }

  private async fetchPage(offset: number, gen: number, replace = false): Promise<void> {
    const source = this.source;
    if (!source) return;
    const key = `${gen}:${offset}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    try {
      const page: ListPage =
        source.kind === "folder"
          ? await core.listMessages(this.account, source.folder, offset, PAGE)
          : source.kind === "threads"
            ? fromThreads(await core.listThreads(this.account, source.folder, offset, PAGE))
            : await core.search(this.account, source.query, offset, PAGE);
      if (gen !== this.generation) return;
      if (this.total !== null && page.total < this.total) {
        for (const index of [...this.rows.keys()]) if (index >= page.total) this.rows.delete(index);
      }
      this.total = page.total;
      if (replace) {
        for (let i = offset; i < offset + PAGE; i++) this.rows.delete(i);
      }
      page.rows.forEach((row, i) => this.rows.set(page.offset + i, row));
      this.error = null;
    } catch (e) {
      if (gen === this.generation) this.error = e;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Drops cached rows far from the view once the cache grows past KEEP rows. */
  private trim(first: number, last: number): void {
    if (this.rows.size <= KEEP) return;
    for (const index of [...this.rows.keys()]) {
      if (index < first - KEEP / 2 || index > last + KEEP / 2) this.rows.delete(index);
    }
  }
}
