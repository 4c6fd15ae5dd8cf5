// Live fan-out: the real collector (a child process, `orderpulse serve`) with 500 Socket.IO clients on
// /live while events are ingested at a steady 5k/s, some of them opening alerts; then, in the same run,
// a bare Socket.IO server in this process broadcasting the same messages at the same rate to 500 clients.
//   npx tsx bench/fanout.ts
// Env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test, an own schema dropped after;
//      BENCH_STORE=embedded uses PGlite in a temporary directory instead), BENCH_CLIENTS (500),
//      BENCH_RATE (events/s, 5000), BENCH_ALERTS_PER_S (20), BENCH_SECONDS (measured seconds, 15),
//      BENCH_PROFILE_DIR (write a CPU profile of the collector there), BENCH_PANEL_BATCHES=1 (clients set
//      `panel_batches` and get one `panels` packet per pass; the baseline then broadcasts such packets).
//
// Latencies use the times the payloads carry against the receive time on the same machine clock:
//   alert: LiveAlertEvent.at (the alert transition, taken right after the event's commit) → client;
//   panel: each batch's occurred_at (stamped when it is sent) → the first `orders_per_minute` panel a client
//          gets whose minute count includes it: HTTP + commit + coalescing + send, an upper bound on
//          commit → client; the same from the batch's 202 (sent after its commit), a lower bound;
//          and panel `at` (the coalescing pass that sent it) → client, the transport part alone.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import type { LiveAlertEvent, PanelBatch, PanelUpdate } from '../collector/src/live/events.ts';
import { spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { TOKENS } from '../collector/test/support/test-app.ts';
import { processCpuMs } from './process-cpu.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const EMBEDDED = process.env.BENCH_STORE === 'embedded';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 500);
const RATE = Number(process.env.BENCH_RATE ?? 5000);
const ALERTS_PER_S = Number(process.env.BENCH_ALERTS_PER_S ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const BATCHED = process.env.BENCH_PANEL_BATCHES === '1';
/** The panel packet the clients take: one `panels` batch per pass, or one `panel` per changed panel. */
const PANEL_EVENT = BATCHED ? 'panels' : 'panel';
/** How long to wait for outstanding ingest requests after the last batch (keeps the run bounded). */
const DRAIN_MS = 8000;
const WARMUP_MS = 3000;
const BATCH_MS = 50;
const run = randomBytes(3).toString('hex');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const percentile = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
};
const ms = (v: number) => (Number.isNaN(v) ? '–' : `${v.toFixed(v < 10 ? 1 : 0)} ms`);

interface Samples {
  alert: number[];
  panelSent: number[];
  panelAcked: number[];
  byName: Map<string, number>;
  panelAt: number[];
  alertsReceived: number;
  panelsReceived: number;
}
const samples = (): Samples => ({
  alert: [],
  panelSent: [],
  panelAcked: [],
  byName: new Map(),
  panelAt: [],
  alertsReceived: 0,
  panelsReceived: 0,
});

async function connectClients(base: string, onSocket: (socket: Socket) => void): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < CLIENTS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, CLIENTS - i) }, async () => {
        const socket = io(`${base}/live`, {
          auth: { token: TOKENS.viewer, ...(BATCHED && { panel_batches: true }) },
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
        });
        onSocket(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('snapshot', () => resolve());
          socket.once('connect_error', reject);
        });
        sockets.push(socket);
      }),
    );
  }
  return sockets;
}

// ---------------------------------------------------------------------------------------------
// OrderPulse

// Preloaded into the collector (NODE_OPTIONS --require): its event-loop delay from SIGUSR2 (start of
// the measurement) to exit, and with BENCH_PROFILE_DIR a CPU profile through node:inspector (Node 20
// refuses --cpu-prof in NODE_OPTIONS). Values are written on exit.
const ELD_RESOLUTION_MS = 10;
const HOOK = `
const { monitorEventLoopDelay } = require('node:perf_hooks');
const fs = require('node:fs');
const out = process.env.BENCH_HOOK_OUT;
if (out) {
  const eld = monitorEventLoopDelay({ resolution: ${ELD_RESOLUTION_MS} });
  eld.enable();
  process.on('SIGUSR2', () => eld.reset());
  const dir = process.env.BENCH_PROFILE_DIR;
  let session;
  if (dir) {
    session = new (require('node:inspector').Session)();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.start');
  }
  process.on('exit', () => {
    eld.disable();
    fs.writeFileSync(out, JSON.stringify({ p50: eld.percentile(50), p99: eld.percentile(99), max: eld.max }));
    session?.post('Profiler.stop', (err, res) => {
      if (!err) fs.writeFileSync(dir + '/collector-' + process.pid + '.cpuprofile', JSON.stringify(res.profile));
    });
  });
}
`;
interface Batch {
  sentAt: number;
  /** The minute bucket its order.status events count in, and that bucket's total once it is in. */
  minute: number;
  cum: number;
  ackedAt?: number;
  measured: boolean;
}

