import type { Summary } from './signal.ts';

/** "2 分钟" / "2 min", "48 小时" / "48 h": the units a person reading an alert thinks in. */
export function durationText(ms: number): Summary {
  const minutes = ms / 60_000;
  if (minutes < 1) return { zh: `${Math.round(ms / 1000)}秒`, en: `${Math.round(ms / 1000)} s` };
  if (minutes < 120) return { zh: `${round1(minutes)}分钟`, en: `${round1(minutes)} min` };
  const hours = minutes / 60;
  return { zh: `${round1(hours)}小时`, en: `${round1(hours)} h` };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
