// Human-readable renderings of a notification shared by the chat robots, Slack and e-mail. Each
// integration wraps these in its own payload; the words live here so zh and en stay in step.
import type { MessageLanguage } from './channel.ts';
import type { Notification, OutageRecoveryFigures } from './notification.ts';

export type Language = 'zh' | 'en';

export interface RenderOptions {
  /** Time zone for printed times; daily figures use the same default (`ORDERPULSE_TZ`). */
  timeZone: string;
}

export const DEFAULT_RENDER_OPTIONS: RenderOptions = { timeZone: 'Asia/Shanghai' };

const RULE_NAMES_ZH: Readonly<Record<string, string>> = {
  payment_unapplied: '支付未入账',
  order_stalled: '订单停滞',
  tracking_silent: '物流长时间无更新',
  shipment_anomaly: '物流异常',
  callback_silent: '支付回调中断',
  reconciliation_mismatch: '对账差异',
};

const SEVERITY_NAMES: Readonly<Record<Language, Readonly<Record<string, string>>>> = {
  zh: { critical: '严重', warning: '警告', info: '提示' },
  en: { critical: 'critical', warning: 'warning', info: 'info' },
};

const WORDS = {
  zh: {
    firing: '告警',
    resolved: '已恢复',
    summary: '摘要',
    store: '门店',
    count: '数量',
    since: '开始',
    lasted: '已持续',
    ended: '恢复于',
    samples: '样例',
    recovered: '查询补单',
    dashboard: '查看面板',
  },
  en: {
    firing: 'FIRING',
    resolved: 'RESOLVED',
    summary: 'Summary',
    store: 'Store',
    count: 'Alerts',
    since: 'Since',
    lasted: 'open for',
    ended: 'Resolved at',
    samples: 'Examples',
    recovered: 'Recovered by query',
    dashboard: 'Open dashboard',
  },
} as const;

export function languagesOf(language: MessageLanguage): Language[] {
  return language === 'both' ? ['zh', 'en'] : [language];
}

export function ruleName(rule: string, lang: Language): string {
  return lang === 'zh' ? (RULE_NAMES_ZH[rule] ?? rule) : rule;
}

export function severityName(severity: string, lang: Language): string {
  return SEVERITY_NAMES[lang][severity] ?? severity;
}

export function formatDuration(ms: number, lang: Language): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts: string[] = [];
  if (lang === 'zh') {
    if (days) parts.push(`${days}天`);
    if (hours) parts.push(`${hours}小时`);
    if (mins || parts.length === 0) parts.push(`${mins}分钟`);
    return parts.join('');
  }
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (mins || parts.length === 0) parts.push(`${mins} min`);
  return parts.join(' ');
}

/** `2026-11-25 19:11:34` in the configured zone: unambiguous for the on-call reader, no locale quirks. */
export function formatTime(iso: string, options: RenderOptions): string {
  const formatted = new Intl.DateTimeFormat('sv-SE', {
    timeZone: options.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(new Date(iso));
  return formatted;
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
  const w = WORDS[lang];
  const state = n.status === 'firing' ? `${w.firing}:${n.count}` : w.resolved;
  const store = n.storeId ? ` ${w.store} ${value(n.storeId)}` : '';
  if (lang === 'zh')
    return `【${state}】${ruleName(n.rule, lang)}（${severityName(n.severity, lang)}）${store}`;
  return `[${state}] ${n.rule} (${n.severity})${store}`;
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
  const w = WORDS[lang];
  const facts: Array<[string, string]> = [[w.summary, n.summary[lang]]];
  if (n.storeId) facts.push([w.store, n.storeId]);
  facts.push([w.count, String(n.count)]);
  if (n.status === 'firing') {
    facts.push([
      w.since,
      `${formatTime(n.startsAt, options)} (${w.lasted} ${formatDuration(n.oldestAgeMs, lang)})`,
    ]);
  } else if (n.endsAt) {
    facts.push([w.ended, formatTime(n.endsAt, options)]);
  }
  if (n.sampleEntityIds.length > 0) facts.push([w.samples, n.sampleEntityIds.join(', ')]);
  for (const figures of n.recovery ?? []) facts.push([w.recovered, recoveryText(figures, lang)]);
  return facts;
}

/** e.g. `wechatpay: 812 orders confirmed by query, 790 applied by the order system, 22 remaining`. */
export function recoveryText(r: OutageRecoveryFigures, lang: Language): string {
  if (lang === 'zh')
    return `${r.provider}：查询确认已支付 ${r.confirmedByQuery} 笔，订单系统已入账 ${r.applied} 笔，仍待入账 ${r.remaining} 笔`;
  return `${r.provider}: ${r.confirmedByQuery} orders confirmed by query, ${r.applied} applied by the order system, ${r.remaining} remaining`;
}

export function dashboardLinkText(lang: Language): string {
  return WORDS[lang].dashboard;
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
