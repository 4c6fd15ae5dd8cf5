// The commit path's lookups are paced: commits arriving while one runs, or within the interval,
// share the next lookup instead of each costing the store a query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/events.ts';
import { PendingHealer } from '../../src/reconciliation/pending-healer.ts';
import type { Queryable } from '../../src/store/database.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const created = (orderId: string): StoredEvent => ({
  type: 'order.status',
  id: `e-${orderId}`,
  source: 'pos',
  occurredAt: 1_717_200_000_000,
  receivedAt: 1_717_200_000_001,
  orderId,
  storeId: 'S1',
  status: 'created',
});

describe.each(STORE_KINDS)('pending healer pace (%s)', (kind) => {
  let store: TestDatabase;
  const lookups: unknown[][] = [];
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(() => store?.dispose());

  it('merges the commits of one interval into one lookup, and ignores events that explain nothing', async () => {
    const counting: Queryable = {
      query: (statement, values) => {
        lookups.push([...(values ?? [])]);
        return store.db.query(statement, values);
      },
    };
    const healer = new PendingHealer(counting, { minIntervalMs: 3000 });
    healer.onCommitted([created('A')]);
    healer.onCommitted([created('B')]);
    const shipment: StoredEvent = {
      type: 'shipment.update',
      id: 'ship-D',
      source: 'pos',
      occurredAt: 1_717_200_000_000,
      receivedAt: 1_717_200_000_001,
      orderId: 'D',
      storeId: 'S1',
      carrier: 'yuantong',
      trackingNo: 'YT1',
      state: 'created',
    };
    healer.onCommitted([created('C'), shipment]);
    await healer.idle();
    expect(lookups.map((values) => values[0])).toEqual([['A'], ['B', 'C']]);
    // Within the interval of the last lookup: the next one waits and takes both commits.
    healer.onCommitted([created('E')]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    healer.onCommitted([created('F')]);
    await healer.idle();
    expect(lookups.map((values) => values[0])).toEqual([['A'], ['B', 'C'], ['E', 'F']]);
  });
});
