// Reads restart recovery needs from the store tables the ingest path keeps (orders, payments,
// shipments), mapped onto the engine's state types. Paged by primary key so a million open orders
// never sit in one result set.
import type { PaymentProvider } from '../domain/events.ts';
import { PAYMENT_PROVIDERS, querySource } from '../domain/events.ts';
import type { OrderState } from '../domain/order-lifecycle.ts';
import { type ShipmentState, shipmentKey } from '../domain/rules/shipment-state.ts';
import { type CopyRow, CopyTextRows } from '../store/copy-text.ts';
import type { Database, Queryable } from '../store/database.ts';
import type { HashRange } from './engine-scope.ts';

const OPEN_STATUSES = ['created', 'paid', 'picking', 'packed', 'shipped'];
const FINAL_SHIPMENT_STATES = ['delivered', 'rejected', 'returned'];

// Times come back as epoch milliseconds (float8): parsing a million timestamptz strings into Dates
// costs the client seconds, parsing numbers costs it almost nothing.
const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

interface OrderRow {
  order_id: string;
  store_id: string;
  status: OrderState['status'] | null;
  status_at: number | null;
  amount_fen: number | null;
  region: string | null;
  channel: string | null;
  created_at: number | null;
  paid_at: number | null;
  last_event_at: number;
  payment_at: number | null;
}

// No event time is taken back later than the commit that stored it (`updated_at` is the latest
// commit's receipt time): an order row dated ahead, stored before event times were bounded, would
// otherwise put the order's deadlines out of reach. CASE rather than LEAST, which turns NULL into
// the other argument.
const heard = (column: string) =>
  epochMs(`CASE WHEN ${column} > o.updated_at THEN o.updated_at ELSE ${column} END`);

const ORDER_COLUMNS = `o.order_id, o.store_id, o.status, ${heard('o.status_at')} AS status_at, o.amount_fen, o.region,
  o.channel, ${heard('o.created_at')} AS created_at, ${heard('o.paid_at')} AS paid_at,
  ${heard('o.last_event_at')} AS last_event_at`;

// The first successful payment only matters while the order has not reached `paid`, and not once
// it was refunded (payment_unapplied does not hold for a refunded payment).
const PAYMENT_AT = `CASE WHEN (o.status IS NULL OR o.status = 'created')
    AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.order_id = o.order_id AND r.status = 'refund')
  THEN ${epochMs(
    `(SELECT min(p.occurred_at) FROM payments p WHERE p.order_id = o.order_id AND p.status = 'success')`,
  )} END AS payment_at`;

const time = (t: number | null) => (t === null ? undefined : t);

function toOrderState(r: OrderRow): OrderState {
  // The orders row keeps one time per status; the attributes were set no later than it.
  const at = time(r.status_at);
  return {
    orderId: r.order_id,
    storeId: r.store_id,
    status: r.status ?? undefined,
    statusAt: at,
    createdAt: time(r.created_at),
    paidAt: time(r.paid_at),
    paymentAt: time(r.payment_at),
    amountFen: r.amount_fen ?? undefined,
    amountAt: r.amount_fen === null ? undefined : at,
    region: r.region ?? undefined,
    regionAt: r.region === null ? undefined : at,
    channel: r.channel ?? undefined,
    channelAt: r.channel === null ? undefined : at,
    updatedAt: r.last_event_at,
  };
}

/**
 * One page of the orders the engine must track after a restart: those in a non-terminal status or
 * with no status yet (a payment arrived first), and those created since `createdSince` (they count
 * towards callback_silent's window). Order ids after `afterId`, ascending.
 */
