// Start-up of the alerting state from the store: the alerts still open (or resolved within a day)
// into the book, then the shipments, then the open orders into the engine (restore-engine.ts). The
// orders may be restored in the background while the server takes events; this keeps where the
// restore has got, for /readyz.
import type { Alert } from '../domain/alerts/alert.ts';
import type { RuleEngine } from '../domain/rules/engine.ts';
import { alertsForRecovery } from '../store/alerts.ts';
import type { Database } from '../store/database.ts';
import type { AlertBook } from './alert-book.ts';
import type { AlertingLog } from './alert-writer.ts';
import type { EntityFilter, HashRange } from './engine-scope.ts';
import { restoreOrders, restoreShipments } from './restore-engine.ts';

/** Where start-up is: the open orders may still be being read back from the store. */
export interface StartStatus {
  state: 'starting' | 'restoring' | 'running' | 'failed';
  orders: number;
  shipments: number;
  /** Committed events waiting for the restore to end. */
  waitingEvents: number;
}

const RESTORE_RESOLVED_WINDOW_MS = 24 * 3_600_000;

export class EngineRestore {
  private state: StartStatus['state'] = 'starting';
  private counts = { orders: 0, shipments: 0 };
  private restoration: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      db: Database;
      engine: RuleEngine;
      book: AlertBook;
      now: () => number;
      log: AlertingLog | undefined;
      /** Orders created since then are restored even when finished (callback_silent counts them). */
      createdSinceMs: () => number;
      /** Committed events held until the restore ends. */
      heldEvents: () => number;
      stopped: () => boolean;
      /** Only what this picks is restored (cluster mode: the partitions owned); everything when unset. */
      scope?: EntityFilter | undefined;
    },
  ) {}

  status(): StartStatus {
    return { state: this.state, ...this.counts, waitingEvents: this.deps.heldEvents() };
  }

  /** Resolves when start-up has finished (the open orders restored); rejects if it failed. */
  restored(): Promise<void> {
    return this.restoration ?? Promise.reject(new Error('alerting: start() was not called'));
  }

  /**
   * Restores the alerts and the shipments, then starts restoring the orders (see `restored()`);
   * `then` runs after the orders are in, unless the service stopped meanwhile.
   */
  async begin(then: () => Promise<void>): Promise<void> {
    const { db, engine, book } = this.deps;
    const startedAt = performance.now();
    const now = this.deps.now();
    const scope = this.deps.scope;
    const stored = await alertsForRecovery(db, now - RESTORE_RESOLVED_WINDOW_MS);
    const alerts = scope === undefined ? stored : stored.filter(scope.ownsAlert);
    for (const alert of alerts) book.put(alert);
    const onProgress = (counts: { orders: number; shipments: number }) => {
      this.counts = counts;
    };
    const keep = scope?.ownsOrder;
    // The partitions owned when this starts; any taken on later are restored by `adopt`.
    const ranges = scope?.hashRanges?.();
    // Shipments before any event is taken: their state does not absorb an event applied twice.
    const shipments = await restoreShipments(db, engine, alerts, {
      now,
      onProgress,
      ...(keep && { keep }),
      ...(ranges && { ranges }),
    });
    this.counts = { orders: 0, shipments };
    this.state = 'restoring';
    this.restoration = this.restoreOrders(alerts, now, shipments, startedAt, ranges).then(async () => {
      if (!this.deps.stopped()) await then();
    });
  }

  /**
   * Cluster mode: takes on from the store what `filter` picks (a partition this collector was just
   * handed): its alerts into the book, its shipments and open orders into the engine, the open
   * alerts' conditions to be re-checked rather than reported again. The caller applies the
   * partition's events only after this resolves.
   */
  async adopt(filter: EntityFilter): Promise<{ orders: number; shipments: number; alerts: number }> {
    await this.restored();
    const { db, engine, book } = this.deps;
    const now = this.deps.now();
    const alerts = (await alertsForRecovery(db, now - RESTORE_RESOLVED_WINDOW_MS)).filter(filter.ownsAlert);
    for (const alert of alerts) book.put(alert);
    const keep = filter.ownsOrder;
    // Only the partition's rows are read when the filter says where they are.
    const ranges = filter.hashRanges?.();
    const shipments = await restoreShipments(db, engine, alerts, { now, keep, ...(ranges && { ranges }) });
    const orders = await restoreOrders(db, engine, alerts, {
      now,
      createdSince: now - this.deps.createdSinceMs(),
      shipments,
      keep,
      ...(ranges && { ranges }),
    });
    return { orders, shipments, alerts: alerts.length };
  }

  /** The restored state is live (events and deadlines applied). */
  running(): void {
    this.state = 'running';
  }

  private async restoreOrders(
    alerts: readonly Alert[],
    now: number,
    shipments: number,
    startedAt: number,
    ranges: readonly HashRange[] | undefined,
  ): Promise<void> {
    const { db, engine, log } = this.deps;
    try {
      const keep = this.deps.scope?.ownsOrder;
      const orders = await restoreOrders(db, engine, alerts, {
        now,
        createdSince: now - this.deps.createdSinceMs(),
        shipments,
        ...(keep && { keep }),
        ...(ranges && { ranges }),
        onProgress: (counts) => {
          this.counts = counts;
        },
      });
      this.counts = { orders, shipments };
      log?.info(
        {
          orders,
          shipments,
          openAlerts: alerts.filter((a) => a.status !== 'resolved').length,
          waitingEvents: this.deps.heldEvents(),
          ms: Math.round(performance.now() - startedAt),
        },
        'alerting: state rebuilt from the store',
      );
    } catch (error) {
      this.state = 'failed';
      if (!this.deps.stopped()) log?.error({ err: error }, 'alerting: restoring the open orders failed');
      throw error;
    }
  }
}
