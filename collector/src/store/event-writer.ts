// Group commit: concurrent ingest requests share one transaction, so throughput does not depend
// on callers batching. A request's promise settles only after its transaction has committed.
import type { OrderEvent, StoredEvent } from '../domain/events.ts';
import type { Database } from './database.ts';
import { eventKey, ingestBatch } from './event-batch.ts';

export interface WriteResult {
  accepted: number;
  duplicates: number;
}

/** Too many events are waiting for commit: callers get 503 buffer_full and retry later. */
export class IngestBufferFullError extends Error {
  constructor() {
    super('the ingest buffer is full');
    this.name = 'IngestBufferFullError';
  }
}

export class WriterClosedError extends Error {
  constructor() {
    super('the collector is shutting down');
    this.name = 'WriterClosedError';
  }
}

export interface BatchStats {
  events: number;
  requests: number;
  accepted: number;
  seconds: number;
}

export interface EventWriterOptions {
  maxBatchEvents: number;
  queueLimit: number;
  /**
   * Transactions in flight at once. 1 on PGlite (one connection); on PostgreSQL a second one lets
   * the next batch fill and commit while the first waits for its WAL flush.
   */
  concurrency?: number;
  now?: () => number;
  onBatch?: (stats: BatchStats) => void;
  /** Events of a committed batch that were already stored (resends). */
  onDuplicates?: (events: OrderEvent[]) => void;
  /** A failing listener must not affect acknowledgements; it is reported here. */
  onListenerError?: (error: unknown) => void;
}

interface Pending {
  events: OrderEvent[];
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

type CommitListener = (events: StoredEvent[]) => void;

export class EventWriter {
  private queue: Pending[] = [];
  private queuedEvents = 0;
  private active = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];
  private closed = false;
  private readonly listeners: CommitListener[] = [];
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly options: EventWriterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Called after every commit with the events it stored for the first time, in commit order. */
  onCommitted(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  get queued(): number {
    return this.queuedEvents;
  }

  /** The events that are new are handed to the listeners as they are, with `receivedAt` set on them. */
  write(events: OrderEvent[]): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new WriterClosedError());
    if (events.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
    if (this.queuedEvents > 0 && this.queuedEvents + events.length > this.options.queueLimit) {
      return Promise.reject(new IngestBufferFullError());
    }
    return new Promise<WriteResult>((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.queuedEvents += events.length;
      if (!this.scheduled && this.active < (this.options.concurrency ?? 1)) {
        // Let requests that arrive in the same tick join this batch.
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Stops taking writes and waits until everything already taken has committed or failed. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.active === 0 && this.queue.length === 0 && !this.scheduled) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.active < (this.options.concurrency ?? 1)) {
      const batch: Pending[] = [];
      let size = 0;
      while (
        this.queue.length > 0 &&
        (batch.length === 0 || size + this.queue[0]!.events.length <= this.options.maxBatchEvents)
      ) {
        const next = this.queue.shift()!;
        batch.push(next);
        size += next.events.length;
      }
      this.active++;
      void this.commit(batch, size).finally(() => {
        this.active--;
        this.queuedEvents -= size;
        this.pump();
        if (this.active === 0 && this.queue.length === 0)
          for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async commit(batch: Pending[], size: number): Promise<void> {
    try {
      await this.commitTogether(batch, size);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One request's bad value fails the whole shared transaction: each request is committed again
      // on its own, so only the one that carries it fails.
      for (const pending of batch) {
        try {
          await this.commitTogether([pending], pending.events.length);
        } catch (alone) {
          pending.reject(alone);
        }
      }
    }
  }

  /** One transaction for the whole batch; throws (settling no request) when the store refuses it. */
  private async commitTogether(batch: Pending[], size: number): Promise<void> {
    const started = performance.now();
    const receivedAt = this.now();
    // Each event's key in the batch's order. The first occurrence of a key is the one inserted;
    // later ones are duplicates.
    const keyOf: string[] = [];
    const firstSeen = new Map<string, OrderEvent>();
    for (const pending of batch) {
      for (const event of pending.events) {
        const k = eventKey(event);
        keyOf.push(k);
        if (!firstSeen.has(k)) firstSeen.set(k, event);
      }
    }
    // Concurrent batches take row locks in one global order, so they cannot deadlock each other.
    const keys = [...firstSeen.keys()].sort();
    const unique = keys.map((k) => firstSeen.get(k)!);
    const stored = await ingestBatch(this.db, unique, receivedAt);
    let fresh = unique;
    const duplicates: OrderEvent[] = [];
    if (stored === 'all' && keyOf.length === unique.length) {
      // The common case: every event new, none of them twice in the batch.
      for (const pending of batch) pending.resolve({ accepted: pending.events.length, duplicates: 0 });
    } else {
      if (stored !== 'all') fresh = unique.filter((_, i) => stored.has(keys[i]!));
      const credited = new Set(stored === 'all' ? keys : stored);
      let i = 0;
      for (const pending of batch) {
        let accepted = 0;
        for (const event of pending.events) {
          if (credited.delete(keyOf[i++]!)) accepted++;
          else duplicates.push(event);
        }
        pending.resolve({ accepted, duplicates: pending.events.length - accepted });
      }
    }
    if (duplicates.length > 0) this.options.onDuplicates?.(duplicates);
    this.options.onBatch?.({
      events: size,
      requests: batch.length,
      accepted: fresh.length,
      seconds: (performance.now() - started) / 1000,
    });
    if (fresh.length > 0) {
      // The written events themselves become the stored ones. In the running collector a copy per
      // event ({ ...e, receivedAt }) got a hidden class of its own (%HaveSameMap was false for two
      // copies of one batch, true for the events copied), so every listener's property reads
      // missed their inline caches: perf put 14 % of the collector's CPU under ingest in
      // Runtime_LoadIC_Miss, 0.3 % after (BENCHMARKS.md §3).
      const committed = fresh as StoredEvent[];
      for (const event of committed) event.receivedAt = receivedAt;
      for (const listener of this.listeners) {
        try {
          listener(committed);
        } catch (error) {
          this.options.onListenerError?.(error);
        }
      }
    }
  }
}
