// Self-healing end to end: a callback outage leaves 30 orders awaiting payment (both providers, some
// paid at the provider, some not, some naming their provider, one paid elsewhere). The collector
// asks a loopback WeChat Pay API and Alipay gateway (each checking every request's signature),
// stores the paid ones from the answers and not the unpaid, asks no order more than three times,
// and pushes one signed webhook per confirmed payment to a loopback order system, which checks the
// signature and applies the payment by reporting the order `paid` back to /v1/events. The
// collector is closed mid-outage, with webhooks queued and not sent, and a new one on the same
// store finishes the work; the order system is down for a moment, and the merchant applies one
// payment by hand before its webhook is due, which then is not sent.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import type { PaymentProvider } from '../../src/domain/events.ts';
import { METRIC_NAMES } from '../../src/metrics/catalogue.ts';
import { webhookSignature } from '../../src/order-system/webhook-signature.ts';
import { LoopbackOrderSystem } from '../../src/simulator/order-system/loopback-order-system.ts';
import { FakeAlipayGateway } from '../../src/simulator/provider-apis/alipay-gateway.ts';
import { FakeWechatPayApi } from '../../src/simulator/provider-apis/wechatpay-api.ts';
import { auth, TOKENS, testConfig } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const MINUTE = 60_000;
const MCHID = '1900000109';
const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const APP_ID = '2021000000000001';
const SECRET = 'order-system-shared-secret-0001';

const pem = (key: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') =>
  key.export({ type, format: 'pem' }).toString();

const ids = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `R-${String(from + i).padStart(2, '0')}`);
const WECHAT_PAID = ids(1, 8);
const ALIPAY_PAID = ids(9, 14);
const WECHAT_UNPAID = ids(15, 19);
const ALIPAY_UNPAID = ids(20, 23);
const NOWHERE = ids(24, 30);
const ALL = ids(1, 30);
const PAID = [...WECHAT_PAID, ...ALIPAY_PAID];
/** Orders whose `order.status` names the provider: only that one is asked (`other`: none). */
const NAMED: Record<string, PaymentProvider> = {
  'R-01': 'wechatpay',
  'R-02': 'wechatpay',
  'R-09': 'alipay',
  'R-10': 'alipay',
  'R-15': 'wechatpay',
  'R-24': 'other',
};
/** Paid at WeChat Pay, stored from the first queries; the merchant applies it by hand meanwhile. */
const APPLIED_BY_HAND = 'R-03';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const merchant = rsa();
const platform = rsa();
const appKey = rsa();
const alipayKey = rsa();

