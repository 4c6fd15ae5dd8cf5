// Carries out what domain/shipments/subscription-healing.ts decides when Kuaidi100 ends a
// subscription: keeps the reason and the action on the waybill (carrier_subscription_healing) and
// in the audit log, hands the waybill to the poller, and sends the resubscriptions when they are
// due — rate-limited, each leased in the store first so a crash or a second collector never sends
// one twice, and no more than the policy's ceiling per waybill.
import {
  afterFailedResubscribe,
  decideSubscriptionHealing,
  type HealingDecision,
  type HealingPolicy,
  type SubscriptionEndStatus,
} from '../domain/shipments/subscription-healing.ts';
import type { Kuaidi100Push } from '../ingest/kuaidi100/push.ts';
import type { ResubscribeOutcome } from '../metrics/orderpulse-metrics.ts';
import { appendAudit } from '../store/audit-log.ts';
import type { Database } from '../store/database.ts';
import { kuaidi100TrackingFinished } from './kuaidi100-query-client.ts';
import type { SubscribeClient } from './kuaidi100-subscribe-client.ts';
import type { PollKey } from './poll-schedule.ts';
import type { CarrierPoller, PollerClock } from './poller.ts';
import { systemClock } from './poller.ts';
import {
  dueResubscriptions,
  getHealing,
  type HealingRecord,
  leaseResubscription,
  markResubscription,
  saveHealing,
} from './subscription-healing-rows.ts';
import { TokenBucket } from './token-bucket.ts';

/** Who the audit log names for what the collector does by itself. */
export const AUTOMATIC_ACTOR = 'orderpulse';

export interface HealingMetrics {
  carrierSubscriptionEnds: { inc(labels: Pick<HealingDecision, 'reason' | 'action'>): void };
  carrierResubscriptions: { inc(labels: { outcome: ResubscribeOutcome }): void };
}

export interface SubscriptionHealerOptions {
  db: Database;
  policy: HealingPolicy;
  client?: SubscribeClient;
  poller?: CarrierPoller;
  metrics?: HealingMetrics;
  clock?: PollerClock;
  /** Subscriptions per second over all waybills (Kuaidi100 allows 20). */
  ratePerSecond?: number;
  idleMs?: number;
  batchSize?: number;
  onError?: (error: unknown, waybill?: PollKey) => void;
}

const target = (key: PollKey) => `shipment/${key.carrier}/${key.trackingNo}`;

export class SubscriptionHealer {
  readonly #db: Database;
  readonly #policy: HealingPolicy;
  readonly #client: SubscribeClient | undefined;
  readonly #poller: CarrierPoller | undefined;
  readonly #metrics: HealingMetrics | undefined;
  readonly #clock: PollerClock;
  readonly #bucket: TokenBucket;
  readonly #idleMs: number;
  readonly #batchSize: number;
  readonly #onError: SubscriptionHealerOptions['onError'];
  #running: Promise<void> | undefined;
  #stop: AbortController | undefined;

  constructor(options: SubscriptionHealerOptions) {
    this.#db = options.db;
    this.#policy = options.policy;
    this.#client = options.client;
    this.#poller = options.poller;
    this.#metrics = options.metrics;
    this.#clock = options.clock ?? systemClock;
    this.#bucket = new TokenBucket(options.ratePerSecond ?? 5);
    this.#idleMs = options.idleMs ?? 30_000;
    this.#batchSize = options.batchSize ?? 50;
    this.#onError = options.onError;
  }

