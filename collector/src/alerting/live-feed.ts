// Feeds the live stream: the open alerts once at start, then every committed alert transition,
// to the live panels (which keep the open alerts for snapshots) and the Socket.IO gateway.
import type { LiveAlertEvent } from '../live/events.ts';
import { toWireAlert } from '../store/alerts.ts';
import type { Alert } from '../wire/alerts.ts';
import type { AlertingService } from './alerting-service.ts';

export interface LiveAlertTargets {
  panels: { applyAlert(event: LiveAlertEvent): void; loadOpenAlerts(alerts: readonly Alert[]): void };
  gateway: { publishAlert(event: LiveAlertEvent, english?: LiveAlertEvent): void };
}

export function feedLive(alerting: AlertingService, live: LiveAlertTargets, timeZone?: string): void {
  live.panels.loadOpenAlerts(alerting.openAlerts().map((a) => toWireAlert(a, alerting.isSilenced(a))));
  alerting.onTransition((change) => {
    const event: LiveAlertEvent = {
      transition: change.transition,
      alert: change.alert,
      at: change.at,
    };
    live.panels.applyAlert(event);
    // Rendered from the alert itself, so a custom rule's English summary reaches English clients too.
    const english = toWireAlert(change.record, change.silenced, {
      locale: 'en',
      ...(timeZone && { timeZone }),
    });
    live.gateway.publishAlert(event, { ...event, alert: english });
  });
}
