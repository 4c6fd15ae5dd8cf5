// Sends alert GROUPS, not alerts: every open (and recently resolved) alert is routed through the
// routes.yaml tree, grouped per route by its group_by (default rule and store), planned with
// Alertmanager timing (group wait/interval, repeat, ack timeout, escalation — domain/alerts), and
// each planned group becomes one Notification for the outbox. 800 stalled orders in 40 stores are
// 40 notifications. Silenced alerts are left out of the groups; groups of a closed store are held.
//
// The planning state (when each group was last notified) is kept in memory: after a restart, or in
// cluster mode on the processor that took the planning over, every open group is planned once more
// after its group wait. The store has the last word (notification claims, migration 0018): what a
// receiver was already told about a group within the repeat interval is not queued again.
import { createHash } from 'node:crypto';
import type { Alert } from '../domain/alerts/alert.ts';
import { isStoreOpen } from '../domain/alerts/calendar.ts';
import { groupAlerts } from '../domain/alerts/grouping.ts';
import {
  type NotificationPolicy,
  type NotificationState,
  type PlannedNotification,
  planNotifications,
} from '../domain/alerts/notification-plan.ts';
import { alertLabels, type Silence } from '../domain/alerts/silences.ts';
import type { Notification, OutageRecoveryFigures } from '../notify/notification.ts';
import { notificationFromPlan } from '../notify/notification-from-plan.ts';
import { matchRoutes, type RouteMatch } from '../notify/route-tree.ts';
import type { Route } from '../rules-config/routes.ts';
import type { RuleSet } from '../rules-config/rule-set.ts';

/** Where notifications go: the notify outbox satisfies it. */
export interface NotificationSink {
  enqueue(notification: Notification): Promise<unknown>;
  /** Queues unless the same was claimed within the repeat interval; preferred when present. */
  enqueueOnce?(
    notification: Notification,
    identity: { contentKey: string; repeatAfterMs: number },
  ): Promise<{ alreadyClaimed?: true }>;
}

/**
 * What a planned notification says, as a digest: two planners planning the same change of a group
 * get the same key, and any change (an alert in or out, a resolve, an escalation) gives another.
 */
export function contentKeyOf(planned: Pick<PlannedNotification, 'level' | 'firing' | 'resolved'>): string {
  const ids = (alerts: readonly Alert[]) => alerts.map((a) => a.id).sort();
  return createHash('sha256')
    .update(JSON.stringify([planned.level, ids(planned.firing), ids(planned.resolved)]))
    .digest('base64url');
}

/** What the dispatcher reads from the alerting service at each pass. */
export interface DispatchInput {
  /** Open and recently resolved alerts (pending ones are ignored). */
  alerts: readonly Alert[];
  silences: readonly Silence[];
  ruleSet: RuleSet | undefined;
}

export interface DispatchLog {
  error(obj: object, msg: string): void;
}

/** What the provider queries recovered from these resolved `callback_silent` alerts' outages. */
export type RecoveryReader = (resolved: readonly Alert[]) => Promise<OutageRecoveryFigures[]>;

export class NotificationDispatcher {
  /** routeId → planning state of that route's groups. */
  private state = new Map<string, NotificationState>();
  private routing: RuleSet['routing'] | undefined;
  /** The route tree the planning state was built under, as text (it is plain data). */
  private routeTree: string | undefined;
  /** Alerts some route last reported firing (built when asked: pruning asks once a minute). */
  private reportedFiring: Set<string> | undefined;

  constructor(
    private readonly sink: NotificationSink,
    private readonly options: { dashboardBaseUrl: string; log?: DispatchLog; recoveryOf?: RecoveryReader },
  ) {}

