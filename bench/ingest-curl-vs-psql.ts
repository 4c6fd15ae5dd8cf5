// HTTP ingest against psql's \copy of the same rows, measured with neither side in this process:
// the NDJSON bodies go out through `curl` (a separate process, keep-alive, `--parallel` for several
// callers) and the COPY through `psql`'s `\copy`, each timed from outside by its process's wall
// time. Nothing of the project's own client or bench sender is on the path; the collector is the
// real `orderpulse serve` on PostgreSQL in its own schema.
//   npx tsx bench/ingest-curl-vs-psql.ts     (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
// BENCH_EVENTS (200000) events per shape; BENCH_SHAPES (default "1x100,1x500,8x100,8x500"):
// callers × events per request. For each shape, in turn: fresh rows \copy'd into a fresh table of
// the events table's shape (with a primary key on (source, id)), then the same rows over HTTP; the
// ratio is that pair's. Before each side the rollup applier catches up and a CHECKPOINT runs.
// BENCH_PROFILE_DIR=dir: the collector's CPU profile. BENCH_ACK_PATH=log-only: the what-if of
// ingest-vs-copy.ts (the acknowledged commit stores only the event log), not the product.
// BENCH_COMPARE=<migration file>: each shape also sends the same number of other fresh events with
// ingest_batch as that migration defined it, the two ways' order turning from shape to shape.
// CPU per row or event is printed for every process on each side (psql and its backend; curl, the
// collector and its backends): on two cores shared by all of them, it bounds the rates.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { TOKENS } from '../collector/test/support/test-app.ts';
import { createEventLogOnly } from './event-log-only.ts';
import { createFunctionFromMigration } from './function-from-migration.ts';
import { childrenCpuMs, cpuSnapshot, cpuUsed, processCpuMs } from './process-cpu.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOTAL = Number(process.env.BENCH_EVENTS ?? 200_000);
const SHAPES = (process.env.BENCH_SHAPES ?? '1x100,1x500,8x100,8x500').split(',').map((shape) => {
  const [callers, perRequest] = shape.split('x').map(Number);
  return { callers: callers!, perRequest: perRequest! };
});
const run = randomBytes(3).toString('hex');
const schema = `bench_${run}`;
const run$ = promisify(execFile);

