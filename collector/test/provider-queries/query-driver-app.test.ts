// Self-healing in the running app: a callback outage leaves 30 orders awaiting payment with no
// callback at all; the collector asks a loopback WeChat Pay API and Alipay gateway (which check
// every request's signature), stores the paid ones as payments from the queries, leaves the unpaid
// ones alone, asks no order more than three times, and picks the schedule up after a restart.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import { METRIC_NAMES } from '../../src/metrics/catalogue.ts';
import { FakeAlipayGateway } from '../../src/simulator/provider-apis/alipay-gateway.ts';
import { FakeWechatPayApi } from '../../src/simulator/provider-apis/wechatpay-api.ts';
import { orderStatus } from '../support/events.ts';
import { auth, testConfig } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const MINUTE = 60_000;
const MCHID = '1900000109';
const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const APP_ID = '2021000000000001';

const pem = (key: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') =>
  key.export({ type, format: 'pem' }).toString();

const ids = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `Q-${String(from + i).padStart(2, '0')}`);
const WECHAT_PAID = ids(1, 8);
const ALIPAY_PAID = ids(9, 14);
const WECHAT_UNPAID = ids(15, 19);
const ALIPAY_UNPAID = ids(20, 23);
const NOWHERE = ids(24, 30);
const ALL = ids(1, 30);

// One set of keys for both stores: generating RSA keys is the slow part of setting up.
const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const merchant = rsa();
const platform = rsa();
const appKey = rsa();
const alipayKey = rsa();

