// Durations in alert-rules/ are written the Prometheus way ("90s", "2m", "1h30m", "1d") so that
// people who tune Alertmanager and Prometheus rules read them without a legend.
import type { MessageRef } from '../messages/format-message.ts';
import { englishText, problem } from './problem.ts';

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

/** A refusal says why both as a catalogue message and in English (for the environment's errors). */
export type DurationResult = { ok: true; ms: number } | { ok: false; problem: MessageRef; message: string };

function refused(ref: MessageRef): DurationResult {
  return { ok: false, problem: ref, message: englishText(ref) };
}

export function parseDuration(text: string): DurationResult {
  const trimmed = text.trim();
  if (trimmed === '0') return { ok: true, ms: 0 };
  if (trimmed === '') {
    return refused(problem('ruleError.durationSyntax', { text }));
  }
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    return refused(problem('ruleError.durationNoUnit', { text, number: trimmed }));
  }
  let ms = 0;
  let offset = 0;
  let lastUnit = -1;
  while (offset < trimmed.length) {
    PART.lastIndex = offset;
    const match = PART.exec(trimmed);
    if (!match) {
      return refused(problem('ruleError.durationSyntax', { text }));
    }
    const unit = match[2]!;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastUnit) {
      return refused(problem('ruleError.durationUnitOrder', { text }));
    }
    lastUnit = rank;
    ms += Number(match[1]) * UNIT_MS[unit]!;
    offset = PART.lastIndex;
  }
  if (ms > MAX_DURATION_MS) return refused(problem('ruleError.durationTooLong', { text }));
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