/** The wire form a point-of-sale system posts: live orders created, paid, picked and packed. */
function wireEvent(shape: string, n: number, at: number) {
  return {
    id: `w${run}-${shape}-${n}`,
    type: 'order.status',
    occurred_at: new Date(at + (n % 4) * 1_000).toISOString(),
    order_id: `o${run}-${shape}-${n >> 2}`,
    store_id: `S${String(n % 327).padStart(3, '0')}`,
    status: ['created', 'paid', 'picking', 'packed'][n % 4]!,
    amount_fen: 1000 + (n % 5000),
  };
}

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The background rollup applier has applied what was staged, and a CHECKPOINT has written it out. */
async function settle(): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 600; i++) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${schema}.report_staged_order_status`,
      );
      if (rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

/** Wall time of a child process, from spawn to exit, with its stdout and the CPU it used itself. */
function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ seconds: number; stdout: string; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const childrenBefore = childrenCpuMs();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      // Counted once the child is reaped, which Node has done by its exit event.
      const cpuSeconds = (childrenCpuMs() - childrenBefore) / 1000;
      if (code === 0) resolve({ seconds, stdout, cpuSeconds });
      else reject(new Error(`${command} exited ${code}: ${stderr.slice(0, 2000)}`));
    });
  });
}

/**
 * CPU seconds a PostgreSQL backend, found by its application_name, used while `running` ran: sampled
 * every 20 ms, as its /proc entry goes when the session ends.
 */
async function backendCpuWhile(appName: string, running: Promise<unknown>): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let done = false;
  void running.finally(() => {
    done = true;
  });
  let pid: number | undefined;
  let lastMs = 0;
  try {
    while (!done) {
      if (pid === undefined) {
        const { rows } = await client.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
          [appName],
        );
        pid = rows[0]?.pid;
      } else {
        lastMs = processCpuMs(pid) ?? lastMs;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await client.end();
  }
  return lastMs / 1000;
}

async function main() {
  await run$('curl', ['--version']).catch(() => {
    throw new Error('this bench needs curl (apt-get install curl)');
  });
  await run$('psql', ['--version']).catch(() => {
    throw new Error('this bench needs psql (apt-get install postgresql-client)');
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'ingest-curl-'));
  const appName = `orderpulse-bench-${run}`;
  const collectorUrl = `${url}${url.includes('?') ? '&' : '?'}application_name=${appName}`;
  const loadAtStart = loadavg()[0]!;
  // BENCH_PROFILE_DIR=dir writes the collector's CPU profile there (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE_DIR;
  const collector = await spawnCollector(
    { DATABASE_URL: collectorUrl, ORDERPULSE_DB_SCHEMA: schema, LOG_LEVEL: 'error' },
    { nodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [] },
  );
  const logOnly = process.env.BENCH_ACK_PATH === 'log-only';
  const compared = process.env.BENCH_COMPARE;
  const ways = logOnly ? ['log-only'] : compared ? ['shipped', compared] : ['shipped'];
  /** Puts the way's ingest_batch in place, replacing the function's body (its oid stays). */
  const install = async (way: string) => {
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      if (way === 'log-only') await createEventLogOnly(client, schema, 'ingest_batch');
      else
        await createFunctionFromMigration(
          client,
          way === 'shipped' ? 'latest' : way,
          'ingest_batch',
          'batch jsonb, received_at timestamptz, statuses text[], order_hashes jsonb',
          'ingest_batch',
        );
    } finally {
      await client.end();
    }
  };
  const results: string[] = [];
  try {
    for (const [s, shape] of SHAPES.entries()) {
      // Fresh rows per shape and way (ids the collector has not seen), dated now: an order's four
      // events stay in one request (requests hold multiples of 4), so no stall alert fires.
      const at = Date.now();
      const order = ways.map((_, w) => ways[(w + s) % ways.length]!);
      const eventsOf = order.map((way) =>
        Array.from({ length: TOTAL }, (_, n) => wireEvent(`${s}${way[0]}`, n, at)),
      );
      const linesOf = eventsOf.map((events) => events.map((e) => JSON.stringify(e)));
      // the first way's rows are the ones \copy'd
      const events = eventsOf[0]!;
      const lines = linesOf[0]!;
      const receivedAt = new Date().toISOString();
      const tsv = path.join(dir, `copy-${s}.tsv`);
      await writeFile(
        tsv,
        events
          .map(
            (e, n) =>
              `pos\t${e.id}\t${e.type}\t${e.occurred_at}\t${receivedAt}\t${e.order_id}\t${e.store_id}\t${lines[n]!.replaceAll('\\', '\\\\')}\n`,
          )
          .join(''),
      );
      // Per way, one body file per request and one curl config naming them all (`next` separates
      // transfers).
      const curlConfigs: string[] = [];
      for (const [w, wayLines] of linesOf.entries()) {
        const config: string[] = [];
        for (let from = 0, r = 0; from < TOTAL; from += shape.perRequest, r++) {
          const body = path.join(dir, `body-${s}-${w}-${r}.ndjson`);
          await writeFile(body, `${wayLines.slice(from, from + shape.perRequest).join('\n')}\n`);
          if (r > 0) config.push('next');
          config.push(
            `url = "${collector.url}/v1/events"`,
            `data-binary = "@${body}"`,
            'header = "content-type: application/x-ndjson"',
            `header = "authorization: Bearer ${TOKENS.ingest}"`,
            'output = "/dev/null"',
            'write-out = "%{http_code}\\n"',
            'silent',
          );
        }
        curlConfigs.push(path.join(dir, `curl-${s}-${w}.conf`));
        await writeFile(curlConfigs[w]!, `${config.join('\n')}\n`);
      }
      const table = `${schema}.copy_events_${s}`;
      await sql(`CREATE TABLE ${table} (LIKE ${schema}.events INCLUDING ALL, PRIMARY KEY (source, id))`);

      await settle();
      const load = loadavg()[0]!;
      const copyApp = `${appName}-copy`;
      const copying = timed(
        'psql',
        [
          url,
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          `\\copy ${table} (source, id, type, occurred_at, received_at, order_id, store_id, payload) FROM '${tsv}'`,
        ],
        { ...process.env, PGAPPNAME: copyApp },
      );
      const copyBackend = await backendCpuWhile(copyApp, copying);
      const copy = await copying;
      const parallel =
        shape.callers > 1
          ? ['--parallel', '--parallel-immediate', '--parallel-max', String(shape.callers)]
          : [];
      for (const [w, way] of order.entries()) {
        await install(way);
        await settle();
        const before = await cpuSnapshot(url, collector.child.pid!, appName);
        const http = await timed('curl', [...parallel, '--config', curlConfigs[w]!]);
        const cpu = cpuUsed(before, await cpuSnapshot(url, collector.child.pid!, appName));
        const codes = http.stdout.trim().split('\n');
        const refused = codes.filter((code) => code !== '202').length;
        const copyRate = TOTAL / copy.seconds;
        const httpRate = TOTAL / http.seconds;
        const us = (seconds: number) => ((seconds / TOTAL) * 1e6).toFixed(1);
        const httpCpu = http.cpuSeconds + cpu.collector + cpu.postgres;
        // The rate all of the HTTP side's CPU per event would allow on two cores it had to itself.
        const cpuBound = (2 * TOTAL) / httpCpu;
        results.push(
          `| ${shape.callers} × ${shape.perRequest}/request${ways.length > 1 ? `, ${way}` : ''} | ${Math.round(copyRate).toLocaleString('en')} rows/s (${copy.seconds.toFixed(2)} s) | ` +
            `${Math.round(httpRate).toLocaleString('en')} events/s (${http.seconds.toFixed(2)} s, ${codes.length} requests${refused > 0 ? `, **${refused} not 202**` : ''}) | ` +
            `${(httpRate / copyRate).toFixed(2)}× | ${us(copy.cpuSeconds)} / ${us(copyBackend)} µs | ` +
            `${us(http.cpuSeconds)} / ${us(cpu.collector)} / ${us(cpu.postgres)} µs | ` +
            `${Math.round(cpuBound).toLocaleString('en')} (${(cpuBound / copyRate).toFixed(2)}×) | ${load.toFixed(1)} |`,
        );
        console.log(results.at(-1));
      }
      await sql(`DROP TABLE ${table}`);
    }
    console.log(
      `\nHTTP ingest (curl) ÷ psql \\copy of the same ${TOTAL.toLocaleString('en')} rows${logOnly ? ' (BENCH_ACK_PATH=log-only: a what-if, not the product)' : ''}, PostgreSQL ${url.replace(/\/\/[^@]*@/, '//')}, ` +
        `load average ${loadAtStart.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(
      '| callers × events per request | psql \\copy | HTTP via curl | ratio | CPU per row: psql / its backend | CPU per event: curl / collector / its backends | events/s that CPU allows on two cores (÷ COPY) | load average at that COPY |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const row of results) console.log(row);
  } finally {
    collector.child.kill('SIGTERM');
    await collector.exited;
    await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
