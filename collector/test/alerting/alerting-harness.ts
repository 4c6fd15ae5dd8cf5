// Builds the real app on a test store with a hand-moved clock and a private copy of alert-rules/,
// and talks to it over HTTP (inject) like a client would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '../../src/app.ts';
import { buildApp } from '../../src/app.ts';
import type { Database } from '../../src/store/database.ts';
import type { Alert } from '../../src/wire/alerts.ts';
import { auth, testConfig } from '../support/test-app.ts';

const REPO_RULES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../alert-rules');

/** A Monday, 10:00 in Shanghai. */
export const T0 = Date.parse('2026-03-02T02:00:00Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const iso = (ms: number) => new Date(ms).toISOString();

/** A copy of the repository's alert-rules/ (without the Prometheus rules), which a test may edit. */
export function copyRules(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-rules-'));
  fs.cpSync(REPO_RULES, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}prometheus`) });
  return dir;
}

export interface Harness {
  app: App;
  clock: { now: number };
  rulesDir: string;
  post(events: unknown[]): Promise<{ accepted: number; duplicates: number }>;
  /** Moves the clock and runs one alerting tick. */
  advance(ms: number): Promise<void>;
  alerts(query?: string, role?: 'viewer' | 'operator'): Promise<WireAlertBody[]>;
  close(): Promise<void>;
}

/** What GET /v1/alerts returns: the wire shape itself, so a test cannot read a field the API lacks. */
export type WireAlertBody = Alert;

export async function startHarness(
  db: Database,
  options: {
    rulesDir?: string;
    now?: number;
    watchRules?: boolean;
    env?: NodeJS.ProcessEnv;
    restoreOrdersInBackground?: boolean;
    /** A logger configuration (e.g. `{ level: 'warn', stream }`) to read what the app logs. */
    logger?: object;
  } = {},
): Promise<Harness> {
  const rulesDir = options.rulesDir ?? copyRules();
  const clock = { now: options.now ?? T0 };
  const app = await buildApp(testConfig({ ...options.env, ORDERPULSE_RULES_DIR: rulesDir }), {
    db,
    logger: options.logger ?? false,
    alerting: {
      now: () => clock.now,
      tickMs: 0,
      watchRules: options.watchRules ?? false,
      restoreOrdersInBackground: options.restoreOrdersInBackground ?? false,
    },
  });
  await app.server.ready();
  return {
    app,
    clock,
    rulesDir,
    async post(events) {
      const res = await app.server.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { ...auth('ingest'), 'content-type': 'application/json' },
        payload: JSON.stringify(events),
      });
      if (res.statusCode !== 202) throw new Error(`POST /v1/events: ${res.statusCode} ${res.body}`);
      await app.alerting.settled();
      const body = res.json();
      if (body.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(body.rejected)}`);
      return body;
    },
    async advance(ms) {
      clock.now += ms;
      await app.alerting.tick();
    },
    async alerts(query = '', role = 'viewer') {
      const res = await app.server.inject({ method: 'GET', url: `/v1/alerts${query}`, headers: auth(role) });
      if (res.statusCode !== 200) throw new Error(`GET /v1/alerts${query}: ${res.statusCode} ${res.body}`);
      return res.json().alerts;
    },
    async close() {
      await app.server.close();
    },
  };
}

let seq = 0;
const id = (prefix: string) => `${prefix}-${++seq}`;

export const ev = {
  order(order: string, status: string, at: number, extra: Record<string, unknown> = {}) {
    return {
      id: id(`o-${order}-${status}`),
      type: 'order.status',
      occurred_at: iso(at),
      order_id: order,
      store_id: 'S1',
      status,
      ...extra,
    };
  },
  payment(order: string, at: number, extra: Record<string, unknown> = {}) {
    return {
      id: id(`p-${order}`),
      type: 'payment.notify',
      occurred_at: iso(at),
      order_id: order,
      store_id: 'S1',
      provider: 'wechatpay',
      transaction_id: id('txn'),
      amount_fen: 1999,
      status: 'success',
      ...extra,
    };
  },
  shipment(
    order: string,
    trackingNo: string,
    state: string,
    at: number,
    extra: Record<string, unknown> = {},
  ) {
    return {
      id: id(`s-${trackingNo}-${state}`),
      type: 'shipment.update',
      occurred_at: iso(at),
      order_id: order,
      store_id: 'S1',
      carrier: 'sf',
      tracking_no: trackingNo,
      state,
      ...extra,
    };
  },
};

/** The open alerts of one rule, by entity id. */
export function byEntity(alerts: readonly WireAlertBody[], rule: string): Map<string, WireAlertBody> {
  return new Map(alerts.filter((a) => a.rule === rule).map((a) => [a.entity_id, a]));
}
