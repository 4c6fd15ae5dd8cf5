import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../src/domain/rules/engine.ts';
import { type BuiltinRuleParams, DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import type { Signal } from '../../src/domain/rules/signal.ts';
import { MINUTE, orderStatus, payment, SECOND, T0 } from './fixtures.ts';

const brief = (signals: Signal[]) =>
  signals.map((s) => `${s.condition} ${s.rule} ${s.entityId} @${s.at - T0}`);

/** Ticks every 50 ms like the integration layer does, collecting what fires. */
function tickThrough(engine: RuleEngine, from: number, to: number): Signal[] {
  const out: Signal[] = [];
  for (let now = from; now <= to; now += 50) out.push(...engine.tick(now));
  return out;
}

describe('order_stalled', () => {
  it('fires at the first tick at or after paid + 2 min, and resolves when the order moves on', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    expect(engine.ingest(orderStatus('O1', 'paid', T0 + 7), T0 + 10)).toEqual([]);
    const fired = tickThrough(engine, T0 + 10, T0 + 2 * MINUTE + 200);
    expect(brief(fired)).toEqual([`firing order_stalled O1 @${2 * MINUTE + 7}`]);
    expect(fired[0]).toMatchObject({
      entityType: 'order',
      storeId: 'S1',
      severity: 'warning',
      labels: { status: 'paid' },
    });
    expect(fired[0]!.summary.zh).toContain('已支付');
    expect(fired[0]!.summary.en).toContain('has been paid for more than 2 min');

    const moved = engine.ingest(orderStatus('O1', 'picking', T0 + 3 * MINUTE), T0 + 3 * MINUTE);
    expect(brief(moved)).toEqual([`resolved order_stalled O1 @${3 * MINUTE}`]);
  });

  it('uses each status its own limit: picking 30 min, packed 12 h; terminal statuses never stall', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'picking', T0), T0);
    expect(engine.tick(T0 + 30 * MINUTE - 1)).toEqual([]);
    expect(brief(engine.tick(T0 + 30 * MINUTE))).toEqual([`firing order_stalled O1 @${30 * MINUTE}`]);
    engine.ingest(orderStatus('O1', 'packed', T0 + 31 * MINUTE), T0 + 31 * MINUTE);
    expect(engine.tick(T0 + 31 * MINUTE + 12 * 60 * MINUTE - 1)).toEqual([]);
    expect(brief(engine.tick(T0 + 31 * MINUTE + 12 * 60 * MINUTE))).toEqual([
      `firing order_stalled O1 @${31 * MINUTE + 12 * 60 * MINUTE}`,
    ]);
    engine.ingest(orderStatus('O2', 'delivered', T0), T0);
    expect(engine.tick(T0 + 100 * 60 * MINUTE).filter((s) => s.entityId === 'O2')).toEqual([]);
  });

  it('a late event whose deadline already passed fires at once on ingest', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    const signals = engine.ingest(orderStatus('O1', 'paid', T0), T0 + 5 * MINUTE);
    expect(brief(signals)).toEqual([`firing order_stalled O1 @${2 * MINUTE}`]);
  });

  it('a late event that shows the order moved on before its deadline resolves the alert it raised', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'paid', T0), T0);
    expect(brief(engine.tick(T0 + 2 * MINUTE))).toHaveLength(1);
    const late = engine.ingest(orderStatus('O1', 'picking', T0 + MINUTE), T0 + 4 * MINUTE);
    // Resolution is never reported before the condition started.
    expect(brief(late)).toEqual([`resolved order_stalled O1 @${2 * MINUTE}`]);
  });

  it('an out-of-order late paid event does not roll the order back into a paid stall', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'picking', T0 + MINUTE), T0 + MINUTE);
    expect(engine.ingest(orderStatus('O1', 'paid', T0), T0 + 10 * MINUTE)).toEqual([]);
    expect(engine.order('O1')).toMatchObject({ status: 'picking', paidAt: T0 });
    expect(engine.tick(T0 + 10 * MINUTE)).toEqual([]);
  });

  it('repeats never report a second firing for the same order', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    const all: Signal[] = [];
    all.push(...engine.ingest(orderStatus('O1', 'paid', T0), T0 + 3 * MINUTE));
    for (let i = 0; i < 5; i++) {
      all.push(...engine.ingest(orderStatus('O1', 'paid', T0 + i), T0 + 3 * MINUTE + i));
      all.push(...engine.tick(T0 + 4 * MINUTE + i * SECOND));
    }
    expect(all.filter((s) => s.condition === 'firing')).toHaveLength(1);
  });

  it('respects the rule scope and the enabled flag', () => {
    const params: BuiltinRuleParams = {
      ...DEFAULT_RULE_PARAMS,
      order_stalled: { ...DEFAULT_RULE_PARAMS.order_stalled, scope: { stores: [], excludeStores: ['S9'] } },
      payment_unapplied: { ...DEFAULT_RULE_PARAMS.payment_unapplied, enabled: false },
    };
    const engine = new RuleEngine(params);
    engine.ingest(orderStatus('O1', 'paid', T0, { storeId: 'S9' }), T0);
    engine.ingest(payment('O2', T0), T0);
    expect(engine.tick(T0 + 10 * MINUTE)).toEqual([]);
  });
});

