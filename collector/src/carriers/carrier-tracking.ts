// Carrier tracking as the app runs it: the ingest of carrier updates (push and poll), the binding
// of waybills to orders on commit (`ingest.onCommitted`, registered with the other commit listeners
// by the core), and — when a Kuaidi100 query account is configured — the poller over the stored
// schedule.
import type { Config } from '../config/load-config.ts';
import type { ShipmentUpdateEvent } from '../domain/events.ts';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../ingest/event-time.ts';
import { Kuaidi100Error } from '../ingest/kuaidi100/errors.ts';
import type { Kuaidi100Push } from '../ingest/kuaidi100/push.ts';
import { KUAIDI100_SOURCE } from '../ingest/kuaidi100/track-result.ts';
import { limitProviderEvents } from '../ingest/provider-event-limits.ts';
import type { Queryable } from '../store/database.ts';
import {
  CarrierIngest,
  type CarrierIngestResult,
  type CarrierMetrics,
  type EventSink,
} from './carrier-ingest.ts';
import { createKuaidi100QueryClient } from './kuaidi100-query-client.ts';
import { CarrierPoller } from './poller.ts';
import { SqlPollScheduleStore } from './sql-poll-schedule.ts';

export interface CarrierTrackingLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CarrierTrackingDeps {
  db: Queryable;
  writer: EventSink;
  config: Pick<Config, 'kuaidi100Query' | 'carrierPoll'>;
  log: CarrierTrackingLog;
  metrics?: CarrierMetrics;
  now?: () => number;
  /** ORDERPULSE_MAX_CLOCK_SKEW: polled checkpoints dated further ahead are not stored. */
  maxClockSkewMs?: number;
}

export interface PushOutcome extends CarrierIngestResult {
  trackingEnded: boolean;
  resubscribe: boolean;
}

/** Kuaidi100 asks for a resubscription no sooner than this after `abort`. */
const RESUBSCRIBE_AFTER_MS = 30 * 60_000;

export class CarrierTracking {
  readonly ingest: CarrierIngest;
  readonly poller: CarrierPoller | undefined;
  readonly #log: CarrierTrackingLog;
  readonly #now: () => number;

  constructor(deps: CarrierTrackingDeps) {
    this.#log = deps.log;
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
    this.ingest = new CarrierIngest(deps.db, deps.writer, {
      carrierSources: [KUAIDI100_SOURCE],
      onBound: (bindings) => this.#track(bindings),
      onError: (error) => this.#log.error({ err: error }, 'linking carrier updates failed'),
      ...(deps.metrics !== undefined && { metrics: deps.metrics }),
      now: this.#now,
    });
  }

  /** A verified Kuaidi100 push: store its checkpoints, then adjust polling. */
  async handlePush(push: Kuaidi100Push): Promise<PushOutcome> {
    const result = await this.ingest.ingest(push.updates, 'push');
    const key = { carrier: push.carrier, trackingNo: push.trackingNo };
    if (this.poller) {
      if (push.resubscribe) {
        // Kuaidi100 gave up on this waybill; until it is subscribed again, polling covers it.
        await this.poller.pollFrom(key, this.#now() + RESUBSCRIBE_AFTER_MS);
      } else {
        await this.poller.heardFromPush(key, push.trackingEnded || push.signed, this.#now());
      }
    }
    if (push.resubscribe)
      this.#log.warn({ waybill: key, message: push.message }, 'kuaidi100 aborted tracking');
    return { ...result, trackingEnded: push.trackingEnded, resubscribe: push.resubscribe };
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
  }

  async stop(): Promise<void> {
    await this.poller?.stop();
    await this.ingest.idle();
  }

  async #track(bindings: ShipmentUpdateEvent[]): Promise<void> {
    if (!this.poller) return;
    for (const b of bindings) await this.poller.track({ carrier: b.carrier, trackingNo: b.trackingNo });
  }
}
