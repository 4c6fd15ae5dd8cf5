// Generates a chain's order history inside PostgreSQL for the dashboard-query benchmark: orders over
// `days` local days × `stores` stores (~400 orders per store and day, a diurnal curve, weekends
// busier), with the events the collector stores for them — order transitions, payment
// notifications, carrier updates — and the orders/payments/shipments rows the group commit keeps.
//
// Everything is INSERT … SELECT on the server (no HTTP, no client-side rows). The reporting rollups
// are produced by the product's own SQL, one of two ways (ChainShape.rollups): through the staging
// triggers and apply_reporting_rollups() day by day as a running collector would, or — about twice
// as fast at full scale — by rebuild_reporting_rollups(), the product's set-based backfill.
//
// Events are inserted one local day of event time at a time, in time order, so the event log's
// heap is laid out as live ingestion lays it out (the BRIN index on occurred_at depends on it).
import type pg from 'pg';

export interface ChainShape {
  days: number;
  stores: number;
  ordersPerStoreDay: number;
  timeZone: string;
  /** Generation stops here: nothing happens after `now`. */
  now: Date;
  seed: number;
  /**
   * How the reporting rollups are produced, both the product's own paths: 'staged' — the staging
   * triggers (0055) capture each day's inserts and apply_reporting_rollups() applies them, as the
   * running collector does; 'rebuild' — the load runs without triggers and rebuild_reporting_rollups()
   * (0054/0055, the backfill for data that predates the rollups) computes them once, set-based.
   */
  rollups: 'staged' | 'rebuild';
}

export interface GeneratedCounts {
  orders: number;
  events: number;
  payments: number;
  shipments: number;
  reconciliationRows: number;
  /** Seconds spent after the daily loads: the index rebuild, the rollup rebuild. */
  seconds: Record<string, number>;
}

// Share of a day's orders per local hour: quiet at night, peaks at lunch and dinner.
const HOURLY_WEIGHTS = [
  0.6, 0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.8, 3.2, 4.0, 4.6, 5.6, 7.0, 6.2, 5.0, 4.4, 4.4, 5.0, 6.4, 7.2, 6.4,
  4.8, 3.2, 1.8,
];

/** Upper bounds of hours 0..22 as cumulative shares: width_bucket(random(), this) is the hour. */
function hourThresholds(): string {
  const total = HOURLY_WEIGHTS.reduce((a, b) => a + b, 0);
  let sum = 0;
  const bounds = HOURLY_WEIGHTS.slice(0, -1).map((w) => {
    sum += w;
    return (sum / total).toFixed(6);
  });
  return `ARRAY[${bounds.join(',')}]::float8[]`;
}

const CARRIERS = `ARRAY['SF','ZTO','YTO','STO','YUNDA','EMS','JD','BEST','DEPPON','JT']`;
const ORDER_STATUSES = `ARRAY['created','paid','picking','packed','shipped','delivered','cancelled','refunded','closed']`;
// Every event of an order happens within this long of its creation (delivery ≤ ~3 days, refund after).
const PLAN_SPAN = `interval '4 days'`;

/**
 * One row per order with the times of everything that happens to it (NULL: never happens).
 * Fates, drawn per order: 3 % cancelled; "missing orders" (paid for, the order system never reports
 * it paid) at 1 % everywhere and 30 % on one till in every 20th store; 0.5 % lost payment
 * callbacks; 1 % refunded after delivery; 2 % of waybills go silent after their first checkpoint.
 */
