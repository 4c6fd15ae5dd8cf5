// The poller inside the running app: a waybill bound through /v1/events gets a poll schedule, a
// due waybill is queried at a loopback Kuaidi100 and its checkpoints land on the order, and a
// push saying tracking ended stops polling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { SqlPollScheduleStore } from '../../src/carriers/sql-poll-schedule.ts';
import { kuaidi100PushSign } from '../../src/ingest/kuaidi100/sign.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { FakeKuaidi100 } from './fake-kuaidi100.ts';

const SALT = 'push-salt-for-tests';
const HOUR = 3_600_000;
const ftime = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 19).replace('T', ' ');

describe.each(STORE_KINDS)('polling in the app on %s', (kind) => {
  let store: TestDatabase;
  let server: FakeKuaidi100;
  let app: App | undefined;
  const now = Date.now();

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    server = await new FakeKuaidi100(Date.now).listen();
  });
  afterAll(async () => {
    await app?.server.close();
    await server.close();
    await store.dispose();
  });

  const env = () => ({
    ORDERPULSE_KUAIDI100_SALT: SALT,
    ORDERPULSE_KUAIDI100_CUSTOMER: server.customer,
    ORDERPULSE_KUAIDI100_KEY: server.key,
    ORDERPULSE_KUAIDI100_BASE_URL: server.baseUrl,
  });
  const schedule = () => new SqlPollScheduleStore(store.db);

  it('queries due waybills at start and stores their checkpoints on the bound order', async () => {
    // Bound and scheduled by an earlier run of the collector …
    const first = await buildTestApp(store.db, { ORDERPULSE_KUAIDI100_SALT: SALT });
    await first.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify({
        id: 'ship-poll',
        type: 'order.status',
        occurred_at: new Date(now - 10 * HOUR).toISOString(),
        order_id: 'O-POLL',
        store_id: 'store-3',
        status: 'shipped',
        carrier: 'yuantong',
        tracking_no: 'YTPOLL',
      }),
    });
    await first.server.close();
    await schedule().upsert({ carrier: 'yuantong', trackingNo: 'YTPOLL' }, now - 1000);
    server.waybills.set('YTPOLL', {
      state: '0',
      data: [
        { ftime: ftime(now - 9 * HOUR), context: '【杭州市】已揽收', status: '揽收' },
        { ftime: ftime(now - 8 * HOUR), context: '【杭州市】快件已发往 上海', status: '在途' },
      ],
    });

    // … and picked up by this one.
    app = await buildTestApp(store.db, env());
    const timeline = async () => {
      const res = await app!.server.inject({
        method: 'GET',
        url: '/v1/orders/O-POLL',
        headers: auth('viewer'),
      });
      return (res.json().timeline as { source: string; state?: string }[]).filter(
        (e) => e.source === 'kuaidi100',
      );
    };
    await expect
      .poll(async () => (await timeline()).map((e) => e.state))
      .toEqual(['collected', 'in_transit']);
    expect(server.requestsFor('YTPOLL')).toHaveLength(1);
    expect(server.requestsFor('YTPOLL')[0]?.signOk).toBe(true);
    // The checkpoints are stored before the waybill's lease gives way to its next regular poll.
    await expect
      .poll(
        async () => (await schedule().get({ carrier: 'yuantong', trackingNo: 'YTPOLL' }))?.nextPollAt ?? 0,
      )
      .toBeGreaterThan(now + 5 * HOUR);
    expect((await schedule().get({ carrier: 'yuantong', trackingNo: 'YTPOLL' }))?.failures).toBe(0);
  });

  it('schedules a newly bound waybill one interval out, and stops when a push ends tracking', async () => {
    const before = Date.now();
    await app!.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify({
        id: 'bind-new',
        type: 'shipment.update',
        occurred_at: new Date(now).toISOString(),
        order_id: 'O-NEW',
        store_id: 'store-3',
        carrier: 'yuantong',
        tracking_no: 'YTNEW',
        state: 'created',
      }),
    });
    const key = { carrier: 'yuantong', trackingNo: 'YTNEW' };
    await expect.poll(async () => (await schedule().get(key))?.active).toBe(true);
    const next = (await schedule().get(key))!.nextPollAt;
    expect(next).toBeGreaterThanOrEqual(before + 5.4 * HOUR);
    expect(next).toBeLessThanOrEqual(Date.now() + 6.6 * HOUR);

    const param = JSON.stringify({
      status: 'shutdown',
      message: '',
      lastResult: {
        state: '3',
        ischeck: '1',
        com: 'yuantong',
        nu: 'YTNEW',
        data: [{ ftime: ftime(now + 1000), time: ftime(now + 1000), context: '已签收', status: '签收' }],
      },
    });
    const res = await app!.server.inject({
      method: 'POST',
      url: '/v1/notify/kuaidi100',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ param, sign: kuaidi100PushSign(param, SALT) }).toString(),
    });
    expect(res.statusCode).toBe(200);
    expect((await schedule().get(key))?.active).toBe(false);
  });

  it('hands a waybill Kuaidi100 aborted over to polling 30 minutes later', async () => {
    const key = { carrier: 'yuantong', trackingNo: 'YTABORT' };
    const param = JSON.stringify({
      status: 'abort',
      message: '3天查询无记录',
      lastResult: { state: '0', ischeck: '0', com: 'yuantong', nu: 'YTABORT', data: [] },
    });
    const before = Date.now();
    const res = await app!.server.inject({
      method: 'POST',
      url: '/v1/notify/kuaidi100',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ param, sign: kuaidi100PushSign(param, SALT) }).toString(),
    });
    expect(res.json()).toEqual({ result: true, returnCode: '200', message: '成功' });
    const entry = await schedule().get(key);
    expect(entry?.active).toBe(true);
    expect(entry?.nextPollAt).toBeGreaterThanOrEqual(before + 30 * 60_000);
    expect(entry?.nextPollAt).toBeLessThanOrEqual(Date.now() + 30 * 60_000);
  });
});
