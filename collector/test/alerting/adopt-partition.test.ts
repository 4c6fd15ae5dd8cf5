// Cluster mode: a processor handed a partition reads only that partition's rows. The store keeps
// each order's (and shipment's) partition hash, computed in SQL when the row is inserted; it must
// be the collector's own (partitionHash) bit for bit, for any id (non-ASCII, beyond the BMP), or a takeover
// would miss orders. Then the takeover itself on both stores: exactly the partition's open orders,
// recently created finished orders and open shipments, the same as filtering the whole store, and
// no page of the whole store read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertBook } from '../../src/alerting/alert-book.ts';
import { EngineRestore } from '../../src/alerting/engine-restore.ts';
import { restoreEngine, restoreOrders, restoreShipments } from '../../src/alerting/restore-engine.ts';
import { createRuleEngine } from '../../src/alerting/rule-set-adapter.ts';
import { PartitionOwnership } from '../../src/cluster/partition-ownership.ts';
import { partitionHash, partitionOf } from '../../src/cluster/partitions.ts';
import {
  type OrderEvent,
  type OrderStatus,
  PAYMENT_PROVIDERS,
  type ShipmentState,
} from '../../src/domain/events.ts';
import type { RuleEngine } from '../../src/domain/rules/engine.ts';
import { ingestBatch } from '../../src/store/event-batch.ts';
import { interceptQueries } from '../support/intercept-queries.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const NOW = Date.parse('2026-11-11T12:00:00Z');
const MINUTE = 60_000;
/** Orders created since NOW - this are restored even when finished. */
const CREATED_SINCE_MS = 30 * MINUTE;
const PARTITIONS = 4;

/** A small deterministic generator, so a failure names ids that can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Ids of every kind of character a store may send: ASCII, CJK, other BMP, beyond the BMP. */
function mixedIds(count: number): string[] {
  const random = prng(20261206);
  const ranges: [number, number][] = [
    [0x21, 0x7e], // ASCII
    [0xa0, 0x7ff], // two-byte UTF-8
    [0x4e00, 0x9fff], // CJK
    [0xe000, 0xfffd], // private use up to the end of the BMP (past the surrogates)
    [0x1f300, 0x1faff], // emoji: surrogate pairs in UTF-16
    [0x20000, 0x2a6df], // CJK extension B
  ];
  const ids = ['', 'a', 'foobar', '订单-2026-000001', '京东JD0000123', '📦包裹-1', '𠀀', 'ÿ', '\u{10ffff}'];
  while (ids.length < count) {
    const length = 1 + Math.floor(random() * 24);
    let id = '';
    for (let i = 0; i < length; i++) {
      const [lo, hi] = ranges[Math.floor(random() * ranges.length)]!;
      id += String.fromCodePoint(lo + Math.floor(random() * (hi - lo + 1)));
    }
    ids.push(id);
  }
  return ids;
}

let seq = 0;
const status = (orderId: string, s: OrderStatus, at: number): OrderEvent => ({
  id: `e${++seq}`,
  source: 'pos',
  type: 'order.status',
  occurredAt: at,
  orderId,
  storeId: 'S1',
  status: s,
});
const shipment = (orderId: string, trackingNo: string, state: ShipmentState, at: number): OrderEvent => ({
  id: `e${++seq}`,
  source: 'sf',
  type: 'shipment.update',
  occurredAt: at,
  orderId,
  storeId: 'S1',
  carrier: 'sf',
  trackingNo,
  state,
});

interface Seeded {
  orderIds: string[];
  /** Open (restored whatever their age) and finished ones created recently (restored too). */
  restorable: Set<string>;
  waybills: { orderId: string; trackingNo: string; open: boolean }[];
}

/** 400 orders of every kind, a third with a waybill, committed through the group-commit call. */
async function seed(store: TestDatabase): Promise<Seeded> {
  const random = prng(7);
  const out: Seeded = { orderIds: [], restorable: new Set(), waybills: [] };
  const events: OrderEvent[] = [];
  const kinds: { final: OrderStatus; open: boolean }[] = [
    { final: 'created', open: true },
    { final: 'paid', open: true },
    { final: 'packed', open: true },
    { final: 'shipped', open: true },
    { final: 'delivered', open: false },
    { final: 'cancelled', open: false },
  ];
  for (let i = 0; i < 400; i++) {
    const orderId = i % 3 === 0 ? `订单-${i}` : i % 7 === 0 ? `📦-${i}` : `SO2026111100${i}`;
    const kind = kinds[i % kinds.length]!;
    const recent = random() < 0.3;
    const createdAt = recent ? NOW - 5 * MINUTE : NOW - 5 * 60 * MINUTE;
    out.orderIds.push(orderId);
    if (kind.open || recent) out.restorable.add(orderId);
    events.push(status(orderId, 'created', createdAt));
    if (kind.final !== 'created') events.push(status(orderId, kind.final, createdAt + MINUTE));
    if (i % 3 === 1) {
      const trackingNo = `SF${i}`;
      const open = i % 2 === 0;
      out.waybills.push({ orderId, trackingNo, open });
      events.push(shipment(orderId, trackingNo, 'in_transit', createdAt + 2 * MINUTE));
      if (!open) events.push(shipment(orderId, trackingNo, 'delivered', createdAt + 3 * MINUTE));
    }
  }
  for (let i = 0; i < events.length; i += 100) await ingestBatch(store.db, events.slice(i, i + 100), NOW);
  return out;
}

