// Carrier updates into the event store. An update whose waybill is bound to an order becomes a
// `shipment.update` of that order and goes through the same group-commit writer as /v1/events
// (idempotent on (source, id)). An update for an unknown waybill is kept in the pending table and
// written as soon as a binding for it commits: a `shipment.update` (typically state `created`)
// from the order system, or an order's `shipped` event carrying carrier and tracking number, which
// is turned into such a `created` update so every binding lives in one place (`shipments`).
import { createHash } from 'node:crypto';
import type { OrderEvent, OrderStatusEvent, ShipmentUpdateEvent, StoredEvent } from '../domain/events.ts';
import { bindCarrierUpdate, type CarrierUpdate } from '../domain/shipments/carrier-update.ts';
import type { Queryable } from '../store/database.ts';
import type { PollKey } from './poll-schedule.ts';
import {
  boundWaybillsWithPending,
  deletePendingUpdates,
  findBindings,
  keepPendingUpdates,
  pendingUpdatesFor,
  type WaybillBinding,
  waybillKey,
} from './waybill-bindings.ts';

/** The ingest path's writer (EventWriter): resolves after the events are committed. */
export interface EventSink {
  write(events: OrderEvent[]): Promise<{ accepted: number; duplicates: number }>;
}

export interface CarrierIngestResult {
  accepted: number;
  duplicates: number;
  /** Updates kept for waybills no order has claimed yet. */
  pending: number;
}

export type CarrierUpdateMode = 'push' | 'poll';

/** The carrier instruments of OrderPulseMetrics (metrics/orderpulse-metrics.ts). */
export interface CarrierMetrics {
  carrierUpdates: { inc(labels: { carrier: string; mode: CarrierUpdateMode }, value?: number): void };
  carrierUpdateAgeSeconds: { observe(labels: { mode: CarrierUpdateMode }, value: number): void };
}

export interface CarrierIngestOptions {
  /** Sources whose `shipment.update`s come from carrier feeds (they never create a binding). */
  carrierSources: readonly string[];
  /** A waybill was bound to an order (a `created` update committed). */
  onBound?: (bindings: ShipmentUpdateEvent[]) => Promise<void>;
  onError?: (error: unknown) => void;
  /** Counts updates seen for the first time, by carrier and arrival mode. */
  metrics?: CarrierMetrics;
  now?: () => number;
}

const SHIPPED_ID_PREFIX = 'shipped:';

/** The `created` update an order's `shipped` event implies; its id is derived, so it is written once. */
export function bindingFromShipped(event: OrderStatusEvent): ShipmentUpdateEvent | undefined {
  if (event.status !== 'shipped' || !event.carrier || !event.trackingNo) return undefined;
  const id =
    SHIPPED_ID_PREFIX.length + event.id.length <= 128
      ? SHIPPED_ID_PREFIX + event.id
      : SHIPPED_ID_PREFIX + createHash('sha256').update(event.id).digest('hex');
  const binding: ShipmentUpdateEvent = {
    type: 'shipment.update',
    id,
    source: event.source,
    occurredAt: event.occurredAt,
    orderId: event.orderId,
    storeId: event.storeId,
    carrier: event.carrier,
    trackingNo: event.trackingNo,
    state: 'created',
  };
  if (event.region !== undefined) binding.destinationRegion = event.region;
  return binding;
}

const eventKey = (e: { source: string; id: string }) => `${e.source}\u0000${e.id}`;

function bind(update: CarrierUpdate, binding: WaybillBinding): ShipmentUpdateEvent {
  return bindCarrierUpdate({ ...update, carrier: binding.carrier }, binding);
}

export class CarrierIngest {
  readonly #db: Queryable;
  readonly #sink: EventSink;
  readonly #carrierSources: Set<string>;
  readonly #onBound: CarrierIngestOptions['onBound'];
  readonly #onError: CarrierIngestOptions['onError'];
  readonly #background = new Set<Promise<void>>();
  readonly #metrics: CarrierMetrics | undefined;
  readonly #now: () => number;
  /** Arrival mode of updates being written, so the commit listener can count the new ones. */
  readonly #arriving = new Map<string, CarrierUpdateMode>();

  constructor(db: Queryable, sink: EventSink, options: CarrierIngestOptions) {
    this.#db = db;
    this.#sink = sink;
    this.#carrierSources = new Set(options.carrierSources);
    this.#onBound = options.onBound;
    this.#onError = options.onError;
    this.#metrics = options.metrics;
    this.#now = options.now ?? Date.now;
  }

