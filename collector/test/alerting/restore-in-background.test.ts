// The collector listens before its open orders are restored (a million take seconds): /healthz
// answers, /readyz is 503 with the progress, events are taken and stored, and the engine applies
// them once the restore ends — none lost, none counted twice — on every store kind.
import { describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { interceptQueries } from '../support/intercept-queries.ts';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS } from '../support/test-database.ts';
import { byEntity, copyRules, ev, MINUTE, SECOND, startHarness, T0 } from './alerting-harness.ts';

/** The real store, with the restore's order-page query held until `release()`. */
function holdOrderPages(db: Database) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const state = { held: 0, release };
  const gated = interceptQueries(db, async (sql) => {
    if (sql.includes('FROM orders o') && sql.includes('o.order_id > $1')) {
      state.held++;
      await released;
    }
  });
  return { db: gated, state };
}

describe.each(STORE_KINDS)('listening while the open orders are restored (%s)', (kind) => {
  it('answers health, reports progress, takes events and applies each once when the restore ends', async () => {
    const store = await openTestDatabase(kind);
    const rulesDir = copyRules();
    try {
      const before = await startHarness(store.db, { rulesDir });
      await before.post([
        ev.order('RB-A', 'paid', T0), // stalls at T0 + 2 min
        ev.order('RB-B', 'paid', T0), // would stall, but moves on during the restore
        ev.shipment('RB-S', 'SFRB1', 'in_transit', T0),
      ]);
      await before.close();

      const { db, state } = holdOrderPages(store.db);
      const h = await startHarness(db, { rulesDir, now: T0 + 90 * SECOND, restoreOrdersInBackground: true });
      try {
        await vi.waitFor(() => expect(state.held).toBe(1), { timeout: 15_000 });
        expect((await h.app.server.inject('/healthz')).statusCode).toBe(200);
        const restoring = await h.app.server.inject({ url: '/readyz', headers: auth('viewer') });
        expect(restoring.statusCode).toBe(503);
        expect(restoring.json().checks.alerting).toMatchObject({
          ok: false,
          detail: { state: 'restoring', shipments: 1, orders: 0 },
        });

        // Taken and stored during the restore. RB-B's step is also in the order pages read after it
        // (applied twice: absorbed). RB-S comes back once, then moves on: counted once it stays
        // below shipment_anomaly's 2 returns.
        await h.post([
          ev.order('RB-B', 'picking', T0 + MINUTE),
          ev.order('RB-C', 'created', T0 + 90 * SECOND),
          ev.payment('RB-C', T0 + 90 * SECOND), // payment_unapplied at T0 + 3.5 min
          ev.shipment('RB-S', 'SFRB1', 'returned', T0 + 30 * SECOND),
          ev.shipment('RB-S', 'SFRB1', 'in_transit', T0 + MINUTE),
        ]);
        expect(
          (await h.app.server.inject({ url: '/readyz', headers: auth('viewer') })).json().checks.alerting
            .detail.waitingEvents,
        ).toBe(5);
        await h.advance(0); // a tick during the restore does nothing
        expect(await h.alerts()).toEqual([]);

        state.release();
        await h.app.alerting.restored();
        const ready = await h.app.server.inject({ url: '/readyz', headers: auth('viewer') });
        expect(ready.statusCode).toBe(200);
        expect(ready.json().checks.alerting.detail).toMatchObject({
          state: 'running',
          waitingEvents: 0,
        });

        h.clock.now = T0 + 4 * MINUTE;
        await h.advance(0);
        const alerts = await h.alerts();
        expect(byEntity(alerts, 'order_stalled').has('RB-A')).toBe(true);
        expect(byEntity(alerts, 'order_stalled').has('RB-B')).toBe(false);
        expect(byEntity(alerts, 'payment_unapplied').has('RB-C')).toBe(true);
        expect(byEntity(alerts, 'shipment_anomaly').has('sf\u001fSFRB1')).toBe(false);
      } finally {
        state.release();
        await h.close();
      }
    } finally {
      await store.dispose();
    }
  });
});
