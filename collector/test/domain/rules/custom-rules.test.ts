// Custom rules in the engine: their timing, their default summary and labels, the store of a
// shipment event whose order is unknown, and how often each one threw.
import { describe, expect, it } from 'vitest';
import type { CustomRule } from '../../../src/domain/rules/custom-rule.ts';
import { RuleEngine } from '../../../src/domain/rules/engine.ts';
import { FiringConditions } from '../../../src/domain/rules/firing-conditions.ts';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import { carrierUpdate, MINUTE, orderStatus, T0 } from '../fixtures.ts';

const always = (over: Partial<CustomRule> = {}): CustomRule => ({
  name: 'always',
  severity: 'info',
  matches: () => true,
  ...over,
});

describe('custom rules in the engine', () => {
  it('give their own for and cool-down, the defaults for a name nobody knows', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [always({ forMs: 7, coolDownMs: 9 })]);
    expect(engine.ruleTiming('always')).toEqual({ forMs: 7, coolDownMs: 9 });
    expect(engine.ruleTiming('nobody')).toEqual({ forMs: 0, coolDownMs: 5 * MINUTE });
    expect(engine.ruleTiming('order_stalled')).toEqual({
      forMs: DEFAULT_RULE_PARAMS.order_stalled.forMs,
      coolDownMs: DEFAULT_RULE_PARAMS.order_stalled.coolDownMs,
    });
  });

  it('name the rule and the order in their default summary, and carry no labels unless given', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [always()]);
    const [signal] = engine.ingest(orderStatus('O1', 'created', T0), T0);
    expect(signal).toMatchObject({ rule: 'always', entityType: 'order', entityId: 'O1', labels: {}, at: T0 });
    expect(signal!.summary.en).toContain('always');
    expect(signal!.summary.en).toContain('O1');
    expect(signal!.summary.message).toEqual({
      key: 'summary.custom',
      params: { orderId: 'O1', rule: 'always' },
    });
  });

  it('use the summary they give, and a copy of their labels', () => {
    const labels = { team: 'ops' };
    const rule = always({
      labels,
      summary: ({ event }) => ({ zh: `订单${event.orderId}`, en: `order ${event.orderId}` }),
    });
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [rule]);
    const [signal] = engine.ingest(orderStatus('O1', 'created', T0), T0);
    expect(signal!.summary).toEqual({ zh: '订单O1', en: 'order O1' });
    labels.team = 'changed';
    expect(signal!.labels).toEqual({ team: 'ops' });
  });

  it('take the store of the event when the order is unknown, else the order store', () => {
    const onShipments = always({
      name: 'shipments',
      matches: ({ event }) => event.type === 'shipment.update',
    });
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [onShipments]);
    const [unknown] = engine.ingest(carrierUpdate('O9', 'SF9', 'collected', T0, { storeId: 'S7' }), T0);
    expect(unknown).toMatchObject({ entityId: 'O9', storeId: 'S7' });
    expect(engine.ingest(orderStatus('O1', 'created', T0, { storeId: 'S2' }), T0)).toEqual([]);
    const [known] = engine.ingest(carrierUpdate('O1', 'SF1', 'collected', T0 + 1, { storeId: 'S3' }), T0 + 1);
    expect(known).toMatchObject({ entityId: 'O1', storeId: 'S2' });
  });

  it('count every throw of each rule', () => {
    const broken = always({
      name: 'broken',
      matches: () => {
        throw new Error('no');
      },
    });
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [broken, always()]);
    expect(engine.customRuleErrors()).toEqual({});
    engine.ingest(orderStatus('O1', 'created', T0), T0);
    engine.ingest(orderStatus('O2', 'created', T0), T0);
    expect(engine.customRuleErrors()).toEqual({ broken: 2 });
  });

  it('resolve at the event time once they stop matching, and keep rules that stay on a reload', () => {
    let on = true;
    const toggled = always({ name: 'toggled', matches: () => on });
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [toggled]);
    engine.ingest(orderStatus('O1', 'created', T0), T0);
    expect(engine.setCustomRules([toggled], T0 + MINUTE)).toEqual([]);
    on = false;
    const [resolved] = engine.ingest(orderStatus('O1', 'paid', T0 + 2 * MINUTE), T0 + 3 * MINUTE);
    expect(resolved).toMatchObject({ rule: 'toggled', condition: 'resolved', at: T0 + 2 * MINUTE });
  });
});

describe('FiringConditions', () => {
  const holding = (at: number, en = 'x') => ({
    at,
    summary: { zh: en, en },
    labels: {},
    severity: 'info' as const,
  });

  it('reports again when the summary changes, and resolves no earlier than the condition started', () => {
    const f = new FiringConditions();
    const out: Parameters<FiringConditions['report']>[0] = [];
    f.report(out, 'r', 'order', 'O1', 'S1', holding(100), 0);
    f.report(out, 'r', 'order', 'O1', 'S1', holding(100), 0);
    f.report(out, 'r', 'order', 'O1', 'S1', holding(100, 'y'), 0);
    expect(out.map((s) => [s.condition, s.summary.en])).toEqual([
      ['firing', 'x'],
      ['firing', 'y'],
    ]);
    expect(f.isFiringFor('O1')).toBe(true);
    expect(f.isFiringFor('O2')).toBe(false);
    f.report(out, 'r', 'order', 'O1', 'S1', undefined, 50);
    expect(out[2]).toMatchObject({ condition: 'resolved', at: 100 });
    expect(f.isFiringFor('O1')).toBe(false);
    f.report(out, 'r', 'order', 'O1', 'S1', undefined, 500);
    expect(out).toHaveLength(3);
  });

  it('resolves a whole rule at once and forgets it', () => {
    const f = new FiringConditions();
    const out: Parameters<FiringConditions['report']>[0] = [];
    f.report(out, 'r', 'order', 'O1', 'S1', holding(100), 0);
    f.report(out, 'r', 'order', 'O2', 'S1', holding(300), 0);
    f.report(out, 'other', 'order', 'O3', 'S1', holding(100), 0);
    expect(f.resolveRule('r', 200).map((s) => [s.entityId, s.condition, s.at])).toEqual([
      ['O1', 'resolved', 200],
      ['O2', 'resolved', 300],
    ]);
    expect(f.resolveRule('r', 200)).toEqual([]);
    expect(f.signals().map((s) => s.entityId)).toEqual(['O3']);
  });

  it('takes a restored condition as reported: the same answer is not reported again', () => {
    const f = new FiringConditions();
    const out: Parameters<FiringConditions['report']>[0] = [];
    f.restore({
      rule: 'r',
      entityType: 'order',
      entityId: 'O1',
      storeId: 'S1',
      condition: 'firing',
      severity: 'info',
      at: 100,
      summary: { zh: 'x', en: 'x' },
      labels: {},
    });
    f.report(out, 'r', 'order', 'O1', 'S1', holding(100), 0);
    expect(out).toEqual([]);
    f.report(out, 'r', 'order', 'O1', 'S1', { ...holding(100), severity: 'warning' }, 0);
    expect(out.map((s) => s.severity)).toEqual(['warning']);
  });
});