  /** Plans and enqueues what is due at `now`; returns the notifications enqueued. */
  async dispatch(input: DispatchInput, now: number): Promise<Notification[]> {
    const routing = input.ruleSet?.routing;
    if (routing === undefined) return [];
    // Every reload brings a new routing object, even when only a rule file changed; the state is
    // dropped only when the tree itself changed (routes may have moved, so their ids no longer name
    // the same routes). Dropping it otherwise would lose the resolves owed to receivers.
    if (routing !== this.routing) {
      const routeTree = JSON.stringify(routing.route);
      if (this.routeTree !== undefined && routeTree !== this.routeTree) {
        this.state = new Map();
        this.reportedFiring = undefined;
      }
      this.routing = routing;
      this.routeTree = routeTree;
    }
    const byRoute = new Map<string, { match: RouteMatch; alerts: Alert[] }>();
    for (const alert of input.alerts) {
      if (alert.status === 'pending') continue;
      for (const match of matchRoutes(routing.route, alertLabels(alert))) {
        let bucket = byRoute.get(match.routeId);
        if (bucket === undefined) {
          bucket = { match, alerts: [] };
          byRoute.set(match.routeId, bucket);
        }
        bucket.alerts.push(alert);
      }
    }
    const calendar = input.ruleSet?.calendar;
    const storeOpen = calendar && ((storeId: string) => isStoreOpen(calendar, storeId, now));
    const sent: Notification[] = [];
    const nextState = new Map<string, NotificationState>();
    for (const [routeId, { match, alerts }] of byRoute) {
      const route = routeAt(routing.route, routeId);
      const policy: NotificationPolicy = {
        groupWaitMs: match.groupWaitMs,
        groupIntervalMs: match.groupIntervalMs,
        repeatIntervalMs: match.repeatIntervalMs,
        ackTimeoutMs: route?.ackTimeoutMs ?? match.repeatIntervalMs,
        ...(route?.escalation && { escalateAfterMs: route.escalation.afterMs, maxLevel: 1 }),
      };
      const groups = groupAlerts(alerts, now, {
        groupBy: match.groupBy,
        silences: input.silences,
        ...(storeOpen && { storeOpen }),
      });
      const plan = planNotifications(groups, this.state.get(routeId) ?? {}, now, policy);
      nextState.set(routeId, plan.state);
      for (const planned of plan.notifications) {
        // A group whose alerts all left it (silenced, discarded) has nothing to say.
        if (planned.firing.length === 0 && planned.resolved.length === 0) continue;
        const receiver = planned.level > 0 && route?.escalation ? route.escalation.receiver : match.receiver;
        const recovery = planned.firing.length === 0 ? await this.recoveryOf(planned.resolved) : undefined;
        const notification = notificationFromPlan(
          { ...planned, groupKey: `${routeId}:${planned.groupKey}` },
          {
            receiver,
            dashboardBaseUrl: this.options.dashboardBaseUrl,
            now,
            repeatIntervalMs: match.repeatIntervalMs,
            ...(recovery && { recovery }),
          },
        );
        try {
          const claimed = this.sink.enqueueOnce
            ? await this.sink.enqueueOnce(notification, {
                contentKey: contentKeyOf(planned),
                // An acknowledgement that timed out brings an alert back before the repeat interval.
                repeatAfterMs: Math.min(policy.repeatIntervalMs, policy.ackTimeoutMs),
              })
            : await this.sink.enqueue(notification);
          // Another planner (or this one before a restart) queued it already.
          if ((claimed as { alreadyClaimed?: true } | undefined)?.alreadyClaimed) continue;
          sent.push(notification);
        } catch (error) {
          // e.g. a receiver whose channel settings are missing from the environment.
          this.options.log?.error(
            { err: error, receiver, groupKey: notification.groupKey },
            'alerting: a notification could not be queued',
          );
        }
      }
    }
    this.state = nextState;
    this.reportedFiring = undefined;
    return sent;
  }

  /** The figures of a callback outage's resolve; without them (a failed read) the resolve still goes out. */
  private async recoveryOf(resolved: readonly Alert[]): Promise<OutageRecoveryFigures[] | undefined> {
    const outages = resolved.filter((a) => a.rule === 'callback_silent');
    if (outages.length === 0 || this.options.recoveryOf === undefined) return undefined;
    try {
      return await this.options.recoveryOf(outages);
    } catch (error) {
      this.options.log?.error(
        { err: error },
        'alerting: the recovery figures of a callback outage were not read',
      );
      return undefined;
    }
  }

  /**
   * True while a route has told its receiver this alert fires and has not yet queued its resolve
   * (a changed group waits for its group interval): the alert must stay around until then.
   */
  awaitsResolve(alertId: string): boolean {
    this.reportedFiring ??= new Set(
      [...this.state.values()].flatMap((groups) => Object.values(groups).flatMap((g) => g.notifiedIds)),
    );
    return this.reportedFiring.has(alertId);
  }
}

/** The rules-config route a RouteMatch id (`0`, `0.2`, `0.2.1`) names; it carries ack timeout and escalation. */
function routeAt(root: Route, routeId: string): Route | undefined {
  let route: Route | undefined = root;
  for (const index of routeId.split('.').slice(1)) route = route?.routes[Number(index)];
  return route;
}
