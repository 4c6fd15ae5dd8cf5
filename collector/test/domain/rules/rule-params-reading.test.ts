// Each built-in rule reads its own keys of rules.yaml (and of a promotion's overrides): the values
// it accepts, what it lays over its defaults, and the sentence it reports for a value it refuses.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import { readBuiltinRules, readParamOverrides } from '../../../src/rules-config/builtin-rules.ts';
import { readYamlFile } from '../../../src/rules-config/yaml-file.ts';
import { HOUR, MINUTE } from '../fixtures.ts';

function read(yaml: string) {
  const file = readYamlFile('rules.yaml', yaml);
  const { params } = readBuiltinRules(file.root);
  return { params, errors: file.errors.map((e) => ({ rule: e.rule, line: e.line, message: e.message })) };
}

function overrides(yaml: string) {
  const file = readYamlFile('calendar.yaml', yaml);
  const read = readParamOverrides(file.root) as Record<string, Record<string, unknown>>;
  return { read, errors: file.errors.map((e) => e.message) };
}

describe('order_stalled limits', () => {
  it('lays written limits over the defaults and drops a status written off or null', () => {
    const { params, errors } = read(
      'rules:\n  order_stalled:\n    limits: { created: 1h, paid: 5m, picking: off, packed: ~ }\n',
    );
    expect(errors).toEqual([]);
    expect(params.order_stalled.limitsMs).toEqual({ created: HOUR, paid: 5 * MINUTE });
    // The defaults themselves are left alone for the next read.
    expect(DEFAULT_RULE_PARAMS.order_stalled.limitsMs).toEqual({
      paid: 2 * MINUTE,
      picking: 30 * MINUTE,
      packed: 12 * HOUR,
    });
  });

  it('keeps the default limits when `limits` is not written', () => {
    const { params, errors } = read('rules:\n  order_stalled:\n    severity: critical\n');
    expect(errors).toEqual([]);
    expect(params.order_stalled.limitsMs).toEqual(DEFAULT_RULE_PARAMS.order_stalled.limitsMs);
    expect(params.order_stalled.severity).toBe('critical');
  });

  it('refuses a terminal status and an unknown one with different sentences, and keeps the rest', () => {
    const { params, errors } = read(
      'rules:\n  order_stalled:\n    limits:\n      delivered: 5m\n      lost: 5m\n      shipped: 2h\n      paid: soon\n',
    );
    expect(errors).toEqual([
      {
        rule: 'order_stalled',
        line: 4,
        message:
          '"delivered" is a terminal status; order_stalled watches only created, paid, picking, packed, shipped',
      },
      {
        rule: 'order_stalled',
        line: 5,
        message: 'unknown order status "lost"; order_stalled watches created, paid, picking, packed, shipped',
      },
      { rule: 'order_stalled', line: 7, message: expect.any(String) },
    ]);
    expect(params.order_stalled.limitsMs).toEqual({
      paid: 2 * MINUTE,
      picking: 30 * MINUTE,
      packed: 12 * HOUR,
      shipped: 2 * HOUR,
    });
  });

  it('keeps `off` as null in a promotion override, for the calendar to apply over the limits in force', () => {
    const { read: o, errors } = overrides('order_stalled:\n  limits: { paid: off, picking: 1h }\n');
    expect(errors).toEqual([]);
    expect(o.order_stalled).toEqual({ limitsMs: { paid: null, picking: HOUR } });
  });
});

describe('callback_silent', () => {
  it('reads its limit, minimum order count and providers', () => {
    const { params, errors } = read(
      'rules:\n  callback_silent:\n    limit: 3m\n    min_orders: 0\n    providers: [alipay]\n',
    );
    expect(errors).toEqual([]);
    expect(params.callback_silent).toMatchObject({
      limitMs: 3 * MINUTE,
      minOrders: 0,
      providers: ['alipay'],
    });
  });

  it('refuses an empty provider list and keeps the default providers', () => {
    const { params, errors } = read('rules:\n  callback_silent:\n    min_orders: 5\n    providers: []\n');
    expect(errors).toEqual([
      { rule: 'callback_silent', line: 4, message: 'must name at least one payment provider' },
    ]);
    expect(params.callback_silent).toMatchObject({ minOrders: 5, providers: ['wechatpay', 'alipay'] });
  });

  it('refuses a provider it does not know and keeps the others written', () => {
    const { params, errors } = read('rules:\n  callback_silent:\n    providers: [unionpay, alipay]\n');
    expect(errors).toEqual([
      {
        rule: 'callback_silent',
        line: 3,
        message: 'must be one of wechatpay, alipay, other, not "unionpay"',
      },
    ]);
    expect(params.callback_silent.providers).toEqual(['alipay']);
  });
});

