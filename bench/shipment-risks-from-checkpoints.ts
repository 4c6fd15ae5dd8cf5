// The shipment list as it was before the risk facts were kept per waybill (migration 0022): each
// request replays the `shipment.update` checkpoints of its 5,000 newest candidates through the
// domain model. Kept as the in-process baseline of dashboard-endpoints.ts (same data, same run).

import { waybillKey } from '../collector/src/carriers/waybill-bindings.ts';
import type { ShipmentState } from '../collector/src/domain/events.ts';
import type { ShipmentAnomalyParams } from '../collector/src/domain/shipments/anomalies.ts';
import {
  assessShipment,
  RISK_LEVELS,
  type RiskLevel,
  type ShipmentRisk,
} from '../collector/src/domain/shipments/risk.ts';
import {
  applyShipmentEvents,
  currentState,
  emptyTracking,
  lastUpdateAt,
  type ShipmentTracking,
  type ShipmentUpdateFields,
} from '../collector/src/domain/shipments/tracking.ts';
import type { PreparedStatement, Queryable } from '../collector/src/store/database.ts';
import type { ShipmentRiskItem } from '../collector/src/wire/shipments.ts';

interface ShipmentRiskFilter {
  /** The lowest level listed (`high` lists high only, `medium` medium and high). */
  risk?: RiskLevel;
  storeId?: string;
  /** A scoped caller's stores: only these (see auth/scope.ts). */
  stores?: readonly string[];
  carrier?: string;
  limit: number;
}

/** Shipments examined per request, newest first: bounds the work of one listing. */
const CANDIDATES = 5_000;

/** Newest first; carrier and number (byte order) settle equal times, so a listing is repeatable. */
const CANDIDATE_ORDER = 'last_update_at DESC, carrier COLLATE "C", tracking_no COLLATE "C"';

const LIST_CANDIDATES = `SELECT * FROM shipments
  WHERE ($1::text IS NULL OR store_id = $1) AND ($2::text IS NULL OR lower(carrier) = lower($2))
    AND ($4::text[] IS NULL OR store_id = ANY($4::text[]))
  ORDER BY ${CANDIDATE_ORDER} LIMIT $3`;

/** [carrier, tracking_no, order_id, store_id, state, last_update_at (epoch ms), destination_region] */
const shipmentsStatement = (name: string, candidates: string): PreparedStatement => ({
  name,
  text: `SELECT json_agg(ARRAY[carrier, tracking_no, order_id, store_id, state,
                              floor(extract(epoch FROM last_update_at) * 1000)::bigint::text, destination_region]
                       ORDER BY ${CANDIDATE_ORDER})::text AS doc
         FROM (${candidates}) c`,
});

/**
 * The `shipment.update` events of the candidates' orders, as stored in their payloads (null when
 * absent): [carrier, trackingNo, id, occurredAt, state, location, providerCode, providerText,
 * destinationRegion], in event time (then id): of two destinations given at the same time, the
 * later in that order wins. Its own snapshot, as the shipments' statement has its own.
 */
const eventsStatement = (name: string, candidates: string): PreparedStatement => ({
  name,
  text: `SELECT json_agg(ARRAY[payload->>'carrier', payload->>'trackingNo', payload->>'id', payload->>'occurredAt',
                              payload->>'state', payload->>'location', payload->>'providerCode',
                              payload->>'providerText', payload->>'destinationRegion']
                       ORDER BY occurred_at, id COLLATE "C", source COLLATE "C")::text AS doc
         FROM events
         WHERE type = 'shipment.update' AND order_id = ANY(ARRAY(SELECT order_id FROM (${candidates}) c))`,
});

const LIST = {
  shipments: shipmentsStatement('orderpulse_bench_shipment_risk_list', LIST_CANDIDATES),
  events: eventsStatement('orderpulse_bench_shipment_risk_list_events', LIST_CANDIDATES),
};
type ShipmentTuple = [
  carrier: string,
  trackingNo: string,
  orderId: string,
  storeId: string,
  state: string,
  lastUpdateAt: string,
  destinationRegion: string | null,
];

type EventTuple = [
  carrier: string,
  trackingNo: string,
  id: string,
  occurredAt: string,
  state: string,
  location: string | null,
  providerCode: string | null,
  providerText: string | null,
  destinationRegion: string | null,
];

