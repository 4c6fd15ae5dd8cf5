// The wall display's alert list: open alerts ordered by severity, then newest first; a resolved
// alert stays visible (fading) for FADE_MS so the room sees it go, then leaves on its own.
import { type Alert, countsOnWall, type LiveAlertEvent } from '../../../collector/src/live/events.ts';

export const FADE_MS = 8_000;

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

export interface BoardEntry {
  alert: Alert;
  /** Client time the resolution was seen; null while the alert is open. */
  resolvedSeenAt: number | null;
}

function startedAt(a: Alert): number {
  return Date.parse(a.started_at);
}

/** Severity first (critical on top), then the newest first; ties by id so the order is stable. */
export function compareAlerts(a: Alert, b: Alert): number {
  const bySeverity = (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9);
  if (bySeverity !== 0) return bySeverity;
  const byAge = startedAt(b) - startedAt(a);
  if (byAge !== 0) return byAge;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The board lists what the panels count (countsOnWall): no info alerts. */
export function boardFromAlerts(alerts: readonly Alert[], now: number): BoardEntry[] {
  return alerts
    .filter(countsOnWall)
    .map((alert) => ({ alert, resolvedSeenAt: alert.status === 'resolved' ? now : null }))
    .sort((x, y) => compareAlerts(x.alert, y.alert));
}

/** A new board with the event applied; the input is not changed. */
export function applyAlertEvent(
  board: readonly BoardEntry[],
  event: LiveAlertEvent,
  now: number,
): BoardEntry[] {
  if (!countsOnWall(event.alert)) return [...board];
  const rest = board.filter((e) => e.alert.id !== event.alert.id);
  const previous = board.find((e) => e.alert.id === event.alert.id);
  const resolved = event.transition === 'resolved' || event.alert.status === 'resolved';
  if (resolved && !previous) return [...board];
  const entry: BoardEntry = {
    alert: event.alert,
    resolvedSeenAt: resolved ? (previous?.resolvedSeenAt ?? now) : null,
  };
  return [...rest, entry].sort((x, y) => compareAlerts(x.alert, y.alert));
}

/** Drops resolved alerts whose fade has finished. Returns the same array when nothing changed. */
export function pruneFaded(board: BoardEntry[], now: number): BoardEntry[] {
  const kept = board.filter((e) => e.resolvedSeenAt === null || now - e.resolvedSeenAt < FADE_MS);
  return kept.length === board.length ? board : kept;
}
