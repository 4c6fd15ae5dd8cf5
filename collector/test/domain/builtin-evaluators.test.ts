import { expect, it } from 'vitest';
import { BUILTIN_EVALUATORS } from '../../src/domain/rules/builtin-evaluators.ts';
import { BUILTIN_RULES } from '../../src/domain/rules/params.ts';
import { SHIPMENT_EVENT_RULE } from '../../src/domain/rules/shipment-event.ts';

it('the engine evaluates every built-in rule exactly once, and shipment_event besides', () => {
  const names = Object.values(BUILTIN_EVALUATORS)
    .flat()
    .map((evaluator) => evaluator.name);
  expect(names.toSorted()).toEqual([...BUILTIN_RULES, SHIPMENT_EVENT_RULE].toSorted());
});
