// The SQL of one group commit: event log, current order state, payments, shipments.
// Every statement is a single multi-row `unnest` so a batch costs a fixed number of round trips
// on PostgreSQL and on PGlite alike (PGlite cannot take COPY FROM STDIN).
import { ORDER_STATUSES, type OrderEvent } from '../domain/events.ts';
import type { PreparedStatement, Queryable } from './database.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const key = (source: string, id: string) => `${source}\u0000${id}`;

const INSERT_NEW_EVENTS: PreparedStatement = {
  name: 'orderpulse_insert_new_events',
  // The batch arrives as one JSON array, which is also each event's stored payload: one
  // JSON.stringify here instead of quoting every field of every event into seven text arrays.
  text: `WITH input AS (
       SELECT e->>'source' AS source, e->>'id' AS id, e->>'type' AS type,
              timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond' AS occurred_at,
              e->>'orderId' AS order_id, e->>'storeId' AS store_id, e AS payload
       FROM jsonb_array_elements($1::jsonb) AS e
     ), fresh AS (
       INSERT INTO event_keys (source, id, occurred_at)
       SELECT source, id, occurred_at FROM input
       ON CONFLICT DO NOTHING
       RETURNING source, id
     )
     INSERT INTO events (source, id, type, occurred_at, received_at, order_id, store_id, payload)
     SELECT i.source, i.id, i.type, i.occurred_at, $2::timestamptz, i.order_id, i.store_id, i.payload
     FROM input i JOIN fresh f USING (source, id)
     RETURNING source, id`,
};

/** Inserts events not seen before; returns the keys (source\0id) that were new. */
export async function insertNewEvents(
  tx: Queryable,
  events: OrderEvent[],
  receivedAt: number,
): Promise<Set<string>> {
  const { rows } = await tx.query<{ source: string; id: string }>(INSERT_NEW_EVENTS, [
    JSON.stringify(events),
    iso(receivedAt),
  ]);
  return new Set(rows.map((r) => key(r.source, r.id)));
}

export const eventKey = (e: { source: string; id: string }) => key(e.source, e.id);

interface OrderDelta {
  orderId: string;
  storeId: string;
  status: string | null;
  statusAt: number | null;
  statusRank: number | null;
  amountFen: number | null;
  region: string | null;
  channel: string | null;
  createdAt: number | null;
  paidAt: number | null;
  firstSeenAt: number;
  lastEventAt: number;
}

const rankOf = (status: string) => ORDER_STATUSES.indexOf(status as (typeof ORDER_STATUSES)[number]);
const minOf = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));

/** Folds a batch's events into one row per order, so one upsert never touches a row twice. */
export function orderDeltas(events: OrderEvent[]): OrderDelta[] {
  const byOrder = new Map<string, OrderDelta>();
  for (const e of events) {
    let d = byOrder.get(e.orderId);
    if (!d) {
      d = {
        orderId: e.orderId,
        storeId: e.storeId,
        status: null,
        statusAt: null,
        statusRank: null,
        amountFen: null,
        region: null,
        channel: null,
        createdAt: null,
        paidAt: null,
        firstSeenAt: e.occurredAt,
        lastEventAt: e.occurredAt,
      };
      byOrder.set(e.orderId, d);
    }
    d.firstSeenAt = Math.min(d.firstSeenAt, e.occurredAt);
    d.lastEventAt = Math.max(d.lastEventAt, e.occurredAt);
    if (e.type !== 'order.status') continue;
    const rank = rankOf(e.status);
    const newer =
      d.statusAt === null ||
      e.occurredAt > d.statusAt ||
      (e.occurredAt === d.statusAt && rank > d.statusRank!);
    if (newer) {
      d.status = e.status;
      d.statusAt = e.occurredAt;
      d.statusRank = rank;
      d.storeId = e.storeId;
    }
    if (e.amountFen !== undefined && (newer || d.amountFen === null)) d.amountFen = e.amountFen;
    if (e.region !== undefined && (newer || d.region === null)) d.region = e.region;
    if (e.channel !== undefined && (newer || d.channel === null)) d.channel = e.channel;
    if (e.status === 'created') d.createdAt = minOf(d.createdAt, e.occurredAt);
    if (e.status === 'paid') d.paidAt = minOf(d.paidAt, e.occurredAt);
  }
  return [...byOrder.values()].sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
}

const ADVANCES = `(excluded.status IS NOT NULL AND (o.status_at IS NULL
  OR (excluded.status_at, excluded.status_rank) > (o.status_at, o.status_rank)))`;

const UPSERT_ORDERS: PreparedStatement = {
  name: 'orderpulse_upsert_orders',
  text: `INSERT INTO orders AS o (order_id, store_id, status, status_at, status_rank, amount_fen, region, channel,
                              created_at, paid_at, first_seen_at, last_event_at, updated_at)
     SELECT *, $13::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int2[],
       $6::int8[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
     ON CONFLICT (order_id) DO UPDATE SET
       store_id      = CASE WHEN ${ADVANCES} THEN excluded.store_id ELSE o.store_id END,
       status        = CASE WHEN ${ADVANCES} THEN excluded.status ELSE o.status END,
       status_rank   = CASE WHEN ${ADVANCES} THEN excluded.status_rank ELSE o.status_rank END,
       amount_fen    = COALESCE(CASE WHEN ${ADVANCES} THEN excluded.amount_fen END, o.amount_fen, excluded.amount_fen),
       region        = COALESCE(CASE WHEN ${ADVANCES} THEN excluded.region END, o.region, excluded.region),
       channel       = COALESCE(CASE WHEN ${ADVANCES} THEN excluded.channel END, o.channel, excluded.channel),
       status_at     = GREATEST(o.status_at, excluded.status_at),
       created_at    = LEAST(o.created_at, excluded.created_at),
       paid_at       = LEAST(o.paid_at, excluded.paid_at),
       first_seen_at = LEAST(o.first_seen_at, excluded.first_seen_at),
       last_event_at = GREATEST(o.last_event_at, excluded.last_event_at),
       updated_at    = excluded.updated_at`,
};

