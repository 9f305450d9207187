// The mail window's state: accounts, folders, the list shown (a folder or a search), the
// selection, the open message, the reply pane and the account's sync status. Components
// read it and call its methods; only this module and rows.svelte.ts talk to the core.

import { SvelteSet } from "svelte/reactivity";
import {
  apiError,
  core,
  subscribe,
  type AccountInfo,
  type AccountStatus,
  type Action,
  type ApiError,
  type AppEvent,
  type AssistantCall,
  type FolderInfo,
  type MessageRow,
  type MessageView,
  type ReplyPreview,
  type SavedSearch,
  type Selection,
} from "./api";
import { RowSource, sourceFolder } from "./rows.svelte";

/** A word typed in the search box matches as a prefix from this many letters on: shorter
 * prefixes match most of a large index and would make each keystroke slow. */
const PREFIX_FROM = 3;

export type Notice = { text: string; kind: "info" | "error"; undo?: boolean };
export type Reply = {
  id: string;
  all: boolean;
  preview: ReplyPreview | null;
  body: string;
  saving: boolean;
  error: ApiError | null;
};

class MailState {
  loaded = $state(false);
  accounts = $state<AccountInfo[]>([]);
  account = $state<string>("");
  folders = $state<FolderInfo[]>([]);
  folder = $state<string>("INBOX");
  list = new RowSource();

  // Search.
  query = $state("");
  queryError = $state<ApiError | null>(null);
  savedSearches = $state<SavedSearch[]>([]);
  /** A query typed while another runs; only the newest waits, the ones between are skipped. */
  private searchNext: string | null = null;
  private searchBusy = false;
  private fillTimer: ReturnType<typeof setTimeout> | undefined;
  private searchSeq = 0;

  // Selection: the cursor row, the anchor of shift ranges, the selected ids, or every
  // row of the list ("all matching").
  cursor = $state<number | null>(null);
  anchor = $state<number | null>(null);
  selected = new SvelteSet<string>();
  allMatching = $state(false);

  // Reading pane.
  open = $state<MessageView | null>(null);
  openError = $state<ApiError | null>(null);
  opening = $state(false);
  /** This message's remote content was allowed with one click. */
  remoteLoaded = $state(false);
  /**
   * Conversation view: a folder lists one row per conversation (searches stay per message),
   * and the reading pane lists the open message's whole thread.
   */
  threaded = $state(false);
  /** The row being opened while its body loads (the pane shows its header meanwhile). */
  pendingRow = $state<MessageRow | null>(null);
  /** A clicked link waiting for the user to confirm its real address. */
  link = $state<{ url: string; text: string } | null>(null);
  conversation = $state<MessageRow[]>([]);
  private openSeq = 0;

  reply = $state<Reply | null>(null);
  status = $state<AccountStatus | null>(null);
  notice = $state<Notice | null>(null);
  undoable = $state(false);
  /** The latest progress of a sort plan being applied in this account (the Sort page shows it). */
  sortProgress = $state<Extract<AppEvent, { type: "sortProgress" }> | null>(null);
  /** Tool calls AI assistants made through the app's endpoint since the page subscribed, newest first. */
  assistantCalls = $state<AssistantCall[]>([]);
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private subscribed = false;

  /** Loads accounts and, when there is one, its folders and INBOX. */
  async load(): Promise<void> {
    this.accounts = await core.accounts();
    if (!this.subscribed) {
      this.subscribed = true;
      void subscribe((event) => this.onEvent(event)).catch((e) => this.say(apiError(e).message, "error"));
    }
    const first = this.accounts.find((a) => a.id === this.account) ?? this.accounts[0];
    this.loaded = true;
    if (first) await this.selectAccount(first.id);
  }

  async selectAccount(id: string): Promise<void> {
    this.account = id;
    this.folder = "INBOX";
    this.query = "";
    this.queryError = null;
    this.closeMessage();
    const [folders, status, saved] = await Promise.all([
      core.folders(id),
      core.status(id),
      core.savedSearches(),
    ]);
    this.folders = folders;
    this.keepStatus(status);
    this.savedSearches = saved;
    await this.showFolder(this.folders.find((f) => f.role === "inbox")?.path ?? "INBOX");
  }

