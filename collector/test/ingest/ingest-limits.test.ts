// The hostile-input limits of POST /v1/events, through real HTTP (inject), against
// every available store: times that would pin state, values PostgreSQL refuses, prototype keys and
// deep nesting are item errors of their own item; valid siblings and other callers are unaffected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { orderStatus, paymentNotify } from '../support/events.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const MINUTE = 60_000;

describe.each(STORE_KINDS)('ingest limits on %s', (kind) => {
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

  const post = (payload: string | object) =>
    app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const get = (url: string) => app.server.inject({ method: 'GET', url, headers: auth('operator') });
  const letters = async (reason: string) =>
    (await get(`/v1/dead-letters?reason=${reason}&limit=100`)).json().dead_letters as {
      index: number;
      raw: string;
      raw_url: string | null;
      message: string;
    }[];

  it('refuses a payment.notify dated 9999 as invalid_time, keeps it, and stores its valid sibling', async () => {
    const future = paymentNotify({
      order: 'T1',
      at: '9999-01-01T00:00:00Z',
      txn: 'tx-9999',
      amount_fen: 100,
    });
    const res = await post([
      future,
      orderStatus({ order: 'T1', status: 'created', at: '2026-11-11T10:00:00Z' }),
    ]);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 0, error: 'invalid_time', message: expect.stringContaining('ahead of the server clock') },
      ],
    });
    const order = (await get('/v1/orders/T1')).json();
    expect(order.status).toBe('created');
    expect(order.payments).toEqual([]);
    expect((await letters('invalid_time')).some((l) => JSON.parse(l.raw).id === future.id)).toBe(true);
  });

  it.each([
    ['Feb 30', '2026-02-30T10:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['minute 60', '2026-01-01T10:60:00+08:00'],
    ['an offset of 24 hours', '2026-01-01T10:00:00+24:00'],
    ['1999', '1999-12-31T23:59:59Z'],
  ])('refuses %s as invalid_time', async (_name, at) => {
    const res = await post([
      orderStatus({ order: `TB-${at}`, status: 'created', at }),
      orderStatus({ order: `TG-${at}`, status: 'created', at: '2026-11-11T10:00:00Z' }),
    ]);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, error: 'invalid_time' }] });
    expect((await get(`/v1/orders/TB-${at}`)).statusCode).toBe(404);
  });

  it('takes a time ahead by less than the skew as the time of receipt, so nothing is dated after it arrived', async () => {
    const before = Date.now();
    const ahead = new Date(before + 3 * MINUTE).toISOString();
    const res = await post([
      orderStatus({ order: 'T2', status: 'created', at: ahead }),
      paymentNotify({ order: 'T2', at: ahead, txn: 'tx-ahead', amount_fen: 100 }),
    ]);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: [] });
    const order = (await get('/v1/orders/T2')).json();
    const after = Date.now();
    for (const event of order.timeline) {
      expect(Date.parse(event.occurred_at)).toBeLessThanOrEqual(Date.parse(event.received_at));
      expect(Date.parse(event.occurred_at)).toBeGreaterThanOrEqual(before);
    }
    expect(Date.parse(order.created_at)).toBeLessThanOrEqual(after);
    expect(Date.parse(order.updated_at)).toBeLessThanOrEqual(after);
    const { rows } = await store.db.query<{ at: Date }>(
      "SELECT occurred_at AS at FROM payments WHERE transaction_id = 'tx-ahead'",
    );
    expect(rows[0]!.at.getTime()).toBeLessThanOrEqual(after);
  });

  it('refuses U+0000 in a field as invalid_event; nine concurrent callers beside it are stored', async () => {
    const requests = Array.from({ length: 10 }, (_, i) =>
      post([
        orderStatus({
          order: i === 4 ? 'N\u0000UL' : `N${i}`,
          status: 'created',
          at: '2026-11-11T10:00:00Z',
        }),
      ]),
    );
    const replies = await Promise.all(requests);
    expect(replies.map((r) => r.statusCode)).toEqual(Array(10).fill(202));
    expect(replies[4]!.json()).toMatchObject({
      accepted: 0,
      rejected: [{ index: 0, error: 'invalid_event', message: expect.stringContaining('U+0000') }],
    });
    for (const i of [0, 1, 2, 3, 5, 6, 7, 8, 9]) {
      expect(replies[i]!.json()).toMatchObject({ accepted: 1 });
      expect((await get(`/v1/orders/N${i}`)).statusCode).toBe(200);
    }
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])(
    'answers type %s with an item error and stores the valid sibling',
    async (type) => {
      const res = await post(
        `[{"type":${JSON.stringify(type)},"id":"p1"},${JSON.stringify(orderStatus({ order: `P-${type}`, status: 'created', at: '2026-11-11T10:00:00Z' }))}]`,
      );
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, error: 'unknown_type' }] });
      expect((await get(`/v1/orders/P-${type}`)).statusCode).toBe(200);
    },
  );

  it('answers JSON nested 10,000 deep with an item error and stores the valid sibling', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const valid = orderStatus({ order: 'D1', status: 'created', at: '2026-11-11T10:00:00Z' });
    const asItem = await post(`[${deep},${JSON.stringify(valid)}]`);
    expect(asItem.statusCode).toBe(202);
    expect(asItem.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, error: 'invalid_event' }] });
    expect(asItem.json().rejected[0].message).toContain('nested deeper than 32 levels');

    const inField = {
      ...orderStatus({ order: 'D2', status: 'created', at: '2026-11-11T10:00:00Z' }),
      extra: 0,
    };
    const text = JSON.stringify(inField).replace('"extra":0', `"extra":${deep}`);
    const sibling = orderStatus({ order: 'D3', status: 'created', at: '2026-11-11T10:00:00Z' });
    const asField = await post(`[${text},${JSON.stringify(sibling)}]`);
    expect(asField.statusCode).toBe(202);
    expect(asField.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, error: 'invalid_event' }] });
    expect((await get('/v1/orders/D2')).statusCode).toBe(404);
    expect((await get('/v1/orders/D3')).statusCode).toBe(200);
    // The list shows a 4 KiB preview; the item's exact text is behind raw_url.
    const kept = (await letters('invalid_event')).find((l) => l.raw_url !== null && text.startsWith(l.raw));
    expect(kept?.raw.length).toBeGreaterThan(0);
    expect((await get(kept?.raw_url ?? '/v1/dead-letters/none/raw')).rawPayload.toString('utf8')).toBe(text);
  });

  it('keeps a body or an NDJSON line holding a raw U+0000 byte as a dead letter, never a 5xx', async () => {
    const body = '{"id": "x\u0000", nope';
    const whole = await post(body);
    expect(whole.statusCode).toBe(400);
    const line = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/x-ndjson', ...auth('ingest') },
      payload: `${JSON.stringify(orderStatus({ order: 'Z1', status: 'created', at: '2026-11-11T10:00:00Z' }))}\n{"id":"z\u0000\n`,
    });
    expect(line.statusCode).toBe(202);
    expect(line.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, error: 'invalid_json' }] });
    const kept = (await letters('invalid_json')).find((l) => l.index === 1);
    // The listed preview is text, which cannot hold U+0000; the exact bytes are kept behind raw_url.
    expect(kept?.raw).toBe('{"id":"z\uFFFD');
    const exact = await get(kept?.raw_url ?? '/v1/dead-letters/none/raw');
    expect(exact.statusCode).toBe(200);
    expect(exact.rawPayload.toString('utf8')).toBe('{"id":"z\u0000');
  });

  it('keeps the item exactly as it was written as its dead letter', async () => {
    const written = `{ "type" : "order.status",\n  "id":"slice-1", "occurred_at":"2026-02-30T10:00:00Z",
      "order_id":"S1", "store_id":"s", "status":"created", "note":"a, b ] } \\" [" }`;
    const res = await post(
      `[ ${JSON.stringify(orderStatus({ order: 'S0', status: 'created', at: '2026-11-11T10:00:00Z' }))} ,\n ${written} ]`,
    );
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, error: 'invalid_time' }] });
    const kept = (await letters('invalid_time')).find((l) => l.index === 1 && l.raw.includes('slice-1'));
    expect(kept?.raw).toBe(written);
  });
});

describe('ingest limits with ORDERPULSE_MAX_CLOCK_SKEW=1h', () => {
  it('takes an event half an hour ahead, and refuses one two hours ahead', async () => {
    const store = await openTestDatabase('pglite');
    const app = await buildTestApp(store.db, { ORDERPULSE_MAX_CLOCK_SKEW: '1h' });
    try {
      const at = (ms: number) => new Date(Date.now() + ms).toISOString();
      const res = await app.server.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', ...auth('ingest') },
        payload: JSON.stringify([
          orderStatus({ order: 'K1', status: 'created', at: at(30 * MINUTE) }),
          orderStatus({ order: 'K2', status: 'created', at: at(120 * MINUTE) }),
        ]),
      });
      expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, error: 'invalid_time' }] });
    } finally {
      await app.server.close();
      await store.dispose();
    }
  });
});
