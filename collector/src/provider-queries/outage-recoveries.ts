// Each recent callback outage with what the queries recovered from it: read by the incidents API and
// by the resolve notification of `callback_silent`.
import {
  type OutageRecovery,
  outageRecovery,
  outageWindow,
} from '../domain/payment-queries/outage-recovery.ts';
import type { OutageRecoveryFigures } from '../notify/notification.ts';
import type { Queryable } from '../store/database.ts';
import { callbackOutages, outageFacts } from './outage-facts.ts';

/** With `stores`, every figure counts those stores' orders only. */
export async function outageRecoveries(
  q: Queryable,
  now: number,
  options: { resolvedSince: number; limit: number; alertId?: string; stores?: readonly string[] },
): Promise<OutageRecovery[]> {
  const recoveries: OutageRecovery[] = [];
  for (const outage of await callbackOutages(q, options)) {
    const facts = await outageFacts(q, outage.provider, outageWindow(outage, now), options.stores);
    recoveries.push(outageRecovery(outage, facts, now));
  }
  return recoveries;
}

/** The figures a resolve notification carries for these `callback_silent` alerts, one per alert. */
export async function recoveryFigures(
  q: Queryable,
  alerts: readonly { id: string }[],
  now: number,
): Promise<OutageRecoveryFigures[]> {
  const figures: OutageRecoveryFigures[] = [];
  for (const alert of alerts) {
    const [recovery] = await outageRecoveries(q, now, { resolvedSince: 0, limit: 1, alertId: alert.id });
    if (recovery === undefined) continue;
    figures.push({
      provider: recovery.provider,
      confirmedByQuery: recovery.confirmedByQuery,
      applied: recovery.applied,
      remaining: recovery.remaining,
    });
  }
  return figures;
}