  async reloadFolders(): Promise<void> {
    if (this.account) this.folders = await core.folders(this.account);
  }

  get currentFolder(): FolderInfo | undefined {
    return this.folders.find((f) => f.path === this.folder);
  }

  /** True while the list shows search results rather than a folder. */
  get searching(): boolean {
    return this.list.source?.kind === "query";
  }

  async showFolder(path: string): Promise<void> {
    this.searchNext = null;
    this.folder = path;
    this.query = "";
    this.queryError = null;
    this.resetSelection();
    this.closeMessage();
    await this.list.show(this.account, { kind: this.threaded ? "threads" : "folder", folder: path });
  }

  // ---- search ----

  /**
   * Runs `query` as typed: at once when no search is running, else as soon as the running
   * one answers. No pause before asking, so results follow each keystroke, and no pile of
   * queries when typing outruns them: the newest query wins.
   */
  typeQuery(query: string): void {
    this.query = query;
    this.searchNext = query;
    if (!this.searchBusy) void this.drainTyped();
  }

  private async drainTyped(): Promise<void> {
    this.searchBusy = true;
    try {
      while (this.searchNext !== null) {
        const query = this.searchNext;
        this.searchNext = null;
        await this.runQuery(query, true);
      }
    } finally {
      this.searchBusy = false;
    }
  }

  /** Runs `query`; while typing, its last bare word also matches as a prefix. */
  async runQuery(query: string, typing = false): Promise<void> {
    if (!typing) this.searchNext = null;
    this.query = query;
    const seq = ++this.searchSeq;
    if (query.trim() === "") {
      this.queryError = null;
      if (this.searching) await this.showFolder(this.folder);
      return;
    }
    this.resetSelection();
    await this.list.show(this.account, { kind: "query", query: typing ? asYouType(query) : query });
    if (seq !== this.searchSeq) return;
    this.queryError = this.list.error ? apiError(this.list.error) : null;
  }

  async saveSearch(name: string): Promise<void> {
    if (!name.trim() || !this.query.trim()) return;
    this.savedSearches = await core.saveSearch({ name: name.trim(), query: this.query });
    this.say(`Saved the search “${name.trim()}”.`);
  }

  async deleteSearch(name: string): Promise<void> {
    this.savedSearches = await core.deleteSearch(name);
  }

  // ---- selection ----

  resetSelection(): void {
    this.cursor = null;
    this.anchor = null;
    this.selected.clear();
    this.allMatching = false;
  }

  /** A plain click or j/k: this row alone is selected and opened. */
  async pick(index: number): Promise<void> {
    const total = this.list.total ?? 0;
    if (index < 0 || index >= total) return;
    this.cursor = index;
    this.anchor = index;
    this.allMatching = false;
    this.selected.clear();
    let row = this.list.rows.get(index);
    if (!row) row = (await this.list.range(index, index))[0];
    if (!row || this.cursor !== index) return;
    this.selected.add(row.id);
    await this.openRow(row);
  }

  /** Ctrl-click: adds or removes one row. */
  toggle(index: number): void {
    const row = this.list.rows.get(index);
    if (!row) return;
    this.allMatching = false;
    if (this.selected.has(row.id)) this.selected.delete(row.id);
    else this.selected.add(row.id);
    this.cursor = index;
    this.anchor = index;
  }

  /** Shift-click: every row from the anchor to `index`. */
  async extend(index: number): Promise<void> {
    const from = this.anchor ?? index;
    const [first, last] = from <= index ? [from, index] : [index, from];
    this.cursor = index;
    this.allMatching = false;
    const rows = await this.list.range(first, last);
    this.selected.clear();
    for (const row of rows) this.selected.add(row.id);
  }

  selectAllMatching(): void {
    this.allMatching = true;
    this.selected.clear();
  }

  /** How many messages an action would touch now. */
  get selectionSize(): number {
    if (!this.allMatching) return this.selected.size;
    // A conversation list counts conversations; an action on all of it moves messages.
    if (this.list.source?.kind === "threads") return this.currentFolder?.total ?? 0;
    return this.list.total ?? 0;
  }

