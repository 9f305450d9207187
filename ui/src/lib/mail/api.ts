// The mail commands of the core, as the page uses them: each one resolves with its value or
// throws a CoreError carrying the core's tagged error, so callers branch on `kind`, never on
// message text. Every call goes through the generated bindings.

import { Channel } from "@tauri-apps/api/core";
import { commands } from "../bindings";
import type {
  AccountForm,
  AccountInfo,
  AccountStatus,
  Action,
  ActionResult,
  ApiError,
  AppEvent,
  AssistantCall,
  AssistantStatus,
  DraftSaved,
  FolderInfo,
  MessagePage,
  MessageRow,
  MessageView,
  PeriodArg,
  PlannedRow,
  ReplyPreview,
  SavedSearch,
  Selection,
  SenderMark,
  SenderStat,
  SendersReport,
  SortPlanInfo,
  SortPreview,
  SortRule,
  Settings,
  ThreadPage,
  ThreadRow,
  WaitingCount,
  WaitingPage,
  WaitingRow,
} from "../bindings";
import { inApp } from "../core";

export type {
  AccountForm,
  AccountInfo,
  AccountStatus,
  Action,
  ActionResult,
  ApiError,
  AppEvent,
  AssistantCall,
  AssistantStatus,
  DraftSaved,
  FolderInfo,
  MessagePage,
  MessageRow,
  MessageView,
  PeriodArg,
  PlannedRow,
  ReplyPreview,
  SavedSearch,
  Selection,
  SenderMark,
  SenderStat,
  SendersReport,
  SortPlanInfo,
  SortPreview,
  SortRule,
  Settings,
  ThreadPage,
  ThreadRow,
  WaitingCount,
  WaitingPage,
  WaitingRow,
};

/** A command failed; `error.kind` says how. */
export class CoreError extends Error {
  readonly error: ApiError;

  constructor(error: ApiError) {
    super(error.message);
    this.error = error;
  }

  get kind(): ApiError["kind"] {
    return this.error.kind;
  }
}

/** The core's tagged error of a failed command, or an internal one for anything else. */
export function apiError(e: unknown): ApiError {
  if (e instanceof CoreError) return e.error;
  return { kind: "internal", message: e instanceof Error ? e.message : String(e) };
}

type Answer<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

export async function unwrap<T>(answer: Promise<Answer<T>>): Promise<T> {
  if (!inApp()) {
    throw new CoreError({ kind: "internal", message: "not running inside the Mailcall app: no core to ask" });
  }
  const result = await answer;
  if (result.status === "error") throw new CoreError(result.error);
  return result.data;
}

export const core = {
  accounts: () => unwrap(commands.accounts()),
  testAccount: (form: AccountForm) => unwrap(commands.testAccount(form)),
  addAccount: (form: AccountForm) => unwrap(commands.addAccount(form)),
  updateAccount: (id: string, form: AccountForm) => unwrap(commands.updateAccount(id, form)),
  removeAccount: (id: string, deleteCache: boolean) => unwrap(commands.removeAccount(id, deleteCache)),
  status: (account: string) => unwrap(commands.accountStatus(account)),
  folders: (account: string) => unwrap(commands.folders(account)),
  listMessages: (account: string, folder: string, offset: number, limit: number) =>
    unwrap(commands.listMessages(account, folder, offset, limit)),
  listThreads: (account: string, folder: string, offset: number, limit: number) =>
    unwrap(commands.listThreads(account, folder, offset, limit)),
  thread: (account: string, id: string) => unwrap(commands.thread(account, id)),
  openMessage: (account: string, id: string, loadRemote = false) =>
    unwrap(commands.openMessage(account, id, loadRemote)),
  search: (account: string, query: string, offset: number, limit: number) =>
    unwrap(commands.search(account, query, offset, limit)),
  act: (account: string, action: Action, selection: Selection) =>
    unwrap(commands.act(account, action, selection)),
  undo: (account: string) => unwrap(commands.undo(account)),
  replyPreview: (account: string, id: string, all: boolean) =>
    unwrap(commands.replyPreview(account, id, all)),
  saveReplyDraft: (account: string, id: string, all: boolean, body: string) =>
    unwrap(commands.saveReplyDraft(account, id, all, body)),
  syncNow: (account: string) => unwrap(commands.syncNow(account)),
  createFolder: (account: string, path: string) => unwrap(commands.createFolder(account, path)),
  renameFolder: (account: string, from: string, to: string) =>
    unwrap(commands.renameFolder(account, from, to)),
  deleteFolder: (account: string, path: string) => unwrap(commands.deleteFolder(account, path)),
  settings: () => unwrap(commands.settings()),
  setSettings: (settings: Settings) => unwrap(commands.setSettings(settings)),
  savedSearches: () => unwrap(commands.savedSearches()),
  saveSearch: (search: SavedSearch) => unwrap(commands.saveSearch(search)),
  deleteSearch: (name: string) => unwrap(commands.deleteSearch(name)),
  setRemoteContent: (sender: string, always: boolean) =>
    unwrap(commands.setRemoteContent(sender, always)),
  saveAttachment: (account: string, id: string, index: number) =>
    unwrap(commands.saveAttachment(account, id, index)),
  openLink: (url: string) => unwrap(commands.openLink(url)),
  waiting: (account: string, period: PeriodArg, limit: number) =>
    unwrap(commands.waiting(account, period, limit)),
  waitingCounts: (account: string, days: number[]) => unwrap(commands.waitingCounts(account, days)),
  firstLines: (account: string, ids: string[]) => unwrap(commands.firstLines(account, ids)),
  setHandled: (account: string, id: string, handled: boolean) =>
    unwrap(commands.setHandled(account, id, handled)),
  sendersReport: (account: string, period: PeriodArg, limit: number) =>
    unwrap(commands.sendersReport(account, period, limit)),
  markSender: (account: string, address: string, mark: SenderMark) =>
    unwrap(commands.markSender(account, address, mark)),
  sortRules: (account: string) => unwrap(commands.sortRules(account)),
  saveSortRule: (account: string, rule: SortRule, replacing: string | null) =>
    unwrap(commands.saveSortRule(account, rule, replacing)),
  deleteSortRule: (account: string, name: string) => unwrap(commands.deleteSortRule(account, name)),
  previewSort: (account: string, rules: SortRule[]) => unwrap(commands.previewSort(account, rules)),
  previewRows: (account: string, offset: number, limit: number) =>
    unwrap(commands.previewRows(account, offset, limit)),
  applySort: (account: string, rules: SortRule[]) => unwrap(commands.applySort(account, rules)),
  approveSortPlan: (account: string, plan: string) => unwrap(commands.approveSortPlan(account, plan)),
  discardSortPlan: (account: string, plan: string) => unwrap(commands.discardSortPlan(account, plan)),
  cancelSort: (account: string) => unwrap(commands.cancelSort(account)),
  sortPlans: (account: string) => unwrap(commands.sortPlans(account)),
  assistantStatus: () => unwrap(commands.assistantStatus()),
  setAssistants: (enabled: boolean, port: number, account: string | null) =>
    unwrap(commands.setAssistants(enabled, port, account)),
  setAllowChanges: (account: string, allow: boolean) => unwrap(commands.setAllowChanges(account, allow)),
  assistantActivity: () => unwrap(commands.assistantActivity()),
};

/** Streams the core's events to `onEvent` until the page goes away. */
export async function subscribe(onEvent: (event: AppEvent) => void): Promise<void> {
  if (!inApp()) return;
  const channel = new Channel<AppEvent>();
  channel.onmessage = onEvent;
  await unwrap(commands.subscribe(channel));
}
