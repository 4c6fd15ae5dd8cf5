// Feeds the live stream: the open alerts once at start, then every committed alert transition,
// to the live panels (which keep the open alerts for snapshots) and the Socket.IO gateway.
import type { Alert, LiveAlertEvent } from '../live/events.ts';
import { toWireAlert, type WireAlert } from '../store/alerts.ts';
import type { AlertingService } from './alerting-service.ts';

export interface LiveAlertTargets {
  panels: { applyAlert(event: LiveAlertEvent): void; loadOpenAlerts(alerts: readonly Alert[]): void };
  gateway: { publishAlert(event: LiveAlertEvent): void };
}

// Pending alerts never leave the service, so every wire alert here has a contract status.
const asLive = (alert: WireAlert): Alert => alert as Alert;

export function feedLive(alerting: AlertingService, live: LiveAlertTargets): void {
  live.panels.loadOpenAlerts(
    alerting.openAlerts().map((a) => asLive(toWireAlert(a, alerting.isSilenced(a)))),
  );
  alerting.onTransition((change) => {
    const event: LiveAlertEvent = {
      transition: change.transition,
      alert: asLive(change.alert),
      at: change.at,
    };
    live.panels.applyAlert(event);
    live.gateway.publishAlert(event);
  });
}
