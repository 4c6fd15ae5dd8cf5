// Asks the payment providers about orders whose callback has not come: every few seconds it reads
// the awaiting orders and the recorded queries from the store, lets the scheduler pick what is due
// within the providers' limits, runs those queries, records their outcomes, and writes a confirmed
// payment through the event writer, where the rules see it as they would the callback.
import type { OrderEvent, PaymentNotifyEvent } from '../domain/events.ts';
import { type DueQuery, planQueries } from '../domain/payment-queries/plan-queries.ts';
import type { QueriedProvider, QueryPolicy } from '../domain/payment-queries/policy.ts';
import type { Counter, ProviderQueryOutcome } from '../metrics/orderpulse-metrics.ts';
import type { Queryable } from '../store/database.ts';
import { awaitingOrders, recordedAttempts, recordQueryOutcome, recordQueryStart } from './attempt-queries.ts';
import { attemptOutcome, type PaymentQueryClient, paymentFromAnswer, queryOutcome } from './query-answer.ts';

/** Awaiting orders read per pass, oldest first; an outage larger than this drains over several passes. */
const MAX_ORDERS_PER_PASS = 5_000;

export interface QueryDriverLog {
  warn(fields: object, message: string): void;
}

/** Whoever must hear of a payment the queries confirmed (the order system's webhooks). */
export interface ConfirmedPaymentListener {
  /** Before the payment is stored; a throw leaves it unstored, to be asked about again. */
  queue(payment: PaymentNotifyEvent & { provider: QueriedProvider }): Promise<void>;
  /** After it is stored. */
  stored(): void;
}

export interface PaymentQueryDriverOptions {
  db: Queryable;
  writer: { write(events: OrderEvent[]): Promise<unknown> };
  clients: readonly PaymentQueryClient[];
  policy: QueryPolicy;
  now: () => number;
  /** Providers whose `callback_silent` fires now, with the event time it started. */
  silentSince: () => ReadonlyMap<QueriedProvider, number>;
  metrics: { providerQueries: Counter<{ provider: QueriedProvider; outcome: ProviderQueryOutcome }> };
  log: QueryDriverLog;
  /** Between passes; 0: only `runOnce` runs one (tests drive a virtual clock). */
  intervalMs: number;
  /** Told of each payment a provider said was paid (not of refunded ones: nothing is left to apply). */
  confirmed?: ConfirmedPaymentListener | undefined;
}

export class PaymentQueryDriver {
  readonly #options: PaymentQueryDriverOptions;
  readonly #clients: ReadonlyMap<QueriedProvider, PaymentQueryClient>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: PaymentQueryDriverOptions) {
    this.#options = options;
    this.#clients = new Map(options.clients.map((c) => [c.provider, c]));
  }

  start(): void {
    this.#stopped = false;
    if (this.#options.intervalMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => {
      this.runOnce().catch((err) => this.#options.log.warn({ err }, 'provider queries were not run'));
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    // A failed pass was logged by the timer that started it.
    await this.#running?.catch(() => {});
  }

  /** One pass: every query due now, until the schedule or the providers' limits leave none. Passes never overlap. */
  runOnce(): Promise<void> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pass(): Promise<void> {
    const { db, policy, now } = this.#options;
    const configured = new Set(this.#clients.keys());
    while (!this.#stopped) {
      const at = now();
      const orders = await awaitingOrders(db, at - policy.lookbackMs, MAX_ORDERS_PER_PASS);
      if (orders.length === 0) return;
      const attempts = await recordedAttempts(
        db,
        orders.map((o) => o.orderId),
        at - policy.backoff.maxMs - policy.inFlightTimeoutMs,
      );
      const { due } = planQueries(
        { now: at, orders, attempts, configured, silentSince: this.#options.silentSince() },
        policy,
      );
      if (due.length === 0) return;
      const started = await Promise.all(due.map((query) => this.#ask(query, at)));
      // Every one already recorded (another collector took them): the next pass sees them.
      if (!started.includes(true)) return;
    }
  }

  /** False when the query was not sent: that attempt of the order is already recorded. */
  async #ask(query: DueQuery, startedAt: number): Promise<boolean> {
    const { db, writer, metrics, log, now, confirmed } = this.#options;
    // Recorded before it is sent, so a crash mid-query still counts towards the order's ceiling.
    if (!(await recordQueryStart(db, { ...query, startedAt }))) return false;
    const answer = await this.#clients.get(query.provider)!.query(query.orderId);
    let outcome = attemptOutcome(answer);
    let counted = queryOutcome(answer);
    if (answer.kind === 'paid' || answer.kind === 'refunded') {
      const payment = paymentFromAnswer(query.provider, query, answer);
      const tell = answer.kind === 'paid' ? confirmed : undefined;
      try {
        await tell?.queue(payment);
        await writer.write([payment]);
        tell?.stored();
      } catch (err) {
        // Not stored, so not settled: the order stays awaiting and is asked again later.
        log.warn({ err, orderId: query.orderId }, 'a payment confirmed by query was not stored');
        outcome = 'error';
        counted = 'error';
      }
    } else if (answer.kind === 'error') {
      log.warn(
        { provider: query.provider, orderId: query.orderId, reason: answer.reason, message: answer.message },
        'a payment provider query failed',
      );
    }
    metrics.providerQueries.inc({ provider: query.provider, outcome: counted });
    await recordQueryOutcome(db, query, {
      outcome,
      finishedAt: now(),
      retryAfterMs: answer.kind === 'error' ? answer.retryAfterMs : undefined,
    });
    return true;
  }
}
