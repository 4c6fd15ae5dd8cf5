// Provider callbacks (WeChat Pay, Alipay, Kuaidi100) through the real app and store, signed by the
// provider's own key: a signature proves the sender, not the values. A time far ahead, before 2000
// or not on the calendar, and a text holding U+0000, are refused with 400 and kept as dead letters
// (never a 5xx, nothing stored, nothing pinned); a time a little ahead is taken as the receipt time.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { signAlipayNotify } from '../../src/ingest/alipay/notify-signature.ts';
import { kuaidi100PushSign } from '../../src/ingest/kuaidi100/sign.ts';
import { signNotify } from '../../src/ingest/wechatpay/notify-signature.ts';
import { apiV3KeyBytes, encryptResource } from '../../src/ingest/wechatpay/resource-decrypt.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const API_V3_KEY = 'Synth3tic0nlyApiV3Key0123456789A';
const SERIAL = 'PUB_KEY_ID_0114232134912410000000000000';
const SALT = 'push-salt-for-tests';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const wechat = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });

const dir = mkdtempSync(join(tmpdir(), 'op-notify-limits-'));
const wechatKeyPath = join(dir, 'wechatpay-platform.pem');
const alipayKeyPath = join(dir, 'alipay-public.pem');
writeFileSync(wechatKeyPath, wechat.publicKey.export({ type: 'spki', format: 'pem' }));
writeFileSync(alipayKeyPath, alipay.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));

/** China Standard Time without an offset, as Alipay and Kuaidi100 write it. */
const chinaTime = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 19).replace('T', ' ');

function wechatNotification(orderId: string, successTime: string) {
  const resource = encryptResource(
    JSON.stringify({
      mchid: '1900000001',
      out_trade_no: orderId,
      transaction_id: `4200${randomUUID()}`.slice(0, 32),
      trade_state: 'SUCCESS',
      attach: '{"store_id":"S042"}',
      success_time: successTime,
      amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
    }),
    apiV3KeyBytes(API_V3_KEY),
    'gyYsJaQIiZ9x',
    'transaction',
  );
  return Buffer.from(
    JSON.stringify({
      id: randomUUID(),
      create_time: successTime,
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      resource,
    }),
  );
}

function wechatHeaders(body: Buffer) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomUUID().replace(/-/g, '');
  return {
    'content-type': 'application/json',
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': nonce,
    'wechatpay-serial': SERIAL,
    'wechatpay-signature': signNotify(wechat.privateKey, timestamp, nonce, body),
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
  };
}

/** `time` is the payment's; the notify itself is sent now, so Alipay's freshness check passes. */
function alipayForm(orderId: string, time: string): string {
  const params = new Map<string, string>([
    ['notify_time', chinaTime(Date.now())],
    ['notify_type', 'trade_status_sync'],
    ['notify_id', randomUUID()],
    ['app_id', '2021000000000000'],
    ['charset', 'utf-8'],
    ['version', '1.0'],
    ['sign_type', 'RSA2'],
    ['trade_no', `2024${randomUUID()}`.slice(0, 32)],
    ['out_trade_no', orderId],
    ['trade_status', 'TRADE_SUCCESS'],
    ['total_amount', '1.00'],
    ['gmt_payment', time],
  ]);
  params.set('sign', signAlipayNotify(params, alipay.privateKey));
  return new URLSearchParams([...params]).toString();
}

function kuaidi100Param(nu: string, checkpoints: { time: string; context: string }[]): string {
  return JSON.stringify({
    status: 'polling',
    message: '',
    lastResult: {
      message: 'ok',
      state: '0',
      status: '200',
      ischeck: '0',
      com: 'yuantong',
      nu,
      data: checkpoints.map((c) => ({ time: c.time, ftime: c.time, context: c.context, status: '在途' })),
    },
  });
}

