import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent, StoredEvent } from '../../src/domain/events.ts';
import { type BatchStats, EventWriter, IngestBufferFullError } from '../../src/store/event-writer.ts';
import { applyMigrations, readMigrations } from '../../src/store/migrate.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const event = (n: number, orderId = `W${n}`): OrderEvent => ({
  type: 'order.status',
  id: `w-${n}`,
  source: 'test',
  occurredAt: Date.parse('2026-11-11T10:00:00Z') + n,
  orderId,
  storeId: 's1',
  status: 'created',
});

describe.each(STORE_KINDS)('store on %s', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(() => store.dispose());

  it('records every migration once; applying them again is a no-op', async () => {
    const all = await readMigrations();
    const { rows } = await store.db.query<{ version: number }>(
      `SELECT version FROM ${store.schema}.migrations ORDER BY version`,
    );
    expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
    const tables = async () =>
      (
        await store.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`,
          [store.schema],
        )
      ).rows[0]!.n;
    const before = await tables();
    expect(await applyMigrations(store.db, store.schema)).toEqual([]);
    expect(await tables()).toBe(before);
  });

  it('coalesces concurrent writes into group commits and credits each caller', async () => {
    const batches: BatchStats[] = [];
    const writer = new EventWriter(store.db, {
      maxBatchEvents: 10_000,
      queueLimit: 100_000,
      onBatch: (s) => batches.push(s),
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => writer.write([event(i)])));
    expect(results.every((r) => r.accepted === 1 && r.duplicates === 0)).toBe(true);
    // 50 callers, far fewer transactions.
    expect(batches.length).toBeLessThan(50);
    expect(batches.reduce((n, b) => n + b.requests, 0)).toBe(50);
    await writer.close();
  });

  it('tells listeners about newly committed events only', async () => {
    const writer = new EventWriter(store.db, { maxBatchEvents: 10_000, queueLimit: 100_000 });
    const seen: string[] = [];
    writer.onCommitted((events) => seen.push(...events.map((e) => e.id)));
    await writer.write([event(1000), event(1001)]);
    await writer.write([event(1000), event(1002)]);
    expect(seen).toEqual(['w-1000', 'w-1001', 'w-1002']);
    await writer.close();
  });

  it('credits a key that comes twice in one group commit to its first occurrence only', async () => {
    const writer = new EventWriter(store.db, { maxBatchEvents: 10_000, queueLimit: 100_000 });
    const seen: string[] = [];
    writer.onCommitted((events) => seen.push(...events.map((e) => e.id)));
    // written in the same tick, so the three requests share one commit
    const results = await Promise.all([
      writer.write([event(1200), event(1200)]),
      writer.write([event(1201), event(1200)]),
      writer.write([event(1201)]),
    ]);
    expect(results).toEqual([
      { accepted: 1, duplicates: 1 },
      { accepted: 1, duplicates: 1 },
      { accepted: 0, duplicates: 1 },
    ]);
    expect(seen.sort()).toEqual(['w-1200', 'w-1201']);
    await writer.close();
  });

  it('hands listeners the written event objects with their receipt time, not copies', async () => {
    // Copies made per event got a hidden class each in the running collector (BENCHMARKS.md §3).
    const receivedAt = Date.parse('2026-11-26T04:00:00Z');
    const writer = new EventWriter(store.db, {
      maxBatchEvents: 10_000,
      queueLimit: 100_000,
      now: () => receivedAt,
    });
    const committed: StoredEvent[] = [];
    writer.onCommitted((events) => committed.push(...events));
    const written = [event(1100), event(1101)];
    await writer.write(written);
    expect(committed).toHaveLength(2);
    expect(committed[0]).toBe(written[0]);
    expect(committed[1]).toBe(written[1]);
    expect(committed.map((e) => e.receivedAt)).toEqual([receivedAt, receivedAt]);
    await writer.close();
  });

  it('refuses writes beyond the queue limit instead of buffering without bound', async () => {
    const writer = new EventWriter(store.db, { maxBatchEvents: 10, queueLimit: 20 });
    const first = writer.write(Array.from({ length: 15 }, (_, i) => event(2000 + i)));
    await expect(writer.write(Array.from({ length: 10 }, (_, i) => event(3000 + i)))).rejects.toBeInstanceOf(
      IngestBufferFullError,
    );
    expect((await first).accepted).toBe(15);
    await writer.close();
  });

  it('folds a batch into one row per order and waybill: furthest status decides, earliest created/paid', async () => {
    const writer = new EventWriter(store.db, { maxBatchEvents: 10_000, queueLimit: 100_000 });
    const at = (minute: number) => Date.parse('2026-11-11T10:00:00Z') + minute * 60_000;
    const base = { source: 'fold', storeId: 's1' } as const;
    const status = (id: string, minute: number, s: string, extra: object = {}) =>
      ({
        ...base,
        id,
        type: 'order.status',
        orderId: 'F1',
        occurredAt: at(minute),
        status: s,
        ...extra,
      }) as OrderEvent;
    const update = (id: string, minute: number, state: string, extra: object = {}) =>
      ({
        ...base,
        id,
        type: 'shipment.update',
        orderId: 'F1',
        occurredAt: at(minute),
        carrier: 'sf',
        trackingNo: 'SF1',
        state,
        ...extra,
      }) as OrderEvent;
    await writer.write([
      // Key order (a…e) is not time order: the fold must not depend on the order it reads them in.
      status('a', 5, 'packed', { storeId: 's2' }),
      status('b', 1, 'paid', { amountFen: 900, region: 'east' }),
      status('c', 0, 'created', { amountFen: 800, channel: 'app' }),
      status('d', 5, 'picking'),
      status('e', 2, 'paid'),
      {
        ...base,
        id: 'p',
        type: 'payment.notify',
        orderId: 'F2',
        occurredAt: at(3),
        provider: 'alipay',
        transactionId: 'T1',
        amountFen: 900,
        status: 'success',
      } as OrderEvent,
      update('s1', 10, 'collected', { location: 'Shenzhen' }),
      update('s2', 30, 'returned', { destinationRegion: 'north' }),
      update('s3', 20, 'returned', { location: 'Guangzhou' }),
    ]);
    const order = async (id: string) =>
      (
        await store.db.query<Record<string, unknown>>(
          `SELECT store_id, status, status_rank, amount_fen::int AS amount_fen, region, channel, created_at, paid_at,
                  status_at, first_seen_at, last_event_at
           FROM ${store.schema}.orders WHERE order_id = $1`,
          [id],
        )
      ).rows[0];
    expect(await order('F1')).toMatchObject({
      store_id: 's1', // an order belongs to one store: a batch that disagrees keeps the least
      status: 'packed', // the furthest status reported
      status_rank: 3,
      amount_fen: 900, // the newest status event that carries an amount
      region: 'east',
      channel: 'app',
      created_at: new Date(at(0)),
      paid_at: new Date(at(1)),
      status_at: new Date(at(5)), // its earliest report
      first_seen_at: new Date(at(0)),
      last_event_at: new Date(at(30)),
    });
    // An order first named by a payment gets a row with no status yet.
    expect(await order('F2')).toMatchObject({ status: null, store_id: 's1', first_seen_at: new Date(at(3)) });
    const waybill = async () =>
      (
        await store.db.query(
          `SELECT state, location, destination_region, returned_count, last_update_at
           FROM ${store.schema}.shipments WHERE carrier = 'sf' AND tracking_no = 'SF1'`,
        )
      ).rows[0];
    expect(await waybill()).toMatchObject({
      state: 'returned',
      location: 'Guangzhou',
      destination_region: 'north',
      returned_count: 2,
      last_update_at: new Date(at(30)),
    });
    // Resent in a later batch, nothing changes: returns are not counted twice.
    expect((await writer.write([update('s2', 30, 'returned'), status('a', 5, 'packed')])).duplicates).toBe(2);
    expect((await waybill())!.returned_count).toBe(2);
    // A later commit merges with the row: an earlier status rolls nothing back, but a newer amount
    // replaces the stored one whichever status carries it.
    await writer.write([status('f', 4, 'paid', { amountFen: 1000 })]);
    expect(await order('F1')).toMatchObject({ status: 'packed', amount_fen: 1000, paid_at: new Date(at(1)) });
    await writer.write([status('g', 6, 'shipped', { amountFen: 1100 })]);
    expect(await order('F1')).toMatchObject({
      status: 'shipped',
      amount_fen: 1100,
      status_at: new Date(at(6)),
    });
    await writer.close();
  });
});
