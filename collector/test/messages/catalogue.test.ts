// The one message catalogue: every key in both languages with the same arguments, Chinese that
// really is Chinese (no run of English words), English with no Chinese, and the values the
// catalogue shapes itself (durations, ¥ money, times in the business zone with the zone shown).
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { EN } from '../../src/messages/en.ts';
import { formatMessage, type MessageKey } from '../../src/messages/format-message.ts';
import { ZH_CN } from '../../src/messages/zh-CN.ts';

const KEYS = Object.keys(ZH_CN) as MessageKey[];

type MessageFormatElement = ReturnType<IntlMessageFormat['getAst']>[number];
// The parser's element kinds (TYPE in @formatjs/icu-messageformat-parser, which intl-messageformat wraps).
const TYPE = { literal: 0, select: 5, plural: 6, pound: 7, tag: 8 } as const;

/**
 * Argument names a message uses, nested ones included (plural/select branches). Kinds may differ:
 * English counts with plurals where Chinese needs none.
 */
function argumentsOf(elements: readonly MessageFormatElement[], found = new Set<string>()): Set<string> {
  for (const el of elements) {
    if (el.type === TYPE.literal || el.type === TYPE.pound) continue;
    found.add(el.value);
    if (el.type === TYPE.plural || el.type === TYPE.select) {
      for (const option of Object.values(el.options)) argumentsOf(option.value, found);
    }
    if (el.type === TYPE.tag) argumentsOf(el.children, found);
  }
  return found;
}

const argumentsOfMessage = (text: string, locale: string) =>
  [...argumentsOf(new IntlMessageFormat(text, locale).getAst())].sort();

/** Three English words in a row: a sentence, not a unit or a code. */
const ENGLISH_RUN = /\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b/;
const CJK = /[\u4e00-\u9fff]/;

// Pure notation, the same in both languages.
const NOTATION = new Set<MessageKey>([
  'figure.lagP50',
  'freshness.age',
  'value.money',
  'value.time',
  'value.instant',
  'value.listSeparator',
  'value.unitSeparator',
  'ruleWord.quoted',
]);

/**
 * A `detail` argument is third-party English (the YAML parser's or the regex engine's own
 * explanation): English shows it, Chinese says the same thing without it.
 */
const ENGLISH_ONLY_ARGUMENT = 'detail';

describe('message catalogue', () => {
  it('has the same keys in both languages', () => {
    expect(Object.keys(EN).sort()).toEqual([...KEYS].sort());
  });

  it('uses the same arguments in both languages', () => {
    for (const key of KEYS) {
      const english = argumentsOfMessage(EN[key], 'en');
      const chinese = argumentsOfMessage(ZH_CN[key], 'zh-CN');
      expect(chinese, key).not.toContain(ENGLISH_ONLY_ARGUMENT);
      expect(
        english.filter((name) => name !== ENGLISH_ONLY_ARGUMENT),
        key,
      ).toEqual(chinese);
    }
  });

  it('writes no English sentence in Chinese, and no Chinese in English', () => {
    for (const key of KEYS) {
      // Only literal text counts: argument names and select branches keys are code.
      const zhText = literalText(new IntlMessageFormat(ZH_CN[key], 'zh-CN').getAst());
      expect(zhText, key).not.toMatch(ENGLISH_RUN);
      if (!NOTATION.has(key) && key !== 'nav.language')
        expect(CJK.test(zhText), `${key} in Chinese`).toBe(true);
      expect(CJK.test(EN[key]), `${key} in English`).toBe(key === 'nav.language');
    }
  });

  it('gives every rule one name, used by every reader', () => {
    expect(formatMessage('zh-CN', 'rule.order_stalled')).toBe('订单卡单');
    expect(formatMessage('en', 'rule.order_stalled')).toBe('Order stalled');
  });

  it('renders a summary from the rule parameters, with ICU selects and plurals', () => {
    const params = { orderId: 'O-1', status: 'picking', limitMs: 30 * 60_000 };
    expect(formatMessage('zh-CN', 'summary.order_stalled', params)).toBe(
      '订单 O-1 在「拣货中」状态停留超过30分钟',
    );
    expect(formatMessage('en', 'summary.order_stalled', params)).toBe(
      'Order O-1 has been picking for more than 30 min',
    );
    const silent = { provider: 'alipay', silentForMs: 12 * 60_000, windowMs: 10 * 60_000 };
    expect(formatMessage('en', 'summary.callback_silent', { ...silent, orders: 1 })).toContain(
      '1 order was created',
    );
    expect(formatMessage('en', 'summary.callback_silent', { ...silent, orders: 21 })).toContain(
      '21 orders were created',
    );
    expect(formatMessage('zh-CN', 'summary.callback_silent', { ...silent, orders: 21 })).toBe(
      '支付宝已12分钟没有支付回调，最近10分钟新建订单 21 笔',
    );
  });

  it('shapes money as ¥, durations in the reader’s units, and times in the business zone with the zone', () => {
    const reason = { amountFen: 4200, tail: '7788', deltaMs: 3 * 60_000 };
    expect(formatMessage('zh-CN', 'reason.fuzzy_match', reason)).toBe(
      '金额相同（¥42.00），订单号尾号相同「7788」，时间相差 3分钟',
    );
    expect(formatMessage('en', 'reason.fuzzy_match', reason)).toBe(
      'same amount ¥42.00, same order-number tail "7788", 3 min apart',
    );
    const at = '2026-11-25T10:00:00Z';
    expect(formatMessage('zh-CN', 'value.instant', { instantAt: at })).toBe('2026/11/25 18:00:00（GMT+8）');
    expect(formatMessage('zh-CN', 'value.instant', { instantAt: at }, { timeZone: 'Europe/Berlin' })).toBe(
      '2026/11/25 11:00:00（GMT+1）',
    );
    expect(formatMessage('en', 'value.instant', { instantAt: at })).toBe('11/25/2026 18:00:00 (GMT+8)');
  });

  it('joins a list of messages in the reader’s language', () => {
    const reasons = [
      { key: 'anomaly.rejected' as const },
      { key: 'anomaly.stuck_at_location' as const, params: { stuckMs: 24 * 3_600_000 } },
    ];
    const params = { carrier: 'SF', trackingNo: 'T1', orderId: 'O-1', reasons };
    expect(formatMessage('zh-CN', 'summary.shipment_anomaly', params)).toBe(
      '运单 SF T1（订单 O-1）异常：拒收、长时间停留同一地点（24小时）',
    );
    expect(formatMessage('en', 'summary.shipment_anomaly', params)).toBe(
      'Waybill SF T1 (order O-1) anomaly: rejected, not moving from one location (24 h)',
    );
  });
});

function literalText(elements: readonly MessageFormatElement[]): string {
  let text = '';
  for (const el of elements) {
    if (el.type === TYPE.literal) text += el.value;
    else if (el.type === TYPE.plural || el.type === TYPE.select)
      text += Object.values(el.options)
        .map((o) => literalText(o.value))
        .join(' | ');
    else text += ' ';
  }
  return text;
}
