// GET /v1/orders: newest first by latest event, filtered by status, store, stalled-ness and time,
// keyset-paged, with the count per status, and each row's href opening the order drill-down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderPage } from '../../src/wire/order-list.ts';
import { ev, type Harness, HOUR, iso, MINUTE, startHarness } from '../alerting/alerting-harness.ts';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

describe.each(STORE_KINDS)('order list (%s)', (kind) => {
  let store: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    h = await startHarness(store.db);
    const t = h.clock.now;
    await h.post([
      ev.order('O-1', 'created', t - 3 * HOUR),
      ev.order('O-2', 'paid', t - 10 * MINUTE),
      ev.order('O-3', 'shipped', t - HOUR, { store_id: 'S2' }),
      ev.order('O-4', 'delivered', t - 30 * MINUTE, { store_id: 'S2' }),
      // Paid a minute ago: not stalled yet (the limit for paid is 2 min).
      ev.order('O-5', 'paid', t - MINUTE),
    ]);
    await h.advance(0);
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  const get = (url: string, role: 'viewer' | 'operator' | 'ingest' = 'viewer') =>
    h.app.server.inject({ method: 'GET', url, headers: auth(role) });
  const ids = async (query: string) => {
    const res = await get(`/v1/orders${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as OrderPage).orders.map((o) => o.order_id);
  };

  it('lists orders newest first by their latest event, each row linking its drill-down', async () => {
    const res = await get('/v1/orders');
    expect(res.statusCode).toBe(200);
    const page: OrderPage = res.json();
    expect(page.orders.map((o) => o.order_id)).toEqual(['O-5', 'O-2', 'O-4', 'O-3', 'O-1']);
    expect(page.next_before).toBeNull();
    expect(page.counts).toBeUndefined();
    const o2 = page.orders[1]!;
    expect(o2).toMatchObject({
      store_id: 'S1',
      status: 'paid',
      stalled: true,
      open_alerts: 1,
      href: '/v1/orders/O-2',
    });
    expect(page.orders[0]).toMatchObject({ order_id: 'O-5', stalled: false, open_alerts: 0 });
    const detail = await get(o2.href);
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({ order_id: 'O-2', status: 'paid' });
    expect((await h.app.server.inject({ method: 'GET', url: '/v1/orders' })).statusCode).toBe(401);
    expect((await get('/v1/orders', 'ingest')).statusCode).toBe(403);
  });

  it('filters by status, store, stalled-ness and time range', async () => {
    expect(await ids('?status=paid')).toEqual(['O-5', 'O-2']);
    expect(await ids('?status=shipped,delivered')).toEqual(['O-4', 'O-3']);
    expect(await ids('?store_id=S2')).toEqual(['O-4', 'O-3']);
    expect(await ids('?stalled=true')).toEqual(['O-2']);
    expect(await ids('?stalled=false&store_id=S1')).toEqual(['O-5', 'O-1']);
    const from = encodeURIComponent(iso(h.clock.now - 2 * HOUR));
    const to = encodeURIComponent(iso(h.clock.now - 20 * MINUTE));
    expect(await ids(`?from=${from}&to=${to}`)).toEqual(['O-4', 'O-3']);
    for (const bad of ['?status=lost', '?from=noon', '?before=xyz', '?stalled=maybe']) {
      const res = await get(`/v1/orders${bad}`);
      expect(res.statusCode, bad).toBe(400);
    }
  });

  it('pages with next_before, without overlap or gap', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/v1/orders?limit=2${before ? `&before=${before}` : ''}`);
      const page: OrderPage = res.json();
      expect(page.orders.length).toBeLessThanOrEqual(2);
      seen.push(...page.orders.map((o) => o.order_id));
      before = page.next_before;
      pages += 1;
    } while (before !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(['O-5', 'O-2', 'O-4', 'O-3', 'O-1']);
  });

  it('counts orders per status and stalled under the other filters', async () => {
    const all: OrderPage = (await get('/v1/orders?counts=true&limit=1')).json();
    expect(all.counts).toEqual({
      by_status: { created: 1, paid: 2, shipped: 1, delivered: 1 },
      stalled: 1,
    });
    // The status filter narrows the rows, not the board.
    const s2: OrderPage = (await get('/v1/orders?counts=true&store_id=S2&status=shipped')).json();
    expect(s2.orders.map((o) => o.order_id)).toEqual(['O-3']);
    expect(s2.counts).toEqual({ by_status: { shipped: 1, delivered: 1 }, stalled: 0 });
  });
});
