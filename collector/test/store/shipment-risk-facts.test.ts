// Each waybill's kept risk facts (migration 0022) must be what the domain model derives from all its
// events, however the updates arrived: out of order, resent with the same id, from two sources,
// across commits, on both stores. The reference rebuilds each waybill from the events themselves.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShipmentRiskAssessor } from '../../src/carriers/shipment-risk-assessor.ts';
import type { ShipmentState, ShipmentUpdateEvent } from '../../src/domain/events.ts';
import { type ShipmentRiskFacts, shipmentRiskFacts } from '../../src/domain/shipments/anomalies.ts';
import { assessFacts, assessShipment } from '../../src/domain/shipments/risk.ts';
import { applyShipmentEvents, emptyTracking } from '../../src/domain/shipments/tracking.ts';
import { Prng } from '../../src/simulator/prng.ts';
import type { Queryable } from '../../src/store/database.ts';
import { eventKey, ingestBatch } from '../../src/store/event-batch.ts';
import { EventWriter } from '../../src/store/event-writer.ts';
import { assessOutdatedShipments, assessShipmentsOfOrders } from '../../src/store/shipment-risk-facts.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const NOW = T0 + 120 * HOUR;

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
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
const PLACES = ['浙江省杭州市', '上海市', '江苏省南京市', '广东省广州市'];

/** 40 waybills of 2–8 updates each, with resends of the same update (same id, same or other source). */
function generate(seed: number): ShipmentUpdateEvent[] {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const events: ShipmentUpdateEvent[] = [];
  for (let w = 0; w < 40; w++) {
    const count = 2 + Math.floor(next() * 7);
    const carrier = pick(['SF', 'YTO']);
    for (let i = 0; i < count; i++) {
      const event: ShipmentUpdateEvent = {
        type: 'shipment.update',
        id: `w${w}-u${i}`,
        source: 'carrier',
        occurredAt: T0 + Math.floor(next() * 100) * HOUR,
        orderId: `O-${w}`,
        storeId: `S${w % 3}`,
        carrier,
        trackingNo: `N${w}`,
        state: pick(STATES),
      };
      if (next() < 0.7) event.location = pick(PLACES);
      if (next() < 0.3) event.destinationRegion = pick(['330100', '310000']);
      if (next() < 0.2) event.providerCode = pick(['6', '1001']);
      events.push(event);
      if (next() < 0.3) events.push({ ...event });
      if (next() < 0.2) events.push({ ...event, source: 'poll' });
    }
  }
  // Out of order: shuffled across waybills and within them.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  return events;
}

/** The domain's facts of one waybill, from every event of it (in event time, then id and source). */
function expectedFacts(events: readonly ShipmentUpdateEvent[], carrier: string, trackingNo: string) {
  const own = events
    .filter((e) => e.trackingNo === trackingNo)
    .sort(
      (a, b) =>
        a.occurredAt - b.occurredAt ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
        (a.source < b.source ? -1 : a.source > b.source ? 1 : 0),
    );
  return applyShipmentEvents(emptyTracking(carrier, trackingNo), own).tracking;
}

interface KeptRow {
  carrier: string;
  tracking_no: string;
  risk_facts: ShipmentRiskFacts | null;
  outdated: boolean;
}

const KEPT = `SELECT carrier, tracking_no, risk_facts, risk_assessed_seq <> risk_seq AS outdated
  FROM shipments ORDER BY carrier, tracking_no`;

