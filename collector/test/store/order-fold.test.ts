// The order row ingest_batch folds in SQL against the domain's fold (applyOrderEvent), for random
// event streams delivered shuffled, with resends, in batches of random sizes, each batch through
// the real group-commit call on both stores.
//
// The two folds are meant to agree where their rules coincide, and that is what is asserted:
//   * for any stream: the store, the earliest created and paid reports, the latest event time;
//   * for streams that follow the lifecycle (each order's statuses a legal path, reported once,
//     at event times rising with the status) and whose status events all carry, or all lack, each
//     of amount, region and channel: every field.
// Outside the second case they differ on purpose or by construction: the stored status is the
// newest in event time (the domain's is the furthest in the status order), its time is the
// newest status report (the domain's the earliest report of its status), and an attribute is
// taken with the newer status of a batch (the domain keeps the newest report of each).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUSES, type OrderEvent, type OrderStatus } from '../../src/domain/events.ts';
import {
  applyOrderEvent,
  LEGAL_TRANSITIONS,
  type OrderState,
  statusPrecedence,
} from '../../src/domain/order-lifecycle.ts';
import { eventKey, ingestBatch } from '../../src/store/event-batch.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const T0 = Date.parse('2026-11-11T10:00:00Z');
const MINUTE = 60_000;

/** An event before delivery names it: each kind of event without its key, order and store. */
type Draft = OrderEvent extends infer E
  ? E extends OrderEvent
    ? Omit<E, 'id' | 'source' | 'orderId' | 'storeId'>
    : never
  : never;

/** Events of one order other than its status reports: they move only the latest event time. */
const sideEventArb = (minute: fc.Arbitrary<number>): fc.Arbitrary<Draft> =>
  fc.oneof(
    fc.record({
      type: fc.constant('payment.notify' as const),
      occurredAt: minute.map((m) => T0 + m * MINUTE),
      provider: fc.constant('wechatpay' as const),
      transactionId: fc.constantFrom('t1', 't2'),
      amountFen: fc.integer({ min: 1, max: 9 }),
      status: fc.constantFrom('success' as const, 'closed' as const),
    }),
    fc.record({
      type: fc.constant('shipment.update' as const),
      occurredAt: minute.map((m) => T0 + m * MINUTE),
      carrier: fc.constant('sf'),
      trackingNo: fc.constantFrom('SF1', 'SF2'),
      state: fc.constantFrom('collected' as const, 'in_transit' as const),
    }),
  );

const attributes = {
  amountFen: fc.integer({ min: 1, max: 9 }),
  region: fc.constantFrom('310000', '330100', '440300'),
  channel: fc.constantFrom('app', 'pos', 'mini'),
};

/** Any reports in any order: few distinct times, so ties are common; attributes come and go. */
const anyOrderArb: fc.Arbitrary<Draft[]> = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record(
        {
          type: fc.constant('order.status' as const),
          occurredAt: fc.integer({ min: 0, max: 3 }).map((m) => T0 + m * MINUTE),
          status: fc.constantFrom(...ORDER_STATUSES),
          amountFen: attributes.amountFen,
          region: attributes.region,
          channel: attributes.channel,
        },
        { requiredKeys: ['type', 'occurredAt', 'status'] },
      ),
    },
    { weight: 1, arbitrary: sideEventArb(fc.integer({ min: 0, max: 3 })) },
  ),
  { minLength: 1, maxLength: 8 },
);

/** A legal path through the lifecycle, one report per status, times rising with the status. */
const lifecycleArb: fc.Arbitrary<Draft[]> = fc
  .record({
    first: fc.constantFrom(...ORDER_STATUSES),
    choices: fc.array(fc.nat(), { maxLength: 5 }),
    gaps: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 6, maxLength: 6 }),
    carried: fc.record({ amountFen: fc.boolean(), region: fc.boolean(), channel: fc.boolean() }),
    values: fc.array(fc.tuple(attributes.amountFen, attributes.region, attributes.channel), {
      minLength: 6,
      maxLength: 6,
    }),
    side: fc.array(sideEventArb(fc.integer({ min: 0, max: 200 })), { maxLength: 3 }),
  })
  .map(({ first, choices, gaps, carried, values, side }) => {
    const path: OrderStatus[] = [first];
    for (const choice of choices) {
      const next = LEGAL_TRANSITIONS[path.at(-1)!];
      if (next.length === 0) break;
      path.push(next[choice % next.length]!);
    }
    let minute = 0;
    const reports = path.map((status, i): Draft => {
      minute += gaps[i]!;
      const [amountFen, region, channel] = values[i]!;
      return {
        type: 'order.status',
        status,
        occurredAt: T0 + minute * MINUTE,
        ...(carried.amountFen ? { amountFen } : {}),
        ...(carried.region ? { region } : {}),
        ...(carried.channel ? { channel } : {}),
      };
    });
    return [...reports, ...side];
  });

interface Plan {
  orders: Draft[][];
  /** events sent again (index into all events) */
  resends: number[];
  /** the shuffle's draws */
  seed: number[];
  /** batch sizes, repeated */
  cuts: number[];
}

