// Each store's unmatched share on the business day (today in ORDERPULSE_TZ), for the per-store
// mismatch gauge: the figures the wall's reconciliation panel and the reconciliation_daily view show.
// A store not reconciled today has no sample, so an old day never reads as today's.
import { mismatchShare } from '../domain/reconciliation/day-figures.ts';
import { mismatchRates } from '../domain/rules/reconciliation-mismatch.ts';
import type { Queryable } from '../store/database.ts';
import { reconciliationToday } from './reconciliation-today.ts';

export async function todayMismatchByStore(
  db: Queryable,
  timeZone: string,
  now: number,
): Promise<{ store: string; value: number }[]> {
  const today = await reconciliationToday(db, timeZone, now);
  const out: { store: string; value: number }[] = [];
  for (const r of today.byStore.values()) {
    const rates = mismatchRates([r]);
    if (rates) out.push({ store: r.storeId, value: mismatchShare(rates) });
  }
  return out;
}
