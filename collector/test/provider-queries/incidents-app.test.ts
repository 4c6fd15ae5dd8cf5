// A WeChat Pay callback outage in the running app, on each store: 30 orders created while no callback
// comes, ten of them confirmed by query (stored as the query driver stores them), some applied by the
// order system. GET /v1/incidents counts the outage's recovery while it lasts and after callbacks
// return; the resolve notification of callback_silent carries the same figures; the recovered
// payments are counted for Prometheus. A store-scoped token sees only its stores' part of an outage.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { querySource } from '../../src/domain/events.ts';
import { METRIC_NAMES } from '../../src/metrics/catalogue.ts';
import { plainTextOf } from '../../src/notify/message-text.ts';
import type { Notification } from '../../src/notify/notification.ts';
import { recordQueryOutcome, recordQueryStart } from '../../src/provider-queries/attempt-queries.ts';
import { recoveredPaymentCounts } from '../../src/provider-queries/outage-facts.ts';
import type { Incident, IncidentList } from '../../src/wire/incidents.ts';
import {
  byEntity,
  copyRules,
  ev,
  type Harness,
  HOUR,
  iso,
  MINUTE,
  SECOND,
  startHarness,
} from '../alerting/alerting-harness.ts';
import { type LoopbackReceiver, startReceiver } from '../notify/loopback-receiver.ts';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const ROUTES = `route:
  receiver: hooks
  group_by: [rule, store_id]
  group_wait: 30s
  group_interval: 1m
  repeat_interval: 4h
  routes:
    - matchers: ['route="payments"']
      receiver: hooks
    - matchers: ['route="finance"']
      receiver: hooks
    - matchers: ['route="supervisor"']
      receiver: hooks
receivers:
  - name: hooks
    primary:
      - kind: webhook
        url_env: ORDERPULSE_TEST_HOOK_URL
`;

const S1_VIEWER = 's1-incidents-secret';
const S2_VIEWER = 's2-incidents-secret';
const S3_VIEWER = 's3-incidents-secret';
const TOKENS = `tokens:
  - { name: s1, role: viewer, secret: ${S1_VIEWER}, stores: [S1] }
  - { name: s2, role: viewer, secret: ${S2_VIEWER}, stores: [S2] }
  - { name: s3, role: viewer, secret: ${S3_VIEWER}, stores: [S3] }
`;

const order = (i: number) => `I-${String(i).padStart(2, '0')}`;