/** Up to three orders, then delivery: shuffled, some events sent again, cut into batches. */
const planArb = (orderArb: fc.Arbitrary<Draft[]>): fc.Arbitrary<Plan> =>
  fc.record({
    orders: fc.array(orderArb, { minLength: 1, maxLength: 3 }),
    resends: fc.array(fc.nat(), { maxLength: 4 }),
    seed: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    cuts: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
  });

interface Delivery {
  batches: OrderEvent[][];
  /** every event as delivered, resends included, in delivery order */
  delivered: OrderEvent[];
}

function deliver(prefix: string, { orders, resends, seed, cuts }: Plan): Delivery {
  const events: OrderEvent[] = [];
  orders.forEach((drafts, o) => {
    drafts.forEach((draft, n) => {
      const event = {
        ...draft,
        id: `${prefix}o${o}-${n}`,
        source: n % 2 === 0 ? 'oms' : 'pos',
        orderId: `${prefix}o${o}`,
        storeId: `store-${o}`,
      } as OrderEvent;
      if (event.type === 'payment.notify') event.transactionId = `${prefix}${o}-${event.transactionId}`;
      if (event.type === 'shipment.update') event.trackingNo = `${prefix}${o}-${event.trackingNo}`;
      events.push(event);
    });
  });
  const delivered = [...events, ...resends.map((r) => events[r % events.length]!)];
  // Fisher–Yates from the generated seed, so a failing case shrinks and replays
  for (let i = delivered.length - 1; i > 0; i -= 1) {
    const j = seed[i % seed.length]! % (i + 1);
    [delivered[i], delivered[j]] = [delivered[j]!, delivered[i]!];
  }
  const batches: OrderEvent[][] = [];
  for (let at = 0, c = 0; at < delivered.length; c += 1) {
    const size = cuts[c % cuts.length]!;
    // one event per key, sorted by key: what the group-commit writer sends
    const unique = new Map(delivered.slice(at, at + size).map((e) => [eventKey(e), e]));
    batches.push([...unique.values()].sort((a, b) => (eventKey(a) < eventKey(b) ? -1 : 1)));
    at += size;
  }
  return { batches, delivered };
}

function domainFold(delivered: OrderEvent[]): Map<string, OrderState> {
  const states = new Map<string, OrderState>();
  for (const event of delivered)
    states.set(event.orderId, applyOrderEvent(states.get(event.orderId), event).state);
  return states;
}

interface OrderRow {
  order_id: string;
  store_id: string;
  status: string | null;
  status_at: Date | null;
  status_rank: number | null;
  amount_fen: number | null;
  region: string | null;
  channel: string | null;
  created_at: Date | null;
  paid_at: Date | null;
  last_event_at: Date;
}

const time = (at: number | undefined) => (at === undefined ? null : new Date(at));

describe.each(STORE_KINDS)('the SQL order fold against the domain on %s', (kind) => {
  let store: TestDatabase;
  let run = 0;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(() => store?.dispose());

  async function ingestAndFold(plan: Plan) {
    run += 1;
    const { batches, delivered } = deliver(`r${run}-`, plan);
    for (const [i, batch] of batches.entries()) await ingestBatch(store.db, batch, T0 + 3_600_000 + i * 1000);
    const { rows } = await store.db.query<OrderRow>(
      `SELECT order_id, store_id, status, status_at, status_rank, amount_fen, region, channel, created_at,
              paid_at, last_event_at
       FROM orders WHERE order_id LIKE $1 ORDER BY order_id`,
      [`r${run}-%`],
    );
    const states = domainFold(delivered);
    expect(rows.map((r) => r.order_id)).toEqual([...states.keys()].sort());
    return rows.map((row) => ({ row, state: states.get(row.order_id)! }));
  }

  it('agrees on store, created and paid times and the latest event for any stream', async () => {
    await fc.assert(
      fc.asyncProperty(planArb(anyOrderArb), async (plan) => {
        for (const { row, state } of await ingestAndFold(plan)) {
          expect({
            store_id: row.store_id,
            created_at: row.created_at,
            paid_at: row.paid_at,
            last_event_at: row.last_event_at,
          }).toEqual({
            store_id: state.storeId,
            created_at: time(state.createdAt),
            paid_at: time(state.paidAt),
            last_event_at: time(state.updatedAt),
          });
        }
      }),
      { numRuns: 40 },
    );
  });

  it('agrees on every field for streams that follow the lifecycle', async () => {
    await fc.assert(
      fc.asyncProperty(planArb(lifecycleArb), async (plan) => {
        for (const { row, state } of await ingestAndFold(plan)) {
          const { order_id: _id, ...stored } = row;
          expect(stored).toEqual({
            store_id: state.storeId,
            status: state.status ?? null,
            status_at: time(state.statusAt),
            status_rank: state.status === undefined ? null : statusPrecedence(state.status),
            amount_fen: state.amountFen ?? null,
            region: state.region ?? null,
            channel: state.channel ?? null,
            created_at: time(state.createdAt),
            paid_at: time(state.paidAt),
            last_event_at: time(state.updatedAt),
          });
        }
      }),
      { numRuns: 40 },
    );
  });
});
