// The RFC 3339 date-time grammar the event parser accepts, as a regular expression: the reference
// parseRfc3339Instant (read character by character) is held to in tests and compared with in
// bench/event-time-parse.ts. Calendar checks are the collector's own (calendarInstant).
import { calendarInstant } from '../../src/ingest/calendar-instant.ts';

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export function referenceRfc3339Instant(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const utc = calendarInstant(m);
  if (utc === undefined) return undefined;
  let offsetMs = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetMs = (m[9] === '-' ? -1 : 1) * (offsetHours * 3_600_000 + offsetMinutes * 60_000);
  }
  return utc - offsetMs;
}
