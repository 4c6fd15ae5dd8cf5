// Dates and times in the display language, 24-hour, so a table reads the same on every browser.
import type { Lang } from './i18n.ts';

const LOCALE: Record<Lang, string> = { zh: 'zh-CN', en: 'en-GB' };

export function formatDateTime(value: string | number | null | undefined, lang: Lang): string {
  if (value === null || value === undefined || value === '') return '—';
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) return String(value);
  return new Date(ms).toLocaleString(LOCALE[lang], { hour12: false });
}

/** chart.js time-axis formats (date-fns tokens), the same in both languages. */
export const TIME_AXIS_FORMATS = {
  second: 'HH:mm:ss',
  minute: 'HH:mm',
  hour: 'MM-dd HH:mm',
  day: 'yyyy-MM-dd',
  week: 'yyyy-MM-dd',
  month: 'yyyy-MM',
} as const;
