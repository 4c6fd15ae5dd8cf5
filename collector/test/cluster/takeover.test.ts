// Cluster mode against the real thing: RabbitMQ, PostgreSQL and three `orderpulse serve` processes
// (two processors, one ingress). The active processor is killed with SIGKILL under load; the other
// must take its partitions over from the store: every acknowledged event stored exactly once, the
// deadlines of orders the dead processor had committed fire once, and no alert is doubled.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { connect } from 'amqplib';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { partitionQueue, processorsQueue } from '../../src/cluster/partitions.ts';
import { orderStatus, paymentNotify } from '../support/events.ts';
import {
  type RunningCollector,
  SPAWNED_TEST_TIMEOUT_MS,
  spawnCollector,
} from '../support/spawn-collector.ts';
import { dropSchema, uniqueSchema } from '../support/test-database.ts';
import { auth } from '../support/test-tokens.ts';
import { holdBroker, shortRules } from './spawned-cluster.ts';

const DATABASE_URL = process.env.TEST_DATABASE_URL;
const AMQP_URL = process.env.TEST_AMQP_URL;
const PARTITIONS = 4;
/** The rules' limits in this test: short, so the deadlines fall due a few seconds after the kill. */
const LIMIT_S = 8;

const postEvents = (url: string, events: unknown[]) =>
  fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth('ingest') },
    body: JSON.stringify(events),
  });

/** Pino lines of a spawned collector with this message. */
const logLines = (output: string, msg: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(msg))
    .map((line) => JSON.parse(line) as { time: number; partition: number; owned: number[] });

