// The pending pool for thousands of items: filters by store, kind and day, keyset pages with
// next_before_id, and bulk resolve with one note, each item audited, in one transaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { addPendingItems, type NewPendingItem } from '../../src/reconciliation/pending-queries.ts';
import type { PendingList } from '../../src/wire/pending.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const item = (n: number, storeId: string, kind: NewPendingItem['kind'], day: string): NewPendingItem => ({
  itemKey: `wechatpay:test:${n}`,
  kind,
  provider: 'wechatpay',
  day,
  storeId,
  deviceId: `${storeId}-POS1`,
  amountFen: 1000 + n,
  reason: 'test item',
  reasonMessage: null,
  bill: { n },
  order: null,
});

describe.each(STORE_KINDS)('pending pool lists (%s)', (kind) => {
  let store: TestDatabase;
  let app: App;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db);
    const { rows } = await store.db.query<{ id: string }>(
      `INSERT INTO bill_imports (provider, file_sha256, imported_at, imported_by, rows, refunds, matched, fuzzy_matched,
         unmatched_payments, unmatched_orders)
       VALUES ('wechatpay', 'test', now(), 'test', 0, 0, 0, 0, 0, 0) RETURNING id`,
    );
    // Ids 1..12: S1 and S2 alternating, kinds cycling, days 06-01 (1..6) and 06-02 (7..12).
    const kinds = ['unmatched_payment', 'unmatched_order', 'fuzzy_match'] as const;
    const items = Array.from({ length: 12 }, (_, i) =>
      item(i + 1, i % 2 === 0 ? 'S1' : 'S2', kinds[i % 3]!, i < 6 ? '2024-06-01' : '2024-06-02'),
    );
    await addPendingItems(store.db, Number(rows[0]!.id), Date.now(), items);
  });
  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  const request = (method: 'GET' | 'POST', url: string, role: 'viewer' | 'operator', payload?: unknown) =>
    app.server.inject({
      method,
      url,
      headers: { ...auth(role), ...(payload !== undefined && { 'content-type': 'application/json' }) },
      ...(payload !== undefined && { payload: JSON.stringify(payload) }),
    });
  const list = async (query: string): Promise<PendingList> => {
    const res = await request('GET', `/v1/reconciliation/pending${query}`, 'viewer');
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const amounts = async (query: string) => (await list(query)).items.map((i) => (i.amount_fen ?? 0) - 1000);

  it('filters by store, kind and day', async () => {
    expect(await amounts('?store_id=S2&day=2024-06-01')).toEqual([6, 4, 2]);
    expect(await amounts('?kind=fuzzy_match')).toEqual([12, 9, 6, 3]);
    expect(await amounts('?kind=fuzzy_match&day=2024-06-02&store_id=S1')).toEqual([9]);
    for (const bad of ['?day=2024-02-30', '?day=june', '?kind=lost']) {
      const res = await request('GET', `/v1/reconciliation/pending${bad}`, 'viewer');
      expect(res.statusCode, bad).toBe(400);
    }
  });

  it('pages newest first with next_before_id', async () => {
    const seen: number[] = [];
    let before: number | null | undefined = null;
    do {
      const page: PendingList = await list(`?limit=5${before ? `&before_id=${before}` : ''}`);
      seen.push(...page.items.map((i) => (i.amount_fen ?? 0) - 1000));
      before = page.next_before_id;
    } while (before !== null && before !== undefined);
    expect(seen).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('resolves several items with one note, audits each, and skips unknown and resolved ones', async () => {
    const day1 = (await list('?day=2024-06-01&store_id=S1')).items;
    const ids = day1.map((i) => i.id);
    const body = { ids: [...ids, '999999'], resolution: 'write_off', note: '6月1日差额已核销' };
    expect((await request('POST', '/v1/reconciliation/pending/resolve', 'viewer', body)).statusCode).toBe(
      403,
    );
    const res = await request('POST', '/v1/reconciliation/pending/resolve', 'operator', body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((i: { id: string }) => i.id)).toEqual(ids);
    expect(res.json().items[0]).toMatchObject({
      status: 'resolved',
      resolution: 'write_off',
      resolved_by: 'operator',
    });
    expect(res.json().skipped).toEqual([{ id: '999999', reason: 'not_found' }]);
    expect(await amounts('?day=2024-06-01&store_id=S1')).toEqual([]);
    expect(await amounts('?day=2024-06-01&store_id=S1&status=resolved')).toEqual([5, 3, 1]);

    const audit = (await request('GET', '/v1/audit?action=reconciliation.resolve', 'viewer')).json().entries;
    const mine = audit.filter((e: { note?: string }) => e.note === '6月1日差额已核销');
    expect(mine.map((e: { target: string }) => e.target).sort()).toEqual(
      ids.map((id) => `reconciliation-pending/${id}`).sort(),
    );

    const again = await request('POST', '/v1/reconciliation/pending/resolve', 'operator', { ...body, ids });
    expect(again.json()).toEqual({
      items: [],
      skipped: ids.map((id) => ({ id, reason: 'already_resolved' })),
    });
    const noNote = await request('POST', '/v1/reconciliation/pending/resolve', 'operator', {
      ...body,
      note: '',
    });
    expect(noNote.statusCode).toBe(400);
  });
});
