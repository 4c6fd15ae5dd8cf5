// One kind of tracked entity with its rules and its single deadline (entity-rules.ts), over rules
// built with `deadlineRule` (evaluator.ts): the earliest time any rule's answer changes, named by the
// kind of the first rule that asked for it; eviction once nothing can start to hold; a recheck at
// once after a restart when a rule may hold already; forgetting exactly at the end of the retention.
import { describe, expect, it } from 'vitest';
import { DeadlineHeap } from '../../../src/domain/deadlines.ts';
import { EngineFacts } from '../../../src/domain/rules/engine-facts.ts';
import { DEADLINE_KIND, type EntityKind, EntityRules } from '../../../src/domain/rules/entity-rules.ts';
import {
  deadlineRule,
  type NextChange,
  RECHECK,
  ruleApplies,
  type TimedEvaluator,
} from '../../../src/domain/rules/evaluator.ts';
import { FiringConditions } from '../../../src/domain/rules/firing-conditions.ts';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import { commonDefaults, type RuleCommon } from '../../../src/domain/rules/rule-common.ts';
import { SIMPLE_REGION_LOOKUP } from '../../../src/domain/rules/shipment-anomaly.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS } from '../../../src/domain/rules/shipment-event.ts';
import type { Signal } from '../../../src/domain/rules/signal.ts';

interface Thing {
  id: string;
  storeId: string;
  /** Per rule: when its condition starts to hold, or undefined if it cannot. */
  due: Array<number | undefined>;
  finished: boolean;
  changedAt: number;
}

const RETAIN = 1_000;
const FIRST_RULE_KIND = DEADLINE_KIND.recheck + 1;

const facts = () =>
  new EngineFacts({
    regions: SIMPLE_REGION_LOOKUP,
    shipmentEvent: { ...DEFAULT_SHIPMENT_EVENT_PARAMS, enabled: false },
    storeOpen: () => true,
    storeOpenOnDay: () => true,
    creationRetentionMs: 60_000,
  });

function rule(index: number, common: RuleCommon = commonDefaults('warning')): TimedEvaluator<Thing> {
  return deadlineRule<Thing, RuleCommon>({
    name: `r${index}`,
    params: () => common,
    dueAt: (thing) => thing.due[index],
    holding: (thing, _params, dueAt) => ({
      at: dueAt,
      summary: { en: `${thing.id} r${index}`, zh: `${thing.id} r${index}` },
      labels: {},
      severity: 'warning',
    }),
  });
}

function setup(rules: TimedEvaluator<Thing>[]) {
  const deadlines = new DeadlineHeap(16);
  const firing = new FiringConditions();
  const kind: EntityKind<Thing, number> = {
    entityType: 'order',
    rules,
    deadlines,
    idOf: (thing) => thing.id,
    isFinished: (thing) => thing.finished,
    lastChangeAt: (thing) => thing.changedAt,
  };
  const entityRules = new EntityRules(kind, firing, facts(), RETAIN);
  const evaluate = (thing: Thing, now: number, clearedAt = now): Signal[] => {
    const out: Signal[] = [];
    entityRules.evaluate(thing, 0, DEFAULT_RULE_PARAMS, now, clearedAt, out);
    return out;
  };
  return { deadlines, firing, entityRules, evaluate };
}

const thing = (due: Array<number | undefined>, extra: Partial<Thing> = {}): Thing => ({
  id: 'X1',
  storeId: 'S1',
  due,
  finished: false,
  changedAt: 0,
  ...extra,
});