const PLAN_SQL = `
CREATE UNLOGGED TABLE bench_plan AS
WITH day AS (
  SELECT d::date AS day, d::timestamp AT TIME ZONE $2 AS day_start,
         CASE WHEN extract(isodow FROM d) IN (6, 7) THEN 1.2 ELSE 0.92 END AS dow
  FROM generate_series((($1::timestamptz AT TIME ZONE $2)::date - $3::int)::timestamp,
                       ($1::timestamptz AT TIME ZONE $2)::date::timestamp, interval '1 day') d
), store_day AS (
  SELECT day.day, day.day_start, s,
         round($5::int * (0.5 + ((s * 37) % 100) / 100.0) * day.dow * (0.9 + 0.2 * random()))::int AS orders
  FROM day, generate_series(1, $4::int) s
), drawn AS (
  SELECT sd.day, s, n,
         sd.day_start + (width_bucket(random(), ${hourThresholds()}) + random()) * interval '1 hour' AS created_at,
         random() AS fate, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
  FROM store_day sd, generate_series(1, sd.orders) n
), fated AS (
  SELECT d.*,
         'O' || to_char(d.day, 'YYMMDD') || '-' || lpad(s::text, 3, '0') || '-' || lpad(n::text, 4, '0') AS order_id,
         'S' || lpad(s::text, 3, '0') AS store_id,
         'S' || lpad(s::text, 3, '0') || '-POS' || (1 + n % 3) AS device_id,
         d.fate < 0.03 AS cancelled,
         NOT (d.fate < 0.03) AND (d.fate < 0.04 OR (s % 20 = 7 AND n % 3 = 0 AND d.r5 < 0.3)) AS missing,
         d.fate >= 0.04 AND d.fate < 0.045 AS lost_callback,
         d.fate >= 0.05 AND d.fate < 0.06 AS refunded,
         d.r4 < 0.02 AS silent
  FROM drawn d
), timed AS (
  SELECT f.*,
         f.created_at + (20 + f.r1 * 160) * interval '1 second' AS pay_time,
         f.created_at + (20 + f.r1 * 160) * interval '1 second' + (10 + f.r2 * 35) * interval '1 minute' AS packed_time
  FROM fated f
), shipped AS (
  SELECT t.*, t.packed_time + (1 + t.r3 * 5) * interval '1 hour' AS shipped_time FROM timed t
)
SELECT order_id, store_id, device_id, created_at, (substr(store_id, 2)::int % $6::int)::int AS part,
       (1500 + r1 * 18000)::bigint AS amount_fen,
       'R' || lpad((substr(store_id, 2)::int % 31)::text, 2, '0') AS region,
       (ARRAY['miniapp', 'pos', 'app', 'meituan'])[1 + (r2 * 4)::int % 4] AS channel,
       CASE WHEN r3 < 0.6 THEN 'wechatpay' WHEN r3 < 0.98 THEN 'alipay' ELSE 'other' END AS provider,
       (${CARRIERS})[1 + (r5 * 10)::int % 10] AS carrier,
       missing, lost_callback,
       CASE WHEN cancelled THEN created_at + (5 + r2 * 25) * interval '1 minute' END AS cancelled_at,
       CASE WHEN NOT cancelled AND NOT missing THEN pay_time END AS paid_at,
       CASE WHEN NOT cancelled AND NOT missing AND substr(store_id, 2)::int % 3 = 0
            THEN pay_time + (2 + r4 * 13) * interval '1 minute' END AS picking_at,
       CASE WHEN NOT cancelled AND NOT missing THEN packed_time END AS packed_at,
       CASE WHEN NOT cancelled AND NOT missing THEN shipped_time END AS shipped_at,
       CASE WHEN NOT cancelled AND NOT missing THEN shipped_time + (2 + r1 * 6) * interval '1 hour' END AS transit_at,
       CASE WHEN NOT cancelled AND NOT missing AND NOT silent
            THEN shipped_time + (18 + r2 * 42) * interval '1 hour' END AS delivered_at,
       CASE WHEN refunded AND NOT missing AND NOT silent
            THEN shipped_time + (18 + r2 * 42) * interval '1 hour' + (2 + r3 * 8) * interval '1 hour' END AS refunded_at,
       CASE WHEN NOT cancelled AND NOT lost_callback THEN pay_time + (1 + r4 * 4) * interval '1 second' END AS notify_at
FROM shipped
WHERE created_at <= $1::timestamptz`;

// Each order's events as (type, state, time); the statement filters them to one day of event time.
const EVENTS_OF_PLAN = `
CROSS JOIN LATERAL (VALUES
  ('order.status', 'created', p.created_at),
  ('order.status', 'cancelled', p.cancelled_at),
  ('order.status', 'paid', p.paid_at),
  ('order.status', 'picking', p.picking_at),
  ('order.status', 'packed', p.packed_at),
  ('order.status', 'shipped', p.shipped_at),
  ('order.status', 'delivered', p.delivered_at),
  ('order.status', 'refunded', p.refunded_at),
  ('payment.notify', 'success', p.notify_at),
  ('payment.notify', 'refund', p.refunded_at + interval '3 seconds'),
  ('shipment.update', 'in_transit', p.transit_at),
  ('shipment.update', 'delivered', p.delivered_at - interval '5 minutes')
) v(type, state, at)`;

