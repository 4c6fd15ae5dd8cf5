// The order row ingest_batch folds in SQL against the domain's fold (applyOrderEvent), for random
// event streams delivered shuffled, with resends, in batches of random sizes, each batch through
// the real group-commit call on both stores. The domain's fold is a join over the events (the
// furthest status and the earliest report of it, each attribute's newest report, the earliest
// created and paid reports, the latest event), so the stored row must equal it field for field
// however the events arrive; alert recovery rebuilds the engine's state from this row.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUSES, type OrderEvent } from '../../src/domain/events.ts';
import { applyOrderEvent, type OrderState, statusPrecedence } from '../../src/domain/order-lifecycle.ts';
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
  amount_at: Date | null;
  region: string | null;
  region_at: Date | null;
  channel: string | null;
  channel_at: Date | null;
  created_at: Date | null;
  paid_at: Date | null;
  last_event_at: Date;
  first_seen_at: Date;
}

const time = (at: number | undefined) => (at === undefined ? null : new Date(at));
const byOrderId = (a: { order_id: string }, b: { order_id: string }) => (a.order_id < b.order_id ? -1 : 1);

/** The stored row the domain's state stands for (first_seen_at has no counterpart there). */
function expectedRow(state: OrderState): Omit<OrderRow, 'first_seen_at'> {
  return {
    order_id: state.orderId,
    store_id: state.storeId,
    status: state.status ?? null,
    status_at: time(state.statusAt),
    status_rank: state.status === undefined ? null : statusPrecedence(state.status),
    amount_fen: state.amountFen ?? null,
    amount_at: time(state.amountAt),
    region: state.region ?? null,
    region_at: time(state.regionAt),
    channel: state.channel ?? null,
    channel_at: time(state.channelAt),
    created_at: time(state.createdAt),
    paid_at: time(state.paidAt),
    last_event_at: new Date(state.updatedAt),
  };
}

describe.each(STORE_KINDS)('the SQL order fold against the domain on %s', (kind) => {
  let store: TestDatabase;
  let run = 0;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(() => store?.dispose());

  async function storedRows(prefix: string): Promise<OrderRow[]> {
    const { rows } = await store.db.query<OrderRow>(
      `SELECT order_id, store_id, status, status_at, status_rank, amount_fen, amount_at, region, region_at,
              channel, channel_at, created_at, paid_at, last_event_at, first_seen_at
       FROM orders WHERE order_id LIKE $1 ORDER BY order_id`,
      [`${prefix}%`],
    );
    return rows;
  }

  async function ingest(batches: OrderEvent[][]) {
    for (const [i, batch] of batches.entries()) await ingestBatch(store.db, batch, T0 + 3_600_000 + i * 1000);
  }

  it("stores the domain's state, every field, for any stream however shuffled, resent and batched", async () => {
    await fc.assert(
      fc.asyncProperty(planArb(anyOrderArb), async (plan) => {
        run += 1;
        const prefix = `r${run}-`;
        const { batches, delivered } = deliver(prefix, plan);
        await ingest(batches);
        const stored = (await storedRows(prefix)).map(({ first_seen_at: _first, ...row }) => row);
        expect(stored).toEqual([...domainFold(delivered).values()].map(expectedRow).sort(byOrderId));
      }),
      { numRuns: 60 },
    );
  });

  it('stores the same row for two deliveries of the same events', async () => {
    await fc.assert(
      fc.asyncProperty(planArb(anyOrderArb), planArb(anyOrderArb), async (plan, other) => {
        run += 1;
        const [a, b] = [`r${run}a-`, `r${run}b-`];
        const again = { ...other, orders: plan.orders };
        await ingest(deliver(a, plan).batches);
        await ingest(deliver(b, again).batches);
        const rename = (row: OrderRow) => ({ ...row, order_id: row.order_id.slice(a.length) });
        expect((await storedRows(b)).map(rename)).toEqual((await storedRows(a)).map(rename));
      }),
      { numRuns: 20 },
    );
  });

  it('takes the newest amount whichever commit carries it', async () => {
    run += 1;
    const prefix = `r${run}-`;
    const event = (n: number, status: 'created' | 'paid' | 'shipped', minute: number, amountFen?: number) =>
      ({
        id: `${prefix}${n}`,
        source: 'oms',
        type: 'order.status',
        orderId: `${prefix}o`,
        storeId: 'store-0',
        status,
        occurredAt: T0 + minute * MINUTE,
        ...(amountFen === undefined ? {} : { amountFen }),
      }) as OrderEvent;
    const [created, paid, shipped] = [
      event(1, 'created', 1, 5),
      event(2, 'paid', 2, 7),
      event(3, 'shipped', 3),
    ];
    await ingest([[created, shipped], [paid]]);
    const [row] = await storedRows(prefix);
    expect({ status: row?.status, amount_fen: row?.amount_fen, amount_at: row?.amount_at }).toEqual({
      status: 'shipped',
      amount_fen: 7,
      amount_at: new Date(T0 + 2 * MINUTE),
    });
  });
});
