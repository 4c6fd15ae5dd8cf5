// Scoped identities end to end: the tokens file read at start and again on change, every read API
// and operator action limited to a token's stores, and the live stream likewise. Rules apply to
// every store, so a scoped admin reads them but may not change them. A walk over every route the
// app serves asks each with S1's tokens for S2's things and finds nothing of S2 in any reply.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert as DomainAlert } from '../../src/domain/alerts/alert.ts';
import { groupKeyText } from '../../src/http/list-cursors.ts';
import type {
  ClientToServerEvents,
  LiveAlertEvent,
  LiveSnapshot,
  ServerToClientEvents,
} from '../../src/live/events.ts';
import { toWireAlert, upsertAlerts } from '../../src/store/alerts.ts';
import type { Alert as WireAlert } from '../../src/wire/alerts.ts';
import type { AuditEntry } from '../../src/wire/audit.ts';
import { ev, type Harness, MINUTE, startHarness } from '../alerting/alerting-harness.ts';
import { appRoutes } from '../support/app-routes.ts';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const TEAM_RULES = `rules:
  - name: odd_amount
    when: type == "order.status" and amount_fen == 777777
    severity: warning
`;

/** A well-formed group key of a store that has no alerts. */
const NO_GROUP = groupKeyText({ rule: 'order_stalled', storeId: 'S9' });

/** What S2 is known by in the data below: its store id, order, parcel and region. */
const S2_FACTS = /\bS2\b|\bB-1\b|\bSF-B\b|\b440000\b/;

interface WalkStep {
  /** The token asking: S1's, of the role the route needs. */
  as: string;
  /** The request, naming `id`: S2's thing, or (to compare) one that never existed. */
  url: (id: string) => string;
  body?: (id: string) => unknown;
  /** S2's thing the route is asked about, and one that never existed: replies must not tell them apart. */
  ids?: [s2: string, none: string];
  /** The status S1's token gets, when the route answers it with a refusal. */
  status?: number;
}
type Walk = Record<string, WalkStep | { exempt: string }>;

/**
 * Every route the app serves, as S1's tokens ask it for S2's things. Keys are `METHOD url` as
 * fastify prints them (a route sharing a prefix with another takes its parameter names).
 */