export async function openOrdersPage(
  q: Queryable,
  afterId: string,
  createdSince: number,
  limit: number,
): Promise<OrderState[]> {
  const { rows } = await q.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS}, ${PAYMENT_AT} FROM orders o
     WHERE o.order_id > $1 AND (o.status IS NULL OR o.status = ANY($2::text[]) OR o.created_at >= $3)
     ORDER BY o.order_id LIMIT $4`,
    [afterId, OPEN_STATUSES, new Date(createdSince).toISOString(), limit],
  );
  return rows.map(toOrderState);
}

/** Where a page of one partition's rows ended: rows come in (partition_hash, key) order. */
export interface OrderCursor {
  hash: number;
  orderId: string;
}

// Word for word the predicate of orders_open_partition_idx (0021), so the planner can use it.
const OPEN_ORDER = `(o.status IS NULL OR o.status IN ('created', 'paid', 'picking', 'packed', 'shipped'))`;

/**
 * One page of the open orders whose id hashes into `range` (a partition's, see openOrdersPage for
 * which orders are open), after `after` in (hash, order id) order: read off the partial index on
 * (partition_hash, order_id), so a takeover reads its own partition's rows only.
 */
export async function openOrdersInRangePage(
  q: Queryable,
  range: HashRange,
  after: OrderCursor,
  limit: number,
): Promise<{ orders: OrderState[]; next: OrderCursor }> {
  return ordersInRangePage(q, OPEN_ORDER, range, after, limit, []);
}

/**
 * One page of the orders no longer open but created since `createdSince` (callback_silent counts
 * them) whose id hashes into `range`: few, read off the index on created_at.
 */
export async function finishedOrdersInRangePage(
  q: Queryable,
  range: HashRange,
  createdSince: number,
  after: OrderCursor,
  limit: number,
): Promise<{ orders: OrderState[]; next: OrderCursor }> {
  return ordersInRangePage(q, `o.created_at >= $5 AND NOT ${OPEN_ORDER}`, range, after, limit, [
    new Date(createdSince).toISOString(),
  ]);
}

async function ordersInRangePage(
  q: Queryable,
  which: string,
  range: HashRange,
  after: OrderCursor,
  limit: number,
  params: unknown[],
): Promise<{ orders: OrderState[]; next: OrderCursor }> {
  const { rows } = await q.query<OrderRow & { partition_hash: number }>(
    `SELECT ${ORDER_COLUMNS}, ${PAYMENT_AT}, o.partition_hash::float8 AS partition_hash FROM orders o
     WHERE ${which} AND o.partition_hash >= $1 AND o.partition_hash < $2
       AND (o.partition_hash, o.order_id) > ($3, $4)
     ORDER BY o.partition_hash, o.order_id LIMIT ${Math.trunc(limit)}`,
    [range.from, range.to, after.hash, after.orderId, ...params],
  );
  const last = rows[rows.length - 1];
  return {
    orders: rows.map(toOrderState),
    next: last === undefined ? after : { hash: last.partition_hash, orderId: last.order_id },
  };
}

/** The columns of ORDER_COLUMNS and PAYMENT_AT, in order, off a COPY row. */
function orderRowOf(r: CopyRow): OrderRow {
  return {
    order_id: r.text(0)!,
    store_id: r.text(1)!,
    status: r.text(2) as OrderState['status'] | null,
    status_at: r.number(3),
    amount_fen: r.number(4),
    region: r.text(5),
    channel: r.text(6),
    created_at: r.number(7),
    paid_at: r.number(8),
    last_event_at: r.number(9)!,
    payment_at: r.number(10),
  };
}
const ORDER_ROW_WIDTH = 11;

const hashBound = (n: number) => {
  if (!Number.isSafeInteger(n)) throw new Error(`not a partition hash bound: ${n}`);
  return String(n);
};

/**
 * The same orders as openOrdersInRangePage for the whole of `range`, streamed by `COPY … TO STDOUT`
 * in no particular order: `take` gets them as the bytes arrive, at most `batch` at a time, so no
 * page of rows is ever held (a million rows as objects kept the garbage collector busy for seconds).
 * COPY takes no parameters; the bounds are integers written into the statement.
 */
export async function copyOpenOrdersInRange(
  copyOut: NonNullable<Database['copyOut']>,
  range: HashRange,
  batch: number,
  take: (orders: OrderState[]) => void,
): Promise<void> {
  const rows = new CopyTextRows(ORDER_ROW_WIDTH);
  let orders: OrderState[] = [];
  const flush = () => {
    if (orders.length === 0) return;
    const full = orders;
    orders = [];
    take(full);
  };
  await copyOut(
    `COPY (SELECT ${ORDER_COLUMNS}, ${PAYMENT_AT} FROM orders o
       WHERE ${OPEN_ORDER} AND o.partition_hash >= ${hashBound(range.from)}
         AND o.partition_hash < ${hashBound(range.to)}) TO STDOUT`,
    (chunk) => {
      rows.push(chunk, (row) => {
        orders.push(toOrderState(orderRowOf(row)));
        if (orders.length >= batch) flush();
      });
      flush();
    },
  );
  rows.end();
}

/** Orders by id, whatever their status (orders with an open alert must be re-checked). */
export async function ordersById(q: Queryable, ids: readonly string[]): Promise<OrderState[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS}, ${PAYMENT_AT} FROM orders o WHERE o.order_id = ANY($1::text[])`,
    [ids],
  );
  return rows.map(toOrderState);
}

interface ShipmentRow {
  carrier: string;
  tracking_no: string;
  order_id: string;
  store_id: string;
  state: ShipmentState['state'];
  last_update_at: number;
  location: string | null;
  destination_region: string | null;
  returned_count: number;
}

// The shipments row keeps no receipt time; a last update dated after now was not heard yet.
const SHIPMENT_COLUMNS = `carrier, tracking_no, order_id, store_id, state,
  ${epochMs('LEAST(last_update_at, now())')} AS last_update_at, location, destination_region, returned_count`;

