import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/domain/events.ts';
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

  it('refuses writes beyond the queue limit instead of buffering without bound', async () => {
    const writer = new EventWriter(store.db, { maxBatchEvents: 10, queueLimit: 20 });
    const first = writer.write(Array.from({ length: 15 }, (_, i) => event(2000 + i)));
    await expect(writer.write(Array.from({ length: 10 }, (_, i) => event(3000 + i)))).rejects.toBeInstanceOf(
      IngestBufferFullError,
    );
    expect((await first).accepted).toBe(15);
    await writer.close();
  });
});
