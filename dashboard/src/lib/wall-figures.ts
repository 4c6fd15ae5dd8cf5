// The wall display's big figures and provider states, read from panel data the collector computed
// once for the wall, the API and the metrics alike. Pure.
import type { CallbacksPanel, OpenStallsPanel } from '../../../collector/src/live/events.ts';

/** The stall rules' open alerts, as the collector counts them for the panel and the metrics. */
export function openStalls(panel: OpenStallsPanel): number {
  return panel.stalls;
}

/** `silent`/`crit`: the provider's callback_silent alert is open (warning/critical severity). */
export type ProviderState = 'ok' | 'silent' | 'crit' | 'never';

export interface ProviderStatus {
  provider: string;
  state: ProviderState;
  /** Minutes since the provider was last heard (or since its silence began, if never heard). */
  silentMinutes: number;
}

/** The badge shows what callback_silent decided, never a threshold of its own. */
export function providerStatuses(panel: CallbacksPanel, now: number): ProviderStatus[] {
  return panel.providers.map((p) => {
    const heardAt = p.lastHeardAt ?? (p.silent ? p.silent.since : null);
    const silentMinutes = heardAt === null ? 0 : Math.floor(Math.max(0, now - heardAt) / 60_000);
    const state: ProviderState = p.silent
      ? p.silent.severity === 'critical'
        ? 'crit'
        : 'silent'
      : p.lastHeardAt === null
        ? 'never'
        : 'ok';
    return { provider: p.provider, state, silentMinutes };
  });
}
