// A committed batch naming an order the engine does not hold waits for the store's word on it
// before it is applied, and the batches committed after it wait their turn. Those later batches
// must not ask the store about an order a waiting batch already names: under steady traffic every
// batch would then look orders up (each one queued behind the previous lookup), a cascade that
// showed in the ingest benchmark's latency. On every store kind, through POST /v1/events.
import { describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { interceptQueries } from '../support/intercept-queries.ts';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS } from '../support/test-database.ts';
import { byEntity, ev, MINUTE, startHarness } from './alerting-harness.ts';

/** The real store; each verdict lookup's order ids are recorded and the first one is held. */
function recordVerdictLookups(db: Database) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const lookups: string[][] = [];
  const recording = interceptQueries(db, async (sql, params) => {
    if (sql.includes('FROM orders o WHERE o.order_id = ANY')) {
      lookups.push([...((params?.[0] as string[]) ?? [])]);
      if (lookups.length === 1) await released;
    }
  });
  return { db: recording, lookups, release };
}

describe.each(STORE_KINDS)('batches waiting for the store verdict (%s)', (kind) => {
  it('a batch behind a lookup does not look up an order the waiting batch names, and applies after it', async () => {
    const store = await openTestDatabase(kind);
    const { db, lookups, release } = recordVerdictLookups(store.db);
    const h = await startHarness(db);
    try {
      const t = h.clock.now;
      const post = (events: unknown[]) =>
        h.app.server.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { ...auth('ingest'), 'content-type': 'application/json' },
          payload: JSON.stringify(events),
        });
      // First seen at `paid`: the engine asks the store whether VQ-1 finished long ago (held).
      expect((await post([ev.order('VQ-1', 'paid', t - 3 * MINUTE)])).statusCode).toBe(202);
      await vi.waitFor(() => expect(lookups).toHaveLength(1), { timeout: 15_000 });
      // Committed while that lookup is held: VQ-1 moves on; VQ-2 is new to both batches.
      expect(
        (
          await post([
            ev.order('VQ-1', 'picking', t - 2.5 * MINUTE),
            ev.order('VQ-2', 'paid', t - 3 * MINUTE),
          ])
        ).statusCode,
      ).toBe(202);
      await vi.waitFor(() => expect(lookups).toHaveLength(2), { timeout: 15_000 });
      expect(lookups).toEqual([['VQ-1'], ['VQ-2']]);

      release();
      await h.app.alerting.settled();
      await h.advance(0);
      // Applied in commit order: VQ-1 is picking (its paid stall resolved or never opened), VQ-2 stalls.
      const stalled = byEntity(await h.alerts(), 'order_stalled');
      expect(stalled.has('VQ-2')).toBe(true);
      expect(stalled.get('VQ-1')?.status ?? 'none').not.toBe('firing');
    } finally {
      release();
      await h.close();
      await store.dispose();
    }
  });
});
