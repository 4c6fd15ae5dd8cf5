// End to end: the real collector on the embedded store, the simulator's back-dated hour sent through
// the public endpoints (NDJSON events, signed WeChat Pay and Alipay callbacks, Kuaidi100 pushes, the
// WeChat bill), and the alerts API showing several rules across many stores — what `npm run demo` shows.
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type { IncidentKind } from '../../src/simulator/actions.ts';
import { ProviderSandbox } from '../../src/simulator/provider-apis/provider-sandbox.ts';
import { Scenario } from '../../src/simulator/scenario.ts';
import { defaultScenarioConfig } from '../../src/simulator/scenario-config.ts';
import { Progress } from '../../src/simulator/sender/progress.ts';
import { collectorEnvFor, ensureProviderKeys } from '../../src/simulator/sender/provider-keys.ts';
import { type RunSummary, runSimulation } from '../../src/simulator/sender/run-simulation.ts';
import { chinaDay } from '../../src/simulator/traffic-curve.ts';
import type { IncidentList } from '../../src/wire/incidents.ts';
import type { OrderDetail } from '../../src/wire/orders.ts';
import { auth, buildTestApp, TOKENS } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

interface WireAlert {
  rule: string;
  store_id: string | null;
  entity_id: string;
}

let store: TestDatabase;
let app: App;
let base: string;
let summary: RunSummary;
let sandbox: ProviderSandbox;
const progress = new Progress();
const startMs = Date.now();
// Live traffic runs beside the history from the start; orders paid after the start wait for the bill.
// The file lasts at least this long: long enough for live orders of every kind, no longer.
const LIVE_MS = 15_000;
/** Incidents (any one of each group) that must be due at the start, so their rules must fire. */
const INCIDENTS_DUE_AT_START: IncidentKind[][] = [
  ['silent_carrier'],
  ['repeated_returns'],
  ['picking_stall', 'paid_stall'],
  ['payment_unapplied'],
];
/**
 * Whether an order is paid within the live window depends on the seed and the start time: with the
 * default seed about one start in seven had none (in a 30 s window), and the held-for-the-bill path
 * went untested (and the test failed). The first seed from the default whose window has one is
 * taken: in the 15 s window, at most the fourth one over 60 start times spread across days. The seed must also have every incident of
 * INCIDENTS_DUE_AT_START due at the start, so the test can require each one's alert.
 */
function scenarioWithHeldPayment(): Scenario {
  for (let seed = 20261111; seed < 20261111 + 20; seed++) {
    const candidate = new Scenario(
      defaultScenarioConfig({
        startMs,
        stores: 40,
        durationMs: 0,
        asIfHour: 20,
        runId: `e2e${startMs.toString(36)}`,
        seed,
      }),
    );
    const { incidents } = candidate.history();
    if (INCIDENTS_DUE_AT_START.some((kinds) => kinds.every((kind) => incidents[kind].dueAtStart === 0)))
      continue;
    for (const action of candidate.live()) {
      if (action.at >= startMs + LIVE_MS) break;
      if (action.holdForBill) return candidate;
    }
  }
  throw new Error('no seed of twenty has an order paid within the live window and every incident due');
}
const scenario = scenarioWithHeldPayment();

beforeAll(async () => {
  const keysDir = mkdtempSync(join(tmpdir(), 'op-sim-e2e-'));
  const keys = await ensureProviderKeys(keysDir);
  store = await openTestDatabase('pglite');
  sandbox = await ProviderSandbox.start(keysDir, keys);
  app = await buildTestApp(store.db, { ...collectorEnvFor(keysDir, keys), ...sandbox.env });
  sandbox.follow(scenario);
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
  summary = await runSimulation({
    scenario,
    target: { url: base, ingestToken: TOKENS.ingest, operatorToken: TOKENS.operator },
    keys,
    progress,
    liveUntilMs: startMs + LIVE_MS,
    onHistorySent: () => sandbox.release(),
  });
}, 90_000);

afterAll(async () => {
  await app?.server.close();
  await sandbox?.close();
  await store?.dispose();
});

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: auth('viewer') });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function openAlerts(): Promise<WireAlert[]> {
  return (await get<{ alerts: WireAlert[] }>('/v1/alerts?limit=1000')).alerts;
}

