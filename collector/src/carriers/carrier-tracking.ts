// Carrier tracking as the app runs it: the ingest of carrier updates (push and poll), the binding
// of waybills to orders on commit (`ingest.onCommitted`, registered with the other commit listeners
// by the core), and — when a Kuaidi100 query account is configured — the poller over the stored
// schedule.
import type { Config } from '../config/load-config.ts';
import type { ShipmentUpdateEvent } from '../domain/events.ts';
import { DEFAULT_HEALING_POLICY } from '../domain/shipments/subscription-healing.ts';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../ingest/event-time.ts';
import { Kuaidi100Error } from '../ingest/kuaidi100/errors.ts';
import type { Kuaidi100Push } from '../ingest/kuaidi100/push.ts';
import { KUAIDI100_SOURCE } from '../ingest/kuaidi100/track-result.ts';
import { limitProviderEvents } from '../ingest/provider-event-limits.ts';
import type { Database } from '../store/database.ts';
import {
  CarrierIngest,
  type CarrierIngestResult,
  type CarrierMetrics,
  type EventSink,
} from './carrier-ingest.ts';
import { createKuaidi100QueryClient } from './kuaidi100-query-client.ts';
import { createKuaidi100SubscribeClient } from './kuaidi100-subscribe-client.ts';
import { CarrierPoller, type PollerClock, systemClock } from './poller.ts';
import { SqlPollScheduleStore } from './sql-poll-schedule.ts';
import { type HealingMetrics, SubscriptionHealer } from './subscription-healer.ts';
import { carrierResubscribedAs, type HealingRecord } from './subscription-healing-rows.ts';

export interface CarrierTrackingLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CarrierTrackingDeps {
  db: Database;
  writer: EventSink;
  config: Pick<Config, 'kuaidi100Query' | 'kuaidi100Subscribe' | 'carrierPoll'>;
  log: CarrierTrackingLog;
  metrics?: CarrierMetrics & HealingMetrics;
  now?: () => number;
  /** The resubscription loop's clock (tests run `healer.runDue()` by hand). */
  healingClock?: PollerClock;
  /** ORDERPULSE_MAX_CLOCK_SKEW: polled checkpoints dated further ahead are not stored. */
  maxClockSkewMs?: number;
}

export interface PushOutcome extends CarrierIngestResult {
  trackingEnded: boolean;
  resubscribe: boolean;
  /** For `abort`/`shutdown`: what was decided about the waybill. */
  healing?: HealingRecord;
}

export class CarrierTracking {
  readonly ingest: CarrierIngest;
  readonly poller: CarrierPoller | undefined;
  readonly healer: SubscriptionHealer;
  readonly #db: Database;
  readonly #log: CarrierTrackingLog;
  readonly #now: () => number;

  constructor(deps: CarrierTrackingDeps) {
    this.#log = deps.log;
    this.#db = deps.db;
    this.#now = deps.now ?? Date.now;
    const query = deps.config.kuaidi100Query;
    this.poller = query
      ? new CarrierPoller({
          store: new SqlPollScheduleStore(deps.db),
          client: createKuaidi100QueryClient(query),
          onTracking: async ({ updates }) => {
            // Pushes are checked at the HTTP edge (and refused there); a polled answer has no one to
            // refuse to, so it is dropped and reported like a failed query, and polled again later.
            const limited = limitProviderEvents(
              updates,
              { now: Date.now(), maxSkewMs: deps.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS },
              'ftime',
            );
            if (!limited.ok) throw new Kuaidi100Error('malformed', limited.message);
            await this.ingest.ingest(updates, 'poll');
          },
          intervalMs: deps.config.carrierPoll.intervalMs,
          ratePerSecond: deps.config.carrierPoll.ratePerSecond,
          onError: (error, target) => this.#log.warn({ err: error, waybill: target }, 'carrier query failed'),
        })
      : undefined;
    const subscribe = deps.config.kuaidi100Subscribe;
    this.healer = new SubscriptionHealer({
      db: deps.db,
      policy: {
        ...DEFAULT_HEALING_POLICY,
        canResubscribe: subscribe !== undefined,
        canPoll: this.poller !== undefined,
      },
      ...(subscribe !== undefined && { client: createKuaidi100SubscribeClient(subscribe) }),
      ...(this.poller !== undefined && { poller: this.poller }),
      ...(deps.metrics !== undefined && { metrics: deps.metrics }),
      clock: deps.healingClock ?? { now: this.#now, sleep: systemClock.sleep },
      onError: (error, waybill) => this.#log.warn({ err: error, waybill }, 'kuaidi100 resubscription failed'),
    });
    this.ingest = new CarrierIngest(deps.db, deps.writer, {
      carrierSources: [KUAIDI100_SOURCE],
      onBound: (bindings) => this.#track(bindings),
      onError: (error) => this.#log.error({ err: error }, 'linking carrier updates failed'),
      ...(deps.metrics !== undefined && { metrics: deps.metrics }),
      now: this.#now,
    });
  }

  /** A verified Kuaidi100 push: store its checkpoints, then adjust polling. */
  async handlePush(received: Kuaidi100Push): Promise<PushOutcome> {
    const push = await this.#underBoundCarrier(received);
    const result = await this.ingest.ingest(push.updates, 'push');
    const key = { carrier: push.carrier, trackingNo: push.trackingNo };
    let healing: HealingRecord | undefined;
    if (push.status === 'abort' || push.status === 'shutdown') {
      healing = await this.healer.subscriptionEnded(key, push);
      if (push.status === 'abort')
        this.#log.warn(
          { waybill: key, message: push.message, reason: healing.reason, action: healing.action },
          'kuaidi100 aborted tracking',
        );
    } else if (this.poller) {
      await this.poller.heardFromPush(key, push.signed, this.#now());
    }
    return {
      ...result,
      trackingEnded: push.trackingEnded,
      resubscribe: push.resubscribe,
      ...(healing !== undefined && { healing }),
    };
  }

  /**
   * A waybill resubscribed under a corrected company code is pushed under that code; its checkpoints
   * belong to the waybill as bound, so they are stored under the bound carrier.
   */
  async #underBoundCarrier(push: Kuaidi100Push): Promise<Kuaidi100Push> {
    const bound = await carrierResubscribedAs(this.#db, push.carrier, push.trackingNo);
    if (bound === undefined) return push;
    return { ...push, carrier: bound, updates: push.updates.map((u) => ({ ...u, carrier: bound })) };
  }

  /** Links leftovers from before a restart, then starts polling. */
  start(): void {
    this.ingest
      .sweep()
      .then((linked) => {
        if (linked > 0) this.#log.info({ linked }, 'linked carrier updates kept before the restart');
      })
      .catch((error) => this.#log.error({ err: error }, 'linking kept carrier updates failed'));
    this.poller?.start();
    this.healer.start();
  }

  async stop(): Promise<void> {
    await this.healer.stop();
    await this.poller?.stop();
    await this.ingest.idle();
  }

  async #track(bindings: ShipmentUpdateEvent[]): Promise<void> {
    if (!this.poller) return;
    for (const b of bindings) await this.poller.track({ carrier: b.carrier, trackingNo: b.trackingNo });
  }
}
