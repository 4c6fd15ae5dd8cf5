// Durations in alert-rules/ are written the Prometheus way ("90s", "2m", "1h30m", "1d") so that
// people who tune Alertmanager and Prometheus rules read them without a legend.

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

// Units must appear largest first and at most once, as in Prometheus ("1h30m", not "30m1h").
const UNIT_ORDER = ['w', 'd', 'h', 'm', 's', 'ms'];
const PART = /(\d+)(ms|s|m|h|d|w)/y;

/** Longest duration accepted anywhere in the rule files; longer is almost certainly a typo. */
export const MAX_DURATION_MS = 366 * UNIT_MS.d!;

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

export function parseDuration(text: string): DurationResult {
  const trimmed = text.trim();
  if (trimmed === '0') return { ok: true, ms: 0 };
  if (trimmed === '') {
    return {
      ok: false,
      message: `"${text}" is not a duration; use digits with ms, s, m, h, d or w, e.g. "2m" or "1h30m"`,
    };
  }
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    return {
      ok: false,
      message: `"${text}" has no unit; write e.g. "${trimmed}s", "${trimmed}m" or "${trimmed}h"`,
    };
  }
  let ms = 0;
  let offset = 0;
  let lastUnit = -1;
  while (offset < trimmed.length) {
    PART.lastIndex = offset;
    const match = PART.exec(trimmed);
    if (!match) {
      return {
        ok: false,
        message: `"${text}" is not a duration; use digits with ms, s, m, h, d or w, e.g. "2m" or "1h30m"`,
      };
    }
    const unit = match[2]!;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastUnit) {
      return {
        ok: false,
        message: `"${text}" is not a duration; units must go from largest to smallest, each once`,
      };
    }
    lastUnit = rank;
    ms += Number(match[1]) * UNIT_MS[unit]!;
    offset = PART.lastIndex;
  }
  if (ms > MAX_DURATION_MS) return { ok: false, message: `"${text}" is longer than the maximum of 366d` };
  return { ok: true, ms };
}

/** Renders milliseconds back in the same notation, for summaries and error messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
