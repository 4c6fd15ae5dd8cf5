// Every listener of a room ends on the current panels, whatever happened between its snapshot and the
// next pass: a real Socket.IO client, passes driven by the test.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TokenRegistry } from '../../src/auth/tokens.ts';
import type {
  Alert,
  ClientToServerEvents,
  LiveAlertEvent,
  PanelDataMap,
  ServerToClientEvents,
} from '../../src/live/events.ts';
import { LiveGateway } from '../../src/live/gateway.ts';
import { LivePanels } from '../../src/live/live-panels.ts';
import { stalledOrderEvent } from '../support/live-alerts.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const SECRET = 'viewer-convergence';
let http: HttpServer;
let gateway: LiveGateway;
const panels = new LivePanels('Asia/Shanghai');
const clients: Client[] = [];

beforeAll(async () => {
  http = createServer();
  gateway = new LiveGateway(http, {
    tokens: new TokenRegistry({
      ingest: [],
      viewer: [{ name: 'wall', secret: SECRET }],
      operator: [],
      admin: [],
    }),
    panels,
    // Passes only when the test runs one.
    panelIntervalMs: 3_600_000,
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await gateway.close();
  await new Promise((resolve) => http.close(resolve));
});

const stall = (id: string, status: Alert['status']) => stalledOrderEvent(id, { status });

/** A wall's view: its panels as snapshot and updates leave them. */
async function wall(): Promise<{ panels: () => PanelDataMap | null }> {
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/live`;
  const c: Client = connect(url, { auth: { token: SECRET }, transports: ['websocket'], forceNew: true });
  clients.push(c);
  let data: PanelDataMap | null = null;
  c.on('panel', (u) => {
    if (data) data = { ...data, [u.name]: u.data };
  });
  await new Promise<void>((resolve) =>
    c.once('snapshot', (s) => {
      data = s.panels;
      resolve();
    }),
  );
  return { panels: () => data };
}

const apply = (event: LiveAlertEvent) => {
  panels.applyAlert(event);
  gateway.publishAlert(event);
};

it('sends a listener that joined between passes the panels that went back to what the last pass sent', async () => {
  apply(stall('1', 'firing'));
  const first = await wall();
  gateway.publishPanels();
  // Between two passes: the stall resolves, a second wall connects (its snapshot has no alert), and
  // another order stalls, which brings the counts back to what the last pass sent.
  apply(stall('1', 'resolved'));
  const second = await wall();
  expect(second.panels()?.open_stalls.total).toBe(0);
  apply(stall('2', 'firing'));
  gateway.publishPanels();
  await expect
    .poll(() => second.panels()?.open_stalls, { timeout: 10_000 })
    .toEqual({ byRule: { order_stalled: 1 }, stalls: 1, total: 1 });
  expect(second.panels()?.top_stores.stores).toEqual([
    { storeId: 'S1', region: null, openAlerts: 1, critical: 0 },
  ]);
  expect(first.panels()?.open_stalls.total).toBe(1);
});
