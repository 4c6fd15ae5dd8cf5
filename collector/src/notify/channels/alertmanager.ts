// Pushes alerts into an existing Prometheus Alertmanager (POST /api/v2/alerts) so teams keep their own
// routing, silences and paging. Alertmanager considers an API-pushed alert without `endsAt` resolved
// after its resolve_timeout (5 min by default), so a firing alert is sent with `endsAt` in the future:
// twice the route's repeat interval (the next repeat refreshes it, as Prometheus re-sends its alerts),
// and at least `firingValidityMs`. A resolved alert carries its real `endsAt`, which resolves it.
// Every alert also says who sent it (`service="orderpulse"`, `instance`), as alerts from Prometheus
// rules do, so one Alertmanager config routes and inhibits both alike.
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS } from '../channel.ts';
import { externalAnnotationsOf, externalLabelsOf, type Notification } from '../notification.ts';
import { postJson } from '../post-json.ts';
import { ConfiguredChannel } from './configured-channel.ts';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export const DEFAULT_FIRING_VALIDITY_MS = 60 * 60_000;

/** The value of `service` on everything OrderPulse pushes (deploy/alertmanager.yml routes on it). */
export const SERVICE_LABEL_VALUE = 'orderpulse';

/**
 * The labels naming the sender. They win over an alert's own labels: a rule's `labels:` must not
 * move its alerts out of the routes and inhibitions meant for OrderPulse.
 */
export function senderLabels(instance: string | undefined): Record<string, string> {
  return { service: SERVICE_LABEL_VALUE, ...(instance ? { instance } : {}) };
}

export function postableAlerts(
  n: Notification,
  nowMs: number,
  firingValidityMs: number,
  instance?: string,
): PostableAlert[] {
  const validity = Math.max(firingValidityMs, 2 * (n.repeatIntervalMs ?? 0));
  const firingUntil = new Date(nowMs + validity).toISOString();
  const sender = senderLabels(instance);
  return n.alerts.map((alert) => ({
    labels: { ...externalLabelsOf(n, alert), ...sender },
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
  /** The `instance` label (the address Prometheus scrapes this collector at). */
  instance?: string;
}

export class AlertmanagerChannel extends ConfiguredChannel<AlertmanagerChannelOptions> implements Channel {
  readonly type = 'alertmanager' as const;

  /** The Alertmanager this channel pushes to (one heartbeat per distinct Alertmanager). */
  get url(): string {
    return this.options.url;
  }

  get instance(): string | undefined {
    return this.options.instance;
  }

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const now = this.options.now ?? Date.now;
    const alerts = postableAlerts(
      n,
      now(),
      this.options.firingValidityMs ?? DEFAULT_FIRING_VALIDITY_MS,
      this.options.instance,
    );
    await this.push(alerts, signal);
  }

  /** Posts alerts as they are (the Watchdog heartbeat uses it). */
  async push(alerts: readonly PostableAlert[], signal?: AbortSignal): Promise<void> {
    const { url, bearerToken, timeoutMs = DEFAULT_CHANNEL_TIMEOUT_MS } = this.options;
    const endpoint = `${url.replace(/\/+$/, '')}/api/v2/alerts`;
    await postJson(endpoint, alerts, {
      timeoutMs,
      signal,
      headers: bearerToken ? { authorization: `Bearer ${bearerToken}` } : {},
    });
  }
}