describe('an entity deadline', () => {
  it('is the earliest due time of any rule, with the kind of that rule', () => {
    const { deadlines, evaluate } = setup([rule(0), rule(1), rule(2)]);
    expect(evaluate(thing([300, 100, 200]), 0)).toEqual([]);
    expect(deadlines.get(0)).toEqual({ dueAt: 100, kind: FIRST_RULE_KIND + 1 });
    evaluate(thing([300, undefined, 200]), 0);
    expect(deadlines.get(0)).toEqual({ dueAt: 200, kind: FIRST_RULE_KIND + 2 });
    evaluate(thing([50, 100, 200]), 0);
    expect(deadlines.get(0)).toEqual({ dueAt: 50, kind: FIRST_RULE_KIND });
  });

  it('names the first rule that asked for a time two rules share', () => {
    const { deadlines, evaluate } = setup([rule(0), rule(1), rule(2)]);
    evaluate(thing([300, 100, 100]), 0);
    expect(deadlines.get(0)).toEqual({ dueAt: 100, kind: FIRST_RULE_KIND + 1 });
  });

  it('gives each of many rules its own kind', () => {
    const rules = Array.from({ length: 6 }, (_, i) => rule(i));
    const { deadlines, evaluate } = setup(rules);
    for (let i = 0; i < 6; i++) {
      const due: Array<number | undefined> = rules.map(() => undefined);
      due[i] = 10;
      evaluate(thing(due), 0);
      expect(deadlines.get(0)).toEqual({ dueAt: 10, kind: FIRST_RULE_KIND + i });
    }
  });

  it('starts afresh at each evaluation: a deadline no rule asks for any more is dropped', () => {
    const { deadlines, evaluate } = setup([rule(0)]);
    evaluate(thing([100]), 0);
    evaluate(thing([500]), 0);
    expect(deadlines.get(0)?.dueAt).toBe(500);
    evaluate(thing([undefined]), 0);
    expect(deadlines.get(0)).toBeUndefined();
    expect(deadlines.size).toBe(0);
  });

  it('fires a rule from its due time on, not before, and resolves it at clearedAt', () => {
    const { deadlines, evaluate } = setup([rule(0), rule(1)]);
    expect(evaluate(thing([100, 400]), 99)).toEqual([]);
    const fired = evaluate(thing([100, 400]), 100);
    expect(fired.map((s) => [s.rule, s.condition, s.at, s.entityId, s.storeId, s.entityType])).toEqual([
      ['r0', 'firing', 100, 'X1', 'S1', 'order'],
    ]);
    // r0 holds and asks for nothing more; r1's time is the deadline.
    expect(deadlines.get(0)).toEqual({ dueAt: 400, kind: FIRST_RULE_KIND + 1 });
    expect(evaluate(thing([100, 400]), 150)).toEqual([]);
    const resolved = evaluate(thing([undefined, 400]), 200, 180);
    expect(resolved.map((s) => [s.rule, s.condition, s.at])).toEqual([['r0', 'resolved', 180]]);
  });

  it('is the eviction time of a finished entity no rule asks about, or none for an open one', () => {
    const { deadlines, evaluate } = setup([rule(0)]);
    evaluate(thing([undefined], { finished: true }), 50);
    expect(deadlines.get(0)).toEqual({ dueAt: 50 + RETAIN, kind: DEADLINE_KIND.evict });
    evaluate(thing([undefined]), 60);
    expect(deadlines.get(0)).toBeUndefined();
    // A finished entity a rule still asks about keeps that rule's deadline.
    evaluate(thing([70], { finished: true }), 60);
    expect(deadlines.get(0)).toEqual({ dueAt: 70, kind: FIRST_RULE_KIND });
  });

  it('names the two fixed kinds and keeps rule kinds clear of them', () => {
    expect(DEADLINE_KIND).toEqual({ evict: 1, recheck: 2 });
  });
});

describe('a rule that does not apply', () => {
  it('neither holds nor asks for a deadline when disabled or out of scope', () => {
    const off = { ...commonDefaults('warning'), enabled: false };
    const elsewhere = { ...commonDefaults('warning'), scope: { stores: ['S2'], excludeStores: [] } };
    for (const common of [off, elsewhere]) {
      const { deadlines, evaluate, entityRules } = setup([rule(0, common)]);
      expect(evaluate(thing([10]), 100)).toEqual([]);
      expect(evaluate(thing([200]), 100)).toEqual([]);
      expect(deadlines.size).toBe(0);
      entityRules.scheduleFirst(thing([200]), 0, DEFAULT_RULE_PARAMS, 100);
      expect(deadlines.size).toBe(0);
    }
  });

  it('ruleApplies needs the rule on and the store in scope', () => {
    const on = commonDefaults('info');
    expect(ruleApplies(on, 'S1')).toBe(true);
    expect(ruleApplies({ ...on, enabled: false }, 'S1')).toBe(false);
    expect(ruleApplies({ ...on, scope: { stores: ['S2'], excludeStores: [] } }, 'S1')).toBe(false);
    expect(ruleApplies({ ...on, scope: { stores: [], excludeStores: ['S1'] } }, 'S1')).toBe(false);
    expect(ruleApplies({ ...on, enabled: false, scope: { stores: ['S2'], excludeStores: [] } }, 'S1')).toBe(
      false,
    );
  });

  it('deadlineRule gives firstCheckAt the due time, past or future, of an applying rule only', () => {
    const r = rule(0);
    const f = facts();
    expect(r.firstCheckAt(thing([10]), DEFAULT_RULE_PARAMS, f, 100)).toBe(10);
    expect(r.firstCheckAt(thing([500]), DEFAULT_RULE_PARAMS, f, 100)).toBe(500);
    expect(r.firstCheckAt(thing([undefined]), DEFAULT_RULE_PARAMS, f, 100)).toBeUndefined();
    const off = rule(0, { ...commonDefaults('warning'), enabled: false });
    expect(off.firstCheckAt(thing([10]), DEFAULT_RULE_PARAMS, f, 100)).toBeUndefined();
    const asked: number[] = [];
    const next: NextChange = { at: (time) => asked.push(time) };
    expect(r.holding(thing([100]), DEFAULT_RULE_PARAMS, f, 99, next)).toBeUndefined();
    expect(r.holding(thing([100]), DEFAULT_RULE_PARAMS, f, 100, next)?.at).toBe(100);
    expect(r.holding(thing([undefined]), DEFAULT_RULE_PARAMS, f, 100, next)).toBeUndefined();
    expect(asked).toEqual([100]);
    expect(r.name).toBe('r0');
  });
});