export async function upsertOrders(tx: Queryable, deltas: OrderDelta[], receivedAt: number): Promise<void> {
  if (deltas.length === 0) return;
  const t = (ms: number | null) => (ms === null ? null : iso(ms));
  await tx.query(UPSERT_ORDERS, [
    deltas.map((d) => d.orderId),
    deltas.map((d) => d.storeId),
    deltas.map((d) => d.status),
    deltas.map((d) => t(d.statusAt)),
    deltas.map((d) => d.statusRank),
    deltas.map((d) => d.amountFen),
    deltas.map((d) => d.region),
    deltas.map((d) => d.channel),
    deltas.map((d) => t(d.createdAt)),
    deltas.map((d) => t(d.paidAt)),
    deltas.map((d) => iso(d.firstSeenAt)),
    deltas.map((d) => iso(d.lastEventAt)),
    iso(receivedAt),
  ]);
}

const INSERT_PAYMENTS: PreparedStatement = {
  name: 'orderpulse_insert_payments',
  text: `INSERT INTO payments (provider, transaction_id, status, order_id, store_id, amount_fen, occurred_at, source, event_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::timestamptz[],
       $8::text[], $9::text[])
     ON CONFLICT DO NOTHING`,
};

export async function insertPayments(tx: Queryable, events: OrderEvent[]): Promise<void> {
  // Sorted so that concurrent batches lock rows in the same order.
  const payments = events
    .filter((e) => e.type === 'payment.notify')
    .sort((a, b) => {
      const ka = `${a.provider}\u0000${a.transactionId}\u0000${a.status}`;
      const kb = `${b.provider}\u0000${b.transactionId}\u0000${b.status}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  if (payments.length === 0) return;
  await tx.query(INSERT_PAYMENTS, [
    payments.map((p) => p.provider),
    payments.map((p) => p.transactionId),
    payments.map((p) => p.status),
    payments.map((p) => p.orderId),
    payments.map((p) => p.storeId),
    payments.map((p) => p.amountFen),
    payments.map((p) => iso(p.occurredAt)),
    payments.map((p) => p.source),
    payments.map((p) => p.id),
  ]);
}

const UPSERT_SHIPMENTS: PreparedStatement = {
  name: 'orderpulse_upsert_shipments',
  text: `INSERT INTO shipments AS s (carrier, tracking_no, order_id, store_id, state, last_update_at, location,
                                 destination_region, returned_count)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[],
       $8::text[], $9::int4[])
     ON CONFLICT (carrier, tracking_no) DO UPDATE SET
       state              = CASE WHEN excluded.last_update_at >= s.last_update_at THEN excluded.state ELSE s.state END,
       location           = CASE WHEN excluded.last_update_at >= s.last_update_at
                              THEN COALESCE(excluded.location, s.location) ELSE s.location END,
       last_update_at     = GREATEST(s.last_update_at, excluded.last_update_at),
       destination_region = COALESCE(excluded.destination_region, s.destination_region),
       returned_count     = s.returned_count + excluded.returned_count`,
};

interface ShipmentDelta {
  carrier: string;
  trackingNo: string;
  orderId: string;
  storeId: string;
  state: string;
  at: number;
  location: string | null;
  destinationRegion: string | null;
  returns: number;
}

export async function upsertShipments(tx: Queryable, events: OrderEvent[]): Promise<void> {
  const byWaybill = new Map<string, ShipmentDelta>();
  for (const e of events) {
    if (e.type !== 'shipment.update') continue;
    const k = `${e.carrier}\u0000${e.trackingNo}`;
    const d = byWaybill.get(k);
    const returns = e.state === 'returned' ? 1 : 0;
    if (!d) {
      byWaybill.set(k, {
        carrier: e.carrier,
        trackingNo: e.trackingNo,
        orderId: e.orderId,
        storeId: e.storeId,
        state: e.state,
        at: e.occurredAt,
        location: e.location ?? null,
        destinationRegion: e.destinationRegion ?? null,
        returns,
      });
      continue;
    }
    d.returns += returns;
    d.destinationRegion = e.destinationRegion ?? d.destinationRegion;
    if (e.occurredAt >= d.at) {
      d.state = e.state;
      d.at = e.occurredAt;
      d.location = e.location ?? d.location;
    }
  }
  if (byWaybill.size === 0) return;
  const rows = [...byWaybill.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, row]) => row);
  await tx.query(UPSERT_SHIPMENTS, [
    rows.map((r) => r.carrier),
    rows.map((r) => r.trackingNo),
    rows.map((r) => r.orderId),
    rows.map((r) => r.storeId),
    rows.map((r) => r.state),
    rows.map((r) => iso(r.at)),
    rows.map((r) => r.location),
    rows.map((r) => r.destinationRegion),
    rows.map((r) => r.returns),
  ]);
}
