// Keeps each waybill's risk facts (domain/shipments/anomalies.ts, ShipmentRiskFacts) in its
// shipments row, so GET /v1/shipments scores its candidates in SQL instead of replaying their events
// (migration 0022). A waybill is assessed from all its `shipment.update` events, exactly as the
// domain model rebuilds it; the facts land only if no commit changed the row since the events were
// read (risk_seq), so concurrent commits cannot leave an older picture behind.
import {
  SHIPMENT_UPDATE_FIELDS_SQL,
  type ShipmentUpdateTuple,
  shipmentUpdateFields,
} from '../carriers/shipment-update-tuple.ts';
import { waybillKey } from '../carriers/waybill-bindings.ts';
import { countedReturns, shipmentRiskFacts } from '../domain/shipments/anomalies.ts';
import {
  applyShipmentEvents,
  emptyTracking,
  type ShipmentUpdateFields,
} from '../domain/shipments/tracking.ts';
import type { PreparedStatement, Queryable } from './database.ts';

/**
 * The orders' waybills (with the change count they are at) and those orders' `shipment.update`
 * events, in one statement so both come from one snapshot; events in event time, then id and
 * source (of two updates with one id, the first is the one kept).
 */
const WAYBILLS_AND_EVENTS: PreparedStatement = {
  name: 'orderpulse_shipment_risk_facts_read',
  text: `SELECT json_build_array(
    (SELECT json_agg(ARRAY[carrier, tracking_no, order_id, risk_seq::text])
       FROM shipments WHERE order_id = ANY($1::text[])),
    (SELECT json_agg(ARRAY[${SHIPMENT_UPDATE_FIELDS_SQL}, order_id]
                     ORDER BY occurred_at, id COLLATE "C", source COLLATE "C")
       FROM events WHERE type = 'shipment.update' AND order_id = ANY($1::text[]))
  )::text AS doc`,
};

// A row a commit has locked is skipped rather than waited for. Waiting could deadlock with the group
// commit, which locks waybills in key order while this update takes them in whatever order its join
// reads them; and that commit is about to change the row (its risk_seq), so facts written after it
// would be refused anyway. The commit's own listener notes the waybill again, and until then the row
// reads as outdated, which a listing assesses first.
const WRITE_FACTS: PreparedStatement = {
  name: 'orderpulse_shipment_risk_facts_write',
  text: `WITH u AS (
      SELECT * FROM json_to_recordset($1::json) AS u(carrier text, tracking_no text, seq bigint, facts jsonb,
        state_reason text, outside boolean, returns integer, silence_from float8, stuck_since float8,
        last_at float8)
    ), free AS (
      SELECT s.carrier, s.tracking_no FROM shipments s
      JOIN u ON s.carrier = u.carrier AND s.tracking_no = u.tracking_no AND s.risk_seq = u.seq
      FOR UPDATE OF s SKIP LOCKED
    )
    UPDATE shipments s SET
      risk_assessed_seq = u.seq, risk_facts = u.facts, risk_state_reason = u.state_reason,
      risk_outside = u.outside, risk_returns = u.returns, risk_silence_from = u.silence_from,
      risk_stuck_since = u.stuck_since, risk_last_at = u.last_at
    FROM u JOIN free f ON f.carrier = u.carrier AND f.tracking_no = u.tracking_no
    WHERE s.carrier = u.carrier AND s.tracking_no = u.tracking_no AND s.risk_seq = u.seq`,
};

/** The next page of waybills (by key) whose facts are outdated, from a key on. */
const OUTDATED_PAGE: PreparedStatement = {
  name: 'orderpulse_shipment_risk_facts_outdated',
  text: `SELECT carrier, tracking_no, order_id, risk_assessed_seq <> risk_seq AS outdated FROM shipments
    WHERE (carrier, tracking_no) > ($1::text, $2::text)
    ORDER BY carrier, tracking_no LIMIT $3`,
};

type WaybillTuple = [carrier: string, trackingNo: string, orderId: string, seq: string];
/** A stored update with its order id last. */
type EventTuple = [...ShipmentUpdateTuple, orderId: string];

/**
 * Assesses every waybill of these orders from the order's events of the same waybill (waybillKey:
 * carrier case and blanks aside) and stores the facts. Returns how many rows took them.
 */
export async function assessShipmentsOfOrders(db: Queryable, orderIds: readonly string[]): Promise<number> {
  if (orderIds.length === 0) return 0;
  const { rows } = await db.query<{ doc: string }>(WAYBILLS_AND_EVENTS, [[...new Set(orderIds)]]);
  const [waybills, events] = JSON.parse(rows[0]!.doc) as [WaybillTuple[] | null, EventTuple[] | null];
  if (!waybills) return 0;
  const byWaybill = new Map<string, ShipmentUpdateFields[]>();
  for (const event of events ?? []) {
    const key = `${event[9]}\u0000${waybillKey({ carrier: event[0], trackingNo: event[1] })}`;
    const list = byWaybill.get(key);
    if (list) list.push(shipmentUpdateFields(event));
    else byWaybill.set(key, [shipmentUpdateFields(event)]);
  }
  const updates = waybills.map(([carrier, trackingNo, orderId, seq]) => {
    const own = byWaybill.get(`${orderId}\u0000${waybillKey({ carrier, trackingNo })}`) ?? [];
    const facts = shipmentRiskFacts(applyShipmentEvents(emptyTracking(carrier, trackingNo), own).tracking);
    return {
      carrier,
      tracking_no: trackingNo,
      seq: Number(seq),
      facts,
      state_reason: facts.stateReason?.reason ?? null,
      outside: facts.outsideDestination !== undefined,
      returns: countedReturns(facts),
      silence_from: facts.silenceFrom ?? null,
      stuck_since: facts.location?.since ?? null,
      last_at: facts.lastUpdateAt ?? null,
    };
  });
  const result = await db.query(WRITE_FACTS, [JSON.stringify(updates)]);
  return result.rowCount ?? 0;
}

/** The orders of the new `shipment.update` events among these: their waybills need assessing. */
export function ordersWithShipmentUpdates(events: readonly { type: string; orderId: string }[]): string[] {
  const orders = new Set<string>();
  for (const e of events) if (e.type === 'shipment.update') orders.add(e.orderId);
  return [...orders];
}

interface OutdatedRow {
  carrier: string;
  tracking_no: string;
  order_id: string;
  outdated: boolean;
}

/**
 * Assesses every waybill whose facts are outdated (those stored before migration 0022, or left
 * behind by a commit that stopped before assessing), a page of keys at a time. Returns the count.
 */
export async function assessOutdatedShipments(
  db: Queryable,
  options: { pageSize?: number; stop?: AbortSignal } = {},
): Promise<number> {
  const pageSize = options.pageSize ?? 2_000;
  // Every key sorts after ('', ''): carrier and number are never both empty.
  let after: [string, string] = ['', ''];
  let assessed = 0;
  for (;;) {
    const { rows }: { rows: OutdatedRow[] } = await db.query<OutdatedRow>(OUTDATED_PAGE, [
      ...after,
      pageSize,
    ]);
    if (rows.length === 0 || options.stop?.aborted) return assessed;
    const orders = rows.filter((r) => r.outdated).map((r) => r.order_id);
    if (orders.length > 0) assessed += await assessShipmentsOfOrders(db, orders);
    const last: OutdatedRow = rows.at(-1)!;
    after = [last.carrier, last.tracking_no];
  }
}
