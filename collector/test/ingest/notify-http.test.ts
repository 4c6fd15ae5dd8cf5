// WeChat Pay and Alipay callbacks through the real app and store: verified payments are stored once,
// however often the provider retries; forged, stale and probe requests are refused and kept as dead letters.
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { signAlipayNotify } from '../../src/ingest/alipay/notify-signature.ts';
import { signNotify } from '../../src/ingest/wechatpay/notify-signature.ts';
import { apiV3KeyBytes, encryptResource } from '../../src/ingest/wechatpay/resource-decrypt.ts';
import { chinaLocalText } from '../../src/simulator/traffic-curve.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const API_V3_KEY = 'Synth3tic0nlyApiV3Key0123456789A';
const SERIAL = 'PUB_KEY_ID_0114232134912410000000000000';
const wechat = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });

const dir = mkdtempSync(join(tmpdir(), 'op-notify-'));
const wechatKeyPath = join(dir, 'wechatpay-platform.pem');
const alipayKeyPath = join(dir, 'alipay-public.pem');
writeFileSync(wechatKeyPath, wechat.publicKey.export({ type: 'spki', format: 'pem' }));
// as the Alipay console shows it: bare base64, no PEM armour
writeFileSync(alipayKeyPath, alipay.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));

function wechatNotification(notificationId: string, orderId: string, totalFen: number) {
  const resource = encryptResource(
    JSON.stringify({
      mchid: '1900000001',
      out_trade_no: orderId,
      transaction_id: `4200${orderId}`,
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      attach: '{"store_id":"S042"}',
      success_time: '2024-06-01T10:15:30+08:00',
      amount: { total: totalFen, payer_total: totalFen, currency: 'CNY', payer_currency: 'CNY' },
    }),
    apiV3KeyBytes(API_V3_KEY),
    'gyYsJaQIiZ9x',
    'transaction',
  );
  return Buffer.from(
    JSON.stringify({
      id: notificationId,
      create_time: '2024-06-01T10:15:31+08:00',
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource,
    }),
  );
}

function wechatHeaders(
  body: Buffer,
  { key = wechat.privateKey, timestamp = Math.floor(Date.now() / 1000) } = {},
) {
  const nonce = randomUUID().replace(/-/g, '');
  return {
    'content-type': 'application/json',
    'wechatpay-timestamp': String(timestamp),
    'wechatpay-nonce': nonce,
    'wechatpay-serial': SERIAL,
    'wechatpay-signature': signNotify(key, String(timestamp), nonce, body),
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
  };
}

function alipayParams(orderId: string, notifyId: string): Map<string, string> {
  return new Map<string, string>([
    // Now: a notify_time older than Alipay's retries is refused.
    ['notify_time', chinaLocalText(Date.now())],
    ['notify_type', 'trade_status_sync'],
    ['notify_id', notifyId],
    ['app_id', '2021000000000000'],
    ['charset', 'utf-8'],
    ['version', '1.0'],
    ['sign_type', 'RSA2'],
    ['trade_no', `2024${orderId}`],
    ['out_trade_no', orderId],
    ['trade_status', 'TRADE_SUCCESS'],
    ['total_amount', '100.10'],
    ['gmt_payment', '2024-06-01 10:15:30'],
    ['passback_params', encodeURIComponent('{"store_id":"S7"}')],
    ['body', ''],
  ]);
}

function alipayForm(orderId: string, notifyId: string, key = alipay.privateKey): string {
  const params = alipayParams(orderId, notifyId);
  params.set('sign', signAlipayNotify(params, key));
  return new URLSearchParams([...params]).toString();
}

