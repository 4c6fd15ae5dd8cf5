// Dates and times in the display language, 24-hour, in the business time zone with the zone shown
// (the catalogue's `…At` formatting), so a table reads the same on every browser and in every zone.
import { type Lang, translate } from './i18n.ts';

export function formatDateTime(value: string | number | null | undefined, lang: Lang): string {
  if (value === null || value === undefined || value === '') return '—';
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) return String(value);
  return translate(lang, 'value.instant', { instantAt: ms });
}
