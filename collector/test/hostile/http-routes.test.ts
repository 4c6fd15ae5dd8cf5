// Every HTTP route of the in-process app, on each store, given arbitrary methods, headers, query
// strings and bodies, with and without valid tokens: never a 5xx (but a 503 with Retry-After), every
// error a JSON error body, no unhandled rejection, /healthz still answering — and an event sent beside
// hostile items, in the same request or a concurrent one, is stored.
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { auth, buildTestApp, TOKENS } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { fuzz } from './fuzz-settings.ts';
import {
  eventTemplate,
  type HostileRequest,
  hostileItem,
  hostileRequest,
  type Method,
  nextProbe,
  PROBE_TOKEN,
  validEvent,
} from './hostile-requests.ts';
import { deepArrayJson, deepObjectJson, mutatedObject, nastyJson, nastyString } from './hostile-values.ts';
import { type ListedRoute, listRoutes } from './route-list.ts';
import {
  alipayParams,
  kuaidi100Param,
  providerEnv,
  signedAlipayForm,
  signedKuaidi100Form,
  signedWechatNotification,
  wechatResource,
} from './signed-callbacks.ts';

function expectContractResponse(res: LightMyRequestResponse, what: string) {
  const context = `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  if (res.statusCode >= 500) {
    expect(res.statusCode, context).toBe(503);
    expect(res.headers['retry-after'], context).toBeDefined();
  }
  if (res.statusCode >= 400 && res.body !== '') {
    const body = JSON.parse(res.body) as { error?: unknown; message?: unknown };
    expect(typeof body.error, context).toBe('string');
    expect(typeof body.message, context).toBe('string');
  }
}

/** Hostile traffic's client address; the checks use others, so a per-address 429 is not theirs. */
const HOSTILE_FROM = '10.66.0.1';

describe.each(STORE_KINDS)('every route under hostile input (%s)', (kind) => {
  let store: TestDatabase;
  let app: App;
  let routes: ListedRoute[];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db, {
      ORDERPULSE_INGEST_TOKENS: `pos=${TOKENS.ingest},probe=${PROBE_TOKEN}`,
      ...providerEnv(),
    });
    routes = listRoutes(app.server);
  }, 120_000);

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await app?.server.close();
    await store?.dispose();
  });

  const send = (r: HostileRequest) => {
    const method = r.method ?? (r.route.methods[0] as Method);
    let i = 0;
    const url = r.route.path.replace(/:[a-z_]+/g, () => r.params[i++] ?? 'x') + r.query;
    const headers: Record<string, string> = {};
    if (r.authorization) headers.authorization = r.authorization;
    if (r.contentType) headers['content-type'] = r.contentType;
    if (r.extraHeader) headers[r.extraHeader[0]] = r.extraHeader[1];
    const what = `${method} ${url} ${JSON.stringify(headers).slice(0, 200)} body=${JSON.stringify(r.body)?.slice(0, 200)}`;
    return app.server
      .inject({
        method,
        url,
        headers,
        remoteAddress: HOSTILE_FROM,
        ...(r.body !== undefined && { payload: r.body }),
      })
      .then((res) => expectContractResponse(res, what));
  };

  it('the route list is read from the server', () => {
    const paths = routes.map((r) => r.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/healthz', '/v1/events', '/v1/notify/alipay', '/v1/bills/:provider']),
    );
  });

  it('no request to any route gets a 5xx or a non-JSON error, and the server still answers', async () => {
    // Bodies the store cannot keep verbatim (U+0000), refused before or after authentication.
    const example = (path: string, body: string, extra: Partial<HostileRequest> = {}): [HostileRequest] => [
      {
        route: { path, methods: ['POST'] },
        method: 'POST',
        params: [],
        query: '',
        authorization: undefined,
        contentType: undefined,
        extraHeader: null,
        body,
        ...extra,
      },
    ];
    await fc.assert(fc.asyncProperty(hostileRequest(routes), send), {
      ...fuzz(150),
      examples: [
        example('/v1/notify/wechatpay', '\u0000'),
        example('/v1/notify/alipay', 'a=\u0000'),
        example('/v1/notify/kuaidi100', 'param=\u0000'),
        example('/v1/events', '{"id":"\u0000', {
          authorization: `Bearer ${TOKENS.ingest}`,
          contentType: 'application/x-ndjson',
        }),
        example('/v1/events', '\u0000', {
          authorization: `Bearer ${TOKENS.ingest}`,
          contentType: 'text/plain',
        }),
      ],
    });
    expect((await app.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect(unhandled).toEqual([]);
  });

  it('an event sent among hostile items, and beside a concurrent hostile request, is stored', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileItem(), { maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        hostileRequest(routes),
        async (hostile, at, ndjson, concurrent) => {
          const event = validEvent();
          const items: unknown[] = [...hostile];
          const index = at % (items.length + 1);
          items.splice(index, 0, event);
          const [res] = await Promise.all([
            app.server.inject({
              method: 'POST',
              url: '/v1/events',
              remoteAddress: '10.1.2.3',
              headers: {
                authorization: `Bearer ${PROBE_TOKEN}`,
                'content-type': ndjson ? 'application/x-ndjson' : 'application/json',
              },
              payload: ndjson ? items.map((i) => JSON.stringify(i)).join('\n') : JSON.stringify(items),
            }),
            send(concurrent),
            send({
              ...concurrent,
              route: { path: '/v1/events', methods: ['POST'] },
              method: 'POST',
              body: JSON.stringify(hostile),
            }),
          ]);
          expect(res.statusCode, res.body).toBe(202);
          const reply = res.json() as { rejected: { index: number }[] };
          expect(reply.rejected.map((r) => r.index)).not.toContain(index);
          const order = await app.server.inject({
            method: 'GET',
            url: `/v1/orders/${encodeURIComponent(event.order_id)}`,
            remoteAddress: '10.1.2.4',
            headers: auth('viewer'),
          });
          expect(order.statusCode, order.body).toBe(200);
          expect(order.json()).toMatchObject({
            order_id: event.order_id,
            store_id: 'probe-store',
            status: 'paid',
          });
        },
      ),
      fuzz(15),
    );
    expect(unhandled).toEqual([]);
  });

  it('provider callbacks signed correctly but carrying hostile contents get no 5xx', async () => {
    const alipay = fc
      .array(
        fc.tuple(
          fc.constantFrom(
            'out_trade_no',
            'trade_no',
            'total_amount',
            'gmt_payment',
            'notify_id',
            'passback_params',
            'trade_status',
            'refund_fee',
            'store_id',
          ),
          fc.oneof(nastyString(), fc.json({ maxDepth: 2 })),
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((changes) => {
        const params = alipayParams(`A-${nextProbe()}`, `N-${nextProbe()}-${Date.now()}`);
        for (const [k, v] of changes) params.set(k, v);
        return {
          url: '/v1/notify/alipay',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: signedAlipayForm(params),
        };
      });
    const wechat = fc
      .tuple(
        fc.oneof(
          mutatedObject(wechatResource('W-1')).map((r) => JSON.stringify(r)),
          fc.string({ maxLength: 60, unit: 'binary' }),
        ),
        fc.constantFrom('TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'constructor'),
      )
      .map(([plaintext, type]) => {
        const { body, headers } = signedWechatNotification(plaintext, type);
        return { url: '/v1/notify/wechatpay', headers, payload: body };
      });
    const kuaidi100 = fc
      .oneof(
        mutatedObject(kuaidi100Param('YT1')),
        mutatedObject(kuaidi100Param('YT1').lastResult as Record<string, unknown>).map((lastResult) => ({
          ...kuaidi100Param('YT1'),
          lastResult,
        })),
        nastyJson(),
      )
      .map((param) => ({
        url: '/v1/notify/kuaidi100',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: signedKuaidi100Form(JSON.stringify(param) ?? 'null'),
      }));
    const nul = (k: string) => {
      const params = alipayParams(`A-NUL-${k}`, `N-NUL-${k}`);
      params.set(k, `${params.get(k)}\u0000`);
      return {
        url: '/v1/notify/alipay',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: signedAlipayForm(params),
      };
    };
    await fc.assert(
      fc.asyncProperty(fc.oneof(alipay, wechat, kuaidi100), async (request) => {
        const res = await app.server.inject({ method: 'POST', remoteAddress: '10.2.0.1', ...request });
        expectContractResponse(res, `POST ${request.url} ${String(request.payload).slice(0, 300)}`);
      }),
      {
        ...fuzz(40),
        examples: [
          [nul('out_trade_no')],
          [nul('trade_no')],
          [
            (() => {
              const { body, headers } = signedWechatNotification(
                JSON.stringify({ ...wechatResource('W\u0000'), attach: '{"store_id":"S\\u0000"}' }),
              );
              return { url: '/v1/notify/wechatpay', headers, payload: body };
            })(),
          ],
          [
            {
              url: '/v1/notify/kuaidi100',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              payload: signedKuaidi100Form(JSON.stringify(kuaidi100Param('YT\u0000'))),
            },
          ],
        ],
      },
    );
    expect(unhandled).toEqual([]);
  });

  it('the known attack items are item errors beside a stored event, never a 5xx', async () => {
    const good = validEvent();
    const markdown = { ...validEvent(), store_id: '*S1* _x_ [pay](http://evil.example) `rm` @all' };
    const attack = [
      { ...eventTemplate, id: 'a1', occurred_at: '9999-01-01T00:00:00Z' },
      { ...eventTemplate, id: 'a2', occurred_at: '2026-02-30T10:00:00+08:00' },
      { ...eventTemplate, id: 'a3', store_id: 'S\u0000' },
      { ...eventTemplate, id: 'a4', type: 'toString' },
      { ...eventTemplate, id: 'a5', type: 'constructor' },
      { ...eventTemplate, id: 'a6', type: '__proto__' },
      '10,000 deep',
      good,
      markdown,
    ];
    const deepItem = JSON.stringify({ ...eventTemplate, id: 'a7' }).replace(
      /}$/,
      `,"extra":${deepArrayJson(10_000)}}`,
    );
    const payload = `[${attack.map((item) => (item === '10,000 deep' ? deepItem : JSON.stringify(item))).join(',')}]`;
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      remoteAddress: '10.3.0.1',
      headers: { authorization: `Bearer ${PROBE_TOKEN}`, 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({
      accepted: 2,
      rejected: [
        { index: 0, error: 'invalid_time' },
        { index: 1, error: 'invalid_time' },
        { index: 2, error: 'invalid_event' },
        { index: 3, error: 'unknown_type' },
        { index: 4, error: 'unknown_type' },
        { index: 5, error: 'unknown_type' },
        { index: 6, error: 'invalid_event' },
      ],
    });
    for (const event of [good, markdown]) {
      const order = await app.server.inject({
        method: 'GET',
        url: `/v1/orders/${encodeURIComponent(event.order_id)}`,
        headers: auth('viewer'),
      });
      expect(order.statusCode, order.body).toBe(200);
      expect(order.json()).toMatchObject({ store_id: event.store_id });
    }
  });

  it('a body 10,000 levels deep, a 1 MiB forged Alipay notify and a catastrophic silence regex get no 5xx', async () => {
    for (const payload of [deepArrayJson(10_000), deepObjectJson(10_000)]) {
      for (const type of ['application/json', 'application/x-ndjson']) {
        const res = await app.server.inject({
          method: 'POST',
          url: '/v1/events',
          remoteAddress: '10.3.0.2',
          headers: { authorization: `Bearer ${PROBE_TOKEN}`, 'content-type': type },
          payload,
        });
        expectContractResponse(res, `deep ${type}`);
        expect([202, 400]).toContain(res.statusCode);
      }
    }
    const params = alipayParams('A-BIG', 'N-BIG');
    params.set('body', 'x'.repeat(1024 * 1024 - 700));
    params.set('sign', Buffer.alloc(256, 7).toString('base64'));
    const forged = await app.server.inject({
      method: 'POST',
      url: '/v1/notify/alipay',
      remoteAddress: '10.3.0.3',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([...params]).toString(),
    });
    expect(forged.statusCode, forged.body.slice(0, 300)).toBe(401);
    const silence = await app.server.inject({
      method: 'POST',
      url: '/v1/silences',
      remoteAddress: '10.3.0.4',
      headers: auth('operator'),
      payload: {
        matchers: { store_id: { op: '=~', value: '(a+)+' } },
        ends_at: new Date(Date.now() + 3_600_000).toISOString(),
        comment: 'hostile',
      },
    });
    expectContractResponse(silence, 'catastrophic silence');
    expect(silence.statusCode).toBe(201);
    expect((await app.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
