// The partitions this processor owns now. The alerting engine consults it (EngineScope) so it
// restores, evaluates and notifies only for what is its own.
import type { Alert } from '../domain/alerts/alert.ts';
import { alertPartition, GLOBAL_PARTITION, partitionHashes, partitionOf } from './partitions.ts';

export class PartitionOwnership {
  private readonly owned = new Set<number>();

  constructor(readonly partitions: number) {}

  add(partition: number): void {
    this.owned.add(partition);
  }

  /** Handed back to the broker (rebalancing): another processor answers for it from now on. */
  remove(partition: number): void {
    this.owned.delete(partition);
  }

  /** The broker connection went: the partitions may be handed to another processor. */
  clear(): void {
    this.owned.clear();
  }

  list(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  ownsOrder = (orderId: string): boolean => this.owned.has(partitionOf(orderId, this.partitions));

  ownsAlert = (alert: Pick<Alert, 'entityType' | 'entityId' | 'labels'>): boolean =>
    this.owned.has(alertPartition(alert, this.partitions));

  /** The order-id hashes of the partitions owned now. */
  hashRanges = () => this.list().map((p) => partitionHashes(p, this.partitions));

  /** Notifications are planned by one node for the whole cluster: the owner of partition 0. */
  dispatches = (): boolean => this.owned.has(GLOBAL_PARTITION);

  /** Only the orders and alerts of one partition (what a processor takes on when handed it). */
  static only(partition: number, partitions: number) {
    return {
      ownsOrder: (orderId: string) => partitionOf(orderId, partitions) === partition,
      ownsAlert: (alert: Pick<Alert, 'entityType' | 'entityId' | 'labels'>) =>
        alertPartition(alert, partitions) === partition,
      hashRanges: () => [partitionHashes(partition, partitions)],
    };
  }
}
