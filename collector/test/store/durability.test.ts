// What was acknowledged is never lost: kill -9, SIGTERM drain, restart idempotency, store outage.
import fs from 'node:fs/promises';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/open-database.ts';
import { drainReportingRollups } from '../../src/store/reporting-rollups.ts';
import { orderStatus } from '../support/events.ts';
import { templateDataDir } from '../support/pglite-template.ts';
import {
  type RunningCollector,
  SPAWNED_TEST_TIMEOUT_MS,
  spawnCollector,
} from '../support/spawn-collector.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { dropSchema, STORE_KINDS, uniqueSchema } from '../support/test-database.ts';

const postEvents = (url: string, events: unknown[]) =>
  fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth('ingest') },
    body: JSON.stringify(events),
  });

/** Sends batches from several concurrent callers until stopped; returns the ids that got a 202. */
function loadGenerator(url: string, prefix: string) {
  const acknowledged: string[] = [];
  const statuses = new Map<number, number>();
  let running = true;
  let seq = 0;
  const worker = async (w: number) => {
    while (running) {
      const batch = Array.from({ length: 25 }, () => {
        const n = seq++;
        return orderStatus({
          order: `${prefix}-${w}-${n}`,
          status: 'created',
          at: '2026-11-11T10:00:00Z',
          id: `${prefix}-${n}`,
        });
      });
      try {
        const res = await postEvents(url, batch);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 202) acknowledged.push(...batch.map((e) => e.id));
        else await res.arrayBuffer();
      } catch {
        // The connection died with the process: not acknowledged, nothing to check.
        if (!running) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, w) => worker(w));
  return {
    acknowledged,
    statuses,
    stop: async () => {
      running = false;
      await Promise.allSettled(workers);
    },
  };
}