const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;

// The wire object as the collector keeps it in `payload` (JSON.stringify of the domain event). One
// jsonb_build_object per event shape: concatenating jsonb values costs twice as much.
const payload = (...pairs: string[]) =>
  `jsonb_build_object('id', src.id, 'source', src.source, 'type', v.type, 'occurredAt', ${ms('v.at')},
     'orderId', p.order_id, 'storeId', p.store_id, ${pairs.join(', ')})`;
const STATUS_FIELDS = ["'status', v.state", "'region', p.region", "'channel', p.channel"];
const INSERT_EVENTS = `
INSERT INTO events (source, id, type, occurred_at, received_at, order_id, store_id, payload)
SELECT src.source, src.id, v.type, v.at, v.at + interval '1 second', p.order_id, p.store_id,
       CASE
         WHEN v.type = 'order.status' AND v.state IN ('created', 'paid') THEN ${payload(...STATUS_FIELDS, "'amountFen', p.amount_fen")}
         WHEN v.type = 'order.status' AND v.state = 'shipped' THEN ${payload(...STATUS_FIELDS, "'carrier', p.carrier", "'trackingNo', 'T' || p.order_id")}
         WHEN v.type = 'order.status' THEN ${payload(...STATUS_FIELDS)}
         WHEN v.type = 'payment.notify' THEN ${payload("'provider', p.provider", "'transactionId', 'X' || p.order_id", "'amountFen', p.amount_fen", "'status', v.state")}
         ELSE ${payload("'carrier', p.carrier", "'trackingNo', 'T' || p.order_id", "'state', v.state", "'location', p.region", "'destinationRegion', p.region")}
       END
FROM bench_plan p
${EVENTS_OF_PLAN}
CROSS JOIN LATERAL (SELECT
  CASE v.type WHEN 'order.status' THEN 'bench-pos' WHEN 'payment.notify' THEN p.provider ELSE 'kuaidi100' END AS source,
  p.order_id || ':' || v.type || ':' || v.state AS id) src
WHERE p.part = $4 AND p.created_at >= $1::timestamptz - ${PLAN_SPAN} AND p.created_at < $2::timestamptz
  AND v.at >= $1::timestamptz AND v.at < $2::timestamptz AND v.at <= $3::timestamptz
ORDER BY v.at`;

// Each day's successful notifications and refunds, in time order.
const INSERT_PAYMENTS = `
INSERT INTO payments (provider, transaction_id, status, order_id, store_id, amount_fen, occurred_at, source, event_id)
SELECT p.provider, 'X' || p.order_id, v.state, p.order_id, p.store_id, p.amount_fen, v.at, p.provider,
       p.order_id || ':payment.notify:' || v.state
FROM bench_plan p
CROSS JOIN LATERAL (VALUES ('success', p.notify_at), ('refund', p.refunded_at + interval '3 seconds')) v(state, at)
WHERE p.part = $4 AND p.created_at >= $1::timestamptz - ${PLAN_SPAN} AND p.created_at < $2::timestamptz
  AND v.at >= $1::timestamptz AND v.at < $2::timestamptz AND v.at <= $3::timestamptz
ORDER BY v.at`;

const upTo = (column: string) => `CASE WHEN ${column} <= $3::timestamptz THEN ${column} END`;
// An order's times only move forward in this order (cancelled comes right after created).
const LATEST_STATUS = ['refunded', 'delivered', 'shipped', 'packed', 'picking', 'paid', 'cancelled']
  .map((status) => `WHEN p.${status}_at <= $3::timestamptz THEN '${status}'`)
  .join(' ');
const LATEST_STATUS_AT = ['refunded', 'delivered', 'shipped', 'packed', 'picking', 'paid', 'cancelled']
  .map((status) => `WHEN p.${status}_at <= $3::timestamptz THEN p.${status}_at`)
  .join(' ');
// greatest() skips NULLs: the latest of the order's events that have happened by now
const LAST_EVENT_AT = `greatest(p.created_at, ${[
  'p.cancelled_at',
  'p.paid_at',
  'p.picking_at',
  'p.packed_at',
  'p.shipped_at',
  'p.delivered_at',
  'p.refunded_at',
  'p.notify_at',
  "p.refunded_at + interval '3 seconds'",
  'p.transit_at',
]
  .map(upTo)
  .join(', ')})`;

