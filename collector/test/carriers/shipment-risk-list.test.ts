// The shipment list reads compact checkpoint fields from SQL instead of whole payloads: its answer
// must be the domain model's on the stored events, for every filter, on both stores. The reference
// here rebuilds each waybill from the very events ingested (grouped by waybillKey, applied in event
// time then id) and ranks them as the contract says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getShipmentRisk,
  listShipmentRisks,
  type ShipmentRiskFilter,
} from '../../src/carriers/shipment-risk-list.ts';
import { waybillKey } from '../../src/carriers/waybill-bindings.ts';
import type { ShipmentState, ShipmentUpdateEvent } from '../../src/domain/events.ts';
import { assessShipment, RISK_LEVELS } from '../../src/domain/shipments/risk.ts';
import {
  applyShipmentEvents,
  currentState,
  emptyTracking,
  lastUpdateAt,
} from '../../src/domain/shipments/tracking.ts';
import { ingestBatch } from '../../src/store/event-batch.ts';
import type { ShipmentRiskItem } from '../../src/wire/shipments.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-20T12:00:00Z');

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const STATES: ShipmentState[] = [
  'created',
  'collected',
  'in_transit',
  'out_for_delivery',
  'stuck',
  'exception',
  'rejected',
  'returned',
  'delivered',
];
const PLACES = ['浙江省杭州市', '上海市', '江苏省南京市', '广东省广州市', ''];
const DESTINATIONS = ['330100', '310000', '320100', '浙江省杭州市'];
const TEXTS = ['【杭州市】快件已到达', '【南京市】派件中', '拒签', '已退回', '快件异常'];

let serial = 0;
function update(
  orderId: string,
  storeId: string,
  carrier: string,
  trackingNo: string,
  state: ShipmentState,
  occurredAt: number,
  extra: Partial<ShipmentUpdateEvent> = {},
): ShipmentUpdateEvent {
  serial += 1;
  return {
    type: 'shipment.update',
    id: `u-${String(serial).padStart(4, '0')}`,
    source: 'carrier',
    occurredAt,
    orderId,
    storeId,
    carrier,
    trackingNo,
    state,
    ...extra,
  };
}