describe.each(STORE_KINDS)('kept shipment risk facts on %s', (kind) => {
  let store: TestDatabase;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await store?.dispose();
  });

  /** A writer with the assessor listening to its commits, as the core wires them. */
  function assessedWriter() {
    const writer = new EventWriter(store.db, { maxBatchEvents: 1000, queueLimit: 10_000, now: () => NOW });
    const assessor = new ShipmentRiskAssessor(store.db, (error) => {
      throw error;
    });
    writer.onCommitted(assessor.onCommitted);
    return { writer, assessor };
  }

  it('are the domain model’s facts after out-of-order, repeated updates over several commits', async () => {
    await store.db.query('TRUNCATE shipments, events, event_keys');
    const events = generate(11);
    const { writer, assessor } = assessedWriter();
    // Small commits, some resending what an earlier one stored.
    for (let i = 0; i < events.length; i += 9) {
      await writer.write(events.slice(i, i + 9));
      if (i % 27 === 0) await writer.write(events.slice(Math.max(0, i - 5), i + 3));
    }
    await writer.close();
    await assessor.idle();
    const { rows } = await store.db.query<KeptRow>(KEPT);
    expect(rows).toHaveLength(40);
    const reasons = new Set<string>();
    for (const row of rows) {
      const tracking = expectedFacts(events, row.carrier, row.tracking_no);
      expect(row.outdated).toBe(false);
      expect(row.risk_facts).toEqual(shipmentRiskFacts(tracking));
      const risk = assessShipment(tracking, NOW);
      expect(assessFacts(row.risk_facts!, NOW)).toEqual(risk);
      for (const r of risk.reasons) reasons.add(r.reason);
    }
    // The set exercises the reasons that rest on the events and the ones that rest on the clock.
    for (const reason of ['silent', 'rejected', 'exception', 'returned_repeatedly', 'stuck_at_location'])
      expect(reasons).toContain(reason);
  }, 60_000);

  it('are kept off the commit path: commits go on while an assessment waits, and it catches up', async () => {
    await store.db.query('TRUNCATE shipments, events, event_keys');
    const events = generate(5);
    const writer = new EventWriter(store.db, { maxBatchEvents: 1000, queueLimit: 10_000, now: () => NOW });
    // The assessor's reads wait until released; everything else goes straight to the store.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = 0;
    const holding: Queryable = {
      query: async (statement, values) => {
        held++;
        await released;
        return store.db.query(statement, values);
      },
    };
    const assessor = new ShipmentRiskAssessor(holding, (error) => {
      throw error;
    });
    writer.onCommitted(assessor.onCommitted);
    const third = Math.floor(events.length / 3);
    for (const part of [events.slice(0, third), events.slice(third, 2 * third), events.slice(2 * third)])
      expect((await writer.write(part)).accepted).toBeGreaterThan(0);
    await writer.close();
    // Every commit was acknowledged while the first assessment was still waiting for its read.
    expect(held).toBe(1);
    expect((await store.db.query<KeptRow>(KEPT)).rows.every((r) => r.outdated)).toBe(true);
    release();
    await assessor.idle();
    const { rows } = await store.db.query<KeptRow>(KEPT);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.outdated).toBe(false);
      expect(row.risk_facts).toEqual(shipmentRiskFacts(expectedFacts(events, row.carrier, row.tracking_no)));
    }
  }, 60_000);

  it('are marked outdated by a commit that did not assess them, and the backfill brings them level', async () => {
    await store.db.query('TRUNCATE shipments, events, event_keys');
    const events = generate(23);
    const { writer, assessor } = assessedWriter();
    const half = Math.floor(events.length / 2);
    await writer.write(events.slice(0, half));
    await writer.close();
    await assessor.idle();
    // The rest stored without assessing (as a collector stopped between commit and assessment).
    await ingestBatch(store.db, events.slice(half), NOW);
    const before = await store.db.query<KeptRow>(KEPT);
    // Resends of what the first half stored change nothing; the rest changes its waybills.
    const stored = new Set(events.slice(0, half).map((e) => `${e.source}/${e.id}`));
    const touched = new Set(
      events
        .slice(half)
        .filter((e) => !stored.has(`${e.source}/${e.id}`))
        .map((e) => e.trackingNo),
    );
    expect(touched.size).toBeGreaterThan(10);
    for (const row of before.rows) expect(row.outdated).toBe(touched.has(row.tracking_no));

    expect(await assessOutdatedShipments(store.db, { pageSize: 7 })).toBe(touched.size);
    const { rows } = await store.db.query<KeptRow>(KEPT);
    for (const row of rows) {
      expect(row.outdated).toBe(false);
      expect(row.risk_facts).toEqual(shipmentRiskFacts(expectedFacts(events, row.carrier, row.tracking_no)));
    }
    expect(await assessOutdatedShipments(store.db)).toBe(0);
  }, 60_000);
});

// Two connections at once: only PostgreSQL (the embedded store has one).
describe.runIf(process.env.TEST_DATABASE_URL)(
  'kept shipment risk facts beside a commit holding a waybill',
  () => {
    let store: TestDatabase;
    beforeAll(async () => {
      store = await openTestDatabase('postgres');
    }, 60_000);
    afterAll(async () => {
      await store?.dispose();
    });

    it('skips the waybill the commit holds instead of waiting for it, and writes the others', async () => {
      const events = generate(7).filter((e) => e.orderId === 'O-1' || e.orderId === 'O-2');
      await ingestBatch(
        store.db,
        [...new Map(events.map((e) => [eventKey(e), e])).values()].sort((a, b) =>
          eventKey(a) < eventKey(b) ? -1 : 1,
        ),
        NOW,
      );
      // A commit in flight holds O-1's waybill, as the group commit's upsert does. Were the assessment to
      // wait for it, the server ends the holder's session after 5 s and the counts below fail.
      const holder = new pg.Client({
        connectionString: store.url,
        options: `-c search_path=${store.schema}`,
      });
      holder.on('error', () => {});
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SET LOCAL idle_in_transaction_session_timeout = '5s'`);
        await holder.query(`SELECT 1 FROM shipments WHERE order_id = 'O-1' FOR UPDATE`);
        expect(await assessShipmentsOfOrders(store.db, ['O-1', 'O-2'])).toBe(1);
        const { rows } = await store.db.query<{ order_id: string; outdated: boolean }>(
          'SELECT order_id, risk_assessed_seq <> risk_seq AS outdated FROM shipments ORDER BY order_id',
        );
        expect(rows.map((r) => [r.order_id, r.outdated])).toEqual([
          ['O-1', true],
          ['O-2', false],
        ]);
        await holder.query('ROLLBACK');
      } finally {
        await holder.end().catch(() => {});
      }
      // Once the commit is over, the next assessment (its listener's) writes it.
      expect(await assessShipmentsOfOrders(store.db, ['O-1'])).toBe(1);
    });
  },
);