function routeWalk(s2: {
  s2Alert: string;
  s2Group: string;
  s2Silence: string;
  deadLetter: string;
  version: string;
  endsAt: string;
}): Walk {
  const fixed = (url: string, as = S1_VIEWER, more: Partial<WalkStep> = {}): WalkStep => ({
    as,
    url: () => url,
    ...more,
  });
  const note = { note: 'walk' };
  return {
    'GET /': { exempt: 'the dashboard: static files, no data' },
    'GET /openapi.json': fixed('/openapi.json'),
    'GET /healthz': fixed('/healthz'),
    'GET /readyz': fixed('/readyz'),
    'GET /metrics': { exempt: 'unauthenticated Prometheus target: no token, so no scope (contract)' },
    'POST /v1/events': fixed('/v1/events', S1_ADMIN, { body: () => [], status: 403 }),
    'POST /v1/notify/wechatpay': { exempt: "the provider's callback: signed by the provider, no token" },
    'POST /v1/notify/alipay': { exempt: "the provider's callback: signed by the provider, no token" },
    'POST /v1/notify/kuaidi100': { exempt: "the carrier's push: signed by the carrier, no token" },
    'POST /v1/bills/:provider': fixed('/v1/bills/wechatpay', S1_ADMIN, { body: () => ({}), status: 403 }),
    'GET /v1/orders': fixed('/v1/orders?store_id=S2'),
    'GET /v1/orders/:order_id': { as: S1_VIEWER, url: (id) => `/v1/orders/${id}`, ids: ['B-1', 'NONE-1'] },
    'GET /v1/shipments': fixed('/v1/shipments?store_id=S2'),
    'GET /v1/shipments/:tracking_no': {
      as: S1_VIEWER,
      url: (id) => `/v1/shipments/${id}`,
      ids: ['SF-B', 'SF-NONE'],
    },
    'GET /v1/dead-letters': fixed('/v1/dead-letters'),
    'GET /v1/dead-letters/:id/raw': {
      as: S1_VIEWER,
      url: (id) => `/v1/dead-letters/${id}/raw`,
      ids: [s2.deadLetter, '999999999'],
    },
    'GET /v1/business-day': fixed('/v1/business-day'),
    'GET /v1/reconciliation/pending': fixed('/v1/reconciliation/pending?store_id=S2'),
    'POST /v1/reconciliation/pending/resolve': fixed('/v1/reconciliation/pending/resolve', S1_ADMIN, {
      body: () => ({ ids: ['999001'], resolution: 'matched', note: 'walk' }),
    }),
    'POST /v1/reconciliation/pending/:id/resolve': fixed(
      '/v1/reconciliation/pending/999001/resolve',
      S1_ADMIN,
      {
        body: () => ({ resolution: 'matched', note: 'walk' }),
        status: 404,
      },
    ),
    'GET /v1/reconciliation/stores': fixed('/v1/reconciliation/stores'),
    'GET /v1/rules': fixed('/v1/rules'),
    'GET /v1/rules/fields': fixed('/v1/rules/fields'),
    'GET /v1/rules/versions': fixed('/v1/rules/versions'),
    'GET /v1/rules/versions/:version|:a': fixed(`/v1/rules/versions/${s2.version}`),
    'GET /v1/rules/versions/:version|:a/diff/:b': fixed(
      `/v1/rules/versions/${s2.version}/diff/${s2.version}`,
    ),
    'PUT /v1/rules/builtin': fixed('/v1/rules/builtin', S1_ADMIN, {
      body: () => ({ yaml: 'rules:\n' }),
      status: 403,
    }),
    'PUT /v1/rules/calendar': fixed('/v1/rules/calendar', S1_ADMIN, {
      body: () => ({ yaml: 'promotions: []\n' }),
      status: 403,
    }),
    'PUT /v1/rules/custom/:name': fixed('/v1/rules/custom/walk', S1_ADMIN, {
      body: () => ({ yaml: TEAM_RULES }),
      status: 403,
    }),
    'DELETE /v1/rules/custom/:name': fixed('/v1/rules/custom/team', S1_ADMIN, { status: 403 }),
    'POST /v1/rules/check': fixed('/v1/rules/check', S1_ADMIN, { body: () => ({ yaml: TEAM_RULES }) }),
    'POST /v1/rules/rollback': fixed('/v1/rules/rollback', S1_ADMIN, {
      body: () => ({ version: s2.version }),
      status: 403,
    }),
    'POST /v1/rules/backtest': fixed('/v1/rules/backtest', S1_ADMIN, {
      body: () => ({ yaml: TEAM_RULES, window: '24h' }),
      status: 403,
    }),
    'GET /v1/alerts': fixed('/v1/alerts?store_id=S2'),
    'GET /v1/alerts/:id': {
      as: S1_VIEWER,
      url: (id) => `/v1/alerts/${id}`,
      ids: [s2.s2Alert, 'nonexistent'],
    },
    'POST /v1/alerts/:id/ack': {
      as: S1_ADMIN,
      url: (id) => `/v1/alerts/${id}/ack`,
      body: () => note,
      ids: [s2.s2Alert, 'nonexistent'],
    },
    'POST /v1/alerts/:id/resolve': {
      as: S1_ADMIN,
      url: (id) => `/v1/alerts/${id}/resolve`,
      body: () => note,
      ids: [s2.s2Alert, 'nonexistent'],
    },
    'POST /v1/alerts/ack': {
      as: S1_ADMIN,
      url: () => '/v1/alerts/ack',
      body: (id) => ({ ids: [id], note: 'walk' }),
      ids: [s2.s2Alert, 'nonexistent'],
    },
    'POST /v1/alerts/silence': {
      as: S1_ADMIN,
      url: () => '/v1/alerts/silence',
      body: (id) => ({ group: id, ends_at: s2.endsAt, comment: 'walk' }),
      ids: [s2.s2Group, NO_GROUP],
    },
    'GET /v1/alert-groups': fixed('/v1/alert-groups?store_id=S2'),
    'GET /v1/alert-groups/:group/alerts': {
      as: S1_VIEWER,
      url: (id) => `/v1/alert-groups/${encodeURIComponent(id)}/alerts`,
      ids: [s2.s2Group, NO_GROUP],
    },
    'GET /v1/silences': fixed('/v1/silences'),
    'POST /v1/silences': fixed('/v1/silences', S1_ADMIN, {
      body: () => ({ matchers: { rule: 'order_stalled', store_id: 'S2' }, ends_at: s2.endsAt, comment: 'x' }),
      status: 403,
    }),
    'DELETE /v1/silences/:id': {
      as: S1_ADMIN,
      url: (id) => `/v1/silences/${id}`,
      ids: [s2.s2Silence, '00000000-0000-4000-8000-000000000000'],
    },
    'GET /v1/audit': fixed('/v1/audit'),
    'GET /v1/whoami': fixed('/v1/whoami'),
    'GET /v1/incidents': fixed('/v1/incidents'),
  };
}
/** Any list reply, read only for the store each row names. */
type Rows = Record<string, { store_id: string | null; rule?: string }[]>;

