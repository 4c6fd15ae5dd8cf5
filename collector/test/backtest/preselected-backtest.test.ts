// The order pre-selection on real stores, against random drafts and random histories: the SQL test
// never leaves out an order the evaluator fires on, and the backtest that replays only the chosen
// orders gives what the full replay gives (firings, stores, sample, events evaluated).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPreselection } from '../../src/backtest/order-preselection.ts';
import { type BacktestOutcome, runBacktest, WARM_UP_MS } from '../../src/backtest/run-backtest.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const HOUR = 3_600_000;
const TO = Date.UTC(2026, 11, 6, 12);
const FROM = TO - 8 * HOUR;

const STORES = ['S1', 'S2'];
const REGIONS = ['西藏', '北京', '上海'];
const AMOUNTS = [0, 249, 250, 251, 500, 501, 1000];

/** One event as the store holds it (the payload is the domain event). */
interface Row {
  source: string;
  id: string;
  type: string;
  occurredAt: number;
  orderId: string;
  storeId: string;
  payload: Record<string, unknown>;
}

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const orderStatusFields = fc.record({
  type: fc.constant('order.status'),
  status: fc.constantFrom('created', 'paid', 'shipped', 'delivered', 'cancelled'),
  amountFen: optional(fc.constantFrom(...AMOUNTS)),
  region: optional(fc.constantFrom(...REGIONS)),
  channel: optional(fc.constantFrom('pos', 'jd')),
  carrier: optional(fc.constantFrom('sf', 'yto')),
  trackingNo: optional(fc.constantFrom('T1', 'T2')),
});
const paymentFields = fc.record({
  type: fc.constant('payment.notify'),
  provider: fc.constantFrom('wechatpay', 'alipay'),
  transactionId: fc.constantFrom('X1', 'X2'),
  amountFen: fc.constantFrom(...AMOUNTS),
  status: fc.constantFrom('success', 'refund'),
});
const shipmentFields = fc.record({
  type: fc.constant('shipment.update'),
  carrier: fc.constantFrom('sf', 'yto'),
  trackingNo: fc.constantFrom('T1', 'T2'),
  state: fc.constantFrom('in_transit', 'delivered', 'exception'),
  location: optional(fc.constantFrom('上海海关', '北京')),
  destinationRegion: optional(fc.constantFrom(...REGIONS)),
});