describe.each(STORE_KINDS)('recovery from a callback outage on %s', (kind) => {
  let store: TestDatabase;
  let dir: string;
  let wechat: FakeWechatPayApi;
  let alipay: FakeAlipayGateway;
  let orderSystem: LoopbackOrderSystem;
  let env: Record<string, string>;
  let app: App | undefined;
  // Two hours back, so the virtual clock stays behind the wall clock the ingest bounds event times by.
  const createdAt = Date.now() - 120 * MINUTE;
  const clock = { now: createdAt };
  /** Metric values over every app the test ran, summed, by `name/label…`. */
  const counted = new Map<string, number>();

  async function start(): Promise<App> {
    const built = await buildApp(testConfig(env), {
      db: store.db,
      logger: false,
      alerting: { now: () => clock.now, tickMs: 0, watchRules: false, restoreOrdersInBackground: false },
      paymentQueries: { intervalMs: 0 },
      orderSystem: { pollIntervalMs: 0 },
    });
    await built.server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = built.server.server.address() as AddressInfo;
    // The merchant's order system reports to whichever collector is running.
    orderSystem.collector = { baseUrl: `http://127.0.0.1:${port}`, token: TOKENS.ingest };
    return built;
  }
  async function stop(running: App): Promise<void> {
    for (const name of [METRIC_NAMES.providerQueries, METRIC_NAMES.orderSystemWebhooks]) {
      const metric = await running.core.registry.getSingleMetric(name)?.get();
      for (const v of metric?.values ?? []) {
        const key = [name, ...Object.values(v.labels)].join('/');
        counted.set(key, (counted.get(key) ?? 0) + v.value);
      }
    }
    await running.server.close();
  }
  /** Virtual time in steps: each step one pass of the queries, then one of the webhook outbox. */
  async function runUntil(running: App, until: number, stepMs = 1000, webhooks = true): Promise<void> {
    while (clock.now < until) {
      clock.now = Math.min(until, clock.now + stepMs);
      await running.core.paymentQueries!.runOnce();
      if (webhooks) await running.core.orderSystem!.worker.runOnce();
    }
  }
  const wechatQueries = (order: string) => wechat.queriesOf(order).length;
  const alipayQueries = (order: string) => alipay.queriesOf(order).length;
  const order = async (running: App, id: string) =>
    (await running.server.inject({ method: 'GET', url: `/v1/orders/${id}`, headers: auth('viewer') })).json();
  const queuedWebhooks = async () => {
    const { rows } = await store.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM notification_outbox WHERE receiver = '@order-system' GROUP BY status`,
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  };
  const postEvents = (running: App, events: object[]) =>
    running.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify(events),
    });

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'op-recovery-'));
    const files = {
      merchant: pem(merchant.privateKey, 'pkcs8'),
      platform: pem(platform.publicKey, 'spki'),
      app: pem(appKey.privateKey, 'pkcs8'),
      alipay: pem(alipayKey.publicKey, 'spki'),
    };
    for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, `${name}.pem`), text);
    wechat = new FakeWechatPayApi({
      mchid: MCHID,
      merchantSerial: MERCHANT_SERIAL,
      merchantPublicKey: merchant.publicKey,
      platformPrivateKey: platform.privateKey,
      platformSerial: 'PUB_KEY_ID_0000000000000000000000',
    });
    alipay = new FakeAlipayGateway({
      appId: APP_ID,
      appPublicKey: appKey.publicKey,
      alipayPrivateKey: alipayKey.privateKey,
    });
    orderSystem = new LoopbackOrderSystem({ secret: SECRET, now: () => clock.now });
    await wechat.listen();
    await alipay.listen();
    await orderSystem.listen();
    env = {
      ORDERPULSE_WECHATPAY_MCHID: MCHID,
      ORDERPULSE_WECHATPAY_MERCHANT_KEY: path.join(dir, 'merchant.pem'),
      ORDERPULSE_WECHATPAY_MERCHANT_SERIAL: MERCHANT_SERIAL,
      ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY: path.join(dir, 'platform.pem'),
      ORDERPULSE_WECHATPAY_API_BASE: wechat.baseUrl,
      ORDERPULSE_ALIPAY_APP_ID: APP_ID,
      ORDERPULSE_ALIPAY_APP_PRIVATE_KEY: path.join(dir, 'app.pem'),
      ORDERPULSE_ALIPAY_PUBLIC_KEY: path.join(dir, 'alipay.pem'),
      ORDERPULSE_ALIPAY_GATEWAY: alipay.gateway,
      ORDERPULSE_ORDER_SYSTEM_URL: orderSystem.url,
      ORDERPULSE_ORDER_SYSTEM_SECRET: SECRET,
    };
    const paidAt = new Date(createdAt + 20_000);
    for (const [i, id] of WECHAT_PAID.entries()) {
      wechat.orders.set(id, {
        state: 'SUCCESS',
        amountFen: 1000 + i,
        transactionId: `42000000${String(i).padStart(20, '0')}`,
        successTime: paidAt.toISOString(),
      });
    }
    for (const [i, id] of ALIPAY_PAID.entries()) {
      alipay.trades.set(id, {
        status: 'TRADE_SUCCESS',
        totalAmount: (20 + i).toFixed(2),
        tradeNo: `2026000000${String(i).padStart(18, '0')}`,
      });
    }
    for (const id of WECHAT_UNPAID) wechat.orders.set(id, { state: 'NOTPAY', amountFen: 500 });
    for (const id of ALIPAY_UNPAID) alipay.trades.set(id, { status: 'WAIT_BUYER_PAY', totalAmount: '5.00' });
    // What a provider knows of an order it was not named for must not matter: nobody asks it.
    wechat.orders.set('R-24', {
      state: 'SUCCESS',
      amountFen: 1,
      transactionId: '4200000000000000000000000024',
    });
  });
  afterAll(async () => {
    if (app) await stop(app);
    await wechat?.close();
    await alipay?.close();
    await orderSystem?.close();
    await store?.dispose();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('stores the paid orders, tells the order system, which applies them, across a restart', async () => {
    app = await start();
    const created = await postEvents(
      app,
      ALL.map((id) => ({
        id: `created-${id}`,
        type: 'order.status',
        occurred_at: new Date(createdAt).toISOString(),
        order_id: id,
        store_id: 'store-1',
        status: 'created',
        amount_fen: 1000,
        ...(NAMED[id] && { provider: NAMED[id] }),
      })),
    );
    expect(created.statusCode).toBe(202);
    expect(created.json().rejected).toEqual([]);

    // The first second of the first round: the rate limits let ten queries a provider start. Then
    // the collector goes down before any webhook of the payments it stored was sent.
    await runUntil(app, createdAt + 2 * MINUTE, 10_000, false);
    expect(wechat.requests.length + alipay.requests.length).toBeGreaterThan(0);
    await stop(app);
    const queuedAtStop = (await queuedWebhooks()).pending ?? 0;
    expect(queuedAtStop).toBeGreaterThan(0);
    expect(queuedAtStop).toBeLessThan(PAID.length);
    expect(orderSystem.deliveries).toEqual([]);

    // A new collector on the same store; the merchant applies one stored payment by hand before
    // its webhook goes out, and the order system is down for the first three webhooks.
    app = await start();
    expect((await order(app, APPLIED_BY_HAND)).payments).toEqual([
      expect.objectContaining({ source: 'wechatpay-query' }),
    ]);
    const byHand = await postEvents(app, [
      {
        id: `by-hand-${APPLIED_BY_HAND}`,
        type: 'order.status',
        occurred_at: new Date(clock.now).toISOString(),
        order_id: APPLIED_BY_HAND,
        store_id: 'store-1',
        status: 'paid',
      },
    ]);
    expect(byHand.json()).toMatchObject({ accepted: 1, rejected: [] });
    orderSystem.unavailableFor = 3;
    await runUntil(app, createdAt + 3 * MINUTE);
    await stop(app);
    app = await start();
    await runUntil(app, createdAt + 60 * MINUTE, 30_000);

    // Every provider request carried a valid signature; no order was asked more than three times;
    // an order that named its provider was asked only there, and `other` nowhere.
    expect([...wechat.requests, ...alipay.requests].every((r) => r.signatureOk)).toBe(true);
    for (const id of ALL) expect(wechatQueries(id) + alipayQueries(id), id).toBeLessThanOrEqual(3);
    for (const [id, provider] of Object.entries(NAMED)) {
      expect(wechatQueries(id) > 0, `${id} at wechatpay`).toBe(provider === 'wechatpay');
      expect(alipayQueries(id) > 0, `${id} at alipay`).toBe(provider === 'alipay');
    }

    // The paid ones are stored from the queries, the unpaid ones not.
    for (const id of PAID) {
      expect((await order(app, id)).payments, id).toEqual([
        expect.objectContaining({ source: WECHAT_PAID.includes(id) ? 'wechatpay-query' : 'alipay-query' }),
      ]);
    }
    for (const id of [...WECHAT_UNPAID, ...ALIPAY_UNPAID, ...NOWHERE]) {
      expect((await order(app, id)).payments, id).toEqual([]);
    }

    // Each confirmed payment reached the order system once, signed, and the order moved on; the one
    // applied by hand was not sent; the unpaid orders are still waiting.
    const wanted = PAID.filter((id) => id !== APPLIED_BY_HAND);
    expect(orderSystem.deliveries.every((d) => d.signatureOk)).toBe(true);
    expect([...orderSystem.applied.values()].map((w) => w.order_id).sort()).toEqual(wanted);
    for (const webhook of orderSystem.applied.values()) {
      const stored = (await order(app, webhook.order_id)).payments[0];
      expect(webhook).toMatchObject({
        type: 'payment.confirmed',
        provider: stored.provider,
        transaction_id: stored.transaction_id,
        amount_fen: stored.amount_fen,
        source: stored.source,
        paid_at: new Date(stored.occurred_at).toISOString(),
      });
    }
    for (const id of PAID) expect((await order(app, id)).status, id).toBe('paid');
    for (const id of [...WECHAT_UNPAID, ...ALIPAY_UNPAID, ...NOWHERE]) {
      expect((await order(app, id)).status, id).toBe('created');
    }
    expect(await queuedWebhooks()).toEqual({ delivered: PAID.length });

    await stop(app);
    app = undefined;
    const webhooks = (outcome: string) => counted.get(`${METRIC_NAMES.orderSystemWebhooks}/${outcome}`) ?? 0;
    expect(webhooks('delivered')).toBe(wanted.length);
    expect(webhooks('already_applied')).toBe(1);
    expect(webhooks('failed')).toBe(3);
    expect(orderSystem.deliveries.filter((d) => d.status === 503)).toHaveLength(3);
    expect(counted.get(`${METRIC_NAMES.providerQueries}/wechatpay/paid`)).toBe(WECHAT_PAID.length);
    expect(counted.get(`${METRIC_NAMES.providerQueries}/alipay/paid`)).toBe(ALIPAY_PAID.length);
  });

  it('the order system refuses a webhook with a wrong signature or an old timestamp', async () => {
    const body = JSON.stringify({ id: 'x', type: 'payment.confirmed' });
    const post = (timestamp: string, signature: string) =>
      fetch(orderSystem.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-orderpulse-timestamp': timestamp,
          'x-orderpulse-signature': signature,
          'idempotency-key': 'x',
        },
        body,
      });
    const now = String(Math.floor(clock.now / 1000));
    const old = String(Math.floor((clock.now - 10 * MINUTE) / 1000));
    expect((await post(now, webhookSignature('another-secret-entirely', now, body))).status).toBe(401);
    expect((await post(old, webhookSignature(SECRET, old, body))).status).toBe(401);
    expect((await post(now, webhookSignature(SECRET, now, `${body} `))).status).toBe(401);
    // The same request correctly signed gets past the signature (and fails on its incomplete body).
    expect((await post(now, webhookSignature(SECRET, now, body))).status).toBe(400);
  });
});
