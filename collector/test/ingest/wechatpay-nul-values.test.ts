// A WeChat Pay notification that verifies and decrypts but carries U+0000 in a value the store
// keeps. PostgreSQL text cannot hold it: a required value with one makes the notification malformed
// (400, kept as a dead letter), a store hint with one is ignored like any unusable hint — never a
// failed commit and a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { providerEnv, signedWechatNotification, wechatResource } from '../hostile/signed-callbacks.ts';
import { buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

describe.each(STORE_KINDS)('WeChat Pay values with U+0000 (%s)', (kind) => {
  let store: TestDatabase;
  let app: App;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db, providerEnv());
  }, 120_000);
  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  const notify = (resource: Record<string, unknown>) => {
    const { body, headers } = signedWechatNotification(JSON.stringify(resource));
    return app.server
      .inject({ method: 'POST', url: '/v1/notify/wechatpay', headers, payload: body })
      .then((res) => ({ res, body }));
  };

  it.each([
    ['out_trade_no', { out_trade_no: 'ORD-NUL\u0000' }],
    ['transaction_id', { transaction_id: '4200\u0000' }],
  ])('U+0000 in %s is a 400 malformed, kept as a dead letter', async (_what, change) => {
    const { res, body } = await notify({ ...wechatResource('ORD-NUL'), ...change });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ error: 'malformed', code: 'FAIL' });
    const letters = await store.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM dead_letters WHERE endpoint = '/v1/notify/wechatpay' AND raw = $1`,
      [body.toString()],
    );
    expect(Number(letters.rows[0]?.n)).toBe(1);
  });

  it.each([
    ['ORD-NUL-ATTACH', { attach: '{"store_id":"S\\u0000"}' }],
    ['ORD-NUL-SCENE', { attach: '', scene_info: { store_info: { id: 'S\u0000' } } }],
  ])(
    'U+0000 in the store hint of %s leaves the payment stored under the unknown store',
    async (orderId, change) => {
      const { res } = await notify({ ...wechatResource(orderId), ...change });
      expect(res.statusCode, res.body).toBe(204);
      const payments = await store.db.query<{ store_id: string }>(
        'SELECT store_id FROM payments WHERE order_id = $1',
        [orderId],
      );
      expect(payments.rows).toEqual([{ store_id: 'unknown' }]);
    },
  );
});
