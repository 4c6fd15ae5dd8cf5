// Pushes alerts into an existing Prometheus Alertmanager (POST /api/v2/alerts) so teams keep their own
// routing, silences and paging. Alertmanager considers an API-pushed alert without `endsAt` resolved
// after its resolve_timeout (5 min by default), so a firing alert is sent with `endsAt` in the future:
// twice the route's repeat interval (the next repeat refreshes it, as Prometheus re-sends its alerts),
// and at least `firingValidityMs`. A resolved alert carries its real `endsAt`, which resolves it.
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS } from '../channel.ts';
import { externalAnnotationsOf, externalLabelsOf, type Notification } from '../notification.ts';
import { postJson } from '../post-json.ts';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export const DEFAULT_FIRING_VALIDITY_MS = 60 * 60_000;

export function postableAlerts(n: Notification, nowMs: number, firingValidityMs: number): PostableAlert[] {
  const validity = Math.max(firingValidityMs, 2 * (n.repeatIntervalMs ?? 0));
  const firingUntil = new Date(nowMs + validity).toISOString();
  return n.alerts.map((alert) => ({
    labels: externalLabelsOf(n, alert),
    annotations: externalAnnotationsOf(n, alert),
    startsAt: alert.startsAt,
    endsAt: alert.status === 'resolved' && alert.endsAt ? alert.endsAt : firingUntil,
    generatorURL: n.dashboardUrl,
  }));
}

export interface AlertmanagerChannelOptions {
  /** Alertmanager's base URL, e.g. `http://alertmanager:9093` (a path prefix is kept). */
  url: string;
  bearerToken?: string;
  timeoutMs?: number;
  firingValidityMs?: number;
  now?: () => number;
}

export class AlertmanagerChannel implements Channel {
  readonly type = 'alertmanager' as const;
  readonly #options: AlertmanagerChannelOptions;

  constructor(options: AlertmanagerChannelOptions) {
    this.#options = options;
  }

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const { url, bearerToken, timeoutMs = DEFAULT_CHANNEL_TIMEOUT_MS } = this.#options;
    const now = this.#options.now ?? Date.now;
    const endpoint = `${url.replace(/\/+$/, '')}/api/v2/alerts`;
    const alerts = postableAlerts(n, now(), this.#options.firingValidityMs ?? DEFAULT_FIRING_VALIDITY_MS);
    await postJson(endpoint, alerts, {
      timeoutMs,
      signal,
      headers: bearerToken ? { authorization: `Bearer ${bearerToken}` } : {},
    });
  }
}
