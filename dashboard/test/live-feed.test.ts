// The live feed against a real Socket.IO server on loopback: snapshot, panel and alert events,
// and the connection state behind the "disconnected — reconnecting" banner across a server restart.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  ClientToServerEvents,
  LiveAuth,
  LiveSnapshot,
  ServerToClientEvents,
} from '../../collector/src/live/events.ts';
import { LiveFeed } from '../src/lib/live-feed.svelte.ts';
import { connectLive } from '../src/lib/socket.ts';

const TOKEN = 'viewer-secret';
const STORE_COUNT = { storeId: 'S002', region: 'GD', openAlerts: 9, critical: 1 };

function snapshot(filter: LiveSnapshot['filter'] = {}): LiveSnapshot {
  return {
    at: 1,
    filter,
    panels: {
      orders_per_minute: {
        minutes: [{ at: 0, byStatus: { created: 4 }, total: 4 }],
        createdLastMinute: 0,
        createdHourAverage: 0,
      },
      payment_lag: { windowMs: 600_000, samples: 0, p50Seconds: null, p95Seconds: null, unapplied: 0 },
      open_stalls: { byRule: {}, stalls: 0, total: 0 },
      callbacks: { providers: [] },
      shipments: { silent: 0, highRisk: 0, updatesPerMinute: [] },
      reconciliation: {
        day: '2026-11-11',
        mismatchRate: null,
        paymentsTotal: 0,
        ordersTotal: 0,
        unmatchedPayments: 0,
        unmatchedOrders: 0,
        matched: 0,
        unmatched: 0,
        pending: 0,
      },
      top_stores: { stores: [] },
      freshness: { sources: [] },
    },
    alerts: [],
    scopes: { stores: ['S001', 'S002'], regions: ['GD'] },
  };
}

type LiveServer = Server<ClientToServerEvents, ServerToClientEvents>;

async function startServer(
  port = 0,
): Promise<{ http: HttpServer; io: LiveServer; port: number; auths: LiveAuth[] }> {
  const http = createServer();
  // Long-polling only: under jsdom the `ws` package resolves to its browser stub; polling is still the
  // real Socket.IO protocol over real HTTP (what a browser falls back to behind a proxy).
  const io: LiveServer = new Server(http, { cors: { origin: '*' }, transports: ['polling'] });
  const auths: LiveAuth[] = [];
  const live = io.of('/live');
  live.use((socket, next) => {
    const auth = socket.handshake.auth as LiveAuth;
    auths.push(auth);
    if (auth.token !== TOKEN) return next(new Error('unauthorized'));
    next();
  });
  live.on('connection', (socket) => {
    socket.emit('snapshot', snapshot((socket.handshake.auth as LiveAuth).filter ?? {}));
    socket.on('subscribe', (filter, ack) => {
      ack?.({ ok: true, filter });
      socket.emit('snapshot', snapshot(filter));
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  return { http, io, port: (http.address() as AddressInfo).port, auths };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function stop(server: { io: LiveServer; http: HttpServer }): Promise<void> {
  return new Promise((resolve) => {
    server.io.close(() => resolve());
    server.http.closeAllConnections();
  });
}

describe('LiveFeed over a real Socket.IO server', () => {
  it('goes live, applies snapshot, panel and alert events', async () => {
    const server = await startServer();
    cleanups.push(() => stop(server));
    const feed = new LiveFeed((f) => connectLive(TOKEN, f, `http://127.0.0.1:${server.port}`), {
      store_id: 'S001',
    });
    cleanups.push(() => feed.close());

    await until(() => feed.connection === 'live' && feed.panels !== null, 'the first snapshot');
    expect(server.auths.at(-1)).toEqual({ token: TOKEN, filter: { store_id: 'S001' }, panel_batches: true });
    expect(feed.scopes.stores).toEqual(['S001', 'S002']);

    const [socket] = await server.io.of('/live').fetchSockets();
    socket!.emit('panel', {
      name: 'open_stalls',
      data: { byRule: { order_stalled: 3 }, stalls: 3, total: 3 },
      at: 2,
    });
    await until(() => feed.panels?.open_stalls.total === 3, 'the panel update');
    expect(feed.panels?.orders_per_minute.minutes[0]?.total).toBe(4);

    // A batch: every panel it names changes; the others stay.
    socket!.emit('panels', {
      at: 3,
      updates: [
        { name: 'open_stalls', data: { byRule: { order_stalled: 5 }, stalls: 5, total: 5 }, at: 3 },
        { name: 'top_stores', data: { stores: [STORE_COUNT] }, at: 3 },
      ],
    });
    await until(() => feed.panels?.open_stalls.total === 5, 'the batch');
    expect(feed.panels?.orders_per_minute.minutes[0]?.total).toBe(4);
    expect(feed.panels?.top_stores).toEqual({ stores: [STORE_COUNT] });

    socket!.emit('alert', {
      transition: 'opened',
      at: 3,
      alert: {
        id: 'a1',
        rule: 'order_stalled',
        severity: 'warning',
        status: 'firing',
        entity_type: 'order',
        entity_id: 'O1',
        store_id: 'S001',
        summary: 'stalled',
        labels: {},
        started_at: '2026-11-11T10:00:00Z',
        updated_at: '2026-11-11T10:00:00Z',
        resolved_at: null,
        summary_zh: '',
        summary_message: null,
        rule_name: '',
        acknowledged_at: null,
        acknowledged_by: null,
        ack_note: null,
      },
    });
    await until(() => feed.board.length === 1, 'the alert');
    expect(feed.board[0]?.alert.id).toBe('a1');
  });

  it('shows reconnecting when the server goes away and recovers by itself with the same filter', async () => {
    const server = await startServer();
    const port = server.port;
    const feed = new LiveFeed((f) => connectLive(TOKEN, f, `http://127.0.0.1:${port}`), {});
    cleanups.push(() => feed.close());
    await until(() => feed.connection === 'live', 'connect');
    feed.setFilter({ region: 'GD' });
    await until(() => feed.filter.region === 'GD', 'filter');

    await stop(server);
    await until(() => feed.connection === 'reconnecting', 'the disconnected state');

    const again = await startServer(port);
    cleanups.push(() => stop(again));
    await until(() => feed.connection === 'live', 'the reconnect');
    // The reconnect handshake carries the filter the display was showing.
    expect(again.auths.at(-1)).toEqual({ token: TOKEN, filter: { region: 'GD' }, panel_batches: true });
  });

  it('reports a refused token instead of retrying forever', async () => {
    const server = await startServer();
    cleanups.push(() => stop(server));
    const feed = new LiveFeed((f) => connectLive('wrong', f, `http://127.0.0.1:${server.port}`), {});
    cleanups.push(() => feed.close());
    await until(() => feed.connection === 'refused', 'the refusal');
    expect(feed.refusal).toBe('unauthorized');
  });
});