  isSelected(row: MessageRow): boolean {
    return this.allMatching || this.selected.has(row.id);
  }

  private selection(): Selection | null {
    const source = this.list.source;
    if (this.allMatching && source) {
      return source.kind === "query"
        ? { by: "query", query: source.query }
        : { by: "folder", folder: source.folder };
    }
    if (this.selected.size === 0) return null;
    // A conversation row stands for its messages in the folder; the action takes them all.
    if (source?.kind === "threads") return { by: "conversations", folder: source.folder, ids: [...this.selected] };
    return { by: "ids", ids: [...this.selected] };
  }

  // ---- reading ----

  async openRow(row: MessageRow): Promise<void> {
    const seq = ++this.openSeq;
    this.opening = true;
    this.openError = null;
    this.remoteLoaded = false;
    this.link = null;
    // The pane shows the new message's header at once, never the previous body under it.
    if (this.open?.row.id !== row.id) {
      this.open = null;
      this.pendingRow = row;
    }
    try {
      const [view, thread] = await Promise.all([
        core.openMessage(this.account, row.id),
        this.threaded ? core.thread(this.account, row.id) : Promise.resolve([]),
      ]);
      if (seq !== this.openSeq) return;
      this.open = view;
      this.conversation = thread;
    } catch (e) {
      if (seq === this.openSeq) this.openError = apiError(e);
    } finally {
      if (seq === this.openSeq) {
        this.opening = false;
        this.pendingRow = null;
      }
    }
  }

  /** A link clicked in the body: shown with its real address until the user opens it. */
  askLink(url: string, text: string): void {
    this.link = { url, text: text.trim() };
  }

  async openLink(): Promise<void> {
    const link = this.link;
    if (!link) return;
    this.link = null;
    try {
      await core.openLink(link.url);
      this.say(`Opened ${link.url} in your browser.`);
    } catch (e) {
      this.say(apiError(e).message, "error");
    }
  }

  /** Asks where to save attachment `index` of the open message, then saves it there. */
  async saveAttachment(index: number): Promise<void> {
    const row = this.open?.row;
    if (!row) return;
    try {
      const path = await core.saveAttachment(this.account, row.id, index);
      if (path) this.say(`Saved ${path}.`);
    } catch (e) {
      this.say(apiError(e).message, "error");
    }
  }

  /** Opens the shown message again with its remote content, fetched by the core. */
  async loadRemote(): Promise<void> {
    const row = this.open?.row;
    if (!row) return;
    const seq = ++this.openSeq;
    try {
      const view = await core.openMessage(this.account, row.id, true);
      if (seq !== this.openSeq) return;
      this.open = view;
      this.remoteLoaded = true;
    } catch (e) {
      if (seq === this.openSeq) this.openError = apiError(e);
    }
  }

  /** Always loads remote content from `sender` (kept by the core), starting with this message. */
  async loadRemoteAlways(sender: string): Promise<void> {
    try {
      await core.setRemoteContent(sender, true);
      this.say(`Remote content from ${sender} will always load.`);
      await this.loadRemote();
    } catch (e) {
      this.say(apiError(e).message, "error");
    }
  }

  /** Opens a message of the conversation shown in the reading pane. */
  async openInThread(row: MessageRow): Promise<void> {
    const seq = ++this.openSeq;
    try {
      const view = await core.openMessage(this.account, row.id);
      if (seq === this.openSeq) this.open = view;
    } catch (e) {
      if (seq === this.openSeq) this.openError = apiError(e);
    }
  }

  async toggleThreaded(): Promise<void> {
    this.threaded = !this.threaded;
    const row = this.open?.row;
    const folder = sourceFolder(this.list.source);
    const [conversation] = await Promise.all([
      this.threaded && row ? core.thread(this.account, row.id) : Promise.resolve([]),
      // Rows change meaning, so the selection goes; the open message stays.
      folder === null ? Promise.resolve() : this.relist(folder),
    ]);
    this.conversation = conversation;
  }

