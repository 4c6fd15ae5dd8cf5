// The backtest replays events through draft rules with the engine's own fold: it must count exactly
// the firing signals the engine reports for the same events, with order facts from before the window.
import { describe, expect, it } from 'vitest';
import { toEngineRule } from '../../../src/alerting/rule-set-adapter.ts';
import type { StoredEvent } from '../../../src/domain/events.ts';
import { Backtest, type BacktestOptions } from '../../../src/domain/rules/backtest.ts';
import type { CustomRule } from '../../../src/domain/rules/custom-rule.ts';
import { RuleEngine } from '../../../src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import { checkDraftRules } from '../../../src/rules-config/draft-rules.ts';
import { HOUR, MINUTE, orderStatus, T0 } from '../fixtures.ts';

function draft(...rules: Array<{ name: string; when: string }>): CustomRule[] {
  const text = `rules:\n${rules.map((r) => `  - name: ${r.name}\n    severity: info\n    when: '${r.when}'\n`).join('')}`;
  const checked = checkDraftRules('draft.yaml', text, undefined);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.rules.map((rule) => toEngineRule({ ...rule, matches: rule.holds }));
}

const REMOTE_PAID = {
  name: 'remote_paid',
  when: 'type == "order.status" and status == "paid" and amount_fen > 50000 and region in ["西藏", "新疆"]',
};
const REMOTE_ANY = { name: 'remote_any', when: 'region == "西藏"' };

const options = (extra: Partial<BacktestOptions> = {}): BacktestOptions => ({
  from: T0,
  sampleLimit: 100,
  topStores: 20,
  retainFinishedMs: 24 * HOUR,
  ...extra,
});

function run(rules: CustomRule[], events: StoredEvent[], extra: Partial<BacktestOptions> = {}) {
  const backtest = new Backtest(rules, options(extra));
  for (const e of events) backtest.apply(e);
  return backtest.result();
}

/** Firing signals of the real engine for the events of the window (all events ingested in order). */
function engineFirings(rules: CustomRule[], events: StoredEvent[], from: number): Map<string, number> {
  const engine = new RuleEngine(DEFAULT_RULE_PARAMS, rules);
  const counts = new Map<string, number>();
  for (const e of events) {
    for (const s of engine.ingest(e, e.occurredAt)) {
      if (s.condition !== 'firing' || !rules.some((r) => r.name === s.rule) || e.occurredAt < from) continue;
      counts.set(s.rule, (counts.get(s.rule) ?? 0) + 1);
    }
  }
  return counts;
}

