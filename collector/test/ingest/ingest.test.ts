// Ingesting events, the error bodies, the order endpoint and auth, through real HTTP (inject),
// against every available store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { ndjson, orderStatus, paymentNotify } from '../support/events.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

describe.each(STORE_KINDS)('ingest on %s', (kind) => {
  let store: TestDatabase;
  let app: App;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db);
  });
  afterAll(async () => {
    await app.server.close();
    await store.dispose();
  });

  const post = (payload: string | object, headers: Record<string, string> = {}) =>
    app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest'), ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const get = (url: string, role: 'viewer' | 'operator' | 'ingest' = 'viewer') =>
    app.server.inject({ method: 'GET', url, headers: auth(role) });

  it('accepts one event object, commits it, and serves the order', async () => {
    const res = await post(
      orderStatus({ order: 'A1', status: 'created', at: '2026-11-11T10:00:00+08:00', amount_fen: 990 }),
    );
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const order = await get('/v1/orders/A1');
    expect(order.statusCode).toBe(200);
    expect(order.json()).toMatchObject({
      order_id: 'A1',
      store_id: 'store-1',
      status: 'created',
      amount_fen: 990,
    });
    expect(order.json().timeline).toHaveLength(1);
    expect(order.json().timeline[0]).toMatchObject({
      type: 'order.status',
      status: 'created',
      source: 'pos',
    });
  });

  it('accepts a JSON array and NDJSON', async () => {
    const array = await post([
      orderStatus({ order: 'A2', status: 'created', at: '2026-11-11T10:00:00+08:00' }),
      orderStatus({ order: 'A2', status: 'paid', at: '2026-11-11T10:01:00+08:00' }),
    ]);
    expect(array.json()).toMatchObject({ accepted: 2, duplicates: 0 });
    const nd = await post(
      ndjson([
        orderStatus({ order: 'A3', status: 'created', at: '2026-11-11T10:00:00Z' }),
        paymentNotify({ order: 'A3', at: '2026-11-11T10:00:30Z', txn: '4200001', amount_fen: 1500 }),
      ]),
      { 'content-type': 'application/x-ndjson' },
    );
    expect(nd.statusCode).toBe(202);
    expect(nd.json()).toMatchObject({ accepted: 2, duplicates: 0, rejected: [] });
    const order = (await get('/v1/orders/A3')).json();
    expect(order.payments).toEqual([
      expect.objectContaining({
        provider: 'wechatpay',
        transaction_id: '4200001',
        amount_fen: 1500,
        status: 'success',
      }),
    ]);
  });

  it('stores the valid items of a batch and names the reason for each rejected index', async () => {
    const res = await post([
      orderStatus({ order: 'B1', status: 'created', at: '2026-11-11T10:00:00+08:00' }),
      { ...orderStatus({ order: 'B1', status: 'paid', at: '2026-11-11T10:00:00' }) },
      { ...orderStatus({ order: 'B1', status: 'teleported', at: '2026-11-11T10:00:00Z' }) },
      { type: 'order.refund' },
      'not an object',
      { ...orderStatus({ order: 'B1', status: 'paid', at: '2026-11-11T10:00:00Z' }), amount_fen: -1 },
      { ...orderStatus({ order: 'B1', status: 'paid', at: '2026-11-11T10:00:00Z' }), order_id: '' },
    ]);
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(body.rejected[0]).toMatchObject({
      error: 'invalid_time',
      message: expect.stringContaining('offset'),
    });
    expect(body.rejected[1]).toMatchObject({
      error: 'invalid_event',
      message: expect.stringContaining('status'),
    });
    expect(body.rejected[2]).toMatchObject({ error: 'unknown_type' });
    expect(body.rejected[4]).toMatchObject({
      error: 'invalid_event',
      message: expect.stringContaining('amount_fen'),
    });
    expect(body.rejected[5]).toMatchObject({
      error: 'invalid_event',
      message: expect.stringContaining('order_id'),
    });

    const letters = (await get('/v1/dead-letters?limit=6')).json().dead_letters;
    expect(letters.map((l: { index: number }) => l.index).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const timeLetter = letters.find((l: { index: number }) => l.index === 1);
    expect(timeLetter).toMatchObject({ reason: 'invalid_time', endpoint: '/v1/events', source: 'pos' });
    expect(JSON.parse(timeLetter.raw).occurred_at).toBe('2026-11-11T10:00:00');
  });

  it('keeps a broken NDJSON line as its own rejected item', async () => {
    const body = `${JSON.stringify(orderStatus({ order: 'B2', status: 'created', at: '2026-11-11T10:00:00Z' }))}\n{"id": oops\n`;
    const res = await post(body, { 'content-type': 'application/x-ndjson' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, error: 'invalid_json' }] });
  });

  it('answers 400 for a body that is not JSON, and keeps it verbatim', async () => {
    const res = await post('{"id": "x", nope');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_body', message: expect.stringContaining('not JSON') });
    const letters = (await get('/v1/dead-letters?reason=invalid_body')).json().dead_letters;
    expect(letters.some((l: { raw: string }) => l.raw === '{"id": "x", nope')).toBe(true);
    const scalar = await post('42');
    expect(scalar.statusCode).toBe(400);
  });

  it('answers 415 for other content types, and keeps the body', async () => {
    const res = await post('status=paid', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error).toBe('unsupported_media_type');
    const letters = (await get('/v1/dead-letters?reason=unsupported_media_type')).json().dead_letters;
    expect(letters[0].raw).toBe('status=paid');
  });

  it('answers 413 beyond 10,000 events or 10 MiB', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) =>
      orderStatus({ order: `M${i}`, status: 'created', at: '2026-11-11T10:00:00Z' }),
    );
    const res = await post(many);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toBe('payload_too_large');
    expect((await get('/v1/orders/M0')).statusCode).toBe(404);

    const huge = JSON.stringify([{ pad: 'x'.repeat(10 * 1024 * 1024) }]);
    const big = await post(huge);
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toBe('payload_too_large');
  });

  it('counts a resent event as a duplicate and changes nothing', async () => {
    const event = orderStatus({
      order: 'C1',
      status: 'paid',
      at: '2026-11-11T10:05:00Z',
      id: 'dup-1',
      amount_fen: 100,
    });
    expect((await post(event)).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const changed = { ...event, status: 'cancelled', amount_fen: 999 };
    expect((await post([event, changed])).json()).toMatchObject({ accepted: 0, duplicates: 2 });
    const order = (await get('/v1/orders/C1')).json();
    expect(order).toMatchObject({ status: 'paid', amount_fen: 100 });
    expect(order.timeline).toHaveLength(1);
  });

  it('counts repeats inside one batch and across concurrent requests once', async () => {
    const event = orderStatus({ order: 'C2', status: 'created', at: '2026-11-11T10:05:00Z', id: 'dup-2' });
    const replies = await Promise.all([post([event, event]), post(event), post(event)]);
    const totals = replies
      .map((r) => r.json())
      .reduce((a, b) => ({ accepted: a.accepted + b.accepted, duplicates: a.duplicates + b.duplicates }));
    expect(totals).toEqual({ accepted: 1, duplicates: 3 });
  });

  it('scopes idempotency to the source: the same id from another source is another event', async () => {
    const { TOKENS } = await import('../support/test-app.ts');
    const other = await buildTestApp(store.db, {
      ORDERPULSE_INGEST_TOKENS: `pos=${TOKENS.ingest},erp=erp-secret-1`,
    });
    const event = orderStatus({
      order: 'C3',
      status: 'created',
      at: '2026-11-11T10:05:00Z',
      id: 'shared-id',
    });
    const send = (token: string) =>
      other.server.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        payload: JSON.stringify(event),
      });
    expect((await send(TOKENS.ingest)).json().accepted).toBe(1);
    expect((await send('erp-secret-1')).json().accepted).toBe(1);
    const order = (await get('/v1/orders/C3')).json();
    expect(order.timeline.map((e: { source: string }) => e.source).sort()).toEqual(['erp', 'pos']);
    await other.server.close();
  });

  it('decides status by occurred_at: late and out-of-order events never roll it back', async () => {
    await post(orderStatus({ order: 'D1', status: 'shipped', at: '2026-11-11T12:00:00Z' }));
    await post(orderStatus({ order: 'D1', status: 'paid', at: '2026-11-11T10:01:00Z', amount_fen: 500 }));
    await post(orderStatus({ order: 'D1', status: 'created', at: '2026-11-11T10:00:00Z' }));
    const order = (await get('/v1/orders/D1')).json();
    expect(order.status).toBe('shipped');
    expect(order.paid_at).toBe('2026-11-11T10:01:00.000Z');
    expect(order.created_at).toBe('2026-11-11T10:00:00.000Z');
    expect(order.amount_fen).toBe(500);
    expect(order.timeline.map((e: { status: string }) => e.status)).toEqual(['created', 'paid', 'shipped']);

    // Out of order inside one batch too.
    await post([
      orderStatus({ order: 'D2', status: 'packed', at: '2026-11-11T11:00:00Z' }),
      orderStatus({ order: 'D2', status: 'picking', at: '2026-11-11T10:30:00Z' }),
    ]);
    expect((await get('/v1/orders/D2')).json().status).toBe('packed');
    await post(orderStatus({ order: 'D2', status: 'delivered', at: '2026-11-12T09:00:00+08:00' }));
    expect((await get('/v1/orders/D2')).json().status).toBe('delivered');
  });

  it('answers 404 with the error shape for an order no event names', async () => {
    const res = await get('/v1/orders/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', message: expect.stringContaining('nope') });
  });

  it('enforces roles: 401 without or with a wrong token, 403 for the wrong role', async () => {
    const event = orderStatus({ order: 'E1', status: 'created', at: '2026-11-11T10:00:00Z' });
    const none = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(event),
    });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toBe('unauthorized');
    const wrong = await post(event, { authorization: 'Bearer not-a-token' });
    expect(wrong.statusCode).toBe(401);
    const viewerPosts = await post(event, auth('viewer'));
    expect(viewerPosts.statusCode).toBe(403);
    expect(viewerPosts.json().error).toBe('forbidden');
    expect((await get('/v1/orders/A1', 'ingest')).statusCode).toBe(403);
    expect((await get('/v1/orders/A1', 'operator')).statusCode).toBe(200);
    expect((await get('/v1/dead-letters', 'ingest')).statusCode).toBe(403);
    // Nothing a refused caller sent was stored.
    expect((await get('/v1/orders/E1')).statusCode).toBe(404);
  });

  it('answers 404 JSON for unknown routes and 400 for bad query parameters', async () => {
    const res = await get('/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('not_found');
    const bad = await get('/v1/dead-letters?limit=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('invalid_request');
  });

  it('reports health and readiness with the store mode', async () => {
    expect((await app.server.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      store: kind === 'pglite' ? 'embedded' : 'postgres',
    });
  });
});
