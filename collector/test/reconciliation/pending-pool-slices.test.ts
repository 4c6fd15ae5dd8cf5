// A bill's pool items go in a slice at a time, each slice one statement, and the bill settles the pool a
// slice of evidence at a time: what is stored is what one pass stores, and a failure part-way leaves
// the slices before it, which the next attempt completes, as the statements of 2,000 items did.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaidOrder } from '../../src/domain/reconciliation/match-bill.ts';
import { claimImport } from '../../src/reconciliation/bill-import-queries.ts';
import { settleByBill } from '../../src/reconciliation/pending-healer.ts';
import { type PoolSources, pendingItems, poolSourceSlices } from '../../src/reconciliation/pending-items.ts';
import { fillPendingPool } from '../../src/reconciliation/pending-pool-fill.ts';
import { addPendingItems } from '../../src/reconciliation/pending-queries.ts';
import type { Queryable } from '../../src/store/database.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const dayOf = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const at0 = Date.parse('2024-06-05T02:00:00Z');

const payment = (p: string, i: number, amountFen = 100 + i) => ({
  provider: 'wechatpay',
  transactionId: `${p}T${i}`,
  merchantOrderNo: `${p}O${i}`,
  paidAt: at0 + i * 1000,
  amountFen,
  kind: 'payment' as const,
  storeId: 'S1',
  deviceId: `D${i % 2}`,
});
const order = (p: string, i: number, amountFen = 100 + i): PaidOrder => ({
  orderId: `${p}O${i}`,
  storeId: 'S1',
  amountFen,
  paidAt: at0 + i * 1000 - 20_000,
  deviceId: `D${i % 2}`,
});

/** Every kind of pool item, each list a different length so slices cross the kinds' borders. */
function sources(p: string): PoolSources {
  return {
    fuzzy: [1, 2, 3].map((i) => ({
      payment: { ...payment(p, i), merchantOrderNo: `POS${p}${i}` },
      order: order(p, i),
      reason: { amountFen: 100 + i, tail: String(i).padStart(4, '0'), deltaMs: 20_000, text: '' },
    })),
    amountMismatches: [4, 5].map((i) => ({ payment: payment(p, i), order: order(p, i, 1) })),
    unmatchedPayments: [6, 7, 8, 9].map((i) => ({
      payment: payment(p, i),
      storeId: 'S1',
      day: dayOf(at0),
      ...(i === 9 && { duplicateOf: `${p}T8` }),
    })),
    unmatchedOrders: [10, 11].map((i) => ({ order: order(p, i), day: dayOf(at0) })),
  };
}

describe('poolSourceSlices', () => {
  it('cuts the sources into parts of at most N entries whose items, in order, are the whole pool', () => {
    const whole = pendingItems('wechatpay', sources('A'), dayOf);
    expect(whole).toHaveLength(11);
    for (const size of [1, 2, 3, 4, 5, 11, 50]) {
      const slices = poolSourceSlices(sources('A'), size);
      expect(slices).toHaveLength(Math.ceil(11 / size));
      const parts = slices.map((s) => pendingItems('wechatpay', s, dayOf));
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(size);
      expect(parts.flat()).toEqual(whole);
    }
    expect(
      poolSourceSlices({ fuzzy: [], amountMismatches: [], unmatchedPayments: [], unmatchedOrders: [] }, 3),
    ).toEqual([]);
    expect(() => poolSourceSlices(sources('A'), 0)).toThrow(RangeError);
  });
});

/** The store with every statement that inserts pool items counted, and one of them made to fail. */
function counting(q: Queryable, failOn?: number) {
  const inserts: number[] = [];
  const wrapped: Queryable = {
    query: (statement, values) => {
      if (typeof statement === 'string' && statement.includes('INSERT INTO reconciliation_pending')) {
        inserts.push((values?.[2] as unknown[] | undefined)?.length ?? 0);
        if (inserts.length === failOn) return Promise.reject(new Error('store went away'));
      }
      return q.query(statement, values);
    },
  } as Queryable;
  return { q: wrapped, inserts };
}