async function until(condition: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function storedIds(
  env: { dataDir?: string; url?: string; schema: string },
  ids: string[],
): Promise<Set<string>> {
  const db = await openDatabase({
    databaseUrl: env.url,
    schema: env.schema,
    ...(env.dataDir && { dataDir: env.dataDir }),
  });
  try {
    const { rows } = await db.query<{ id: string }>(
      "SELECT id FROM event_keys WHERE source = 'pos' AND id = ANY($1)",
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  } finally {
    await db.close();
  }
}

describe.each(STORE_KINDS)('durability on %s', (kind) => {
  const cleanups: (() => Promise<void>)[] = [];
  // One store and two starts of the binary serve both tests: the collector restarted after the
  // kill is the one drained with SIGTERM (each start of the real binary costs seconds).
  let store: Awaited<ReturnType<typeof storeEnv>>;
  let restarted: RunningCollector | undefined;
  afterAll(async () => {
    if (restarted && restarted.child.exitCode === null) {
      restarted.child.kill('SIGKILL');
      await restarted.exited;
    }
    for (const c of cleanups.reverse()) await c();
  });

  async function storeEnv() {
    if (kind === 'pglite') {
      const dataDir = await templateDataDir('orderpulse-durability-');
      cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
      return { env: { ORDERPULSE_DATA_DIR: dataDir }, check: { dataDir, schema: 'orderpulse' } };
    }
    const url = process.env.TEST_DATABASE_URL!;
    const schema = uniqueSchema();
    cleanups.push(() => dropSchema(url, schema));
    return { env: { DATABASE_URL: url, ORDERPULSE_DB_SCHEMA: schema }, check: { url, schema } };
  }

  it(
    'loses nothing acknowledged when the process is killed with SIGKILL, and stays idempotent after restart',
    async () => {
      store = await storeEnv();
      const first = await spawnCollector(store.env);
      const load = loadGenerator(first.url, 'k9');
      await until(() => load.acknowledged.length >= 600, 'acknowledged events');
      first.child.kill('SIGKILL');
      await first.exited;
      await load.stop();
      expect(load.acknowledged.length).toBeGreaterThanOrEqual(600);

      // Every acknowledged event sent again to the restarted collector is a duplicate: it was stored
      // (one that was not would be accepted as new), and a resend changes nothing.
      restarted = await spawnCollector(store.env);
      const resend = load.acknowledged.map((id) =>
        orderStatus({ order: 'k9-resend', status: 'created', at: '2026-11-11T10:00:00Z', id }),
      );
      const totals = { accepted: 0, duplicates: 0, rejected: 0 };
      for (let i = 0; i < resend.length; i += 5_000) {
        const res = await postEvents(restarted.url, resend.slice(i, i + 5_000));
        expect(res.status).toBe(202);
        const body = (await res.json()) as { accepted: number; duplicates: number; rejected: unknown[] };
        totals.accepted += body.accepted;
        totals.duplicates += body.duplicates;
        totals.rejected += body.rejected.length;
      }
      expect(totals).toEqual({ accepted: 0, duplicates: load.acknowledged.length, rejected: 0 });
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );

  it(
    'drains in-flight requests on SIGTERM: every 202 is stored, then it exits 0',
    async () => {
      store ??= await storeEnv();
      const running = restarted ?? (await spawnCollector(store.env));
      const load = loadGenerator(running.url, 'term');
      await until(() => load.acknowledged.length >= 200, 'acknowledged events');
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
      await load.stop();
      // Only 202, or 503 while closing; never a 5xx for something accepted.
      for (const status of load.statuses.keys()) expect([202, 503]).toContain(status);
      const stored = await storedIds(store.check, load.acknowledged);
      expect(load.acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );

  it(
    'keeps the order-status rollups exact across the kill and the restart: applied, they equal a rebuild',
    async () => {
      store ??= await storeEnv();
      const { check } = store;
      const db = await openDatabase({
        databaseUrl: check.url,
        schema: check.schema,
        ...(check.dataDir && { dataDir: check.dataDir }),
      });
      try {
        // What the killed collector staged and had not applied is applied now, each row once.
        await drainReportingRollups(db);
        const rollups = async () =>
          (
            await db.query(
              `SELECT day, store_id, status, orders FROM order_status_day_rollup ORDER BY day, store_id, status`,
            )
          ).rows;
        const applied = await rollups();
        const { rows } = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM events WHERE type = 'order.status'",
        );
        const counted = await db.query<{ n: number }>(
          'SELECT sum(orders)::int AS n FROM order_status_day_rollup',
        );
        expect(rows[0]!.n).toBeGreaterThan(0);
        expect(counted.rows).toEqual(rows);
        await db.query('SELECT rebuild_reporting_rollups()');
        expect(await rollups()).toEqual(applied);
      } finally {
        await db.close();
      }
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );
});

describe.runIf(process.env.TEST_DATABASE_URL)('when PostgreSQL becomes unreachable', () => {
  it('answers 503 with Retry-After, acknowledges nothing, and recovers when it is back', async () => {
    const target = new URL(process.env.TEST_DATABASE_URL!);
    const sockets = new Set<net.Socket>();
    let cut = false;
    const proxy = net.createServer((client) => {
      if (cut) return client.destroy();
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as net.AddressInfo).port;
    const url = `postgres://${target.username || 'postgres'}@127.0.0.1:${port}${target.pathname}`;
    const schema = uniqueSchema();
    const db = await openDatabase({ databaseUrl: url, schema });
    const app = await buildTestApp(db);
    const send = (events: unknown[]) =>
      app.server.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', ...auth('ingest') },
        payload: JSON.stringify(events),
      });
    try {
      expect(
        (await send([orderStatus({ order: 'U1', status: 'created', at: '2026-11-11T10:00:00Z' })]))
          .statusCode,
      ).toBe(202);

      cut = true;
      for (const s of sockets) s.destroy();
      const during = [
        orderStatus({ order: 'U2', status: 'created', at: '2026-11-11T10:00:00Z', id: 'during-outage' }),
      ];
      const refused = await send(during);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.json()).toMatchObject({ error: 'store_unavailable' });
      const ready = await app.server.inject('/readyz');
      expect(ready.statusCode).toBe(503);

      cut = false;
      const retried = await send(during);
      expect(retried.statusCode).toBe(202);
      // The 503 stored nothing, so the retry is new, not a duplicate.
      expect(retried.json()).toMatchObject({ accepted: 1, duplicates: 0 });
      expect((await app.server.inject('/readyz')).statusCode).toBe(200);
    } finally {
      await app.server.close();
      await db.close();
      proxy.close();
      for (const s of sockets) s.destroy();
      await dropSchema(process.env.TEST_DATABASE_URL!, schema);
    }
  }, 60_000);
});