describe.each(STORE_KINDS)('provider callback limits on %s', (kind) => {
  let store: TestDatabase;
  let app: App;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db, {
      ORDERPULSE_WECHATPAY_APIV3_KEY: API_V3_KEY,
      ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY: `${SERIAL}=${wechatKeyPath}`,
      ORDERPULSE_ALIPAY_PUBLIC_KEY: alipayKeyPath,
      ORDERPULSE_KUAIDI100_SALT: SALT,
    });
  }, 180_000);
  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  // By the part before any U+0000: the store refuses that character in a query parameter too.
  const paymentsOf = async (orderId: string) =>
    (
      await store.db.query<{ occurred_at: Date }>(
        "SELECT occurred_at FROM payments WHERE order_id LIKE $1 || '%'",
        [orderId.split('\u0000')[0]],
      )
    ).rows;
  const deadLetter = async (endpoint: string, reason: string) =>
    (
      await store.db.query<{ raw: string }>(
        'SELECT raw FROM dead_letters WHERE endpoint = $1 AND reason = $2 ORDER BY id DESC LIMIT 1',
        [endpoint, reason],
      )
    ).rows[0];
  const wechatPost = (body: Buffer) =>
    app.server.inject({
      method: 'POST',
      url: '/v1/notify/wechatpay',
      headers: wechatHeaders(body),
      payload: body,
    });
  const alipayPost = (form: string) =>
    app.server.inject({
      method: 'POST',
      url: '/v1/notify/alipay',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      payload: form,
    });
  const kuaidi100Post = (param: string) =>
    app.server.inject({
      method: 'POST',
      url: '/v1/notify/kuaidi100',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      payload: new URLSearchParams({ param, sign: kuaidi100PushSign(param, SALT) }).toString(),
    });

  it.each([
    ['dated 9999', '9999-01-01T00:00:00+08:00', 'invalid_time'],
    ['dated 1999', '1999-06-01T10:00:00+08:00', 'invalid_time'],
    ['with U+0000 in out_trade_no', null, 'malformed'], // refused by the WeChat mapper itself, before the generic check
  ])('WeChat Pay: a signed notification %s is refused with 400 and kept', async (_name, time, reason) => {
    const orderId = time === null ? 'W-NUL\u0000' : `W-${time}`;
    const body = wechatNotification(orderId, time ?? '2024-06-01T10:15:30+08:00');
    const res = await wechatPost(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: reason, code: 'FAIL' });
    expect(await paymentsOf(orderId)).toEqual([]);
    expect((await deadLetter('/v1/notify/wechatpay', reason))?.raw).toBe(body.toString('utf8'));
  });

  it('WeChat Pay: a Feb 30 success_time is not moved into March', async () => {
    const res = await wechatPost(wechatNotification('W-FEB30', '2024-02-30T10:00:00+08:00'));
    expect(res.statusCode).toBe(400);
    expect(await paymentsOf('W-FEB30')).toEqual([]);
  });

  it('WeChat Pay: a success_time a few minutes ahead is stored as the receipt time', async () => {
    const ahead = new Date(Date.now() + 3 * MINUTE).toISOString().replace('Z', '+00:00');
    const res = await wechatPost(wechatNotification('W-AHEAD', ahead));
    expect(res.statusCode).toBe(204);
    const [row] = await paymentsOf('W-AHEAD');
    expect(row!.occurred_at.getTime()).toBeLessThan(Date.parse(ahead));
    const { rows } = await store.db.query<{ ahead: boolean }>(
      "SELECT occurred_at <= received_at AS ahead FROM events WHERE order_id = 'W-AHEAD'",
    );
    expect(rows).toEqual([{ ahead: true }]);
  });

  it.each([
    ['dated 9999', '9999-01-01 00:00:00', 'invalid_time'],
    ['dated 1999', '1999-06-01 10:00:00', 'invalid_time'],
    ['with U+0000 in out_trade_no', null, 'invalid_event'],
  ])('Alipay: a signed notify %s is refused with 400 and kept', async (_name, time, reason) => {
    const orderId = time === null ? 'A-NUL\u0000' : `A-${time}`;
    const form = alipayForm(orderId, time ?? '2024-06-01 10:15:30');
    const res = await alipayPost(form);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: reason });
    expect(await paymentsOf(orderId)).toEqual([]);
    expect((await deadLetter('/v1/notify/alipay', reason))?.raw).toBe(form);
  });

  it('Alipay: a gmt_payment a few minutes ahead is stored as the receipt time', async () => {
    const ahead = Date.now() + 3 * MINUTE;
    const res = await alipayPost(alipayForm('A-AHEAD', chinaTime(ahead)));
    expect(res.statusCode).toBe(200);
    const [row] = await paymentsOf('A-AHEAD');
    expect(row!.occurred_at.getTime()).toBeLessThan(Math.floor(ahead / 1000) * 1000);
  });

  it.each([['dated 9999', '9999-01-01 00:00:00', 'invalid_time']])(
    'Kuaidi100: a signed push with a checkpoint %s is refused with 400 and kept',
    async (_name, time, reason) => {
      const nu = `YT-${reason}`;
      const bind = await app.server.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', ...auth('ingest') },
        payload: JSON.stringify({
          id: `bind-${nu}`,
          type: 'shipment.update',
          occurred_at: '2024-06-01T10:00:00+08:00',
          order_id: `K-${nu}`,
          store_id: 'S1',
          carrier: 'yuantong',
          tracking_no: nu,
          state: 'created',
        }),
      });
      expect(bind.statusCode).toBe(202);
      const param = kuaidi100Param(nu, [
        { time: time ?? '2024-06-02 08:10:00', context: time === null ? '到达\u0000杭州' : '到达杭州' },
        { time: '2024-06-02 07:00:00', context: '已揽收' },
      ]);
      const res = await kuaidi100Post(param);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: reason });
      const { rows } = await store.db.query(
        "SELECT 1 FROM events WHERE source = 'kuaidi100' AND payload->>'trackingNo' = $1",
        [nu],
      );
      expect(rows).toEqual([]);
      expect(await deadLetter('/v1/notify/kuaidi100', reason)).toBeDefined();
    },
  );

  it('Kuaidi100: a checkpoint dated Feb 30 is refused, not moved into March', async () => {
    const res = await kuaidi100Post(
      kuaidi100Param('YT-FEB30', [{ time: '2024-02-30 08:10:00', context: '到达' }]),
    );
    expect(res.statusCode).toBe(400);
  });
});