  private async relist(folder: string): Promise<void> {
    this.resetSelection();
    await this.list.show(this.account, { kind: this.threaded ? "threads" : "folder", folder });
  }

  closeMessage(): void {
    this.openSeq++;
    this.conversation = [];
    this.open = null;
    this.openError = null;
    this.opening = false;
    this.pendingRow = null;
    this.link = null;
    this.reply = null;
  }

  async next(step: 1 | -1): Promise<void> {
    const total = this.list.total ?? 0;
    if (total === 0) return;
    const from = this.cursor ?? (step === 1 ? -1 : total);
    await this.pick(Math.max(0, Math.min(total - 1, from + step)));
  }

  // ---- actions ----

  async act(action: Action, what: string): Promise<void> {
    const selection = this.selection();
    if (!selection) {
      this.say("Select a message first.", "error");
      return;
    }
    const moves = action.kind === "archive" || action.kind === "delete" || action.kind === "move";
    try {
      const result = await core.act(this.account, action, selection);
      this.undoable = result.undoable;
      const n = result.changed;
      this.say(`${what} ${n} message${n === 1 ? "" : "s"}.`, "info", result.undoable);
      void this.refreshStatus();
      if (moves) {
        // The next message takes the moved one's place, as in every mail client.
        this.selected.clear();
        this.allMatching = false;
        this.open = null;
      }
      await this.afterChange();
      if (moves && this.cursor !== null) {
        const total = this.list.total ?? 0;
        if (total > 0) await this.pick(Math.min(this.cursor, total - 1));
        else this.cursor = null;
      }
    } catch (e) {
      this.say(apiError(e).message, "error");
    }
  }

  /** Flags the selection, or unflags it when the cursor message is flagged. */
  async toggleFlag(): Promise<void> {
    const row = this.cursor === null ? undefined : this.list.rows.get(this.cursor);
    const on = !(row?.flagged ?? false);
    await this.act({ kind: on ? "flag" : "unflag" }, on ? "Flagged" : "Unflagged");
  }

  async toggleRead(): Promise<void> {
    const row = this.cursor === null ? undefined : this.list.rows.get(this.cursor);
    const read = !(row?.seen ?? true);
    await this.act({ kind: read ? "markRead" : "markUnread" }, read ? "Marked read" : "Marked unread");
  }

  async undo(): Promise<void> {
    try {
      const result = await core.undo(this.account);
      this.undoable = result.undoable;
      void this.refreshStatus();
      this.say(`Undone (${result.changed} message${result.changed === 1 ? "" : "s"}).`);
      await this.afterChange();
    } catch (e) {
      this.say(apiError(e).message, "error");
    }
  }

  async createFolder(path: string): Promise<void> {
    try {
      await core.createFolder(this.account, path);
      await this.reloadFolders();
      this.say(`Created the folder “${path}”.`);
    } catch (e) {
      this.say(apiError(e).message, "error");
    }
  }

  async renameFolder(from: string, to: string): Promise<void> {
    try {
      await core.renameFolder(this.account, from, to);
      await this.reloadFolders();
      if (this.folder === from) await this.showFolder(to);
      this.say(`Renamed “${from}” to “${to}”.`);
    } catch (e) {
      this.say(apiError(e).message, "error");
    }
  }

  async deleteFolder(path: string): Promise<void> {
    try {
      await core.deleteFolder(this.account, path);
      await this.reloadFolders();
      if (this.folder === path) await this.showFolder("INBOX");
      this.say(`Deleted the folder “${path}”.`);
    } catch (e) {
      this.say(apiError(e).message, "error");
    }
  }

  // ---- replies ----

  async startReply(all: boolean): Promise<void> {
    const row = this.open?.row;
    if (!row) {
      this.say("Open a message to reply to.", "error");
      return;
    }
    this.reply = { id: row.id, all, preview: null, body: "", saving: false, error: null };
    try {
      const preview = await core.replyPreview(this.account, row.id, all);
      if (this.reply?.id === row.id) this.reply.preview = preview;
    } catch (e) {
      if (this.reply) this.reply.error = apiError(e);
    }
  }