const S1_VIEWER = 's1-viewer-secret';
const S1_OPERATOR = 's1-operator-secret';
const S1_ADMIN = 's1-admin-secret';
const ADMIN = 'chain-admin-secret';
const EAST = 'east-viewer-secret';
const ROTATING = 'rotating-secret-1';

const tokensYaml = (extra = '') => `tokens:
  - name: s1-viewer
    role: viewer
    secret: ${S1_VIEWER}
    stores: [S1]
  - name: s1-operator
    role: operator
    secret: ${S1_OPERATOR}
    stores: [S1]
  - name: s1-admin
    role: admin
    secret: ${S1_ADMIN}
    stores: [S1]
  - name: east
    role: viewer
    secret: ${EAST}
    regions: ["310000"]
${extra}`;

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

const callbackSilent = (now: number): DomainAlert => ({
  id: 'cs-wechatpay',
  rule: 'callback_silent',
  severity: 'critical',
  status: 'firing',
  entityType: 'provider',
  entityId: 'wechatpay',
  storeId: null,
  summary: { zh: '微信支付回调静默', en: 'wechatpay callbacks silent' },
  labels: { provider: 'wechatpay' },
  startedAt: now - MINUTE,
  firingAt: now - MINUTE,
  updatedAt: now,
  resolvedAt: undefined,
  acknowledgedAt: undefined,
  acknowledgedBy: undefined,
  ackNote: undefined,
  reopenCount: 0,
});

