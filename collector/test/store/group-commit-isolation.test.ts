// A group commit shares one transaction among concurrent callers; a value the store refuses in one
// caller's events must fail that caller only, never its neighbours in the commit. The value
// here reaches the writer unvalidated on purpose: it stands for anything the edge checks miss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent, StoredEvent } from '../../src/domain/events.ts';
import { eventKey, ingestBatch } from '../../src/store/event-batch.ts';
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

  // ingest_batch stores new keys with a plain INSERT (no speculative insertion: less WAL) and falls
  // back to the conflict-handling form when another commit stores the same key first. Only
  // PostgreSQL runs commits side by side (the embedded store has one connection), so only it races.
  if (kind === 'postgres') {
    it('credits a key stored by a concurrent commit to that commit only, and stores the rest', async () => {
      const first = { ...created('race-1', 'RACE1'), source: 'race' };
      const second = { ...created('race-2', 'RACE2'), source: 'race' };
      let xid = '';
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let stored!: () => void;
      const firstStored = new Promise<void>((resolve) => {
        stored = resolve;
      });
      // Commit A stores `first` and stays open until B waits on it.
      const commitA = store.db.transaction(async (tx) => {
        const credited = await ingestBatch(tx, [first], Date.now());
        xid = (await tx.query<{ xid: string }>('SELECT (txid_current() % 4294967296)::text AS xid')).rows[0]!
          .xid;
        stored();
        await released;
        return credited;
      });
      await firstStored;
      let settledB = false;
      const commitB = ingestBatch(store.db, [first, second], Date.now()).finally(() => {
        settledB = true;
      });
      // B's INSERT of `first` waits for A's transaction (it cannot see A's row, but the unique index can).
      await expect
        .poll(async () => {
          const { rows } = await store.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks
             WHERE locktype = 'transactionid' AND NOT granted AND transactionid::text = $1`,
            [xid],
          );
          return rows[0]!.n;
        })
        .toBe(1);
      expect(settledB).toBe(false);
      release();
      expect(await commitA).toBe('all');
      const storedByB = await commitB;
      expect(storedByB === 'all' ? 'all' : [...storedByB]).toEqual([eventKey(second)]);
      const { rows } = await store.db.query<{ id: string; order_id: string }>(
        "SELECT id, order_id FROM events WHERE source = 'race' ORDER BY id",
      );
      expect(rows).toEqual([
        { id: 'race-1', order_id: 'RACE1' },
        { id: 'race-2', order_id: 'RACE2' },
      ]);
      const orders = await store.db.query<{ order_id: string }>(
        "SELECT order_id FROM orders WHERE order_id LIKE 'RACE%' ORDER BY order_id",
      );
      expect(orders.rows.map((r) => r.order_id)).toEqual(['RACE1', 'RACE2']);
    });
  }
});
