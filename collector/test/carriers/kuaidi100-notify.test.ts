// POST /v1/notify/kuaidi100 and GET /v1/shipments through the real app (inject), on every
// available store: sign checks, binding before and after the first carrier update, duplicates.
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { kuaidi100PushSign } from '../../src/ingest/kuaidi100/sign.ts';
import { ShipmentsList } from '../../src/wire/shipments.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const SALT = 'push-salt-for-tests';
const HOUR = 3_600_000;
const KAT_SALT = 'synthSalt0123456789abcdefghijklm';
const KAT_PARAM =
  '{"status":"polling","billstatus":"got","message":"","autoCheck":"0","comOld":"","comNew":"","lastResult":{"message":"ok","state":"0","status":"200","condition":"F00","ischeck":"0","com":"yuantong","nu":"YT0000000000001","data":[{"context":"【杭州市】快件已发往 北京转运中心","time":"2024-06-02 08:10:00","ftime":"2024-06-02 08:10:00","status":"在途","areaCode":"330100000000","areaName":"浙江,杭州市"}]}}';
const KAT_SIGN = 'ADE916885AFBC770A071DE4504A58652';

/** Kuaidi100's time format, China Standard Time. */
function ftime(ms: number): string {
  return new Date(ms + 8 * HOUR).toISOString().slice(0, 19).replace('T', ' ');
}

interface Node {
  at: number;
  context: string;
  status: string;
}

function pushParam(nu: string, state: string, nodes: Node[], status = 'polling'): string {
  return JSON.stringify({
    status,
    message: '',
    lastResult: {
      message: 'ok',
      state,
      status: '200',
      ischeck: state === '3' ? '1' : '0',
      com: 'yuantong',
      nu,
      data: [...nodes]
        .sort((a, b) => b.at - a.at)
        .map((n) => ({ time: ftime(n.at), ftime: ftime(n.at), context: n.context, status: n.status })),
    },
  });
}

