// Generic webhook: the exact JSON Alertmanager's webhook_config posts (version 4), so any receiver
// written for Alertmanager (PagerDuty bridges, in-house paging, n8n…) works unchanged.
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS } from '../channel.ts';
import {
  commonLabelsOf,
  externalAnnotationsOf,
  externalLabelsOf,
  type Notification,
  type NotificationStatus,
} from '../notification.ts';
import { postJson } from '../post-json.ts';
import { ConfiguredChannel } from './configured-channel.ts';

/** Alertmanager's placeholder for "no end time" in webhook payloads. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface AlertmanagerWebhookAlert {
  status: NotificationStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AlertmanagerWebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: NotificationStatus;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerWebhookAlert[];
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

export function alertmanagerWebhookPayload(n: Notification): AlertmanagerWebhookPayload {
  const alerts = n.alerts.map((alert) => ({
    status: alert.status,
    labels: externalLabelsOf(n, alert),
    annotations: externalAnnotationsOf(n, alert),
    startsAt: alert.startsAt,
    endsAt: alert.endsAt ?? ZERO_TIME,
    generatorURL: n.dashboardUrl,
    fingerprint: alert.id,
  }));
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: Math.max(0, n.count - n.alerts.length),
    status: n.status,
    receiver: n.receiver,
    groupLabels: { ...n.groupLabels },
    commonLabels: commonLabelsOf(alerts),
    commonAnnotations: commonLabelsOf(alerts.map((a) => ({ labels: a.annotations }))),
    externalURL: originOf(n.dashboardUrl),
    alerts,
  };
}

export interface WebhookChannelOptions {
  url: string;
  bearerToken?: string;
  timeoutMs?: number;
}

export class WebhookChannel extends ConfiguredChannel<WebhookChannelOptions> implements Channel {
  readonly type = 'webhook' as const;

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const { url, bearerToken, timeoutMs = DEFAULT_CHANNEL_TIMEOUT_MS } = this.options;
    await postJson(url, alertmanagerWebhookPayload(n), {
      timeoutMs,
      signal,
      headers: bearerToken ? { authorization: `Bearer ${bearerToken}` } : {},
    });
  }
}
