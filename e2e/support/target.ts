// The server the browser talks to: the real collector (support/collector-target.ts), or the small
// contract-speaking fake (support/fake-collector.ts) for the pages whose data needs fixtures the
// collector only builds from imported bills. `stop()`/`start()` cut the connection and bring it back.
import { fileURLToPath } from 'node:url';
import { createFakeState, FAKE_TOKENS, type FakeCollector, startFakeCollector } from './fake-collector.ts';

export interface Target {
  url: string;
  tokens: { viewer: string; operator: string; ingest: string };
  ingest(events: object[]): Promise<{ accepted: number }>;
  /** Stops the server (the dashboard sees its socket drop). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

export async function startFakeTarget(): Promise<Target> {
  const state = createFakeState();
  let server: FakeCollector | null = await startFakeCollector({ dashboardDir: DASHBOARD_DIR, state });
  const port = server.port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    tokens: { ...FAKE_TOKENS },
    async ingest(events) {
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${FAKE_TOKENS.ingest}`, 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { accepted: number };
    },
    async stop() {
      await server?.close();
      server = null;
    },
    async start() {
      server = await startFakeCollector({ dashboardDir: DASHBOARD_DIR, state, port });
    },
    async close() {
      await server?.close();
      server = null;
    },
  };
}

/**
 * The server a suite runs against: `ORDERPULSE_E2E_TARGET=collector|fake` overrides the suite's
 * own default.
 */
export async function startTarget(
  suiteDefault: 'collector' | 'fake',
  collectorOptions: { rulesDir?: string } = {},
): Promise<Target> {
  const kind = process.env.ORDERPULSE_E2E_TARGET ?? suiteDefault;
  if (kind === 'fake') return startFakeTarget();
  const { startCollectorTarget } = await import('./collector-target.ts');
  return startCollectorTarget(collectorOptions);
}
