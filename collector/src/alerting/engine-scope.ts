// What part of the orders, shipments and alerts this collector's engine answers for. One collector
// answers for everything (no scope); in cluster mode each processor answers for the partitions it
// owns, and one of them plans the notifications for all.
import type { Alert } from '../domain/alerts/alert.ts';

/** Order-id hashes `from` ≤ hash < `to` (the store's partition_hash column). */
export interface HashRange {
  from: number;
  to: number;
}

export interface EntityFilter {
  ownsOrder(orderId: string): boolean;
  /**
   * When set, every order (and shipment) `ownsOrder` picks has its id's hash in one of these, so
   * the store is read only there.
   */
  hashRanges?(): readonly HashRange[];
  /** An alert, or a signal about to become one. */
  ownsAlert(alert: Pick<Alert, 'entityType' | 'entityId' | 'labels'>): boolean;
}

export interface EngineScope extends EntityFilter {
  /** This collector plans notifications, for every alert in the store. */
  dispatches(): boolean;
}