if (DATABASE_URL && AMQP_URL) {
  describe('cluster mode: a processor killed under load', () => {
    holdBroker(DATABASE_URL, 'shared');
    const prefix = `optest_${randomBytes(4).toString('hex')}`;
    const schema = uniqueSchema();
    const running: RunningCollector[] = [];
    let rulesDir: string | undefined;

    afterAll(async () => {
      for (const c of running) c.child.kill('SIGKILL');
      await Promise.all(running.map((c) => c.exited));
      const model = await connect(AMQP_URL);
      const channel = await model.createChannel();
      for (let p = 0; p < PARTITIONS; p++) await channel.deleteQueue(partitionQueue(prefix, p));
      await channel.deleteQueue(processorsQueue(prefix));
      await model.close();
      await dropSchema(DATABASE_URL, schema);
      if (rulesDir) await fs.rm(rulesDir, { recursive: true, force: true });
    });

    it(
      'loses no acknowledged event, fires the dead processor’s deadlines once, doubles no alert',
      async () => {
        rulesDir = await shortRules(LIMIT_S);
        const env = (role: string, logLevel = 'warn') => ({
          DATABASE_URL,
          ORDERPULSE_DB_SCHEMA: schema,
          ORDERPULSE_AMQP_URL: AMQP_URL,
          ORDERPULSE_AMQP_PREFIX: prefix,
          ORDERPULSE_PARTITIONS: String(PARTITIONS),
          ORDERPULSE_ROLE: role,
          ORDERPULSE_RULES_DIR: rulesDir!,
          LOG_LEVEL: logLevel,
        });
        // One at a time: the first one creates the schema. The first processor to subscribe is the
        // active consumer of every partition until the second takes its fair share on (two of
        // four); the kill hands the second the rest.
        const first = await spawnCollector(env('processor', 'info'));
        running.push(first);
        const [second, ingress] = await Promise.all([
          spawnCollector(env('processor', 'info')),
          spawnCollector(env('ingress')),
        ]);
        running.push(second, ingress);
        await expect
          .poll(() => logLines(first.output(), 'took on a partition').length, { timeout: 30_000 })
          .toBe(PARTITIONS);

        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        await client.query(`SET search_path TO ${schema}`);
        try {
          // Orders the first processor commits and then dies holding: paid and never moved on
          // (order_stalled), and paid for but never marked paid (payment_unapplied).
          const now = new Date().toISOString();
          const stalled = Array.from({ length: 12 }, (_, i) => `stall-${i}`);
          const unapplied = Array.from({ length: 6 }, (_, i) => `unapplied-${i}`);
          const res = await postEvents(ingress.url, [
            ...stalled.map((order) => orderStatus({ order, status: 'paid', at: now })),
            ...unapplied.flatMap((order, i) => [
              orderStatus({ order, status: 'created', at: now }),
              paymentNotify({ order, at: now, txn: `tx-${i}`, amount_fen: 100 }),
            ]),
          ]);
          expect(res.status).toBe(202);
          expect(await res.json()).toMatchObject({ accepted: 24, rejected: [] });
          await expect
            .poll(
              async () =>
                (
                  await client.query('SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1)', [
                    [...stalled, ...unapplied],
                  ])
                ).rows[0].n,
              { timeout: 30_000 },
            )
            .toBe(18);

          // Load from eight callers; the first processor dies in the middle of it.
          const acknowledged: string[] = [];
          let sending = true;
          let seq = 0;
          const worker = async (w: number) => {
            while (sending) {
              const batch = Array.from({ length: 20 }, () => {
                const n = seq++;
                return orderStatus({ order: `load-${w}-${n}`, status: 'created', at: now, id: `load-${n}` });
              });
              const reply = await postEvents(ingress.url, batch).catch(() => undefined);
              if (reply?.status === 202) acknowledged.push(...batch.map((e) => e.id));
              else await reply?.arrayBuffer();
            }
          };
          const workers = Array.from({ length: 8 }, (_, w) => worker(w));
          await expect.poll(() => acknowledged.length, { timeout: 30_000 }).toBeGreaterThan(400);
          const killedAt = Date.now();
          first.child.kill('SIGKILL');
          await first.exited;
          await expect
            .poll(() => logLines(second.output(), 'took on a partition').length, { timeout: 30_000 })
            .toBe(PARTITIONS);
          const takenOver = logLines(second.output(), 'took on a partition');
          const takeoverMs = Math.max(...takenOver.map((l) => l.time)) - killedAt;
          await expect.poll(() => acknowledged.length, { timeout: 30_000 }).toBeGreaterThan(seq / 2 + 400);
          sending = false;
          await Promise.all(workers);

          expect(takenOver.at(-1)!.owned).toEqual([...Array(PARTITIONS).keys()]);

          // Every acknowledged event is stored, once.
          await expect
            .poll(
              async () =>
                (
                  await client.query(
                    "SELECT count(*)::int AS n FROM events WHERE source = 'pos' AND id = ANY($1)",
                    [acknowledged],
                  )
                ).rows[0].n,
              { timeout: 60_000 },
            )
            .toBe(acknowledged.length);
          const doubled = await client.query(
            "SELECT id FROM events WHERE source = 'pos' GROUP BY id HAVING count(*) > 1",
          );
          expect(doubled.rows).toEqual([]);

          // The dead processor's deadlines fire on the second one, once each.
          const alertsOf = async () =>
            (
              await client.query<{ rule: string; entity_id: string; status: string; firing_at: number }>(
                'SELECT rule, entity_id, status, (extract(epoch FROM firing_at) * 1000)::float8 AS firing_at FROM alerts WHERE entity_id = ANY($1) ORDER BY rule, entity_id',
                [[...stalled, ...unapplied]],
              )
            ).rows;
          await expect.poll(async () => (await alertsOf()).length, { timeout: 60_000 }).toBe(18);
          // A few more ticks: nothing fires a second time.
          await new Promise((r) => setTimeout(r, 2_000));
          const alerts = await alertsOf();
          expect(alerts.filter((a) => a.rule === 'order_stalled').map((a) => a.entity_id)).toEqual(
            [...stalled].sort(),
          );
          expect(alerts.filter((a) => a.rule === 'payment_unapplied').map((a) => a.entity_id)).toEqual(
            [...unapplied].sort(),
          );
          expect(alerts.every((a) => a.status === 'firing')).toBe(true);
          // Usually they fall due after the kill; on a slow machine the first processor may have
          // fired some before it died, and then they must have been adopted, not fired again.
          const afterKill = alerts.filter((a) => a.firing_at > killedAt).length;
          process.stdout.write(
            `cluster takeover: all ${PARTITIONS} partitions owned by the second processor ${takeoverMs} ms after kill -9; ${acknowledged.length} events acknowledged; ${afterKill} of 18 deadlines fired after the kill\n`,
          );
          const everyAlert = await client.query(
            'SELECT rule, entity_type, entity_id FROM alerts GROUP BY 1, 2, 3 HAVING count(*) > 1',
          );
          expect(everyAlert.rows).toEqual([]);
        } finally {
          await client.end();
        }
      },
      SPAWNED_TEST_TIMEOUT_MS * 2,
    );
  });
}
