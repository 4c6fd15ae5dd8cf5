import { describe, expect, it } from 'vitest';
import { BUILTIN_RULE_LIST, ruleEvaluators } from '../../../src/domain/rules/builtin-evaluators.ts';
import { RuleEngine } from '../../../src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import type { Signal } from '../../../src/domain/rules/signal.ts';
import { readBuiltinRules } from '../../../src/rules-config/builtin-rules.ts';
import { readYamlFile } from '../../../src/rules-config/yaml-file.ts';
import { MINUTE, orderStatus, T0 } from '../fixtures.ts';
import { orderUnpaid } from './order-unpaid.ts';

// The registration: the built-in list plus one line.
const RULES = [...BUILTIN_RULE_LIST, orderUnpaid] as const;

const brief = (signals: Signal[]) =>
  signals.map((s) => `${s.condition} ${s.rule} ${s.entityId} @${s.at - T0}`);

describe('a rule registered from its one file', () => {
  it('has its own key read from rules.yaml and fires in the engine with that value', () => {
    const yaml = readYamlFile(
      'rules.yaml',
      'rules:\n  order_unpaid:\n    unpaid_for: 5m\n    severity: warning\n  order_stalled:\n    limits: { paid: off }\n',
    );
    const read = readBuiltinRules(yaml.root, RULES);
    expect(yaml.errors).toEqual([]);
    expect(read.params.order_unpaid).toEqual({
      ...orderUnpaid.defaults,
      unpaidForMs: 5 * MINUTE,
      severity: 'warning',
    });
    expect(read.params.order_stalled.limitsMs).toEqual({ picking: 30 * MINUTE, packed: 12 * 60 * MINUTE });

    const engine = new RuleEngine(read.params, [], { rules: ruleEvaluators(RULES) });
    expect(engine.ingest(orderStatus('O1', 'created', T0), T0)).toEqual([]);
    expect(engine.tick(T0 + 5 * MINUTE - 1)).toEqual([]);
    const fired = engine.tick(T0 + 5 * MINUTE);
    expect(brief(fired)).toEqual([`firing order_unpaid O1 @${5 * MINUTE}`]);
    expect(fired[0]).toMatchObject({ entityType: 'order', severity: 'warning' });
    expect(brief(engine.ingest(orderStatus('O1', 'paid', T0 + 6 * MINUTE), T0 + 6 * MINUTE))).toEqual([
      `resolved order_unpaid O1 @${6 * MINUTE}`,
    ]);
  });

  it('keeps its defaults when rules.yaml does not name it, and its bad values are reported at their line', () => {
    const defaults = readBuiltinRules(readYamlFile('rules.yaml', 'rules: {}\n').root, RULES);
    expect(defaults.params.order_unpaid).toEqual(orderUnpaid.defaults);

    const bad = readYamlFile('rules.yaml', 'rules:\n  order_unpaid:\n    unpaid_for: soon\n    unpaid: 5m\n');
    readBuiltinRules(bad.root, RULES);
    expect(bad.errors.map(({ file, rule, line }) => ({ file, rule, line }))).toEqual([
      { file: 'rules.yaml', rule: 'order_unpaid', line: 4 },
      { file: 'rules.yaml', rule: 'order_unpaid', line: 3 },
    ]);
  });

  it('is unknown to the loader and silent in the engine without its registration line', () => {
    const yaml = readYamlFile('rules.yaml', 'rules:\n  order_unpaid:\n    unpaid_for: 5m\n');
    readBuiltinRules(yaml.root);
    expect(yaml.errors.map((e) => e.message)).toEqual([
      expect.stringContaining('unknown built-in rule "order_unpaid"'),
    ]);

    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'created', T0), T0);
    expect(engine.tick(T0 + 60 * MINUTE)).toEqual([]);
  });
});
