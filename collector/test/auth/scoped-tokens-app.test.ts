// Scoped identities end to end: the tokens file read at start and again on change, every read API
// and operator action limited to a token's stores, and the live stream likewise.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert as DomainAlert } from '../../src/domain/alerts/alert.ts';
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
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
/** Any list reply, read only for the store each row names. */
type Rows = Record<string, { store_id: string | null; rule?: string }[]>;

const S1_VIEWER = 's1-viewer-secret';
const S1_OPERATOR = 's1-operator-secret';
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
    h = await startHarness(store.db, { env: { ORDERPULSE_TOKENS_FILE: file } });
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
  const post = (url: string, secret: string, payload: unknown) =>
    h.app.server.inject({
      method: 'POST',
      url,
      headers: { ...bearer(secret), 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
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
