// Partitioning is computed apart by ingress and processors: it must be stable, spread orders over
// every partition, and keep all events of one order (its shipments too) together.
import { describe, expect, it } from 'vitest';
import {
  alertPartition,
  byPartition,
  fnv1a,
  partitionHash,
  partitionHashes,
  partitionOf,
  partitionOfHash,
  partitionQueue,
} from '../../src/cluster/partitions.ts';
import type { OrderEvent } from '../../src/domain/events.ts';

const status = (id: string, orderId: string): OrderEvent => ({
  id,
  source: 'pos',
  type: 'order.status',
  occurredAt: 0,
  orderId,
  storeId: 's1',
  status: 'created',
});

describe('partitions', () => {
  it('hashes with 32-bit FNV-1a (the published test vectors)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('puts an order in the same partition every time, within range', () => {
    for (const n of [1, 3, 8, 256]) {
      for (let i = 0; i < 200; i++) {
        const p = partitionOf(`order-${i}`, n);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(n);
        expect(partitionOf(`order-${i}`, n)).toBe(p);
      }
    }
  });

  it('gives each partition one range of hashes, the ranges covering every hash once, for any count', () => {
    for (let n = 1; n <= 256; n++) {
      let from = 0;
      for (let p = 0; p < n; p++) {
        const range = partitionHashes(p, n);
        expect(range.from).toBe(from);
        expect(range.to).toBeGreaterThan(range.from);
        expect(partitionOfHash(range.from, n)).toBe(p);
        expect(partitionOfHash(range.to - 1, n)).toBe(p);
        from = range.to;
      }
      expect(from).toBe(2 ** 32);
    }
    for (const id of ['a', '订单-1', '📦-9', 'SO20261206001']) {
      const p = partitionOf(id, 8);
      const { from, to } = partitionHashes(p, 8);
      expect(partitionHash(id)).toBeGreaterThanOrEqual(from);
      expect(partitionHash(id)).toBeLessThan(to);
    }
  });

  it('spreads ids that differ only in their last character over the partitions', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `SO20261206000${i}`);
    expect(new Set(ids.map((id) => partitionOf(id, 4))).size).toBeGreaterThanOrEqual(3);
    expect(new Set(ids.map((id) => partitionOf(id, 8))).size).toBeGreaterThanOrEqual(5);
    const stalls = Array.from({ length: 16 }, (_, i) => `join-stall-${i}`);
    expect(new Set(stalls.map((id) => partitionOf(id, 4))).size).toBe(4);
  });

  it('spreads orders over every partition, none with more than twice its share', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`SO2026120600${i}`, 8)]++;
    for (const c of counts) {
      expect(c).toBeGreaterThan(500);
      expect(c).toBeLessThan(2000);
    }
  });

  it('groups a batch by partition, keeping each order’s events in batch order', () => {
    const events = [
      status('1', 'A'),
      status('2', 'B'),
      { ...status('3', 'A'), type: 'shipment.update', carrier: 'sf', trackingNo: 'SF1', state: 'collected' },
      status('4', 'A'),
    ] as OrderEvent[];
    const groups = byPartition(events, 8);
    const ofA = groups.get(partitionOf('A', 8))!;
    expect(ofA.filter((e) => e.orderId === 'A').map((e) => e.id)).toEqual(['1', '3', '4']);
    expect([...groups.values()].flat()).toHaveLength(4);
  });

  it('names one queue per partition under the prefix', () => {
    expect(partitionQueue('orderpulse', 3)).toBe('orderpulse.events.3');
  });

  it('gives an alert its order’s partition, and alerts of no order to partition 0', () => {
    const order = { entityType: 'order', entityId: 'A', labels: {} };
    const shipment = { entityType: 'shipment', entityId: 'sf\u001fSF1', labels: { order_id: 'A' } };
    const provider = { entityType: 'provider', entityId: 'wechatpay', labels: {} };
    expect(alertPartition(order, 8)).toBe(partitionOf('A', 8));
    expect(alertPartition(shipment, 8)).toBe(partitionOf('A', 8));
    expect(alertPartition(provider, 8)).toBe(0);
  });
});