describe.each(STORE_KINDS)('the pool filled and settled in slices (%s)', (kind) => {
  let store: TestDatabase;
  let importId: number;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    ({ id: importId } = await claimImport(store.db, {
      provider: 'wechatpay',
      sha256: 'slices',
      fileName: null,
      at: at0,
      by: 'test',
    }));
  }, 180_000);

  afterAll(async () => {
    await store?.dispose();
  });

  const pool = async () =>
    (
      await store.db.query(
        `SELECT item_key, kind, provider, to_char(day, 'YYYY-MM-DD') AS day, store_id, device_id, amount_fen, reason,
           reason_message, bill, order_evidence, import_id, created_at, status
         FROM reconciliation_pending ORDER BY id`,
      )
    ).rows;

  it('stores, a statement per slice of at most N items, what one statement stores', async () => {
    await store.db.query('DELETE FROM reconciliation_pending');
    const whole = pendingItems('wechatpay', sources('A'), dayOf);
    expect(await addPendingItems(store.db, importId, at0, whole)).toBe(11);
    const inOne = await pool();

    await store.db.query('DELETE FROM reconciliation_pending');
    const { q, inserts } = counting(store.db);
    expect(await fillPendingPool(q, 'wechatpay', sources('A'), dayOf, importId, at0, 3)).toBe(11);
    expect(inserts).toEqual([3, 3, 3, 2]);
    expect(await pool()).toEqual(inOne);
    expect(inOne.map((r) => r.item_key)).toEqual(whole.map((i) => i.itemKey));
  });

  it('a failure part-way keeps the slices before it, and the next attempt adds the rest', async () => {
    await store.db.query('DELETE FROM reconciliation_pending');
    const whole = pendingItems('wechatpay', sources('A'), dayOf);
    await addPendingItems(store.db, importId, at0, whole);
    const inOne = await pool();

    await store.db.query('DELETE FROM reconciliation_pending');
    const failing = counting(store.db, 3);
    await expect(
      fillPendingPool(failing.q, 'wechatpay', sources('A'), dayOf, importId, at0, 3),
    ).rejects.toThrow('store went away');
    expect(failing.inserts).toEqual([3, 3, 3]);
    // each statement commits on its own, as each 2,000 items did: the first two slices stay
    expect((await pool()).map((r) => r.item_key)).toEqual(whole.slice(0, 6).map((i) => i.itemKey));
    expect(await fillPendingPool(store.db, 'wechatpay', sources('A'), dayOf, importId, at0, 3)).toBe(5);
    expect(await pool()).toEqual(inOne);
  });

  it('settles a slice of evidence at a time what the whole evidence settles', async () => {
    // Two copies of one pool (prefixes B and C); a later bill pairs their payments and orders by number,
    // some items named by two lines (an order paired exactly and also fuzzily).
    const settled: Record<string, unknown[]> = {};
    for (const [p, size] of [
      ['B', 5000],
      ['C', 1],
    ] as const) {
      await fillPendingPool(store.db, 'wechatpay', sources(p), dayOf, importId, at0);
      const later = {
        exact: [6, 7, 10, 11].map((i) => ({ payment: payment(p, i), order: order(p, i) })),
        amountMismatches: [{ payment: payment(p, 8, 1), order: order(p, 8, 2) }],
        fuzzy: [10, 1].map((i) => ({
          payment: { ...payment(p, 100 + i), merchantOrderNo: `POS${i}` },
          order: order(p, i),
          reason: { amountFen: 1, tail: '0001', deltaMs: 1, text: '' },
        })),
      };
      const resolved = await settleByBill(store.db, 'wechatpay', later, importId, at0 + 1, size);
      settled[p] = resolved.map((r) => [r.kind, r.evidence.kind, r.note.replaceAll(p, '*')]).sort();
      const rows = await store.db.query<{ item_key: string; note: string }>(
        `SELECT item_key, note FROM reconciliation_pending WHERE status = 'resolved' AND item_key LIKE $1
         ORDER BY item_key`,
        [`%:${p}%`],
      );
      settled[`${p} rows`] = rows.rows.map((r) => [r.item_key.replaceAll(p, '*'), r.note.replaceAll(p, '*')]);
      const audits = await store.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM audit_log WHERE action = 'reconciliation.auto_resolve' AND details->>'item_key' LIKE $1`,
        [`%:${p}%`],
      );
      settled[`${p} audits`] = [Number(audits.rows[0]?.n)];
    }
    // payments 6, 7 and 8 (by number, 8 at another amount; 9 is a double charge), orders 10 (named by
    // an exact and a fuzzy line, in different slices when a slice is one line) and 11; the fuzzy item 1
    // is not settled by a fuzzy line
    expect(settled.B).toHaveLength(5);
    expect(settled['B rows']).toHaveLength(5);
    expect(settled['B audits']).toEqual([5]);
    expect(settled.C).toEqual(settled.B);
    expect(settled['C rows']).toEqual(settled['B rows']);
    expect(settled['C audits']).toEqual([5]);
  });
});
