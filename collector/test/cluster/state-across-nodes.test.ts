// Operator changes made through any node take effect on the processor answering for the alerts:
// a real cluster (RabbitMQ, PostgreSQL, `orderpulse serve` as processor A and ingress B) and a real
// HTTP receiver. A silence created through B keeps A from paging its store; an acknowledgement
// made through B stops A's repeats, and A takes it into its own copy of the alert.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect } from 'amqplib';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { partitionQueue, processorsQueue } from '../../src/cluster/partitions.ts';
import { orderStatus } from '../support/events.ts';
import {
  type RunningCollector,
  SPAWNED_TEST_TIMEOUT_MS,
  spawnCollector,
} from '../support/spawn-collector.ts';
import { dropSchema, uniqueSchema } from '../support/test-database.ts';
import { auth } from '../support/test-tokens.ts';
import { holdBroker } from './spawned-cluster.ts';

const DATABASE_URL = process.env.TEST_DATABASE_URL;
const AMQP_URL = process.env.TEST_AMQP_URL;
const PARTITIONS = 4;
const LIMIT_S = 4;

const ROUTES = `route:
  receiver: pager
  group_by: [rule, store_id]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
  ack_timeout: 1h
  routes:
    - matchers: ['route="payments"']
      receiver: pager
    - matchers: ['route="finance"']
      receiver: pager
receivers:
  - name: pager
    primary:
      - kind: webhook
        url_env: ORDERPULSE_TEST_PAGER_URL
`;

/** The shipped rules with a short stall limit, no calendar, no custom rules, and one webhook receiver. */
async function clusterRules(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orderpulse-cluster-state-'));
  await fs.cp(path.resolve('alert-rules'), dir, { recursive: true });
  await fs.rm(path.join(dir, 'calendar.yaml'));
  await fs.rm(path.join(dir, 'custom'), { recursive: true });
  const file = path.join(dir, 'rules.yaml');
  const rules = (await fs.readFile(file, 'utf8'))
    .replace('      paid: 2m', `      paid: ${LIMIT_S}s`)
    .replace('  callback_silent:\n', '  callback_silent:\n    enabled: false\n');
  expect(rules).toContain(`paid: ${LIMIT_S}s`);
  await fs.writeFile(file, rules);
  await fs.writeFile(path.join(dir, 'routes.yaml'), ROUTES);
  return dir;
}

const lines = (output: string, msg: string) =>
  output.split('\n').filter((line) => line.startsWith('{') && line.includes(msg));

