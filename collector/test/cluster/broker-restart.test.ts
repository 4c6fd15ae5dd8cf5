// Cluster mode with RabbitMQ restarted under load (`rabbitmqctl stop_app` / `start_app`: the
// broker application restarts, every connection is dropped). The ingress must answer 503 with
// Retry-After while it cannot have events confirmed, and both nodes must come back by themselves:
// every event acknowledged with 202 stored exactly once.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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

const DATABASE_URL = process.env.TEST_DATABASE_URL;
const AMQP_URL = process.env.TEST_AMQP_URL;
const run = promisify(execFile);

/** The broker application, stopped and started again; started in any case once asked to stop. */
const rabbit = {
  stopped: false,
  async stop() {
    this.stopped = true;
    await run('rabbitmqctl', ['stop_app'], { timeout: 120_000 });
  },
  async start() {
    await run('rabbitmqctl', ['start_app'], { timeout: 120_000 });
    await run('rabbitmqctl', ['await_startup'], { timeout: 120_000 });
    this.stopped = false;
  },
};

if (DATABASE_URL && AMQP_URL) {
  describe('cluster mode: the broker restarted under load', () => {
    holdBroker(DATABASE_URL, 'exclusive');
    const cluster = testCluster(DATABASE_URL, AMQP_URL);
    let callers: RetryingCallers | undefined;

    afterAll(async () => {
      try {
        if (rabbit.stopped) await rabbit.start();
      } finally {
        await callers?.stop();
        await cluster.dispose();
      }
    });

    it(
      'answers 503 with Retry-After meanwhile, reconnects by itself and stores every acknowledged event once',
      async () => {
        const processor = await spawnCollector(cluster.env('processor'));
        cluster.running.push(processor);
        const ingress = await spawnCollector(cluster.env('ingress'));
        cluster.running.push(ingress);
        await expect
          .poll(() => logLines(processor.output(), 'took on a partition').length, { timeout: 30_000 })
          .toBe(PARTITIONS);

        callers = new RetryingCallers(() => ingress.url, 4);
        const { acknowledged, refusals } = callers;
        await expect.poll(() => acknowledged.length, { timeout: 60_000 }).toBeGreaterThan(200);

        const stoppedAt = Date.now();
        try {
          await rabbit.stop();
          // Refused now, as the store being down is refused, and out of the balancer's rotation.
          await expect
            .poll(() => refusals.filter((r) => r !== 'no answer' && r.status === 503).length, {
              timeout: 30_000,
            })
            .toBeGreaterThan(0);
          const ready = await fetch(`${ingress.url}/readyz`);
          await ready.arrayBuffer();
          expect(ready.status).toBe(503);
        } finally {
          await rabbit.start();
        }
        const startedAt = Date.now();
        const before = acknowledged.length;
        await expect.poll(() => acknowledged.length, { timeout: 60_000 }).toBeGreaterThan(before);
        const acceptingAfterMs = Date.now() - startedAt;
        // The processor took its partitions on again, from the store.
        await expect
          .poll(() => logLines(processor.output(), 'took on a partition').length, { timeout: 60_000 })
          .toBe(2 * PARTITIONS);
        await expect.poll(() => acknowledged.length, { timeout: 60_000 }).toBeGreaterThan(before + 200);
        await callers.stop();

        expect(refusals.every((r) => r === 'no answer' || (r.status === 503 && r.retryAfter !== null))).toBe(
          true,
        );
        await expectStoredOnce(DATABASE_URL, cluster.schema, 'pos', acknowledged);
        const unanswered = refusals.filter((r) => r === 'no answer').length;
        const reconnected = logLines(processor.output(), 'reconnected to the broker')[0];
        process.stdout.write(
          `cluster broker restart: broker app down ${startedAt - stoppedAt} ms; ingress acknowledging again ${acceptingAfterMs} ms after start_app returned; processor reconnected ${reconnected?.ms} ms after losing the connection; ${refusals.length - unanswered} tries refused 503 with Retry-After, ${unanswered} unanswered; ${acknowledged.length} events acknowledged, each stored once\n`,
        );
      },
      SPAWNED_TEST_TIMEOUT_MS * 2,
    );
  });
}