describe.each(STORE_KINDS)('provider queries in the app on %s', (kind) => {
  let store: TestDatabase;
  let dir: string;
  let wechat: FakeWechatPayApi;
  let alipay: FakeAlipayGateway;
  let env: Record<string, string>;
  let app: App | undefined;
  const createdAt = Date.now() - 1000;
  const clock = { now: createdAt };
  /** Query outcomes counted by each app the test ran, summed. */
  const counted = new Map<string, number>();
  let callbacksCounted = 0;

  async function start(): Promise<App> {
    const built = await buildApp(testConfig(env), {
      db: store.db,
      logger: false,
      alerting: { now: () => clock.now, tickMs: 0, watchRules: false, restoreOrdersInBackground: false },
      paymentQueries: { intervalMs: 0 },
    });
    await built.server.ready();
    return built;
  }
  async function stop(running: App): Promise<void> {
    const metric = await running.core.registry.getSingleMetric(METRIC_NAMES.providerQueries)?.get();
    for (const v of metric?.values ?? []) {
      const key = `${v.labels.provider}/${v.labels.outcome}`;
      counted.set(key, (counted.get(key) ?? 0) + v.value);
    }
    // A payment confirmed by query is no callback: the providers' callback counts stay untouched.
    const callbacks = await running.core.registry.getSingleMetric(METRIC_NAMES.paymentCallbacks)?.get();
    callbacksCounted += (callbacks?.values ?? []).reduce((sum, v) => sum + v.value, 0);
    await running.server.close();
  }
  /** Passes `stepMs` of virtual time apart until `until` (one second apart: as fast as the rate limits let queries start). */
  async function runUntil(running: App, until: number, stepMs = 1000): Promise<void> {
    while (clock.now < until) {
      clock.now = Math.min(until, clock.now + stepMs);
      await running.core.paymentQueries!.runOnce();
    }
  }
  const queriesOf = (order: string) => wechat.queriesOf(order).length + alipay.queriesOf(order).length;
  const order = async (running: App, id: string) =>
    (await running.server.inject({ method: 'GET', url: `/v1/orders/${id}`, headers: auth('viewer') })).json();

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'op-queries-'));
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
    await wechat.listen();
    await alipay.listen();
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
  });
  afterAll(async () => {
    if (app) await stop(app);
    await wechat?.close();
    await alipay?.close();
    await store?.dispose();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('stores the paid orders from queries, not the unpaid, at most three queries an order, across a restart', async () => {
    app = await start();
    const created = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify(
        ALL.map((id) =>
          orderStatus({
            order: id,
            status: 'created',
            at: new Date(createdAt).toISOString(),
            amount_fen: 1000,
          }),
        ),
      ),
    });
    expect(created.statusCode).toBe(202);

    // Before the window nobody is asked.
    await runUntil(app, createdAt + 2 * MINUTE - 1000, 10_000);
    expect(wechat.requests.length + alipay.requests.length).toBe(0);

    // The first second of the first round, then the collector stops mid-outage …
    await runUntil(app, createdAt + 2 * MINUTE);
    const firstRun = wechat.requests.length + alipay.requests.length;
    expect(firstRun).toBeGreaterThan(0);
    expect(firstRun).toBeLessThan(2 * ALL.length);
    await stop(app);

    // … and a new one on the same store carries on where the schedule stood: every order asked at
    // both providers, then only the orders a provider said were not paid yet, three minutes later.
    app = await start();
    await runUntil(app, createdAt + 2 * MINUTE + 15_000);
    await runUntil(app, createdAt + 4 * MINUTE, MINUTE);
    for (const id of ALL) expect(queriesOf(id), id).toBe(2);
    await runUntil(app, createdAt + 5 * MINUTE + 15_000);
    await stop(app);
    app = await start();
    await runUntil(app, createdAt + 60 * MINUTE, 5 * MINUTE);

    // Every request carried a valid signature, and no order was asked more than three times:
    // once at each provider, then (only where a provider said "not paid yet") once more there.
    expect([...wechat.requests, ...alipay.requests].every((r) => r.signatureOk)).toBe(true);
    for (const id of [...WECHAT_UNPAID, ...ALIPAY_UNPAID]) expect(queriesOf(id), id).toBe(3);
    for (const id of [...WECHAT_PAID, ...ALIPAY_PAID, ...NOWHERE]) expect(queriesOf(id), id).toBe(2);

    for (const [i, id] of WECHAT_PAID.entries()) {
      expect((await order(app, id)).payments, id).toEqual([
        expect.objectContaining({
          provider: 'wechatpay',
          source: 'wechatpay-query',
          status: 'success',
          amount_fen: 1000 + i,
          transaction_id: `42000000${String(i).padStart(20, '0')}`,
        }),
      ]);
    }
    for (const [i, id] of ALIPAY_PAID.entries()) {
      expect((await order(app, id)).payments, id).toEqual([
        expect.objectContaining({
          provider: 'alipay',
          source: 'alipay-query',
          amount_fen: 2000 + 100 * i,
          transaction_id: `2026000000${String(i).padStart(18, '0')}`,
        }),
      ]);
    }
    for (const id of [...WECHAT_UNPAID, ...ALIPAY_UNPAID, ...NOWHERE]) {
      expect((await order(app, id)).payments, id).toEqual([]);
    }

    await stop(app);
    app = undefined;
    expect(Object.fromEntries(counted)).toEqual({
      'wechatpay/paid': WECHAT_PAID.length,
      'alipay/paid': ALIPAY_PAID.length,
      'wechatpay/not_paid': 2 * WECHAT_UNPAID.length,
      'alipay/not_paid': 2 * ALIPAY_UNPAID.length,
      'wechatpay/not_found': ALL.length - WECHAT_PAID.length - WECHAT_UNPAID.length,
      'alipay/not_found': ALL.length - ALIPAY_PAID.length - ALIPAY_UNPAID.length,
    });
    expect(callbacksCounted).toBe(0);
  });

  it('counts a payment once when the real callback arrives after the query stored it', async () => {
    app = await start();
    const id = WECHAT_PAID[0]!;
    const before = await order(app, id);
    const [queried] = before.payments as { transaction_id: string; occurred_at: string }[];
    const callback = {
      type: 'payment.notify' as const,
      id: 'wx-notify-late-callback',
      source: 'wechatpay',
      occurredAt: Date.parse(queried!.occurred_at),
      orderId: id,
      storeId: 'store-1',
      provider: 'wechatpay' as const,
      transactionId: queried!.transaction_id,
      amountFen: 1000,
      status: 'success' as const,
    };
    expect(await app.core.writer.write([callback])).toEqual({ accepted: 1, duplicates: 0 });

    const after = await order(app, id);
    expect(after.timeline.filter((e: { type: string }) => e.type === 'payment.notify')).toHaveLength(2);
    expect(after.payments).toEqual(before.payments);
    const { rows } = await store.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${store.schema}.payments WHERE order_id = $1`,
      [id],
    );
    expect(rows[0]?.n).toBe(1);
  });
});
