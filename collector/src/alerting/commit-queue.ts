// Committed batches on their way to the engine, in commit order. While the engine is being
// restored they are held. A batch with an event for an entity the engine does not hold (possibly one
// it forgot after it finished) waits for the store's state of those entities (one query, off the
// ack path); later batches, and ticks (through `batchesApplied`), queue behind it.
import type { StoredEvent } from '../domain/events.ts';
import type { RuleEngine } from '../domain/rules/engine.ts';
import { shipmentKey } from '../domain/rules/shipment-state.ts';
import type { Database } from '../store/database.ts';
import type { AlertingLog } from './alert-writer.ts';
import { ordersById, shipmentsByKey } from './recovery-queries.ts';

/** The order or shipment an event is about, as the engine holds it. */
const entityKey = (e: StoredEvent): string =>
  e.type === 'shipment.update' ? `s:${shipmentKey(e.carrier, e.trackingNo)}` : `o:${e.orderId}`;

export class CommitQueue {
  /** Committed events that arrived while the engine was being restored. */
  private held: StoredEvent[] | undefined = [];
  /** The last committed batch still waiting for the store's verdict on entities the engine lacks. */
  private verdicts: Promise<void> | undefined;
  /** Orders and shipments named by committed batches not applied yet (how many such batches name each). */
  private readonly awaitingApply = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly engine: RuleEngine,
    private readonly now: () => number,
    /** Feeds one batch to the engine and records what it signals. */
    private readonly apply: (events: readonly StoredEvent[]) => void,
    private readonly log: AlertingLog | undefined,
  ) {}

  /** True until `release`: the engine is being restored and batches wait for it. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** How many committed events wait for the restore to end. */
  get heldEvents(): number {
    return this.held?.length ?? 0;
  }

  /** The restore is over: what was held goes to the engine, and every later batch as it comes. */
  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    this.committed(waiting);
  }

  /** The writer's commit listener. */
  committed(events: readonly StoredEvent[]): void {
    if (this.held !== undefined) {
      this.held.push(...events);
      return;
    }
    if (events.length === 0) return;
    // An entity named by a batch still waiting to be applied is settled by that batch (its own
    // lookup, or its events): asking again would make every batch behind a lookup look one up too.
    const unknown = this.engine
      .needingStoreVerdict(events, this.now())
      .filter((e) => !this.awaitingApply.has(entityKey(e)));
    if (unknown.length === 0 && this.verdicts === undefined) {
      this.apply(events);
      return;
    }
    const keys = events.map(entityKey);
    for (const key of keys) this.awaitingApply.set(key, (this.awaitingApply.get(key) ?? 0) + 1);
    // The query starts now; the batch is applied once it answers and the batches before it are in.
    const verdict = unknown.length === 0 ? undefined : this.storeVerdict(unknown);
    const run = (this.verdicts ?? Promise.resolve()).then(async () => {
      const found = await verdict?.catch((error: unknown) => {
        // Without the store's word the events apply as they are (the behaviour before the lookup).
        this.log?.warn(
          { err: error },
          'alerting: looking up unknown orders failed; applying the batch as is',
        );
        return undefined;
      });
      try {
        if (found) this.engine.adoptFinished(found.orders, found.shipments, this.now());
        this.apply(events);
      } catch (error) {
        // As a listener failure on the synchronous path: reported, and the next batches still apply.
        this.log?.error({ err: error }, 'alerting: applying a committed batch failed');
      } finally {
        for (const key of keys) {
          const left = this.awaitingApply.get(key)! - 1;
          if (left === 0) this.awaitingApply.delete(key);
          else this.awaitingApply.set(key, left);
        }
      }
    });
    this.verdicts = run;
    void run.finally(() => {
      if (this.verdicts === run) this.verdicts = undefined;
    });
  }

  /**
   * Resolves once every batch committed before the call has been applied to the engine (not those
   * committed while waiting, so a steady stream of lookups cannot hold a tick back for long).
   */
  async batchesApplied(): Promise<void> {
    await this.verdicts;
  }

  /** The store's current state of the orders and shipments these events name. */
  private async storeVerdict(events: readonly StoredEvent[]) {
    const orderIds = new Set<string>();
    const shipmentKeys = new Set<string>();
    for (const e of events) {
      if (e.type === 'shipment.update') shipmentKeys.add(shipmentKey(e.carrier, e.trackingNo));
      else orderIds.add(e.orderId);
    }
    const [orders, shipments] = await Promise.all([
      ordersById(this.db, [...orderIds]),
      shipmentsByKey(this.db, [...shipmentKeys]),
    ]);
    return { orders, shipments };
  }
}
