// Cluster mode with PostgreSQL taken away from the processor under load. The shared database
// stays up for everyone else: the processor reaches it through a TCP proxy the test cuts (every
// connection reset, new ones refused) and restores. Meanwhile the ingress keeps acknowledging
// (the broker holds the events) and the processor holds what it took unacknowledged; once the
// proxy is back every acknowledged event is stored exactly once, with no manual step.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { SPAWNED_TEST_TIMEOUT_MS, spawnCollector } from '../support/spawn-collector.ts';
import {
  expectStoredOnce,
  holdBroker,
  logLines,
  PARTITIONS,
  RetryingCallers,
  testCluster,
} from './spawned-cluster.ts';
import { TcpProxy } from './tcp-proxy.ts';

const DATABASE_URL = process.env.TEST_DATABASE_URL;
const AMQP_URL = process.env.TEST_AMQP_URL;

async function storedEvents(url: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(`SELECT count(*)::int AS n FROM ${schema}.events`)).rows[0].n;
  } finally {
    await client.end();
  }
}

if (DATABASE_URL && AMQP_URL) {
  describe('cluster mode: the database lost by a processor under load', () => {
    holdBroker(DATABASE_URL, 'shared');
    const cluster = testCluster(DATABASE_URL, AMQP_URL);
    const target = new URL(DATABASE_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    let callers: RetryingCallers | undefined;

    afterAll(async () => {
      await callers?.stop();
      await cluster.dispose();
      await proxy.cut();
    });

    it(
      'holds the events while the store is gone and stores every acknowledged one once after',
      async () => {
        await proxy.open();
        const proxied = new URL(DATABASE_URL);
        proxied.hostname = '127.0.0.1';
        proxied.port = String(proxy.port);
        const processor = await spawnCollector(cluster.env('processor', proxied.toString()));
        cluster.running.push(processor);
        const ingress = await spawnCollector(cluster.env('ingress'));
        cluster.running.push(ingress);
        await expect
          .poll(() => logLines(processor.output(), 'took on a partition').length, { timeout: 30_000 })
          .toBe(PARTITIONS);

        callers = new RetryingCallers(() => ingress.url, 4);
        const { acknowledged, refusals } = callers;
        await expect.poll(() => acknowledged.length, { timeout: 60_000 }).toBeGreaterThan(200);

        await proxy.cut();
        const cutAt = Date.now();
        await expect
          .poll(() => logLines(processor.output(), 'not committed; retrying').length, { timeout: 60_000 })
          .toBeGreaterThan(0);
        // The ingress goes on acknowledging what the broker holds for the processor, and nothing
        // reaches the store meanwhile.
        const storedAtCut = await storedEvents(DATABASE_URL, cluster.schema);
        const atCut = acknowledged.length;
        await expect.poll(() => acknowledged.length, { timeout: 60_000 }).toBeGreaterThan(atCut + 500);
        expect(await storedEvents(DATABASE_URL, cluster.schema)).toBe(storedAtCut);
        expect(storedAtCut).toBeLessThan(acknowledged.length);

        await proxy.open();
        const restoredAt = Date.now();
        await expect
          .poll(() => logLines(processor.output(), 'committed again').length, { timeout: 60_000 })
          .toBeGreaterThan(0);
        const resumedMs = logLines(processor.output(), 'committed again')[0]!.time - restoredAt;
        await callers.stop();

        expect(refusals).toEqual([]);
        await expectStoredOnce(DATABASE_URL, cluster.schema, 'pos', acknowledged);
        process.stdout.write(
          `cluster database loss: store cut from the processor for ${restoredAt - cutAt} ms; commits resumed ${resumedMs} ms after it came back; ${acknowledged.length} events acknowledged (none refused), each stored once\n`,
        );
      },
      SPAWNED_TEST_TIMEOUT_MS * 2,
    );
  });
}
