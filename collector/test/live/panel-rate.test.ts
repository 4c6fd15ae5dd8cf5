// The contract's rate of the live panels: while data changes, a client gets a panel update at least
// once a second. Measured on the server's own clock (each update carries the time of the pass that
// sent it), so a loaded machine that delays delivery to the client does not count against the
// server; the gateway's pass runs four times a second, so the check has a fourfold margin. A batched
// client (`panel_batches`) is held to the same rate.
import type { AddressInfo } from 'node:net';
import { setTimeout as pause } from 'node:timers/promises';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type {
  ClientToServerEvents,
  LiveSnapshot,
  PanelUpdate,
  ServerToClientEvents,
} from '../../src/live/events.ts';
import { orderStatus } from '../support/events.ts';
import { auth, buildTestApp, TOKENS } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Server time the updates must span before the rate is judged. */
const SPAN_MS = 5_000;

describe('live panel rate', () => {
  let store: TestDatabase;
  let app: App;
  let base: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    store = await openTestDatabase(STORE_KINDS.includes('postgres') ? 'postgres' : 'pglite');
    app = await buildTestApp(store.db);
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await app?.server.close();
    await store?.dispose();
  });

  it('sends orders_per_minute at least once a second of server time while orders flow, per panel and in batches', async () => {
    const open = (auth: object) => {
      const c: Client = connect(`${base}/live`, {
        auth,
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      clients.push(c);
      return c;
    };
    const single = open({ token: TOKENS.viewer });
    const batched = open({ token: TOKENS.viewer, panel_batches: true });
    const [snapshot] = await Promise.all(
      [single, batched].map((c) => new Promise<LiveSnapshot>((resolve) => c.once('snapshot', resolve))),
    );
    const totalOf = (minutes: { total: number }[]) => minutes.reduce((n, m) => n + m.total, 0);
    const before = totalOf(snapshot!.panels.orders_per_minute.minutes);

    type Seen = { at: number; total: number }[];
    const updatesOf: Record<'single' | 'batched', Seen> = { single: [], batched: [] };
    const take = (seen: Seen, u: PanelUpdate) => {
      if (u.name === 'orders_per_minute') seen.push({ at: u.at, total: totalOf(u.data.minutes) });
    };
    single.on('panel', (u) => take(updatesOf.single, u));
    batched.on('panels', (b) => {
      for (const u of b.updates) take(updatesOf.batched, u);
    });
    const span = () =>
      Math.min(
        ...Object.values(updatesOf).map((updates) =>
          updates.length < 2 ? 0 : updates.at(-1)!.at - updates[0]!.at,
        ),
      );

    let sent = 0;
    let sending = true;
    const sender = (async () => {
      // One new order at a time, each acknowledged (committed) before the next: the data changes
      // several times a second for as long as the check runs.
      while (sending) {
        const res = await fetch(`${base}/v1/events`, {
          method: 'POST',
          headers: { ...auth('ingest'), 'content-type': 'application/json' },
          body: JSON.stringify(
            orderStatus({
              order: `RATE-${sent}`,
              status: 'created',
              at: new Date().toISOString(),
              store: 'S-rate',
            }),
          ),
        });
        expect(res.status).toBe(202);
        sent++;
        await pause(50);
      }
    })();
    try {
      await expect.poll(span, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(SPAN_MS);
    } finally {
      sending = false;
      await sender;
    }

    for (const updates of Object.values(updatesOf)) {
      const window = [...updates];
      const windowSpan = window.at(-1)!.at - window[0]!.at;
      // n gaps covering the span: at least once a second means no more than a second per gap on average.
      expect((window.length - 1) * 1_000).toBeGreaterThanOrEqual(windowSpan);
      // Each update is a later pass, and the count never goes back.
      for (let i = 1; i < window.length; i++) {
        expect(window[i]!.at).toBeGreaterThan(window[i - 1]!.at);
        expect(window[i]!.total).toBeGreaterThanOrEqual(window[i - 1]!.total);
      }
      // The panel ends on every order acknowledged.
      await expect.poll(() => updates.at(-1)!.total, { timeout: 10_000 }).toBe(before + sent);
    }
  });
});
