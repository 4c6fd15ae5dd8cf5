// Production wiring of notifications: receivers built from the running routes.yaml (rebuilt when
// the rule set changes), the durable outbox, its delivery worker, and the dispatcher that feeds it
// from the alerting service's tick.

import type { Severity } from '../domain/rules/params.ts';
import type { Channel } from '../notify/channel.ts';
import type { SmsSuppression } from '../notify/channels/sms-delivery.ts';
import type { Environment } from '../notify/create-channel.ts';
import type { LocalizedText } from '../notify/notification.ts';
import { dashboardUrlFor } from '../notify/notification-from-plan.ts';
import { Outbox } from '../notify/outbox/outbox.ts';
import { type OutboxObserver, OutboxWorker } from '../notify/outbox/outbox-worker.ts';
import {
  buildConfiguredReceiver,
  closeReceivers,
  type ReceiverChannels,
  type ReceiverRegistry,
} from '../notify/receivers.ts';
import { PhoneRateLimiter } from '../notify/sms/phone-rate-limiter.ts';
import { WatchdogHeartbeat } from '../notify/watchdog.ts';
import { ORDER_SYSTEM_RECEIVER } from '../order-system/order-system-webhooks.ts';
import { recoveryFigures } from '../provider-queries/outage-recoveries.ts';
import { matchRoutes } from '../rules-config/route-matching.ts';
import type { RuleSet } from '../rules-config/rule-set.ts';
import type { Database } from '../store/database.ts';
import type { AlertingLog, AlertingService } from './alerting-service.ts';
import { NotificationDispatcher } from './notification-dispatcher.ts';

/**
 * The receivers of the rule set in force, each built from the channels whose settings are in the
 * environment. A missing channel is left out and said so once per rule set, naming the variable; a
 * receiver with no channel left is left out entirely: its notifications are refused at enqueue,
 * the others still go out.
 */
class RuleSetReceivers implements ReceiverRegistry {
  private builtFor: RuleSet['routing'] | undefined;
  private receivers = new Map<string, ReceiverChannels>();

  // Kept across rebuilds: a rules reload must not reset how often a phone was texted.
  private readonly smsLimiter = new PhoneRateLimiter();

  constructor(
    private readonly ruleSet: () => RuleSet | undefined,
    private readonly env: Environment,
    private readonly log: AlertingLog | undefined,
    private readonly instance: string | undefined,
    private readonly timeZone: string | undefined,
    private readonly onSmsSuppressed?: (event: SmsSuppression) => void,
  ) {}

  /** Builds the receivers now (logging what is left out) rather than at the first notification. */
  check(): void {
    const routing = this.ruleSet()?.routing;
    if (routing !== this.builtFor) this.rebuild(routing);
  }

  get(name: string): ReceiverChannels | undefined {
    this.current();
    return this.receivers.get(name);
  }

  /** Every channel of every receiver, primary and backup. */
  *channels(): Iterable<Channel> {
    for (const receiver of this.current().values()) {
      for (const keyed of [...receiver.primary, ...receiver.backup]) yield keyed.channel;
    }
  }

  private current(): Map<string, ReceiverChannels> {
    const routing = this.ruleSet()?.routing;
    if (routing !== this.builtFor) this.rebuild(routing);
    return this.receivers;
  }

  close(): void {
    closeReceivers(this.receivers.values());
  }

  private rebuild(routing: RuleSet['routing'] | undefined): void {
    // Rows already queued name channels by position; a worker mid-send keeps its own reference.
    const old = this.receivers;
    this.receivers = new Map();
    this.builtFor = routing;
    for (const receiver of Object.values(routing?.receivers ?? {})) {
      const built = buildConfiguredReceiver(receiver, {
        env: this.env,
        ...(this.instance && { instance: this.instance }),
        ...(this.timeZone && { render: { timeZone: this.timeZone } }),
        smsLimiter: this.smsLimiter,
        ...(this.onSmsSuppressed && { onSmsSuppressed: this.onSmsSuppressed }),
      });
      for (const channel of built.leftOut) {
        this.log?.warn(
          {
            receiver: receiver.name,
            tier: channel.tier,
            channel: channel.kind,
            ...(channel.variable !== undefined && { variable: channel.variable }),
            reason: channel.reason,
          },
          `notification ${channel.tier} channel ${channel.kind} of receiver ${receiver.name} left out: ${channel.reason}`,
        );
      }
      if (built.receiver === undefined) {
        this.log?.warn(
          { receiver: receiver.name },
          `notification receiver ${receiver.name} left out: none of its channels is configured`,
        );
        continue;
      }
      this.receivers.set(receiver.name, built.receiver);
    }
    closeReceivers(old.values());
  }
}

