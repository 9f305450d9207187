// The one keyboard registry: every shortcut of the app is registered here with its
// description, the window-wide listener dispatches from it, and the help overlay (`?`)
// draws its table from it, so help and behaviour cannot disagree.
//
// Keys are written as typed (`j`, `#`, `?`, `Enter`, `Escape`), sequences with a space
// (`g i`). Shortcuts are off while typing in a field, except `Escape`.

export type Shortcut = {
  /** `j`, `Enter`, `g i`, ... */
  keys: string;
  /** What it does, for the help overlay. */
  label: string;
  group: string;
  run: () => void;
};

/** How long the second key of a sequence may wait. */
const SEQUENCE_MS = 1200;

class Registry {
  shortcuts = $state<Shortcut[]>([]);
  helpOpen = $state(false);
  private pending: string | null = null;
  private pendingTimer: ReturnType<typeof setTimeout> | undefined;

  /** Adds shortcuts; returns the function that removes them again. */
  register(list: Shortcut[]): () => void {
    // A later registration of the same keys replaces the earlier one: one action per key.
    const taken = new Set(list.map((s) => s.keys));
    this.shortcuts = [...this.shortcuts.filter((s) => !taken.has(s.keys)), ...list];
    return () => {
      this.shortcuts = this.shortcuts.filter((s) => !list.includes(s));
    };
  }

  /** Handles a keydown; true when a shortcut ran. */
  handle(event: KeyboardEvent): boolean {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return false;
    const key = event.key;
    if (isTyping(event.target) && key !== "Escape") return false;
    if (key === "Shift") return false;
    const typed = this.pending ? `${this.pending} ${key}` : key;
    this.clearPending();
    const exact = this.shortcuts.find((s) => s.keys === typed);
    if (exact) {
      event.preventDefault();
      exact.run();
      return true;
    }
    if (this.shortcuts.some((s) => s.keys.startsWith(`${typed} `))) {
      event.preventDefault();
      this.pending = typed;
      this.pendingTimer = setTimeout(() => this.clearPending(), SEQUENCE_MS);
      return true;
    }
    return false;
  }

  /** Shortcuts by group, in registration order, for the help overlay. */
  groups(): [string, Shortcut[]][] {
    const out: [string, Shortcut[]][] = [];
    for (const s of this.shortcuts) {
      const group = out.find(([name]) => name === s.group);
      if (group) group[1].push(s);
      else out.push([s.group, [s]]);
    }
    return out;
  }

  private clearPending(): void {
    this.pending = null;
    clearTimeout(this.pendingTimer);
  }
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit"].includes(target.type);
  }
  return false;
}

export const keys = new Registry();

/** How a key sequence is shown: `g i` as two keys. */
export function keyCaps(keys: string): string[] {
  return keys.split(" ").map((k) => (k === "Escape" ? "Esc" : k));
}