  /** A verified push with `status` `abort` or `shutdown` for the waybill `key` (its bound spelling). */
  async subscriptionEnded(key: PollKey, push: Kuaidi100Push): Promise<HealingRecord> {
    const status = push.status as SubscriptionEndStatus;
    const now = this.#clock.now();
    const previous = await getHealing(this.#db, key);
    // Kuaidi100 pushes again when our reply was late or lost: the same ending is decided once.
    if (
      previous &&
      previous.pushStatus === status &&
      previous.message === push.message &&
      previous.outcome === 'due'
    ) {
      return previous;
    }
    const decision = decideSubscriptionHealing(
      {
        status,
        message: push.message,
        carrier: key.carrier,
        ...(push.companyNew !== undefined && { companyNew: push.companyNew }),
        finished: kuaidi100TrackingFinished(push),
      },
      previous?.resubscribes ?? 0,
      this.#policy,
      now,
    );
    const record: HealingRecord = {
      ...key,
      pushStatus: status,
      message: push.message,
      reason: decision.reason,
      action: decision.action,
      detail: decision.detail,
      company: decision.company ?? null,
      resubscribes: previous?.resubscribes ?? 0,
      outcome: decision.action === 'resubscribe' ? 'due' : null,
      nextAttemptAt: decision.action === 'resubscribe' ? decision.at! : null,
      lastError: null,
      decidedAt: now,
      updatedAt: now,
    };
    await this.#db.transaction(async (tx) => {
      await saveHealing(tx, record);
      await appendAudit(tx, {
        at: now,
        actor: AUTOMATIC_ACTOR,
        action: 'shipment.subscription_ended',
        target: target(key),
        details: {
          status,
          message: push.message,
          reason: decision.reason,
          action: decision.action,
          detail: decision.detail,
          ...(decision.company !== undefined && { company: decision.company }),
          ...(decision.at !== undefined && { at: new Date(decision.at).toISOString() }),
        },
      });
    });
    this.#metrics?.carrierSubscriptionEnds.inc({ reason: decision.reason, action: decision.action });
    if (this.#poller) {
      if (decision.action === 'poll') await this.#poller.pollFrom(key, decision.at!);
      // Until the new subscription pushes, the poller covers the waybill (from when it may be asked).
      else if (decision.action === 'resubscribe')
        await this.#poller.pollFrom(key, now + this.#policy.resubscribeAfterMs);
      else await this.#poller.heardFromPush(key, true, now);
    }
    return record;
  }

  /** Sends the resubscriptions due now; returns how many were sent. */
  async runDue(): Promise<number> {
    if (!this.#client) return 0;
    const due = await dueResubscriptions(this.#db, this.#clock.now(), this.#batchSize);
    let sent = 0;
    for (const record of due) {
      if (this.#stop?.signal.aborted) break;
      const wait = this.#bucket.take(this.#clock.now());
      if (wait > 0) await this.#clock.sleep(wait);
      if (await this.#resubscribe(this.#client, record)) sent += 1;
    }
    return sent;
  }

  start(): void {
    if (this.#running || !this.#client) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#running = (async () => {
      while (!stop.signal.aborted) {
        let sent = 0;
        try {
          sent = await this.runDue();
        } catch (error) {
          this.#onError?.(error);
        }
        if (sent === 0) await this.#clock.sleep(this.#idleMs, stop.signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#running;
    this.#running = undefined;
  }

  async #resubscribe(client: SubscribeClient, record: HealingRecord): Promise<boolean> {
    const key = { carrier: record.carrier, trackingNo: record.trackingNo };
    const now = this.#clock.now();
    // Leased for as long as Kuaidi100 wants between tries: a crash mid-call retries after that.
    if (!(await leaseResubscription(this.#db, record, now, now + this.#policy.resubscribeAfterMs)))
      return false;
    const attempt = record.resubscribes + 1;
    const company = record.company ?? record.carrier;
    let outcome: ResubscribeOutcome;
    let error: string | null = null;
    let returnCode: string | undefined;
    try {
      const reply = await client.subscribe({ company, number: record.trackingNo });
      returnCode = reply.returnCode;
      if (reply.kind === 'subscribed') outcome = 'subscribed';
      else {
        outcome = 'refused';
        error = `refused ${reply.returnCode}: ${reply.message}`;
      }
    } catch (cause) {
      outcome = 'error';
      error = cause instanceof Error ? cause.message.slice(0, 500) : String(cause);
      this.#onError?.(cause, key);
    }
    this.#metrics?.carrierResubscriptions.inc({ outcome });
    const at = this.#clock.now();
    let mark: Parameters<typeof markResubscription>[2];
    if (outcome === 'subscribed') {
      mark = {
        outcome: 'subscribed',
        action: 'resubscribe',
        detail: `subscribed again as ${company}`,
        nextAttemptAt: null,
        lastError: null,
        at,
      };
    } else {
      const next = afterFailedResubscribe(attempt, this.#policy, at);
      mark =
        next.action === 'resubscribe'
          ? {
              outcome: 'failed',
              action: 'resubscribe',
              detail: record.detail,
              nextAttemptAt: next.at,
              lastError: error,
              at,
            }
          : {
              outcome: 'failed',
              action: next.action,
              detail: `resubscribing failed ${attempt} times; ${next.action === 'poll' ? 'polling instead' : 'no query account to poll with'}`,
              nextAttemptAt: null,
              lastError: error,
              at,
            };
    }
    await this.#db.transaction(async (tx) => {
      await markResubscription(tx, key, mark);
      await appendAudit(tx, {
        at,
        actor: AUTOMATIC_ACTOR,
        action: 'shipment.resubscribe',
        target: target(key),
        details: {
          company,
          attempt,
          outcome,
          ...(returnCode !== undefined && { return_code: returnCode }),
          ...(error !== null && { error }),
          action: mark.action,
        },
      });
    });
    if (mark.action === 'poll') await this.#poller?.pollFrom(key, at);
    return true;
  }
}
