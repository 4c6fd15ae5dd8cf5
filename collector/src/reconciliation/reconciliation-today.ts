// Today's reconciliation per store, for the live panel: the daily results the bills produced and the
// pool items of today still waiting, both read from the store so the wall shows what the API shows.
import { localDayFn } from '../domain/reconciliation/local-day.ts';
import type { StoreReconciliationToday } from '../live/live-panels.ts';
import type { Queryable } from '../store/database.ts';
import { waitingPendingByStore } from './pending-queries.ts';
import { storeResults } from './store-trend-queries.ts';

export async function reconciliationToday(
  db: Queryable,
  timeZone: string,
  now: number,
): Promise<{ day: string; byStore: Map<string, StoreReconciliationToday> }> {
  const day = localDayFn(timeZone)(now);
  const results = await storeResults(db, day, day);
  const waiting = await waitingPendingByStore(db, day);
  const byStore = new Map<string, StoreReconciliationToday>();
  for (const r of results) byStore.set(r.storeId, { ...r, pending: waiting.get(r.storeId) ?? 0 });
  for (const [storeId, pending] of waiting)
    if (!byStore.has(storeId))
      byStore.set(storeId, {
        storeId,
        day,
        paymentsTotal: 0,
        ordersTotal: 0,
        unmatchedPayments: 0,
        unmatchedOrders: 0,
        pending,
      });
  return { day, byStore };
}
