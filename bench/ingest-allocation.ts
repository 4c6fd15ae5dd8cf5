// What the collector allocates per event it ingests, and where: the real `orderpulse serve` on
// PostgreSQL, sampled by V8's heap profiler through the inspector (objects already freed by a
// scavenge counted too: those are what make scavenges frequent) while callers post NDJSON bodies.
// Bytes per event by allocating function, with its two callers. An absolute figure: compare runs
// of two commits.
//   npx tsx bench/ingest-allocation.ts     (BENCH_DATABASE_URL; BENCH_CALLERS 8, BENCH_PER_REQUEST
//   500, BENCH_ROUNDS 25 requests per caller; BENCH_TOP 30 sites)
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import WebSocket from 'ws';
import { spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { TOKENS } from '../collector/test/support/test-app.ts';
import { dropSchema } from '../collector/test/support/test-database.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CALLERS = Number(process.env.BENCH_CALLERS ?? 8);
const PER_REQUEST = Number(process.env.BENCH_PER_REQUEST ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const TOP = Number(process.env.BENCH_TOP ?? 30);
const INSPECTOR_PORT = 9339;
const run = randomBytes(3).toString('hex');
const schema = `bench_${run}`;

/** Request r of caller w: the curl bench's live orders, created, paid, picked and packed. */
function body(w: number, r: number): string {
  const lines: string[] = [];
  for (let i = 0; i < PER_REQUEST; i++) {
    const n = (w * 10_000 + r) * PER_REQUEST + i;
    lines.push(
      JSON.stringify({
        id: `a${run}-${n}`,
        type: 'order.status',
        occurred_at: new Date(Date.now() + (n % 4) * 1_000).toISOString(),
        order_id: `o${run}-${n >> 2}`,
        store_id: `S${String(n % 327).padStart(3, '0')}`,
        status: ['created', 'paid', 'picking', 'packed'][n % 4],
        amount_fen: 1000 + (n % 5000),
      }),
    );
  }
  return lines.join('\n');
}

/** A Chrome DevTools Protocol session on the collector's inspector. */
async function inspect(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl, { maxPayload: 2 ** 30 });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let lastId = 0;
  const replies = new Map<number, (result: unknown) => void>();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: unknown };
    if (message.id === undefined) return;
    replies.get(message.id)?.(message.result ?? message.error);
    replies.delete(message.id);
  });
  return {
    send: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        lastId++;
        replies.set(lastId, resolve as (result: unknown) => void);
        ws.send(JSON.stringify({ id: lastId, method, params }));
      }),
    close: () => ws.close(),
  };
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const collector = await spawnCollector(
  { DATABASE_URL: url, ORDERPULSE_DB_SCHEMA: schema, ORDERPULSE_RATE_LIMIT_INGEST: '100000/1s' },
  { nodeArgs: [`--inspect=127.0.0.1:${INSPECTOR_PORT}`] },
);
try {
  const post = async (w: number, r: number) => {
    const res = await fetch(`${collector.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${TOKENS.ingest}` },
      body: body(w, r),
    });
    if (res.status !== 202 && res.status !== 200) throw new Error(`${res.status}: ${await res.text()}`);
  };
  const callers = (from: number, to: number) =>
    Promise.all(
      Array.from({ length: CALLERS }, async (_, w) => {
        for (let r = from; r < to; r++) await post(w, r);
      }),
    );
  await callers(0, 5); // warm-up: compiled code, pools and caches in place
  const session = await inspect(INSPECTOR_PORT);
  await session.send('HeapProfiler.enable');
  await session.send('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await callers(5, 5 + ROUNDS);
  const { profile } = await session.send<{ profile: { head: ProfileNode } }>('HeapProfiler.stopSampling');
  session.close();

  const events = CALLERS * ROUNDS * PER_REQUEST;
  const name = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}`;
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode, callers: string[]) => {
    const here = name(node);
    if (node.selfSize > 0) {
      const site = [here, ...callers.slice(0, 2)].join(' ← ');
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child, [here, ...callers]);
  };
  walk(profile.head, []);
  console.log(
    `\nthe collector's allocation while ingesting ${events.toLocaleString('en')} events (${CALLERS} callers × ${ROUNDS} requests × ${PER_REQUEST} events, NDJSON), load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(`| allocated where (← its callers) | bytes an event |\n|---|---|`);
  console.log(`| **all** | **${Math.round(total / events).toLocaleString('en')}** |`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, TOP))
    console.log(`| ${site} | ${Math.round(bytes / events)} |`);
} finally {
  collector.child.kill('SIGTERM');
  await collector.exited;
  await dropSchema(url, schema);
}
