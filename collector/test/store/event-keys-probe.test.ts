// A group commit tells new events from resent ones by event_keys' primary key, one probe per event,
// whatever the planner estimates: read as a join, the test scanned every key stored so far in each
// call while the table was of a middling size, so each commit cost more the more had been stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/domain/events.ts';
import { eventKey, ingestBatch } from '../../src/store/event-batch.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const STORED_KEYS = 50_000;
const AT = Date.parse('2026-11-11T10:00:00Z');

const created = (n: number): OrderEvent => ({
  type: 'order.status',
  id: `probe-${n}`,
  source: 'pos',
  occurredAt: AT,
  orderId: `P${n}`,
  storeId: 's1',
  status: 'created',
});

describe.each(STORE_KINDS)('event keys on %s', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(() => store.dispose());

  it('are probed by the primary key for a 100-event commit, never scanned', async () => {
    const scans = await store.db.transaction(async (q) => {
      // The session's plan for the call is settled while the store is new and its keys few (after
      // five calls a plan may be kept for the session), then keys pile up, never analysed.
      for (let call = 0; call < 8; call++) await ingestBatch(q, [created(1_000_000 + call)], AT);
      await q.query(
        `INSERT INTO event_keys (source, id, occurred_at)
         SELECT 'pos', 'old-' || n, now() FROM generate_series(1, ${STORED_KEYS}) AS n`,
      );
      // half of the batch resent: it must still be told apart, by the probes
      await ingestBatch(
        q,
        Array.from({ length: 50 }, (_, n) => created(n)),
        AT,
      );
      const before = await q.query<{ seq: string; idx: string }>(
        `SELECT seq_scan::text AS seq, coalesce(idx_scan, 0)::text AS idx
           FROM pg_stat_xact_user_tables WHERE relid = 'event_keys'::regclass`,
      );
      const fresh = await ingestBatch(
        q,
        Array.from({ length: 100 }, (_, n) => created(n)),
        AT,
      );
      const after = await q.query<{ seq: string; idx: string }>(
        `SELECT seq_scan::text AS seq, coalesce(idx_scan, 0)::text AS idx
           FROM pg_stat_xact_user_tables WHERE relid = 'event_keys'::regclass`,
      );
      return {
        fresh: fresh === 'all' ? 'all' : [...fresh].sort(),
        seq: Number(after.rows[0]?.seq) - Number(before.rows[0]?.seq),
        idx: Number(after.rows[0]?.idx) - Number(before.rows[0]?.idx),
      };
    });
    // the second half of the keys, the first having been stored by the earlier commit
    expect(scans.fresh).toEqual(Array.from({ length: 50 }, (_, n) => eventKey(created(n + 50))).sort());
    expect(scans.seq).toBe(0);
    expect(scans.idx).toBeGreaterThanOrEqual(100);
  });
});
