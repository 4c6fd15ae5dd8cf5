// The /live namespace through a real Socket.IO client over a real socket.
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type {
  ClientToServerEvents,
  LiveSnapshot,
  PanelUpdate,
  ServerToClientEvents,
} from '../../src/live/events.ts';
import { orderStatus, paymentNotify } from '../support/events.ts';
import { stalledOrderEvent } from '../support/live-alerts.ts';
import { auth, buildTestApp, TOKENS } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const alert = (id: string, store: string) => stalledOrderEvent(id, { store });

describe('live gateway', () => {
  let store: TestDatabase;
  let app: App;
  let url: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    // The gateway does not depend on the store: the faster one to open serves.
    store = await openTestDatabase(STORE_KINDS.includes('postgres') ? 'postgres' : 'pglite');
    app = await buildTestApp(store.db);
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}/live`;
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await app.server.close();
    await store.dispose();
  });

  const open = (authPayload: object): Client => {
    const c: Client = connect(url, {
      auth: authPayload,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    clients.push(c);
    return c;
  };
  const snapshotOf = (c: Client) => new Promise<LiveSnapshot>((resolve) => c.once('snapshot', resolve));
  const refusal = (c: Client) =>
    new Promise<string>((resolve) => c.once('connect_error', (e) => resolve(e.message)));

  it('refuses a handshake without a valid viewer or operator token', async () => {
    expect(await refusal(open({}))).toBe('unauthorized');
    expect(await refusal(open({ token: 'wrong-token' }))).toBe('unauthorized');
    expect(await refusal(open({ token: TOKENS.ingest }))).toBe('forbidden');
  });

  it('sends a snapshot on connect, then panel updates after ingestion', async () => {
    const c = open({ token: TOKENS.viewer });
    const snapshot = await snapshotOf(c);
    expect(snapshot.filter).toEqual({});
    expect(snapshot.panels.orders_per_minute.minutes).toHaveLength(60);
    const totalBefore = snapshot.panels.orders_per_minute.minutes.reduce((n, m) => n + m.total, 0);

    const update = new Promise<PanelUpdate>((resolve) =>
      c.on('panel', (u) => {
        if (u.name === 'orders_per_minute') resolve(u);
      }),
    );
    const now = new Date().toISOString();
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify([
        orderStatus({ order: 'L1', status: 'created', at: now, store: 'S1' }),
        orderStatus({ order: 'L1', status: 'paid', at: now, store: 'S1' }),
      ]),
    });
    expect(res.statusCode).toBe(202);
    const u = await update;
    if (u.name !== 'orders_per_minute') throw new Error('narrowing');
    const newest = u.data.minutes.at(-1)!;
    expect(u.data.minutes.reduce((n, m) => n + m.total, 0)).toBe(totalBefore + 2);
    expect(newest.byStatus).toMatchObject({ created: 1, paid: 1 });
  });

  it('delivers every panel that changed in one pass, not only the first', async () => {
    const c = open({ token: TOKENS.viewer });
    await snapshotOf(c);
    const names = new Set<string>();
    c.on('panel', (u) => names.add(u.name));
    const now = new Date().toISOString();
    await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify([
        orderStatus({ order: 'L5', status: 'created', at: now, store: 'S1' }),
        { ...paymentNotify({ order: 'L5', at: now, txn: 'T-L5', amount_fen: 100 }) },
      ]),
    });
    await expect
      .poll(() => [...names].sort(), { timeout: 5_000 })
      .toEqual(expect.arrayContaining(['callbacks', 'freshness', 'orders_per_minute', 'payment_lag']));
  });

  it('refills the panels from the store after a restart, and closes with clients connected', async () => {
    const again = await buildTestApp(store.db);
    await again.server.listen({ port: 0, host: '127.0.0.1' });
    const port = (again.server.server.address() as AddressInfo).port;
    const c: Client = connect(`http://127.0.0.1:${port}/live`, {
      auth: { token: TOKENS.viewer },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    clients.push(c);
    const snapshot = await snapshotOf(c);
    // Orders ingested through the first app in the last hour are counted by the second.
    expect(snapshot.panels.orders_per_minute.minutes.reduce((n, m) => n + m.total, 0)).toBeGreaterThanOrEqual(
      2,
    );
    // Resolves (it used to hang while a websocket was open) and drops the client.
    await again.server.close();
    await expect.poll(() => c.connected).toBe(false);
  });

  it('sends alert transitions at once, only to the rooms that see the store', async () => {
    const everything = open({ token: TOKENS.operator });
    const s2Only = open({ token: TOKENS.viewer, filter: { store_id: 'S2' } });
    await Promise.all([snapshotOf(everything), snapshotOf(s2Only)]);
    const seenBy = (c: Client) => {
      const ids: string[] = [];
      c.on('alert', (e) => ids.push(e.alert.id));
      return ids;
    };
    const all = seenBy(everything);
    const s2 = seenBy(s2Only);
    app.ctx.live.gateway.publishAlert(alert('a1', 'S1'));
    app.ctx.live.gateway.publishAlert(alert('a2', 'S2'));
    await expect.poll(() => all).toEqual(['a1', 'a2']);
    await expect.poll(() => s2).toEqual(['a2']);
  });

  it("gives each client the alerts' sentences in the language of its handshake", async () => {
    const chinese = open({ token: TOKENS.viewer });
    const english = open({ token: TOKENS.viewer, lang: 'en' });
    await Promise.all([snapshotOf(chinese), snapshotOf(english)]);
    const summaries = (c: Client) => {
      const seen: string[] = [];
      c.on('alert', (e) => seen.push(`${e.alert.id}:${e.alert.summary}`));
      return seen;
    };
    const zh = summaries(chinese);
    const en = summaries(english);
    const inChinese = alert('lang-1', 'S1');
    const inEnglish = { ...inChinese, alert: { ...inChinese.alert, summary: 'in English' } };
    app.ctx.live.gateway.publishAlert(
      { ...inChinese, alert: { ...inChinese.alert, summary: '中文' } },
      inEnglish,
    );
    await expect.poll(() => zh).toEqual(['lang-1:中文']);
    await expect.poll(() => en).toEqual(['lang-1:in English']);

    // A snapshot renders the open alerts it carries from the catalogue, in the client's language.
    const stalled = alert('lang-2', 'S1');
    stalled.alert.summary_message = {
      key: 'summary.order_stalled',
      params: { orderId: 'O-42', status: 'paid', limitMs: 120_000 },
    };
    app.ctx.live.panels.applyAlert(stalled);
    const [zhSnapshot, enSnapshot] = await Promise.all([
      snapshotOf(open({ token: TOKENS.viewer, lang: 'zh-CN' })),
      snapshotOf(open({ token: TOKENS.viewer, lang: 'en-US' })),
    ]);
    const zhAlert = zhSnapshot.alerts.find((a) => a.id === 'lang-2');
    const enAlert = enSnapshot.alerts.find((a) => a.id === 'lang-2');
    expect(enAlert).toMatchObject({ rule_name: 'Order stalled' });
    expect(enAlert?.summary).toContain('Order O-42 has been');
    expect(zhAlert?.summary).toBe('stalled');
  });

  it('resubscribes to another store with a fresh snapshot for that filter', async () => {
    const c = open({ token: TOKENS.viewer });
    await snapshotOf(c);
    const next = snapshotOf(c);
    const ack = await new Promise((resolve) => c.emit('subscribe', { store_id: 'S9' }, resolve));
    expect(ack).toEqual({ ok: true, filter: { store_id: 'S9' } });
    expect((await next).filter).toEqual({ store_id: 'S9' });
    const bad = await new Promise((resolve) => c.emit('subscribe', { shop: 'x' } as never, resolve));
    expect(bad).toMatchObject({ ok: false, error: 'invalid_filter' });
  });

  it('keeps serving other clients and ingestion while one client stops reading', async () => {
    const slow = open({ token: TOKENS.viewer });
    const fast = open({ token: TOKENS.viewer });
    await Promise.all([snapshotOf(slow), snapshotOf(fast)]);
    // Stop reading from the slow client's TCP socket: its packets pile up on the server.
    const engine = slow.io.engine as unknown as {
      transport: { ws: { _socket: { pause(): void; resume(): void } } };
    };
    engine.transport.ws._socket.pause();
    const received: string[] = [];
    fast.on('alert', (e) => received.push(e.alert.id));
    const big = 'x'.repeat(4096);
    for (let i = 0; i < 400; i++) {
      const e = alert(`bulk-${i}`, 'S5');
      e.alert.summary = big;
      app.ctx.live.gateway.publishAlert(e);
    }
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify(orderStatus({ order: 'L9', status: 'created', at: new Date().toISOString() })),
    });
    expect(res.statusCode).toBe(202);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(400);
    // Reading again lets the close handshake complete: a client that never reads holds the server's
    // close for the WebSocket close timeout (30 s).
    engine.transport.ws._socket.resume();
  });
});
