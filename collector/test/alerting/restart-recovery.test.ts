// Restart recovery: a new process rebuilds the engine from the store tables, so a deadline that
// passed while it was down fires right after start (no event, no tick needed), and alerts that were
// open stay open — the same alert, never a duplicate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { byEntity, copyRules, ev, HOUR, iso, MINUTE, SECOND, startHarness, T0 } from './alerting-harness.ts';

describe.each(STORE_KINDS)('restart recovery (%s)', (kind) => {
  let store: TestDatabase;
  const rulesDir = copyRules();

  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it('fires deadlines that passed during downtime right after start and keeps open alerts open', async () => {
    const first = await startHarness(store.db, { rulesDir, now: T0 });
    await first.post([
      // Due 2 min after paid, i.e. while the collector is down.
      ev.order('R-DUE', 'paid', T0),
      // A payment whose order is never paid: payment_unapplied due at T0 + 2 min, also during downtime.
      ev.order('R-PAY', 'created', T0 - SECOND),
      ev.payment('R-PAY', T0),
      // Already stalled before the restart: open alert that must survive it.
      ev.order('R-OPEN', 'paid', T0 - 10 * MINUTE),
      // A shipment silent for 48 h by T0 + 1 h.
      ev.shipment('R-SHIP', 'SF-R1', 'in_transit', T0 - 47 * HOUR),
      // Delivered in time: nothing may fire for it after the restart.
      ev.order('R-DONE', 'paid', T0),
      ev.order('R-DONE', 'delivered', T0 + SECOND),
    ]);
    const before = byEntity(await first.alerts(), 'order_stalled');
    expect([...before.keys()]).toEqual(['R-OPEN']);
    const openId = before.get('R-OPEN')!.id;
    await first.close();

    // Down for two hours; then a new process on the same store.
    const second = await startHarness(store.db, { rulesDir, now: T0 + 2 * HOUR });
    try {
      const alerts = await second.alerts();
      const stalled = byEntity(alerts, 'order_stalled');
      expect(stalled.get('R-DUE')).toMatchObject({ status: 'firing', started_at: iso(T0 + 2 * MINUTE) });
      expect(stalled.get('R-OPEN')).toMatchObject({ id: openId, status: 'firing' });
      expect(stalled.has('R-DONE')).toBe(false);
      expect(byEntity(alerts, 'payment_unapplied').get('R-PAY')?.started_at).toBe(iso(T0 + 2 * MINUTE));
      expect(byEntity(alerts, 'tracking_silent').get('sf\u001fSF-R1')?.started_at).toBe(iso(T0 + HOUR));

      const { rows } = await store.db.query<{ rule: string; entity_id: string; n: number }>(
        `SELECT rule, entity_id, count(*)::int AS n FROM alerts GROUP BY rule, entity_id HAVING count(*) > 1`,
      );
      expect(rows).toEqual([]);

      // The restored state is live: the stalled orders move on and their alerts resolve.
      await second.post([
        ev.order('R-OPEN', 'picking', T0 + 2 * HOUR),
        ev.order('R-DUE', 'picking', T0 + 2 * HOUR),
      ]);
      const after = byEntity(await second.alerts(), 'order_stalled');
      expect(after.has('R-OPEN')).toBe(false);
      expect(after.has('R-DUE')).toBe(false);
      const resolved = byEntity(await second.alerts('?status=resolved'), 'order_stalled').get('R-OPEN');
      expect(resolved).toMatchObject({ id: openId, resolved_at: iso(T0 + 2 * HOUR) });
    } finally {
      await second.close();
    }
  });

  it('an acknowledged alert is still acknowledged after a restart', async () => {
    const first = await startHarness(store.db, { rulesDir, now: T0 + 3 * HOUR });
    await first.post([ev.order('R-ACK', 'paid', T0 + 2 * HOUR)]);
    const alert = byEntity(await first.alerts(), 'order_stalled').get('R-ACK')!;
    const ack = await first.app.server.inject({
      method: 'POST',
      url: `/v1/alerts/${alert.id}/ack`,
      headers: { authorization: 'Bearer operator-secret-1' },
    });
    expect(ack.statusCode).toBe(200);
    await first.close();

    const second = await startHarness(store.db, { rulesDir, now: T0 + 4 * HOUR });
    try {
      await second.advance(SECOND);
      const again = byEntity(await second.alerts(), 'order_stalled').get('R-ACK');
      expect(again).toMatchObject({ id: alert.id, status: 'acknowledged', acknowledged_by: 'operator' });
    } finally {
      await second.close();
    }
  });
});
