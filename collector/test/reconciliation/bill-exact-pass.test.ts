// The exact pass pairs the same lines with the same orders whether it knows the file's repeated order
// numbers (the parse's list: only those lines, and the ones earlier imports' lines name, go through
// the anti join) or looks at every line: the first payment line naming an order takes it, this file's
// lines before earlier imports' lines, refunds never.
import { describe, expect, it } from 'vitest';
import { createWorkTables, matchExact } from '../../src/reconciliation/bill-set-match-queries.ts';
import type { Database } from '../../src/store/database.ts';
import { storesPerTest } from '../support/stores-per-test.ts';
import { STORE_KINDS } from '../support/test-database.ts';

// pos, line (null: an earlier import's line), kind, transaction, order number
const LINES: [number, number | null, 'payment' | 'refund', string, string][] = [
  [1, 1, 'payment', 'T1', 'A'],
  [2, 2, 'payment', 'T2', 'B'],
  [3, 3, 'refund', 'T3', 'C'],
  [4, 4, 'payment', 'T4', 'C'], // a refund named C first: this payment still takes it
  [5, 5, 'payment', 'T5', 'A'], // A's second payment: repeated in the file
  [6, 6, 'payment', 'T6', 'D'],
  [7, 7, 'payment', 'T7', 'E'],
  [8, 8, 'payment', 'T8', 'NOBODY'],
  [9, 9, 'payment', 'T9', 'NOBODY'],
  [2147483649, null, 'payment', 'E1', 'D'], // an earlier line naming D, which this file names once
  [2147483650, null, 'payment', 'E2', 'F'], // an earlier line alone on F
  [2147483651, null, 'payment', 'E3', 'F'],
  [2147483652, null, 'refund', 'E4', 'E'],
];
const ORDERS = ['A', 'B', 'C', 'D', 'E', 'F'];

async function pairs(db: Database, repeated: readonly string[] | undefined): Promise<string[]> {
  return db.transaction(async (q) => {
    await createWorkTables(q);
    await q.query(
      `INSERT INTO bm_pay (pos, line, kind, transaction_id, merchant_order_no, paid_ms, day, amount_fen, store_id, device_id)
       SELECT l.pos, l.line, l.kind, l.txn, l.no, 0, '2024-06-01', 100, NULL, ''
       FROM unnest($1::bigint[], $2::int4[], $3::text[], $4::text[], $5::text[]) AS l(pos, line, kind, txn, no)`,
      [
        LINES.map((l) => l[0]),
        LINES.map((l) => l[1]),
        LINES.map((l) => l[2]),
        LINES.map((l) => l[3]),
        LINES.map((l) => l[4]),
      ],
    );
    await q.query(
      `INSERT INTO bm_ord (order_id, store_id, amount_fen, paid_ms, grp) SELECT id, 'S1', 100, 0, 0 FROM unnest($1::text[]) AS id`,
      [ORDERS],
    );
    await matchExact(q, repeated);
    const { rows } = await q.query<{ pair: string }>(
      `SELECT transaction_id || '→' || order_id AS pair FROM bm_exact ORDER BY pos`,
    );
    return rows.map((r) => r.pair);
  });
}

describe.each(STORE_KINDS)('the exact pass (%s)', (kind) => {
  const open = storesPerTest(kind);

  it('pairs the first payment line naming each order, with the repeated numbers known or not', async () => {
    const db = await open();
    const expected = ['T1→A', 'T2→B', 'T4→C', 'T6→D', 'T7→E', 'E2→F'];
    expect(await pairs(db, undefined)).toEqual(expected);
    // the parse lists A and NOBODY; D and F are repeated only through the earlier lines
    expect(await pairs(db, ['A', 'NOBODY'])).toEqual(expected);
    // a number listed that is not repeated changes nothing
    expect(await pairs(db, ['A', 'NOBODY', 'B'])).toEqual(expected);
  });
});