  /** Stores carrier updates; resolves once they are committed (to events, or kept as pending). */
  async ingest(updates: readonly CarrierUpdate[], mode: CarrierUpdateMode): Promise<CarrierIngestResult> {
    const bindings = await findBindings(this.#db, updates);
    const bound: ShipmentUpdateEvent[] = [];
    const unbound: CarrierUpdate[] = [];
    for (const update of updates) {
      const binding = bindings.get(waybillKey(update));
      if (binding) bound.push(bind(update, binding));
      else unbound.push(update);
    }
    // Updates kept while a binding raced with them ride along now that the binding is there.
    const leftovers = await pendingUpdatesFor(this.#db, [...bindings.values()]);
    for (const update of leftovers) bound.push(bind(update, bindings.get(waybillKey(update))!));
    const keys = bound.map(eventKey);
    for (const key of keys) this.#arriving.set(key, mode);
    let written: { accepted: number; duplicates: number };
    try {
      written = await this.#sink.write(bound);
    } finally {
      for (const key of keys) this.#arriving.delete(key);
    }
    await deletePendingUpdates(this.#db, leftovers);
    const kept = await keepPendingUpdates(this.#db, unbound);
    const now = this.#now();
    for (const update of unbound) if (kept.has(update.id)) this.#count(update, mode, now);
    // A binding that committed after findBindings above may have looked for pending updates before
    // ours committed, and would leave them pending until the next start's sweep. Looking again
    // after our commit closes that gap: whichever side commits last sees the other.
    const linked = kept.size > 0 ? await this.linkPending(unbound) : 0;
    return {
      accepted: written.accepted + linked,
      duplicates: written.duplicates,
      pending: Math.max(0, kept.size - linked),
    };
  }

  /** Writes the pending updates of these waybills that are bound by now; returns how many. */
  async linkPending(waybills: readonly PollKey[]): Promise<number> {
    const bindings = await findBindings(this.#db, waybills);
    if (bindings.size === 0) return 0;
    const pending = await pendingUpdatesFor(this.#db, [...bindings.values()]);
    if (pending.length === 0) return 0;
    await this.#sink.write(pending.map((u) => bind(u, bindings.get(waybillKey(u))!)));
    await deletePendingUpdates(this.#db, pending);
    return pending.length;
  }

  /** Links what a crash or a race left pending although its waybill is bound (run at start). */
  async sweep(batch = 500): Promise<number> {
    let linked = 0;
    for (;;) {
      const waybills = await boundWaybillsWithPending(this.#db, batch);
      if (waybills.length === 0) return linked;
      const n = await this.linkPending(waybills);
      if (n === 0) return linked;
      linked += n;
    }
  }

  /** EventWriter commit listener: turns new bindings into links. Never throws. */
  readonly onCommitted = (events: readonly StoredEvent[]): void => {
    const fromShipped: ShipmentUpdateEvent[] = [];
    const bindings: ShipmentUpdateEvent[] = [];
    for (const event of events) {
      const mode = this.#arriving.get(eventKey(event));
      if (mode !== undefined && event.type === 'shipment.update') this.#count(event, mode, event.receivedAt);
      if (event.type === 'order.status') {
        const binding = bindingFromShipped(event);
        if (binding) fromShipped.push(binding);
      } else if (event.type === 'shipment.update' && !this.#carrierSources.has(event.source)) {
        bindings.push(event);
      }
    }
    if (fromShipped.length > 0) {
      // Committing these calls this listener again, which then links their waybills.
      this.#inBackground(async () => {
        await this.#sink.write(fromShipped);
      });
    }
    if (bindings.length > 0) {
      this.#inBackground(async () => {
        await this.linkPending(bindings);
        const created = bindings.filter((b) => b.state === 'created');
        if (created.length > 0) await this.#onBound?.(created);
      });
    }
  };

  /** Resolves when the work started by commits so far (and what it started) has finished. */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.all(this.#background);
  }

  #count(update: CarrierUpdate, mode: CarrierUpdateMode, receivedAt: number): void {
    if (!this.#metrics) return;
    this.#metrics.carrierUpdates.inc({ carrier: update.carrier.toLowerCase(), mode });
    this.#metrics.carrierUpdateAgeSeconds.observe(
      { mode },
      Math.max(0, receivedAt - update.occurredAt) / 1000,
    );
  }

  #inBackground(task: () => Promise<void>): void {
    const running: Promise<void> = task()
      .catch((error) => this.#onError?.(error))
      .finally(() => this.#background.delete(running));
    this.#background.add(running);
  }
}
