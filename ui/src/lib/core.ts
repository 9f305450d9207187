// Access to the Rust core. The page runs inside the app (Tauri IPC present) or, in tests
// and previews, in a plain browser where no core exists; every caller handles both.

import { commands, events, type AppInfo, type CoreNotice, type WebviewSetup } from "./bindings";

/** True when the page runs inside the Mailcall window, where the core answers commands. */
export function inApp(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

export type CoreAnswer<T> = { ok: true; value: T } | { ok: false; reason: string };

function outsideApp<T>(): CoreAnswer<T> {
  return { ok: false, reason: "not running inside the Mailcall app: no core to ask" };
}

export async function appInfo(): Promise<CoreAnswer<AppInfo>> {
  if (!inApp()) return outsideApp();
  return { ok: true, value: await commands.appInfo() };
}

export async function webviewSetup(): Promise<CoreAnswer<WebviewSetup>> {
  if (!inApp()) return outsideApp();
  const result = await commands.webviewSetup();
  if (result.status === "ok") return { ok: true, value: result.data };
  return { ok: false, reason: `${result.error.kind}: ${result.error.message}` };
}

/** Calls `onNotice` for every notice the core emits; returns the unsubscribe function. */
export async function listenNotices(onNotice: (n: CoreNotice) => void): Promise<() => void> {
  if (!inApp()) return () => {};
  return events.coreNotice.listen((event) => onNotice(event.payload));
}
