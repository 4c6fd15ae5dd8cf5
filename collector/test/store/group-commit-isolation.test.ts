// A group commit shares one transaction among concurrent callers; a value the store refuses in one
// caller's events must fail that caller only, never its neighbours in the commit. The value
// here reaches the writer unvalidated on purpose: it stands for anything the edge checks miss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent, StoredEvent } from '../../src/domain/events.ts';
import { type BatchStats, EventWriter } from '../../src/store/event-writer.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const created = (id: string, orderId: string): OrderEvent => ({
  type: 'order.status',
  id,
  source: 'isolation',
  occurredAt: Date.parse('2026-11-11T10:00:00Z'),
  orderId,
  storeId: 's1',
  status: 'created',
});

describe.each(STORE_KINDS)('group commit isolation on %s', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(() => store.dispose());

  it('retries each caller alone when the shared commit fails, so only the guilty one fails', async () => {
    const batches: BatchStats[] = [];
    const writer = new EventWriter(store.db, {
      maxBatchEvents: 10_000,
      queueLimit: 100_000,
      onBatch: (s) => batches.push(s),
    });
    const committed: StoredEvent[] = [];
    writer.onCommitted((events) => committed.push(...events));
    // Written in one tick, so all ten join one batch.
    const writes = Array.from({ length: 10 }, (_, i) =>
      writer.write([
        created(`iso-${i}`, i === 3 ? 'bad\u0000order' : `ISO${i}`),
        created(`iso-${i}b`, `ISO${i}b`),
      ]),
    );
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes[3]!.status).toBe('rejected');
    for (const [i, outcome] of outcomes.entries()) {
      if (i === 3) continue;
      expect(outcome).toEqual({ status: 'fulfilled', value: { accepted: 2, duplicates: 0 } });
    }
    const { rows } = await store.db.query<{ order_id: string }>(
      "SELECT order_id FROM events WHERE source = 'isolation' ORDER BY order_id",
    );
    expect(rows.map((r) => r.order_id)).toEqual(
      [0, 1, 2, 4, 5, 6, 7, 8, 9].flatMap((i) => [`ISO${i}`, `ISO${i}b`]).sort(),
    );
    // Each caller's events reached the listeners once, and the guilty caller's good event not at all.
    expect(committed.map((e) => e.id).sort()).toEqual(
      [0, 1, 2, 4, 5, 6, 7, 8, 9].flatMap((i) => [`iso-${i}`, `iso-${i}b`]).sort(),
    );
    expect(batches.reduce((n, b) => n + b.requests, 0)).toBe(9);

    // The writer goes on taking writes afterwards.
    expect(await writer.write([created('iso-after', 'ISO-after')])).toEqual({ accepted: 1, duplicates: 0 });
    await writer.close();
  });
});
