// The scenario is pure and seeded: the same seed sends the same traffic, the incidents hit the
// orders and stores they should, the curve has its shape, and the bill is one our own parser reads.
import { describe, expect, it } from 'vitest';
import { regionContains, regionOf } from '../../src/domain/regions/match.ts';
import type { BillRow, BillSummary } from '../../src/ingest/bills/bill-row.ts';
import { parseWechatpayTradeBill } from '../../src/ingest/bills/wechatpay-trade-bill.ts';
import { RFC3339_WITH_OFFSET } from '../../src/ingest/events/wire-schema.ts';
import type { WireEvent } from '../../src/simulator/actions.ts';
import { CHUNK_MS, layersNewestFirst, Scenario } from '../../src/simulator/scenario.ts';
import { defaultScenarioConfig } from '../../src/simulator/scenario-config.ts';
import { chinaDay, curveShiftFor, diurnalFactor } from '../../src/simulator/traffic-curve.ts';
import { wechatpayBillCsv } from '../../src/simulator/wechatpay-bill.ts';

const MINUTE = 60_000;
// 20:00 in China: the evening rush, so every incident has volume to show.
const START = Date.parse('2026-11-25T12:00:00Z');
const scenario = new Scenario(
  defaultScenarioConfig({ startMs: START, durationMs: 30 * MINUTE, runId: 't1' }),
);
const history = scenario.history();

const eventsOf = (events: readonly WireEvent[], orderId: string) =>
  events.filter((e) => e.order_id === orderId);

describe('determinism', () => {
  it('the same seed gives the same history and live traffic; another seed does not', () => {
    const again = new Scenario(
      defaultScenarioConfig({ startMs: START, durationMs: 30 * MINUTE, runId: 't1' }),
    );
    const other = new Scenario(
      defaultScenarioConfig({ startMs: START, durationMs: 30 * MINUTE, runId: 't1', seed: 7 }),
    );
    const firstLive = (s: Scenario) => [...take(s.live(), 2000)];
    expect(JSON.stringify(again.history())).toBe(JSON.stringify(history));
    expect(JSON.stringify(firstLive(again))).toBe(JSON.stringify(firstLive(scenario)));
    expect(JSON.stringify(other.history().events.slice(0, 200))).not.toBe(
      JSON.stringify(history.events.slice(0, 200)),
    );
  });

  it('live actions come in time order and start at the start', () => {
    let last = START;
    for (const action of take(scenario.live(), 20_000)) {
      expect(action.at).toBeGreaterThanOrEqual(last);
      last = action.at;
    }
    expect(last).toBeGreaterThan(START + 5 * MINUTE);
  });
});

async function* chunks(text: string): AsyncGenerator<string> {
  // In pieces, as a download arrives, so lines split across chunks are exercised too.
  for (let i = 0; i < text.length; i += 4096) yield text.slice(i, i + 4096);
}

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  let i = 0;
  for (const item of items) {
    if (i++ >= n) return;
    yield item;
  }
}