  async saveReply(): Promise<void> {
    const reply = this.reply;
    if (!reply) return;
    reply.saving = true;
    reply.error = null;
    try {
      const saved = await core.saveReplyDraft(this.account, reply.id, reply.all, reply.body);
      this.reply = null;
      void this.refreshStatus();
      this.say(`Draft saved in ${saved.folder}. Nothing was sent.`);
      await this.reloadFolders();
    } catch (e) {
      reply.error = apiError(e);
    } finally {
      reply.saving = false;
    }
  }

  // ---- events and notices ----

  say(text: string, kind: Notice["kind"] = "info", undo = false): void {
    this.notice = { text, kind, undo };
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => (this.notice = null), undo ? 12000 : 6000);
  }

  /**
   * Asks for the account's status after a change. The answer of the action itself may be
   * older than a status event that arrived meanwhile, so it is not used for the count.
   */
  private async refreshStatus(): Promise<void> {
    const account = this.account;
    try {
      const status = await core.status(account);
      if (account === this.account) this.keepStatus(status);
    } catch {
      // The next status event brings it.
    }
  }

  /** Takes `status` unless a newer one arrived first (answers and events race). */
  private keepStatus(status: AccountStatus): void {
    const shown = this.status;
    if (shown && shown.account === status.account && shown.revision > status.revision) return;
    this.status = status;
  }

  private async afterChange(): Promise<void> {
    await Promise.all([this.list.refresh(), this.reloadFolders()]);
  }

  /**
   * The shown folder is being synced: its newest mail lands first, so the list shows it at
   * once and then grows every couple of seconds as older mail fills in behind.
   */
  private fillingIn(folder: string): void {
    if (this.fillTimer !== undefined || this.list.source?.kind === "query" || folder !== this.folder) return;
    const wait = this.list.total ? 2000 : 0;
    this.fillTimer = setTimeout(() => {
      this.fillTimer = undefined;
      void this.afterChange();
    }, wait);
  }

  private onEvent(event: AppEvent): void {
    switch (event.type) {
      case "status":
        if (event.status.account === this.account) this.keepStatus(event.status);
        break;
      case "syncProgress":
        if (event.account === this.account && this.status) {
          this.status = {
            ...this.status,
            syncing: true,
            progress: `${event.phase === "headers" ? "Syncing" : event.phase === "indexing" ? "Indexing" : "Fetching bodies of"} ${event.folder} ${event.done.toLocaleString()} / ${event.total.toLocaleString()}`,
          };
        }
        if (event.account === this.account && event.phase === "headers" && event.done > 0) this.fillingIn(event.folder);
        break;
      case "mailChanged":
        if (event.account !== this.account) break;
        void this.reloadFolders();
        if (this.searching || sourceFolder(this.list.source) === event.folder) {
          void this.list.refresh();
        }
        break;
      case "localChange":
      case "foldersChanged":
        if (event.account !== this.account) break;
        void this.reloadFolders();
        // A folder that did not exist yet (first sync) gets its rows once it does.
        if (this.list.error || this.list.total === 0) void this.list.refresh();
        break;
      case "failed":
        if (event.account === this.account) this.say(`${event.task}: ${event.error.message}`, "error");
        break;
      case "accountsChanged":
        void core.accounts().then((a) => (this.accounts = a));
        break;
      case "newMail":
        // The host notifies when the window is in the background; mailChanged refreshes.
        break;
      case "sortProgress":
        if (event.account === this.account) this.sortProgress = event;
        break;
      case "assistantCall":
        this.assistantCalls = [event.call, ...this.assistantCalls].slice(0, 200);
        break;
    }
  }
}

/**
 * The query with `*` after its last word when that word is bare (no field, not quoted), so
 * results show while the word is still being typed (the index matches whole tokens).
 */
export function asYouType(query: string): string {
  const last = query.split(/\s+/).pop() ?? "";
  const quotes = (query.match(/"/g) ?? []).length;
  if (quotes % 2 === 0 && [...last].length >= PREFIX_FROM && /^[\p{L}\p{N}]+$/u.test(last)) return `${query}*`;
  return query;
}

export const mail = new MailState();