describe('rule backtest (pure replay)', () => {
  // A: created before the window in 西藏 with its amount, paid inside it (the paid event carries
  // neither): the facts come from the warm-up. B: the same in 北京. C: 西藏 but ¥300.
  const events = [
    orderStatus('A', 'created', T0 - 30 * MINUTE, { amountFen: 60_000, region: '西藏', storeId: 'S1' }),
    orderStatus('B', 'created', T0 - 20 * MINUTE, { amountFen: 90_000, region: '北京', storeId: 'S1' }),
    orderStatus('C', 'created', T0 + MINUTE, { amountFen: 30_000, region: '西藏', storeId: 'S2' }),
    orderStatus('A', 'paid', T0 + 2 * MINUTE),
    orderStatus('B', 'paid', T0 + 3 * MINUTE),
    orderStatus('C', 'paid', T0 + 4 * MINUTE),
    orderStatus('A', 'picking', T0 + 5 * MINUTE),
    orderStatus('D', 'created', T0 + 6 * MINUTE, { amountFen: 70_000, region: '新疆', storeId: 'S2' }),
    orderStatus('D', 'paid', T0 + 7 * MINUTE),
  ];

  it('fires with the facts the engine had, counting only events of the window', () => {
    const result = run(draft(REMOTE_PAID), events);
    expect(result.fired).toBe(2);
    expect(result.eventsScanned).toBe(7);
    expect(result.sample).toEqual([
      { orderId: 'A', storeId: 'S1', at: T0 + 2 * MINUTE, rule: 'remote_paid' },
      { orderId: 'D', storeId: 'S2', at: T0 + 7 * MINUTE, rule: 'remote_paid' },
    ]);
    expect(result.byStore).toEqual([
      { storeId: 'S1', count: 1 },
      { storeId: 'S2', count: 1 },
    ]);
  });

  it('counts a condition that keeps holding once per order, as the engine reports it', () => {
    const rules = draft(REMOTE_PAID, REMOTE_ANY);
    const result = run(rules, events);
    // remote_any holds on every event of A and C: C fires once in the window; A already held
    // before the window opened (its created event), so the engine fired it then, not in the window.
    expect(result.byRule).toEqual([
      { rule: 'remote_paid', count: 2 },
      { rule: 'remote_any', count: 1 },
    ]);
    const engine = engineFirings(rules, events, T0);
    expect(Object.fromEntries(engine)).toEqual({ remote_paid: 2, remote_any: 1 });
  });

  it('matches the engine on a longer random history', () => {
    const regions = ['西藏', '新疆', '北京', '上海'];
    const statuses = ['created', 'paid', 'picking', 'shipped', 'delivered'] as const;
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const history: StoredEvent[] = [];
    for (let o = 0; o < 300; o++) {
      const start = T0 - 2 * HOUR + rand(6 * HOUR);
      const steps = 1 + rand(statuses.length);
      for (let s = 0; s < steps; s++) {
        history.push(
          orderStatus(`O${o}`, statuses[s]!, start + s * 7 * MINUTE, {
            storeId: `S${rand(5)}`,
            ...(s === 0 && { amountFen: rand(100_000), region: regions[rand(regions.length)]! }),
          }),
        );
      }
    }
    history.sort((a, b) => a.occurredAt - b.occurredAt);
    const rules = draft(REMOTE_PAID, REMOTE_ANY);
    const result = run(rules, history);
    const engine = engineFirings(rules, history, T0);
    expect(result.byRule.map((r) => r.count)).toEqual([
      engine.get('remote_paid') ?? 0,
      engine.get('remote_any') ?? 0,
    ]);
    expect(result.fired).toBeGreaterThan(10);
    expect(result.byStore.reduce((sum, s) => sum + s.count, 0)).toBe(result.fired);
  });

  it('caps the sample and the store list, but not the counts', () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      orderStatus(`M${i}`, 'paid', T0 + i * MINUTE, {
        amountFen: 80_000,
        region: '西藏',
        storeId: `S${i % 6}`,
      }),
    );
    const result = run(draft(REMOTE_PAID), many, { sampleLimit: 4, topStores: 3 });
    expect(result.fired).toBe(30);
    expect(result.sample.map((s) => s.orderId)).toEqual(['M0', 'M1', 'M2', 'M3']);
    expect(result.byStore).toEqual([
      { storeId: 'S0', count: 5 },
      { storeId: 'S1', count: 5 },
      { storeId: 'S2', count: 5 },
    ]);
    expect(result.storesFired).toBe(6);
  });

  it('forgets finished orders a day after their last event, keeping memory to about a day of orders', () => {
    const days = Array.from({ length: 5 * 24 }, (_, h) => [
      orderStatus(`F${h}`, 'created', T0 + h * HOUR, { amountFen: 100, region: '北京' }),
      orderStatus(`F${h}`, 'delivered', T0 + h * HOUR + MINUTE),
    ]).flat();
    const result = run(draft(REMOTE_ANY), days);
    expect(result.peakOrdersHeld).toBeLessThanOrEqual(26);
    expect(result.ordersHeld).toBeLessThanOrEqual(26);
    expect(result.eventsScanned).toBe(days.length);
  });

  it('counts a rule that throws as not matching, and how often it threw', () => {
    const broken: CustomRule = {
      name: 'broken',
      severity: 'info',
      matches: () => {
        throw new Error('boom');
      },
    };
    const result = run([broken, ...draft(REMOTE_PAID)], events);
    expect(result.errors).toEqual({ broken: 7 });
    expect(result.byRule).toEqual([
      { rule: 'broken', count: 0 },
      { rule: 'remote_paid', count: 2 },
    ]);
  });
});