describe('the chain and its traffic', () => {
  it('has 327 stores and about 400 orders per store per day at the mean of the curve', () => {
    expect(scenario.chain.stores).toHaveLength(327);
    const flat = new Scenario({ ...scenario.config, curveShiftMs: curveShiftFor(START, 15) });
    // 15:00 sits near the curve's mean; six chunks = one hour.
    const orders = Array.from({ length: 6 }, (_, k) => flat.ordersOfChunk(k).length).reduce((a, b) => a + b);
    const perStorePerDay = (orders / 327) * 24;
    expect(perStorePerDay).toBeGreaterThan(300);
    expect(perStorePerDay).toBeLessThan(500);
  });

  it('follows a diurnal curve: mean 1 over the day, a quiet night and an evening peak', () => {
    const day = Date.parse('2026-11-24T16:00:00Z'); // 00:00 China time
    const samples = Array.from({ length: 24 * 60 }, (_, m) => diurnalFactor(day + m * MINUTE));
    expect(samples.reduce((a, b) => a + b) / samples.length).toBeCloseTo(1, 2);
    expect(diurnalFactor(day + 20.5 * 60 * MINUTE)).toBeGreaterThan(
      10 * diurnalFactor(day + 4.5 * 60 * MINUTE),
    );
  });

  it('multiplies the order rate by 20 during the promotion spike', () => {
    const spiky = new Scenario(
      defaultScenarioConfig({
        startMs: START,
        historyMs: 0,
        durationMs: 40 * MINUTE,
        promotionAfterMs: 20 * MINUTE,
      }),
    );
    const before = spiky.ordersOfChunk(1).length;
    const during = spiky.ordersOfChunk(2).length;
    expect(CHUNK_MS).toBe(10 * MINUTE);
    expect(during / before).toBeGreaterThan(15);
    expect(during / before).toBeLessThan(26);
  });

  it('writes times with the China offset and locations inside the destination region', () => {
    for (const event of history.events.slice(0, 500)) expect(event.occurred_at).toMatch(RFC3339_WITH_OFFSET);
    const delivered = history.carrierFirst.flatMap((p) =>
      p.checkpoints.filter((c) => c.code === '3').map((c) => ({ p, c })),
    );
    expect(delivered.length).toBeGreaterThan(20);
    for (const { p, c } of delivered) {
      const shipped = [...history.carryOverEvents, ...history.events].find(
        (e) => e.order_id === p.orderId && e.type === 'order.status' && e.status === 'shipped',
      );
      const destination = (shipped as { region?: string }).region!;
      expect(regionContains(destination, regionOf(c.city)!)).toBe(true);
    }
  });
});

describe('history order', () => {
  it("sends each order's newest status in an earlier layer than its older ones", () => {
    const layers = layersNewestFirst(history.events);
    expect(layers.flat()).toHaveLength(history.events.length);
    const layerOf = new Map<string, number>();
    layers.forEach((layer, k) => {
      for (const e of layer) layerOf.set(e.id, k);
    });
    for (const e of history.events.slice(0, 2000)) {
      const later = eventsOf(history.events, e.order_id).filter(
        (o) => Date.parse(o.occurred_at) > Date.parse(e.occurred_at),
      );
      for (const o of later) expect(layerOf.get(o.id)!).toBeLessThan(layerOf.get(e.id)!);
    }
  });
});

