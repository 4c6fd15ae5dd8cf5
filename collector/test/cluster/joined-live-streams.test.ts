// ORDERPULSE_REDIS_URL joins the live streams of several collectors (real Redis): an alert one
// collector opens reaches a client of another at once, and that collector's later snapshots hold it.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type { LiveAlertEvent, LiveSnapshot } from '../../src/live/events.ts';
import { orderStatus } from '../support/events.ts';
import { auth, buildTestApp, TOKENS } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;

if (REDIS_URL) {
  describe('joined live streams', () => {
    const stores: TestDatabase[] = [];
    const apps: App[] = [];
    const clients: Socket[] = [];

    afterAll(async () => {
      for (const c of clients) c.disconnect();
      for (const app of apps) await app.server.close();
      for (const store of stores) await store.dispose();
    });

    const start = async (prefix: string) => {
      const store = await openTestDatabase('pglite');
      stores.push(store);
      const app = await buildTestApp(store.db, {
        ORDERPULSE_REDIS_URL: REDIS_URL,
        ORDERPULSE_AMQP_PREFIX: prefix,
      });
      apps.push(app);
      await app.server.listen({ port: 0, host: '127.0.0.1' });
      return { app, url: `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}` };
    };

    const client = (url: string) => {
      const c = connect(`${url}/live`, {
        auth: { token: TOKENS.viewer },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      clients.push(c);
      return c;
    };

    it('sends an alert opened on one collector to the clients of another', async () => {
      // A prefix of its own: other runs on the same Redis stay out of this one.
      const prefix = `optest_${randomBytes(4).toString('hex')}`;
      const a = await start(prefix);
      const b = await start(prefix);
      const onB = client(b.url);
      await new Promise<LiveSnapshot>((resolve) => onB.once('snapshot', resolve));
      const seen: LiveAlertEvent[] = [];
      onB.on('alert', (e: LiveAlertEvent) => seen.push(e));

      // Paid ten minutes ago and never moved on: order_stalled fires at once, on collector A.
      const paidAt = new Date(Date.now() - 10 * 60_000).toISOString();
      const res = await fetch(`${a.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth('ingest') },
        body: JSON.stringify([orderStatus({ order: 'JOINED-1', status: 'paid', at: paidAt })]),
      });
      expect(res.status).toBe(202);
      await expect.poll(() => seen.length, { timeout: 15_000 }).toBeGreaterThan(0);
      expect(seen[0]).toMatchObject({
        transition: 'opened',
        alert: { rule: 'order_stalled', entity_id: 'JOINED-1', status: 'firing' },
      });
      // Only once, though both collectors' adapters hear it.
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.filter((e) => e.alert.entity_id === 'JOINED-1')).toHaveLength(1);

      // B never stored the order; its snapshot shows the alert all the same.
      await expect
        .poll(
          async () => {
            const late = client(b.url);
            const snapshot = await new Promise<LiveSnapshot>((resolve) => late.once('snapshot', resolve));
            late.disconnect();
            return snapshot.alerts.map((x) => x.entity_id);
          },
          { timeout: 15_000 },
        )
        .toContain('JOINED-1');
      const onBStore = await b.app.server.inject({
        method: 'GET',
        url: '/v1/orders/JOINED-1',
        headers: auth('viewer'),
      });
      expect(onBStore.statusCode).toBe(404);
    }, 120_000);
  });
}
