// Human-readable renderings of a notification shared by the chat robots, Slack and e-mail. Each
// integration wraps these in its own payload; the words come from the message catalogue, the same
// the dashboard and the API use.
import {
  formatMessage,
  isMessageKey,
  type Locale,
  type MessageKey,
  type MessageParams,
} from '../messages/format-message.ts';
import type { MessageLanguage } from './channel.ts';
import type { Notification, OutageRecoveryFigures } from './notification.ts';

export type Language = 'zh' | 'en';

export interface RenderOptions {
  /** Time zone for printed times; daily figures use the same default (`ORDERPULSE_TZ`). */
  timeZone: string;
}

export const DEFAULT_RENDER_OPTIONS: RenderOptions = { timeZone: 'Asia/Shanghai' };

export function localeOf(lang: Language): Locale {
  return lang === 'zh' ? 'zh-CN' : 'en';
}

export function languagesOf(language: MessageLanguage): Language[] {
  return language === 'both' ? ['zh', 'en'] : [language];
}

const say = (lang: Language, key: MessageKey, params?: MessageParams, options?: RenderOptions): string =>
  formatMessage(localeOf(lang), key, params, options);

/** The rule's one name, the same the dashboard and the API use; a custom rule keeps its own. */
export function ruleName(rule: string, lang: Language): string {
  const key = `rule.${rule}`;
  return isMessageKey(key) ? say(lang, key) : rule;
}

export function severityName(severity: string, lang: Language): string {
  const key = `severity.${severity}`;
  return isMessageKey(key) ? say(lang, key) : severity;
}

/** How long an alert has been open: `1天2小时5分钟` / `1 d 2 h 5 min`. */
export function formatDuration(ms: number, lang: Language): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts: string[] = [];
  if (days) parts.push(say(lang, 'value.days', { n: days }));
  if (hours) parts.push(say(lang, 'value.hours', { n: hours }));
  if (mins || parts.length === 0) parts.push(say(lang, 'value.minutes', { n: mins }));
  return parts.join(say(lang, 'value.unitSeparator'));
}

/** A time in the business zone with the zone shown, as the catalogue writes it. */
export function formatTime(iso: string, options: RenderOptions, lang: Language): string {
  return say(lang, 'value.instant', { instantAt: iso }, options);
}

/** Line breaks and other control characters as spaces: an event's value stays on its line. */
export function singleLine(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ');
}

/** For the chat robots' plain-text fields: one line, and `@all` / `@所有人` mention no one. */
export function unmentionable(text: string): string {
  return singleLine(text).replace(/@/g, '＠');
}

// Characters that open markup in the robots' markdown: links and images, emphasis, code, headings,
// quotes, tables, tags such as `<at id=all>` or `<font>`, HTML entities, backslash escapes, mentions.
const MARKUP = /[\\`*_[\]()<>#~|!&@]/g;

/**
 * An event-supplied value (store id, order id, carrier, summary) made inert inside the markdown of
 * WeCom, DingTalk and Feishu (`lark_md`). Their dialects differ and none documents a backslash escape
 * all three honour, so each character that opens markup becomes its full-width twin (U+FF01–FF5E),
 * which reads the same to a person and means nothing to a renderer. Line breaks become spaces, so a
 * value cannot start a heading or list of its own, and `://` loses its colon, so nothing autolinks.
 */
export function inertMarkdown(text: string): string {
  return singleLine(text)
    .replace(MARKUP, (char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0))
    .replace(/:\/\//g, '：//');
}

/**
 * e.g. `[FIRING:3] payment_unapplied (critical) store s-001` / `【告警:3】支付未入账（严重）门店 s-001`.
 * `value` renders the event-supplied parts for the medium (default: kept on one line).
 */
export function titleOf(
  n: Notification,
  lang: Language,
  value: (text: string) => string = singleLine,
): string {
  const title = say(lang, 'notify.title', {
    status: n.status,
    count: n.count,
    ruleName: value(ruleName(n.rule, lang)),
    severityName: severityName(n.severity, lang),
  });
  return n.storeId ? `${title} ${say(lang, 'notify.store')} ${value(n.storeId)}` : title;
}

/**
 * The title a chat robot shows (in the language asked for, Chinese when both are), with the
 * event-supplied parts unable to mention anyone.
 */
export function robotTitleOf(n: Notification, language: MessageLanguage): string {
  return titleOf(n, language === 'en' ? 'en' : 'zh', unmentionable);
}

/** The facts as label/value pairs, in reading order; each renderer lays them out its own way. */
export function factsOf(n: Notification, lang: Language, options: RenderOptions): Array<[string, string]> {
  const facts: Array<[string, string]> = [[say(lang, 'notify.summary'), n.summary[lang]]];
  if (n.storeId) facts.push([say(lang, 'notify.store'), n.storeId]);
  facts.push([say(lang, 'notify.count'), String(n.count)]);
  if (n.status === 'firing') {
    facts.push([
      say(lang, 'notify.since'),
      say(lang, 'notify.sinceValue', {
        startsAt: formatTime(n.startsAt, options, lang),
        age: formatDuration(n.oldestAgeMs, lang),
      }),
    ]);
  } else if (n.endsAt) {
    facts.push([say(lang, 'notify.ended'), formatTime(n.endsAt, options, lang)]);
  }
  if (n.sampleEntityIds.length > 0) facts.push([say(lang, 'notify.samples'), n.sampleEntityIds.join(', ')]);
  for (const figures of n.recovery ?? [])
    facts.push([say(lang, 'notify.recovered'), recoveryText(figures, lang)]);
  return facts;
}

/** e.g. `wechatpay: 812 orders confirmed by query, 790 applied by the order system, 22 remaining`. */
export function recoveryText(r: OutageRecoveryFigures, lang: Language): string {
  const provider = `provider.${r.provider}`;
  return say(lang, 'notify.recovery', {
    provider: isMessageKey(provider) ? say(lang, provider) : r.provider,
    confirmed: r.confirmedByQuery,
    applied: r.applied,
    remaining: r.remaining,
  });
}

export function dashboardLinkText(lang: Language): string {
  return say(lang, 'notify.dashboard');
}

/**
 * Markdown understood by WeCom, DingTalk and Feishu (`lark_md`): headings, bold, links. The markup is
 * ours alone: every value that came from events is rendered inert.
 */
export function markdownOf(n: Notification, language: MessageLanguage, options: RenderOptions): string {
  return languagesOf(language)
    .map((lang) => {
      const lines = [`### ${titleOf(n, lang, inertMarkdown)}`];
      for (const [label, value] of factsOf(n, lang, options))
        lines.push(`**${label}**: ${inertMarkdown(value)}`);
      lines.push(`[${dashboardLinkText(lang)}](${n.dashboardUrl})`);
      return lines.join('\n\n');
    })
    .join('\n\n---\n\n');
}

export function plainTextOf(n: Notification, language: MessageLanguage, options: RenderOptions): string {
  return languagesOf(language)
    .map((lang) => {
      const lines = [titleOf(n, lang), ''];
      for (const [label, value] of factsOf(n, lang, options)) lines.push(`${label}: ${value}`);
      lines.push(`${dashboardLinkText(lang)}: ${n.dashboardUrl}`);
      return lines.join('\n');
    })
    .join('\n\n----\n\n');
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character, marking the cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const marker = '\n…';
  const budget = maxBytes - Buffer.byteLength(marker, 'utf8');
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end) + marker;
}
