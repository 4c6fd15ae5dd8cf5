// The alerts page's first request with 5,000 open alerts: the grouped list (GET /v1/alert-groups,
// one page of 25 groups) and one opened group (GET /v1/alert-groups/{group}/alerts, 20 alerts),
// against the flat list the page used to load (GET /v1/alerts?limit=500, and the most it may ask,
// limit=1000), interleaved in the same run, on PostgreSQL and on the embedded store. Each answer is
// timed over loopback HTTP from request to the last byte of the body, against a real `orderpulse
// serve`. The 5,000 alerts are real ones: 5,000 orders paid 10 min ago in 50 stores, never picked.
//   npx tsx bench/alert-lists.ts    (BENCH_ALERTS=5000, BENCH_REPS=100, BENCH_DATABASE_URL as the
//                                    other benches)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { TOKENS } from '../collector/test/support/test-app.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ALERTS = Number(process.env.BENCH_ALERTS ?? 5000);
const REPS = Number(process.env.BENCH_REPS ?? 100);
const STORES = 50;
const run = randomBytes(3).toString('hex');
const schema = `bench_${run}`;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Request {
  name: string;
  path: string;
}

async function measure(store: string, env: NodeJS.ProcessEnv): Promise<void> {
  const collector = await spawnCollector({ ...env, LOG_LEVEL: 'error' });
  try {
    const get = async (p: string) => {
      const res = await fetch(`${collector.url}${p}`, {
        headers: { authorization: `Bearer ${TOKENS.viewer}` },
      });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${p}: ${res.status} ${body}`);
      return body;
    };
    const paidAt = new Date(Date.now() - 10 * 60_000).toISOString();
    const events = Array.from({ length: ALERTS }, (_, i) => ({
      id: `bench-${i}`,
      type: 'order.status',
      occurred_at: paidAt,
      order_id: `BENCH-${i}`,
      store_id: `S${String((i % STORES) + 1).padStart(3, '0')}`,
      status: 'paid',
      amount_fen: 1000 + i,
    }));
    for (let i = 0; i < events.length; i += 2500) {
      const res = await fetch(`${collector.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.ingest}` },
        body: JSON.stringify(events.slice(i, i + 2500)),
      });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    }
    let open = 0;
    for (let tries = 0; open < ALERTS && tries < 600; tries++) {
      open = JSON.parse(await get('/v1/alert-groups?limit=1')).total_alerts;
      if (open < ALERTS) await sleep(200);
    }
    if (open < ALERTS) throw new Error(`only ${open} of ${ALERTS} alerts opened`);
    const firstGroup = JSON.parse(await get('/v1/alert-groups?limit=1')).groups[0].group;

    const requests: Request[] = [
      { name: 'grouped: GET /v1/alert-groups (25 groups)', path: '/v1/alert-groups' },
      { name: 'grouped: a group opened (20 alerts)', path: `/v1/alert-groups/${firstGroup}/alerts?limit=20` },
      { name: 'flat (old page): GET /v1/alerts?limit=500', path: '/v1/alerts?limit=500' },
      { name: 'flat: GET /v1/alerts?limit=1000', path: '/v1/alerts?limit=1000' },
    ];
    const times = requests.map(() => [] as number[]);
    const bytes = requests.map(() => 0);
    // Warm-up, then the requests interleaved so each sees the same machine.
    for (const r of requests) await get(r.path);
    for (let rep = 0; rep < REPS; rep++) {
      for (const [i, r] of requests.entries()) {
        const started = performance.now();
        const body = await get(r.path);
        times[i]!.push(performance.now() - started);
        bytes[i] = Buffer.byteLength(body);
      }
    }
    process.stdout.write(
      `\n${store}: ${open} open alerts in ${STORES} groups, ${REPS} interleaved reps, loadavg ${load()}\n`,
    );
    process.stdout.write(
      `${'request'.padEnd(46)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'bytes'.padStart(10)}\n`,
    );
    for (const [i, r] of requests.entries()) {
      const sorted = times[i]!.sort((a, b) => a - b);
      process.stdout.write(
        `${r.name.padEnd(46)} ${percentile(sorted, 0.5).toFixed(1).padStart(8)} ${percentile(sorted, 0.99)
          .toFixed(1)
          .padStart(8)} ${String(bytes[i]).padStart(10)}\n`,
      );
    }
  } finally {
    collector.child.kill('SIGTERM');
    await collector.exited;
  }
}

async function main() {
  process.stdout.write(
    `alert lists: ${ALERTS} open alerts, goal p99 < 300 ms for the grouped page; loadavg ${load()}\n`,
  );
  try {
    await measure('PostgreSQL', { DATABASE_URL: url, ORDERPULSE_DB_SCHEMA: schema });
  } finally {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'op-bench-lists-'));
  try {
    await measure('embedded (PGlite)', { DATABASE_URL: '', ORDERPULSE_DATA_DIR: dataDir });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
