// Every label of the dashboard, in Chinese (the default) and English, from the one message catalogue
// (collector/src/messages/) the notifications and the API use too: ICU MessageFormat, so `{n}`
// arguments, plurals and selects work the same on every screen.
import {
  CATALOGUE,
  formatMessage,
  isMessageKey,
  type Locale,
  type MessageKey,
  type MessageParams,
} from '../../../collector/src/messages/format-message.ts';

export const LANGS = ['zh', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export type { MessageKey };

const LOCALE: Record<Lang, Locale> = { zh: 'zh-CN', en: 'en' };

export function localeOf(lang: Lang): Locale {
  return LOCALE[lang];
}

/** Each message in both languages, keyed as before: `MESSAGES[key][lang]` is the ICU source. */
export const MESSAGES = Object.fromEntries(
  Object.keys(CATALOGUE['zh-CN']).map((key) => [
    key,
    { zh: CATALOGUE['zh-CN'][key as MessageKey], en: CATALOGUE.en[key as MessageKey] },
  ]),
) as Readonly<Record<MessageKey, Readonly<Record<Lang, string>>>>;

export type Params = MessageParams;

export type Translate = (key: MessageKey, params?: Params) => string;

/** The business time zone (`ORDERPULSE_TZ`) times are shown in, once the API has said which it is. */
let businessTimeZone: string | undefined;

export function setBusinessTimeZone(timeZone: string): void {
  businessTimeZone = timeZone;
}

/** The business time zone, once known (undefined before the API has said). */
export function getBusinessTimeZone(): string | undefined {
  return businessTimeZone;
}

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  try {
    return formatMessage(LOCALE[lang], key, params, businessTimeZone ? { timeZone: businessTimeZone } : {});
  } catch {
    // A message missing an argument shows its source rather than taking the page down with it.
    return MESSAGES[key][lang];
  }
}

export function createTranslator(lang: Lang): Translate {
  return (key, params) => translate(lang, key, params);
}

/** A catalogue message the API sent unrendered (`summary_message`, `reason_message`), else its text. */
export function translateRef(
  lang: Lang,
  ref: { key: string; params?: Record<string, unknown> } | null | undefined,
  fallback: string,
): string {
  if (!ref || !isMessageKey(ref.key)) return fallback;
  return translate(lang, ref.key, ref.params as Params | undefined);
}

/**
 * Labels for names that come from data (statuses, rules, providers…): translated when the
 * catalogue knows them, else shown as sent (custom rules, carriers).
 */
export function labelFor(lang: Lang, prefix: string, name: string): string {
  const key = `${prefix}.${name}`;
  return isMessageKey(key) ? translate(lang, key) : name;
}

/** `?lang=en` selects English; Chinese is the default. */
export function langFromSearch(search: string): Lang {
  return new URLSearchParams(search).get('lang') === 'en' ? 'en' : 'zh';
}