describe.each(STORE_KINDS)('callback outage recovery in the app on %s', (kind) => {
  let store: TestDatabase;
  let h: Harness;
  let hook: LoopbackReceiver;
  let tokensDir: string;
  let t: number;
  const createdAt = (i: number) => t + i * 20 * SECOND;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    hook = await startReceiver({ status: 200, body: '{}' });
    const rulesDir = copyRules();
    await writeFile(path.join(rulesDir, 'routes.yaml'), ROUTES);
    tokensDir = await mkdtemp(path.join(os.tmpdir(), 'op-incident-tokens-'));
    await writeFile(path.join(tokensDir, 'tokens.yaml'), TOKENS);
    h = await startHarness(store.db, {
      rulesDir,
      env: {
        ORDERPULSE_TEST_HOOK_URL: `${hook.baseUrl}/hooks`,
        ORDERPULSE_TOKENS_FILE: path.join(tokensDir, 'tokens.yaml'),
      },
    });
    t = h.clock.now;
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await hook?.close();
    await store?.dispose();
    if (tokensDir) await rm(tokensDir, { recursive: true, force: true });
  });

  /** A payment stored from a query answer, as the query driver writes it. */
  async function confirmByQuery(orderId: string, paidAt: number): Promise<void> {
    await h.app.core.writer.write([
      {
        type: 'payment.notify',
        id: `42000-${orderId}`,
        source: querySource('wechatpay'),
        occurredAt: paidAt,
        orderId,
        storeId: 'S1',
        provider: 'wechatpay',
        transactionId: `42000-${orderId}`,
        amountFen: 1999,
        status: 'success',
      },
    ]);
    await h.app.alerting.settled();
  }
  async function query(
    orderId: string,
    attempt: number,
    provider: 'wechatpay' | 'alipay',
    outcome?: 'paid' | 'not_paid' | 'not_found',
  ) {
    const startedAt = h.clock.now;
    await recordQueryStart(store.db, { orderId, attempt, provider, startedAt });
    if (outcome)
      await recordQueryOutcome(store.db, { orderId, attempt }, { outcome, finishedAt: startedAt + 200 });
  }
  async function incidents(query = '', secret?: string): Promise<Incident[]> {
    const res = await h.app.server.inject({
      method: 'GET',
      url: `/v1/incidents${query}`,
      headers: secret === undefined ? auth('viewer') : { authorization: `Bearer ${secret}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as IncidentList).incidents;
  }
  const of = async (provider: string) => (await incidents()).find((i) => i.provider === provider);

  it('counts what the queries recovered while the outage lasts', async () => {
    // Both providers called at t; an order paid before then was confirmed by query too (not this outage's).
    await h.post([
      ev.order('X-0', 'created', t - 6 * MINUTE),
      ev.payment('CB-0', t),
      ev.payment('CB-0b', t, { provider: 'alipay' }),
    ]);
    await confirmByQuery('X-0', t - 5 * MINUTE);
    await h.post(Array.from({ length: 30 }, (_, i) => ev.order(order(i + 1), 'created', createdAt(i + 1))));
    await h.advance(10 * MINUTE + SECOND);
    expect(byEntity(await h.alerts(), 'callback_silent').get('wechatpay')?.status).toBe('firing');

    for (let i = 1; i <= 10; i++) await confirmByQuery(order(i), createdAt(i) + 10 * SECOND);
    await h.post(
      Array.from({ length: 6 }, (_, i) => ev.order(order(i + 1), 'paid', createdAt(i + 1) + 2 * MINUTE)),
    );
    for (let i = 1; i <= 10; i++) await query(order(i), 1, 'wechatpay', 'paid');
    for (let i = 11; i <= 13; i++) await query(order(i), 1, 'wechatpay', 'not_paid');
    await query(order(14), 1, 'wechatpay');
    await query(order(15), 1, 'alipay', 'not_found');
    // A query about an order created and paid before the outage is not this outage's.
    await query('X-0', 1, 'wechatpay', 'paid');

    expect(await of('wechatpay')).toEqual({
      kind: 'callback_silent',
      alert_id: expect.any(String),
      provider: 'wechatpay',
      started_at: iso(t),
      ended_at: null,
      open: true,
      awaiting_payment: 30,
      confirmed_by_query: 10,
      applied: 6,
      remaining: 4,
      still_awaiting: 20,
      queries: { sent: 14, paid: 10, not_paid: 3, not_found: 0, error: 0, in_flight: 1 },
    });
    // The other provider's outage is its own: no payment of it was confirmed, one query found nothing.
    expect(await of('alipay')).toMatchObject({
      open: true,
      confirmed_by_query: 0,
      still_awaiting: 20,
      queries: { sent: 1, not_found: 1 },
    });
  });

  it('keeps counting after callbacks return, and the resolve message carries the figures', async () => {
    const firingSent = hook.requests.length;
    await h.advance(SECOND);
    await h.advance(31 * SECOND);
    await expect.poll(() => hook.requests.length, { timeout: 20_000 }).toBeGreaterThan(firingSent);

    // WeChat Pay's callbacks come back: one for the last order.
    await h.post([ev.payment(order(30), h.clock.now)]);
    const resolvedAt = h.clock.now;
    const wechat = await of('wechatpay');
    expect(wechat).toMatchObject({
      open: false,
      ended_at: iso(resolvedAt),
      confirmed_by_query: 10,
      applied: 6,
    });
    expect(wechat?.still_awaiting).toBe(19);
    expect(wechat?.awaiting_payment).toBe(29);

    // The order system applies two more after the outage ended; the finished outage still counts them.
    await h.post([ev.order(order(7), 'paid', h.clock.now), ev.order(order(8), 'paid', h.clock.now)]);
    expect(await of('wechatpay')).toMatchObject({ confirmed_by_query: 10, applied: 8, remaining: 2 });

    await h.post([ev.payment('CB-1b', h.clock.now, { provider: 'alipay' })]);
    expect(byEntity(await h.alerts(), 'callback_silent').size).toBe(0);
    await h.advance(61 * SECOND);
    await h.advance(SECOND);
    const { rows } = await store.db.query<{ payload: Notification }>(
      `SELECT payload FROM notification_outbox
       WHERE payload->>'rule' = 'callback_silent' AND payload->>'status' = 'resolved'`,
    );
    expect(rows).toHaveLength(1);
    const resolve = rows[0]!.payload;
    expect(resolve.recovery).toEqual(
      expect.arrayContaining([
        { provider: 'wechatpay', confirmedByQuery: 10, applied: 8, remaining: 2 },
        { provider: 'alipay', confirmedByQuery: 0, applied: 0, remaining: 0 },
      ]),
    );
    const text = plainTextOf(resolve, 'both', { timeZone: 'Asia/Shanghai' });
    // The provider by the name every screen gives it, from the message catalogue.
    expect(text).toContain(
      'WeChat Pay: 10 orders confirmed by query, 8 applied by the order system, 2 remaining',
    );
    expect(text).toContain('微信支付：查询确认已支付 10 笔，订单系统已入账 8 笔，仍待入账 2 笔');

    // Outages that ended before `since` are left out; open ones never are.
    expect(await incidents(`?since=${encodeURIComponent(iso(h.clock.now + MINUTE))}`)).toEqual([]);
    expect((await incidents(`?since=${encodeURIComponent(iso(t))}`)).length).toBe(2);
  });

  it('counts recovered payments for Prometheus', async () => {
    // X-0 and I-01..I-10 were confirmed by query; I-01..I-08 applied.
    expect(await recoveredPaymentCounts(store.db, t - HOUR)).toEqual(
      expect.arrayContaining([
        { provider: 'wechatpay', state: 'applied', n: 8 },
        { provider: 'wechatpay', state: 'unapplied', n: 3 },
      ]),
    );
    const metrics = await h.app.server.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain(`${METRIC_NAMES.paymentsRecovered}{provider="wechatpay"} 11`);
    expect(metrics.body).toContain(`# TYPE ${METRIC_NAMES.recoveredPayments} gauge`);
  });

  it("shows a store-scoped token only its stores' part of an outage, and none that missed its stores", async () => {
    const since = `?since=${encodeURIComponent(iso(t))}`;
    const before = await incidents(since);
    // An S2 order created during the outage, still awaiting payment, and queried at WeChat Pay.
    await h.post([ev.order('S2-1', 'created', createdAt(5), { store_id: 'S2' })]);
    await query('S2-1', 1, 'wechatpay', 'not_paid');
    const all = await incidents(since);
    const wechat = (list: Incident[]) => list.find((i) => i.provider === 'wechatpay');
    expect(wechat(all)).toMatchObject({
      still_awaiting: wechat(before)!.still_awaiting + 1,
      queries: { sent: wechat(before)!.queries.sent + 1 },
    });

    // S1 sees its figures as they were before S2's order came: nothing of S2 is counted.
    expect(await incidents(since, S1_VIEWER)).toEqual(before);
    // S2 sees the outages its order was caught in, with that one order only.
    const s2 = await incidents(since, S2_VIEWER);
    expect(wechat(s2)).toMatchObject({
      awaiting_payment: 1,
      confirmed_by_query: 0,
      applied: 0,
      remaining: 0,
      still_awaiting: 1,
      queries: { sent: 1, paid: 0, not_paid: 1, not_found: 0, error: 0, in_flight: 0 },
    });
    expect(s2.map((i) => i.alert_id).sort()).toEqual(all.map((i) => i.alert_id).sort());
    // An outage that touched none of S3's orders is not S3's to see.
    expect(await incidents(since, S3_VIEWER)).toEqual([]);
  });

  it('answers 401 without a token and 400 for a bad since', async () => {
    expect((await h.app.server.inject({ method: 'GET', url: '/v1/incidents' })).statusCode).toBe(401);
    const bad = await h.app.server.inject({
      method: 'GET',
      url: '/v1/incidents?since=yesterday',
      headers: auth('viewer'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBeDefined();
  });
});
