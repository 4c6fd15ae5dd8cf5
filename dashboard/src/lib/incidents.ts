// Which callback outages a wall display shows: every one still open, and the recovered ones for a
// while after, so the room sees the recovery finish and not just the alert go green.
import type { Incident } from './api-types.ts';

export const RECOVERED_SHOWN_MS = 30 * 60_000;

export function wallIncidents(
  incidents: readonly Incident[],
  now: number,
  keepMs = RECOVERED_SHOWN_MS,
): Incident[] {
  return incidents
    .filter((i) => i.ended_at === null || now - Date.parse(i.ended_at) <= keepMs)
    .sort((a, b) => Number(b.open) - Number(a.open) || Date.parse(b.started_at) - Date.parse(a.started_at));
}

/** How long the provider's callbacks were (or have been) missing. */
export function outageMs(incident: Incident, now: number): number {
  return (incident.ended_at === null ? now : Date.parse(incident.ended_at)) - Date.parse(incident.started_at);
}