describe('reconciliation_mismatch threshold', () => {
  const threshold = (value: string) =>
    read(`rules:\n  reconciliation_mismatch:\n    threshold: ${value}\n    window: 48h\n`);

  it('reads a fraction or a percentage, with or without a space before the sign', () => {
    expect(threshold('0.05').params.reconciliation_mismatch).toMatchObject({
      threshold: 0.05,
      windowMs: 48 * HOUR,
    });
    expect(threshold('"2.5%"').params.reconciliation_mismatch.threshold).toBeCloseTo(0.025, 12);
    expect(threshold('" 3 % "').params.reconciliation_mismatch.threshold).toBeCloseTo(0.03, 12);
    expect(threshold('"2.5%"').errors).toEqual([]);
  });

  it('refuses text that is not a percentage, keeping the default', () => {
    for (const bad of ['"2.5"', '"%"', '"x2%"', '"2%x"', '"2.%"', '".5%"', '"1.5.2%"']) {
      const { params, errors } = threshold(bad);
      expect(errors, bad).toEqual([
        {
          rule: 'reconciliation_mismatch',
          line: 3,
          message: `must be a fraction such as 0.01 or a percentage such as "1%", not "${JSON.parse(bad)}"`,
        },
      ]);
      expect(params.reconciliation_mismatch.threshold).toBe(0.01);
    }
  });

  it('refuses 0, 1 and beyond, as numbers or percentages', () => {
    for (const [bad, shown] of [
      ['0', '0'],
      ['1', '1'],
      ['"0%"', '0'],
      ['"100%"', '1'],
      ['-0.5', '-0.5'],
      ['"150%"', '1.5'],
    ]) {
      const { params, errors } = threshold(bad!);
      expect(errors, bad).toEqual([
        {
          rule: 'reconciliation_mismatch',
          line: 3,
          message: `must be greater than 0 and less than 1 (0 % – 100 %), not ${shown}`,
        },
      ]);
      expect(params.reconciliation_mismatch.threshold).toBe(0.01);
    }
  });

  it('accepts the values just inside the bounds', () => {
    expect(threshold('"0.01%"').params.reconciliation_mismatch.threshold).toBeCloseTo(0.0001, 12);
    expect(threshold('0.999').params.reconciliation_mismatch.threshold).toBe(0.999);
  });

  it('reports a threshold that is neither number nor text once, from the number reader', () => {
    const { params, errors } = threshold('[1]');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).not.toContain('greater than 0');
    expect(params.reconciliation_mismatch.threshold).toBe(0.01);
  });
});

describe('the one-limit rules', () => {
  it('read `limit` as a positive duration', () => {
    const { params, errors } = read(
      'rules:\n  payment_unapplied:\n    limit: 90s\n  tracking_silent:\n    limit: 72h\n',
    );
    expect(errors).toEqual([]);
    expect(params.payment_unapplied.limitMs).toBe(90_000);
    expect(params.tracking_silent.limitMs).toBe(72 * HOUR);
  });

  it('refuse a zero limit', () => {
    const { params, errors } = read('rules:\n  payment_unapplied:\n    limit: 0s\n');
    expect(errors).toHaveLength(1);
    expect(params.payment_unapplied.limitMs).toBe(2 * MINUTE);
  });
});

describe('zero durations', () => {
  it('are refused as every rule’s own limit or window, keeping the default', () => {
    const { params, errors } = read(
      'rules:\n  tracking_silent:\n    limit: 0s\n  callback_silent:\n    limit: 0s\n  reconciliation_mismatch:\n    window: 0s\n  order_stalled:\n    limits: { paid: 0s }\n',
    );
    expect(errors.map((e) => [e.rule, e.line])).toEqual([
      ['tracking_silent', 3],
      ['callback_silent', 5],
      ['reconciliation_mismatch', 7],
      ['order_stalled', 9],
    ]);
    expect(new Set(errors.map((e) => e.message)).size).toBe(1);
    expect(params.tracking_silent.limitMs).toBe(48 * HOUR);
    expect(params.callback_silent.limitMs).toBe(10 * MINUTE);
    expect(params.reconciliation_mismatch.windowMs).toBe(24 * HOUR);
    expect(params.order_stalled.limitsMs.paid).toBe(2 * MINUTE);
  });
});
