// The wall display's big figures and provider states, derived from panel data. Pure.
import type {
  CallbacksPanel,
  OpenStallsPanel,
  OrdersPerMinutePanel,
} from '../../../collector/src/live/events.ts';
import { CALLBACK_SILENT_AFTER_MS, CALLBACK_SILENT_CRIT_MS } from './thresholds.ts';

/** Rules whose open alerts count as "stalls" on the wall. */
export const STALL_RULES = ['order_stalled', 'payment_unapplied'] as const;

/** Orders created in the newest complete minute (the last bucket is still filling). */
export function ordersPerMinute(panel: OrdersPerMinutePanel): number | null {
  const m = panel.minutes;
  if (m.length === 0) return null;
  const complete = m.length >= 2 ? m[m.length - 2]! : m[m.length - 1]!;
  return complete.byStatus.created ?? 0;
}

/** Mean orders created per complete minute over the panel's hour. */
export function ordersHourAverage(panel: OrdersPerMinutePanel): number | null {
  const complete = panel.minutes.slice(0, -1);
  if (complete.length === 0) return null;
  return complete.reduce((sum, m) => sum + (m.byStatus.created ?? 0), 0) / complete.length;
}

export function openStalls(panel: OpenStallsPanel): number {
  return STALL_RULES.reduce((sum, rule) => sum + (panel.byRule[rule] ?? 0), 0);
}

export type ProviderState = 'ok' | 'silent' | 'crit' | 'never';

export interface ProviderStatus {
  provider: string;
  state: ProviderState;
  silentMinutes: number;
}

export function providerStatuses(panel: CallbacksPanel, now: number): ProviderStatus[] {
  return panel.providers.map((p) => {
    if (p.lastHeardAt === null) return { provider: p.provider, state: 'never', silentMinutes: 0 };
    const silentMs = Math.max(0, now - p.lastHeardAt);
    const state: ProviderState =
      silentMs >= CALLBACK_SILENT_CRIT_MS ? 'crit' : silentMs >= CALLBACK_SILENT_AFTER_MS ? 'silent' : 'ok';
    return { provider: p.provider, state, silentMinutes: Math.floor(silentMs / 60_000) };
  });
}
