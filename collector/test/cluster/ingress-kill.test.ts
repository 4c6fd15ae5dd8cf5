// Cluster mode behind HAProxy, as deployed: two ingress nodes checked on /readyz, one processor.
// A burst of signed WeChat Pay and Alipay notifications goes through HAProxy and one ingress is
// killed with SIGKILL in the middle of it. The callers resend whatever was not answered 2xx, the
// same notification each time, as the providers do; every notification acknowledged is stored
// exactly once.
import { afterAll, describe, expect, it } from 'vitest';
import {
  alipayParams,
  providerEnv,
  signedAlipayForm,
  signedWechatNotification,
  wechatResource,
} from '../hostile/signed-callbacks.ts';
import { SPAWNED_TEST_TIMEOUT_MS, spawnCollector } from '../support/spawn-collector.ts';
import { TestHaproxy } from './haproxy.ts';
import { expectStoredOnce, holdBroker, logLines, PARTITIONS, testCluster } from './spawned-cluster.ts';

const DATABASE_URL = process.env.TEST_DATABASE_URL;
const AMQP_URL = process.env.TEST_AMQP_URL;
const NOTIFICATIONS = 600;
const CALLERS = 8;

interface Notification {
  source: 'wechatpay' | 'alipay';
  id: string;
  path: string;
  headers: Record<string, string>;
  /** The bytes the provider signed (UTF-8). */
  body: string;
}

function notifications(): Notification[] {
  return Array.from({ length: NOTIFICATIONS }, (_, i): Notification => {
    const order = `HA${i}`;
    if (i % 2 === 0) {
      const { body, headers } = signedWechatNotification(JSON.stringify(wechatResource(order)));
      return {
        source: 'wechatpay',
        id: (JSON.parse(body.toString('utf8')) as { id: string }).id,
        path: '/v1/notify/wechatpay',
        headers,
        body: body.toString('utf8'),
      };
    }
    const id = `N-HA-${i}`;
    return {
      source: 'alipay',
      id,
      path: '/v1/notify/alipay',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: signedAlipayForm(alipayParams(order, id)),
    };
  });
}

if (DATABASE_URL && AMQP_URL) {
  describe('cluster mode: an ingress killed behind HAProxy during a callback burst', () => {
    holdBroker(DATABASE_URL, 'shared');
    const cluster = testCluster(DATABASE_URL, AMQP_URL);
    let haproxy: TestHaproxy | undefined;

    afterAll(async () => {
      try {
        await haproxy?.stop();
      } finally {
        await cluster.dispose();
      }
    });

    it(
      'loses no acknowledged notification and stores each once',
      async () => {
        const env = (role: 'processor' | 'ingress') => ({
          ...cluster.env(role),
          ...providerEnv(),
          ORDERPULSE_RATE_LIMIT_CALLBACKS: '1000000/1s',
        });
        const processor = await spawnCollector(env('processor'));
        cluster.running.push(processor);
        const [a, b] = await Promise.all([spawnCollector(env('ingress')), spawnCollector(env('ingress'))]);
        cluster.running.push(a!, b!);
        await expect
          .poll(() => logLines(processor.output(), 'took on a partition').length, { timeout: 30_000 })
          .toBe(PARTITIONS);
        haproxy = await TestHaproxy.start({ a: a!.url, b: b!.url });
        const proxy = haproxy;
        await expect.poll(() => proxy.serverStatus(), { timeout: 60_000 }).toEqual({ a: 'UP', b: 'UP' });

        const pending = notifications();
        const acknowledged: Notification[] = [];
        const refused = new Map<string, number>();
        const caller = async () => {
          for (let n = pending.shift(); n !== undefined; n = pending.shift()) {
            for (;;) {
              const status = await fetch(`${proxy.url}${n.path}`, {
                method: 'POST',
                headers: n.headers,
                body: n.body,
                signal: AbortSignal.timeout(30_000),
              })
                .then(async (res) => {
                  await res.arrayBuffer();
                  return String(res.status);
                })
                .catch(() => 'no answer');
              if (status.startsWith('2')) {
                acknowledged.push(n);
                break;
              }
              refused.set(status, (refused.get(status) ?? 0) + 1);
              await new Promise((resolve) => setTimeout(resolve, 200));
            }
          }
        };
        const callers = Array.from({ length: CALLERS }, caller);
        await expect.poll(() => acknowledged.length, { timeout: 60_000 }).toBeGreaterThan(NOTIFICATIONS / 4);
        const killedAt = Date.now();
        a!.child.kill('SIGKILL');
        await a!.exited;
        await expect.poll(() => proxy.serverStatus(), { timeout: 30_000 }).toEqual({ a: 'DOWN', b: 'UP' });
        const downAfterMs = Date.now() - killedAt;
        const ackedAtKill = acknowledged.length;
        await Promise.all(callers);

        expect(acknowledged.length).toBe(NOTIFICATIONS);
        expect(acknowledged.length).toBeGreaterThan(ackedAtKill);
        for (const source of ['wechatpay', 'alipay'] as const) {
          const ids = acknowledged.filter((n) => n.source === source).map((n) => n.id);
          await expectStoredOnce(DATABASE_URL, cluster.schema, source, ids);
        }
        process.stdout.write(
          `cluster ingress kill behind HAProxy: ${NOTIFICATIONS} notifications, ${ackedAtKill} acknowledged before kill -9 of one ingress; HAProxy marked it down ${downAfterMs} ms after; refused tries by status ${JSON.stringify(Object.fromEntries(refused))}; all acknowledged, each stored once\n`,
        );
      },
      SPAWNED_TEST_TIMEOUT_MS * 2,
    );
  });
}
