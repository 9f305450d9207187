// Periods the waiting and senders views offer, as the core takes them: Unix seconds,
// half-open, a missing side open. Calendar arithmetic stays with the platform's Date.

import type { PeriodArg } from "../bindings";

export type Preset = { id: string; label: string; days: number | null };

export const waitingPresets: Preset[] = [
  { id: "7d", label: "Last week", days: 7 },
  { id: "14d", label: "Last 2 weeks", days: 14 },
  { id: "30d", label: "Last month", days: 30 },
  { id: "90d", label: "Last 3 months", days: 90 },
];

export const senderPresets: Preset[] = [
  { id: "90d", label: "Last 3 months", days: 90 },
  { id: "365d", label: "Last year", days: 365 },
  { id: "all", label: "All mail", days: null },
];

/** The last `days` days up to now; all time for `null`. */
export function lastDays(days: number | null, now = Date.now()): PeriodArg {
  if (days === null) return { start: null, end: null };
  return { start: Math.floor(now / 1000) - days * 86_400, end: null };
}

/** A custom range from two `yyyy-mm-dd` inputs (local days, the end day included). */
export function dayRange(from: string, to: string): PeriodArg | null {
  const start = from ? new Date(`${from}T00:00:00`).getTime() : NaN;
  const end = to ? new Date(`${to}T00:00:00`).getTime() : NaN;
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return null;
  return { start: start / 1000, end: end / 1000 + 86_400 };
}