describe.each(STORE_KINDS)('provider callbacks over HTTP (%s)', (kind) => {
  let store: TestDatabase;
  let app: App;
  let unconfigured: App;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db, {
      ORDERPULSE_WECHATPAY_APIV3_KEY: API_V3_KEY,
      ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY: `${SERIAL}=${wechatKeyPath}`,
      ORDERPULSE_ALIPAY_PUBLIC_KEY: alipayKeyPath,
      ORDERPULSE_ALIPAY_APP_ID: '2021000000000000',
    });
    unconfigured = await buildTestApp(store.db);
  }, 180_000);

  afterAll(async () => {
    await app?.server.close();
    await unconfigured?.server.close();
    await store?.dispose();
  });

  const payments = async (provider: string) =>
    (
      await store.db.query<{ order_id: string; store_id: string; amount_fen: string; status: string }>(
        'SELECT order_id, store_id, amount_fen, status FROM payments WHERE provider = $1 ORDER BY order_id',
        [provider],
      )
    ).rows.map((r) => ({ ...r, amount_fen: Number(r.amount_fen) }));
  const deadLetters = async (endpoint: string) =>
    (
      await store.db.query<{ reason: string; raw: string }>(
        'SELECT reason, raw FROM dead_letters WHERE endpoint = $1 ORDER BY id',
        [endpoint],
      )
    ).rows;

  it('WeChat Pay: a verified notification is stored and answered 204; its 15 retries are duplicates', async () => {
    const body = wechatNotification('db7c08f8-be04-5c9b-b022-ba3d384ed1c9', 'ORD-W-1', 12800);
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await app.server.inject({
        method: 'POST',
        url: '/v1/notify/wechatpay',
        headers: wechatHeaders(body),
        payload: body,
      });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
    }
    expect(await payments('wechatpay')).toEqual([
      { order_id: 'ORD-W-1', store_id: 'S042', amount_fen: 12800, status: 'success' },
    ]);
    const events = await store.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM events WHERE source = 'wechatpay' AND id = 'db7c08f8-be04-5c9b-b022-ba3d384ed1c9'`,
    );
    expect(Number(events.rows[0]?.n)).toBe(1);
    const order = await app.server.inject({
      method: 'GET',
      url: '/v1/orders/ORD-W-1',
      headers: auth('viewer'),
    });
    expect(order.statusCode).toBe(200);
  });

  it('WeChat Pay: forged, stale and SIGNTEST requests get 401 with the failure body and become dead letters', async () => {
    const body = wechatNotification('aaaaaaaa-0000-4000-8000-000000000001', 'ORD-W-FORGED', 1);
    const forged = await app.server.inject({
      method: 'POST',
      url: '/v1/notify/wechatpay',
      headers: wechatHeaders(body, { key: attacker.privateKey }),
      payload: body,
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ error: 'signature_invalid', code: 'FAIL' });
    const stale = await app.server.inject({
      method: 'POST',
      url: '/v1/notify/wechatpay',
      headers: wechatHeaders(body, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      payload: body,
    });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error).toBe('timestamp_stale');
    const probe = await app.server.inject({
      method: 'POST',
      url: '/v1/notify/wechatpay',
      headers: { ...wechatHeaders(body), 'wechatpay-signature': 'WECHATPAY/SIGNTEST/c2lnbmF0dXJl' },
      payload: body,
    });
    expect(probe.statusCode).toBe(401);
    expect(probe.json().error).toBe('sign_probe');
    const garbage = Buffer.from('not json at all');
    const malformed = await app.server.inject({
      method: 'POST',
      url: '/v1/notify/wechatpay',
      headers: wechatHeaders(garbage),
      payload: garbage,
    });
    expect(malformed.statusCode).toBe(400);
    expect((await deadLetters('/v1/notify/wechatpay')).map((d) => d.reason)).toEqual([
      'signature_invalid',
      'timestamp_stale',
      'sign_probe',
      'malformed',
    ]);
    expect((await deadLetters('/v1/notify/wechatpay'))[0]?.raw).toBe(body.toString());
    expect((await payments('wechatpay')).map((p) => p.order_id)).not.toContain('ORD-W-FORGED');
  });

  it('WeChat Pay: the same JSON with its whitespace changed after signing is refused, since the signature covers bytes', async () => {
    const signed = wechatNotification('aaaaaaaa-0000-4000-8000-000000000002', 'ORD-W-RESHAPED', 12800);
    const headers = wechatHeaders(signed);
    const reshaped = Buffer.from(JSON.stringify(JSON.parse(signed.toString()), null, 1));
    expect(JSON.parse(reshaped.toString())).toEqual(JSON.parse(signed.toString()));
    const before = (await deadLetters('/v1/notify/wechatpay')).length;
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/notify/wechatpay',
      headers,
      payload: reshaped,
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'signature_invalid', code: 'FAIL' });
    const letters = await deadLetters('/v1/notify/wechatpay');
    expect(letters.slice(before).map((d) => [d.reason, d.raw])).toEqual([
      ['signature_invalid', reshaped.toString()],
    ]);
    expect((await payments('wechatpay')).map((p) => p.order_id)).not.toContain('ORD-W-RESHAPED');
    // The bytes that were signed, with the same headers, are accepted.
    const genuine = await app.server.inject({
      method: 'POST',
      url: '/v1/notify/wechatpay',
      headers,
      payload: signed,
    });
    expect(genuine.statusCode).toBe(204);
    expect((await payments('wechatpay')).map((p) => p.order_id)).toContain('ORD-W-RESHAPED');
  });

  it('Alipay: a verified notify is stored and answered exactly "success"; a retry is a duplicate', async () => {
    const form = alipayForm('ORD-A-1', '2024060100222101530000000000000001');
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await app.server.inject({
        method: 'POST',
        url: '/v1/notify/alipay',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        payload: form,
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('success');
    }
    expect(await payments('alipay')).toEqual([
      { order_id: 'ORD-A-1', store_id: 'S7', amount_fen: 10010, status: 'success' },
    ]);
  });

  it('Alipay: a forged notify is 401 JSON (never "success") and a dead letter', async () => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/notify/alipay',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: alipayForm('ORD-A-FORGED', '2024060100222101530000000000000002', attacker.privateKey),
    });
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toBe('success');
    expect(res.json()).toMatchObject({ error: 'signature_invalid' });
    expect((await deadLetters('/v1/notify/alipay')).map((d) => d.reason)).toEqual(['signature_invalid']);
  });

  it('Alipay: a genuinely signed notify for another app_id is 401 and a dead letter', async () => {
    const params = alipayParams('ORD-A-OTHER-APP', '2024060100222101530000000000000003');
    params.set('app_id', '2021999999999999');
    params.set('sign', signAlipayNotify(params, alipay.privateKey));
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/notify/alipay',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([...params]).toString(),
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'app_mismatch' });
    expect((await deadLetters('/v1/notify/alipay')).at(-1)?.reason).toBe('app_mismatch');
    expect((await payments('alipay')).map((p) => p.order_id)).not.toContain('ORD-A-OTHER-APP');
  });

  it('Alipay: a charset=GBK notify signed over its GBK bytes is stored with its Chinese store', async () => {
    const params = alipayParams('ORD-A-GBK', '2024060100222101530000000000000004');
    params.set('charset', 'GBK');
    params.set('subject', '鲜肉月饼（6只装）');
    params.set('body', '会员日：满100减20');
    params.set('passback_params', '{"store_id":"上海徐汇店"}');
    const signed = [...params.keys()]
      .filter((k) => k !== 'sign_type')
      .sort()
      .map((k) => `${k}=${params.get(k)}`)
      .join('&');
    params.set(
      'sign',
      createSign('sha256').update(iconv.encode(signed, 'gbk')).sign(alipay.privateKey, 'base64'),
    );
    const gbkPercent = (text: string) =>
      [...iconv.encode(text, 'gbk')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/notify/alipay',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
      payload: [...params].map(([k, v]) => `${k}=${gbkPercent(v)}`).join('&'),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toBe('success');
    expect((await payments('alipay')).find((p) => p.order_id === 'ORD-A-GBK')).toEqual({
      order_id: 'ORD-A-GBK',
      store_id: '上海徐汇店',
      amount_fen: 10010,
      status: 'success',
    });
  });

  it('a provider with no keys configured answers 503, not 2xx', async () => {
    const body = wechatNotification('bbbbbbbb-0000-4000-8000-000000000001', 'ORD-W-2', 1);
    const res = await unconfigured.server.inject({
      method: 'POST',
      url: '/v1/notify/wechatpay',
      headers: wechatHeaders(body),
      payload: body,
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toBe('provider_not_configured');
  });
});
