// A late event for an order or shipment that finished and was forgotten by the engine (kept 24 h
// after it finished), or that finished before a restart and so was never restored, must not start
// it over: the store knows it is past the point where deadlines run, and the engine takes its word.
// Events in over POST /v1/events, alerts out over GET /v1/alerts, on every store kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { byEntity, ev, type Harness, HOUR, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

const ORDER_RULES = ['payment_unapplied', 'order_stalled'];

describe.each(STORE_KINDS)('late events for finished, forgotten entities (%s)', (kind) => {
  let store: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    h = await startHarness(store.db);
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  const openFor = async (entityId: string, rules: readonly string[]) => {
    const alerts = await h.alerts();
    return rules.filter((rule) => byEntity(alerts, rule).has(entityId));
  };

  it('a late `paid` and payment for a delivered order forgotten 24 h later opens nothing', async () => {
    const t = h.clock.now;
    await h.post([
      ev.order('LF-1', 'created', t),
      ev.payment('LF-1', t + SECOND),
      ev.order('LF-1', 'delivered', t + MINUTE),
    ]);
    await h.advance(25 * HOUR); // the engine forgets LF-1 (finished more than 24 h ago)
    // Reports of the order's paid step (from another source) and of its payment arrive now.
    await h.post([ev.order('LF-1', 'paid', t + 2 * SECOND), ev.payment('LF-1', t + 3 * SECOND)]);
    await h.advance(3 * MINUTE);
    expect(await openFor('LF-1', ORDER_RULES)).toEqual([]);
    // A genuinely new order in the same situation still fires: the question was not "skip unknowns".
    const n = h.clock.now;
    await h.post([ev.order('LF-NEW', 'paid', n - 3 * MINUTE)]);
    expect(await openFor('LF-NEW', ORDER_RULES)).toEqual(['order_stalled']);
  });

  it('a late carrier update for a delivered, forgotten shipment does not start tracking_silent', async () => {
    const t = h.clock.now;
    await h.post([
      ev.shipment('LF-2', 'SFLF2', 'in_transit', t),
      ev.shipment('LF-2', 'SFLF2', 'delivered', t + HOUR),
    ]);
    // The `delivered` key-event alert holds the shipment for 6 h; 24 h after that it is forgotten.
    await h.advance(26 * HOUR);
    await h.advance(25 * HOUR);
    // Without the store's word this update would start a shipment silent since t + 30 min (> 48 h).
    await h.post([ev.shipment('LF-2', 'SFLF2', 'in_transit', t + 30 * MINUTE, { location: '广东省深圳市' })]);
    await h.advance(MINUTE);
    expect(await openFor('sf\u001fSFLF2', ['tracking_silent', 'shipment_anomaly'])).toEqual([]);
  });

  it('after a restart, a late `paid` for an order that finished before it opens nothing', async () => {
    const t = h.clock.now;
    await h.post([ev.order('LF-3', 'created', t), ev.order('LF-3', 'cancelled', t + MINUTE)]);
    await h.close();
    // Restarted 2 h later: LF-3 is cancelled, so it is not among the orders restored.
    h = await startHarness(store.db, { now: t + 2 * HOUR });
    await h.post([ev.order('LF-3', 'paid', t + 30 * SECOND), ev.payment('LF-3', t + 30 * SECOND)]);
    await h.advance(3 * MINUTE);
    expect(await openFor('LF-3', ORDER_RULES)).toEqual([]);
  });
});