// Orders created that day, in their state as of `now` (the group commit's upsert, folded).
const INSERT_ORDERS = `
INSERT INTO orders (order_id, store_id, status, status_at, status_rank, amount_fen, region, channel,
                    created_at, paid_at, first_seen_at, last_event_at, updated_at, partition_hash)
SELECT p.order_id, p.store_id, s.status, s.status_at, array_position(${ORDER_STATUSES}, s.status) - 1,
       p.amount_fen, p.region, p.channel, p.created_at, ${upTo('p.paid_at')}, p.created_at,
       s.last_event_at, s.last_event_at + interval '1 second', order_partition_hash(p.order_id)
FROM bench_plan p
CROSS JOIN LATERAL (SELECT CASE ${LATEST_STATUS} ELSE 'created' END AS status,
                           CASE ${LATEST_STATUS_AT} ELSE p.created_at END AS status_at,
                           ${LAST_EVENT_AT} AS last_event_at) s
WHERE p.part = $4 AND p.created_at >= $1::timestamptz AND p.created_at < $2::timestamptz
ORDER BY p.order_id`;

// Waybills of orders created that day, in their state as of `now` (only those with a checkpoint).
const INSERT_SHIPMENTS = `
INSERT INTO shipments (carrier, tracking_no, order_id, store_id, state, last_update_at, location, destination_region,
                       partition_hash)
SELECT p.carrier, 'T' || p.order_id, p.order_id, p.store_id,
       CASE WHEN p.delivered_at - interval '5 minutes' <= $3::timestamptz THEN 'delivered' ELSE 'in_transit' END,
       CASE WHEN p.delivered_at - interval '5 minutes' <= $3::timestamptz THEN p.delivered_at - interval '5 minutes'
            ELSE p.transit_at END,
       p.region, p.region, order_partition_hash(p.order_id)
FROM bench_plan p
WHERE p.part = $4 AND p.created_at >= $1::timestamptz AND p.created_at < $2::timestamptz AND p.transit_at <= $3::timestamptz`;

// What the daily bill reconciliation would have written for that day's payments, per till: every
// successful notification is a bill line; missing orders are unmatched payments, lost callbacks
// unmatched orders.
const INSERT_RECONCILIATION = `
WITH import AS (
  INSERT INTO bill_imports (provider, file_sha256, imported_at, imported_by, rows, refunds, first_day, last_day,
                            matched, fuzzy_matched, unmatched_payments, unmatched_orders)
  SELECT provider, md5(provider || $4::date), $2::timestamptz, 'bench', 0, 0, $4::date, $4::date, 0, 0, 0, 0
  FROM unnest(ARRAY['wechatpay', 'alipay']) provider
  RETURNING id, provider
)
INSERT INTO reconciliation_results (provider, day, store_id, device_id, import_id, payments, orders, matched,
  fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen, refunds, refunds_fen)
SELECT p.provider, $4::date, p.store_id, p.device_id, i.id,
       count(*) FILTER (WHERE NOT p.lost_callback),
       count(*) FILTER (WHERE NOT p.missing),
       count(*) FILTER (WHERE NOT p.missing AND NOT p.lost_callback), 0,
       count(*) FILTER (WHERE p.missing),
       count(*) FILTER (WHERE p.lost_callback),
       coalesce(sum(p.amount_fen) FILTER (WHERE NOT p.lost_callback), 0),
       coalesce(sum(p.amount_fen) FILTER (WHERE p.missing), 0), 0, 0
FROM bench_plan p JOIN import i USING (provider)
WHERE p.cancelled_at IS NULL AND p.created_at >= $1::timestamptz - ${PLAN_SPAN} AND p.created_at < $2::timestamptz
  AND coalesce(p.paid_at, p.created_at) >= $1::timestamptz AND coalesce(p.paid_at, p.created_at) < $2::timestamptz
  AND coalesce(p.paid_at, p.created_at) <= $3::timestamptz
GROUP BY p.provider, p.store_id, p.device_id, i.id`;

export interface DayProgress {
  day: string;
  events: number;
  seconds: number;
  /** Seconds per statement. */
  steps: Record<string, number>;
}

/**
 * Fills the (migrated, empty) schema on the clients' search_path. Each day's statements run once per
 * client, each on its share of the stores, at the same time. Returns the row counts; calls
 * `progress` after each local day of event time.
 */