describe('payment_unapplied', () => {
  it('fires when a successful payment is not applied within 2 min and resolves when the order is paid', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'created', T0), T0);
    engine.ingest(payment('O1', T0 + SECOND), T0 + SECOND);
    expect(engine.tick(T0 + SECOND + 2 * MINUTE - 1)).toEqual([]);
    const fired = engine.tick(T0 + SECOND + 2 * MINUTE);
    expect(brief(fired)).toEqual([`firing payment_unapplied O1 @${SECOND + 2 * MINUTE}`]);
    expect(fired[0]!.severity).toBe('critical');
    const paid = engine.ingest(orderStatus('O1', 'paid', T0 + 5 * MINUTE), T0 + 5 * MINUTE);
    expect(brief(paid)).toEqual([`resolved payment_unapplied O1 @${5 * MINUTE}`]);
  });

  it('a payment that arrives late, after its deadline, fires at once', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    const signals = engine.ingest(payment('O7', T0), T0 + 3 * MINUTE);
    expect(brief(signals)).toEqual([`firing payment_unapplied O7 @${2 * MINUTE}`]);
  });

  it('does not fire when the paid status arrives within the limit, even after the payment', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(payment('O1', T0), T0);
    engine.ingest(orderStatus('O1', 'paid', T0 + MINUTE), T0 + MINUTE);
    expect(engine.tick(T0 + 5 * MINUTE).filter((s) => s.rule === 'payment_unapplied')).toEqual([]);
  });

  it('a payment on an order cancelled without being paid stays unapplied', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'created', T0), T0);
    engine.ingest(orderStatus('O1', 'cancelled', T0 + MINUTE), T0 + MINUTE);
    engine.ingest(payment('O1', T0 + 2 * MINUTE), T0 + 2 * MINUTE);
    expect(brief(engine.tick(T0 + 4 * MINUTE))).toEqual([`firing payment_unapplied O1 @${4 * MINUTE}`]);
  });
});

describe('custom rules', () => {
  const remote = new Set(['XZ', 'QH', 'XJ']);
  const priority = {
    name: 'remote_high_value',
    severity: 'warning' as const,
    labels: { tag: 'priority', route: 'supervisor' },
    matches: ({ order }: { order: { amountFen?: number; region?: string } | undefined }) =>
      (order?.amountFen ?? 0) > 50_000 && remote.has(order?.region ?? ''),
  };

  it('fire on the order they match, with their severity and labels, once', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [priority]);
    expect(engine.ingest(orderStatus('O1', 'created', T0, { amountFen: 60_000, region: 'GD' }), T0)).toEqual(
      [],
    );
    const hit = engine.ingest(orderStatus('O2', 'created', T0, { amountFen: 60_000, region: 'XZ' }), T0);
    expect(hit).toEqual([
      expect.objectContaining({
        rule: 'remote_high_value',
        entityId: 'O2',
        condition: 'firing',
        severity: 'warning',
        labels: { tag: 'priority', route: 'supervisor' },
      }),
    ]);
    expect(engine.ingest(orderStatus('O2', 'paid', T0 + 1), T0 + 1)).toEqual([]);
    expect(engine.ruleTiming('remote_high_value')).toEqual({ forMs: 0, coolDownMs: 5 * MINUTE });
  });

  it('setCustomRules resolves what a removed rule raised and applies new rules to later events', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [priority]);
    engine.ingest(orderStatus('O2', 'created', T0, { amountFen: 60_000, region: 'XZ' }), T0);
    const everything = { name: 'everything', severity: 'info' as const, matches: () => true };
    expect(brief(engine.setCustomRules([everything], T0 + MINUTE))).toEqual([
      `resolved remote_high_value O2 @${MINUTE}`,
    ]);
    expect(brief(engine.ingest(orderStatus('O3', 'created', T0 + MINUTE), T0 + MINUTE))).toEqual([
      `firing everything O3 @${MINUTE}`,
    ]);
  });

  it('a rule that throws counts as not matching and is counted', () => {
    const broken = { name: 'broken', severity: 'info' as const, matches: () => JSON.parse('{') as boolean };
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [broken]);
    expect(engine.ingest(orderStatus('O1', 'created', T0), T0)).toEqual([]);
    expect(engine.customRuleErrors()).toEqual({ broken: 1 });
  });
});

describe('hot reload', () => {
  it('a lower limit fires stalls that are now overdue; disabling a rule resolves what it raised', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'picking', T0), T0);
    expect(engine.tick(T0 + 10 * MINUTE)).toEqual([]);
    const lower = {
      ...DEFAULT_RULE_PARAMS,
      order_stalled: { ...DEFAULT_RULE_PARAMS.order_stalled, limitsMs: { picking: 5 * MINUTE } },
    };
    expect(brief(engine.setParams(lower, T0 + 10 * MINUTE))).toEqual([
      `firing order_stalled O1 @${5 * MINUTE}`,
    ]);
    const off = { ...lower, order_stalled: { ...lower.order_stalled, enabled: false } };
    expect(brief(engine.setParams(off, T0 + 11 * MINUTE))).toEqual([
      `resolved order_stalled O1 @${11 * MINUTE}`,
    ]);
  });
});