describe('incidents', () => {
  const byKind = history.incidents;

  it('the WeChat Pay outage drops every callback paid in its 47 minutes and leaves those orders unpaid', () => {
    const outage = scenario.config.incidents.callbackOutage!;
    expect(outage.toMs - outage.fromMs).toBe(47 * MINUTE);
    const inOutage = history.payments.filter(
      (p) => p.provider === 'wechatpay' && p.paidAt >= outage.fromMs && p.paidAt < outage.toMs,
    );
    expect(inOutage).toHaveLength(0);
    expect(history.payments.some((p) => p.provider === 'alipay' && p.paidAt >= outage.fromMs)).toBe(true);
    expect(history.payments.some((p) => p.provider === 'wechatpay' && p.paidAt < outage.fromMs)).toBe(true);
    expect(byKind.lost_callback.total).toBeGreaterThan(100);
    // A lost order's only event is `created`; the bill still has its payment.
    const lost = history.billLines.filter((l) => l.paidAt >= outage.fromMs && l.paidAt < outage.toMs);
    expect(lost.length).toBeGreaterThan(0);
    for (const line of lost.slice(0, 50)) {
      const statuses = eventsOf(history.events, line.orderId).map((e) => (e as { status?: string }).status);
      expect(statuses.every((s) => s === 'created')).toBe(true);
    }
  });

  it('3 % of the WeChat bill are payments with no order, on two tills of a few stores', () => {
    const sent = new Set(history.events.map((e) => e.order_id));
    const missing = history.billLines.filter((l) => !sent.has(l.orderId));
    expect(missing).toHaveLength(byKind.missing_order.total);
    const share = missing.length / history.billLines.length;
    expect(share).toBeGreaterThan(0.02);
    expect(share).toBeLessThan(0.04);
    const stores = new Set(missing.map((l) => l.storeId));
    expect(stores.size).toBeLessThanOrEqual(Math.round(327 * 0.12));
    expect([...stores].every((s) => scenario.leakyStores.includes(s))).toBe(true);
    const tills = new Set(missing.map((l) => l.tillId));
    expect(tills.size).toBeLessThanOrEqual(stores.size * 2);
    expect(history.payments.some((p) => missing.some((m) => m.orderId === p.orderId))).toBe(false);
  });

  it('the silent carrier has shipments whose last update is older than 48 h, across many stores', () => {
    expect(byKind.silent_carrier.dueAtStart).toBeGreaterThan(20);
    expect(byKind.silent_carrier.stores.length).toBeGreaterThan(20);
    const silentCarrier = scenario.config.incidents.silentCarrier!;
    for (const push of [...history.carrierFirst, ...history.urgentPushes].filter(
      (p) => p.carrier === silentCarrier.carrier,
    )) {
      expect(push.checkpoints.every((c) => c.at < silentCarrier.fromMs)).toBe(true);
    }
  });

  it('parcels returned twice carry two 退回 checkpoints before the start', () => {
    expect(byKind.repeated_returns.dueAtStart).toBeGreaterThan(5);
    const twice = history.urgentPushes.filter(
      (p) => p.checkpoints.filter((c) => c.code === '6').length === 2,
    );
    expect(twice).toHaveLength(byKind.repeated_returns.dueAtStart);
  });

  it('one store stops picking: its orders stay in picking past 30 minutes', () => {
    expect(byKind.picking_stall.stores).toEqual(scenario.stalledStores);
    expect(byKind.picking_stall.dueAtStart).toBeGreaterThan(0);
    const stalled = new Set(scenario.stalledStores);
    const picked = history.events.filter(
      (e) => stalled.has(e.store_id) && (e as { status?: string }).status === 'picking',
    );
    for (const event of picked) {
      const later = eventsOf(history.events, event.order_id).map((e) => (e as { status?: string }).status);
      if (Date.parse(event.occurred_at) >= scenario.config.incidents.pickingStall!.fromMs)
        expect(later).not.toContain('packed');
    }
  });

  it('paid orders that never move, and payments never applied', () => {
    expect(byKind.paid_stall.dueAtStart).toBeGreaterThan(0);
    expect(byKind.payment_unapplied.dueAtStart).toBeGreaterThan(0);
    // First the last WeChat Pay callback before the outage (so the silence shows at once), then the
    // payments the order system never applied.
    const [lastBeforeOutage, ...unapplied] = history.urgentPayments;
    const outage = scenario.config.incidents.callbackOutage!;
    expect(lastBeforeOutage).toMatchObject({ provider: 'wechatpay' });
    expect(lastBeforeOutage!.paidAt).toBeLessThan(outage.fromMs);
    expect(
      history.payments.some(
        (p) => p.provider === 'wechatpay' && p.paidAt > lastBeforeOutage!.paidAt && p.paidAt < outage.fromMs,
      ),
    ).toBe(false);
    expect(unapplied).toHaveLength(byKind.payment_unapplied.total);
    for (const payment of unapplied) {
      const statuses = eventsOf(history.events, payment.orderId).map(
        (e) => (e as { status?: string }).status,
      );
      expect(statuses).toEqual(['created']);
    }
  });
});

describe('the WeChat bill', () => {
  it("is read back by the project's own WeChat Pay trade-bill parser, line for line", async () => {
    const day = chinaDay(START - 1);
    const lines = history.billLines.filter((l) => chinaDay(l.paidAt) === day);
    const csv = wechatpayBillCsv(lines);
    let summary: BillSummary | undefined;
    const rows: BillRow[] = [];
    for await (const row of parseWechatpayTradeBill(chunks(csv), { onSummary: (s) => (summary = s) }))
      rows.push(row);
    expect(rows).toHaveLength(lines.length);
    expect(summary?.declaredRows).toBe(lines.length);
    rows.forEach((row, i) => {
      const line = lines[i]!;
      expect(row).toMatchObject({
        kind: 'payment',
        merchantOrderNo: line.orderId,
        transactionId: line.transactionId,
        amountFen: line.amountFen,
        paidAt: Math.floor(line.paidAt / 1000) * 1000,
        storeId: line.storeId,
        deviceId: line.tillId,
      });
    });
  });
});
