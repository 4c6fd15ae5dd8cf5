// The demo's month of history against the real collector: sales through /v1/events and one WeChat
// bill a day through /v1/bills/wechatpay give 30 reconciled days, the store-trends API flags exactly
// the repeat-offender stores and their one till, and sending the month again changes nothing.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { DEMO_HISTORY_DAYS, demoHistoryConfig } from '../../src/cli/demo-history.ts';
import { daysBefore, planBackfillDay } from '../../src/simulator/history-backfill.ts';
import { type BackfillSummary, sendBackfill } from '../../src/simulator/sender/send-backfill.ts';
import { wechatpayBillCsv } from '../../src/simulator/wechatpay-bill.ts';
import type { StoresReport } from '../../src/wire/store-trends.ts';
import { auth, buildTestApp, TOKENS } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const SEED = 20261111;
const STORES = 24;
const config = demoHistoryConfig(SEED, STORES);
const days = daysBefore(Date.now(), DEMO_HISTORY_DAYS);
const plans = days.map((day) => planBackfillDay(config, day));

describe('the planned month', () => {
  it('is the same plan, and the same bill bytes, from the same seed', () => {
    const again = demoHistoryConfig(SEED, STORES);
    expect(again.offenders).toEqual(config.offenders);
    for (const [i, day] of days.entries()) {
      const replanned = planBackfillDay(again, day);
      expect(replanned).toEqual(plans[i]);
      expect(wechatpayBillCsv(replanned.billLines)).toBe(wechatpayBillCsv(plans[i]!.billLines));
    }
  });

  it('loses sales only at the offenders’ tills, and on several days each', () => {
    const sent = new Set(plans.flatMap((p) => p.statusEvents.map((e) => e.order_id)));
    const lost = plans.flatMap((p) => p.billLines.filter((l) => !sent.has(l.orderId)));
    expect(new Set(lost.map((l) => l.tillId))).toEqual(new Set(config.offenders.map((o) => o.tillId)));
    expect(config.offenders.length).toBeGreaterThanOrEqual(2);
  });
});

describe.each(STORE_KINDS)('sending the month to the collector on %s', (kind) => {
  let store: TestDatabase;
  let app: App;
  let base: string;
  let first: BackfillSummary;

  const target = () => ({ url: base, ingestToken: TOKENS.ingest, operatorToken: TOKENS.operator });
  const report = async (): Promise<StoresReport> => {
    const res = await fetch(`${base}/v1/reconciliation/stores?from=${days[0]}&to=${days.at(-1)}`, {
      headers: auth('viewer'),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as StoresReport;
  };

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db);
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
    first = await sendBackfill({ target: target(), config, days });
  }, 120_000);

  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  it('reconciles all 30 days, each with the bill’s payments and its lost sales', async () => {
    expect(first).toMatchObject({ days: 30, skippedDays: 0 });
    expect(first.events).toBe(plans.reduce((n, p) => n + p.statusEvents.length, 0));
    const { stores, chain } = await report();
    expect(chain.map((c) => c.day)).toEqual(days);
    for (const plan of plans) {
      const ofDay = stores.flatMap((s) => s.days.filter((d) => d.day === plan.day));
      expect(ofDay.reduce((n, d) => n + d.payments, 0)).toBe(plan.billLines.length);
      expect(ofDay.reduce((n, d) => n + d.missing, 0)).toBe(plan.missing);
      expect(ofDay.reduce((n, d) => n + d.unmatched_orders, 0)).toBe(0);
    }
  });

  it('flags exactly the repeat-offender stores, each with its one till', async () => {
    const { stores } = await report();
    const flagged = stores.filter((s) => s.flagged);
    expect(flagged.map((s) => s.store_id).sort()).toEqual(config.offenders.map((o) => o.storeId));
    for (const offender of config.offenders) {
      const trend = stores.find((s) => s.store_id === offender.storeId)!;
      expect(trend.days_flagged).toBeGreaterThanOrEqual(2);
      expect(trend.devices.filter((d) => d.flagged).map((d) => d.device_id)).toEqual([offender.tillId]);
    }
  });

  it('raises no order or payment alert for the past sales', async () => {
    const res = await fetch(`${base}/v1/alerts?limit=1000`, { headers: auth('viewer') });
    const { alerts } = (await res.json()) as { alerts: { rule: string; store_id: string | null }[] };
    const rules = new Set(alerts.map((a) => a.rule));
    for (const rule of ['order_stalled', 'payment_unapplied', 'callback_silent'])
      expect(rules).not.toContain(rule);
  });

  it('sends nothing the second time, and the report stays the same', async () => {
    const before = await report();
    const second = await sendBackfill({ target: target(), config, days });
    expect(second).toMatchObject({ days: 30, skippedDays: 30, events: 0, billLines: 0 });
    expect(await report()).toEqual(before);
  });
});
