// The alert list filters as the query strings spell them (comma-separated statuses and severities,
// RFC 3339 times), checked and turned into the store's filter; a bad one is a 400 naming it.
import type { AlertStatus } from '../domain/alerts/alert.ts';
import { SEVERITIES, type Severity } from '../domain/rules/params.ts';
import type { GroupFilter } from '../store/alert-groups.ts';
import { errors } from './errors.ts';

const STATUSES: readonly AlertStatus[] = ['firing', 'acknowledged', 'resolved', 'pending'];
export const DEFAULT_STATUSES: readonly AlertStatus[] = ['firing', 'acknowledged'];

export function parseStatuses(text: string): AlertStatus[] {
  const wanted = text.split(',').map((s) => s.trim());
  for (const s of wanted) {
    if (!STATUSES.includes(s as AlertStatus)) {
      throw errors.invalidRequest(
        `status must be firing, acknowledged or resolved (comma-separated), got "${s}"`,
      );
    }
  }
  return wanted as AlertStatus[];
}

export function parseSeverities(text: string): Severity[] {
  const wanted = text.split(',').map((s) => s.trim());
  for (const s of wanted) {
    if (!SEVERITIES.includes(s as Severity)) {
      throw errors.invalidRequest(`severity must be critical, warning or info (comma-separated), got "${s}"`);
    }
  }
  return wanted as Severity[];
}

/** An RFC 3339 time as epoch ms; `field` names it in the error. */
export function parseTime(field: string, text: string): number {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d\d-\d\dT/.test(text) || Number.isNaN(ms)) {
    throw errors.invalidRequest(
      `${field} must be an RFC 3339 time such as 2025-11-11T08:00:00+08:00, got "${text}"`,
    );
  }
  return ms;
}

export function groupFilter(
  q: {
    status?: string | undefined;
    severity?: string | undefined;
    since?: string | undefined;
    until?: string | undefined;
  },
  defaultStatuses: readonly AlertStatus[] = DEFAULT_STATUSES,
): GroupFilter {
  return {
    statuses: q.status === undefined ? defaultStatuses : parseStatuses(q.status),
    ...(q.severity !== undefined && { severities: parseSeverities(q.severity) }),
    ...(q.since !== undefined && { since: parseTime('since', q.since) }),
    ...(q.until !== undefined && { until: parseTime('until', q.until) }),
  };
}
