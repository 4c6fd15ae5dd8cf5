// What the cluster recovery tests share: the environment of a spawned `orderpulse serve` in a
// cluster of their own (queue prefix, schema), its log lines, callers that post events and retry
// what was not acknowledged as a provider would, and the store's view of what was kept.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect } from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { partitionQueue, processorsQueue } from '../../src/cluster/partitions.ts';
import { orderStatus } from '../support/events.ts';
import { type RunningCollector, SPAWNED_TEST_TIMEOUT_MS } from '../support/spawn-collector.ts';
import { dropSchema, uniqueSchema } from '../support/test-database.ts';
import { auth } from '../support/test-tokens.ts';

export const PARTITIONS = 4;

/** The advisory lock key the broker is held under (any constant no other test uses). */
const BROKER_LOCK = 0x0b_0e_4a_11;

/**
 * Holds the one RabbitMQ of the machine for the enclosing describe: `shared` while a test uses it,
 * `exclusive` while one restarts it, which no other cluster test may live through. Files run on
 * two workers, so the hold is an advisory lock on the test database every cluster test uses; a
 * waiting exclusive hold goes before later shared ones.
 */
export function holdBroker(databaseUrl: string, mode: 'shared' | 'exclusive'): void {
  let session: pg.Client | undefined;
  // Registered first, so released last: after the describe's own clean-up.
  afterAll(async () => {
    await session?.end();
  });
  beforeAll(async () => {
    session = new pg.Client({ connectionString: databaseUrl });
    await session.connect();
    const lock = mode === 'shared' ? 'pg_advisory_lock_shared' : 'pg_advisory_lock';
    await session.query(`SELECT ${lock}($1)`, [BROKER_LOCK]);
    // Waiting for another cluster test to finish: as long as that test may take.
  }, SPAWNED_TEST_TIMEOUT_MS * 2);
}

export interface TestCluster {
  prefix: string;
  schema: string;
  running: RunningCollector[];
  env(role: 'processor' | 'ingress', databaseUrl?: string, logLevel?: string): NodeJS.ProcessEnv;
  /** Kills what is still running, deletes the queues and drops the schema. */
  dispose(): Promise<void>;
}

export function testCluster(databaseUrl: string, amqpUrl: string): TestCluster {
  const prefix = `optest_${randomBytes(4).toString('hex')}`;
  const schema = uniqueSchema();
  const running: RunningCollector[] = [];
  return {
    prefix,
    schema,
    running,
    env: (role, url = databaseUrl, logLevel = 'info') => ({
      DATABASE_URL: url,
      ORDERPULSE_DB_SCHEMA: schema,
      ORDERPULSE_AMQP_URL: amqpUrl,
      ORDERPULSE_AMQP_PREFIX: prefix,
      ORDERPULSE_PARTITIONS: String(PARTITIONS),
      ORDERPULSE_ROLE: role,
      LOG_LEVEL: logLevel,
    }),
    async dispose() {
      for (const c of running) c.child.kill('SIGKILL');
      await Promise.all(running.map((c) => c.exited));
      const model = await connect(amqpUrl);
      const channel = await model.createChannel();
      for (let p = 0; p < PARTITIONS; p++) await channel.deleteQueue(partitionQueue(prefix, p));
      await channel.deleteQueue(processorsQueue(prefix));
      await model.close();
      await dropSchema(databaseUrl, schema);
    },
  };
}

/**
 * The shipped rules with short limits (order_stalled and payment_unapplied after `limitS`), no
 * calendar (promotions), no custom rules and no callback_silent; the caller removes the folder.
 */
export async function shortRules(limitS: number): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orderpulse-cluster-rules-'));
  await fs.cp(path.resolve('alert-rules'), dir, { recursive: true });
  await fs.rm(path.join(dir, 'calendar.yaml'));
  await fs.rm(path.join(dir, 'custom'), { recursive: true });
  const file = path.join(dir, 'rules.yaml');
  const rules = (await fs.readFile(file, 'utf8'))
    .replace('    limit: 2m\n    for: 0s', `    limit: ${limitS}s\n    for: 0s`)
    .replace('      paid: 2m', `      paid: ${limitS}s`)
    .replace('  callback_silent:\n', '  callback_silent:\n    enabled: false\n');
  expect(rules).toContain(`paid: ${limitS}s`);
  expect(rules).toContain(`limit: ${limitS}s\n    for: 0s`);
  await fs.writeFile(file, rules);
  return dir;
}

/** Pino lines of a spawned collector with this message. */
export const logLines = (output: string, msg: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(msg))
    .map((line) => JSON.parse(line) as { time: number; ms?: number; partition?: number; owned?: number[] });

/** A request's outcome as the caller saw it. */
export type Reply = { status: number; retryAfter: string | null } | 'no answer';

/**
 * Callers that keep sending batches of new events; a batch not answered 202 is sent again, same
 * ids, until it is (as order systems and payment providers do). `acknowledged` holds the ids of
 * every batch answered 202.
 */
export class RetryingCallers {
  readonly acknowledged: string[] = [];
  readonly refusals: Reply[] = [];
  private sending = true;
  private seq = 0;
  private readonly workers: Promise<void>[];

  constructor(
    url: () => string,
    callers: number,
    private readonly tag = randomBytes(3).toString('hex'),
  ) {
    this.workers = Array.from({ length: callers }, (_, w) => this.worker(url, w));
  }

  async stop(): Promise<void> {
    this.sending = false;
    await Promise.all(this.workers);
  }

  private async worker(url: () => string, w: number): Promise<void> {
    const at = new Date().toISOString();
    while (this.sending) {
      const batch = Array.from({ length: 10 }, () => {
        const n = this.seq++;
        return orderStatus({
          order: `o-${this.tag}-${w}-${n}`,
          status: 'created',
          at,
          id: `${this.tag}-${n}`,
        });
      });
      // Once sent, a batch is sent until acknowledged, even after `stop` (its events may be stored).
      for (;;) {
        const reply = await postEvents(url(), batch);
        if (reply !== 'no answer' && reply.status === 202) {
          this.acknowledged.push(...batch.map((e) => e.id));
          break;
        }
        this.refusals.push(reply);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}

async function postEvents(url: string, events: unknown[]): Promise<Reply> {
  try {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      body: JSON.stringify(events),
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  } catch {
    return 'no answer';
  }
}

/** Every acknowledged id stored, and no event of the schema stored twice. */
export async function expectStoredOnce(
  databaseUrl: string,
  schema: string,
  source: string,
  ids: readonly string[],
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${schema}`);
    await expect
      .poll(
        async () =>
          (
            await client.query(
              'SELECT count(DISTINCT id)::int AS n FROM events WHERE source = $1 AND id = ANY($2)',
              [source, ids],
            )
          ).rows[0].n,
        { timeout: 120_000, interval: 500 },
      )
      .toBe(new Set(ids).size);
    const doubled = await client.query('SELECT source, id FROM events GROUP BY 1, 2 HAVING count(*) > 1');
    expect(doubled.rows).toEqual([]);
  } finally {
    await client.end();
  }
}
