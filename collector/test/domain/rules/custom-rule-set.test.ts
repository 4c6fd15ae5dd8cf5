// The custom rule set and the firing conditions it reports through, without the engine: a rule's
// answer for one event, its store, a reload resolving only the rules that are gone, the timing of
// a rule, a rule's own fingerprint, one entity under two rules, and a rule's scope of stores.
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/events.ts';
import type { OrderState } from '../../../src/domain/order-lifecycle.ts';
import { type CustomRule, customRuleHolding } from '../../../src/domain/rules/custom-rule.ts';
import { CustomRuleSet } from '../../../src/domain/rules/custom-rule-set.ts';
import { FiringConditions } from '../../../src/domain/rules/firing-conditions.ts';
import { inScope } from '../../../src/domain/rules/scope.ts';
import type { Signal } from '../../../src/domain/rules/signal.ts';
import { orderStatus, T0 } from '../fixtures.ts';

const rule = (name: string, matches: CustomRule['matches'] = () => true, over: Partial<CustomRule> = {}) => ({
  name,
  severity: 'warning' as const,
  matches,
  ...over,
});
const ctx = (event: StoredEvent, order?: Partial<OrderState>) => ({
  event,
  order: order === undefined ? undefined : (order as OrderState),
  shipment: undefined,
});

describe('customRuleHolding', () => {
  it('holds at the event time with the rule’s severity and a copy of its labels', () => {
    const labels = { team: 'ops' };
    const holding = customRuleHolding(
      rule('r', () => true, { labels, severity: 'critical' }),
      ctx(orderStatus('O1', 'paid', T0 + 5)),
      () => {
        throw new Error('not called');
      },
    );
    expect(holding).toMatchObject({ at: T0 + 5, severity: 'critical', labels: { team: 'ops' } });
    expect(holding!.labels).not.toBe(labels);
    expect(holding!.summary.message).toEqual({ key: 'summary.custom', params: { orderId: 'O1', rule: 'r' } });
  });

  it('does not hold when the rule does not match, nor when it throws, which it reports', () => {
    const errors: string[] = [];
    const onError = (r: CustomRule) => errors.push(r.name);
    expect(
      customRuleHolding(
        rule('no', () => false),
        ctx(orderStatus('O1', 'paid', T0)),
        onError,
      ),
    ).toBeUndefined();
    expect(errors).toEqual([]);
    const throwing = rule('bad', () => {
      throw new Error('boom');
    });
    expect(customRuleHolding(throwing, ctx(orderStatus('O1', 'paid', T0)), onError)).toBeUndefined();
    expect(errors).toEqual(['bad']);
  });
});

describe('CustomRuleSet', () => {
  it('reports for the order’s store when the order is known, else the event’s', () => {
    const set = new CustomRuleSet([rule('r')], new FiringConditions());
    const out: Signal[] = [];
    set.evaluate(ctx(orderStatus('O1', 'paid', T0, { storeId: 'E1' }), { storeId: 'S1' }), out);
    set.evaluate(ctx(orderStatus('O2', 'paid', T0, { storeId: 'E2' })), out);
    expect(out.map((s) => [s.entityType, s.entityId, s.storeId])).toEqual([
      ['order', 'O1', 'S1'],
      ['order', 'O2', 'E2'],
    ]);
  });

  it('resolves a condition that cleared at the event time', () => {
    let on = true;
    const set = new CustomRuleSet([rule('r', () => on)], new FiringConditions());
    const out: Signal[] = [];
    set.evaluate(ctx(orderStatus('O1', 'paid', T0)), out);
    on = false;
    set.evaluate(ctx(orderStatus('O1', 'picking', T0 + 70)), out);
    expect(out.map((s) => [s.condition, s.at])).toEqual([
      ['firing', T0],
      ['resolved', T0 + 70],
    ]);
  });

  it('resolves at `now` the conditions of the rules a reload drops, and keeps the others', () => {
    const firing = new FiringConditions();
    const set = new CustomRuleSet([rule('kept'), rule('gone')], firing);
    const out: Signal[] = [];
    set.evaluate(ctx(orderStatus('O1', 'paid', T0)), out);
    const resolved = set.replace([rule('kept'), rule('new')], T0 + 1000);
    expect(resolved.map((s) => [s.rule, s.condition, s.at])).toEqual([['gone', 'resolved', T0 + 1000]]);
    expect(firing.signals().map((s) => s.rule)).toEqual(['kept']);
    expect(set.replace([], T0 + 2000).map((s) => s.rule)).toEqual(['kept']);
    expect(set.isEmpty).toBe(true);
  });

  it('is empty only without rules, and evaluates the array it was given as it is refilled', () => {
    const rules: CustomRule[] = [];
    const set = new CustomRuleSet(rules, new FiringConditions());
    expect(set.isEmpty).toBe(true);
    rules.push(rule('late'));
    expect(set.isEmpty).toBe(false);
    const out: Signal[] = [];
    set.evaluate(ctx(orderStatus('O1', 'paid', T0)), out);
    expect(out.map((s) => s.rule)).toEqual(['late']);
  });

  it('gives each rule its own timing, and 0 and five minutes by default', () => {
    const set = new CustomRuleSet(
      [rule('a', undefined, { forMs: 7 }), rule('b', undefined, { coolDownMs: 9 })],
      new FiringConditions(),
    );
    expect(set.timing('a')).toEqual({ forMs: 7, coolDownMs: 300_000 });
    expect(set.timing('b')).toEqual({ forMs: 0, coolDownMs: 9 });
    expect(set.timing('c')).toEqual({ forMs: 0, coolDownMs: 300_000 });
  });

  it('counts each rule’s throws apart', () => {
    const boom = () => {
      throw new Error('boom');
    };
    const set = new CustomRuleSet([rule('x', boom), rule('y', boom), rule('z')], new FiringConditions());
    expect(set.errorCounts()).toEqual({});
    set.evaluate(ctx(orderStatus('O1', 'paid', T0)), []);
    set.evaluate(ctx(orderStatus('O2', 'paid', T0)), []);
    expect(set.errorCounts()).toEqual({ x: 2, y: 2 });
  });
});

