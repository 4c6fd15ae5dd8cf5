// A Kuaidi100 subscription that ends (push `abort`/`shutdown`) in the running app: the reason is read
// as Kuaidi100 documents it, the waybill is subscribed again at the loopback subscribe API (key and
// salt checked there) or handed to the poller, and the reason and what was done show on
// GET /v1/shipments/{tracking_no} and in the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import { SqlPollScheduleStore } from '../../src/carriers/sql-poll-schedule.ts';
import { kuaidi100PushSign } from '../../src/ingest/kuaidi100/sign.ts';
import { FakeKuaidi100Subscribe } from '../../src/simulator/provider-apis/kuaidi100-subscribe.ts';
import { auth, testConfig } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const SALT = 'push-salt-for-healing-tests';
const CALLBACK = 'https://orderpulse.example.com/v1/notify/kuaidi100';
const MIN = 60_000;
const HOUR = 60 * MIN;
// Event times follow the wall clock (the collector refuses future ones); the healing clock `t` moves ahead.
const ftime = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 19).replace('T', ' ');

describe.each(STORE_KINDS)('healing ended Kuaidi100 subscriptions on %s', (kind) => {
  let store: TestDatabase;
  let kuaidi100: FakeKuaidi100Subscribe;
  let app: App;
  let t = Date.now();

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    kuaidi100 = new FakeKuaidi100Subscribe({ key: 'subscribe-key', now: () => t });
    await kuaidi100.listen();
    app = await buildApp(
      testConfig({
        ORDERPULSE_KUAIDI100_SALT: SALT,
        ORDERPULSE_KUAIDI100_CUSTOMER: 'CUSTOMER1',
        ORDERPULSE_KUAIDI100_KEY: kuaidi100.key,
        ORDERPULSE_KUAIDI100_BASE_URL: kuaidi100.baseUrl,
        ORDERPULSE_KUAIDI100_CALLBACK_URL: CALLBACK,
      }),
      { db: store.db, logger: false, carriers: { now: () => t } },
    );
    await app.server.ready();
  });
  afterAll(async () => {
    await app?.server.close();
    await kuaidi100?.close();
    await store?.dispose();
  });

  const ship = async (orderId: string, trackingNo: string) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify({
        id: `ship-${orderId}`,
        type: 'order.status',
        occurred_at: new Date(Date.now() - 2 * HOUR).toISOString(),
        order_id: orderId,
        store_id: 'store-h',
        status: 'shipped',
        carrier: 'yuantong',
        tracking_no: trackingNo,
      }),
    });
    expect(res.statusCode).toBe(202);
    // The binding is written by a commit listener: wait until the shipment is listed.
    await expect.poll(async () => (await shipment(trackingNo)).statusCode, { timeout: 10_000 }).toBe(200);
  };
  const push = (param: Record<string, unknown>, salt = SALT) => {
    const text = JSON.stringify(param);
    return app.server.inject({
      method: 'POST',
      url: '/v1/notify/kuaidi100',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ param: text, sign: kuaidi100PushSign(text, salt) }).toString(),
    });
  };
  const shipment = (trackingNo: string) =>
    app.server.inject({ method: 'GET', url: `/v1/shipments/${trackingNo}`, headers: auth('viewer') });
  const subscription = async (trackingNo: string) =>
    (await shipment(trackingNo)).json().shipment.subscription;
  const audit = async (trackingNo: string) => {
    const res = await app.server.inject({
      method: 'GET',
      url: '/v1/audit?limit=200',
      headers: auth('viewer'),
    });
    return (
      res.json().entries as {
        actor: string;
        action: string;
        target: string;
        details: Record<string, unknown>;
      }[]
    )
      .filter((e) => e.target === `shipment/yuantong/${trackingNo}`)
      .reverse();
  };
  const orderShipment = async (orderId: string, trackingNo: string) => {
    const res = await app.server.inject({
      method: 'GET',
      url: `/v1/orders/${orderId}`,
      headers: auth('viewer'),
    });
    return (res.json().shipments as { tracking_no: string; subscription: unknown }[]).find(
      (s) => s.tracking_no === trackingNo,
    );
  };
  const schedule = () => new SqlPollScheduleStore(store.db);
  const runDue = () => app.core.carriers.healer.runDue();

  it('resubscribes under the company Kuaidi100 recognised, and files its pushes under the bound waybill', async () => {
    await ship('O-WRONG', 'YTWRONG');
    const res = await push({
      status: 'abort',
      message: '快递公司编码错误',
      autoCheck: '1',
      comOld: 'yuantong',
      comNew: 'zhongtong',
      lastResult: { state: '0', ischeck: '0', com: 'yuantong', nu: 'YTWRONG', data: [] },
    });
    expect(res.json()).toEqual({ result: true, returnCode: '200', message: '成功' });
    expect(await subscription('YTWRONG')).toMatchObject({
      status: 'abort',
      message: '快递公司编码错误',
      reason: 'wrong_company',
      action: 'resubscribe',
      company: 'zhongtong',
      resubscribes: 0,
      outcome: 'due',
    });

    expect(await runDue()).toBe(1);
    expect(kuaidi100.requestsFor('YTWRONG')).toEqual([
      { company: 'zhongtong', number: 'YTWRONG', accepted: true, returnCode: '200', at: t },
    ]);
    // The subscription asks for pushes to our callback, signed with our salt.
    expect(kuaidi100.subscriptions.get('YTWRONG')).toMatchObject({ callbackUrl: CALLBACK, salt: SALT });
    expect(await subscription('YTWRONG')).toMatchObject({
      action: 'resubscribe',
      resubscribes: 1,
      outcome: 'subscribed',
      next_attempt_at: null,
    });
    expect(await runDue()).toBe(0);

    const entries = await audit('YTWRONG');
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      ['orderpulse', 'shipment.subscription_ended'],
      ['orderpulse', 'shipment.resubscribe'],
    ]);
    expect(entries[0]?.details).toMatchObject({ reason: 'wrong_company', company: 'zhongtong' });
    expect(entries[1]?.details).toMatchObject({ outcome: 'subscribed', attempt: 1, return_code: '200' });

    // Kuaidi100 now pushes under the corrected company; the checkpoint lands on the bound order.
    const later = await push(
      {
        status: 'polling',
        message: '',
        lastResult: {
          state: '0',
          ischeck: '0',
          com: 'zhongtong',
          nu: 'YTWRONG',
          data: [{ ftime: ftime(Date.now() - HOUR), context: '【杭州市】快件已发往 上海' }],
        },
      },
      kuaidi100.subscriptions.get('YTWRONG')!.salt,
    );
    expect(later.statusCode).toBe(200);
    await expect
      .poll(
        async () => {
          const order = await app.server.inject({
            method: 'GET',
            url: '/v1/orders/O-WRONG',
            headers: auth('viewer'),
          });
          return (order.json().timeline as { source: string; carrier?: string }[])
            .filter((e) => e.source === 'kuaidi100')
            .map((e) => e.carrier);
        },
        { timeout: 10_000 },
      )
      .toEqual(['yuantong']);
  });

  it('tries a refused resubscription again later, and polls once the ceiling is reached', async () => {
    await ship('O-NOREC', 'YTNOREC');
    kuaidi100.fault(
      'YTNOREC',
      { kind: 'refuse', returnCode: '700' },
      { kind: 'http', status: 503 },
      {
        kind: 'refuse',
        returnCode: '700',
      },
    );
    await push({
      status: 'abort',
      message: '3天查询无记录',
      lastResult: { state: '0', ischeck: '0', com: 'yuantong', nu: 'YTNOREC', data: [] },
    });
    expect(await subscription('YTNOREC')).toMatchObject({ reason: 'no_record', action: 'resubscribe' });
    // Not before Kuaidi100's 30 minutes.
    expect(await runDue()).toBe(0);
    expect(kuaidi100.requestsFor('YTNOREC')).toHaveLength(0);

    t += 31 * MIN;
    expect(await runDue()).toBe(1);
    expect(await subscription('YTNOREC')).toMatchObject({
      action: 'resubscribe',
      outcome: 'failed',
      resubscribes: 1,
      next_attempt_at: new Date(t + 30 * MIN).toISOString(),
    });
    expect((await subscription('YTNOREC')).last_error).toContain('700');
    t += 31 * MIN;
    expect(await runDue()).toBe(1);
    expect((await subscription('YTNOREC')).last_error).toContain('503');
    t += 61 * MIN;
    expect(await runDue()).toBe(1);

    const last = await subscription('YTNOREC');
    expect(last).toMatchObject({ reason: 'no_record', action: 'poll', outcome: 'failed', resubscribes: 3 });
    expect(last.next_attempt_at).toBeNull();
    expect(last.detail).toContain('failed 3 times');
    const entry = await schedule().get({ carrier: 'yuantong', trackingNo: 'YTNOREC' });
    expect(entry?.active).toBe(true);
    expect(entry?.nextPollAt).toBeLessThanOrEqual(t);

    t += 10 * HOUR;
    expect(await runDue()).toBe(0);
    expect(kuaidi100.requestsFor('YTNOREC').map((r) => r.returnCode)).toEqual(['700', '503', '700']);
    // Aborted again: the ceiling holds over the waybill's life, so it stays with the poller.
    await push({
      status: 'abort',
      message: '3天查询无记录',
      lastResult: { state: '0', ischeck: '0', com: 'yuantong', nu: 'YTNOREC', data: [] },
    });
    expect(await subscription('YTNOREC')).toMatchObject({ action: 'poll', resubscribes: 3 });
    expect((await audit('YTNOREC')).map((e) => e.details.action)).toEqual([
      'resubscribe',
      'resubscribe',
      'resubscribe',
      'poll',
      'poll',
    ]);
  });

  it('polls a waybill unchanged for 60 days instead of resubscribing it', async () => {
    await ship('O-STALE', 'YTSTALE');
    await push({
      status: 'abort',
      message: '60天无变化',
      lastResult: { state: '0', ischeck: '0', com: 'yuantong', nu: 'YTSTALE', data: [] },
    });
    expect(await subscription('YTSTALE')).toMatchObject({
      reason: 'unchanged',
      action: 'poll',
      outcome: null,
    });
    // The order's drill-down shows the same decision on its waybill.
    expect(await orderShipment('O-STALE', 'YTSTALE')).toMatchObject({
      state: expect.any(String),
      subscription: await subscription('YTSTALE'),
    });
    const entry = await schedule().get({ carrier: 'yuantong', trackingNo: 'YTSTALE' });
    expect(entry?.active).toBe(true);
    // Due no later than Kuaidi100's 30 minutes (an earlier regular poll, set at binding, stays).
    expect(entry?.nextPollAt).toBeLessThanOrEqual(t + 30 * MIN);
    t += HOUR;
    await runDue();
    expect(kuaidi100.requestsFor('YTSTALE')).toHaveLength(0);
  });

  it('does nothing when tracking shuts down after delivery, and stops polling', async () => {
    await ship('O-DONE', 'YTDONE');
    await schedule().upsert({ carrier: 'yuantong', trackingNo: 'YTDONE' }, t + HOUR);
    await push({
      status: 'shutdown',
      message: '',
      lastResult: {
        state: '3',
        ischeck: '1',
        com: 'yuantong',
        nu: 'YTDONE',
        data: [{ ftime: ftime(Date.now() - HOUR), context: '已签收' }],
      },
    });
    expect(await subscription('YTDONE')).toMatchObject({
      status: 'shutdown',
      reason: 'finished',
      action: 'none',
    });
    expect((await schedule().get({ carrier: 'yuantong', trackingNo: 'YTDONE' }))?.active).toBe(false);
    expect(kuaidi100.requestsFor('YTDONE')).toHaveLength(0);
  });

  it('answers 404 for an unknown waybill, and shows no subscription for one that never ended', async () => {
    expect((await shipment('NOSUCH')).statusCode).toBe(404);
    expect((await shipment('NOSUCH')).json().error).toBe('not_found');
    await ship('O-FINE', 'YTFINE');
    expect((await shipment('YTFINE')).json().shipment).toMatchObject({
      order_id: 'O-FINE',
      carrier: 'yuantong',
      tracking_no: 'YTFINE',
      subscription: null,
    });
    expect((await orderShipment('O-FINE', 'YTFINE'))?.subscription).toBeNull();
  });
});