describe.each(STORE_KINDS)('scoped tokens (%s)', (kind) => {
  let store: TestDatabase;
  let h: Harness;
  let dir: string;
  let file: string;
  let liveUrl: string;
  const clients: Client[] = [];
  const alertIds: Record<string, string> = {};

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-tokens-'));
    file = path.join(dir, 'tokens.yaml');
    fs.writeFileSync(file, tokensYaml(`  - name: rotating\n    role: viewer\n    secret: ${ROTATING}\n`));
    h = await startHarness(store.db, {
      env: { ORDERPULSE_TOKENS_FILE: file, ORDERPULSE_ADMIN_TOKENS: `chain=${ADMIN}` },
    });
    const t = h.clock.now;
    await h.post([
      ev.order('A-1', 'paid', t - 5 * MINUTE, { region: '310000' }),
      ev.order('B-1', 'paid', t - 5 * MINUTE, { store_id: 'S2', region: '440000' }),
      ev.shipment('A-1', 'SF-A', 'exception', t - 4 * MINUTE),
      ev.shipment('B-1', 'SF-B', 'exception', t - 4 * MINUTE, { store_id: 'S2' }),
    ]);
    await h.advance(0);
    await upsertAlerts(store.db, [callbackSilent(t)]);
    // A refused item: a dead letter.
    await h.app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...auth('ingest'), 'content-type': 'application/json' },
      payload: JSON.stringify([{ id: 'bad', type: 'order.status' }]),
    });
    for (const a of await h.alerts('', 'operator'))
      if (a.rule === 'order_stalled') alertIds[a.store_id!] = a.id;
    await h.app.server.listen({ port: 0, host: '127.0.0.1' });
    liveUrl = `http://127.0.0.1:${(h.app.server.server.address() as AddressInfo).port}/live`;
    // Opening the embedded store and applying every migration takes long on a loaded machine.
  }, 180_000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await h?.close();
    await store?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, secret: string) =>
    h.app.server.inject({ method: 'GET', url, headers: bearer(secret) });
  const send = (method: 'POST' | 'PUT' | 'DELETE', url: string, secret: string, payload?: unknown) =>
    h.app.server.inject({
      method,
      url,
      headers: { ...bearer(secret), ...(payload !== undefined && { 'content-type': 'application/json' }) },
      ...(payload !== undefined && { payload: JSON.stringify(payload) }),
    });
  const post = (url: string, secret: string, payload: unknown) => send('POST', url, secret, payload);
  const open = (token: string): Client => {
    const c: Client = connect(liveUrl, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    clients.push(c);
    return c;
  };

  it('has the data the scope checks below need: stalled orders and risky shipments in both stores', () => {
    expect(Object.keys(alertIds).sort()).toEqual(['S1', 'S2']);
  });

  // Each read API: the stores a reply names. Unscoped, S2 is there (so the check can fail); scoped
  // to S1 (by store or by region), only S1 (and no store, where data of no store is shown).
  const storesIn: [string, (body: Rows) => (string | null)[]][] = [
    ['/v1/orders', (b) => b.orders!.map((o) => o.store_id)],
    ['/v1/orders?store_id=S2', (b) => b.orders!.map((o) => o.store_id)],
    ['/v1/alerts', (b) => b.alerts!.map((o) => o.store_id)],
    ['/v1/alerts?store_id=S2', (b) => b.alerts!.map((o) => o.store_id)],
    ['/v1/alert-groups', (b) => b.groups!.map((o) => o.store_id)],
    ['/v1/shipments', (b) => b.shipments!.map((o) => o.store_id)],
  ];
  it.each(storesIn)('%s shows a scoped token only its stores', async (url, stores) => {
    const all = await get(url, 'viewer-secret-1');
    expect(all.statusCode, all.body).toBe(200);
    expect(stores(all.json())).toContain('S2');
    for (const secret of [S1_VIEWER, EAST]) {
      const res = await get(url, secret);
      expect(res.statusCode, res.body).toBe(200);
      const seen = stores(res.json());
      expect(
        seen.every((s) => s === 'S1' || s === null),
        `${url}: ${seen}`,
      ).toBe(true);
      if (!url.includes('S2')) expect(seen).toContain('S1');
    }
  });

  it("answers 404 for another store's order, alert and shipment, as if they did not exist", async () => {
    expect((await get('/v1/orders/B-1', S1_VIEWER)).statusCode).toBe(404);
    expect((await get('/v1/orders/B-1', EAST)).statusCode).toBe(404);
    expect((await get('/v1/orders/A-1', S1_VIEWER)).json()).toMatchObject({
      order_id: 'A-1',
      store_id: 'S1',
    });
    expect((await get('/v1/orders/B-1', 'viewer-secret-1')).statusCode).toBe(200);
    expect((await get(`/v1/alerts/${alertIds.S2}`, S1_VIEWER)).statusCode).toBe(404);
    expect((await get(`/v1/alerts/${alertIds.S1}`, S1_VIEWER)).statusCode).toBe(200);
    expect((await get('/v1/shipments/SF-B', S1_VIEWER)).statusCode).toBe(404);
    expect((await get('/v1/shipments/SF-A', S1_VIEWER)).statusCode).toBe(200);
  });

  it("keeps a provider's callback_silent (no store) visible to a scoped token", async () => {
    const alerts: WireAlert[] = (await get('/v1/alerts', S1_VIEWER)).json().alerts;
    expect(alerts.map((a) => a.rule)).toContain('callback_silent');
    expect((await get('/v1/alerts/cs-wechatpay', S1_VIEWER)).statusCode).toBe(200);
  });

  it('gives a scoped token an empty dead-letter list', async () => {
    expect((await get('/v1/dead-letters', 'viewer-secret-1')).json().dead_letters.length).toBeGreaterThan(0);
    expect((await get('/v1/dead-letters', S1_VIEWER)).json()).toEqual({
      dead_letters: [],
      next_before: null,
    });
  });

  it('lets a scoped operator act within its stores only, and audits under its name', async () => {
    expect((await post(`/v1/alerts/${alertIds.S2}/ack`, S1_OPERATOR, {})).statusCode).toBe(404);
    const bulk = await post('/v1/alerts/ack', S1_OPERATOR, {
      ids: [alertIds.S2, alertIds.S1],
      note: 'on it',
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    expect(bulk.json()).toMatchObject({
      acknowledged: [alertIds.S1],
      skipped: [{ id: alertIds.S2, reason: 'not_found' }],
    });
    const endsAt = new Date(h.clock.now + 60 * MINUTE).toISOString();
    const wide = await post('/v1/silences', S1_OPERATOR, {
      matchers: { rule: 'order_stalled' },
      ends_at: endsAt,
      comment: 'x',
    });
    expect(wide.statusCode).toBe(403);
    const mine = await post('/v1/silences', S1_OPERATOR, {
      matchers: { rule: 'order_stalled', store_id: 'S1' },
      ends_at: endsAt,
      comment: 'refit',
    });
    expect(mine.statusCode, mine.body).toBe(201);
    const audit: AuditEntry[] = (await get('/v1/audit', S1_VIEWER)).json().entries;
    expect(audit.map((e) => [e.actor, e.action])).toEqual(
      expect.arrayContaining([
        ['s1-operator', 'alert.ack'],
        ['s1-operator', 'silence.create'],
      ]),
    );
    // The S2 alert was never acknowledged, and nothing about S2 reaches S1's audit view.
    expect(audit.every((e) => e.details.store_id !== 'S2')).toBe(true);
    expect((await h.alerts(`?store_id=S2`)).find((a) => a.id === alertIds.S2)?.status).toBe('firing');
  });

  it('streams a scoped socket only its stores (and store-less alerts)', async () => {
    const client = open(S1_VIEWER);
    const snapshot = await new Promise<LiveSnapshot>((resolve) => client.once('snapshot', resolve));
    expect(snapshot.scopes.stores).toEqual(['S1']);
    expect(snapshot.alerts.every((a) => a.store_id === 'S1' || a.store_id === null)).toBe(true);
    expect(snapshot.panels.top_stores.stores.map((s) => s.storeId)).not.toContain('S2');
    const received: LiveAlertEvent[] = [];
    const last = new Promise<void>((resolve) =>
      client.on('alert', (e) => {
        received.push(e);
        if (e.alert.id === 'cs-live') resolve();
      }),
    );
    const gateway = h.app.ctx.live.gateway;
    const wire = (a: DomainAlert): LiveAlertEvent => ({
      transition: 'changed',
      at: h.clock.now,
      alert: toWireAlert(a),
    });
    gateway.publishAlert(
      wire({ ...callbackSilent(h.clock.now), id: 'other', storeId: 'S2', entityType: 'order' }),
    );
    gateway.publishAlert(
      wire({ ...callbackSilent(h.clock.now), id: 'mine', storeId: 'S1', entityType: 'order' }),
    );
    gateway.publishAlert(wire({ ...callbackSilent(h.clock.now), id: 'cs-live' }));
    await last;
    expect(received.map((e) => e.alert.id)).toEqual(['mine', 'cs-live']);
  });

  it('tells a token its scope: whoami names its stores or regions, and nothing for an unscoped one', async () => {
    expect((await get('/v1/whoami', S1_ADMIN)).json()).toEqual({
      name: 's1-admin',
      role: 'admin',
      stores: ['S1'],
    });
    expect((await get('/v1/whoami', EAST)).json()).toEqual({
      name: 'east',
      role: 'viewer',
      regions: ['310000'],
    });
    expect((await get('/v1/whoami', ADMIN)).json()).toEqual({ name: 'chain', role: 'admin' });
  });

  it('lets a scoped admin read the rules but not change them: 403 saying why, and nothing changes', async () => {
    const versions = async () => (await get('/v1/rules/versions', S1_ADMIN)).json().versions as unknown[];
    const before = await versions();
    const first = (before.at(-1) as { version: string }).version;
    const attempts: ['PUT' | 'POST' | 'DELETE', string, unknown][] = [
      ['PUT', '/v1/rules/custom/team', { yaml: TEAM_RULES, note: 'mine' }],
      ['DELETE', '/v1/rules/custom/priority-orders', undefined],
      ['PUT', '/v1/rules/builtin', { yaml: 'rules:\n' }],
      ['PUT', '/v1/rules/calendar', { yaml: 'promotions: []\n' }],
      ['POST', '/v1/rules/rollback', { version: first }],
      ['POST', '/v1/rules/backtest', { yaml: TEAM_RULES, window: '24h' }],
    ];
    for (const [method, url, body] of attempts) {
      const res = await send(method, url, S1_ADMIN, body);
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(403);
      expect(res.json()).toMatchObject({
        error: 'forbidden',
        message: expect.stringMatching(/every store.*not scoped to stores or regions/),
      });
    }
    expect(await versions()).toEqual(before);
    // A check saves nothing and reads no store's data: the editor's checks work for a scoped admin.
    expect((await post('/v1/rules/check', S1_ADMIN, { yaml: TEAM_RULES })).statusCode).toBe(200);
    const put = await send('PUT', '/v1/rules/custom/team', ADMIN, { yaml: TEAM_RULES, note: 'chain' });
    expect(put.statusCode, put.body).toBe(200);
    expect(await versions()).toHaveLength(before.length + 1);
  });

  it("walks every route with S1's tokens and finds nothing of S2 in any reply", async () => {
    const endsAt = new Date(h.clock.now + 60 * MINUTE).toISOString();
    const s2Silence = await post('/v1/silences', 'operator-secret-1', {
      matchers: { rule: 'order_stalled', store_id: 'S2' },
      ends_at: endsAt,
      comment: 'S2 refit',
    });
    expect(s2Silence.statusCode, s2Silence.body).toBe(201);
    const silence: { id: string } = s2Silence.json().silence;
    const groups: { group: string; store_id: string | null }[] = (
      await get('/v1/alert-groups', 'viewer-secret-1')
    ).json().groups;
    const s2Group = groups.find((g) => g.store_id === 'S2')!.group;
    const deadLetter: string = (await get('/v1/dead-letters', 'viewer-secret-1')).json().dead_letters[0].id;
    const version: string = (await get('/v1/rules/versions', ADMIN)).json().versions[0].version;

    const walk = routeWalk({
      s2Alert: alertIds.S2!,
      s2Group,
      s2Silence: silence.id,
      deadLetter,
      version,
      endsAt,
    });
    const served = appRoutes(h.app.server).map((r) => `${r.method} ${r.url}`);
    // A new route fails here until the walk below asks it too.
    expect(Object.keys(walk).sort()).toEqual([...served].sort());

    for (const [route, step] of Object.entries(walk)) {
      if ('exempt' in step) continue;
      const method = route.slice(0, route.indexOf(' ')) as 'GET' | 'POST' | 'PUT' | 'DELETE';
      const call = (id: string) => {
        const body = step.body?.(id);
        return h.app.server.inject({
          method,
          url: step.url(id),
          headers: {
            ...bearer(step.as),
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          ...(body !== undefined && { payload: JSON.stringify(body) }),
        });
      };
      const [s2, none] = step.ids ?? ['', ''];
      const res = await call(s2);
      expect(res.statusCode, `${route}: ${res.body}`).toBeLessThan(500);
      if (step.status !== undefined) expect(res.statusCode, `${route}: ${res.body}`).toBe(step.status);
      const seen = s2 === '' ? res.body : res.body.replaceAll(s2, '<id>');
      expect(seen, route).not.toMatch(S2_FACTS);
      if (step.ids !== undefined) {
        // S2's thing is refused exactly as one that never existed.
        const missing = await call(none);
        expect([res.statusCode, seen], route).toEqual([
          missing.statusCode,
          missing.body.replaceAll(none, '<id>'),
        ]);
      }
    }
    // Nothing the walk asked of S2's things happened.
    const s2Alert = (await get(`/v1/alerts/${alertIds.S2}`, 'viewer-secret-1')).json().alert;
    expect(s2Alert.status).toBe('firing');
    expect(s2Alert.acknowledged_at).toBeNull();
    const silences: { id: string }[] = (await get('/v1/silences', 'viewer-secret-1')).json().silences;
    expect(silences.find((x) => x.id === silence.id)).toEqual(silence);
  });

  it('rotates without a restart: a removed token gets 401 and its socket is closed; an expired one too', async () => {
    expect((await get('/v1/alerts', ROTATING)).statusCode).toBe(200);
    const client = open(ROTATING);
    await new Promise((resolve) => client.once('snapshot', resolve));
    const closed = new Promise<string>((resolve) => client.once('disconnect', resolve));
    const soon = new Date(Date.now() + 1500).toISOString();
    // An invalid edit first: logged, and the tokens in force stay.
    fs.writeFileSync(file, `${tokensYaml()}  - name: broken\n    role: root\n`);
    h.app.server.log.info('invalid tokens file written');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await get('/v1/alerts', ROTATING)).statusCode).toBe(200);
    fs.writeFileSync(
      file,
      tokensYaml(`  - name: temp\n    role: viewer\n    secret: temp-secret-1\n    expires_at: ${soon}\n`),
    );
    await expect
      .poll(async () => (await get('/v1/alerts', ROTATING)).statusCode, { timeout: 5000 })
      .toBe(401);
    expect(await closed).toBe('io server disconnect');
    await expect
      .poll(async () => (await get('/v1/alerts', 'temp-secret-1')).statusCode, { timeout: 5000 })
      .toBe(401);
    // The tokens of the environment stay beside the file.
    expect((await get('/v1/alerts', 'viewer-secret-1')).statusCode).toBe(200);
  });
});
