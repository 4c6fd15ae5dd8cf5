// Keeps the waybills' stored risk facts (store/shipment-risk-facts.ts) level with what commits store,
// off the commit path: a commit listener notes the orders whose shipment updates were stored, and
// one assessment at a time takes every order noted since the last. The writer's commit slots never
// wait for it, and a listing stays right meanwhile: the rows a commit changed are marked outdated
// in that commit, and a listing assesses its own outdated candidates first.
import type { StoredEvent } from '../domain/events.ts';
import type { Queryable } from '../store/database.ts';
import { assessShipmentsOfOrders, ordersWithShipmentUpdates } from '../store/shipment-risk-facts.ts';

/** Orders assessed in one round: one statement's parameters and one read of their events. */
const ORDERS_PER_ROUND = 500;

export class ShipmentRiskAssessor {
  readonly #db: Queryable;
  readonly #onError: (error: unknown) => void;
  #queued = new Set<string>();
  #running: Promise<void> | undefined;

  constructor(db: Queryable, onError: (error: unknown) => void) {
    this.#db = db;
    this.#onError = onError;
  }

  /** EventWriter commit listener. Never throws. */
  readonly onCommitted = (events: readonly StoredEvent[]): void => {
    for (const orderId of ordersWithShipmentUpdates(events)) this.#queued.add(orderId);
    if (this.#queued.size > 0 && !this.#running) this.#running = this.#drain();
  };

  /** Resolves when every order noted so far has been assessed (or its assessment has failed). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#queued.size > 0) {
      const round = [...this.#queued].slice(0, ORDERS_PER_ROUND);
      for (const orderId of round) this.#queued.delete(orderId);
      try {
        await assessShipmentsOfOrders(this.#db, round);
      } catch (error) {
        // The rows stay outdated; the next listing or the start's backfill assesses them.
        this.#onError(error);
      }
    }
    this.#running = undefined;
  }
}