function toShipmentState(r: ShipmentRow): ShipmentState {
  const at = r.last_update_at;
  // The row keeps only the latest checkpoint: the parcel is taken to have been at its location
  // since then, which can only delay (never invent) a stuck-at-location anomaly.
  return {
    key: shipmentKey(r.carrier, r.tracking_no),
    orderId: r.order_id,
    storeId: r.store_id,
    carrier: r.carrier,
    trackingNo: r.tracking_no,
    state: r.state,
    stateAt: at,
    lastUpdateAt: at,
    returnedCount: r.returned_count,
    lastReturnedAt: r.returned_count > 0 ? at : undefined,
    lastLocation: r.location ?? undefined,
    locationSince: r.location === null ? undefined : at,
    lastLocationAt: r.location === null ? undefined : at,
    destinationRegion: r.destination_region ?? undefined,
  };
}

/** One page of shipments not yet delivered/rejected/returned, after (carrier, tracking_no). */
export async function openShipmentsPage(
  q: Queryable,
  after: { carrier: string; trackingNo: string },
  limit: number,
): Promise<ShipmentState[]> {
  const { rows } = await q.query<ShipmentRow>(
    `SELECT ${SHIPMENT_COLUMNS} FROM shipments
     WHERE (carrier, tracking_no) > ($1, $2) AND NOT (state = ANY($3::text[]))
     ORDER BY carrier, tracking_no LIMIT $4`,
    [after.carrier, after.trackingNo, FINAL_SHIPMENT_STATES, limit],
  );
  return rows.map(toShipmentState);
}

/** Where a page of one partition's shipments ended. */
export interface ShipmentCursor {
  hash: number;
  carrier: string;
  trackingNo: string;
}

/**
 * One page of the open shipments whose order id hashes into `range`, after `after` in (hash,
 * carrier, tracking_no) order, off the partial index shipments_open_partition_idx (0021).
 */
export async function openShipmentsInRangePage(
  q: Queryable,
  range: HashRange,
  after: ShipmentCursor,
  limit: number,
): Promise<{ shipments: ShipmentState[]; next: ShipmentCursor }> {
  const { rows } = await q.query<ShipmentRow & { partition_hash: number }>(
    `SELECT ${SHIPMENT_COLUMNS}, partition_hash::float8 AS partition_hash FROM shipments
     WHERE state NOT IN ('delivered', 'rejected', 'returned')
       AND partition_hash >= $1 AND partition_hash < $2
       AND (partition_hash, carrier, tracking_no) > ($3, $4, $5)
     ORDER BY partition_hash, carrier, tracking_no LIMIT ${Math.trunc(limit)}`,
    [range.from, range.to, after.hash, after.carrier, after.trackingNo],
  );
  const last = rows[rows.length - 1];
  return {
    shipments: rows.map(toShipmentState),
    next:
      last === undefined
        ? after
        : { hash: last.partition_hash, carrier: last.carrier, trackingNo: last.tracking_no },
  };
}

/** Shipments by engine key (shipmentKey), whatever their state. */
export async function shipmentsByKey(q: Queryable, keys: readonly string[]): Promise<ShipmentState[]> {
  if (keys.length === 0) return [];
  const pairs = keys.map((k) => k.split('\u001f'));
  const { rows } = await q.query<ShipmentRow>(
    `SELECT ${SHIPMENT_COLUMNS} FROM shipments
     WHERE (carrier, tracking_no) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1] ?? '')],
  );
  return rows.map(toShipmentState);
}

/**
 * When each provider was last heard (callback_silent's "last heard"): the latest payment.notify, each
 * taken at min(occurred_at, received_at). Only the newest notification dated up to now and those
 * dated after it can be the latest, so the index on occurred_at bounds the rows read; received_at
 * comes from the notification's own event row.
 */
export async function lastNotifyPerProvider(q: Queryable): Promise<Partial<Record<PaymentProvider, number>>> {
  const out: Partial<Record<PaymentProvider, number>> = {};
  for (const provider of PAYMENT_PROVIDERS) {
    const { rows } = await q.query<{ at: Date | null }>(
      `SELECT max(LEAST(p.occurred_at, e.received_at, now())) AS at
       FROM payments p
       LEFT JOIN events e ON e.order_id = p.order_id AND e.occurred_at = p.occurred_at
                         AND e.source = p.source AND e.id = p.event_id
       WHERE p.provider = $1 AND p.source <> $2 AND p.occurred_at >= COALESCE(
         (SELECT max(occurred_at) FROM payments
          WHERE provider = $1 AND source <> $2 AND occurred_at <= now()), '-infinity')`,
      // A payment confirmed by asking the provider is not a callback heard from it.
      [provider, querySource(provider)],
    );
    if (rows[0]?.at) out[provider] = rows[0].at.getTime();
  }
  return out;
}