const post = (url: string, route: string, body: unknown, role: 'ingest' | 'operator') =>
  fetch(`${url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth(role) },
    body: JSON.stringify(body),
  });

if (DATABASE_URL && AMQP_URL) {
  describe('cluster mode: operator changes through another node', () => {
    holdBroker(DATABASE_URL, 'shared');
    const prefix = `optest_${randomBytes(4).toString('hex')}`;
    const schema = uniqueSchema();
    const running: RunningCollector[] = [];
    let rulesDir: string | undefined;
    const pages: { store: string; status: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        const payload = JSON.parse(body) as { status: string; commonLabels: Record<string, string> };
        pages.push({ store: payload.commonLabels.store_id ?? '', status: payload.status });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    const pagesOf = (store: string) => pages.filter((p) => p.store === store && p.status === 'firing').length;

    afterAll(async () => {
      for (const c of running) c.child.kill('SIGKILL');
      await Promise.all(running.map((c) => c.exited));
      await new Promise((resolve) => server.close(resolve));
      const model = await connect(AMQP_URL);
      const channel = await model.createChannel();
      for (let p = 0; p < PARTITIONS; p++) await channel.deleteQueue(partitionQueue(prefix, p));
      await channel.deleteQueue(processorsQueue(prefix));
      await model.close();
      await dropSchema(DATABASE_URL, schema);
      if (rulesDir) await fs.rm(rulesDir, { recursive: true, force: true });
    });

    it(
      'a silence and an acknowledgement made through B take effect on A',
      async () => {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const pagerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
        rulesDir = await clusterRules();
        const env = (role: string) => ({
          DATABASE_URL,
          ORDERPULSE_DB_SCHEMA: schema,
          ORDERPULSE_AMQP_URL: AMQP_URL,
          ORDERPULSE_AMQP_PREFIX: prefix,
          ORDERPULSE_PARTITIONS: String(PARTITIONS),
          ORDERPULSE_ROLE: role,
          ORDERPULSE_RULES_DIR: rulesDir!,
          ORDERPULSE_TEST_PAGER_URL: pagerUrl,
          LOG_LEVEL: 'info',
        });
        const a = await spawnCollector(env('processor'));
        running.push(a);
        await expect
          .poll(() => lines(a.output(), 'took on a partition').length, { timeout: 60_000 })
          .toBe(PARTITIONS);
        const b = await spawnCollector(env('ingress'));
        running.push(b);
        const reread = 'cluster: silences read again from the store';
        // A reads everything once its listener is up.
        await expect.poll(() => lines(a.output(), reread).length, { timeout: 30_000 }).toBeGreaterThan(0);
        const before = lines(a.output(), reread).length;

        const silence = await post(
          b.url,
          '/v1/silences',
          {
            matchers: { store_id: 'S2' },
            ends_at: new Date(Date.now() + 3_600_000).toISOString(),
            comment: 'stock-take',
          },
          'operator',
        );
        expect(silence.status).toBe(201);
        await expect.poll(() => lines(a.output(), reread).length, { timeout: 30_000 }).toBe(before + 1);

        // Three stores' orders stall together; S2 is silenced.
        const now = new Date().toISOString();
        const res = await post(
          b.url,
          '/v1/events',
          ['S1', 'S2', 'S3'].map((store) =>
            orderStatus({ order: `order-${store}`, status: 'paid', at: now, store }),
          ),
          'ingest',
        );
        expect(res.status).toBe(202);
        await expect.poll(() => pagesOf('S1'), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
        expect(pagesOf('S3')).toBeGreaterThanOrEqual(1);
        // S2's group was planned in the same passes, and left out.
        expect(pagesOf('S2')).toBe(0);

        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        await client.query(`SET search_path TO ${schema}`);
        try {
          const { rows } = await client.query<{ id: string }>(
            "SELECT id FROM alerts WHERE entity_id = 'order-S1' AND status = 'firing'",
          );
          const id = rows[0]!.id;
          const ack = await post(b.url, `/v1/alerts/${id}/ack`, { note: 'on it' }, 'operator');
          expect(ack.status).toBe(200);
          await expect
            .poll(() => lines(a.output(), 'operator changes made elsewhere taken on').join('\n'), {
              timeout: 30_000,
            })
            .toContain(id);

          // S3 keeps repeating every 2 s; S1 no longer. Two repeats of S3 let any pass that read
          // the store before the acknowledgement finish.
          const s3 = pagesOf('S3');
          await expect.poll(() => pagesOf('S3'), { timeout: 60_000 }).toBeGreaterThanOrEqual(s3 + 2);
          const s1 = pagesOf('S1');
          const s3Later = pagesOf('S3');
          await expect.poll(() => pagesOf('S3'), { timeout: 60_000 }).toBeGreaterThanOrEqual(s3Later + 2);
          expect(pagesOf('S1')).toBe(s1);
          expect(pagesOf('S2')).toBe(0);

          const stored = await client.query<{ status: string; acknowledged_by: string | null }>(
            'SELECT status, acknowledged_by FROM alerts WHERE id = $1',
            [id],
          );
          expect(stored.rows[0]).toMatchObject({
            status: 'acknowledged',
            acknowledged_by: expect.any(String),
          });
        } finally {
          await client.end();
        }
      },
      SPAWNED_TEST_TIMEOUT_MS * 2,
    );
  });
}
