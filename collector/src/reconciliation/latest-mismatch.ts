// Each store's unmatched share on its newest reconciled day, for the per-store mismatch gauge.
import { mismatchShare } from '../domain/reconciliation/day-figures.ts';
import { mismatchRates, type StoreReconciliationResult } from '../domain/rules/reconciliation-mismatch.ts';
import type { Queryable } from '../store/database.ts';
import { storeResults } from './store-trend-queries.ts';

const DAY_MS = 86_400_000;
const LOOKBACK_DAYS = 7;

export async function latestMismatchByStore(
  db: Queryable,
  timeZone: string,
  now: number,
): Promise<{ store: string; value: number }[]> {
  const day = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(ms);
  const results = await storeResults(db, day(now - LOOKBACK_DAYS * DAY_MS), day(now));
  const newest = new Map<string, StoreReconciliationResult>();
  for (const r of results) {
    const seen = newest.get(r.storeId);
    if (!seen || r.day > seen.day) newest.set(r.storeId, r);
  }
  const out: { store: string; value: number }[] = [];
  for (const r of newest.values()) {
    const rates = mismatchRates([r]);
    if (rates) out.push({ store: r.storeId, value: mismatchShare(rates) });
  }
  return out;
}
