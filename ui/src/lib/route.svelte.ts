// Hash routing: each page has an address (#/mail, #/calls, ...) that tests and reloads keep.

export const pages = [
  { id: "mail", title: "Mail" },
  { id: "waiting", title: "Waiting" },
  { id: "senders", title: "Senders" },
  { id: "sort", title: "Sort" },
  { id: "calls", title: "Calls" },
  { id: "settings", title: "Settings" },
  { id: "diagnostics", title: "Diagnostics" },
] as const;

export type PageId = (typeof pages)[number]["id"];

function fromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, "");
  return pages.find((p) => p.id === id)?.id ?? "mail";
}

class Route {
  current = $state<PageId>(fromHash(location.hash));

  constructor() {
    window.addEventListener("hashchange", () => (this.current = fromHash(location.hash)));
  }
}

export const route = new Route();
