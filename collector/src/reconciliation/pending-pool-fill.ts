// A bill's pending pool items, built and stored a slice at a time. At a million lines the pool holds
// about 30,000 items; building and serialising them at once held the main thread for a few hundred
// milliseconds, and every event acknowledged by this process meanwhile waited for it. Each slice is
// one statement, as each 2,000 items were before: nothing here runs in a transaction, a failure leaves
// the slices before it stored, and the next upload of the file adds the rest (the items are keyed).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Queryable } from '../store/database.ts';
import { type PoolSources, pendingItems, poolSourceSlices } from './pending-items.ts';
import { addPendingItems } from './pending-queries.ts';

/**
 * Items per slice: building and serialising 500 took 20–30 ms of the main thread under the profiler at
 * 1M lines (about half that without it); 250 keeps a slice under ~10 ms.
 */
export const POOL_SLICE = 250;

/** Adds the reconciliation's pool items not yet in the pool; answers how many were added. */
export async function fillPendingPool(
  q: Queryable,
  provider: BillProvider,
  r: PoolSources,
  dayOf: (ms: number) => string,
  importId: number,
  at: number,
  sliceSize = POOL_SLICE,
): Promise<number> {
  let added = 0;
  for (const slice of poolSourceSlices(r, sliceSize)) {
    added += await addPendingItems(q, importId, at, pendingItems(provider, slice, dayOf));
    // the embedded store answers without leaving this thread: let timers and sockets run between slices
    await nextTurn();
  }
  return added;
}
