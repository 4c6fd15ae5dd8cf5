// A successful refund clears payment_unapplied: the money went back, there is nothing to apply.
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import type { Signal } from '../../src/domain/rules/signal.ts';
import { HOUR, MINUTE, orderStatus, payment, SECOND, T0 } from './fixtures.ts';

const unapplied = (signals: Signal[]) =>
  signals
    .filter((s) => s.rule === 'payment_unapplied')
    .map((s) => `${s.condition} ${s.entityId} @${s.at - T0}`);

describe('payment_unapplied and refunds', () => {
  it('a refund resolves a firing payment_unapplied at the refund time', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'created', T0), T0);
    engine.ingest(payment('O1', T0), T0);
    expect(unapplied(engine.tick(T0 + 2 * MINUTE))).toEqual([`firing O1 @${2 * MINUTE}`]);
    const refund = engine.ingest(payment('O1', T0 + 5 * MINUTE, { status: 'refund' }), T0 + 5 * MINUTE);
    expect(unapplied(refund)).toEqual([`resolved O1 @${5 * MINUTE}`]);
    expect(unapplied(engine.tick(T0 + HOUR))).toEqual([]);
  });

  it('a refund before the limit passes means it never fires', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O2', 'created', T0), T0);
    engine.ingest(payment('O2', T0), T0);
    expect(unapplied(engine.ingest(payment('O2', T0 + MINUTE, { status: 'refund' }), T0 + MINUTE))).toEqual(
      [],
    );
    expect(unapplied(engine.tick(T0 + 10 * MINUTE))).toEqual([]);
    expect(engine.firingSignals()).toEqual([]);
  });

  it('a success notification arriving after its refund (out of order) does not fire', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O3', 'created', T0), T0);
    engine.ingest(payment('O3', T0 + MINUTE, { status: 'refund' }), T0 + MINUTE);
    expect(unapplied(engine.ingest(payment('O3', T0), T0 + 10 * MINUTE))).toEqual([]);
    expect(unapplied(engine.tick(T0 + 20 * MINUTE))).toEqual([]);
  });

  it('a closed payment or a refund of another order changes nothing', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O4', 'created', T0), T0);
    engine.ingest(payment('O4', T0), T0);
    engine.ingest(payment('O4', T0 + SECOND, { status: 'closed' }), T0 + SECOND);
    engine.ingest(payment('O5', T0 + SECOND, { status: 'refund' }), T0 + SECOND);
    expect(unapplied(engine.tick(T0 + 2 * MINUTE))).toEqual([`firing O4 @${2 * MINUTE}`]);
  });
});
