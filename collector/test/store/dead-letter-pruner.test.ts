// Retention and the size cap delete the oldest dead letters first, on both stores.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeadLetterPruner, type PruneResult } from '../../src/store/dead-letter-pruner.ts';
import { insertDeadLetters } from '../../src/store/dead-letters.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(STORE_KINDS)('dead-letter pruning on %s', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await store?.dispose();
  });
  beforeEach(async () => {
    await store.db.query('DELETE FROM dead_letters');
  });

  /** Letters named by message, received at the given ages before NOW. */
  const keep = async (letters: { name: string; ageMs: number; bytes: number }[]) => {
    for (const { name, ageMs, bytes } of letters) {
      await insertDeadLetters(store.db, [
        {
          endpoint: '/v1/events',
          source: 'pos',
          reason: 'invalid_body',
          message: name,
          itemIndex: null,
          raw: 'x'.repeat(bytes),
          authenticated: true,
        },
      ]);
      await store.db.query('UPDATE dead_letters SET received_at = $1 WHERE message = $2', [
        new Date(NOW - ageMs),
        name,
      ]);
    }
  };
  const left = async () =>
    (
      await store.db.query<{ message: string }>('SELECT message FROM dead_letters ORDER BY received_at')
    ).rows.map((r) => r.message);
  const prune = async (limits: { retentionMs: number; maxBytes: number }) => {
    const results: PruneResult[] = [];
    const errors: unknown[] = [];
    const pruner = new DeadLetterPruner(store.db, {
      limits,
      now: () => NOW,
      intervalMs: 60_000,
      onPruned: (r) => results.push(r),
      onError: (e) => errors.push(e),
    });
    await pruner.pass();
    await pruner.stop();
    expect(errors).toEqual([]);
    return results[0]!;
  };

  it('deletes letters older than the retention', async () => {
    await keep([
      { name: 'eight-days', ageMs: 8 * DAY, bytes: 10 },
      { name: 'six-days', ageMs: 6 * DAY, bytes: 10 },
      { name: 'an-hour', ageMs: HOUR, bytes: 10 },
    ]);
    const result = await prune({ retentionMs: 7 * DAY, maxBytes: 1024 * 1024 });
    expect(await left()).toEqual(['six-days', 'an-hour']);
    expect(result.deleted).toBe(1);
  });

  it('over the size cap, deletes the oldest until the rest fit', async () => {
    // Each takes 1000 bytes of body plus its 2-byte message.
    await keep([
      { name: 'l1', ageMs: 5 * HOUR, bytes: 998 },
      { name: 'l2', ageMs: 4 * HOUR, bytes: 998 },
      { name: 'l3', ageMs: 3 * HOUR, bytes: 998 },
      { name: 'l4', ageMs: 2 * HOUR, bytes: 998 },
      { name: 'l5', ageMs: 1 * HOUR, bytes: 998 },
    ]);
    const result = await prune({ retentionMs: 7 * DAY, maxBytes: 2500 });
    expect(await left()).toEqual(['l4', 'l5']);
    expect(result).toEqual({ deleted: 3, storedBytes: 2000 });
    const { rows } = await store.db.query<{ bytes: string }>(
      'SELECT sum(stored_bytes)::int8 AS bytes FROM dead_letters',
    );
    expect(Number(rows[0]!.bytes)).toBe(2000);
  });

  it('prunes at once, without waiting for the interval, when a sixteenth of the cap was kept', async () => {
    await keep([
      { name: 'old', ageMs: 2 * HOUR, bytes: 1_000 },
      { name: 'new', ageMs: HOUR, bytes: 1_000 },
    ]);
    const pruned = new Promise<PruneResult>((resolve, reject) => {
      const pruner = new DeadLetterPruner(store.db, {
        limits: { retentionMs: 7 * DAY, maxBytes: 1_600 },
        now: () => NOW,
        intervalMs: 60 * 60_000,
        onPruned: (r) => void pruner.stop().then(() => resolve(r)),
        onError: reject,
      });
      pruner.noteKept(99);
      pruner.noteKept(1);
    });
    expect(await pruned).toEqual({ deleted: 1, storedBytes: 1_003 });
    expect(await left()).toEqual(['new']);
  });

  it('under the cap and within the retention, deletes nothing', async () => {
    await keep([
      { name: 'a', ageMs: 2 * HOUR, bytes: 100 },
      { name: 'b', ageMs: HOUR, bytes: 100 },
    ]);
    expect(await prune({ retentionMs: 7 * DAY, maxBytes: 10_000 })).toEqual({ deleted: 0, storedBytes: 202 });
    expect(await left()).toEqual(['a', 'b']);
  });
});