export async function listShipmentRisksFromCheckpoints(
  db: Queryable,
  filter: ShipmentRiskFilter,
  now: number,
  params?: ShipmentAnomalyParams,
): Promise<ShipmentRiskItem[]> {
  const rows = await riskRows(db, LIST, [
    filter.storeId ?? null,
    filter.carrier ?? null,
    CANDIDATES,
    filter.stores ?? null,
  ]);
  const floor = RISK_LEVELS.indexOf(filter.risk ?? 'low');
  const assessed = rows
    .map((row) => assess(row, now, params))
    .filter((x) => RISK_LEVELS.indexOf(x.risk.level) >= floor);
  // Numbers, not the ISO strings: the same order, without a collator call per comparison.
  assessed.sort((a, b) => b.risk.score - a.risk.score || a.lastUpdateAt - b.lastUpdateAt);
  return assessed.slice(0, filter.limit).map(riskItem);
}

/** The candidates, each with its waybill's events (grouped by waybillKey, as the bindings are). */
async function riskRows(
  db: Queryable,
  statements: { shipments: PreparedStatement; events: PreparedStatement },
  values: unknown[],
): Promise<RiskRow[]> {
  const [shipments, events] = await Promise.all([
    db.query<{ doc: string | null }>(statements.shipments, values),
    db.query<{ doc: string | null }>(statements.events, values),
  ]);
  const byWaybill = new Map<string, ShipmentUpdateFields[]>();
  for (const event of parseDoc<EventTuple>(events.rows)) {
    const key = waybillKey({ carrier: event[0], trackingNo: event[1] });
    const list = byWaybill.get(key);
    if (list) list.push(updateFields(event));
    else byWaybill.set(key, [updateFields(event)]);
  }
  return parseDoc<ShipmentTuple>(shipments.rows).map((shipment) => ({
    shipment,
    events: byWaybill.get(waybillKey({ carrier: shipment[0], trackingNo: shipment[1] })) ?? [],
  }));
}

const parseDoc = <T>(rows: { doc: string | null }[]): T[] =>
  rows[0]?.doc ? (JSON.parse(rows[0].doc) as T[]) : [];

interface RiskRow {
  shipment: ShipmentTuple;
  events: ShipmentUpdateFields[];
}

interface AssessedShipment {
  row: ShipmentTuple;
  tracking: ShipmentTracking;
  risk: ShipmentRisk;
  lastUpdateAt: number;
}

function updateFields([
  ,
  ,
  id,
  occurredAt,
  state,
  location,
  providerCode,
  providerText,
  destinationRegion,
]: EventTuple): ShipmentUpdateFields {
  // The payload's number as JSON.parse would read it from the payload itself.
  const fields: ShipmentUpdateFields = { id, occurredAt: Number(occurredAt), state: state as ShipmentState };
  if (location !== null) fields.location = location;
  if (providerCode !== null) fields.providerCode = providerCode;
  if (providerText !== null) fields.providerText = providerText;
  if (destinationRegion !== null) fields.destinationRegion = destinationRegion;
  return fields;
}

// Only the listed few become wire items (dates formatted, reasons copied), not every candidate.
function assess(
  { shipment, events }: RiskRow,
  now: number,
  params: ShipmentAnomalyParams | undefined,
): AssessedShipment {
  const tracking = applyShipmentEvents(emptyTracking(shipment[0], shipment[1]), events).tracking;
  const risk = assessShipment(tracking, now, params);
  return { row: shipment, tracking, risk, lastUpdateAt: lastUpdateAt(tracking) ?? Number(shipment[5]) };
}

function riskItem({ row, tracking, risk, lastUpdateAt }: AssessedShipment): ShipmentRiskItem {
  const [carrier, trackingNo, orderId, storeId, state, , destinationRegion] = row;
  return {
    order_id: orderId,
    store_id: storeId,
    carrier,
    tracking_no: trackingNo,
    state: currentState(tracking) ?? state,
    last_update_at: new Date(lastUpdateAt).toISOString(),
    destination_region: tracking.destinationRegion ?? destinationRegion,
    risk: risk.level,
    risk_score: risk.score,
    reasons: risk.reasons.map((r) => ({
      reason: r.reason,
      since: new Date(r.since).toISOString(),
      detail: r.detail,
    })),
  };
}
