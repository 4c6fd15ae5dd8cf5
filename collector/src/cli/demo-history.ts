// The demo's month of reconciled history, sent before the live simulation so the managers' page has
// trends, the chain average and the repeat offenders as soon as the demo is up.
import { buildChain } from '../simulator/chain.ts';
import { type BackfillConfig, daysBefore, repeatOffenders } from '../simulator/history-backfill.ts';
import {
  type BackfillSummary,
  type BackfillTarget,
  sendBackfill,
} from '../simulator/sender/send-backfill.ts';

export const DEMO_HISTORY_DAYS = 30;

/**
 * Small enough per store that 30 days of 327 stores go in within seconds on the embedded store, large
 * enough that one lost sale moves a store's daily rate visibly above the 1 % threshold.
 */
export function demoHistoryConfig(seed: number, stores: number): BackfillConfig {
  const chain = buildChain(seed, stores);
  return {
    seed,
    chain,
    ordersPerStorePerDay: 4,
    offenders: repeatOffenders(seed, chain, Math.min(stores, Math.max(2, Math.round(stores / 100)))),
    badDayShare: 0.6,
    missingShare: 0.6,
  };
}

export async function sendDemoHistory(
  target: BackfillTarget,
  options: { seed: number; stores: number; nowMs: number; signal?: AbortSignal },
): Promise<BackfillSummary & { offenders: BackfillConfig['offenders'] }> {
  const config = demoHistoryConfig(options.seed, options.stores);
  const summary = await sendBackfill({
    target,
    config,
    days: daysBefore(options.nowMs, DEMO_HISTORY_DAYS),
    ...(options.signal && { signal: options.signal }),
  });
  return { ...summary, offenders: config.offenders };
}