describe('after a restart (scheduleFirst)', () => {
  it('schedules the earliest first check, past or not, with its rule kind', () => {
    const { deadlines, entityRules } = setup([rule(0), rule(1), rule(2)]);
    entityRules.scheduleFirst(thing([300, undefined, 40]), 0, DEFAULT_RULE_PARAMS, 100);
    expect(deadlines.get(0)).toEqual({ dueAt: 40, kind: FIRST_RULE_KIND + 2 });
    entityRules.scheduleFirst(thing([300, 200, 200]), 0, DEFAULT_RULE_PARAMS, 100);
    expect(deadlines.get(0)).toEqual({ dueAt: 200, kind: FIRST_RULE_KIND + 1 });
    entityRules.scheduleFirst(thing([150, 200, undefined]), 0, DEFAULT_RULE_PARAMS, 100);
    expect(deadlines.get(0)).toEqual({ dueAt: 150, kind: FIRST_RULE_KIND });
  });

  it('rechecks at once when a rule says its condition may hold already', () => {
    const mayHold: TimedEvaluator<Thing> = {
      name: 'may_hold',
      holding: () => undefined,
      firstCheckAt: () => RECHECK,
    };
    const { deadlines, entityRules } = setup([rule(0), mayHold, rule(1)]);
    entityRules.scheduleFirst(thing([10, 5]), 0, DEFAULT_RULE_PARAMS, 100);
    expect(deadlines.get(0)).toEqual({ dueAt: 100, kind: DEADLINE_KIND.recheck });
  });

  it('schedules the eviction of a finished entity nothing asks about, and nothing for an open one', () => {
    const { deadlines, entityRules } = setup([rule(0)]);
    entityRules.scheduleFirst(thing([undefined]), 0, DEFAULT_RULE_PARAMS, 100);
    expect(deadlines.size).toBe(0);
    entityRules.scheduleFirst(thing([undefined], { finished: true }), 0, DEFAULT_RULE_PARAMS, 100);
    expect(deadlines.get(0)).toEqual({ dueAt: 100 + RETAIN, kind: DEADLINE_KIND.evict });
    entityRules.scheduleFirst(thing([30], { finished: true }), 0, DEFAULT_RULE_PARAMS, 100);
    expect(deadlines.get(0)).toEqual({ dueAt: 30, kind: FIRST_RULE_KIND });
  });

  it('scheduleRecheck and scheduleEviction replace the deadline', () => {
    const { deadlines, entityRules } = setup([rule(0)]);
    entityRules.scheduleEviction(0, 10);
    expect(deadlines.get(0)).toEqual({ dueAt: 10 + RETAIN, kind: DEADLINE_KIND.evict });
    entityRules.scheduleRecheck(0, 20);
    expect(deadlines.get(0)).toEqual({ dueAt: 20, kind: DEADLINE_KIND.recheck });
    expect(deadlines.size).toBe(1);
  });
});

describe('mayForget', () => {
  it('forgets a finished entity from exactly the end of its retention, unless something fires for it', () => {
    const { entityRules, evaluate } = setup([rule(0)]);
    const done = thing([undefined], { finished: true, changedAt: 500 });
    expect(entityRules.isFinished(done)).toBe(true);
    expect(entityRules.mayForget(done, 500 + RETAIN - 1)).toBe(false);
    expect(entityRules.mayForget(done, 500 + RETAIN)).toBe(true);
    expect(entityRules.mayForget({ ...done, finished: false }, 500 + RETAIN)).toBe(false);
    expect(entityRules.isFinished({ ...done, finished: false })).toBe(false);
    // A condition still firing for it keeps it.
    evaluate(thing([10], { finished: true, changedAt: 500 }), 600);
    expect(entityRules.mayForget(done, 500 + RETAIN)).toBe(false);
    expect(entityRules.mayForget({ ...done, id: 'X2' }, 500 + RETAIN)).toBe(true);
  });
});