describe.each(STORE_KINDS)('partition hashes and taking on a partition (%s)', (kind) => {
  let store: TestDatabase;
  let seeded: Seeded;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    seeded = await seed(store);
  });
  afterAll(() => store.dispose());

  it('computes the collector’s partition hash in SQL, bit for bit, for ids of any characters', async () => {
    const ids = mixedIds(3000);
    const { rows } = await store.db.query<{ id: string; hash: number }>(
      'SELECT id, order_partition_hash(id)::float8 AS hash FROM unnest($1::text[]) AS id',
      [ids],
    );
    expect(rows).toHaveLength(ids.length);
    const wrong = rows.filter((r) => r.hash !== partitionHash(r.id));
    expect(wrong).toEqual([]);
  });

  it('stores each order’s and waybill’s hash when the group commit inserts the row', async () => {
    const orders = await store.db.query<{ order_id: string; hash: number }>(
      'SELECT order_id, partition_hash::float8 AS hash FROM orders',
    );
    expect(orders.rows.map((r) => r.order_id).sort()).toEqual([...seeded.orderIds].sort());
    expect(orders.rows.filter((r) => r.hash !== partitionHash(r.order_id))).toEqual([]);
    const shipments = await store.db.query<{ order_id: string; hash: number }>(
      'SELECT order_id, partition_hash::float8 AS hash FROM shipments',
    );
    expect(shipments.rows).toHaveLength(seeded.waybills.length);
    expect(shipments.rows.filter((r) => r.hash !== partitionHash(r.order_id))).toEqual([]);
  });

  it('restores exactly a partition’s open orders and waybills, reading no other partition’s pages', async () => {
    // The reference: every restorable order read from the whole store.
    const whole = createRuleEngine(() => undefined);
    await restoreEngine(store.db, whole, [], { now: NOW, createdSince: NOW - CREATED_SINCE_MS });
    const restoredIn = (engine: RuleEngine) => seeded.orderIds.filter((id) => engine.order(id) !== undefined);
    const waybillsIn = (engine: RuleEngine) =>
      seeded.waybills
        .filter((w) => engine.shipment('sf', w.trackingNo) !== undefined)
        .map((w) => w.trackingNo);
    expect(new Set(restoredIn(whole))).toEqual(seeded.restorable);

    const pagesOfWholeStore: string[] = [];
    const db = interceptQueries(store.db, (sql) => {
      if (sql.includes('o.order_id > $1') || sql.includes('(carrier, tracking_no) > ($1, $2)')) {
        pagesOfWholeStore.push(sql);
      }
    });
    const union = new Set<string>();
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const engine = createRuleEngine(() => undefined);
      const restore = new EngineRestore({
        db,
        engine,
        book: new AlertBook(),
        now: () => NOW,
        log: undefined,
        createdSinceMs: () => CREATED_SINCE_MS,
        heldEvents: () => 0,
        stopped: () => false,
        // A processor that owns nothing yet: its start-up restores nothing.
        scope: new PartitionOwnership(PARTITIONS),
      });
      await restore.begin(async () => {});
      await restore.restored();
      expect(restoredIn(engine)).toEqual([]);

      const adopted = await restore.adopt(PartitionOwnership.only(partition, PARTITIONS));
      const mine = (id: string) => partitionOf(id, PARTITIONS) === partition;
      const expected = seeded.orderIds.filter((id) => mine(id) && seeded.restorable.has(id));
      expect(expected.length).toBeGreaterThan(20);
      expect(restoredIn(engine)).toEqual(expected);
      expect(adopted.orders).toBe(expected.length);
      const expectedWaybills = seeded.waybills
        .filter((w) => mine(w.orderId) && w.open)
        .map((w) => w.trackingNo);
      expect(expectedWaybills.length).toBeGreaterThan(2);
      expect(waybillsIn(engine)).toEqual(expectedWaybills);
      expect(adopted.shipments).toBe(expectedWaybills.length);
      for (const id of restoredIn(engine)) {
        expect(engine.order(id)).toEqual(whole.order(id));
        union.add(id);
      }
    }
    expect(union).toEqual(seeded.restorable);
    expect(pagesOfWholeStore).toEqual([]);
  });

  it('pages a partition in (hash, id) order without losing or repeating a row', async () => {
    const partition = 2;
    const filter = PartitionOwnership.only(partition, PARTITIONS);
    const paged = createRuleEngine(() => undefined);
    const pages: number[] = [];
    const options = {
      now: NOW,
      createdSince: NOW - CREATED_SINCE_MS,
      keep: filter.ownsOrder,
      ranges: filter.hashRanges(),
      pageSize: 7,
    };
    const shipments = await restoreShipments(store.db, paged, [], options);
    const orders = await restoreOrders(store.db, paged, [], {
      ...options,
      onProgress: (c) => pages.push(c.orders),
    });
    const expected = seeded.orderIds.filter(
      (id) => partitionOf(id, PARTITIONS) === partition && seeded.restorable.has(id),
    );
    expect(orders).toBe(expected.length);
    expect(pages.length).toBeGreaterThan(expected.length / 7 - 1);
    expect(seeded.orderIds.filter((id) => paged.order(id) !== undefined)).toEqual(expected);
    expect(shipments).toBe(
      seeded.waybills.filter((w) => w.open && partitionOf(w.orderId, PARTITIONS) === partition).length,
    );
  });

  it('streams a partition’s open orders by COPY where the store has it, each as the pages read it', async () => {
    // Ids and attributes COPY's text format must escape or that span several UTF-8 bytes.
    const awkward = [
      'tab\there',
      'line\nbreak',
      'cr\rhere',
      'back\\slash',
      'ends\\',
      '\\N',
      'N',
      '"quoted", with, commas',
      "it's",
      '订单-号',
      '📦𠀀\u{10ffff}',
      ...mixedIds(200).slice(1),
    ];
    const events: OrderEvent[] = [];
    awkward.forEach((orderId, i) => {
      const at = NOW - (i % 50) * MINUTE - 1;
      events.push({
        ...status(orderId, i % 4 === 0 ? 'created' : 'paid', at),
        storeId: i % 2 === 0 ? `店\t${i % 5}` : 'S1',
        ...(i % 3 !== 0 && {
          amountFen: i * 1_000_003,
          region: `区\n${i % 7}`,
          channel: i % 3 === 1 ? 'mini\\app' : 'pos',
        }),
      });
      if (i % 4 === 0 && i % 8 !== 0) {
        events.push({
          id: `p${i}`,
          source: 'pay',
          type: 'payment.notify',
          occurredAt: at + 1_000,
          orderId,
          storeId: 'S1',
          provider: PAYMENT_PROVIDERS[0]!,
          transactionId: `t${i}`,
          amountFen: 100,
          status: 'success',
        });
      }
    });
    for (let i = 0; i < events.length; i += 100) await ingestBatch(store.db, events.slice(i, i + 100), NOW);

    const everyId = [...seeded.orderIds, ...awkward];
    const withPayment = awkward.filter((_, i) => i % 4 === 0 && i % 8 !== 0);
    let paymentsSeen = 0;
    const pagedQueries: string[] = [];
    const db = interceptQueries(store.db, (sql) => {
      if (sql.includes('ORDER BY o.partition_hash, o.order_id')) pagedQueries.push(sql);
    });
    // Only the query port: the same restore, paged.
    const pagesOnly = { query: store.db.query.bind(store.db) };
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const filter = PartitionOwnership.only(partition, PARTITIONS);
      const options = {
        now: NOW,
        createdSince: NOW - CREATED_SINCE_MS,
        keep: filter.ownsOrder,
        ranges: filter.hashRanges(),
        pageSize: 16,
      };
      const streamed = createRuleEngine(() => undefined);
      const paged = createRuleEngine(() => undefined);
      const count = await restoreOrders(db, streamed, [], options);
      expect(await restoreOrders(pagesOnly, paged, [], options)).toBe(count);
      const inStreamed = everyId.filter((id) => streamed.order(id) !== undefined);
      expect(inStreamed).toEqual(everyId.filter((id) => paged.order(id) !== undefined));
      expect(inStreamed.length).toBe(count);
      expect(inStreamed.filter((id) => awkward.includes(id)).length).toBeGreaterThan(20);
      for (const id of inStreamed) expect(streamed.order(id), id).toEqual(paged.order(id));
      for (const id of withPayment.filter((id) => streamed.order(id) !== undefined)) {
        expect(streamed.order(id)?.paymentAt, id).toBe(NOW - (awkward.indexOf(id) % 50) * MINUTE - 1 + 1_000);
        paymentsSeen++;
      }
      if (streamed.order('tab\there') !== undefined)
        expect(streamed.order('tab\there')?.storeId).toBe('店\t0');
    }
    expect(paymentsSeen).toBe(withPayment.length);
    // PostgreSQL streams the open orders; the embedded store (no COPY) pages them.
    if (kind === 'postgres') {
      expect(store.db.copyOut).toBeDefined();
      expect(pagedQueries.filter((sql) => sql.includes('WHERE (o.status IS NULL'))).toEqual([]);
    } else {
      expect(store.db.copyOut).toBeUndefined();
    }
  });
});
