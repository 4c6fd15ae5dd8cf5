// Cluster mode against the real thing: one processor holds every partition under a steady stream
// through an ingress, then a second processor joins. The first hands back its surplus (cancelling
// those consumers once what it took is committed) and the second takes it on from the store: both
// end up owning some partitions, every acknowledged event is stored once, and the deadlines of the
// orders on the moved partitions fire once.
import fs from 'node:fs/promises';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/cluster/partitions.ts';
import { orderStatus } from '../support/events.ts';
import {
  type RunningCollector,
  SPAWNED_TEST_TIMEOUT_MS,
  spawnCollector,
} from '../support/spawn-collector.ts';
import { auth } from '../support/test-tokens.ts';
import {
  expectStoredOnce,
  holdBroker,
  logLines,
  PARTITIONS,
  RetryingCallers,
  shortRules,
  testCluster,
} from './spawned-cluster.ts';

const DATABASE_URL = process.env.TEST_DATABASE_URL;
const AMQP_URL = process.env.TEST_AMQP_URL;
/**
 * order_stalled's limit here: long enough that most deadlines fall due after the handover (which
 * takes well under a second once the second processor listens), short because the test waits it out.
 */
const LIMIT_S = 10;

/** The partitions a processor reports owning in /readyz's broker check. */
async function ownedBy(node: RunningCollector): Promise<number[]> {
  const res = await fetch(`${node.url}/readyz`, { headers: auth('viewer') });
  const body = (await res.json()) as { checks?: { broker?: { detail?: { partitions?: number[] } } } };
  return body.checks?.broker?.detail?.partitions ?? [];
}

if (DATABASE_URL && AMQP_URL) {
  describe('cluster mode: a processor joining a running one', () => {
    holdBroker(DATABASE_URL, 'shared');
    const cluster = testCluster(DATABASE_URL, AMQP_URL);
    let rulesDir: string | undefined;

    afterAll(async () => {
      await cluster.dispose();
      if (rulesDir) await fs.rm(rulesDir, { recursive: true, force: true });
    });

    it(
      'takes partitions over without stopping the first; nothing lost, doubled or fired twice',
      async () => {
        rulesDir = await shortRules(LIMIT_S);
        const env = (role: 'processor' | 'ingress') => ({
          ...cluster.env(role),
          ORDERPULSE_RULES_DIR: rulesDir!,
        });
        const first = await spawnCollector(env('processor'));
        cluster.running.push(first);
        const ingress = await spawnCollector(env('ingress'));
        cluster.running.push(ingress);
        await expect.poll(() => ownedBy(first), { timeout: 30_000 }).toEqual([...Array(PARTITIONS).keys()]);

        const callers = new RetryingCallers(() => ingress.url, 4);
        await expect.poll(() => callers.acknowledged.length, { timeout: 60_000 }).toBeGreaterThan(200);

        const second = await spawnCollector(env('processor'));
        cluster.running.push(second);
        const joinedAt = Date.now();
        // Orders paid and never moved on, on every partition: order_stalled falls due LIMIT_S later,
        // after the handover: the second processor fires those on the partitions it takes on.
        const now = new Date().toISOString();
        const stalled = Array.from({ length: 16 }, (_, i) => `join-stall-${i}`);
        expect(new Set(stalled.map((o) => partitionOf(o, PARTITIONS))).size).toBe(PARTITIONS);
        const res = await fetch(`${ingress.url}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth('ingest') },
          body: JSON.stringify(stalled.map((order) => orderStatus({ order, status: 'paid', at: now }))),
        });
        expect(res.status).toBe(202);

        let owned: [number[], number[]] = [[], []];
        await expect
          .poll(
            async () => {
              owned = [await ownedBy(first), await ownedBy(second)];
              return owned.map((o) => o.length).sort();
            },
            { timeout: 60_000, interval: 250 },
          )
          .toEqual([PARTITIONS / 2, PARTITIONS / 2]);
        const balancedMs = Date.now() - joinedAt;
        expect([...owned[0], ...owned[1]].sort()).toEqual([...Array(PARTITIONS).keys()]);
        const handedBack = logLines(first.output(), 'handed a partition back');
        expect(handedBack.map((l) => l.partition).sort()).toEqual([...owned[1]].sort());

        // The stream goes on through the handover and after it.
        const atBalance = callers.acknowledged.length;
        await expect
          .poll(() => callers.acknowledged.length, { timeout: 60_000 })
          .toBeGreaterThan(atBalance + 200);
        await callers.stop();
        await expectStoredOnce(DATABASE_URL, cluster.schema, 'pos', callers.acknowledged);

        // Every stalled order's deadline fires once, those on the moved partitions included.
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        try {
          await client.query(`SET search_path TO ${cluster.schema}`);
          const alertsOf = async () =>
            (
              await client.query<{ entity_id: string; status: string; firing_at: number }>(
                "SELECT entity_id, status, (extract(epoch FROM firing_at) * 1000)::float8 AS firing_at FROM alerts WHERE rule = 'order_stalled' AND entity_id = ANY($1) ORDER BY entity_id",
                [stalled],
              )
            ).rows;
          await expect.poll(async () => (await alertsOf()).length, { timeout: 90_000 }).toBe(stalled.length);
          // A few more ticks of both engines: nothing fires a second time.
          await new Promise((r) => setTimeout(r, 2_000));
          const alerts = await alertsOf();
          expect(alerts.map((a) => a.entity_id)).toEqual([...stalled].sort());
          expect(alerts.every((a) => a.status === 'firing')).toBe(true);
          const doubled = await client.query(
            'SELECT rule, entity_type, entity_id FROM alerts GROUP BY 1, 2, 3 HAVING count(*) > 1',
          );
          expect(doubled.rows).toEqual([]);
          const moved = stalled.filter((o) => owned[1].includes(partitionOf(o, PARTITIONS)));
          const balancedAt = joinedAt + balancedMs;
          const movedAfter = alerts.filter((a) => moved.includes(a.entity_id) && a.firing_at > balancedAt);
          process.stdout.write(
            `cluster join: partitions balanced ${owned[0].length}/${owned[1].length} ${balancedMs} ms after the second processor listened; ${callers.acknowledged.length} events acknowledged, ${callers.refusals.length} refusals resent; ${movedAfter.length} of ${moved.length} deadlines on moved partitions fired after the balance\n`,
          );
        } finally {
          await client.end();
        }
      },
      SPAWNED_TEST_TIMEOUT_MS * 2,
    );
  });
}
