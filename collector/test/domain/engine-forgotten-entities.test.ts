// Finished orders and shipments are forgotten 24 h after they finish. A late event for one of them
// asks for the store's verdict; with the store's finished state adopted, it opens nothing.
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/events.ts';
import type { OrderState } from '../../src/domain/order-lifecycle.ts';
import { RuleEngine } from '../../src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import { carrierUpdate, HOUR, MINUTE, orderStatus, payment, T0 } from './fixtures.ts';

const forgotten = (): { engine: RuleEngine; stored: OrderState } => {
  const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
  engine.ingest(orderStatus('O1', 'created', T0), T0);
  engine.ingest(payment('O1', T0 + 1000), T0 + 1000);
  engine.ingest(orderStatus('O1', 'delivered', T0 + MINUTE), T0 + MINUTE);
  const stored = engine.order('O1')!;
  engine.tick(T0 + 25 * HOUR);
  expect(engine.order('O1')).toBeUndefined();
  return { engine, stored };
};

describe('late events for forgotten entities', () => {
  it('asks for the store verdict for unknown entities, except orders created recently in the batch', () => {
    const { engine } = forgotten();
    const now = T0 + 25 * HOUR;
    const ids = (events: StoredEvent[]) => engine.needingStoreVerdict(events, now).map((e) => e.id);
    const latePaid = orderStatus('O1', 'paid', T0 + 2000);
    const latePayment = payment('O1', T0 + 3000);
    const lateCreated = orderStatus('O1', 'created', T0);
    expect(ids([latePaid, latePayment, lateCreated])).toEqual([latePaid.id, latePayment.id, lateCreated.id]);
    // A new order: its recent `created` in the same batch vouches for the `paid` after it.
    const created = orderStatus('N1', 'created', now - HOUR);
    const paid = orderStatus('N1', 'paid', now);
    expect(ids([created, paid])).toEqual([]);
    // A new order first seen at `paid` is asked about (the store says it is not finished).
    expect(ids([orderStatus('N2', 'paid', now)])).toHaveLength(1);
    // Held entities are not asked about.
    engine.ingest(created, now);
    expect(ids([orderStatus('N1', 'picking', now)])).toEqual([]);
    const update = carrierUpdate('N1', 'T1', 'in_transit', now);
    expect(ids([update])).toEqual([update.id]);
    engine.ingest(update, now);
    expect(ids([carrierUpdate('N1', 'T1', 'delivered', now)])).toEqual([]);
  });

  it('without the verdict a late `paid` starts the order over and fires; with it nothing opens', () => {
    const now = T0 + 25 * HOUR;
    const late = orderStatus('O1', 'paid', T0 + 2000);
    const bare = forgotten().engine;
    expect(bare.ingest(late, now).map((s) => `${s.condition} ${s.rule}`)).toEqual(['firing order_stalled']);

    const { engine, stored } = forgotten();
    engine.adoptFinished([stored], [], now);
    expect(engine.ingest(late, now)).toEqual([]);
    expect(engine.ingest(payment('O1', T0 + 3000), now)).toEqual([]);
    expect(engine.order('O1')?.status).toBe('delivered');
    expect(engine.tick(now + 10 * MINUTE)).toEqual([]);
    // Kept only as long as any finished order, then forgotten again.
    engine.tick(now + 24 * HOUR);
    expect(engine.order('O1')).toBeUndefined();
  });

  it('adopts only finished states, and never over an order it holds', () => {
    const { engine, stored } = forgotten();
    const now = T0 + 25 * HOUR;
    engine.adoptFinished([{ ...stored, orderId: 'O2', status: 'paid' }], [], now);
    expect(engine.order('O2')).toBeUndefined();
    engine.ingest(orderStatus('O3', 'paid', now), now);
    engine.adoptFinished([{ ...stored, orderId: 'O3' }], [], now);
    expect(engine.order('O3')?.status).toBe('paid');
  });
});