/** Orders of 1–5 events each over the window and the warm-up day (some older than it). */
const history = fc
  .array(
    fc.record({
      store: fc.constantFrom(...STORES),
      events: fc.array(
        fc.record({
          // Minutes before the window's end: up to 34 h, so some fall before the warm-up.
          minutesBefore: fc.integer({ min: 1, max: 34 * 60 }),
          fields: fc.oneof(
            { weight: 3, arbitrary: orderStatusFields },
            { weight: 1, arbitrary: paymentFields },
            { weight: 1, arbitrary: shipmentFields },
          ),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((orders) => {
    const rows: Row[] = [];
    orders.forEach((order, o) => {
      for (const { minutesBefore, fields } of order.events) {
        const id = `e${rows.length}`;
        // Whole minutes: events of different orders share times, ordered by their ids then.
        const occurredAt = TO - minutesBefore * 60_000;
        const payload = Object.fromEntries(
          Object.entries({
            id,
            source: 'oms',
            occurredAt,
            orderId: `O${o}`,
            storeId: order.store,
            ...fields,
          }).filter(([, value]) => value !== undefined),
        );
        rows.push({
          source: 'oms',
          id,
          type: fields.type,
          occurredAt,
          orderId: `O${o}`,
          storeId: order.store,
          payload,
        });
      }
    });
    return rows;
  });

const number = fc.constantFrom('0', '250', '250.5', '500', '1000', '-1');
const atom = fc.oneof(
  fc.constantFrom('order.status', 'payment.notify', 'shipment.update').map((t) => `type == "${t}"`),
  fc.constantFrom('created', 'paid', 'shipped', 'cancelled', 'success').map((s) => `status == "${s}"`),
  fc.constantFrom('created', 'paid', 'delivered').map((s) => `order_status == "${s}"`),
  fc
    .tuple(fc.constantFrom('==', '!=', '<', '<=', '>', '>='), number, fc.boolean())
    .map(([op, n, flip]) => (flip ? `${n} ${op} amount_fen` : `amount_fen ${op} ${n}`)),
  fc.constantFrom(
    'region in ["西藏", "北京"]',
    'region in ["西藏", null]',
    'region == null',
    'region not in ["上海"]',
  ),
  fc.constantFrom('channel == "pos"', 'channel != "jd"', 'store_id == "S1"', 'source == "oms"'),
  fc.constantFrom('provider == "alipay"', 'transaction_id == "X1"', 'amount_fen in [250, 501]'),
  fc.constantFrom('carrier startsWith "s"', 'tracking_no == "T2"', 'state == "exception"'),
  fc.constantFrom('location contains "海"', 'tracking_no matches "^T1"', 'destination_region == region'),
  fc.constantFrom(`occurred_at > ${FROM}`, 'true', 'false'),
);
const { condition } = fc.letrec<{ condition: string }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc
      .tuple(tie('condition'), fc.constantFrom('and', 'or'), tie('condition'))
      .map(([a, op, b]) => `(${a}) ${op} (${b})`),
    tie('condition').map((a) => `not (${a})`),
  ),
}));
const draft = fc.array(fc.tuple(condition, optional(fc.constantFrom('[S1]', '[S2]'))), {
  minLength: 1,
  maxLength: 3,
});

/** Connections the chosen orders are split over, each part replayed apart and the results merged. */
const parts = fc.constantFrom(1, 2, 4);
/** A small sample makes the merge choose the first firings across parts. */
const sampleLimit = fc.constantFrom(2, 1_000);

const draftText = (rules: Array<[string, string | undefined]>) =>
  `rules:\n${rules
    .map(
      ([when, stores], i) =>
        `  - name: r${i}\n    when: '${when}'\n    severity: warning\n${stores === undefined ? '' : `    scope: { stores: ${stores} }\n`}`,
    )
    .join('')}`;

describe.each(STORE_KINDS)('backtest of pre-selected orders (%s)', (kind) => {
  let store: TestDatabase;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    // Only `events` is read here; the reporting views are not what is tested.
    await store.db.query('ALTER TABLE events DISABLE TRIGGER USER');
  }, 180_000);
  afterAll(async () => {
    await store?.dispose();
  });

  async function load(rows: Row[]): Promise<void> {
    await store.db.query('TRUNCATE events');
    await store.db.query(
      `INSERT INTO events (source, id, type, occurred_at, received_at, order_id, store_id, payload)
       SELECT s, i, t, to_timestamp(at / 1000.0), to_timestamp(at / 1000.0), o, st, p
         FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::jsonb[])
           AS r(s, i, t, at, o, st, p)`,
      [
        rows.map((r) => r.source),
        rows.map((r) => r.id),
        rows.map((r) => r.type),
        rows.map((r) => r.occurredAt),
        rows.map((r) => r.orderId),
        rows.map((r) => r.storeId),
        rows.map((r) => JSON.stringify(r.payload)),
      ],
    );
  }

  const comparable = (outcome: BacktestOutcome) => {
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    const { ordersHeld: _held, peakOrdersHeld: _peak, ...result } = outcome.result;
    return { ...outcome, result };
  };

  it('merges the parts of a split replay into the full replay’s counts and first samples, ties in time by id', async () => {
    // 24 orders over both stores, created in 西藏 in pairs at the same minute (ties across orders,
    // so across parts), then paid: every order fires once, in an order only the store's sort decides.
    const rows: Row[] = [];
    for (let o = 0; o < 24; o++) {
      for (const [status, minutesBefore] of [
        ['created', 300 - Math.floor(o / 2)],
        ['paid', 100 - Math.floor(o / 2)],
      ] as const) {
        const id = `e${rows.length}`;
        const occurredAt = TO - minutesBefore * 60_000;
        const fields = { type: 'order.status', status, ...(status === 'created' && { region: '西藏' }) };
        rows.push({
          source: 'oms',
          id,
          type: 'order.status',
          occurredAt,
          orderId: `O${o}`,
          storeId: STORES[o % 2]!,
          payload: { id, source: 'oms', occurredAt, orderId: `O${o}`, storeId: STORES[o % 2]!, ...fields },
        });
      }
    }
    await load(rows);
    const request = {
      text: draftText([['status == "paid" and region == "西藏"', undefined]]),
      file: 'draft.yaml',
      from: FROM,
      to: TO,
    };
    const limits = { budgetMs: Number.POSITIVE_INFINITY, sampleLimit: 7, topStores: 1, pageRows: 5 };
    const full = comparable(await runBacktest(store.db, undefined, request, { ...limits, preselect: false }));
    expect(full.result.fired).toBe(24);
    // O4 and O5 are paid at the same minute, by events e9 and e11: "e11" sorts first.
    expect(full.result.sample.map((s) => s.orderId)).toEqual(['O0', 'O1', 'O2', 'O3', 'O5', 'O4', 'O6']);
    for (const partCount of [1, 2, 4]) {
      const split = comparable(
        await runBacktest(store.db, undefined, request, { ...limits, parts: partCount }),
      );
      expect(split).toEqual(full);
    }
  });

  it('chooses every order a rule fires on, and replaying only those gives the full replay’s result', async () => {
    await fc.assert(
      fc.asyncProperty(draft, history, parts, sampleLimit, async (rules, rows, partCount, samples) => {
        await load(rows);
        const text = draftText(rules);
        const request = { text, file: 'draft.yaml', from: FROM, to: TO };
        const limits = { budgetMs: Number.POSITIVE_INFINITY, sampleLimit: samples, pageRows: 3 };
        const full = comparable(
          await runBacktest(store.db, undefined, request, { ...limits, preselect: false }),
        );
        const chosenOnly = comparable(
          await runBacktest(store.db, undefined, request, { ...limits, parts: partCount }),
        );
        expect(chosenOnly).toEqual(full);

        const selection = orderPreselection(
          rules.map(([when, stores]) => ({
            when,
            stores: stores === undefined ? [] : [stores.slice(1, -1)],
          })),
          3,
        );
        if (selection === undefined) return;
        const { rows: chosen } = await store.db.query<{ order_id: string }>(
          `SELECT order_id FROM (
             SELECT order_id, ${selection.rowMask} AS mask FROM events
              WHERE occurred_at >= to_timestamp($1 / 1000.0) AND occurred_at < to_timestamp($2 / 1000.0)
           ) r
            GROUP BY order_id HAVING ${selection.orderFilter}`,
          [FROM - WARM_UP_MS, TO, ...selection.params],
        );
        const chosenIds = new Set(chosen.map((r) => r.order_id));
        for (const firing of full.result.sample) expect(chosenIds).toContain(firing.orderId);
      }),
      { numRuns: 60 },
    );
  }, 300_000);
});