/** Hand-made edge cases, then random waybills with several checkpoints each. */
function generate(): ShipmentUpdateEvent[] {
  const t = NOW - 80 * HOUR;
  const events: ShipmentUpdateEvent[] = [
    // Returned twice: returned_repeatedly, and the latest state returned.
    update('E-1', 'S1', 'SF', 'RT1', 'in_transit', t, { location: '浙江省杭州市' }),
    update('E-1', 'S1', 'SF', 'RT1', 'returned', t + HOUR, { location: '浙江省杭州市' }),
    update('E-1', 'S1', 'SF', 'RT1', 'in_transit', t + 2 * HOUR, { location: '浙江省杭州市' }),
    update('E-1', 'S1', 'SF', 'RT1', 'returned', t + 3 * HOUR, {
      location: '浙江省杭州市',
      providerCode: '6',
    }),
    // Rejected after delivery attempts.
    update('E-2', 'S1', 'YTO', 'RJ1', 'out_for_delivery', t, {
      location: '上海市',
      destinationRegion: '310000',
    }),
    update('E-2', 'S1', 'YTO', 'RJ1', 'rejected', t + HOUR, { providerText: '拒签' }),
    update('E-2', 'S1', 'YTO', 'RJ1', 'rejected', t + 2 * HOUR),
    // Last leg in the wrong region.
    update('E-3', 'S2', 'ZTO', 'WR1', 'in_transit', t, {
      destinationRegion: '330100',
      location: '浙江省杭州市',
    }),
    update('E-3', 'S2', 'ZTO', 'WR1', 'out_for_delivery', t + HOUR, { location: '江苏省南京市' }),
    // Two checkpoints at the same minute (the state rank decides), two destinations at the same time.
    update('E-4', 'S2', 'ZTO', 'TIE1', 'out_for_delivery', t + 70 * HOUR, { destinationRegion: '330100' }),
    update('E-4', 'S2', 'ZTO', 'TIE1', 'delivered', t + 70 * HOUR, { destinationRegion: '320100' }),
    // A late `created` binding after real progress.
    update('E-5', 'S3', 'EMS', 'LB1', 'in_transit', t + 10 * HOUR, { location: '广东省广州市' }),
    update('E-5', 'S3', 'EMS', 'LB1', 'created', t + 20 * HOUR),
    // One number, two spellings of the carrier: two shipments rows, one waybill.
    update('E-6', 'S3', 'YTO', 'CASE1', 'in_transit', t + 5 * HOUR, { location: '上海市' }),
    update('E-6', 'S3', 'yto', 'CASE1', 'exception', t + 6 * HOUR, { providerText: '快件异常' }),
    // The same update from two sources (same id): counted once.
    { ...update('E-7', 'S1', 'SF', 'DUP1', 'stuck', t + 30 * HOUR, { location: '上海市' }), id: 'dup' },
    {
      ...update('E-7', 'S1', 'SF', 'DUP1', 'stuck', t + 30 * HOUR, { location: '上海市' }),
      id: 'dup',
      source: 'poll',
    },
  ];
  // Shipments with equal last update times: the candidate order settles them.
  for (const n of [1, 2, 3])
    events.push(update(`E-8${n}`, 'S2', 'JD', `SAME${n}`, 'in_transit', t + 40 * HOUR));

  const next = random(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  for (let w = 0; w < 60; w++) {
    const orderId = `R-${w}`;
    const storeId = `S${1 + (w % 4)}`;
    const carrier = pick(['SF', 'YTO', 'ZTO']);
    const trackingNo = `W${w}`;
    const start = NOW - Math.floor(next() * 120) * HOUR;
    const count = 1 + Math.floor(next() * 5);
    for (let i = 0; i < count; i++) {
      const extra: Partial<ShipmentUpdateEvent> = {};
      const place = pick(PLACES);
      if (place !== '') extra.location = place;
      if (next() < 0.3) extra.providerText = pick(TEXTS);
      if (next() < 0.2) extra.providerCode = pick(['6', '1001', '3']);
      if (next() < 0.3) extra.destinationRegion = pick(DESTINATIONS);
      // Whole hours from a few starts: ties in time within and across waybills.
      events.push(
        update(
          orderId,
          storeId,
          carrier,
          trackingNo,
          pick(STATES),
          start + Math.floor(next() * 4) * HOUR,
          extra,
        ),
      );
    }
  }
  return events;
}

interface ShipmentRow {
  carrier: string;
  tracking_no: string;
  order_id: string;
  store_id: string;
  state: string;
  last_update_at: Date;
  destination_region: string | null;
}

/** The list from the domain model alone: every waybill rebuilt from its ingested events. */
function expectedList(
  rows: readonly ShipmentRow[],
  events: readonly ShipmentUpdateEvent[],
  filter: ShipmentRiskFilter,
): ShipmentRiskItem[] {
  const candidates = rows
    .filter(
      (r) =>
        (filter.storeId === undefined || r.store_id === filter.storeId) &&
        (filter.stores === undefined || filter.stores.includes(r.store_id)) &&
        (filter.carrier === undefined || r.carrier.toLowerCase() === filter.carrier.toLowerCase()),
    )
    .sort(
      (a, b) =>
        b.last_update_at.getTime() - a.last_update_at.getTime() ||
        (a.carrier < b.carrier ? -1 : a.carrier > b.carrier ? 1 : 0) ||
        (a.tracking_no < b.tracking_no ? -1 : a.tracking_no > b.tracking_no ? 1 : 0),
    );
  const orders = new Set(candidates.map((r) => r.order_id));
  const inOrder = events
    .filter((e) => orders.has(e.orderId))
    .sort(
      (a, b) =>
        a.occurredAt - b.occurredAt ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
        (a.source < b.source ? -1 : 1),
    );
  const floor = RISK_LEVELS.indexOf(filter.risk ?? 'low');
  return candidates
    .map((row) => {
      const own = inOrder.filter(
        (e) => waybillKey(e) === waybillKey({ carrier: row.carrier, trackingNo: row.tracking_no }),
      );
      const tracking = applyShipmentEvents(emptyTracking(row.carrier, row.tracking_no), own).tracking;
      const risk = assessShipment(tracking, NOW);
      return { row, tracking, risk, last: lastUpdateAt(tracking) ?? row.last_update_at.getTime() };
    })
    .filter((x) => RISK_LEVELS.indexOf(x.risk.level) >= floor)
    .sort((a, b) => b.risk.score - a.risk.score || a.last - b.last)
    .slice(0, filter.limit)
    .map(({ row, tracking, risk, last }) => ({
      order_id: row.order_id,
      store_id: row.store_id,
      carrier: row.carrier,
      tracking_no: row.tracking_no,
      state: currentState(tracking) ?? row.state,
      last_update_at: new Date(last).toISOString(),
      destination_region: tracking.destinationRegion ?? row.destination_region,
      risk: risk.level,
      risk_score: risk.score,
      reasons: risk.reasons.map((r) => ({
        reason: r.reason,
        since: new Date(r.since).toISOString(),
        detail: r.detail,
      })),
    }));
}

describe.each(STORE_KINDS)('the shipment risk list on %s', (kind) => {
  let store: TestDatabase;
  const events = generate();
  let rows: ShipmentRow[];

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    // Several commits, so shipments rows are upserted across batches as in production.
    for (let i = 0; i < events.length; i += 25) await ingestBatch(store.db, events.slice(i, i + 25), NOW);
    ({ rows } = await store.db.query<ShipmentRow>(
      'SELECT carrier, tracking_no, order_id, store_id, state, last_update_at, destination_region FROM shipments',
    ));
  }, 60_000);
  afterAll(async () => {
    await store?.dispose();
  });

  const filters: [string, ShipmentRiskFilter][] = [
    ['everything', { limit: 1000 }],
    ['the first few', { limit: 7 }],
    ['medium and up', { risk: 'medium', limit: 1000 }],
    ['high only', { risk: 'high', limit: 1000 }],
    ['one store', { storeId: 'S2', limit: 1000 }],
    ['a scoped caller', { stores: ['S1', 'S3'], limit: 1000 }],
    ['one carrier in any case', { carrier: 'yto', limit: 1000 }],
    ['a store with nothing', { storeId: 'S9', limit: 1000 }],
  ];

  it.each(filters)('lists %s as the domain model does', async (_, filter) => {
    const expected = expectedList(rows, events, filter);
    expect(await listShipmentRisks(store.db, filter, NOW)).toEqual(expected);
  });

  it('the generated set has the cases it is meant to have', () => {
    const reasons = new Set(
      expectedList(rows, events, { limit: 1000 }).flatMap((s) => s.reasons.map((r) => r.reason)),
    );
    for (const reason of ['returned_repeatedly', 'rejected', 'outside_destination', 'exception', 'silent']) {
      expect(reasons).toContain(reason);
    }
    expect(rows.filter((r) => r.tracking_no === 'CASE1')).toHaveLength(2);
  });

  it('gives one waybill as the list does, and nothing for an unknown one', async () => {
    const all = expectedList(rows, events, { limit: 1000 });
    for (const trackingNo of ['RT1', 'TIE1', 'WR1', 'DUP1', 'W3']) {
      expect(await getShipmentRisk(store.db, trackingNo, undefined, NOW)).toEqual(
        all.find((s) => s.tracking_no === trackingNo),
      );
    }
    // Both spellings match a carrier asked for in any case; which comes first is the store's collation.
    const spelled = await getShipmentRisk(store.db, 'CASE1', 'yto', NOW);
    expect(spelled).toBeDefined();
    expect(all.filter((s) => s.tracking_no === 'CASE1')).toContainEqual(spelled);
    expect(await getShipmentRisk(store.db, 'NOPE', undefined, NOW)).toBeUndefined();
  });
});
