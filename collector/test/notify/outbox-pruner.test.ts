// The outbox's retention: rows delivered or given up on before it go, in as many bounded batches as
// it takes; pending rows stay, and so does every row of a notification that still has one pending.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxPruner } from '../../src/notify/outbox/outbox-pruner.ts';
import {
  insertOutboxRows,
  markDelivered,
  markFailed,
  outboxRowsOf,
} from '../../src/notify/outbox/outbox-queries.ts';
import type { Database } from '../../src/store/database.ts';
import { outboxStores } from './outbox-stores.ts';

const stores = await outboxStores();
const DAY = 86_400_000;
const NOW = Date.parse('2026-12-07T08:00:00Z');
const RETENTION = 30 * DAY;

type Outcome = 'delivered' | 'failed' | 'pending';

describe.each(stores)('outbox retention on $name', (store) => {
  let db: Database;
  beforeEach(async () => {
    db = await store.open();
  });
  afterEach(async () => {
    await db.close();
  });
  afterAll(async () => {
    await store.dispose();
  });

  /** A notification queued `ageMs` ago on one channel per outcome given, each row settled as said. */
  async function notification(ageMs: number, ...outcomes: Outcome[]): Promise<string> {
    const notificationId = randomUUID();
    const at = new Date(NOW - ageMs);
    await insertOutboxRows(
      db,
      outcomes.map((_, i) => ({
        notificationId,
        receiver: 'store-oncall',
        channel: `${i === 0 ? 'primary' : 'backup'}/${i}/webhook`,
        tier: i === 0 ? 'primary' : 'backup',
        payload: { n: i },
      })),
      at,
    );
    const rows = await outboxRowsOf(db, notificationId);
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome === 'delivered') await markDelivered(db, rows[i]!.id, new Date(at.getTime() + 1_000));
      if (outcome === 'failed') await markFailed(db, rows[i]!.id, 'HTTP 410');
    }
    return notificationId;
  }

  const rowsOf = async (id: string) => (await outboxRowsOf(db, id)).map((r) => r.status);

  function pruner(onPruned: (deleted: number) => void, batchRows = 2) {
    return new OutboxPruner(db, {
      retentionMs: RETENTION,
      now: () => NOW,
      intervalMs: 3_600_000,
      batchRows,
      onPruned,
      onError: (error) => {
        throw error;
      },
    });
  }

  it('deletes settled rows past the retention, in batches, and keeps the rest', async () => {
    const old = [
      await notification(31 * DAY, 'delivered'),
      await notification(40 * DAY, 'failed'),
      await notification(35 * DAY, 'delivered', 'failed'),
      await notification(90 * DAY, 'delivered'),
    ];
    const recent = await notification(29 * DAY, 'delivered');
    const stillPending = await notification(60 * DAY, 'pending');
    const backupPending = await notification(45 * DAY, 'failed', 'pending');

    const passes: number[] = [];
    await pruner((deleted) => passes.push(deleted)).pass();

    expect(passes).toEqual([5]);
    for (const id of old) expect(await rowsOf(id)).toEqual([]);
    expect(await rowsOf(recent)).toEqual(['delivered']);
    expect(await rowsOf(stillPending)).toEqual(['pending']);
    expect(await rowsOf(backupPending)).toEqual(['failed', 'pending']);
  });

  it('reports nothing when nothing is past the retention', async () => {
    const kept = await notification(RETENTION - 60_000, 'delivered');
    const passes: number[] = [];
    await pruner((deleted) => passes.push(deleted), 5_000).pass();
    expect(passes).toEqual([]);
    expect(await rowsOf(kept)).toEqual(['delivered']);
  });
});
