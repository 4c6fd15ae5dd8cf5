// Human durations for "open for …" and "silent for …", in the display language.
import type { Translate } from './i18n.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function formatDuration(ms: number, t: Translate): string {
  const v = Math.max(0, ms);
  if (v < MINUTE) return t('unit.seconds', { n: Math.floor(v / SECOND) });
  if (v < HOUR) return t('unit.minutes', { n: Math.floor(v / MINUTE) });
  if (v < DAY) return t('unit.hoursMinutes', { h: Math.floor(v / HOUR), m: Math.floor((v % HOUR) / MINUTE) });
  return t('unit.daysHours', { d: Math.floor(v / DAY), h: Math.floor((v % DAY) / HOUR) });
}

export function minutesSince(at: number, now: number): number {
  return Math.max(0, Math.floor((now - at) / MINUTE));
}

export function formatPercent(rate: number | null, digits = 2): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(digits)}%`;
}

export function formatFen(fen: number | null | undefined): string {
  return fen === null || fen === undefined ? '—' : `¥${(fen / 100).toFixed(2)}`;
}
