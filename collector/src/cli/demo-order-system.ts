// The demo's merchant order system: a loopback one that takes OrderPulse's payment webhooks,
// checks their signatures, and reports each order `paid` back to the demo's collector, so a
// payment recovered by asking the provider moves its order on by itself, as it would in a shop.
import { randomBytes } from 'node:crypto';
import { LoopbackOrderSystem } from '../simulator/order-system/loopback-order-system.ts';

export interface DemoOrderSystem {
  /** The collector's settings that point it here. */
  env: { ORDERPULSE_ORDER_SYSTEM_URL: string; ORDERPULSE_ORDER_SYSTEM_SECRET: string };
  /** Where it reports applied payments, once the collector runs. */
  connect(collector: { baseUrl: string; token: string }): void;
  /** For the demo's banner. */
  line: string;
  close(): Promise<void>;
}

/** Starts it on an ephemeral loopback port with a secret of this run's own. */
export async function startDemoOrderSystem(): Promise<DemoOrderSystem> {
  const secret = randomBytes(24).toString('base64url');
  const orderSystem = new LoopbackOrderSystem({ secret });
  const url = await orderSystem.listen();
  return {
    env: { ORDERPULSE_ORDER_SYSTEM_URL: url, ORDERPULSE_ORDER_SYSTEM_SECRET: secret },
    connect(collector) {
      orderSystem.collector = collector;
    },
    line: `  order system:  ${url} (loopback; applies payments confirmed by provider queries)`,
    close: () => orderSystem.close(),
  };
}