/** A report that is not an alert (e.g. the daily reconciliation), routed by its labels like one. */
export interface ReportNotice {
  rule: string;
  severity: Severity;
  summary: LocalizedText;
  labels: Record<string, string>;
  /** Same key, same report: a resend of it is recognisable downstream. */
  key: string;
}

export interface OutboxNotifications {
  /** Queues the report for every receiver routes.yaml gives its labels; returns how many. */
  report(notice: ReportNotice): Promise<number>;
  /** Starts the Watchdog heartbeat; call once the rule set (hence the Alertmanagers) is loaded. */
  startWatchdog(): void;
  /** Builds the receivers of the rule set in force, warning about channels left out; call after start. */
  checkReceivers(): void;
  stop(): Promise<void>;
}

export function startOutboxNotifications(options: {
  alerting: AlertingService;
  db: Database;
  dashboardBaseUrl: string;
  env: Environment;
  log?: AlertingLog;
  observer?: OutboxObserver;
  /** The `instance` label of alerts pushed to Alertmanager. */
  instance?: string;
  /** The business time zone (`ORDERPULSE_TZ`) the messages print times in. */
  timeZone?: string;
  /** How often the Watchdog heartbeat goes to each Alertmanager; 0 or unset: never. */
  watchdogIntervalMs?: number;
  /** Phone numbers an SMS channel left out under its per-number limit (for a metric and the log). */
  onSmsSuppressed?: (event: SmsSuppression) => void;
}): OutboxNotifications {
  const { alerting, db, log } = options;
  const receivers = new RuleSetReceivers(
    () => alerting.rulesStatus().ruleSet,
    options.env,
    log,
    options.instance,
    options.timeZone,
    options.onSmsSuppressed,
  );
  const watchdog = new WatchdogHeartbeat({
    channels: () => receivers.channels(),
    intervalMs: options.watchdogIntervalMs ?? 0,
    generatorURL: options.dashboardBaseUrl,
    ...(log && { log }),
  });
  const worker = new OutboxWorker({
    db,
    receivers,
    // The order system's webhooks share the table; their own worker delivers them.
    scope: { exceptReceiver: ORDER_SYSTEM_RECEIVER },
    ...(options.observer && { observer: options.observer }),
  });
  const outbox = new Outbox({ db, receivers, now: () => alerting.clock(), onEnqueued: () => worker.wake() });
  alerting.notifyThrough(
    new NotificationDispatcher(outbox, {
      dashboardBaseUrl: options.dashboardBaseUrl,
      ...(log && { log: { error: (obj, msg) => log.warn(obj, msg) } }),
      recoveryOf: (resolved) => recoveryFigures(db, resolved, alerting.clock()),
    }),
  );
  worker.start();
  return {
    startWatchdog: () => watchdog.start(),
    async report(notice) {
      const ruleSet = alerting.rulesStatus().ruleSet;
      if (!ruleSet) return 0;
      const labels = { ...notice.labels, rule: notice.rule, severity: notice.severity };
      const now = alerting.clock();
      let queued = 0;
      for (const route of matchRoutes(ruleSet.routing.route, labels)) {
        await outbox.enqueue({
          groupKey: `${route.path}:${notice.key}`,
          receiver: route.receiver,
          status: 'firing',
          rule: notice.rule,
          severity: notice.severity,
          groupLabels: labels,
          commonLabels: labels,
          summary: notice.summary,
          count: 0,
          oldestAgeMs: 0,
          sampleEntityIds: [],
          startsAt: new Date(now).toISOString(),
          dashboardUrl: dashboardUrlFor(options.dashboardBaseUrl, { rule: notice.rule }),
          alerts: [],
        });
        queued++;
      }
      return queued;
    },
    checkReceivers() {
      receivers.check();
    },
    async stop() {
      await watchdog.stop();
      await worker.stop();
      receivers.close();
    },
  };
}