async function orderPulse() {
  const schema = `bench_fanout_${run}`;
  const dataDir = EMBEDDED ? mkdtempSync(join(tmpdir(), 'op-fanout-')) : undefined;
  const hookDir = mkdtempSync(join(tmpdir(), 'op-fanout-hook-'));
  const hookFile = join(hookDir, 'hook.cjs');
  writeFileSync(hookFile, HOOK);
  const collector = await spawnCollector({
    ...(EMBEDDED ? { DATABASE_URL: '', ORDERPULSE_DATA_DIR: dataDir } : { DATABASE_URL: url }),
    ORDERPULSE_DB_SCHEMA: schema,
    LOG_LEVEL: 'error',
    NODE_OPTIONS: `--require ${hookFile}`,
    BENCH_HOOK_OUT: join(hookDir, 'loop.json'),
    BENCH_PROFILE_DIR: process.env.BENCH_PROFILE_DIR ?? '',
  });
  const batches: Batch[] = [];
  const got = samples();
  let measuring = false;
  let sampleAlert: LiveAlertEvent | undefined;
  let samplePanel: PanelUpdate | PanelBatch | undefined;
  try {
    const sockets = await connectClients(collector.url, (socket) => {
      let next = 0; // the first batch this client has not seen in a panel yet
      socket.on('alert', (event: LiveAlertEvent) => {
        const now = Date.now();
        if (!measuring) return;
        got.alertsReceived++;
        sampleAlert ??= event;
        got.alert.push(now - event.at);
      });
      const onPanel = (update: PanelUpdate, now: number) => {
        if (measuring) got.byName.set(update.name, (got.byName.get(update.name) ?? 0) + 1);
        if (update.name !== 'orders_per_minute') return;
        // A batch is visible once its minute's count includes it (commits may overtake each other by
        // a batch or two; this then credits the later one a little early).
        const minutes = update.data.minutes;
        while (next < batches.length) {
          const b = batches[next]!;
          const bucket = minutes.find((m) => m.at === b.minute);
          if (bucket === undefined || bucket.total < b.cum) break;
          if (measuring && b.measured) {
            got.panelSent.push(now - b.sentAt);
            if (b.ackedAt !== undefined) got.panelAcked.push(now - b.ackedAt);
          }
          next++;
        }
      };
      // A packet: one panel, or one pass's batch of them.
      const onPacket = (packet: PanelUpdate | PanelBatch) => {
        const now = Date.now();
        if (measuring) {
          got.panelsReceived++;
          got.panelAt.push(now - packet.at);
          samplePanel ??= packet;
        }
        if ('updates' in packet) for (const update of packet.updates) onPanel(update, now);
        else onPanel(packet, now);
      };
      socket.on(PANEL_EVENT, onPacket);
    });

    const perBatch = Math.round((RATE * BATCH_MS) / 1000);
    const alertsPerBatch = (ALERTS_PER_S * BATCH_MS) / 1000;
    const acks: number[] = [];
    let failures = 0;
    let ackedEvents = 0;
    let lastAckAt = 0;
    let alertsSent = 0;
    let alertCredit = 0;
    let n = 0;
    const inflight = new Set<Promise<void>>();
    const started = performance.now();
    const endAt = started + WARMUP_MS + SECONDS * 1000;
    let cpuStart = 0;
    let measureStarted = 0;
    let lastSentAt = 0;
    let lastMinute = 0;
    let minuteTotal = 0;
    for (let b = 0; ; b++) {
      const due = started + b * BATCH_MS;
      if (due >= endAt) break;
      await sleep(due - performance.now());
      if (!measuring && performance.now() - started >= WARMUP_MS) {
        measuring = true;
        collector.child.kill('SIGUSR2');
        cpuStart = processCpuMs(collector.child.pid!) ?? Number.NaN;
        measureStarted = performance.now();
      }
      const sentAt = Math.max(Date.now(), lastSentAt + 1);
      lastSentAt = sentAt;
      const occurred = new Date(sentAt).toISOString();
      const lines: string[] = [];
      alertCredit += alertsPerBatch;
      const alerts = Math.floor(alertCredit);
      alertCredit -= alerts;
      for (let i = 0; i < perBatch - alerts; i++, n++) {
        lines.push(
          JSON.stringify({
            id: `f${run}-${n}`,
            type: 'order.status',
            occurred_at: occurred,
            order_id: `o${run}-${n >> 2}`,
            store_id: `S${String((n >> 2) % 327).padStart(3, '0')}`,
            status: ['created', 'paid', 'picking', 'packed'][n % 4],
            amount_fen: 1000 + (n % 5000),
          }),
        );
      }
      // A paid order three minutes old: order_stalled fires as soon as it is committed.
      for (let i = 0; i < alerts; i++, n++, alertsSent += measuring ? 1 : 0) {
        lines.push(
          JSON.stringify({
            id: `f${run}-${n}`,
            type: 'order.status',
            occurred_at: new Date(sentAt - 180_000).toISOString(),
            order_id: `a${run}-${n}`,
            store_id: `S${String(n % 327).padStart(3, '0')}`,
            status: 'paid',
            amount_fen: 5000,
          }),
        );
      }
      const minute = Math.floor(sentAt / 60_000) * 60_000;
      minuteTotal = minute === lastMinute ? minuteTotal + perBatch - alerts : perBatch - alerts;
      lastMinute = minute;
      const batch: Batch = { sentAt, minute, cum: minuteTotal, measured: measuring };
      batches.push(batch);
      const t = performance.now();
      const request = fetch(`${collector.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${TOKENS.ingest}` },
        body: `${lines.join('\n')}\n`,
      })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status !== 202) failures++;
          else {
            acks.push(performance.now() - t);
            ackedEvents += lines.length;
            lastAckAt = performance.now();
            batch.ackedAt = Date.now();
          }
        })
        .catch(() => void failures++)
        .finally(() => inflight.delete(request));
      inflight.add(request);
    }
    await Promise.race([Promise.all(inflight), sleep(DRAIN_MS)]);
    const unacknowledged = inflight.size;
    await sleep(1000);
    measuring = false;
    const seconds = (performance.now() - measureStarted) / 1000;
    const cpuMs = (processCpuMs(collector.child.pid!) ?? Number.NaN) - cpuStart;
    for (const socket of sockets) socket.close();
    collector.child.kill('SIGTERM');
    await collector.exited;
    // The histogram counts whole sampling intervals; what is above the interval is the delay.
    const loop = JSON.parse(readFileSync(join(hookDir, 'loop.json'), 'utf8')) as Record<string, number>;
    const lag = (ns: number) => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);
    return {
      got,
      loopLag: { p50: lag(loop.p50!), p99: lag(loop.p99!), max: lag(loop.max!) },
      seconds,
      cpuPercent: cpuMs / seconds / 10,
      // Committed (acknowledged) events per second from the first batch to the last acknowledgement.
      achievedRate: ackedEvents / ((lastAckAt - started) / 1000),
      ackP50: percentile(acks, 0.5),
      ackP99: percentile(acks, 0.99),
      failures,
      unacknowledged,
      alertsSent,
      sampleAlert,
      samplePanel,
    };
  } finally {
    if (collector.child.exitCode === null) {
      collector.child.kill('SIGTERM');
      await collector.exited;
    }
    rmSync(hookDir, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    else {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Baseline: bare Socket.IO in this process, the same payloads at the same per-client message rates.

async function bareSocketIo(alertsPerS: number, panelsPerS: number, alert: unknown, panel: unknown) {
  const http = createServer();
  const server = new Server(http, { serveClient: false, perMessageDeflate: false });
  server.of('/live').use((socket, next) => {
    if ((socket.handshake.auth as { token?: string }).token !== TOKENS.viewer)
      next(new Error('unauthorized'));
    else next();
  });
  server.of('/live').on('connection', (socket) => socket.emit('snapshot', {}));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const got = samples();
  let measuring = false;
  const sockets = await connectClients(base, (socket) => {
    socket.on('alert', (event: { at: number }) => {
      const now = Date.now();
      if (!measuring) return;
      got.alertsReceived++;
      got.alert.push(now - event.at);
    });
    socket.on(PANEL_EVENT, (update: { at: number }) => {
      const now = Date.now();
      if (!measuring) return;
      got.panelsReceived++;
      got.panelAt.push(now - update.at);
    });
  });
  const nsp = server.of('/live');
  const emitEvery = (perS: number, emit: () => void) => {
    if (perS <= 0) return () => {};
    const started = performance.now();
    let i = 0;
    let stop = false;
    const loop = async () => {
      while (!stop) {
        await sleep(started + (i * 1000) / perS - performance.now());
        if (!stop) emit();
        i++;
      }
    };
    void loop();
    return () => {
      stop = true;
    };
  };
  const stopAlerts = emitEvery(alertsPerS, () => nsp.emit('alert', { ...(alert as object), at: Date.now() }));
  const stopPanels = emitEvery(panelsPerS, () =>
    nsp.emit(PANEL_EVENT, { ...(panel as object), at: Date.now() }),
  );
  await sleep(WARMUP_MS);
  measuring = true;
  const measureStarted = performance.now();
  await sleep(SECONDS * 1000);
  stopAlerts();
  stopPanels();
  await sleep(500);
  measuring = false;
  const seconds = (performance.now() - measureStarted) / 1000;
  for (const socket of sockets) socket.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { ...got, seconds };
}

async function main(): Promise<void> {
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  const loadBefore = load();
  const benchCpu = process.cpuUsage();
  const op = await orderPulse();
  const benchCpuPercent = (() => {
    const u = process.cpuUsage(benchCpu);
    return (u.user + u.system) / 1000 / (op.seconds + WARMUP_MS / 1000) / 10;
  })();
  const alertsPerClientPerS = op.got.alertsReceived / CLIENTS / op.seconds;
  const panelsPerClientPerS = op.got.panelsReceived / CLIENTS / op.seconds;
  const bare = await bareSocketIo(
    alertsPerClientPerS,
    panelsPerClientPerS,
    op.sampleAlert ?? { transition: 'opened', alert: {} },
    op.samplePanel ?? { name: 'orders_per_minute', data: {} },
  );
  const perClient = (g: Samples, seconds: number) =>
    `${(g.alertsReceived / CLIENTS / seconds).toFixed(1)} alerts + ${(g.panelsReceived / CLIENTS / seconds).toFixed(1)} panel packets`;
  const header = [
    'path',
    'messages/s per client',
    'alert p50',
    'alert p99',
    'panel p50 / p99, batch sent → client',
    'panel p50 / p99, batch acked → client',
    'panel p99, `at` → client',
    'server CPU',
  ];
  const rows = [
    [
      `OrderPulse collector, ${CLIENTS} clients, ${Math.round(op.achievedRate).toLocaleString('en')} events/s committed (${RATE.toLocaleString('en')} offered)`,
      perClient(op.got, op.seconds),
      ms(percentile(op.got.alert, 0.5)),
      ms(percentile(op.got.alert, 0.99)),
      `${ms(percentile(op.got.panelSent, 0.5))} / ${ms(percentile(op.got.panelSent, 0.99))}`,
      `${ms(percentile(op.got.panelAcked, 0.5))} / ${ms(percentile(op.got.panelAcked, 0.99))}`,
      ms(percentile(op.got.panelAt, 0.99)),
      `${op.cpuPercent.toFixed(0)} % of a core; event-loop delay p50 ${ms(op.loopLag.p50)}, p99 ${ms(op.loopLag.p99)}, max ${ms(op.loopLag.max)}`,
    ],
    [
      `bare Socket.IO in this process, ${CLIENTS} clients, same rates (baseline)`,
      perClient(bare, bare.seconds),
      ms(percentile(bare.alert, 0.5)),
      ms(percentile(bare.alert, 0.99)),
      '',
      '',
      ms(percentile(bare.panelAt, 0.99)),
      'shared with the clients',
    ],
  ];
  const store = EMBEDDED ? 'embedded PGlite' : url.replace(/\/\/[^@]*@/, '//');
  process.stdout.write(`\nLive fan-out: commit → client on 127.0.0.1 (${store}), ${SECONDS} s measured\n`);
  process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
  process.stdout.write(
    `  goals: alert p99 ≤ 50 ms, panel p99 ≤ 300 ms. ingest ack p50 ${ms(op.ackP50)}, p99 ${ms(op.ackP99)}, ` +
      `${op.failures} failed requests, ${op.unacknowledged} still unacknowledged ${DRAIN_MS / 1000} s after the last batch; ${op.alertsSent} alert-opening events sent while measuring, ` +
      `panel updates per client by name: ${[...op.got.byName].map(([name, c]) => `${name} ${(c / CLIENTS).toFixed(0)}`).join(', ')}; ` +
      `${op.got.alertsReceived.toLocaleString('en')} alert deliveries (${(op.got.alertsReceived / CLIENTS).toFixed(0)} per client); ` +
      `bench process (clients + load generator) ${benchCpuPercent.toFixed(0)} % of a core; loadavg ${loadBefore} → ${load()}\n`,
  );
}

await main();
process.exit(0);
