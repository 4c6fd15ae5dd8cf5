// Which partition an event belongs to. Every event names its order (shipment updates too), so all
// events of one order, and of its waybills, land in one partition and are applied by one processor
// in the order the broker keeps. FNV-1a is stable across processes and versions of Node, which a
// partition number must be: ingress and processors compute it apart.
import type { OrderEvent } from '../domain/events.ts';
import { mix32 } from '../domain/mix32.ts';

/** 32-bit FNV-1a over the UTF-16 code units of `key`. */
export function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const HASHES = 2 ** 32;

/**
 * The hash an order's partition is computed from, which the store keeps as `partition_hash`
 * (order_partition_hash in migration 0021 computes the same): FNV-1a, then MurmurHash3's
 * finalizer. FNV-1a alone leaves its high bits nearly untouched by the last characters, so ids
 * that differ only there (SO…001, SO…002) would share a partition.
 */
export function partitionHash(orderId: string): number {
  return mix32(fnv1a(orderId));
}

/**
 * The partition (0 .. partitions-1) of an order id: partition p holds the hashes of one contiguous
 * range (partitionHashes), so the store reads a partition's rows off one index on the hash column
 * whatever the number of partitions.
 */
export function partitionOf(orderId: string, partitions: number): number {
  return partitionOfHash(partitionHash(orderId), partitions);
}

/** The partition of a hash: exact, since hash × partitions stays below 2^53. */
export function partitionOfHash(hash: number, partitions: number): number {
  return Math.floor((hash * partitions) / HASHES);
}

/** The hashes of a partition: `from` ≤ hash < `to` (the store's partition_hash column). */
export function partitionHashes(partition: number, partitions: number): { from: number; to: number } {
  return { from: firstHash(partition, partitions), to: firstHash(partition + 1, partitions) };
}

/**
 * The least hash h with floor(h × partitions / 2^32) ≥ partition. The quotient is rounded once;
 * when it is not a whole number it is at least 1/partitions (≥ 1/256) away from one, far beyond
 * that rounding, so ceil is exact.
 */
const firstHash = (partition: number, partitions: number) => Math.ceil((partition * HASHES) / partitions);

/** The events of a batch grouped by partition, each group in the batch's order. */
export function byPartition(events: readonly OrderEvent[], partitions: number): Map<number, OrderEvent[]> {
  const groups = new Map<number, OrderEvent[]>();
  for (const event of events) {
    const p = partitionOf(event.orderId, partitions);
    const group = groups.get(p);
    if (group === undefined) groups.set(p, [event]);
    else group.push(event);
  }
  return groups;
}

/** The quorum queue of a partition. */
export function partitionQueue(prefix: string, partition: number): string {
  return `${prefix}.events.${partition}`;
}

/**
 * The queue every processor keeps one idle consumer on, so its consumer count is the number of
 * live processors (a single-active-consumer queue reports only its active consumer). Nothing is
 * published to it.
 */
export function processorsQueue(prefix: string): string {
  return `${prefix}.processors`;
}

/**
 * Alerts about things no order owns (a provider's callback_silent, a store's reconciliation
 * mismatch) are the business of partition 0's owner.
 */
export const GLOBAL_PARTITION = 0;

/** The partition an alert's entity belongs to. */
export function alertPartition(
  alert: { entityType: string; entityId: string; labels: Readonly<Record<string, string>> },
  partitions: number,
): number {
  if (alert.entityType === 'order') return partitionOf(alert.entityId, partitions);
  const orderId = alert.labels.order_id;
  return orderId === undefined ? GLOBAL_PARTITION : partitionOf(orderId, partitions);
}