describe.each(STORE_KINDS)('kuaidi100 push and shipments on %s', (kind) => {
  let store: TestDatabase;
  let app: App;
  let katApp: App;
  let unconfigured: App;
  const now = Date.now();

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db, { ORDERPULSE_KUAIDI100_SALT: SALT });
    katApp = await buildTestApp(store.db, { ORDERPULSE_KUAIDI100_SALT: KAT_SALT });
    unconfigured = await buildTestApp(store.db);
  });
  afterAll(async () => {
    await app.server.close();
    await katApp.server.close();
    await unconfigured.server.close();
    await store.dispose();
  });

  const push = (form: Record<string, string>, target = app) =>
    target.server.inject({
      method: 'POST',
      url: '/v1/notify/kuaidi100',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      payload: new URLSearchParams(form).toString(),
    });
  const signedPush = (param: string) => push({ param, sign: kuaidi100PushSign(param, SALT) });
  const postEvents = (events: object[]) =>
    app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify(events),
    });
  const timeline = async (orderId: string) => {
    const res = await app.server.inject({
      method: 'GET',
      url: `/v1/orders/${orderId}`,
      headers: auth('viewer'),
    });
    return res.statusCode === 200 ? (res.json().timeline as Record<string, unknown>[]) : [];
  };
  const carrierCheckpoints = async (orderId: string) =>
    (await timeline(orderId)).filter((e) => e.type === 'shipment.update' && e.source === 'kuaidi100');
  const pendingCount = async (trackingNo: string) =>
    (
      await store.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM carrier_updates_pending WHERE tracking_no = $1',
        [trackingNo],
      )
    ).rows[0]!.n;
  const iso = (ms: number) => new Date(ms).toISOString();

  it('accepts the known-answer push with the documented reply', async () => {
    const res = await push({ param: KAT_PARAM, sign: KAT_SIGN }, katApp);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ result: true, returnCode: '200', message: '成功' });
    expect(await pendingCount('YT0000000000001')).toBe(1);
  });

  it('refuses a wrong or missing sign with 401 and keeps the push as a dead letter', async () => {
    const wrong = await push({ param: KAT_PARAM, sign: KAT_SIGN.replace('A', 'C') }, katApp);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: 'sign_invalid' });
    const missing = await push({ param: KAT_PARAM }, katApp);
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ error: 'sign_missing' });
    const malformed = await signedPush('{"status":"polling"}');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: 'malformed' });
    const { rows } = await store.db.query<{ reason: string; raw: string }>(
      "SELECT reason, raw FROM dead_letters WHERE endpoint = '/v1/notify/kuaidi100' ORDER BY id",
    );
    expect(rows.map((r) => r.reason)).toEqual(
      expect.arrayContaining(['sign_invalid', 'sign_missing', 'malformed']),
    );
    expect(new URLSearchParams(rows.find((r) => r.reason === 'sign_invalid')!.raw).get('param')).toBe(
      KAT_PARAM,
    );
  });

  it('keeps pushes it cannot verify without a configured salt, answering 503', async () => {
    const res = await push({ param: KAT_PARAM, sign: KAT_SIGN }, unconfigured);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'not_configured' });
  });

  it('binds after the first carrier update: kept, then linked when the order names the waybill', async () => {
    const nodes = [
      { at: now - 5 * HOUR, context: '【杭州市】已揽收', status: '揽收' },
      { at: now - 4 * HOUR, context: '【杭州市】快件已发往 北京转运中心', status: '在途' },
    ];
    expect((await signedPush(pushParam('YTLATE', '0', nodes))).statusCode).toBe(200);
    expect(await pendingCount('YTLATE')).toBe(2);
    expect(await carrierCheckpoints('O-LATE')).toEqual([]);

    const bind = await postEvents([
      {
        id: 'bind-late',
        type: 'shipment.update',
        occurred_at: iso(now - 6 * HOUR),
        order_id: 'O-LATE',
        store_id: 'store-7',
        carrier: 'YUANTONG',
        tracking_no: 'YTLATE',
        state: 'created',
        destination_region: '110000',
      },
    ]);
    expect(bind.json()).toMatchObject({ accepted: 1 });
    await expect.poll(async () => (await carrierCheckpoints('O-LATE')).length).toBe(2);
    expect(await pendingCount('YTLATE')).toBe(0);
    const linked = await carrierCheckpoints('O-LATE');
    expect(linked.map((e) => [e.state, e.store_id, e.carrier, e.provider_code])).toEqual([
      ['collected', 'store-7', 'YUANTONG', '1'],
      ['in_transit', 'store-7', 'YUANTONG', '0'],
    ]);
  });

  it('binds before the first carrier update via the order shipped event; full-history pushes add only new checkpoints', async () => {
    const shipped = await postEvents([
      {
        id: 'ship-early',
        type: 'order.status',
        occurred_at: iso(now - 10 * HOUR),
        order_id: 'O-EARLY',
        store_id: 'store-8',
        status: 'shipped',
        carrier: 'yuantong',
        tracking_no: 'YTEARLY',
        region: '330100',
      },
    ]);
    expect(shipped.json()).toMatchObject({ accepted: 1 });
    await expect
      .poll(async () =>
        (await timeline('O-EARLY')).some((e) => e.type === 'shipment.update' && e.state === 'created'),
      )
      .toBe(true);

    const first = [
      { at: now - 9 * HOUR, context: '【杭州市】已揽收', status: '揽收' },
      { at: now - 8 * HOUR, context: '【杭州市】到达杭州转运中心', status: '在途' },
    ];
    expect((await signedPush(pushParam('YTEARLY', '0', first))).statusCode).toBe(200);
    expect(await pendingCount('YTEARLY')).toBe(0);
    expect(await carrierCheckpoints('O-EARLY')).toHaveLength(2);

    const second = [...first, { at: now - 2 * HOUR, context: '【宁波市】派件中', status: '派件' }];
    await signedPush(pushParam('YTEARLY', '5', second));
    await signedPush(pushParam('YTEARLY', '5', second, 'updateall'));
    await signedPush(pushParam('YTEARLY', '0', first)); // an old push arriving late
    const stored = await carrierCheckpoints('O-EARLY');
    expect(stored.map((e) => e.state)).toEqual(['collected', 'in_transit', 'out_for_delivery']);
    const { rows } = await store.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE order_id = 'O-EARLY' AND source = 'kuaidi100'",
    );
    expect(rows[0]!.n).toBe(3);

    // Out for delivery in 宁波 while the order goes to 杭州 (330100): the location contradicts it.
    const res = await app.server.inject({
      method: 'GET',
      url: '/v1/shipments?store_id=store-8',
      headers: auth('viewer'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().shipments).toEqual([
      expect.objectContaining({
        order_id: 'O-EARLY',
        store_id: 'store-8',
        carrier: 'yuantong',
        tracking_no: 'YTEARLY',
        state: 'out_for_delivery',
        risk: 'high',
        reasons: [expect.objectContaining({ reason: 'outside_destination' })],
      }),
    ]);
  });

  it('lists high-risk shipments with their reasons, filtered by store and carrier', async () => {
    await postEvents([
      {
        id: 'bind-rej',
        type: 'shipment.update',
        occurred_at: iso(now - 30 * HOUR),
        order_id: 'O-REJ',
        store_id: 'store-9',
        carrier: 'yuantong',
        tracking_no: 'YTREJ',
        state: 'created',
      },
      {
        id: 'bind-ok',
        type: 'shipment.update',
        occurred_at: iso(now - 3 * HOUR),
        order_id: 'O-OK',
        store_id: 'store-9',
        carrier: 'yuantong',
        tracking_no: 'YTOK',
        state: 'created',
      },
      {
        id: 'bind-quiet',
        type: 'shipment.update',
        occurred_at: iso(now - 100 * HOUR),
        order_id: 'O-QUIET',
        store_id: 'store-9',
        carrier: 'zhongtong',
        tracking_no: 'ZTQUIET',
        state: 'created',
      },
    ]);
    await signedPush(
      pushParam('YTREJ', '14', [
        { at: now - 29 * HOUR, context: '【上海市】已揽收', status: '揽收' },
        { at: now - HOUR, context: '【上海市】客户拒签', status: '拒签' },
      ]),
    );
    await signedPush(
      pushParam('YTOK', '1', [{ at: now - 2 * HOUR, context: '【上海市】已揽收', status: '揽收' }]),
    );

    const list = async (query: string, role: 'viewer' | 'operator' | 'ingest' = 'viewer') =>
      app.server.inject({ method: 'GET', url: `/v1/shipments?${query}`, headers: auth(role) });

    const highReply = (await list('risk=high&store_id=store-9')).json();
    expect([...Value.Errors(ShipmentsList, highReply)]).toEqual([]);
    const high = highReply.shipments;
    expect(high.map((s: { tracking_no: string }) => s.tracking_no).sort()).toEqual(['YTREJ', 'ZTQUIET']);
    const rejected = high.find((s: { tracking_no: string }) => s.tracking_no === 'YTREJ');
    expect(rejected).toMatchObject({ order_id: 'O-REJ', state: 'rejected', risk: 'high' });
    expect(rejected.reasons.map((r: { reason: string }) => r.reason)).toEqual(['rejected']);
    const quiet = high.find((s: { tracking_no: string }) => s.tracking_no === 'ZTQUIET');
    expect(quiet.reasons.map((r: { reason: string }) => r.reason)).toEqual(['silent']);

    const yuantongOnly = (await list('risk=high&store_id=store-9&carrier=yuantong')).json().shipments;
    expect(yuantongOnly.map((s: { tracking_no: string }) => s.tracking_no)).toEqual(['YTREJ']);
    const all = (await list('store_id=store-9')).json().shipments;
    expect(all.map((s: { tracking_no: string }) => s.tracking_no)).toContain('YTOK');
    expect(all.find((s: { tracking_no: string }) => s.tracking_no === 'YTOK')).toMatchObject({
      risk: 'low',
      reasons: [],
    });

    expect((await list('risk=extreme')).statusCode).toBe(400);
    expect((await list('risk=high', 'ingest')).statusCode).toBe(403);
    expect((await app.server.inject({ method: 'GET', url: '/v1/shipments' })).statusCode).toBe(401);
  });
});
