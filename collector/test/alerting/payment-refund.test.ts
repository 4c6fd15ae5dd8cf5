// A successful refund clears payment_unapplied through the running service (POST /v1/events), and
// stays cleared across a restart that rebuilds the engine from the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { byEntity, copyRules, ev, HOUR, iso, MINUTE, SECOND, startHarness, T0 } from './alerting-harness.ts';

describe.each(STORE_KINDS)('payment_unapplied and refunds (%s)', (kind) => {
  let store: TestDatabase;
  const rulesDir = copyRules();

  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it('a refund resolves the open alert; a refunded payment does not fire again after a restart', async () => {
    const first = await startHarness(store.db, { rulesDir, now: T0 });
    await first.post([
      ev.order('RF-1', 'created', T0 - 5 * MINUTE),
      ev.payment('RF-1', T0 - 4 * MINUTE, { transaction_id: 'tx-rf-1' }),
      // Refunded before its limit: due during the downtime below, must not fire then either.
      ev.order('RF-2', 'created', T0),
      ev.payment('RF-2', T0, { transaction_id: 'tx-rf-2' }),
      ev.payment('RF-2', T0 + SECOND, { transaction_id: 'tx-rf-2', status: 'refund' }),
      // Control: no refund, fires after the restart.
      ev.order('RF-3', 'created', T0),
      ev.payment('RF-3', T0, { transaction_id: 'tx-rf-3' }),
    ]);
    const open = byEntity(await first.alerts(), 'payment_unapplied').get('RF-1');
    expect(open).toMatchObject({ status: 'firing' });

    await first.post([ev.payment('RF-1', T0, { transaction_id: 'tx-rf-1', status: 'refund' })]);
    expect(byEntity(await first.alerts(), 'payment_unapplied').has('RF-1')).toBe(false);
    const resolved = byEntity(await first.alerts('?status=resolved'), 'payment_unapplied').get('RF-1');
    expect(resolved).toMatchObject({ id: open!.id, resolved_at: iso(T0) });
    await first.close();

    const second = await startHarness(store.db, { rulesDir, now: T0 + HOUR });
    try {
      const firing = byEntity(await second.alerts(), 'payment_unapplied');
      expect([...firing.keys()]).toEqual(['RF-3']);
    } finally {
      await second.close();
    }
  });
});