export async function generateChainHistory(
  clients: pg.ClientBase[],
  shape: ChainShape,
  progress: (p: DayProgress) => void,
): Promise<GeneratedCounts> {
  const now = shape.now.toISOString();
  const client = clients[0]!;
  for (const c of clients) {
    // Each day's events are sorted by time before they are inserted (a time-ordered heap, as ingest
    // leaves it): give the sort memory instead of disk. The index rebuild gets the same.
    await c.query("SET work_mem = '256MB'");
    await c.query("SET maintenance_work_mem = '512MB'");
    // 'rebuild': user triggers (the staging capture) off for the load; the rollups are rebuilt at the end.
    if (shape.rollups === 'rebuild') await c.query('SET session_replication_role = replica');
  }
  await client.query('SELECT setseed($1)', [((shape.seed % 1000) + 1) / 1001]);
  await client.query('DROP TABLE IF EXISTS bench_plan');
  await client.query(PLAN_SQL, [
    now,
    shape.timeZone,
    shape.days,
    shape.stores,
    shape.ordersPerStoreDay,
    clients.length,
  ]);
  await client.query('CREATE INDEX ON bench_plan (created_at)');
  await client.query('ANALYZE bench_plan');

  const { rows: days } = await client.query<{ day: string; start: Date; end: Date }>(
    `SELECT to_char(d, 'YYYY-MM-DD') AS day, d::timestamp AT TIME ZONE $2 AS start,
            (d + interval '1 day') AT TIME ZONE $2 AS end
     FROM generate_series((($1::timestamptz AT TIME ZONE $2)::date - $3::int)::timestamp,
                          ($1::timestamptz AT TIME ZONE $2)::date::timestamp, interval '1 day') d`,
    [now, shape.timeZone, shape.days],
  );
  // The event log's (order_id, occurred_at) index is rebuilt after the load, as a bulk load does:
  // maintained row by row it is most of the load's cost (random inserts into an index far larger
  // than shared_buffers). Same definition, read back from the catalogue.
  const { rows: index } = await client.query<{ def: string }>(
    `SELECT indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'events_order_idx'`,
  );
  if (index[0]) await client.query('DROP INDEX events_order_idx');
  const counts: GeneratedCounts = {
    orders: 0,
    events: 0,
    payments: 0,
    shipments: 0,
    reconciliationRows: 0,
    seconds: {},
  };
  for (const { day, start, end } of days) {
    const started = performance.now();
    const range = [start.toISOString(), end.toISOString(), now];
    // One day of the collector's group commits, folded: orders created that day, then the day's
    // events and payment rows; the staging triggers capture all of it for the rollups.
    const steps: Record<string, number> = {};
    // each statement runs once per store partition, the partitions at once on their own connections
    const step = async (name: string, sql: string) => {
      const t = performance.now();
      const results = await Promise.all(clients.map((c, part) => c.query(sql, [...range, part])));
      steps[name] = (performance.now() - t) / 1000;
      return results.reduce((sum, r) => sum + (r.rowCount ?? 0), 0);
    };
    counts.orders += await step('orders', INSERT_ORDERS);
    counts.events += await step('events', INSERT_EVENTS);
    counts.payments += await step('payments', INSERT_PAYMENTS);
    counts.shipments += await step('shipments', INSERT_SHIPMENTS);
    let t = performance.now();
    counts.reconciliationRows += (await client.query(INSERT_RECONCILIATION, [...range, day])).rowCount ?? 0;
    steps.reconciliation = (performance.now() - t) / 1000;
    if (shape.rollups === 'staged') {
      // The collector's background apply, with larger batches (a day's staged rows in one or two calls).
      t = performance.now();
      for (;;) {
        const { rows } = await client.query<{ n: string }>('SELECT apply_reporting_rollups(2000000) AS n');
        if (Number(rows[0]!.n) === 0) break;
      }
      steps.apply = (performance.now() - t) / 1000;
    }
    progress({ day, events: counts.events, seconds: (performance.now() - started) / 1000, steps });
  }
  await client.query('DROP TABLE bench_plan');
  let started = performance.now();
  if (index[0]) await client.query(index[0].def);
  counts.seconds.index = (performance.now() - started) / 1000;
  for (const c of clients) await c.query('SET session_replication_role = DEFAULT');
  if (shape.rollups === 'rebuild') {
    started = performance.now();
    await client.query('SELECT rebuild_reporting_rollups()');
    counts.seconds.rebuild = (performance.now() - started) / 1000;
  }
  return counts;
}
