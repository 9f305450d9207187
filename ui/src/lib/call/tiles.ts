// Which video slot is shown large and which small. The core fills the slots (slot 0 is its
// main one); the page picks the main tile from who talks, with a hold so that the picture
// does not jump at every cough: a speaker keeps the main tile at least HOLD_MS before
// another may take it. A pinned feed always has it.
// Plain TypeScript without the DOM, so it can be tested on its own.

export const HOLD_MS = 2000;
export const DEFAULT_TILES = 4;
export const MAX_TILES = 9;

export type Size = "main" | "grid" | "hidden";
export type Slot = { mid: string; feed: string | null };
/** The feed on the main tile and since when (ms). */
export type Hold = { feed: string; since: number };

export type PlanInput = {
  slots: Slot[];
  /** Feeds talking now, the one who started last at the end. */
  talking: string[];
  /** The core's active speaker, if it named one. */
  activeSpeaker: string | null;
  pinned: string | null;
  /** ms, on the same clock as the hold's `since`. */
  now: number;
  /** Tiles to show; DEFAULT_TILES when absent, at most MAX_TILES. */
  tiles?: number;
};

export type Plan = {
  /** The slot on the main tile, null when there is no slot. */
  main: number | null;
  /** The other slots shown, in slot order. */
  grid: number[];
  /** Every slot's size, by slot, as the core's call view takes it. */
  sizes: Size[];
  hold: Hold | null;
};

export const EMPTY_PLAN: Plan = { main: null, grid: [], sizes: [], hold: null };

export function planTiles(input: PlanInput, previous: Hold | null): Plan {
  const { slots } = input;
  if (slots.length === 0) return EMPTY_PLAN;
  const feed = mainFeed(input, previous);
  const hold = feed === null ? null : feed === previous?.feed ? previous : { feed, since: input.now };
  const main = Math.max(0, slots.findIndex((s) => s.feed !== null && s.feed === feed));

  const wanted = Math.min(Math.max(Math.round(input.tiles ?? DEFAULT_TILES), 1), MAX_TILES, slots.length);
  const others = slots.map((_, i) => i).filter((i) => i !== main);
  // Slots with a feed first, then empty ones, so that free tiles do not crowd out people.
  const filled = others.filter((i) => slots[i]?.feed != null);
  const empty = others.filter((i) => slots[i]?.feed == null);
  const grid = [...filled, ...empty].slice(0, wanted - 1).sort((a, b) => a - b);

  const sizes = slots.map((_, i): Size => (i === main ? "main" : grid.includes(i) ? "grid" : "hidden"));
  return { main, grid, sizes, hold };
}

function mainFeed(input: PlanInput, previous: Hold | null): string | null {
  const { slots, talking, activeSpeaker, pinned, now } = input;
  const shown = (feed: string | null): feed is string => feed !== null && slots.some((s) => s.feed === feed);
  if (shown(pinned)) return pinned;

  const speaker = [...talking].reverse().find(shown) ?? (shown(activeSpeaker) ? activeSpeaker : null);
  const held = previous && shown(previous.feed) ? previous : null;
  if (held) {
    if (speaker === null || speaker === held.feed) return held.feed;
    return now - held.since < HOLD_MS ? held.feed : speaker;
  }
  return speaker ?? slots[0]?.feed ?? slots.find((s) => s.feed !== null)?.feed ?? null;
}