describe('FiringConditions', () => {
  const holding = (at: number, extra: object = {}) => ({
    at,
    summary: { zh: 'x', en: 'x' },
    labels: { k: 'v' },
    severity: 'info' as const,
    ...extra,
  });

  it('reports a firing signal with every field of the holding', () => {
    const out: Signal[] = [];
    new FiringConditions().report(out, 'r', 'shipment', 'K1', null, holding(100), 0);
    expect(out).toStrictEqual([
      {
        rule: 'r',
        entityType: 'shipment',
        entityId: 'K1',
        storeId: null,
        condition: 'firing',
        severity: 'info',
        at: 100,
        summary: { zh: 'x', en: 'x' },
        labels: { k: 'v' },
      },
    ]);
  });

  it('compares by the holding’s own fingerprint when it gives one', () => {
    const f = new FiringConditions();
    const out: Signal[] = [];
    f.report(out, 'r', 'order', 'O1', 'S1', holding(100, { fingerprint: 'a' }), 0);
    f.report(
      out,
      'r',
      'order',
      'O1',
      'S1',
      holding(100, { fingerprint: 'a', summary: { zh: 'y', en: 'y' } }),
      0,
    );
    f.report(out, 'r', 'order', 'O1', 'S1', holding(100, { fingerprint: 'b' }), 0);
    expect(out.map((s) => s.summary.en)).toEqual(['x', 'x']);
    expect(out).toHaveLength(2);
  });

  it('keeps one entity’s conditions under two rules apart', () => {
    const f = new FiringConditions();
    const out: Signal[] = [];
    f.report(out, 'a', 'order', 'O1', 'S1', holding(100), 0);
    f.report(out, 'b', 'order', 'O1', 'S1', holding(100), 0);
    f.report(out, 'a', 'order', 'O1', 'S1', undefined, 200);
    expect(out.map((s) => [s.rule, s.condition])).toEqual([
      ['a', 'firing'],
      ['b', 'firing'],
      ['a', 'resolved'],
    ]);
    expect(f.isFiringFor('O1')).toBe(true);
    expect(f.signals().map((s) => s.rule)).toEqual(['b']);
    f.report(out, 'b', 'order', 'O1', 'S1', undefined, 300);
    expect(f.isFiringFor('O1')).toBe(false);
    expect(f.signals()).toEqual([]);
    f.report(out, 'c', 'order', 'O9', 'S1', undefined, 300);
    expect(out).toHaveLength(4);
  });

  it('resolves with the fields it fired with, at the later of the clearing and the start', () => {
    const f = new FiringConditions();
    const out: Signal[] = [];
    f.report(out, 'r', 'order', 'O1', 'S1', holding(100), 0);
    f.report(out, 'r', 'order', 'O1', 'S2', undefined, 250);
    expect(out[1]).toStrictEqual({ ...out[0], condition: 'resolved', at: 250 });
  });
});

describe('inScope', () => {
  const scope = (stores: string[], excludeStores: string[] = []) => ({ stores, excludeStores });

  it('takes every store when none is listed, only the listed ones otherwise, and never an excluded one', () => {
    expect(inScope(scope([]), 'S1')).toBe(true);
    expect(inScope(scope(['S1', 'S2']), 'S2')).toBe(true);
    expect(inScope(scope(['S1']), 'S2')).toBe(false);
    expect(inScope(scope([], ['S1']), 'S1')).toBe(false);
    expect(inScope(scope([], ['S1']), 'S2')).toBe(true);
    expect(inScope(scope(['S1'], ['S1']), 'S1')).toBe(false);
  });
});