describe('the simulated hour against the real collector', () => {
  it('is accepted whole: every event, callback, push and the bill, with no errors', () => {
    const h = summary.history;
    const live = [...scenario.live()].filter((a) => a.at < startMs + LIVE_MS);
    const count = (kind: string) => live.filter((a) => a.kind === kind).length;
    expect(progress.errorSamples).toEqual([]);
    expect(progress.counts.rejected).toBe(0);
    expect(progress.counts.duplicates).toBe(0);
    expect(progress.counts.events).toBe(h.events.length + h.carryOverEvents.length + count('event'));
    expect(progress.counts.payments).toBe(h.payments.length + h.urgentPayments.length + count('payment'));
    expect(progress.counts.pushes).toBe(
      h.pushes.length + h.carrierFirst.length + h.urgentPushes.length + count('carrier'),
    );
    expect(live.some((a) => a.holdForBill)).toBe(true);
    expect(progress.counts.payments).toBeGreaterThan(100);
  });

  it('reconciles the WeChat bill: the missing orders are exactly its unmatched payments', () => {
    const day = chinaDay(startMs - 1);
    const sent = new Set(summary.history.events.map((e) => e.order_id));
    const missing = summary.history.billLines.filter(
      (l) => chinaDay(l.paidAt) === day && !sent.has(l.orderId),
    );
    expect(summary.bill?.status).toBe(200);
    expect(summary.bill?.body).toMatchObject({ unmatched_payments: missing.length, unmatched_orders: 0 });
  });

  it('raises alerts from at least three rules across at least five stores', async () => {
    let alerts: WireAlert[] = [];
    // The alerting service evaluates on a 50 ms tick: wait until every rule that must fire has fired.
    const due = ['tracking_silent', 'shipment_anomaly', 'order_stalled', 'payment_unapplied'];
    const expected = ['callback_silent', 'reconciliation_mismatch', ...due];
    await expect
      .poll(async () => {
        alerts = await openAlerts();
        return expected.filter((rule) => !alerts.some((a) => a.rule === rule));
      })
      .toEqual([]);
    const rules = new Set(alerts.map((a) => a.rule));
    const stores = new Set(alerts.map((a) => a.store_id).filter((s) => s !== null));
    expect(rules.size).toBeGreaterThanOrEqual(3);
    expect(stores.size).toBeGreaterThanOrEqual(5);
    // The incidents that are due at the start each show up as their rule.
    const incidents = summary.history.incidents;
    expect(rules).toContain('callback_silent');
    expect(alerts.find((a) => a.rule === 'callback_silent')?.entity_id).toBe('wechatpay');
    // The seed was chosen so each of these is due at the start (scenarioWithHeldPayment).
    expect(incidents.silent_carrier.dueAtStart).toBeGreaterThan(0);
    expect(rules).toContain('tracking_silent');
    expect(incidents.repeated_returns.dueAtStart).toBeGreaterThan(0);
    expect(rules).toContain('shipment_anomaly');
    expect(incidents.picking_stall.dueAtStart + incidents.paid_stall.dueAtStart).toBeGreaterThan(0);
    expect(rules).toContain('order_stalled');
    expect(incidents.payment_unapplied.dueAtStart).toBeGreaterThan(0);
    expect(rules).toContain('payment_unapplied');
    const mismatched = new Set(
      alerts.filter((a) => a.rule === 'reconciliation_mismatch').map((a) => a.store_id),
    );
    expect(mismatched.size).toBeGreaterThan(0);
    for (const storeId of mismatched) expect(scenario.leakyStores).toContain(storeId);
  });

  it('keeps no dead letters: every signed callback was verified', async () => {
    const { dead_letters } = await get<{ dead_letters: { endpoint: string; reason: string }[] }>(
      '/v1/dead-letters?limit=100',
    );
    expect(dead_letters).toEqual([]);
  });

  it("confirms the outage's paid orders by asking the WeChat Pay sandbox, and counts the recovery", async () => {
    const lost = Array.from({ length: scenario.historyChunks }, (_, k) => scenario.ordersOfChunk(k))
      .flat()
      .filter((o) => o.incident === 'lost_callback' && o.createdAt < startMs)
      .sort((a, b) => a.createdAt - b.createdAt);
    expect(lost.length).toBeGreaterThan(20);
    // The oldest lost callbacks are asked about first.
    const oldest = lost[0]!;
    await expect
      .poll(
        async () => (await get<OrderDetail>(`/v1/orders/${oldest.orderId}`)).payments.map((p) => p.source),
        { timeout: 60_000 },
      )
      .toEqual(['wechatpay-query']);
    const payment = (await get<OrderDetail>(`/v1/orders/${oldest.orderId}`)).payments[0]!;
    expect(payment).toMatchObject({
      transaction_id: oldest.payment!.transactionId,
      amount_fen: oldest.payment!.amountFen,
    });
    const { incidents } = await get<IncidentList>('/v1/incidents');
    const outage = incidents.find((i) => i.provider === 'wechatpay')!;
    expect(outage.open).toBe(true);
    expect(outage.confirmed_by_query).toBeGreaterThan(0);
    // Nobody confirms a payment the customers did not make, nor one of the other provider.
    expect(outage.confirmed_by_query).toBeLessThanOrEqual(lost.length);
    expect(outage.queries.paid).toBeGreaterThanOrEqual(outage.confirmed_by_query);
    expect(outage.remaining).toBe(outage.confirmed_by_query - outage.applied);
  });
});
