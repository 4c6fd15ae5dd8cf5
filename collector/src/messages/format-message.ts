// The one message catalogue's formatter, shared by the API, the notifier, the rules and the
// dashboard (which bundles it, so nothing here may need Node). Messages are ICU MessageFormat,
// formatted by FormatJS; three kinds of argument are shaped by the catalogue before ICU sees them,
// so a stored parameter stays plain JSON and every reader gets the same words:
//   `…Ms`  a duration in milliseconds  → "2分钟" / "2 min"
//   `…Fen` money in integer fen        → "¥12.30"
//   `…At`  an instant (ms or RFC 3339) → "2026/11/25 19:11:34（GMT+8）" in the business time zone
// and an array of message references is rendered item by item and joined.
import { IntlMessageFormat } from 'intl-messageformat';
import { EN } from './en.ts';
import type { MessageKey } from './message-key.ts';
import { ZH_CN } from './zh-CN.ts';

export type { MessageKey };

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

/** `ORDERPULSE_TZ`'s default; callers that know the configured zone pass it. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export type MessageValue = string | number | MessageRef[];
export type MessageParams = Record<string, MessageValue>;

/** A message not yet rendered: what alerts and pending items keep, so each reader renders it in their language. */
export interface MessageRef {
  key: MessageKey;
  params?: MessageParams;
}

export interface FormatOptions {
  /** Zone for `…At` arguments; default Asia/Shanghai. */
  timeZone?: string;
}

/** Who a rendering is for: their language, and the business time zone times are shown in. */
export interface Reader extends FormatOptions {
  locale: Locale;
}

export const DEFAULT_READER: Reader = { locale: DEFAULT_LOCALE };

export const CATALOGUE: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = {
  'zh-CN': ZH_CN,
  en: EN,
};

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(ZH_CN, key);
}

const compiled = new Map<string, IntlMessageFormat>();

function compiledMessage(locale: Locale, key: MessageKey, timeZone: string): IntlMessageFormat {
  const id = `${locale}\0${timeZone}\0${key}`;
  let message = compiled.get(id);
  if (message === undefined) {
    message = new IntlMessageFormat(CATALOGUE[locale][key], locale, {
      date: { day: { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' } },
      time: { clock: { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' } },
    });
    compiled.set(id, message);
  }
  return message;
}

export function formatMessage(
  locale: Locale,
  key: MessageKey,
  params: MessageParams = {},
  options: FormatOptions = {},
): string {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params)) values[name] = shaped(locale, name, value, timeZone);
  return String(compiledMessage(locale, key, timeZone).format(values));
}

export function renderMessage(locale: Locale, ref: MessageRef, options: FormatOptions = {}): string {
  return formatMessage(locale, ref.key, ref.params, options);
}

/** Both languages at once, for records that keep a rendered text beside the reference. */
export function renderBoth(ref: MessageRef): { zh: string; en: string } {
  return { zh: renderMessage('zh-CN', ref), en: renderMessage('en', ref) };
}

function shaped(locale: Locale, name: string, value: MessageValue, timeZone: string): string | number {
  if (Array.isArray(value)) {
    const separator = formatMessage(locale, 'value.listSeparator');
    return value.map((ref) => renderMessage(locale, ref, { timeZone })).join(separator);
  }
  if (name.endsWith('Ms') && typeof value === 'number') return durationText(locale, value);
  if (name.endsWith('Fen') && typeof value === 'number')
    return formatMessage(locale, 'value.money', { yuan: value / 100 });
  if (name.endsWith('At')) {
    const at = typeof value === 'number' ? value : Date.parse(value);
    if (Number.isNaN(at)) return value;
    return formatMessage(locale, 'value.time', { at, zone: zoneLabel(at, timeZone) }, { timeZone });
  }
  return value;
}

/** The units a person reading an alert thinks in: seconds under a minute, minutes under two hours, then hours. */
function durationText(locale: Locale, ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 1) return formatMessage(locale, 'value.seconds', { n: Math.round(ms / 1000) });
  if (minutes < 120) return formatMessage(locale, 'value.minutes', { n: round1(minutes) });
  return formatMessage(locale, 'value.hours', { n: round1(minutes / 60) });
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** "GMT+8": the offset in force at that instant, so a reader elsewhere knows which clock it is. */
function zoneLabel(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(at);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}
