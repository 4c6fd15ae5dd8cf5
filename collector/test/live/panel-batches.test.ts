// Clients whose handshake sets `panel_batches` get one `panels` packet per pass, and a commit brings
// their pass forward; per-panel clients in the same room keep their `panel` events on the slow pass.
// A real Socket.IO server and clients; the gateway's clock and its slow pass are the test's.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenRegistry } from '../../src/auth/tokens.ts';
import type {
  Alert,
  ClientToServerEvents,
  PanelBatch,
  PanelDataMap,
  PanelUpdate,
  ServerToClientEvents,
} from '../../src/live/events.ts';
import { LiveGateway } from '../../src/live/gateway.ts';
import { LivePanels } from '../../src/live/live-panels.ts';
import { stalledOrderEvent } from '../support/live-alerts.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const SECRET = 'viewer-batches';
let http: HttpServer;
let gateway: LiveGateway;
let clock = Date.parse('2026-12-06T04:00:00Z');
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
    now: () => clock,
    // The slow pass runs only when the test runs one; commits bring the batched pass at once.
    panelIntervalMs: 3_600_000,
    batchIntervalMs: 0,
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await gateway.close();
  await new Promise((resolve) => http.close(resolve));
});

const stall = (id: string, status: Alert['status']) => stalledOrderEvent(id, { status, at: clock });

interface Wall {
  panels: () => PanelDataMap | null;
  batches: PanelBatch[];
  singles: PanelUpdate[];
}

async function wall(batched: boolean): Promise<Wall> {
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/live`;
  const c: Client = connect(url, {
    auth: { token: SECRET, ...(batched && { panel_batches: true }) },
    transports: ['websocket'],
    forceNew: true,
  });
  clients.push(c);
  const seen: Wall = { panels: () => data, batches: [], singles: [] };
  let data: PanelDataMap | null = null;
  const take = (u: PanelUpdate) => {
    if (data) data = { ...data, [u.name]: u.data };
  };
  c.on('panel', (u) => {
    seen.singles.push(u);
    take(u);
  });
  c.on('panels', (b) => {
    seen.batches.push(b);
    for (const u of b.updates) take(u);
  });
  await new Promise<void>((resolve) =>
    c.once('snapshot', (s) => {
      data = s.panels;
      resolve();
    }),
  );
  return seen;
}

describe('panel batches', () => {
  it('sends a batched client one packet per pass after a commit, and per-panel clients only on their pass', async () => {
    const batched = await wall(true);
    const single = await wall(false);
    clock += 1_000;
    const commitPass = clock;
    panels.applyAlert(stall('b1', 'firing'));
    gateway.panelsChanged();
    await expect.poll(() => batched.batches.length, { timeout: 10_000 }).toBe(1);
    const [batch] = batched.batches;
    expect(batch!.at).toBe(commitPass);
    const names = batch!.updates.map((u) => u.name);
    expect(names).toEqual(expect.arrayContaining(['open_stalls', 'top_stores']));
    expect(new Set(names).size).toBe(names.length);
    expect(batch!.updates.every((u) => u.at === commitPass)).toBe(true);
    expect(batched.panels()?.open_stalls).toEqual({ byRule: { order_stalled: 1 }, stalls: 1, total: 1 });

    // The per-panel client's first updates come from its own later pass, not from the commit's.
    clock += 250;
    const slowPass = clock;
    gateway.publishPanels(['single']);
    await expect.poll(() => single.singles.length, { timeout: 10_000 }).toBe(names.length);
    expect(single.singles.map((u) => u.at)).toEqual(names.map(() => slowPass));
    expect(single.singles.map((u) => u.name).sort()).toEqual([...names].sort());
    expect(single.panels()).toEqual(batched.panels());
  });

  it('brings a batched listener that joined between passes to the panels that went back to what the last pass sent', async () => {
    panels.applyAlert(stall('c1', 'firing'));
    const first = await wall(true);
    gateway.publishPanels();
    panels.applyAlert(stall('c1', 'resolved'));
    const second = await wall(true);
    const totalAtJoin = second.panels()!.open_stalls.total;
    panels.applyAlert(stall('c2', 'firing'));
    gateway.panelsChanged();
    await expect.poll(() => second.panels()?.open_stalls.total, { timeout: 10_000 }).toBe(totalAtJoin + 1);
    expect(second.panels()?.open_stalls).toEqual(first.panels()?.open_stalls);
    expect(second.panels()?.top_stores).toEqual(first.panels()?.top_stores);
  });
});
